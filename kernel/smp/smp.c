/*
 * kernel/smp/smp.c - starting the application processors, cross-CPU calls,
 * stopping CPUs (see smp.h).
 *
 * [Intel SDM Vol. 3A §8.4.4.1 (typical BSP start-up sequence: INIT IPI,
 * 10 ms, Startup IPI, 200 us, second Startup IPI), §8.4.3 (MP
 * initialization protocol), §11.6.1 (ICR); ACPI 6.4 §5.2.12 (MADT processor
 * entries)]. The APs start one at a time: they share one trampoline page and
 * its parameter block. Each must check in (state ONLINE, written by the AP
 * once its tables, APIC and per-CPU data are up) before a deadline; one that
 * does not is sent INIT again, which parks it in wait-for-SIPI so it can
 * never run later on the next CPU's stack, and is marked failed.
 */
#include "kernel/smp/smp.h"

#include <string.h>

#include "kernel/acpi/acpi.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/x86.h"
#include "kernel/cmdline.h"
#include "kernel/irq/irq.h"
#include "kernel/kernel.h"
#include "kernel/mm/vmm.h"
#include "kernel/smp/trampoline.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"

#define IST_STACK_SIZE (16 * 1024)
#define DEFAULT_START_TIMEOUT_MS 2000
#define STOP_TIMEOUT_NS NSEC_PER_SEC /* an idle vCPU thread may wait long for a host core */
#define CALL_TIMEOUT_NS NSEC_PER_SEC
#define NO_CPU 0xFFFFFFFFu
#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PS 0x80ull
#define EFER_LME (1u << 8)
#define CR4_PAE (1u << 5)
#define CR4_PGE (1u << 7)

static struct percpu cpus[SMP_MAX_CPUS];
static unsigned cpu_count = 1;
static uint32_t panic_cpu = NO_CPU;
static bool stop_requested;
static uint32_t stopper_cpu = NO_CPU; /* the CPU that stopped the others */

/* Set by smp_init for the APs' C entry. */
static uint64_t kernel_cr3, kernel_cr0, kernel_cr4;
static uint64_t ist_tops[SMP_MAX_CPUS][3];

extern const char smp_trampoline_start[], smp_trampoline_end[];
extern const char smp_trampoline_pm32[], smp_trampoline_lm64[];

struct percpu *percpu_of(unsigned i)
{
    return i < SMP_MAX_CPUS ? &cpus[i] : NULL;
}

void percpu_install(struct percpu *p)
{
    p->self = p;
    wrmsr(MSR_GS_BASE, (uint64_t)p);
}

void smp_init_boot_cpu(void)
{
    struct percpu *p = &cpus[0];
    p->index = 0;
    p->state = CPU_ONLINE;
    p->madt_flags = ACPI_MADT_ENABLED;
    p->call_lock = (struct spinlock)SPINLOCK_INIT("cpu 0 calls");
    percpu_install(p);
}

unsigned smp_cpu_count(void)
{
    return cpu_count;
}

unsigned smp_online_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < cpu_count; i++)
        n += READ_ONCE(cpus[i].state) == CPU_ONLINE;
    return n;
}

/* ---- calls ---------------------------------------------------------------- */

static void run_call(struct percpu *me, struct smp_call *c)
{
    __atomic_store_n(&c->state, SMP_CALL_RUNNING, __ATOMIC_RELAXED);
    c->fn(c->arg);
    me->calls_done++;
    __atomic_store_n(&c->state, SMP_CALL_DONE, __ATOMIC_RELEASE);
}

static struct smp_call *pop_call(struct percpu *me)
{
    bool on = spin_lock_irqsave(&me->call_lock);
    struct smp_call *c = me->call_head;
    if (c != NULL) {
        me->call_head = c->next;
        if (me->call_head == NULL)
            me->call_tail = NULL;
        /* Claimed under the lock: smp_call_wait can no longer withdraw it. */
        __atomic_store_n(&c->state, SMP_CALL_RUNNING, __ATOMIC_RELAXED);
    }
    spin_unlock_irqrestore(&me->call_lock, on);
    return c;
}

