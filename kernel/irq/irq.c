/*
 * kernel/irq/irq.c - local APIC, I/O APIC, legacy PIC and the vector table.
 *
 * [Intel SDM Vol. 3A ch. 11 (APIC): §11.4 local APIC registers, §11.5.4 timer,
 * §11.8.5 EOI, §11.9 spurious interrupt, §11.11 MSI format; Intel 82093AA
 * I/O APIC data sheet §3.2 (IOREGSEL/IOWIN, IOREDTBL); ACPI 6.4 §5.2.12.5
 * (interrupt source overrides)]. The local APIC is used in xAPIC (MMIO) mode,
 * or in x2APIC (MSR) mode [SDM §11.12] when the firmware left it on, when an
 * APIC ID needs more than 8 bits, or when asked (apic.x2apic=1); every CPU
 * uses the same mode. The 8259 PICs are remapped out of the exception range
 * and fully masked. A level-triggered I/O APIC line may carry several
 * devices (PCI INTx is wire-ORed): its vector then calls every handler. Device interrupts all go to CPU 0; the vector table is
 * shared by all CPUs and its changes are serialized by one lock.
 */
#include "kernel/irq/irq.h"

#include <string.h>

#include "kernel/acpi/acpi.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/mmio.h"
#include "kernel/arch/x86.h"
#include "kernel/cmdline.h"
#include "kernel/kernel.h"
#include "kernel/mm/vmm.h"
#include "kernel/smp/percpu.h"
#include "kernel/smp/spinlock.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"

/* Local APIC registers (offsets) */
#define LAPIC_ID 0x020
#define LAPIC_VER 0x030
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310 /* xAPIC only: destination in bits 31:24 */
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3E0

#define LVT_MASKED (1u << 16)
#define SVR_ENABLE (1u << 8)
#define TIMER_DIV_16 0x3

/* [SDM §11.4.4] IA32_APIC_BASE */
#define APIC_BASE_EXTD (1u << 10) /* x2APIC mode */
#define APIC_BASE_EN (1u << 11)
/* [SDM §11.12.1] x2APIC registers are MSRs 0x800 + (xAPIC offset >> 4) */
#define X2APIC_MSR(reg) (0x800u + ((reg) >> 4))

/* [SDM §11.6.1] Interrupt command register (low half) */
#define ICR_DM_FIXED (0u << 8)
#define ICR_DM_NMI (4u << 8)
#define ICR_DM_INIT (5u << 8)
#define ICR_DM_STARTUP (6u << 8)
#define ICR_DELIVERY_PENDING (1u << 12) /* xAPIC only */
#define ICR_LEVEL_ASSERT (1u << 14)

/* I/O APIC */
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define RED_MASKED (1ull << 16)
#define RED_LEVEL (1ull << 15)
#define RED_ACTIVE_LOW (1ull << 13)

/* A further handler on a shared, level-triggered I/O APIC line. */
struct irq_action {
    irq_handler_fn handler;
    void *ctx;
    const char *name;
    struct irq_action *next;
    bool used;
};
#define IRQ_MAX_SHARED 32

struct vector_slot {
    irq_handler_fn handler;
    void *ctx;
    const char *name;
    uint64_t count;
    int32_t gsi; /* -1 unless routed from an I/O APIC line */
    struct irq_action *shared; /* more handlers on the same line, in order */
    bool level;
    bool active_low;
};

static struct irq_action shared_actions[IRQ_MAX_SHARED];

static struct vector_slot vectors[256];
static struct spinlock vectors_lock = SPINLOCK_INIT("irq table");
static uint8_t *lapic;     /* xAPIC registers (NULL in x2APIC mode) */
static bool lapic_ready;   /* irq_init() has set the local APIC up */
static bool x2apic;        /* every CPU's local APIC is in x2APIC mode */
static uint32_t lapic_timer_hz; /* timer input after the /16 divider */

