/*
 * lib/lineedit.h - the shell's line editor: a state machine fed one input
 * byte at a time, which keeps the line, says what to echo, and tells when a
 * line is complete. Pure code: the caller reads the bytes (with a timeout
 * while an escape sequence is open) and writes the echo.
 *
 * Console input is hostile, so every byte is accepted and none can wedge it:
 *   - a line ends at CR, LF or CRLF (the LF right after a CR is swallowed);
 *   - printable ASCII and tab (stored as a space) are echoed once; UTF-8 is
 *     stored and echoed a whole character at a time, once it is complete and
 *     valid (no overlong forms, surrogates or values above U+10FFFF) and not
 *     a C1 control (U+0080..U+009F, which a terminal may act on); invalid
 *     or truncated sequences are dropped with a bell, so the line is always
 *     valid UTF-8 and what the terminal shows is what is stored;
 *   - BS or DEL erases one character (all its bytes); Ctrl-U erases the line;
 *     Ctrl-C abandons it;
 *   - ESC starts an escape sequence (arrow and function keys), read and
 *     ignored: ESC [ or ESC O, then parameter and intermediate bytes
 *     (0x20..0x3F), then a final byte (0x40..0x7E); or ESC, intermediates
 *     (0x20..0x2F) and one final byte (0x30..0x7E; ESC x is Alt-x). A control byte or a byte >= 0x80 ends the sequence and
 *     then counts as input, so CR or Ctrl-C always work; a sequence longer
 *     than LINEEDIT_SEQ_MAX bytes is dropped and the bytes after it are
 *     input; and a sequence left open with no byte for LINEEDIT_SEQ_TIMEOUT_MS
 *     is dropped (the caller feeds LINEEDIT_TIMEOUT);
 *   - NUL and the other control characters are ignored;
 *   - a character that does not fit (the line holds cap - 1 bytes) is
 *     refused, with one bell per line; a line that overflowed is returned as
 *     LINEEDIT_TOO_LONG, not as a line to run, unless it was erased to empty
 *     first (Ctrl-U, backspaces) so that what runs is always what was seen.
 *
 * Echo: one call echoes at most LINEEDIT_ECHO_MAX bytes, plus, for Ctrl-U,
 * "\b \b" (3 bytes) per character it erases.
 */
#ifndef NVOS_LIB_LINEEDIT_H
#define NVOS_LIB_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINEEDIT_SEQ_MAX 32        /* bytes of an escape sequence, ESC included */
#define LINEEDIT_SEQ_TIMEOUT_MS 100 /* an open sequence with no byte for this long is dropped */
#define LINEEDIT_ECHO_MAX 4        /* echo bytes per call, Ctrl-U aside: a UTF-8 character, or a
                                      bell for a cut-short one and "^C\n" or "\b \b" */
#define LINEEDIT_TIMEOUT (-1)      /* lineedit_feed's byte when the caller's wait timed out */

enum lineedit_result {
    LINEEDIT_MORE,     /* keep feeding */
    LINEEDIT_LINE,     /* buf holds a complete line, NUL-terminated, length le->len */
    LINEEDIT_CANCEL,   /* Ctrl-C: the line was abandoned ("^C\n" echoed) */
    LINEEDIT_TOO_LONG, /* the line ended, but bytes were refused: do not run it */
};

struct lineedit {
    char *buf;  /* the line, cap bytes including the terminating NUL */
    size_t cap; /* >= 1 */
    size_t len; /* bytes in buf */
    /* Where the echo goes; may be NULL. */
    void (*echo)(void *ctx, const char *s, size_t n);
    void *ctx;
    /* The rest is the editor's own. */
    bool last_was_cr;
    bool ended;              /* a line was returned: the next byte starts a new one */
    bool overflowed;         /* a character was refused since the line was last empty */
    uint8_t seq;             /* bytes of the open escape sequence, 0 when none */
    uint8_t utf8_have;       /* bytes of a UTF-8 character gathered so far */
    uint8_t utf8_need;       /* its length, from its lead byte */
    char utf8[4];
};

/* Sets up an editor over buf[cap] with an empty line. */
void lineedit_init(struct lineedit *le, char *buf, size_t cap,
                   void (*echo)(void *ctx, const char *s, size_t n), void *ctx);

/* Starts a new, empty line. After LINEEDIT_LINE, _CANCEL or _TOO_LONG the
 * next lineedit_feed does this itself, so buf stays valid until then. */
void lineedit_reset(struct lineedit *le);

/* True while an escape sequence is open: the caller should wait for the next
 * byte at most LINEEDIT_SEQ_TIMEOUT_MS and feed LINEEDIT_TIMEOUT if none came. */
bool lineedit_in_sequence(const struct lineedit *le);

/* Feeds one byte (0..255) or LINEEDIT_TIMEOUT. */
enum lineedit_result lineedit_feed(struct lineedit *le, int c);

#endif
