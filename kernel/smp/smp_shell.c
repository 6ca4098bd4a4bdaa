/*
 * kernel/smp/smp_shell.c - "cpus" (one line per CPU), "smp test" (every
 * CPU at once: a shared spinlock-protected counter, untorn console lines,
 * each CPU's own local APIC timer, per-CPU identity) and "smp panic CPU" (a
 * test aid: that CPU panics while all others print, and the panic report
 * must come out whole). Output formats are in docs/shell.md.
 */
#include <string.h>

#include "kernel/acpi/acpi.h"
#include "kernel/arch/x86.h"
#include "kernel/irq/irq.h"
#include "kernel/kernel.h"
#include "kernel/shell/shell.h"
#include "kernel/smp/smp.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "lib/parse.h"

static const char *state_name(enum cpu_state s)
{
    switch (s) {
    case CPU_STARTING:
        return "starting";
    case CPU_ONLINE:
        return "online";
    case CPU_FAILED:
        return "failed";
    case CPU_NOT_STARTED:
        return "not-started";
    case CPU_STOPPED:
        return "stopped";
    default:
        return "absent";
    }
}

static int cmd_cpus(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("cpus");
    kprintf("CPU APIC     MODE   STATE       TICKS        CALLS      START\n");
    for (unsigned i = 0; i < smp_cpu_count(); i++) {
        const struct percpu *p = percpu_of(i);
        enum cpu_state st = READ_ONCE(p->state);
        char start[24];
        if (i == 0)
            ksnprintf(start, sizeof(start), "boot");
        else if (st == CPU_ONLINE || st == CPU_STOPPED)
            ksnprintf(start, sizeof(start), "%llu.%03llu ms",
                     (unsigned long long)(p->start_ns / NSEC_PER_MSEC),
                     (unsigned long long)(p->start_ns / NSEC_PER_USEC % 1000));
        else
            ksnprintf(start, sizeof(start), "-");
        kprintf("%-3u %-8u %-6s %-11s %-12llu %-10llu %s\n", i, p->apic_id,
                lapic_x2apic_mode() ? "x2APIC" : "xAPIC", state_name(st),
                (unsigned long long)READ_ONCE(p->ticks),
                (unsigned long long)READ_ONCE(p->calls_done), start);
    }
    return 0;
}
SHELL_COMMAND(cpus, "cpus", "", "one line per CPU: APIC id, mode, state, timer ticks, calls run",
              cmd_cpus);

/* ---- smp test ------------------------------------------------------------- */

#define TEST_LINES 16
#define TIMER_WAIT_NS (1000 * NSEC_PER_MSEC)

static struct {
    uint32_t go;            /* start barrier: every CPU begins at once */
    uint32_t arrived;
    uint32_t cpus;          /* taking part */
    uint32_t phase_done;    /* CPUs past the counter phase */
    uint32_t iterations;
    struct spinlock lock;
    uint64_t counter;       /* only ever changed under lock */
    uint32_t cpu0_calls;    /* calls from the other CPUs that ran on CPU 0 */
    struct {
        uint32_t index, apic_id;
        bool timer_fired;
        bool call_failed;   /* its call to CPU 0 failed */
        uint64_t spin_ns;
    } result[SMP_MAX_CPUS];
} t;
static struct smp_call calls[SMP_MAX_CPUS];
static bool calls_stuck; /* a previous run timed out with calls still running */

static void count_on_cpu0(void *arg)
{
    (void)arg;
    if (this_cpu_index() == 0)
        __atomic_fetch_add(&t.cpu0_calls, 1, __ATOMIC_RELAXED);
}

