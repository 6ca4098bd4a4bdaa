/*
 * lib/linefilter.c - lines of a stream that contain a text (linefilter.h).
 */
#include "lib/linefilter.h"

#include <string.h>

void linefilter_init(struct linefilter *f, const char *text,
                     void (*out)(const char *s, size_t n))
{
    memset(f, 0, sizeof(*f));
    f->text = text;
    f->text_len = strlen(text);
    f->out = out;
}

static bool contains(const char *s, size_t n, const char *t, size_t tn)
{
    if (tn == 0)
        return true;
    for (size_t i = 0; i + tn <= n; i++)
        if (memcmp(s + i, t, tn) == 0)
            return true;
    return false;
}

/* The line held is complete: pass it on if it matches, then start anew. */
static void judge(struct linefilter *f)
{
    if (contains(f->line, f->len, f->text, f->text_len)) {
        f->matched++;
        if (f->cut) {
            f->out(f->line, f->len);
            f->out("...\n", 4);
        } else {
            f->line[f->len] = '\n';
            f->out(f->line, f->len + 1);
        }
    }
    f->len = 0;
    f->cut = false;
}

void linefilter_feed(struct linefilter *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            judge(f);
        } else if (f->len < LINEFILTER_MAX - 1) { /* room for the '\n' */
            f->line[f->len++] = s[i];
        } else {
            f->cut = true;
        }
    }
}

void linefilter_end(struct linefilter *f)
{
    if (f->len > 0 || f->cut)
        judge(f);
}