/* VEC_IPI_CALL. An AP's idle loop runs its calls once the "hlt" returns;
 * CPU 0 never idles in that loop, so it runs them here. */
static void call_ipi(void *ctx)
{
    (void)ctx;
    struct percpu *me = this_cpu();
    me->ipis++;
    if (me->index != 0)
        return;
    for (struct smp_call *c; (c = pop_call(me)) != NULL;)
        run_call(me, c);
}

int smp_call_post(unsigned cpu, struct smp_call *c, void (*fn)(void *), void *arg)
{
    if (cpu >= cpu_count || READ_ONCE(cpus[cpu].state) != CPU_ONLINE)
        return -ENODEV;
    uint32_t st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
    if (st == SMP_CALL_QUEUED || st == SMP_CALL_RUNNING)
        return -EBUSY;
    c->fn = fn;
    c->arg = arg;
    c->cpu = cpu;
    c->next = NULL;
    c->state = SMP_CALL_QUEUED;
    struct percpu *t = &cpus[cpu];
    if (cpu == this_cpu_index()) {
        run_call(t, c);
        return 0;
    }
    bool on = spin_lock_irqsave(&t->call_lock);
    if (t->call_tail != NULL)
        t->call_tail->next = c;
    else
        t->call_head = c;
    t->call_tail = c;
    spin_unlock_irqrestore(&t->call_lock, on);
    int err = lapic_send_ipi(t->apic_id, IPI_FIXED, VEC_IPI_CALL);
    if (err)
        kprintf("smp: call IPI to CPU %u failed (%s)\n", cpu, errno_name(err));
    return 0; /* queued all the same: the next IPI or timer wake-up runs it */
}

int smp_call_wait(struct smp_call *c, uint64_t timeout_ns)
{
    struct deadline d = deadline_in_ns(timeout_ns);
    while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != SMP_CALL_DONE) {
        if (deadline_passed(d)) {
            struct percpu *t = &cpus[c->cpu];
            bool on = spin_lock_irqsave(&t->call_lock);
            if (c->state == SMP_CALL_QUEUED) { /* not started: withdraw it */
                struct smp_call **pp = &t->call_head, *prev = NULL;
                while (*pp != NULL && *pp != c) {
                    prev = *pp;
                    pp = &(*pp)->next;
                }
                if (*pp == c) {
                    *pp = c->next;
                    if (t->call_tail == c)
                        t->call_tail = prev;
                }
                c->state = SMP_CALL_IDLE;
            }
            spin_unlock_irqrestore(&t->call_lock, on);
            return -ETIMEDOUT;
        }
        cpu_pause();
    }
    return 0;
}

int smp_call_on(unsigned cpu, void (*fn)(void *), void *arg)
{
    struct smp_call c = { 0 };
    int err = smp_call_post(cpu, &c, fn, arg);
    if (err)
        return err;
    err = smp_call_wait(&c, CALL_TIMEOUT_NS);
    if (err == -ETIMEDOUT && READ_ONCE(c.state) == SMP_CALL_RUNNING)
        panic("smp: CPU %u still runs a call whose frame is going away", cpu);
    return err;
}

/* ---- stopping ------------------------------------------------------------- */

static noreturn void park(void)
{
    WRITE_ONCE(this_cpu()->state, CPU_STOPPED);
    for (;;)
        __asm__ volatile("cli; hlt" ::: "memory");
}

bool smp_handle_nmi(void)
{
    if (!READ_ONCE(stop_requested))
        return false;
    park(); /* NMIs stay blocked (no iret), interrupts off: for good */
}

