/*
 * kernel/shell/selftest.c - the "selftest" command: runs every check
 * registered with SELFTEST (kernel/selftest.h) and prints the results as
 * KTAP version 1 (docs.kernel.org/dev-tools/ktap.html: version line, plan
 * "1..N", one "ok N name" / "not ok N name" line per check, "# SKIP reason"
 * directives, "#" diagnostic lines), so KernelCI-style parsers, twister and
 * LAVA read them unchanged (docs/rig.md). Also the core's own checks: the
 * formatter, the heap, the page allocator and the clock.
 */
#include "kernel/selftest.h"

#include <string.h>

#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"
#include "kernel/shell/shell.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"

extern const struct selftest __selftests_start[], __selftests_end[];

static char skip_reason[96];

void selftest_diag(const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* The last diagnostic of a skipped check is its reason. */
    memcpy(skip_reason, line, sizeof(skip_reason) - 1);
    skip_reason[sizeof(skip_reason) - 1] = '\0';
    kprintf("# %s\n", line);
}

static int cmd_selftest(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage("selftest");
    const char *only = argc == 2 ? argv[1] : NULL;
    unsigned planned = 0;
    for (const struct selftest *t = __selftests_start; t < __selftests_end; t++)
        if (only == NULL || strcmp(only, t->name) == 0)
            planned++;
    if (planned == 0)
        return shell_error(-ENOENT, "selftest: no check named '%s'", only);

    kprintf("KTAP version 1\n1..%u\n", planned);
    unsigned n = 0, failed = 0;
    for (const struct selftest *t = __selftests_start; t < __selftests_end; t++) {
        if (only != NULL && strcmp(only, t->name) != 0)
            continue;
        n++;
        skip_reason[0] = '\0';
        uint64_t t0 = clock_ns();
        int r = t->fn();
        uint64_t us = (clock_ns() - t0) / 1000;
        if (r == SELFTEST_SKIP) {
            kprintf("ok %u %s # SKIP %s\n", n, t->name, skip_reason);
        } else if (r == 0) {
            kprintf("# %s: %llu us\n", t->name, (unsigned long long)us);
            kprintf("ok %u %s\n", n, t->name);
        } else {
            failed++;
            kprintf("# %s: %s\n", t->name, errno_name(r));
            kprintf("not ok %u %s\n", n, t->name);
        }
    }
    kprintf("# selftest: %u passed or skipped, %u failed\n", n - failed, failed);
    if (failed)
        return shell_error(-EIO, "selftest: %u of %u checks failed", failed, n);
    return 0;
}
SHELL_COMMAND(selftest, "selftest", "[NAME]",
              "run the built-in checks, results as KTAP (docs/rig.md)", cmd_selftest);

/* ---- the core's checks ------------------------------------------------------- */

/* The kernel formatter on the conversions the shell's output depends on. */
static int check_printf(void)
{
    char got[3][64];
    int len[3];
    static const char *const want[3] = {
        "-42|   42|42   |0x2a|000000000000beef",
        "18446744073709551615 -9223372036854775808",
        "abc|       abc|ab|0x1234|%",
    };
    len[0] = ksnprintf(got[0], sizeof(got[0]), "%d|%5u|%-5d|%#x|%016llx", -42, 42u, 42, 42u,
                       0xbeefULL);
    len[1] = ksnprintf(got[1], sizeof(got[1]), "%llu %lld", (unsigned long long)UINT64_MAX,
                       (long long)INT64_MIN);
    len[2] = ksnprintf(got[2], sizeof(got[2]), "%s|%10s|%.2s|%p|%%", "abc", "abc", "abc",
                       (void *)0x1234);
    for (unsigned i = 0; i < 3; i++) {
        if (strcmp(got[i], want[i]) != 0 || len[i] != (int)strlen(want[i])) {
            selftest_diag("printf: got \"%s\" (%d), want \"%s\"", got[i], len[i], want[i]);
            return -EINVAL;
        }
    }
    /* Truncation: the result is cut and terminated, the return value is the full length. */
    char small[4];
    int n = ksnprintf(small, sizeof(small), "%s", "abcdef");
    if (n != 6 || strcmp(small, "abc") != 0) {
        selftest_diag("printf: truncated to \"%s\" returning %d, want \"abc\" returning 6",
                      small, n);
        return -EINVAL;
    }
    selftest_diag("printf: 4 formats as expected");
    return 0;
}
SELFTEST(10_printf, "printf_formats", check_printf);

