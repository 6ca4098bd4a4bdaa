/*
 * kernel/selftest.h - built-in checks that run on the machine itself, for
 * the "selftest" shell command (kernel/shell/selftest.c), which prints their
 * results as KTAP version 1 (docs.kernel.org/dev-tools/ktap.html) for rigs.
 *
 * A check lives next to what it checks and registers itself at link time:
 *
 *     static int check_lba0(void) { ... return 0; }
 *     SELFTEST(40_block_lba0, "block_lba0_reads_agree", check_lba0);
 *
 * It returns 0 (ok), SELFTEST_SKIP (nothing to check here, e.g. no NVMe
 * device; it prints why with selftest_diag first), or a negative errno (not
 * ok). It says what it checked, and what went wrong, with selftest_diag():
 * KTAP diagnostic lines ("# ..."). Checks run in the order of their ids
 * (the linker sorts the sections): keep the numeric prefixes.
 * A check must leave the machine as it found it: no writes to disks.
 */
#ifndef NVOS_KERNEL_SELFTEST_H
#define NVOS_KERNEL_SELFTEST_H

#include "lib/printf.h"

#define SELFTEST_SKIP 1

struct selftest {
    const char *name; /* KTAP test name: lowercase, words joined by '_' */
    int (*fn)(void);
};

#define SELFTEST(id, name_, fn_)                                                       \
    static const struct selftest selftest_##id                                         \
        __attribute__((used, section(".selftests." #id), aligned(8))) = {              \
            .name = name_, .fn = fn_                                                   \
        }

/* Prints one KTAP diagnostic line: "# " and the message. */
void selftest_diag(const char *fmt, ...) PRINTF_LIKE(1, 2);

#endif
