/*
 * tests/host/fuzz_console.c - a libFuzzer target over the shell's console
 * input path: lib/lineedit (the line editor) fed the input byte by byte, and
 * every line it completes split as kernel/shell/shell.c splits it, with
 * args_next_command, args_tokenize and args_flags (lib/args).
 *
 * Input: one control byte, then the console bytes. The control byte picks
 * the line buffer's size (small ones reach overflow often), the tokenizer's
 * word limit, and whether 0xFF while an escape sequence is open stands for
 * the caller's timeout instead of a byte.
 *
 * Checked besides ASan/UBSan (buffers are heap blocks of their exact size):
 *   - each call's echo is at most LINEEDIT_ECHO_MAX bytes, plus 3 per
 *     character for Ctrl-U;
 *   - a terminal fed the echo shows exactly the stored line after every
 *     byte (so echo happens once, and erasing erases what was shown);
 *   - the line is always shorter than its buffer, NUL-terminated at len,
 *     valid UTF-8 with no control characters (C0, DEL or C1);
 *   - the commands of a completed line cover it exactly, each ending at ';'
 *     or the end; every word lies inside its command and argc is within the
 *     limit (or -E2BIG / -EINVAL).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/args.h"
#include "lib/errno.h"
#include "lib/lineedit.h"
#include "lib/utf.h"

#define REQUIRE(cond)                                                                    \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: %s does not hold\n", __FILE__, __LINE__, #cond);     \
            abort();                                                                     \
        }                                                                                \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a terminal would show on the current line, from the echo alone. */
struct terminal {
    char line[4096];
    size_t len;
    char ended[4096]; /* the line last ended with "\n" */
    size_t ended_len;
    size_t call_bytes; /* echo bytes in the current lineedit_feed call */
};

static size_t char_start(const char *s, size_t len)
{
    size_t i = len - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

static void terminal_echo(void *ctx, const char *s, size_t n)
{
    struct terminal *t = ctx;
    t->call_bytes += n;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\b') {
            /* The editor erases with "\b \b", in one write. */
            REQUIRE(i + 2 < n && s[i + 1] == ' ' && s[i + 2] == '\b');
            REQUIRE(t->len > 0);
            t->len = char_start(t->line, t->len);
            i += 2;
        } else if (s[i] == '\n') {
            memcpy(t->ended, t->line, t->len);
            t->ended_len = t->len;
            t->len = 0;
        } else if (s[i] != '\a') {
            REQUIRE(t->len < sizeof(t->line));
            t->line[t->len++] = s[i];
        }
    }
}

static size_t count_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static void check_line(const struct lineedit *le)
{
    REQUIRE(le->len < le->cap);
    REQUIRE(le->buf[le->len] == '\0');
    for (size_t i = 0; i < le->len;) {
        unsigned char c = (unsigned char)le->buf[i];
        REQUIRE(c >= 0x20 && c != 0x7F);
        uint32_t cp;
        size_t used = utf8_decode(le->buf + i, le->len - i, &cp);
        REQUIRE(used >= 1 && i + used <= le->len);
        REQUIRE(c < 0x80 || used > 1); /* a multi-byte character, never U+FFFD for junk */
        REQUIRE(c < 0x80 || cp >= 0xA0);  /* and no C1 control */
        i += used;
    }
}

/* Splits a completed line the way shell_execute_line does. */
static void split_line(const char *line, size_t len, int max_words)
{
    const char *end = line + len;
    const char *next = line;
    while (next != NULL) {
        const char *start = next;
        REQUIRE(start >= line && start <= end);
        size_t n = args_next_command(start, &next);
        REQUIRE(start + n <= end);
        REQUIRE(start[n] == (next != NULL ? ';' : '\0'));
        REQUIRE(next == NULL || next == start + n + 1);

        char *cmd = malloc(n + 1);
        char **argv = malloc(sizeof(char *) * (size_t)max_words);
        char **operands = malloc(sizeof(char *) * (size_t)max_words);
        REQUIRE(cmd != NULL && argv != NULL && operands != NULL);
        memcpy(cmd, start, n);
        cmd[n] = '\0';
        int argc = args_tokenize(cmd, argv, max_words);
        REQUIRE(argc == -EINVAL || argc == -E2BIG || (argc >= 0 && argc <= max_words));
        for (int i = 0; i < argc; i++) {
            REQUIRE(argv[i] >= cmd && argv[i] <= cmd + n);
            size_t w = strlen(argv[i]); /* ASan: the word ends inside cmd */
            REQUIRE(argv[i] + w <= cmd + n);
            if (i > 0)
                REQUIRE(argv[i] > argv[i - 1]);
        }
        if (argc > 0) {
            unsigned flags;
            int ops = args_flags(argc, argv, "alv", &flags, operands, max_words);
            REQUIRE(ops == -E2BIG || (ops >= 0 && ops < argc));
            REQUIRE((flags & ~(ARGS_FLAG('a') | ARGS_FLAG('l') | ARGS_FLAG('v'))) == 0);
        }
        free(operands);
        free(argv);
        free(cmd);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t caps[] = {1, 2, 3, 5, 8, 16, 64, 1024};
    if (size == 0)
        return 0;
    uint8_t ctl = data[0];
    size_t cap = caps[ctl & 7];
    int max_words = 1 + ((ctl >> 3) & 7) * 9; /* 1..64, the shell's 64 included */
    int timeouts = (ctl & 0x40) != 0;

    char *buf = malloc(cap);
    REQUIRE(buf != NULL);
    struct terminal *t = calloc(1, sizeof(*t));
    REQUIRE(t != NULL);
    struct lineedit le;
    lineedit_init(&le, buf, cap, terminal_echo, t);
    check_line(&le);

    for (size_t i = 1; i < size; i++) {
        int c = data[i];
        if (timeouts && c == 0xFF && lineedit_in_sequence(&le))
            c = LINEEDIT_TIMEOUT;
        size_t chars_before = count_chars(le.buf, le.len);
        t->call_bytes = 0;
        enum lineedit_result r = lineedit_feed(&le, c);
        size_t bound = LINEEDIT_ECHO_MAX + (c == 0x15 ? 3 * chars_before : 0);
        REQUIRE(t->call_bytes <= bound);
        check_line(&le);
        switch (r) {
        case LINEEDIT_MORE:
            REQUIRE(t->len == le.len && memcmp(t->line, le.buf, le.len) == 0);
            break;
        case LINEEDIT_LINE:
            /* Ended with "\n", and what ran is what the terminal showed. */
            REQUIRE(t->len == 0);
            REQUIRE(t->ended_len == le.len && memcmp(t->ended, le.buf, le.len) == 0);
            split_line(le.buf, le.len, max_words);
            break;
        case LINEEDIT_CANCEL:
        case LINEEDIT_TOO_LONG:
            REQUIRE(t->len == 0 && le.len == 0);
            break;
        default:
            REQUIRE(!"a result lineedit.h does not list");
        }
    }
    free(t);
    free(buf);
    return 0;
}
