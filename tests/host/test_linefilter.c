/*
 * Host test: lib/linefilter.c - the lines of a stream fed in pieces of every
 * size that contain a text, long lines cut, an unterminated last line.
 */
#include <stdio.h>
#include <string.h>

#include "lib/linefilter.h"
#include "tests/host/check.h"

static char got[8192];
static size_t got_len;

static void out(const char *s, size_t n)
{
    CHECK(got_len + n < sizeof(got));
    if (got_len + n < sizeof(got)) {
        memcpy(got + got_len, s, n);
        got_len += n;
        got[got_len] = 0;
    }
}

static const char *run(const char *text, const char *stream, size_t piece)
{
    struct linefilter f;
    got_len = 0;
    got[0] = 0;
    linefilter_init(&f, text, out);
    size_t n = strlen(stream);
    for (size_t i = 0; i < n; i += piece)
        linefilter_feed(&f, stream + i, n - i < piece ? n - i : piece);
    linefilter_end(&f);
    return got;
}

int main(void)
{
    const char *log = "smp: 4 of 4 CPU(s) online\ni8042: none (ACPI FADT)\n"
                      "xhci0: port 1: USB keyboard 0627:0001\nnvme0: ready\npartial i8042";
    for (size_t piece = 1; piece <= strlen(log) + 1; piece++) {
        CHECK_STR_EQ(run("i8042", log, piece), "i8042: none (ACPI FADT)\npartial i8042\n");
        CHECK_STR_EQ(run("xhci0:", log, piece), "xhci0: port 1: USB keyboard 0627:0001\n");
        CHECK_STR_EQ(run("absent", log, piece), "");
    }
    /* Every line when the text is empty; an empty line is a line. */
    CHECK_STR_EQ(run("", "a\n\nb\n", 2), "a\n\nb\n");
    /* A match at the very end of a line, and one split across pieces. */
    CHECK_STR_EQ(run("end", "x\nthe end\n", 1), "the end\n");
    /* A line longer than the buffer: judged by what fits, cut with "...". */
    char longline[LINEFILTER_MAX * 2 + 16];
    memset(longline, 'z', sizeof(longline));
    memcpy(longline, "key ", 4);
    longline[sizeof(longline) - 2] = '\n';
    longline[sizeof(longline) - 1] = 0;
    const char *r = run("key", longline, 7);
    CHECK_EQ(strlen(r), LINEFILTER_MAX - 1 + 4);
    CHECK(strncmp(r, "key zzz", 7) == 0);
    CHECK_STR_EQ(r + LINEFILTER_MAX - 1, "...\n");
    /* ... so text only past the cut is not found (documented). */
    memcpy(longline + LINEFILTER_MAX + 8, "late", 4);
    CHECK_STR_EQ(run("late", longline, 64), "");
    return check_exit();
}
