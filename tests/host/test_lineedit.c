/*
 * Host test: lib/lineedit.c - line ends, echo, erasing, UTF-8 checking,
 * escape sequences bounded in length and time, and overflow.
 */
#include "lib/lineedit.h"
#include "tests/host/check.h"

static char echoed[8192];
static size_t echoed_len;

static void record(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    CHECK(echoed_len + n <= sizeof(echoed));
    if (echoed_len + n <= sizeof(echoed)) {
        memcpy(echoed + echoed_len, s, n);
        echoed_len += n;
    }
}

static char buf[16];
static struct lineedit le;
static enum lineedit_result feed(const char *s, size_t n);

static void start(size_t cap)
{
    lineedit_init(&le, buf, cap, record, NULL);
    echoed_len = 0;
}

/* Feeds s[n]; returns the last result, and stops at the first non-MORE. */
static enum lineedit_result feed(const char *s, size_t n)
{
    enum lineedit_result r = LINEEDIT_MORE;
    for (size_t i = 0; i < n && r == LINEEDIT_MORE; i++)
        r = lineedit_feed(&le, (uint8_t)s[i]);
    return r;
}
#define FEED(lit) feed(lit, sizeof(lit) - 1)

static int echo_is(const char *lit)
{
    bool same = echoed_len == strlen(lit) && memcmp(echoed, lit, echoed_len) == 0;
    if (!same)
        fprintf(stderr, "echo was '%.*s'\n", (int)echoed_len, echoed);
    echoed_len = 0;
    return same;
}

