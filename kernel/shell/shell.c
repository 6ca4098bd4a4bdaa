/*
 * kernel/shell/shell.c - the command dispatcher, and the loop that reads lines
 * with the line editor (lib/lineedit) and runs them.
 *
 * Input rules, for people and for scripts alike (lib/lineedit.h has them all):
 *   - a line ends at CR, LF or CRLF (the LF right after a CR is swallowed);
 *   - printable characters, UTF-8 sequences included (file names may be
 *     non-ASCII), are echoed exactly once; backspace (BS or DEL) erases one
 *     character, all bytes of it; Ctrl-U erases the line; Ctrl-C abandons it;
 *     escape sequences (arrow keys) are read and ignored, bounded in length
 *     and in time; invalid UTF-8 is dropped with a bell; a line longer than
 *     LINE_MAX - 1 bytes is refused with an error, not run cut short;
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
#include "lib/lineedit.h"

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

static void echo_to_console(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    console_write(s, n);
}

/*
 * Reads one line with lib/lineedit; returns its length, or -1 for a line not
 * to run (abandoned with Ctrl-C, or too long). While an escape sequence is
 * open it waits for the next byte only LINEEDIT_SEQ_TIMEOUT_MS, so a lone ESC
 * cannot swallow the key after it however late it comes.
 */
static int read_line(struct lineedit *le)
{
    for (;;) {
        int c = lineedit_in_sequence(le) ? console_getc_timeout(LINEEDIT_SEQ_TIMEOUT_MS)
                                         : console_getc();
        switch (lineedit_feed(le, c < 0 ? LINEEDIT_TIMEOUT : c)) {
        case LINEEDIT_MORE:
            break;
        case LINEEDIT_LINE:
            return (int)le->len;
        case LINEEDIT_CANCEL:
            return -1;
        case LINEEDIT_TOO_LONG:
            shell_error(-E2BIG, "line longer than %d bytes: not run", LINE_MAX - 1);
            failures++;
            return -1;
        }
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
    static struct lineedit editor;
    lineedit_init(&editor, line, sizeof(line), echo_to_console, NULL);
    for (;;) {
        prompt();
        unsigned before = failures;
        if (read_line(&editor) >= 0)
            shell_execute_line(line);
        else if (failures == before)
            continue; /* Ctrl-C: a fresh prompt, no rc line (nothing ran) */
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
