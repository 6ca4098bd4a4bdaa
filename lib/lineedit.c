/*
 * lib/lineedit.c - the shell's line editor (rules in lineedit.h). Escape
 * sequences follow the shapes of ECMA-48 5th ed. §5.3-5.4 (CSI: parameter
 * bytes 0x30..0x3F, intermediates 0x20..0x2F, a final byte 0x40..0x7E) and
 * the SS3 form VT100-style terminals send for cursor keys; UTF-8 validity is
 * RFC 3629 §3 (via utf8_decode).
 */
#include "lib/lineedit.h"

#include "lib/utf.h"

#define BEL 0x07
#define BS 0x08
#define CTRL_C 0x03
#define CTRL_U 0x15
#define ESC 0x1B
#define DEL 0x7F

static void echo(struct lineedit *le, const char *s, size_t n)
{
    if (le->echo != NULL)
        le->echo(le->ctx, s, n);
}

void lineedit_reset(struct lineedit *le)
{
    le->len = 0;
    le->buf[0] = '\0';
    le->ended = false;
    le->overflowed = false;
    le->seq = 0;
    le->utf8_have = 0;
    le->utf8_need = 0;
}

void lineedit_init(struct lineedit *le, char *buf, size_t cap,
                   void (*echo_fn)(void *ctx, const char *s, size_t n), void *ctx)
{
    le->buf = buf;
    le->cap = cap;
    le->echo = echo_fn;
    le->ctx = ctx;
    le->last_was_cr = false;
    lineedit_reset(le);
}

bool lineedit_in_sequence(const struct lineedit *le)
{
    return le->seq > 0;
}

/* Where the last character of buf[0..len) starts. The line holds only valid
 * UTF-8, so this is the last byte that is not a continuation (10xxxxxx). */
static size_t char_start(const char *buf, size_t len)
{
    size_t i = len - 1;
    while (i > 0 && ((unsigned char)buf[i] & 0xC0) == 0x80)
        i--;
    return i;
}

static void erase_char(struct lineedit *le)
{
    le->len = char_start(le->buf, le->len);
    le->buf[le->len] = '\0';
    echo(le, "\b \b", 3);
    if (le->len == 0)
        le->overflowed = false; /* an empty line shows nothing refused */
}

/* Appends a whole character s[n] and echoes it, or refuses it. */
static void insert(struct lineedit *le, const char *s, size_t n)
{
    if (le->len + n >= le->cap) {
        if (!le->overflowed)
            echo(le, "\a", 1); /* once per line: a pasted megabyte is one bell */
        le->overflowed = true;
        return;
    }
    for (size_t i = 0; i < n; i++)
        le->buf[le->len + i] = s[i];
    le->len += n;
    le->buf[le->len] = '\0';
    echo(le, s, n);
}

/* A UTF-8 character cut short or malformed: dropped, with a bell. */
static void drop_utf8(struct lineedit *le)
{
    if (le->utf8_have > 0) {
        le->utf8_have = 0;
        le->utf8_need = 0;
        echo(le, "\a", 1);
    }
}

/* Length of the UTF-8 character lead byte b starts (RFC 3629 §4), or 0 if b
 * cannot start one (a continuation byte, C0, C1, F5..FF). */
static uint8_t utf8_length(uint8_t b)
{
    if (b >= 0xC2 && b <= 0xDF)
        return 2;
    if (b >= 0xE0 && b <= 0xEF)
        return 3;
    if (b >= 0xF0 && b <= 0xF4)
        return 4;
    return 0;
}

static void utf8_byte(struct lineedit *le, uint8_t b)
{
    if (le->utf8_have > 0 && (b & 0xC0) == 0x80) {
        le->utf8[le->utf8_have++] = (char)b;
        if (le->utf8_have < le->utf8_need)
            return;
        uint32_t cp;
        size_t used = utf8_decode(le->utf8, le->utf8_have, &cp);
        size_t n = le->utf8_have;
        le->utf8_have = 0;
        le->utf8_need = 0;
        if (used == n && cp >= 0xA0)
            insert(le, le->utf8, n);
        else
            echo(le, "\a", 1); /* overlong, surrogate, above U+10FFFF, or a C1 control */
        return;
    }
    drop_utf8(le); /* a lead byte or a lone continuation ends any partial one */
    uint8_t need = utf8_length(b);
    if (need == 0) {
        echo(le, "\a", 1);
        return;
    }
    le->utf8[0] = (char)b;
    le->utf8_have = 1;
    le->utf8_need = need;
}

static enum lineedit_result end_line(struct lineedit *le)
{
    echo(le, "\n", 1);
    le->ended = true;
    if (le->overflowed) {
        le->len = 0;
        le->buf[0] = '\0';
        return LINEEDIT_TOO_LONG;
    }
    return LINEEDIT_LINE;
}

/* One byte of an open escape sequence. Returns false if it does not belong
 * to the sequence (which is then over) and must be taken as input. */
static bool sequence_byte(struct lineedit *le, uint8_t c)
{
    if (c < 0x20 || c >= DEL) {
        le->seq = 0; /* controls and non-ASCII end it and count as input */
        return false;
    }
    if (le->seq == 1 && (c == '[' || c == 'O')) {
        le->seq = 2; /* CSI or SS3: parameters, then a final byte */
        return true;
    }
    bool more = le->seq == 1 ? c < 0x30 : c < 0x40; /* intermediates (and parameters) */
    if (!more || ++le->seq >= LINEEDIT_SEQ_MAX)
        le->seq = 0; /* the final byte (ESC x is Alt-x); or overlong, and the rest is input */
    return true;
}

enum lineedit_result lineedit_feed(struct lineedit *le, int c)
{
    if (le->ended)
        lineedit_reset(le);
    if (c == LINEEDIT_TIMEOUT) {
        le->seq = 0; /* a lone ESC or a sequence cut short */
        return LINEEDIT_MORE;
    }
    uint8_t b = (uint8_t)c;

    if (le->seq > 0 && sequence_byte(le, b))
        return LINEEDIT_MORE;
    if (b == '\n' && le->last_was_cr) { /* the LF of a CRLF */
        le->last_was_cr = false;
        return LINEEDIT_MORE;
    }
    le->last_was_cr = (b == '\r');
    if (b >= 0x80 || le->utf8_have > 0) {
        if (b >= 0x80) {
            utf8_byte(le, b);
            return LINEEDIT_MORE;
        }
        drop_utf8(le); /* ASCII cuts a UTF-8 character short */
    }

    switch (b) {
    case '\r':
    case '\n':
        return end_line(le);
    case BS:
    case DEL:
        if (le->len > 0)
            erase_char(le);
        return LINEEDIT_MORE;
    case CTRL_U:
        while (le->len > 0)
            erase_char(le);
        le->overflowed = false;
        return LINEEDIT_MORE;
    case CTRL_C:
        echo(le, "^C\n", 3);
        le->ended = true;
        le->len = 0;
        le->buf[0] = '\0';
        return LINEEDIT_CANCEL;
    case ESC:
        le->seq = 1;
        return LINEEDIT_MORE;
    case '\t':
        insert(le, " ", 1);
        return LINEEDIT_MORE;
    default:
        if (b >= 0x20 && b < DEL) {
            char ch = (char)b;
            insert(le, &ch, 1);
        }
        return LINEEDIT_MORE; /* other control characters, NUL included, are ignored */
    }
}
