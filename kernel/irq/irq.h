/*
 * kernel/irq/irq.h - interrupt vectors, the local APIC, the I/O APIC and MSI.
 *
 * xAPIC or x2APIC mode, the same on every CPU. Vectors 0x30-0xEF are handed
 * out by irq_alloc_vector() to whoever asks (I/O APIC lines, MSI-X entries);
 * each has one handler (a shared level-triggered I/O APIC line: a chain of
 * them), called with interrupts off on whichever CPU the interrupt was sent
 * to (device interrupts: CPU 0), followed by the EOI.
 */
#ifndef NVOS_KERNEL_IRQ_IRQ_H
#define NVOS_KERNEL_IRQ_IRQ_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*irq_handler_fn)(void *ctx);

/* Local APIC (enable, spurious vector, timer) and I/O APICs from the MADT. */
int irq_init(void);

/* Binds one of the fixed vectors (VEC_IPI_*) to a handler. */
void irq_set_fixed_vector(int vector, irq_handler_fn handler, void *ctx, const char *name);

/* A free vector bound to handler, or -ENOSPC. */
int irq_alloc_vector(irq_handler_fn handler, void *ctx, const char *name);
void irq_free_vector(int vector);

/* Routes ISA IRQ n (applying MADT source overrides) to a new vector. */
int irq_route_isa(unsigned isa_irq, irq_handler_fn handler, void *ctx, const char *name);

enum irq_trigger { IRQ_EDGE, IRQ_LEVEL };
enum irq_polarity { IRQ_ACTIVE_HIGH, IRQ_ACTIVE_LOW };
/*
 * Routes global system interrupt gsi to a vector; returns the vector. A
 * line already routed is shared when both ask for level triggering with
 * the same polarity: the handler joins the vector's chain (every handler
 * runs on each interrupt and must check its own device); -EBUSY otherwise.
 */
int irq_route_gsi(uint32_t gsi, enum irq_trigger trigger, enum irq_polarity polarity,
                  irq_handler_fn handler, void *ctx, const char *name);
/* Takes one handler off gsi; the last one out masks the line and frees the
 * vector. (irq_free_vector() on a routed vector drops every handler.) */
void irq_unroute_gsi(uint32_t gsi, irq_handler_fn handler, void *ctx);
/* How many handlers gsi has (0: not routed). */
unsigned irq_gsi_handlers(uint32_t gsi);
/* Masks or unmasks an I/O APIC line set up by irq_route_*(). */
void irq_gsi_mask(uint32_t gsi, bool masked);
/* The GSI an ISA IRQ arrives on, after MADT interrupt source overrides. */
uint32_t irq_isa_to_gsi(unsigned isa_irq, enum irq_trigger *trigger, enum irq_polarity *polarity);

/* [Intel SDM Vol. 3A §11.11.1-2] MSI/MSI-X message for vector on this CPU. */
uint64_t irq_msi_address(void);
/* The same aimed at another CPU (percpu_of(i)->apic_id); 0 for an APIC ID
 * above 255, which MSI cannot name without interrupt remapping. */
uint64_t irq_msi_address_apic(uint32_t apic_id);
uint32_t irq_msi_data(int vector);

/* Called by trap_dispatch for vectors >= 32. */
void irq_dispatch(unsigned vector);

/* Per-vector counters, for the "irq" shell command and tests. */
uint64_t irq_count(int vector);
void irq_print_table(void);

/* Local APIC timer: raise VEC_LAPIC_TIMER once, "ns" from now (0 = cancel). */
void lapic_timer_oneshot(uint64_t ns);
/* This CPU's local APIC ID (x2APIC: 32 bits). */
uint32_t lapic_id(void);

/* An AP's local APIC: same mode, vectors and timer divider as CPU 0's. */
void lapic_init_ap(void);
bool lapic_x2apic_mode(void);

/* [SDM §11.6.1] Sends an IPI to one CPU by APIC ID (physical destination).
 * 0, or -ETIMEDOUT when an xAPIC never reports the send accepted. */
enum ipi_kind { IPI_FIXED, IPI_NMI, IPI_INIT, IPI_STARTUP };
int lapic_send_ipi(uint32_t apic_id, enum ipi_kind kind, uint8_t vector);

#endif