static void test_on_cpu(void *arg)
{
    (void)arg;
    unsigned me = this_cpu_index();
    __atomic_fetch_add(&t.arrived, 1, __ATOMIC_RELAXED);
    while (!__atomic_load_n(&t.go, __ATOMIC_ACQUIRE))
        cpu_pause();

    /* 1. The shared counter: a read-modify-write with a gap, so two CPUs
     * inside at once would lose increments. */
    uint64_t t0 = clock_ns();
    for (uint32_t i = 0; i < t.iterations; i++) {
        bool on = spin_lock_irqsave(&t.lock);
        uint64_t v = t.counter;
        cpu_pause();
        t.counter = v + 1;
        spin_unlock_irqrestore(&t.lock, on);
    }
    t.result[me].spin_ns = clock_ns() - t0;

    /* 2. Lines from every CPU at once (all start together, bounded wait):
     * each must arrive whole. */
    __atomic_fetch_add(&t.phase_done, 1, __ATOMIC_ACQ_REL);
    struct deadline phase = deadline_in_ns(10 * NSEC_PER_SEC);
    while (__atomic_load_n(&t.phase_done, __ATOMIC_ACQUIRE) < t.cpus && !deadline_passed(phase))
        cpu_pause();
    for (unsigned l = 0; l < TEST_LINES; l++)
        kprintf("smp test: cpu %u line %u: 0123456789abcdefghijklmnopqrstuvwxyz cpu %u line %u\n",
                me, l, me, l);

    /* 3. This CPU's own local APIC timer: arm it, halt until it fires. */
    uint64_t ticks = READ_ONCE(this_cpu()->ticks);
    struct deadline d = deadline_in_ns(TIMER_WAIT_NS);
    bool on = irq_save();
    lapic_timer_oneshot(2 * NSEC_PER_MSEC);
    while (READ_ONCE(this_cpu()->ticks) == ticks && !deadline_passed(d)) {
        cpu_sti_hlt(); /* the timer (or anything) wakes it; re-check */
        cpu_cli();
    }
    irq_restore(on);
    t.result[me].timer_fired = READ_ONCE(this_cpu()->ticks) != ticks;

    /* 4. A call the other way: CPU 0 runs it in its IPI handler. */
    if (me != 0 && smp_call_on(0, count_on_cpu0, NULL) != 0)
        t.result[me].call_failed = true;

    /* 5. Who am I, by %gs and by the APIC. */
    t.result[me].index = me;
    t.result[me].apic_id = lapic_id();
}

/* Cost of the per-CPU pointer read against a plain global load. */
static struct percpu *global_ptr;
static void measure_percpu(uint64_t *gs_ps, uint64_t *global_ps)
{
    const unsigned n = 100000;
    uintptr_t sum = 0;
    global_ptr = this_cpu();
    uint64_t t0 = clock_ns();
    for (unsigned i = 0; i < n; i++) {
        struct percpu *p;
        __asm__ volatile("movq %%gs:0, %0" : "=r"(p));
        sum += (uintptr_t)p;
    }
    uint64_t t1 = clock_ns();
    for (unsigned i = 0; i < n; i++) {
        struct percpu *p;
        __asm__ volatile("movq %1, %0" : "=r"(p) : "m"(global_ptr));
        sum += (uintptr_t)p;
    }
    uint64_t t2 = clock_ns();
    barrier();
    if (sum == 1) /* keeps the loops; never true */
        kprintf("%lu\n", (unsigned long)sum);
    *gs_ps = (t1 - t0) * 1000 / n;
    *global_ps = (t2 - t1) * 1000 / n;
}

