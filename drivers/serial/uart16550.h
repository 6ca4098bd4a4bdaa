/*
 * drivers/serial/uart16550.h - the COM1 serial line as a console output and
 * input source (kernel/console.h).
 */
#ifndef NVOS_DRIVERS_SERIAL_UART16550_H
#define NVOS_DRIVERS_SERIAL_UART16550_H

/* 115200 8N1, FIFOs on; polled output. Safe to call before anything else.
 * Registers COM1 with the console when a UART answers there. */
void uart_init(void);
/* Adds the UART the ACPI SPCR table describes (I/O port or MMIO, 16550
 * compatible) as a console output and polled input, unless it is COM1.
 * Needs the page tables (MMIO) and acpi_init. */
struct acpi_info;
void uart_spcr_init(const struct acpi_info *a);
/* Routes the receive interrupt (IRQ 4) through the I/O APIC; until then,
 * and whenever interrupts are off, input is polled. */
void uart_enable_rx_irq(void);

#endif
