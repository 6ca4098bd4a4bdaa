/*
 * lib/linefilter.h - passes on the lines of a byte stream that contain a
 * text (grep -F's test), for `dmesg TEXT`: the stream arrives in pieces of
 * any size, lines end at '\n'. A line longer than the buffer is judged and
 * passed on by its first LINEFILTER_MAX - 1 bytes, with the rest dropped and
 * "..." in their place; the last line, if unterminated, by linefilter_end.
 */
#ifndef NVOS_LIB_LINEFILTER_H
#define NVOS_LIB_LINEFILTER_H

#include <stdbool.h>
#include <stddef.h>

#define LINEFILTER_MAX 512

struct linefilter {
    const char *text;   /* what a line must contain ("" : every line) */
    size_t text_len;
    void (*out)(const char *s, size_t n); /* a whole line, '\n' included */
    char line[LINEFILTER_MAX];
    size_t len;         /* bytes of the current line in line[] */
    bool cut;           /* the current line was longer than line[] */
    unsigned matched;   /* lines passed on so far */
};

void linefilter_init(struct linefilter *f, const char *text,
                     void (*out)(const char *s, size_t n));
void linefilter_feed(struct linefilter *f, const char *s, size_t n);
/* Judges an unterminated last line (passed on with a '\n'). */
void linefilter_end(struct linefilter *f);

#endif