struct ioapic {
    uint8_t *regs;
    uint32_t gsi_base;
    uint32_t lines;
};
static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned ioapic_count;

static uint32_t lapic_read(uint32_t reg)
{
    return x2apic ? (uint32_t)rdmsr(X2APIC_MSR(reg)) : mmio_read32(lapic + reg);
}
static void lapic_write(uint32_t reg, uint32_t v)
{
    if (x2apic)
        wrmsr(X2APIC_MSR(reg), v);
    else
        mmio_write32(lapic + reg, v);
}

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
    mmio_write32(io->regs + IOAPIC_REGSEL, reg);
    return mmio_read32(io->regs + IOAPIC_WIN);
}
static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
    mmio_write32(io->regs + IOAPIC_REGSEL, reg);
    mmio_write32(io->regs + IOAPIC_WIN, v);
}

static void pic_disable(void)
{
    /* ICW1-ICW4: remap master to 0x20 and slave to 0x28, then mask all. */
    outb(0x20, 0x11);
    outb(0xA0, 0x11);
    outb(0x21, VEC_PIC_BASE);
    outb(0xA1, VEC_PIC_BASE + 8);
    outb(0x21, 0x04);
    outb(0xA1, 0x02);
    outb(0x21, 0x01);
    outb(0xA1, 0x01);
    outb(0x21, 0xFF);
    outb(0xA1, 0xFF);
}

static void timer_irq(void *ctx)
{
    (void)ctx; /* its only job is to wake a "hlt"; counted per CPU for "cpus" */
    this_cpu()->ticks++;
}

static void error_irq(void *ctx)
{
    (void)ctx;
    lapic_write(LAPIC_ESR, 0);
    kprintf("irq: local APIC error, ESR=%#x\n", lapic_read(LAPIC_ESR));
}

static void calibrate_lapic_timer(void)
{
    lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
    lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFFu);
    uint64_t t0 = rdtsc();
    udelay(10000);
    uint32_t elapsed = 0xFFFFFFFFu - lapic_read(LAPIC_TIMER_CUR);
    uint64_t t1 = rdtsc();
    lapic_write(LAPIC_TIMER_INIT, 0);
    uint64_t ns = tsc_to_ns(t1 - t0);
    lapic_timer_hz = ns ? (uint32_t)((uint64_t)elapsed * NSEC_PER_SEC / ns) : 0;
}

/* Global enable, and x2APIC mode if chosen; then this CPU's LVTs and SVR. */
static void lapic_enable_this_cpu(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (!(base & APIC_BASE_EN)) /* APIC globally disabled: turn it on */
        wrmsr(MSR_APIC_BASE, base |= APIC_BASE_EN);
    /* xAPIC -> x2APIC is one write with EN still set [SDM §11.12.5, Figure 11-27]. */
    if (x2apic && !(base & APIC_BASE_EXTD))
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
    lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
    lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
    lapic_write(LAPIC_LVT_ERROR, VEC_LAPIC_ERROR);
    lapic_write(LAPIC_ESR, 0);
    lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
    lapic_write(LAPIC_EOI, 0);
}

/* x2APIC when the firmware left it on (there is no way back to xAPIC without
 * disabling the APIC), when some CPU's ID does not fit the xAPIC's 8 bits,
 * or when asked for and offered. */
static bool choose_x2apic(const struct acpi_info *a, uint64_t base)
{
    if (base & APIC_BASE_EXTD)
        return true;
    if (!cpu_features.x2apic)
        return false;
    if (cmdline_get_bool("apic.x2apic", false))
        return true;
    for (unsigned i = 0; a != NULL && i < a->cpu_count; i++)
        if (a->cpu_apic_ids[i] >= 0xFF)
            return true;
    return false;
}