unsigned smp_stop_others(void)
{
    unsigned me = this_cpu_index(), sent = 0;
    WRITE_ONCE(stop_requested, true);
    uint32_t none = NO_CPU;
    __atomic_compare_exchange_n(&stopper_cpu, &none, me, false, __ATOMIC_ACQ_REL,
                                __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < cpu_count; i++) {
        if (i == me || READ_ONCE(cpus[i].state) != CPU_ONLINE)
            continue;
        lapic_send_ipi(cpus[i].apic_id, IPI_NMI, 0);
        sent++;
    }
    if (sent == 0)
        return 0;
    struct deadline d = deadline_in_ns(STOP_TIMEOUT_NS);
    for (;;) {
        unsigned running = 0;
        for (unsigned i = 0; i < cpu_count; i++)
            running += i != me && READ_ONCE(cpus[i].state) == CPU_ONLINE;
        if (running == 0 || deadline_passed(d))
            return running;
        cpu_pause();
    }
}

bool smp_this_cpu_alone(void)
{
    uint32_t me = this_cpu_index();
    return READ_ONCE(panic_cpu) == me || READ_ONCE(stopper_cpu) == me;
}

bool smp_panic_enter(void)
{
    uint32_t me = this_cpu_index(), none = NO_CPU;
    if (!__atomic_compare_exchange_n(&panic_cpu, &none, me, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE) &&
        none != me)
        park(); /* another CPU is reporting its own failure: let it */
    unsigned left = smp_stop_others();
    if (left)
        kprintf("\nsmp: %u CPU(s) did not stop for the panic\n", left);
    return true;
}

/* ---- bring-up ------------------------------------------------------------- */

noreturn void smp_ap_main(struct percpu *p);

static noreturn void ap_idle(struct percpu *me)
{
    for (;;) {
        struct smp_call *c = pop_call(me);
        if (c != NULL) {
            run_call(me, c);
            continue;
        }
        /* "sti; hlt" cannot miss a call IPI that arrived since pop_call. */
        cpu_cli();
        if (READ_ONCE(me->call_head) == NULL)
            cpu_sti_hlt();
        else
            cpu_sti();
    }
}

/* The AP's first C code, on its own stack, still on the trampoline's tables. */
noreturn void smp_ap_main(struct percpu *p)
{
    write_cr3(kernel_cr3); /* the kernel's own tables: the low identity map goes */
    write_cr4(kernel_cr4);
    write_cr0(kernel_cr0);
    percpu_install(p);
    cpu_init_ap(p->index, ist_tops[p->index]);
    lapic_init_ap();
    p->apic_id = lapic_id();
    __atomic_store_n(&p->state, CPU_ONLINE, __ATOMIC_RELEASE); /* checked in */
    ap_idle(p);
}

struct trampoline {
    phys_addr_t phys;
    uint8_t *page;     /* through the direct map */
    uint64_t *pml4, *pdpt, *pd;
    phys_addr_t pml4_phys;
};

static void put32(uint8_t *page, unsigned off, uint32_t v)
{
    memcpy(page + off, &v, 4);
}
static void put16(uint8_t *page, unsigned off, uint16_t v)
{
    memcpy(page + off, &v, 2);
}
static void put64(uint8_t *page, unsigned off, uint64_t v)
{
    memcpy(page + off, &v, 8);
}

