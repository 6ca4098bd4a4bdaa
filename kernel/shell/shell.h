/*
 * kernel/shell/shell.h - the serial shell: the kernel's user interface and
 * the contract with test rigs (docs/shell.md describes every command's output).
 *
 * A command is a function taking argc/argv. It prints its results with
 * kprintf and its failure as exactly one line through shell_error()
 * ("error: ..."), and returns 0 or a negative errno. Commands register
 * themselves at link time with SHELL_COMMAND, in any source file.
 */
#ifndef NVOS_KERNEL_SHELL_SHELL_H
#define NVOS_KERNEL_SHELL_SHELL_H

#include <stdbool.h>

#include "lib/printf.h"

struct shell_command {
    const char *name;
    const char *usage; /* arguments, e.g. "[-v]" */
    const char *help;  /* one line */
    int (*fn)(int argc, char **argv);
};

#define SHELL_COMMAND(id, name_, usage_, help_, fn_)                                   \
    static const struct shell_command shell_command_##id                              \
        __attribute__((used, section(".shell_commands." #id), aligned(8))) = {        \
            .name = name_, .usage = usage_, .help = help_, .fn = fn_                    \
        }

/* Prints "error: <message>" on its own line; returns err for chaining. */
int shell_error(int err, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Prints "usage: <name> <usage>" as an error line; returns -EINVAL. */
int shell_usage(const char *name);

/* Runs one input line (may hold several ';'-separated commands). */
int shell_execute_line(const char *line);

/* Runs the boot-time commands (run=...), then reads and runs lines forever. */
_Noreturn void shell_run(const char *boot_commands);

/* The rig contract (rig.c, docs/rig.md). shell_rig_start prints the READY
 * line (once per boot) and reads shell.rc; shell_rig_line_done prints
 * "rc=<N>" after a command line when rc lines are on. */
void shell_rig_start(void);
void shell_rig_line_done(bool failed);

/* Number of commands that have failed since boot (for "poweroff"'s default). */
unsigned shell_failure_count(void);

#endif
