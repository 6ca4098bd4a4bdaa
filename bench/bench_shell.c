/*
 * bench/bench_shell.c - the "bench" shell command: the benchmark
 * engine (bench/engine) with the kernel as its environment.
 *
 *   time        the calibrated TSC (kernel/time/clock.c)
 *   memory      kmalloc for job state, dma_alloc for I/O buffers
 *   output      the console
 *   waiting     mode=irq halts with "sti; hlt" and a 10 ms local APIC timer
 *               as a backstop, as the block layer's synchronous calls do
 *   targets     target=block (default): any block device, partitions
 *               included, through the block layer (bench/bench_target_block.h);
 *               target=nvme: a namespace straight through the driver API on
 *               queue pairs of its own (bench/bench_target_nvme.h)
 *   safety      writes go only where bench/write_guard.c finds nothing to
 *               lose (force=1 overrides)
 *   stopping    Ctrl-C on the console ends the running job early
 *   CPUs        numjobs=N runs copy i on CPU i: CPU 0 runs copy 0 itself,
 *               the others get it as a cross-CPU call (kernel/smp)
 *   test aid    bench.test_reset_ms=N (boot option): N ms into each job,
 *               the first NVMe controller is reset from CPU 0's job loop
 *               ("nvme reset" while every CPU has I/O in flight)
 *
 * bench/README.md describes the options and every number reported.
 */
#include <string.h>

#include "bench/bench_target_block.h"
#include "bench/bench_target_nvme.h"
#include "bench/engine/bench.h"
#include "bench/write_guard.h"
#include "drivers/block/block.h"
#include "kernel/arch/x86.h"
#include "kernel/irq/irq.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/layout.h"
#include "kernel/shell/shell.h"
#include "drivers/nvme/nvme.h"
#include "kernel/cmdline.h"
#include "kernel/smp/smp.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "lib/parse.h"

#define IDLE_WAKE_NS (10 * NSEC_PER_MSEC)

static uint64_t env_now(void *ctx)
{
    (void)ctx;
    return rdtsc();
}

/* Job state wants up to 64-byte alignment, kmalloc gives 16: over-allocate
 * and keep the original pointer just below the aligned block. */
static void *env_alloc(void *ctx, size_t size, size_t align, bool dma)
{
    (void)ctx;
    if (dma) {
        phys_addr_t phys;
        return dma_alloc(size, PAGE_SIZE, &phys);
    }
    if (align < sizeof(void *))
        align = sizeof(void *);
    uint8_t *raw = kmalloc(size + align + sizeof(void *));
    if (raw == NULL)
        return NULL;
    uintptr_t p = ALIGN_UP((uintptr_t)raw + sizeof(void *), (uintptr_t)align);
    ((void **)p)[-1] = raw;
    return (void *)p;
}

static void env_free(void *ctx, void *p, size_t size, bool dma)
{
    (void)ctx;
    if (p == NULL)
        return;
    if (dma)
        dma_free(p, size);
    else
        kfree(((void **)p)[-1]);
}

static void env_print(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    console_write(s, n);
}

static unsigned long env_irq_save(void *ctx)
{
    (void)ctx;
    return irq_save();
}

static void env_irq_restore(void *ctx, unsigned long flags)
{
    (void)ctx;
    irq_restore(flags != 0);
}

/* Called with interrupts off; returns after an interrupt, or 10 ms at most. */
static void env_poll_idle(void *ctx)
{
    (void)ctx;
    lapic_timer_oneshot(IDLE_WAKE_NS);
    cpu_sti_hlt();
    cpu_cli();
}

static int env_check_write_window(void *ctx, const struct bench_target *t, uint64_t lba,
                                  uint64_t count, char *why, size_t size)
{
    (void)ctx;
    struct block_device *dev = block_find(t->name);
    if (dev == NULL) {
        ksnprintf(why, size, "%s is not a block device nvos knows", t->name);
        return -EPERM;
    }
    return bench_write_guard(dev, lba, count, why, size);
}

static struct block_device *default_device(void)
{
    for (struct block_device *d = block_first(); d; d = block_next(d))
        if (d->parent == NULL)
            return d;
    return NULL;
}

static int env_open_target(void *ctx, const struct bench_opts *o, struct bench_target *t)
{
    (void)ctx;
    struct block_device *dev = o->dev[0] ? block_find(o->dev) : default_device();
    if (dev == NULL)
        return -ENODEV;
    if (o->target[0] == '\0' || strcmp(o->target, "block") == 0) {
        bench_block_target_init(t, dev);
        return 0;
    }
    if (strcmp(o->target, "nvme") == 0)
        return nvme_bench_target_init(t, dev);
    return -EOPNOTSUPP;
}

static void env_close_target(void *ctx, struct bench_target *t)
{
    (void)ctx;
    if (strcmp(t->kind, "nvme") == 0)
        nvme_bench_target_fini(t);
}

