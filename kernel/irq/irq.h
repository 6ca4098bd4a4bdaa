/*
 * kernel/irq/irq.h - interrupt vectors, the local APIC, the I/O APIC and MSI.
 *
 * One CPU, xAPIC mode. Vectors 0x30-0xEF are handed out by irq_alloc_vector()
 * to whoever asks (I/O APIC lines, MSI-X entries); each has one handler,
 * called with interrupts off, followed by the EOI.
 */
#ifndef NVOS_KERNEL_IRQ_IRQ_H
#define NVOS_KERNEL_IRQ_IRQ_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*irq_handler_fn)(void *ctx);

/* Local APIC (enable, spurious vector, timer) and I/O APICs from the MADT. */
int irq_init(void);

/* A free vector bound to handler, or -ENOSPC. */
int irq_alloc_vector(irq_handler_fn handler, void *ctx, const char *name);
void irq_free_vector(int vector);

/* Routes ISA IRQ n (applying MADT source overrides) to a new vector. */
int irq_route_isa(unsigned isa_irq, irq_handler_fn handler, void *ctx, const char *name);

enum irq_trigger { IRQ_EDGE, IRQ_LEVEL };
enum irq_polarity { IRQ_ACTIVE_HIGH, IRQ_ACTIVE_LOW };
/* Routes global system interrupt gsi to a new vector; returns the vector. */
int irq_route_gsi(uint32_t gsi, enum irq_trigger trigger, enum irq_polarity polarity,
                  irq_handler_fn handler, void *ctx, const char *name);
/* Masks or unmasks an I/O APIC line set up by irq_route_*(). */
void irq_gsi_mask(uint32_t gsi, bool masked);
/* The GSI an ISA IRQ arrives on, after MADT interrupt source overrides. */
uint32_t irq_isa_to_gsi(unsigned isa_irq, enum irq_trigger *trigger, enum irq_polarity *polarity);

/* [Intel SDM Vol. 3A §11.11.1-2] MSI/MSI-X message for vector on this CPU. */
uint64_t irq_msi_address(void);
uint32_t irq_msi_data(int vector);

/* Called by trap_dispatch for vectors >= 32. */
void irq_dispatch(unsigned vector);

/* Per-vector counters, for the "irq" shell command and tests. */
uint64_t irq_count(int vector);
void irq_print_table(void);

/* Local APIC timer: raise VEC_LAPIC_TIMER once, "ns" from now (0 = cancel). */
void lapic_timer_oneshot(uint64_t ns);
uint32_t lapic_id(void);

#endif
