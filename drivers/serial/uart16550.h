/*
 * drivers/serial/uart16550.h - the COM1 console.
 */
#ifndef NVOS_DRIVERS_SERIAL_UART16550_H
#define NVOS_DRIVERS_SERIAL_UART16550_H

#include <stdbool.h>
#include <stddef.h>

/* 115200 8N1, FIFOs on; polled output. Safe to call before anything else. */
void uart_init(void);
void uart_write(const char *s, size_t n);
/* Routes the receive interrupt (IRQ 4) through the I/O APIC to a buffer. */
void uart_enable_rx_irq(void);
/* Next received byte, or -1 when none is waiting. Never blocks. */
int uart_try_getc(void);
/* True if Ctrl-C was typed: removes input up to and including it and leaves
 * anything typed after it, or everything when there is no Ctrl-C. For long
 * commands that offer to stop early. Never blocks. */
bool uart_take_interrupt(void);
/* Waits (halting the CPU between interrupts when it can) for a byte. */
int uart_getc(void);

#endif