int irq_init(void)
{
    const struct acpi_info *a = acpi_get();
    uint64_t base = rdmsr(MSR_APIC_BASE);
    phys_addr_t lapic_phys = base & 0xFFFFFF000ull;

    for (int v = 0; v < 256; v++)
        vectors[v].gsi = -1;
    pic_disable();

    x2apic = choose_x2apic(a, base);
    if (!x2apic) {
        lapic = vmm_map_mmio(lapic_phys, PAGE_SIZE);
        if (lapic == NULL)
            panic("irq: cannot map the local APIC");
    }

    vectors[VEC_LAPIC_TIMER] =
        (struct vector_slot){ timer_irq, NULL, "lapic-timer", 0, -1, NULL, false, false };
    vectors[VEC_LAPIC_ERROR] =
        (struct vector_slot){ error_irq, NULL, "lapic-error", 0, -1, NULL, false, false };
    lapic_enable_this_cpu();
    lapic_ready = true;
    calibrate_lapic_timer();

    if (a != NULL) {
        for (unsigned i = 0; i < a->ioapic_count && ioapic_count < ACPI_MAX_IOAPICS; i++) {
            struct ioapic *io = &ioapics[ioapic_count];
            io->regs = vmm_map_mmio(a->ioapics[i].phys, 0x20);
            if (io->regs == NULL)
                continue;
            io->gsi_base = a->ioapics[i].gsi_base;
            io->lines = ((ioapic_read(io, IOAPIC_REG_VER) >> 16) & 0xFF) + 1;
            for (uint32_t l = 0; l < io->lines; l++) {
                ioapic_write(io, IOAPIC_REDTBL(l), (uint32_t)RED_MASKED);
                ioapic_write(io, IOAPIC_REDTBL(l) + 1, 0);
            }
            ioapic_count++;
        }
    }
    if (x2apic)
        kprintf("irq: local APIC id %u in x2APIC mode (timer %u kHz), %u I/O APIC(s)\n",
                lapic_id(), lapic_timer_hz / 1000, ioapic_count);
    else
        kprintf("irq: local APIC id %u at %#llx (timer %u kHz), %u I/O APIC(s)\n", lapic_id(),
                (unsigned long long)lapic_phys, lapic_timer_hz / 1000, ioapic_count);
    return 0;
}

void lapic_init_ap(void)
{
    lapic_enable_this_cpu();
}

bool lapic_x2apic_mode(void)
{
    return x2apic;
}

uint32_t lapic_id(void)
{
    if (!lapic_ready)
        return 0;
    return x2apic ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24;
}

int lapic_send_ipi(uint32_t apic_id, enum ipi_kind kind, uint8_t vector)
{
    uint32_t low;
    switch (kind) {
    case IPI_FIXED:
        low = ICR_DM_FIXED | vector;
        break;
    case IPI_NMI:
        low = ICR_DM_NMI;
        break;
    case IPI_INIT:
        low = ICR_DM_INIT | ICR_LEVEL_ASSERT;
        break;
    case IPI_STARTUP:
        low = ICR_DM_STARTUP | vector;
        break;
    default:
        return -EINVAL;
    }
    if (!lapic_ready)
        return -ENODEV;
    bool on = irq_save(); /* an interrupt handler's IPI must not split the two writes */
    if (x2apic) {
        /* One MSR write; there is no delivery status to wait for [SDM §11.12.9]. */
        wrmsr(X2APIC_MSR(LAPIC_ICR_LOW), ((uint64_t)apic_id << 32) | low);
        irq_restore(on);
        return 0;
    }
    if (apic_id > 0xFF) {
        irq_restore(on);
        return -EINVAL;
    }
    lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, low);
    /* The send is accepted when Delivery Status goes back to idle. */
    struct deadline d = deadline_in_ns(10 * NSEC_PER_MSEC);
    while (lapic_read(LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING) {
        if (deadline_passed(d)) {
            irq_restore(on);
            return -ETIMEDOUT;
        }
        cpu_pause();
    }
    irq_restore(on);
    return 0;
}