/* Four pages below 1 MiB: code + parameters, PML4, PDPT, PD. */
static int trampoline_setup(struct trampoline *t)
{
    size_t code = (size_t)(smp_trampoline_end - smp_trampoline_start);
    if (code > TRAMP_DATA)
        panic("smp: trampoline code (%zu bytes) overlaps its parameters", code);
    t->phys = pmm_alloc_low(4);
    if (t->phys == 0)
        return -ENOMEM;
    t->page = phys_to_virt(t->phys);
    t->pml4 = phys_to_virt(t->phys + PAGE_SIZE);
    t->pdpt = phys_to_virt(t->phys + 2 * PAGE_SIZE);
    t->pd = phys_to_virt(t->phys + 3 * PAGE_SIZE);
    t->pml4_phys = t->phys + PAGE_SIZE;

    memset(t->page, 0, PAGE_SIZE);
    memcpy(t->page, smp_trampoline_start, code);
    put16(t->page, TRAMP_GDTR, 4 * 8 - 1);
    put32(t->page, TRAMP_GDTR + 2, (uint32_t)(t->phys + TRAMP_GDT));
    put32(t->page, TRAMP_PM32_PTR,
          (uint32_t)(t->phys + (uint64_t)(smp_trampoline_pm32 - smp_trampoline_start)));
    put16(t->page, TRAMP_PM32_PTR + 4, TRAMP_SEL_CODE32);
    put32(t->page, TRAMP_LM64_PTR,
          (uint32_t)(t->phys + (uint64_t)(smp_trampoline_lm64 - smp_trampoline_start)));
    put16(t->page, TRAMP_LM64_PTR + 4, TRAMP_SEL_CODE64);
    put32(t->page, TRAMP_CR3, (uint32_t)t->pml4_phys);
    put32(t->page, TRAMP_EFER, EFER_LME | (cpu_features.nx ? EFER_NXE : 0));
    put32(t->page, TRAMP_CR4, CR4_PAE | (uint32_t)(kernel_cr4 & CR4_PGE));
    put64(t->page, TRAMP_ENTRY, (uint64_t)smp_ap_main);
    put64(t->page, TRAMP_GDT + 0x08, 0x00CF9A000000FFFFull); /* 32-bit code, flat */
    put64(t->page, TRAMP_GDT + 0x10, 0x00CF92000000FFFFull); /* data, flat */
    put64(t->page, TRAMP_GDT + 0x18, 0x00AF9A000000FFFFull); /* 64-bit code */

    /* Identity map of the low 2 MiB (one large page, executable), for the
     * few instructions between "paging on" and the jump to the kernel. */
    memset(t->pd, 0, PAGE_SIZE);
    memset(t->pdpt, 0, PAGE_SIZE);
    t->pd[0] = 0 | PTE_P | PTE_W | PTE_PS;
    t->pdpt[0] = (t->phys + 3 * PAGE_SIZE) | PTE_P | PTE_W;
    return 0;
}

/* The upper half as the kernel has it now (stacks were just mapped). */
static void trampoline_refresh_pml4(struct trampoline *t)
{
    const uint64_t *kernel_pml4 = phys_to_virt(kernel_cr3 & ~0xFFFull);
    memset(t->pml4, 0, PAGE_SIZE);
    t->pml4[0] = (t->phys + 2 * PAGE_SIZE) | PTE_P | PTE_W;
    for (unsigned i = 256; i < 512; i++)
        t->pml4[i] = kernel_pml4[i];
}

static int alloc_stacks(struct percpu *p)
{
    void *top = vmm_alloc_stack(KERNEL_STACK_SIZE);
    if (top == NULL)
        return -ENOMEM;
    p->stack_bottom = (uint8_t *)top - KERNEL_STACK_SIZE;
    for (unsigned k = 0; k < 3; k++) {
        void *ist = vmm_alloc_stack(IST_STACK_SIZE);
        if (ist == NULL)
            return -ENOMEM;
        ist_tops[p->index][k] = (uint64_t)ist;
    }
    return 0;
}

static bool wait_online(struct percpu *p, struct deadline d)
{
    while (!deadline_passed(d)) {
        if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == CPU_ONLINE)
            return true;
        cpu_pause();
    }
    return __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == CPU_ONLINE;
}

