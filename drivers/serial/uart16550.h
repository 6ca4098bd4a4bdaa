/*
 * drivers/serial/uart16550.h - the COM1 serial line as a console output and
 * input source (kernel/console.h).
 */
#ifndef NVOS_DRIVERS_SERIAL_UART16550_H
#define NVOS_DRIVERS_SERIAL_UART16550_H

/* 115200 8N1, FIFOs on; polled output. Safe to call before anything else.
 * Registers COM1 with the console when a UART answers there. */
void uart_init(void);
/* Routes the receive interrupt (IRQ 4) through the I/O APIC; until then,
 * and whenever interrupts are off, input is polled. */
void uart_enable_rx_irq(void);

#endif