void lapic_timer_oneshot(uint64_t ns)
{
    if (!lapic_ready || lapic_timer_hz == 0)
        return;
    if (ns == 0) {
        lapic_write(LAPIC_TIMER_INIT, 0);
        return;
    }
    uint64_t ticks = ns > UINT64_MAX / lapic_timer_hz ? UINT32_MAX
                                                      : ns * lapic_timer_hz / NSEC_PER_SEC;
    if (ticks == 0)
        ticks = 1;
    if (ticks > UINT32_MAX)
        ticks = UINT32_MAX;
    lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER); /* one-shot, unmasked */
    lapic_write(LAPIC_TIMER_INIT, (uint32_t)ticks);
}

int irq_alloc_vector(irq_handler_fn handler, void *ctx, const char *name)
{
    bool on = spin_lock_irqsave(&vectors_lock);
    for (int v = VEC_DYNAMIC_FIRST; v <= VEC_DYNAMIC_LAST; v++) {
        if (vectors[v].handler == NULL) {
            vectors[v] = (struct vector_slot){ handler, ctx, name, 0, -1, NULL, false, false };
            spin_unlock_irqrestore(&vectors_lock, on);
            return v;
        }
    }
    spin_unlock_irqrestore(&vectors_lock, on);
    return -ENOSPC;
}

void irq_set_fixed_vector(int v, irq_handler_fn handler, void *ctx, const char *name)
{
    bool on = spin_lock_irqsave(&vectors_lock);
    vectors[v] = (struct vector_slot){ handler, ctx, name, 0, -1, NULL, false, false };
    spin_unlock_irqrestore(&vectors_lock, on);
}

static void gsi_mask_locked(uint32_t gsi, bool masked);

void irq_free_vector(int v)
{
    if (v < VEC_DYNAMIC_FIRST || v > VEC_DYNAMIC_LAST)
        return;
    bool on = spin_lock_irqsave(&vectors_lock);
    if (vectors[v].gsi >= 0)
        gsi_mask_locked((uint32_t)vectors[v].gsi, true);
    for (struct irq_action *a = vectors[v].shared; a; a = a->next)
        a->used = false;
    vectors[v] = (struct vector_slot){ NULL, NULL, NULL, 0, -1, NULL, false, false };
    spin_unlock_irqrestore(&vectors_lock, on);
}

static struct ioapic *ioapic_for(uint32_t gsi, uint32_t *line)
{
    for (unsigned i = 0; i < ioapic_count; i++)
        if (gsi >= ioapics[i].gsi_base && gsi < ioapics[i].gsi_base + ioapics[i].lines) {
            *line = gsi - ioapics[i].gsi_base;
            return &ioapics[i];
        }
    return NULL;
}

uint32_t irq_isa_to_gsi(unsigned isa_irq, enum irq_trigger *trigger, enum irq_polarity *polarity)
{
    const struct acpi_info *a = acpi_get();
    *trigger = IRQ_EDGE; /* ISA defaults */
    *polarity = IRQ_ACTIVE_HIGH;
    if (a == NULL)
        return isa_irq;
    for (unsigned i = 0; i < a->override_count; i++) {
        if (a->overrides[i].bus_irq != isa_irq)
            continue;
        uint16_t f = a->overrides[i].flags;
        if ((f & 3) == 3)
            *polarity = IRQ_ACTIVE_LOW;
        if (((f >> 2) & 3) == 3)
            *trigger = IRQ_LEVEL;
        return a->overrides[i].gsi;
    }
    return isa_irq;
}

/* Chains handler onto the vector already serving gsi, if there is one:
 * the vector, -EBUSY if the line cannot be shared, 0 if not routed yet.
 * Only level-triggered lines are shared [PCI 3.0 §2.2.6: INTx is level,
 * active low, and may be wire-ORed]: an edge line's second device would
 * lose edges while the first holds it. */