static int smp_test(uint32_t iterations)
{
    if (calls_stuck)
        return shell_error(-EBUSY, "smp test: an earlier run still has calls running");
    unsigned n = smp_cpu_count(), me = this_cpu_index(), online = 0, posted = 0;
    memset(&t, 0, sizeof(t));
    t.lock = (struct spinlock)SPINLOCK_INIT("smp test");
    t.iterations = iterations;
    bool used[SMP_MAX_CPUS] = { false };

    for (unsigned i = 0; i < n; i++) {
        if (i == me || READ_ONCE(percpu_of(i)->state) != CPU_ONLINE)
            continue;
        int err = smp_call_post(i, &calls[i], test_on_cpu, NULL);
        if (err)
            return shell_error(err, "smp test: cannot post to CPU %u", i);
        used[i] = true;
        posted++;
    }
    used[me] = true;
    online = posted + 1;
    t.cpus = online;
    /* Wait (bounded) until all have arrived, then start them together. */
    struct deadline d = deadline_in_ns(NSEC_PER_SEC);
    while (__atomic_load_n(&t.arrived, __ATOMIC_RELAXED) < posted && !deadline_passed(d))
        cpu_pause();
    __atomic_store_n(&t.go, 1, __ATOMIC_RELEASE);
    test_on_cpu(NULL); /* this CPU's share, concurrently with the others */

    int failed = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!used[i] || i == me)
            continue;
        int err = smp_call_wait(&calls[i], 30 * NSEC_PER_SEC);
        if (err) {
            if (READ_ONCE(calls[i].state) == SMP_CALL_RUNNING)
                calls_stuck = true;
            return shell_error(err, "smp test: CPU %u did not finish", i);
        }
    }
    uint64_t want = (uint64_t)online * iterations;
    unsigned timers = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!used[i])
            continue;
        const struct percpu *p = percpu_of(i);
        if (t.result[i].index != i || t.result[i].apic_id != p->apic_id) {
            kprintf("smp test: CPU %u ran as index %u, APIC id %u (expected %u)\n", i,
                    t.result[i].index, t.result[i].apic_id, p->apic_id);
            failed++;
        }
        if (t.result[i].call_failed) {
            kprintf("smp test: CPU %u: its call to CPU 0 failed\n", i);
            failed++;
        }
        if (t.result[i].timer_fired)
            timers++;
        else {
            kprintf("smp test: CPU %u: its local APIC timer did not fire within 1 s\n", i);
            failed++;
        }
    }
    uint64_t gs_ps, global_ps;
    measure_percpu(&gs_ps, &global_ps);
    kprintf("smp test: %u CPU(s), lock counter %llu of %llu, %u local timer(s) fired, "
            "%u lines per CPU\n",
            online, (unsigned long long)t.counter, (unsigned long long)want, timers, TEST_LINES);
    kprintf("smp test: this_cpu() %llu.%03llu ns, global load %llu.%03llu ns\n",
            (unsigned long long)(gs_ps / 1000), (unsigned long long)(gs_ps % 1000),
            (unsigned long long)(global_ps / 1000), (unsigned long long)(global_ps % 1000));
    if (me == 0 && t.cpu0_calls != online - 1) {
        kprintf("smp test: %u of %u calls to CPU 0 ran there\n", t.cpu0_calls, online - 1);
        failed++;
    }
    if (t.counter != want)
        return shell_error(-EIO, "smp test: the counter lost %lld increments",
                           (long long)(want - t.counter));
    if (failed)
        return shell_error(-EIO, "smp test: %d check(s) failed", failed);
    return 0;
}

/* ---- smp panic CPU: a panic on one CPU while the others print ----------- */

#define CHATTER_NS (3 * NSEC_PER_SEC)
static struct smp_call panic_calls[SMP_MAX_CPUS];

static void chatter(void *arg)
{
    (void)arg;
    struct deadline d = deadline_in_ns(CHATTER_NS);
    for (unsigned n = 0; !deadline_passed(d); n++)
        kprintf("smp panic: cpu %u still printing (%u)\n", this_cpu_index(), n);
}

static void panic_here(void *arg)
{
    (void)arg;
    udelay(20000); /* let the others get going */
    panic("deliberate panic on CPU %u", this_cpu_index());
}

static int smp_panic(unsigned target)
{
    unsigned me = this_cpu_index();
    if (target >= smp_cpu_count() || READ_ONCE(percpu_of(target)->state) != CPU_ONLINE)
        return shell_error(-ENODEV, "smp panic: CPU %u is not online", target);
    if (target == me)
        panic_here(NULL);
    for (unsigned i = 0; i < smp_cpu_count(); i++) {
        if (i == me || i == target || READ_ONCE(percpu_of(i)->state) != CPU_ONLINE)
            continue;
        smp_call_post(i, &panic_calls[i], chatter, NULL);
    }
    int err = smp_call_post(target, &panic_calls[target], panic_here, NULL);
    if (err)
        return shell_error(err, "smp panic: cannot post to CPU %u", target);
    chatter(NULL); /* this CPU prints too, until the panic stops it */
    return shell_error(-EIO, "smp panic: CPU %u did not stop this CPU within %llu s", target,
                       (unsigned long long)(CHATTER_NS / NSEC_PER_SEC));
}

static int cmd_smp(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "panic") == 0) {
        uint32_t cpu;
        if (parse_u32(argv[2], &cpu) != 0)
            return shell_error(-EINVAL, "smp panic: CPU must be a number");
        return smp_panic(cpu);
    }
    if (argc >= 2 && strcmp(argv[1], "test") == 0 && argc <= 3) {
        uint32_t iterations = 20000;
        if (argc == 3 && (parse_u32(argv[2], &iterations) != 0 || iterations == 0 ||
                          iterations > 10000000))
            return shell_error(-EINVAL, "smp test: ITERATIONS must be 1..10000000");
        return smp_test(iterations);
    }
    return shell_usage("smp");
}
SHELL_COMMAND(smp, "smp", "test [ITERATIONS] | panic CPU",
              "run work on every CPU at once (lock, console, timers); panic on one CPU",
              cmd_smp);