static void line_ends(void)
{
    start(sizeof(buf));
    CHECK_EQ(FEED("ls -l\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "ls -l");
    CHECK_EQ(le.len, 5);
    CHECK(echo_is("ls -l\n"));
    /* The LF of a CRLF is swallowed, not an empty line. */
    CHECK_EQ(FEED("\nab\n"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "ab");
    CHECK(echo_is("ab\n"));
    /* After a LF, another LF is an empty line. */
    CHECK_EQ(FEED("\n"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "");
    CHECK(echo_is("\n"));
    /* Tab is a space; NUL and other controls are ignored. */
    CHECK_EQ(feed("a\tb\0\x01\x02\x1f" "c\r", 9), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "a bc");
    CHECK(echo_is("a bc\n"));
}

static void editing(void)
{
    start(sizeof(buf));
    CHECK_EQ(FEED("gX\x7f" "y\b\bz\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "z");
    CHECK(echo_is("gX\b \by\b \b\b \bz\n"));
    /* Backspace on an empty line echoes nothing. */
    CHECK_EQ(FEED("\x7f\x7f" "a\r"), LINEEDIT_LINE);
    CHECK(echo_is("a\n"));
    /* Ctrl-U erases every character, whole UTF-8 ones too. */
    CHECK_EQ(FEED("a\xc3\x9c\x15ok\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "ok");
    CHECK(echo_is("a\xc3\x9c\b \b\b \bok\n"));
    /* Ctrl-C abandons the line. */
    CHECK_EQ(FEED("half\x03"), LINEEDIT_CANCEL);
    CHECK(echo_is("half^C\n"));
    CHECK_EQ(FEED("x\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "x");
    echoed_len = 0;
}

static void utf8(void)
{
    start(sizeof(buf));
    /* Whole characters echoed once complete; backspace erases all bytes. */
    CHECK_EQ(FEED("\xc3\x9c\xe6\x97\xa5\x7f\xf0\x9f\x98\x80\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "\xc3\x9c\xf0\x9f\x98\x80");
    CHECK(echo_is("\xc3\x9c\xe6\x97\xa5\b \b\xf0\x9f\x98\x80\n"));
    /* A lone continuation byte, an invalid lead, an overlong form, a
     * surrogate, a value above U+10FFFF: each dropped with one bell. */
    CHECK_EQ(FEED("a\x80" "b\xff" "c\xc0\xaf" "d\xed\xa0\x80" "e\xf4\x90\x80\x80" "f\r"),
             LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "abcdef");
    /* \xc0 and \xaf: two bells (C0 never starts a character). */
    CHECK(echo_is("a\ab\ac\a\ad\ae\af\n"));
    /* C1 controls (U+009B is a one-byte CSI to some terminals) are dropped;
     * U+00A0 is the first character kept. */
    CHECK_EQ(FEED("\xc2\x9b" "1m\xc2\x80\xc2\xa0\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "1m\xc2\xa0");
    CHECK(echo_is("\a1m\a\xc2\xa0\n"));
    /* A character cut short by ASCII, by a new lead byte, by CR. */
    CHECK_EQ(FEED("\xe6\x97" "x\xe6\xc3\x9c\xe6\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "x\xc3\x9c");
    CHECK(echo_is("\ax\a\xc3\x9c\a\n"));
}

static void escapes(void)
{
    start(sizeof(buf));
    /* Arrow keys (CSI and SS3), a function key with parameters, Alt-x,
     * a charset designation: ignored. */
    CHECK_EQ(FEED("a\x1b[A\x1bOB\x1b[15;2~\x1bx\x1b(B" "b\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "ab");
    CHECK(echo_is("ab\n"));
    /* A control inside a sequence ends it and counts: CR, Ctrl-C. */
    CHECK_EQ(FEED("a\x1b[1;\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "a");
    CHECK_EQ(FEED("a\x1b\x03"), LINEEDIT_CANCEL);
    echoed_len = 0;
    /* ESC ESC: the first is dropped, the second starts the sequence. */
    CHECK_EQ(FEED("\x1b\x1b[Cz\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "z");
    /* Non-ASCII ends a sequence and is text. */
    CHECK_EQ(FEED("\x1b[\xc3\x9c\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "\xc3\x9c");
    echoed_len = 0;
    /* A lone ESC and a truncated sequence end at a timeout. */
    CHECK_EQ(FEED("\x1b"), LINEEDIT_MORE);
    CHECK(lineedit_in_sequence(&le));
    CHECK_EQ(lineedit_feed(&le, LINEEDIT_TIMEOUT), LINEEDIT_MORE);
    CHECK(!lineedit_in_sequence(&le));
    CHECK_EQ(FEED("x\x1b[12"), LINEEDIT_MORE);
    CHECK_EQ(lineedit_feed(&le, LINEEDIT_TIMEOUT), LINEEDIT_MORE);
    CHECK_EQ(FEED("y\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "xy");
    CHECK(echo_is("xy\n"));
    /* A timeout with nothing open changes nothing. */
    CHECK_EQ(FEED("p"), LINEEDIT_MORE);
    CHECK_EQ(lineedit_feed(&le, LINEEDIT_TIMEOUT), LINEEDIT_MORE);
    CHECK_EQ(FEED("q\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "pq");
    echoed_len = 0;
    /* An overlong sequence: LINEEDIT_SEQ_MAX bytes are swallowed, the rest
     * is input. */
    char longseq[LINEEDIT_SEQ_MAX + 3];
    longseq[0] = 0x1b;
    longseq[1] = '[';
    for (size_t i = 2; i < sizeof(longseq); i++)
        longseq[i] = '1';
    CHECK_EQ(feed(longseq, sizeof(longseq)), LINEEDIT_MORE);
    CHECK(!lineedit_in_sequence(&le));
    CHECK_STR_EQ(buf, "111");
    CHECK_EQ(FEED("\x15ok\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "ok");
    echoed_len = 0;
}

static void overflow(void)
{
    start(8); /* 7 bytes and the NUL */
    CHECK_EQ(FEED("abcdefghij\r"), LINEEDIT_TOO_LONG);
    CHECK_EQ(le.len, 0);
    CHECK(echo_is("abcdefg\a\n")); /* one bell, however much is refused */
    /* The editor is usable again at once. */
    CHECK_EQ(FEED("echo ok\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "echo ok");
    echoed_len = 0;
    /* A character that does not fit whole is refused whole. */
    CHECK_EQ(FEED("abcdef\xe6\x97\xa5\r"), LINEEDIT_TOO_LONG);
    CHECK(echo_is("abcdef\a\n"));
    /* Erased to empty, the line is clean again; backspacing part way is not. */
    CHECK_EQ(FEED("abcdefgh\x7f\x7f\r"), LINEEDIT_TOO_LONG);
    CHECK_EQ(FEED("abcdefgh\x15ok\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "ok");
    CHECK_EQ(FEED("abcdefgh\x03"), LINEEDIT_CANCEL);
    CHECK_EQ(FEED("ok\r"), LINEEDIT_LINE);
    echoed_len = 0;
    /* A 1 MiB line into a 1024-byte buffer: 1023 bytes echoed, one bell,
     * refused at its end, and the next line works. */
    static char big[1024];
    lineedit_init(&le, big, sizeof(big), record, NULL);
    echoed_len = 0;
    enum lineedit_result r = LINEEDIT_MORE;
    for (size_t i = 0; i < (1u << 20) && r == LINEEDIT_MORE; i++)
        r = lineedit_feed(&le, 'x');
    CHECK_EQ(r, LINEEDIT_MORE);
    CHECK_EQ(le.len, sizeof(big) - 1);
    CHECK_EQ(echoed_len, sizeof(big)); /* 1023 x and a bell */
    CHECK_EQ(echoed[sizeof(big) - 1], '\a');
    CHECK_EQ(lineedit_feed(&le, '\r'), LINEEDIT_TOO_LONG);
    CHECK_EQ(FEED("echo ok\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(big, "echo ok");
    echoed_len = 0;
    /* A one-byte buffer holds only the empty line. */
    start(1);
    CHECK_EQ(FEED("a\r"), LINEEDIT_TOO_LONG);
    CHECK_EQ(FEED("\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "");
    echoed_len = 0;
    /* No echo callback: nothing breaks. */
    lineedit_init(&le, buf, sizeof(buf), NULL, NULL);
    CHECK_EQ(FEED("abc\r"), LINEEDIT_LINE);
    CHECK_STR_EQ(buf, "abc");
}

int main(void)
{
    line_ends();
    editing();
    utf8();
    escapes();
    overflow();
    return check_exit();
}