static int chain_on_routed_gsi(uint32_t gsi, enum irq_trigger trigger,
                               enum irq_polarity polarity, irq_handler_fn handler, void *ctx,
                               const char *name)
{
    int found = 0;
    bool on = spin_lock_irqsave(&vectors_lock);
    for (int v = VEC_DYNAMIC_FIRST; v <= VEC_DYNAMIC_LAST && !found; v++) {
        struct vector_slot *s = &vectors[v];
        if (s->handler == NULL || s->gsi != (int32_t)gsi)
            continue;
        if (trigger != IRQ_LEVEL || !s->level || s->active_low != (polarity == IRQ_ACTIVE_LOW)) {
            found = -EBUSY;
            break;
        }
        struct irq_action *a = NULL;
        for (unsigned i = 0; i < IRQ_MAX_SHARED && a == NULL; i++)
            if (!shared_actions[i].used)
                a = &shared_actions[i];
        if (a == NULL) {
            found = -ENOSPC;
            break;
        }
        *a = (struct irq_action){ handler, ctx, name, NULL, true };
        struct irq_action **tail = &s->shared;
        while (*tail)
            tail = &(*tail)->next;
        __atomic_store_n(tail, a, __ATOMIC_RELEASE); /* complete before it is seen */
        found = v;
    }
    spin_unlock_irqrestore(&vectors_lock, on);
    return found;
}

int irq_route_gsi(uint32_t gsi, enum irq_trigger trigger, enum irq_polarity polarity,
                  irq_handler_fn handler, void *ctx, const char *name)
{
    uint32_t line;
    struct ioapic *io = ioapic_for(gsi, &line);
    if (io == NULL)
        return -ENODEV;
    int shared = chain_on_routed_gsi(gsi, trigger, polarity, handler, ctx, name);
    if (shared != 0)
        return shared;
    int v = irq_alloc_vector(handler, ctx, name);
    if (v < 0)
        return v;
    uint64_t red = (uint64_t)v | ((uint64_t)lapic_id() << 56); /* fixed, physical */
    if (trigger == IRQ_LEVEL)
        red |= RED_LEVEL;
    if (polarity == IRQ_ACTIVE_LOW)
        red |= RED_ACTIVE_LOW;
    bool on = spin_lock_irqsave(&vectors_lock);
    vectors[v].gsi = (int32_t)gsi;
    vectors[v].level = trigger == IRQ_LEVEL;
    vectors[v].active_low = polarity == IRQ_ACTIVE_LOW;
    ioapic_write(io, IOAPIC_REDTBL(line) + 1, (uint32_t)(red >> 32));
    ioapic_write(io, IOAPIC_REDTBL(line), (uint32_t)red);
    spin_unlock_irqrestore(&vectors_lock, on);
    return v;
}

void irq_unroute_gsi(uint32_t gsi, irq_handler_fn handler, void *ctx)
{
    bool on = spin_lock_irqsave(&vectors_lock);
    for (int v = VEC_DYNAMIC_FIRST; v <= VEC_DYNAMIC_LAST; v++) {
        struct vector_slot *s = &vectors[v];
        if (s->handler == NULL || s->gsi != (int32_t)gsi)
            continue;
        if (s->handler == handler && s->ctx == ctx) {
            struct irq_action *first = s->shared;
            if (first == NULL) { /* the last user: the line goes quiet */
                gsi_mask_locked(gsi, true);
                *s = (struct vector_slot){ NULL, NULL, NULL, 0, -1, NULL, false, false };
            } else { /* the next handler takes the slot */
                s->handler = first->handler;
                s->ctx = first->ctx;
                s->name = first->name;
                s->shared = first->next;
                first->used = false;
            }
            break;
        }
        for (struct irq_action **pp = &s->shared; *pp; pp = &(*pp)->next) {
            if ((*pp)->handler == handler && (*pp)->ctx == ctx) {
                struct irq_action *a = *pp;
                *pp = a->next;
                a->used = false;
                break;
            }
        }
        break;
    }
    spin_unlock_irqrestore(&vectors_lock, on);
}