static uint64_t test_reset_at; /* TSC of the test aid's reset, 0: none due */

static bool env_interrupted(void *ctx)
{
    (void)ctx;
    if (test_reset_at && rdtsc() >= test_reset_at) {
        test_reset_at = 0;
        struct nvme_ctrlr *c = nvme_ctrlr_first();
        if (c) {
            kprintf("bench: test aid: resetting %s (bench.test_reset_ms)\n",
                    nvme_ctrlr_get_name(c));
            int err = nvme_ctrlr_reset(c);
            kprintf("bench: test aid: reset of %s: %s\n", nvme_ctrlr_get_name(c),
                    err ? errno_name(err) : "done");
        }
    }
    return console_ctrl_c();
}

struct cpu_run {
    struct smp_call call;
    void (*fn)(void *arg, unsigned i);
    void *arg;
    unsigned i;
};

static void cpu_run_tramp(void *p)
{
    struct cpu_run *r = p;
    r->fn(r->arg, r->i);
}

/*
 * Copy i on CPU i: posted to the others first, then copy 0 here, then a
 * wait for each. A posted call that its CPU did not pick up within 10 s of
 * copy 0's end is withdrawn (that CPU is stuck); one that is running is
 * waited for as long as it runs - the job inside has its own io_timeout.
 */
static int env_run_on_cpus(void *ctx, unsigned n, void (*fn)(void *arg, unsigned i), void *arg,
                           uint64_t *started)
{
    (void)ctx;
    *started = 0;
    if (n > smp_online_count() || n > SMP_MAX_CPUS || n > 64)
        return -ERANGE;
    for (unsigned i = 1; i < n; i++)
        if (READ_ONCE(percpu_of(i)->state) != CPU_ONLINE)
            return -ERANGE; /* a failed CPU in the middle: copy i has no CPU i */
    struct cpu_run *runs = kzalloc(sizeof(*runs) * n);
    if (runs == NULL)
        return -ENOMEM;
    int err = 0;
    for (unsigned i = 1; i < n; i++) {
        runs[i].fn = fn;
        runs[i].arg = arg;
        runs[i].i = i;
        int e = smp_call_post(i, &runs[i].call, cpu_run_tramp, &runs[i]);
        if (e == 0)
            *started |= 1ull << i;
        else if (!err)
            err = e;
    }
    *started |= 1;
    fn(arg, 0);
    for (unsigned i = 1; i < n; i++) {
        if (!(*started & (1ull << i)))
            continue;
        int e = smp_call_wait(&runs[i].call, 10 * NSEC_PER_SEC);
        while (e == -ETIMEDOUT &&
               __atomic_load_n(&runs[i].call.state, __ATOMIC_ACQUIRE) == SMP_CALL_RUNNING)
            e = smp_call_wait(&runs[i].call, NSEC_PER_SEC);
        if (e) { /* withdrawn: the CPU never picked it up */
            kprintf("bench: CPU %u did not start its copy in 10 s\n", i);
            *started &= ~(1ull << i);
            if (!err)
                err = e;
        }
    }
    kfree(runs);
    return err;
}

static unsigned env_cpu_count(void *ctx)
{
    (void)ctx;
    return smp_online_count();
}

static int cmd_bench(int argc, char **argv)
{
    struct bench_env env = {
        .tsc_hz = clock_tsc_hz(),
        .now_tsc = env_now,
        .alloc = env_alloc,
        .free = env_free,
        .print = env_print,
        .irq_save = env_irq_save,
        .irq_restore = env_irq_restore,
        .poll_idle = env_poll_idle,
        .check_write_window = env_check_write_window,
        .open_target = env_open_target,
        .close_target = env_close_target,
        .interrupted = env_interrupted,
        .run_on_cpus = env_run_on_cpus,
        .cpu_count = env_cpu_count,
    };
    uint64_t reset_ms = 0;
    const char *r = cmdline_get("bench.test_reset_ms");
    if (r && parse_u64(r, &reset_ms) == 0 && reset_ms)
        test_reset_at = rdtsc() + ns_to_tsc(reset_ms * NSEC_PER_MSEC);
    else
        test_reset_at = 0;
    if (!cpu_irqs_enabled()) {
        env.irq_save = NULL; /* no interrupts to wait for: mode=irq is refused */
        env.irq_restore = NULL;
        env.poll_idle = NULL;
    }
    int err = bench_command(&env, argc - 1, argv + 1);
    if (err)
        return shell_error(err, "bench: %s (the bench: lines above say why)", errno_name(err));
    return 0;
}
SHELL_COMMAND(bench, "bench",
              "[OPTION=VALUE...] [name=JOB OPTION=VALUE...]... (bench help lists them)",
              "storage benchmark: fio's options, IOPS, bandwidth, latency percentiles, verify",
              cmd_bench);
