/*
 * kernel/shell/shell.c - line editor and command dispatcher.
 *
 * Input rules, for people and for scripts alike:
 *   - a line ends at CR, LF or CRLF (the LF right after a CR is swallowed);
 *   - printable characters, UTF-8 sequences included (file names may be
 *     non-ASCII), are echoed exactly once; backspace (BS or DEL) erases one
 *     character, all bytes of it; Ctrl-U erases the line; Ctrl-C abandons it;
 *     escape sequences (arrow keys) are read and ignored;
 *   - the prompt "nvos> " is printed at the start of a line whenever the
 *     shell is ready for input, never before;
 *   - the rig contract (rig.c, docs/rig.md): a READY line once per boot, and
 *     with rc lines on, "rc=<N>" after every command line.
 * Lines are split into commands at unquoted ';' and into words by the rules
 * of lib/args.h.
 */
#include "kernel/shell/shell.h"

#include <string.h>

#include "kernel/kernel.h"
#include "lib/args.h"
#include "lib/errno.h"

#define LINE_MAX 1024
#define ARGV_MAX 64
#define PROMPT "nvos> "

extern const struct shell_command __shell_commands_start[], __shell_commands_end[];

static unsigned failures;

unsigned shell_failure_count(void)
{
    return failures;
}

int shell_error(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kprintf("error: ");
    kvprintf(fmt, ap);
    kprintf("\n");
    va_end(ap);
    return err;
}

static const struct shell_command *find_command(const char *name)
{
    for (const struct shell_command *c = __shell_commands_start; c < __shell_commands_end; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

int shell_usage(const char *name)
{
    const struct shell_command *c = find_command(name);
    return shell_error(-EINVAL, "usage: %s %s", name, c ? c->usage : "");
}

static int run_one(char *cmd)
{
    char *argv[ARGV_MAX];
    int argc = args_tokenize(cmd, argv, ARGV_MAX);
    if (argc == -EINVAL)
        return shell_error(-EINVAL, "unterminated quote or trailing backslash");
    if (argc < 0)
        return shell_error(argc, "too many arguments (at most %d)", ARGV_MAX);
    if (argc == 0)
        return 0;
    const struct shell_command *c = find_command(argv[0]);
    if (c == NULL)
        return shell_error(-ENOENT, "unknown command '%s' (try 'help')", argv[0]);
    return c->fn(argc, argv);
}

int shell_execute_line(const char *line)
{
    char cmd[LINE_MAX];
    const char *next = line;
    int last = 0;
    while (next != NULL) {
        const char *start = next;
        size_t n = args_next_command(start, &next);
        if (n >= sizeof(cmd)) {
            last = shell_error(-E2BIG, "command longer than %d bytes", LINE_MAX - 1);
            failures++;
            continue;
        }
        memcpy(cmd, start, n);
        cmd[n] = '\0';
        last = run_one(cmd);
        if (last < 0)
            failures++;
    }
    return last;
}

static void prompt(void)
{
    if (!console_at_line_start())
        console_write("\n", 1);
    console_write(PROMPT, sizeof(PROMPT) - 1);
}

/* Where the last character of buf[0..len) starts: UTF-8 continuation bytes
 * (10xxxxxx) belong to the lead byte before them. */
static size_t utf8_char_start(const char *buf, size_t len)
{
    size_t i = len - 1;
    while (i > 0 && ((unsigned char)buf[i] & 0xC0) == 0x80 && len - i < 4)
        i--;
    return i;
}

/* Reads one line with editing; returns its length. */
static size_t read_line(char *buf, size_t cap)
{
    static bool last_was_cr;
    size_t len = 0;

    for (;;) {
        int c = console_getc();
        if (c == '\n' && last_was_cr) { /* the LF of a CRLF */
            last_was_cr = false;
            continue;
        }
        last_was_cr = (c == '\r');
        if (c == '\r' || c == '\n') {
            console_write("\n", 1);
            buf[len] = '\0';
            return len;
        }
        if (c == 0x08 || c == 0x7F) { /* backspace */
            if (len > 0) {
                len = utf8_char_start(buf, len);
                console_write("\b \b", 3);
            }
        } else if (c == 0x15) { /* Ctrl-U */
            while (len > 0) {
                len = utf8_char_start(buf, len);
                console_write("\b \b", 3);
            }
        } else if (c == 0x03) { /* Ctrl-C */
            console_write("^C\n", 3);
            len = 0;
            prompt();
        } else if (c == 0x1B) { /* ESC [ ... final byte: ignore the sequence */
            int d = console_getc();
            if (d == '[' || d == 'O') {
                do
                    d = console_getc();
                while (d >= 0x20 && d < 0x40);
            }
        } else if ((c >= 0x20 && c < 0x7F) || c >= 0x80) {
            if (len + 1 < cap) {
                buf[len++] = (char)c;
                char ch = (char)c;
                console_write(&ch, 1);
            } else {
                console_write("\a", 1);
            }
        } else if (c == '\t') {
            if (len + 1 < cap) {
                buf[len++] = ' ';
                console_write(" ", 1);
            }
        }
        /* Other control characters are ignored. */
    }
}

void shell_run(const char *boot_commands)
{
    static char line[LINE_MAX];

    shell_rig_start();
    if (boot_commands != NULL && *boot_commands != '\0') {
        /* Each boot command appears after a prompt, exactly as if typed. */
        const char *next = boot_commands;
        while (next != NULL) {
            const char *start = next;
            size_t n = args_next_command(start, &next);
            while (n > 0 && *start == ' ') {
                start++;
                n--;
            }
            if (n >= sizeof(line)) {
                shell_error(-E2BIG, "boot command longer than %d bytes", LINE_MAX - 1);
                failures++;
                shell_rig_line_done(true);
                continue;
            }
            memcpy(line, start, n);
            line[n] = '\0';
            prompt();
            kprintf("%s\n", line);
            unsigned before = failures;
            shell_execute_line(line);
            shell_rig_line_done(failures != before);
        }
    }
    for (;;) {
        prompt();
        read_line(line, sizeof(line));
        unsigned before = failures;
        shell_execute_line(line);
        shell_rig_line_done(failures != before);
    }
}

static int cmd_help(int argc, char **argv)
{
    (void)argv;
    if (argc > 2)
        return shell_usage("help");
    for (const struct shell_command *c = __shell_commands_start; c < __shell_commands_end; c++) {
        if (argc == 2 && strcmp(argv[1], c->name) != 0)
            continue;
        /* The whole usage, however long: pad it to the help column, or
         * start the help on the same line after one space if it is wider. */
        int len = (int)(strlen(c->name) + 1 + strlen(c->usage));
        kprintf("  %s %s%*s %s\n", c->name, c->usage, len < 34 ? 34 - len : 0, "", c->help);
    }
    return 0;
}
SHELL_COMMAND(help, "help", "[COMMAND]", "list commands, or describe one", cmd_help);

static int cmd_echo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        kprintf("%s%s", i > 1 ? " " : "", argv[i]);
    kprintf("\n");
    return 0;
}
SHELL_COMMAND(echo, "echo", "[WORD...]", "print the words (shows how a line was split)", cmd_echo);