unsigned irq_gsi_handlers(uint32_t gsi)
{
    unsigned n = 0;
    bool on = spin_lock_irqsave(&vectors_lock);
    for (int v = VEC_DYNAMIC_FIRST; v <= VEC_DYNAMIC_LAST; v++) {
        if (vectors[v].handler == NULL || vectors[v].gsi != (int32_t)gsi)
            continue;
        n = 1;
        for (struct irq_action *a = vectors[v].shared; a; a = a->next)
            n++;
    }
    spin_unlock_irqrestore(&vectors_lock, on);
    return n;
}

/* IOREGSEL/IOWIN pairs must not interleave: callers hold vectors_lock. */
static void gsi_mask_locked(uint32_t gsi, bool masked)
{
    uint32_t line;
    struct ioapic *io = ioapic_for(gsi, &line);
    if (io == NULL)
        return;
    uint32_t lo = ioapic_read(io, IOAPIC_REDTBL(line));
    lo = masked ? (lo | (uint32_t)RED_MASKED) : (lo & ~(uint32_t)RED_MASKED);
    ioapic_write(io, IOAPIC_REDTBL(line), lo);
}

void irq_gsi_mask(uint32_t gsi, bool masked)
{
    bool on = spin_lock_irqsave(&vectors_lock);
    gsi_mask_locked(gsi, masked);
    spin_unlock_irqrestore(&vectors_lock, on);
}

int irq_route_isa(unsigned isa_irq, irq_handler_fn handler, void *ctx, const char *name)
{
    enum irq_trigger t;
    enum irq_polarity p;
    uint32_t gsi = irq_isa_to_gsi(isa_irq, &t, &p);
    return irq_route_gsi(gsi, t, p, handler, ctx, name);
}

uint64_t irq_msi_address(void)
{
    return irq_msi_address_apic(lapic_id());
}

uint64_t irq_msi_address_apic(uint32_t apic_id)
{
    /* Destination ID in bits 19:12, physical mode; an x2APIC ID above 255
     * would need interrupt remapping, which nvos does not set up. */
    if (apic_id > 0xFF)
        return 0;
    return 0xFEE00000ull | ((uint64_t)apic_id << 12);
}

uint32_t irq_msi_data(int vector)
{
    return (uint32_t)vector; /* fixed delivery, edge */
}

void irq_dispatch(unsigned vector)
{
    struct vector_slot *s = &vectors[vector];
    if (vector == VEC_SPURIOUS)
        return; /* no EOI for the spurious vector [SDM §11.9] */
    __atomic_fetch_add(&s->count, 1, __ATOMIC_RELAXED); /* any CPU may take it */
    if (s->handler)
        s->handler(s->ctx);
    /* A shared line: every device on it is asked; each checks its own. */
    for (struct irq_action *a = __atomic_load_n(&s->shared, __ATOMIC_ACQUIRE); a;
         a = __atomic_load_n(&a->next, __ATOMIC_ACQUIRE))
        a->handler(a->ctx);
    if (lapic_ready)
        lapic_write(LAPIC_EOI, 0);
}

uint64_t irq_count(int vector)
{
    return (vector >= 0 && vector < 256) ? READ_ONCE(vectors[vector].count) : 0;
}

void irq_print_table(void)
{
    kprintf("VEC  GSI  COUNT        NAME\n");
    for (int v = 32; v < 256; v++) {
        if (vectors[v].handler == NULL)
            continue;
        if (vectors[v].gsi >= 0) {
            kprintf("0x%02x %-4d %-12llu %s", v, vectors[v].gsi,
                    (unsigned long long)vectors[v].count, vectors[v].name);
            for (const struct irq_action *a = vectors[v].shared; a; a = a->next)
                kprintf(" %s", a->name);
            kprintf("%s\n", vectors[v].shared ? " (shared)" : "");
        } else
            kprintf("0x%02x -    %-12llu %s\n", v, (unsigned long long)vectors[v].count,
                    vectors[v].name);
    }
}
