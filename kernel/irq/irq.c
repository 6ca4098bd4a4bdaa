/*
 * kernel/irq/irq.c - local APIC, I/O APIC, legacy PIC and the vector table.
 *
 * [Intel SDM Vol. 3A ch. 11 (APIC): §11.4 local APIC registers, §11.5.4 timer,
 * §11.8.5 EOI, §11.9 spurious interrupt, §11.11 MSI format; Intel 82093AA
 * I/O APIC data sheet §3.2 (IOREGSEL/IOWIN, IOREDTBL); ACPI 6.4 §5.2.12.5
 * (interrupt source overrides)]. xAPIC (MMIO) mode on the boot CPU only.
 * The 8259 PICs are remapped out of the exception range and fully masked.
 */
#include "kernel/irq/irq.h"

#include <string.h>

#include "kernel/acpi/acpi.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/mmio.h"
#include "kernel/arch/x86.h"
#include "kernel/kernel.h"
#include "kernel/mm/vmm.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"

/* Local APIC registers (offsets) */
#define LAPIC_ID 0x020
#define LAPIC_VER 0x030
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_ESR 0x280
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

/* I/O APIC */
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define RED_MASKED (1ull << 16)
#define RED_LEVEL (1ull << 15)
#define RED_ACTIVE_LOW (1ull << 13)

struct vector_slot {
    irq_handler_fn handler;
    void *ctx;
    const char *name;
    uint64_t count;
    int32_t gsi; /* -1 unless routed from an I/O APIC line */
};

static struct vector_slot vectors[256];
static uint8_t *lapic;
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
    return mmio_read32(lapic + reg);
}
static void lapic_write(uint32_t reg, uint32_t v)
{
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
    (void)ctx; /* its only job is to wake a "hlt" */
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

int irq_init(void)
{
    const struct acpi_info *a = acpi_get();
    uint64_t base = rdmsr(MSR_APIC_BASE);
    phys_addr_t lapic_phys = base & 0xFFFFFF000ull;

    for (int v = 0; v < 256; v++)
        vectors[v].gsi = -1;
    pic_disable();

    if (!(base & (1u << 11))) /* APIC globally disabled: turn it on */
        wrmsr(MSR_APIC_BASE, base | (1u << 11));
    lapic = vmm_map_mmio(lapic_phys, PAGE_SIZE);
    if (lapic == NULL)
        panic("irq: cannot map the local APIC");

    vectors[VEC_LAPIC_TIMER] = (struct vector_slot){ timer_irq, NULL, "lapic-timer", 0, -1 };
    vectors[VEC_LAPIC_ERROR] = (struct vector_slot){ error_irq, NULL, "lapic-error", 0, -1 };
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
    lapic_write(LAPIC_LVT_ERROR, VEC_LAPIC_ERROR);
    lapic_write(LAPIC_ESR, 0);
    lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
    lapic_write(LAPIC_EOI, 0);
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
    kprintf("irq: local APIC id %u at %#llx (timer %u kHz), %u I/O APIC(s)\n", lapic_id(),
            (unsigned long long)lapic_phys, lapic_timer_hz / 1000, ioapic_count);
    return 0;
}

uint32_t lapic_id(void)
{
    return lapic ? lapic_read(LAPIC_ID) >> 24 : 0;
}

void lapic_timer_oneshot(uint64_t ns)
{
    if (lapic == NULL || lapic_timer_hz == 0)
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
    bool on = irq_save();
    for (int v = VEC_DYNAMIC_FIRST; v <= VEC_DYNAMIC_LAST; v++) {
        if (vectors[v].handler == NULL) {
            vectors[v] = (struct vector_slot){ handler, ctx, name, 0, -1 };
            irq_restore(on);
            return v;
        }
    }
    irq_restore(on);
    return -ENOSPC;
}

void irq_free_vector(int v)
{
    if (v < VEC_DYNAMIC_FIRST || v > VEC_DYNAMIC_LAST)
        return;
    bool on = irq_save();
    if (vectors[v].gsi >= 0)
        irq_gsi_mask((uint32_t)vectors[v].gsi, true);
    vectors[v] = (struct vector_slot){ NULL, NULL, NULL, 0, -1 };
    irq_restore(on);
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

int irq_route_gsi(uint32_t gsi, enum irq_trigger trigger, enum irq_polarity polarity,
                  irq_handler_fn handler, void *ctx, const char *name)
{
    uint32_t line;
    struct ioapic *io = ioapic_for(gsi, &line);
    if (io == NULL)
        return -ENODEV;
    int v = irq_alloc_vector(handler, ctx, name);
    if (v < 0)
        return v;
    vectors[v].gsi = (int32_t)gsi;
    uint64_t red = (uint64_t)v | ((uint64_t)lapic_id() << 56); /* fixed, physical */
    if (trigger == IRQ_LEVEL)
        red |= RED_LEVEL;
    if (polarity == IRQ_ACTIVE_LOW)
        red |= RED_ACTIVE_LOW;
    bool on = irq_save();
    ioapic_write(io, IOAPIC_REDTBL(line) + 1, (uint32_t)(red >> 32));
    ioapic_write(io, IOAPIC_REDTBL(line), (uint32_t)red);
    irq_restore(on);
    return v;
}

void irq_gsi_mask(uint32_t gsi, bool masked)
{
    uint32_t line;
    struct ioapic *io = ioapic_for(gsi, &line);
    if (io == NULL)
        return;
    bool on = irq_save();
    uint32_t lo = ioapic_read(io, IOAPIC_REDTBL(line));
    lo = masked ? (lo | (uint32_t)RED_MASKED) : (lo & ~(uint32_t)RED_MASKED);
    ioapic_write(io, IOAPIC_REDTBL(line), lo);
    irq_restore(on);
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
    return 0xFEE00000ull | ((uint64_t)lapic_id() << 12); /* physical destination */
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
    s->count++;
    if (s->handler)
        s->handler(s->ctx);
    if (lapic)
        lapic_write(LAPIC_EOI, 0);
}

uint64_t irq_count(int vector)
{
    return (vector >= 0 && vector < 256) ? vectors[vector].count : 0;
}

void irq_print_table(void)
{
    kprintf("VEC  GSI  COUNT        NAME\n");
    for (int v = 32; v < 256; v++) {
        if (vectors[v].handler == NULL)
            continue;
        if (vectors[v].gsi >= 0)
            kprintf("0x%02x %-4d %-12llu %s\n", v, vectors[v].gsi,
                    (unsigned long long)vectors[v].count, vectors[v].name);
        else
            kprintf("0x%02x -    %-12llu %s\n", v, (unsigned long long)vectors[v].count,
                    vectors[v].name);
    }
}