/* INIT, 10 ms, SIPI, 200 us, SIPI [SDM §8.4.4.1]; then the check-in deadline. */
static int start_ap(struct trampoline *t, struct percpu *p, uint64_t timeout_ms, bool hang)
{
    int err = alloc_stacks(p);
    if (err)
        return err;
    trampoline_refresh_pml4(t);
    put64(t->page, TRAMP_STACK, (uint64_t)p->stack_bottom + KERNEL_STACK_SIZE);
    put64(t->page, TRAMP_ARG, (uint64_t)p);
    put32(t->page, TRAMP_HANG, hang);
    __atomic_store_n(&p->state, CPU_STARTING, __ATOMIC_RELEASE);

    uint64_t t0 = clock_ns();
    uint8_t vector = (uint8_t)(t->phys >> 12);
    if ((err = lapic_send_ipi(p->apic_id, IPI_INIT, 0)) != 0)
        return err;
    udelay(10000);
    if ((err = lapic_send_ipi(p->apic_id, IPI_STARTUP, vector)) != 0)
        return err;
    udelay(200);
    if (READ_ONCE(p->state) != CPU_ONLINE &&
        (err = lapic_send_ipi(p->apic_id, IPI_STARTUP, vector)) != 0)
        return err;
    if (!wait_online(p, deadline_in_ns(timeout_ms * NSEC_PER_MSEC)))
        return -ETIMEDOUT;
    p->start_ns = clock_ns() - t0;
    return 0;
}

void smp_init(void)
{
    const struct acpi_info *a = acpi_get();
    struct percpu *bsp = &cpus[0];
    bsp->apic_id = lapic_id();
    irq_set_fixed_vector(VEC_IPI_CALL, call_ipi, NULL, "ipi-call");
    if (a == NULL || !a->have_madt) {
        kprintf("smp: no MADT; CPU 0 only\n");
        return;
    }

    /* Indexes: CPU 0 first, then the enabled processors in MADT order, then
     * those that are only online capable (listed, never started). */
    for (unsigned pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < a->cpu_count && cpu_count < SMP_MAX_CPUS; i++) {
            bool enabled = a->cpu_flags[i] & ACPI_MADT_ENABLED;
            if (a->cpu_apic_ids[i] == bsp->apic_id || enabled != (pass == 0))
                continue;
            struct percpu *p = &cpus[cpu_count];
            p->index = cpu_count++;
            p->self = p;
            p->apic_id = a->cpu_apic_ids[i];
            p->madt_flags = a->cpu_flags[i];
            p->state = CPU_NOT_STARTED;
            p->call_lock = (struct spinlock)SPINLOCK_INIT("cpu calls");
        }
    }
    if (cpu_count == 1)
        return;
    if (!cmdline_get_bool("smp", true)) {
        kprintf("smp: smp=0: %u other CPU(s) left stopped\n", cpu_count - 1);
        return;
    }

    kernel_cr3 = read_cr3();
    kernel_cr0 = read_cr0();
    kernel_cr4 = read_cr4();
    struct trampoline t;
    if (trampoline_setup(&t) != 0) {
        kprintf("smp: no free page below 1 MiB for the start-up code; CPU 0 only\n");
        return;
    }
    uint64_t timeout_ms = cmdline_get_u64("smp.timeout_ms", DEFAULT_START_TIMEOUT_MS);
    uint64_t hang = cmdline_get_u64("smp.test_hang", 0);
    unsigned started = 0;
    for (unsigned i = 1; i < cpu_count; i++) {
        struct percpu *p = &cpus[i];
        if (!(p->madt_flags & ACPI_MADT_ENABLED))
            continue;
        int err = start_ap(&t, p, timeout_ms, hang == i);
        if (err == 0) {
            started++;
            continue;
        }
        /* Park it (wait-for-SIPI) so a late start cannot use the next CPU's
         * parameters, then go on without it. */
        lapic_send_ipi(p->apic_id, IPI_INIT, 0);
        udelay(10000);
        WRITE_ONCE(p->state, CPU_FAILED);
        if (err == -ETIMEDOUT)
            kprintf("smp: CPU %u (APIC id %u) did not answer within %llu ms; going on without it\n",
                    i, p->apic_id, (unsigned long long)timeout_ms);
        else
            kprintf("smp: CPU %u (APIC id %u) could not be started (%s)\n", i, p->apic_id,
                    errno_name(err));
    }
    kprintf("smp: %u of %u CPU(s) online, %s mode, start-up code at %#llx\n", started + 1,
            cpu_count, lapic_x2apic_mode() ? "x2APIC" : "xAPIC", (unsigned long long)t.phys);
}