/* The heap: aligned, disjoint blocks that keep what was written to them. */
static int check_heap(void)
{
    static const size_t sizes[] = { 1, 16, 100, 4096, 5000, 65536, 24, 300000 };
    uint8_t *blocks[ARRAY_SIZE(sizes)];
    int err = 0;
    unsigned got = 0;
    for (; got < ARRAY_SIZE(sizes); got++) {
        blocks[got] = kmalloc(sizes[got]);
        if (blocks[got] == NULL) {
            selftest_diag("heap: kmalloc(%zu) failed", sizes[got]);
            err = -ENOMEM;
            break;
        }
        if ((uintptr_t)blocks[got] % 16 != 0) {
            selftest_diag("heap: kmalloc(%zu) = %p, not 16-byte aligned", sizes[got],
                          (void *)blocks[got]);
            err = -EINVAL;
        }
        memset(blocks[got], 0xA0 + (int)got, sizes[got]);
    }
    for (unsigned i = 0; i < got && err == 0; i++) {
        for (size_t j = 0; j < sizes[i]; j++) {
            if (blocks[i][j] != (uint8_t)(0xA0 + i)) {
                selftest_diag("heap: block %u (%zu bytes) byte %zu overwritten: 0x%02x", i,
                              sizes[i], j, blocks[i][j]);
                err = -EFAULT;
                break;
            }
        }
    }
    for (unsigned i = 0; i < got; i++)
        kfree(blocks[i]);
    if (err == 0)
        selftest_diag("heap: %zu blocks, 1 B to 300000 B, aligned and disjoint",
                      ARRAY_SIZE(sizes));
    return err;
}
SELFTEST(11_heap, "heap_alloc_free", check_heap);

/* The page allocator: an aligned run of pages, returned in full. */
static int check_pages(void)
{
    uint64_t before = pmm_free_pages();
    phys_addr_t p = pmm_alloc(4, 4);
    if (p == 0) {
        selftest_diag("pages: pmm_alloc(4 pages, 16 KiB aligned) failed with %llu free",
                      (unsigned long long)before);
        return -ENOMEM;
    }
    int err = 0;
    if (p % (4 * PAGE_SIZE) != 0) {
        selftest_diag("pages: %#llx is not 16 KiB aligned", (unsigned long long)p);
        err = -EINVAL;
    }
    if (pmm_free_pages() != before - 4) {
        selftest_diag("pages: free count %llu after taking 4 of %llu",
                      (unsigned long long)pmm_free_pages(), (unsigned long long)before);
        err = -EINVAL;
    }
    pmm_free(p, 4);
    if (pmm_free_pages() != before) {
        selftest_diag("pages: free count %llu after returning them, was %llu",
                      (unsigned long long)pmm_free_pages(), (unsigned long long)before);
        err = -EINVAL;
    }
    if (err == 0)
        selftest_diag("pages: 4 pages at %#llx, returned; %llu free", (unsigned long long)p,
                      (unsigned long long)before);
    return err;
}
SELFTEST(12_pages, "page_alloc_free", check_pages);

/* The clock never goes back, and a 2 ms delay lasts at least 2 ms. */
static int check_clock(void)
{
    uint64_t prev = clock_ns();
    for (unsigned i = 0; i < 10000; i++) {
        uint64_t now = clock_ns();
        if (now < prev) {
            selftest_diag("clock: went back from %llu to %llu ns at read %u",
                          (unsigned long long)prev, (unsigned long long)now, i);
            return -EINVAL;
        }
        prev = now;
    }
    uint64_t t0 = clock_ns();
    udelay(2000);
    uint64_t dt = clock_ns() - t0;
    if (dt < 2000000 || dt > 1000000000) {
        selftest_diag("clock: udelay(2000) took %llu ns", (unsigned long long)dt);
        return -EINVAL;
    }
    selftest_diag("clock: 10000 reads monotonic; udelay(2000) took %llu us",
                  (unsigned long long)(dt / 1000));
    return 0;
}
SELFTEST(13_clock, "clock_monotonic", check_clock);
