/*
 * drivers/serial/uart16550.c - 16550A UART on COM1 (I/O port 0x3F8, IRQ 4).
 *
 * Registers and the init sequence as in the National Semiconductor PC16550D
 * data sheet (June 1995), §8.1-8.6. Output is polled (wait for THRE, write
 * THR), so it works in every context including exception handlers. Input
 * comes through the receive-data interrupt into the console's queue once
 * uart_enable_rx_irq() has run; before that (and whenever interrupts are
 * off) the console polls LSR.DR instead, so a shell that waits for input
 * sleeps in "hlt" rather than spinning.
 */
#include "drivers/serial/uart16550.h"

#include <stdint.h>

#include "kernel/arch/x86.h"
#include "kernel/console.h"
#include "kernel/irq/irq.h"
#include "kernel/kernel.h"
#include "kernel/selftest.h"
#include "lib/errno.h"

#define COM1 0x3F8
#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_RBR 0 /* receive buffer (read, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_SCR 7 /* scratch */

#define IER_RDA 0x01    /* received data available */
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07 /* enable FIFOs, clear both */
#define FCR_TRIGGER_1 0x00    /* interrupt after every received byte */
#define MCR_DTR_RTS_OUT2 0x0B /* OUT2 gates the IRQ line on PCs */
#define LSR_DR 0x01
#define LSR_OE 0x02 /* overrun: a byte arrived with the FIFO full and was lost */
#define LSR_THRE 0x20

#define BAUD_DIVISOR 1 /* 115200 = 1.8432 MHz / 16 / 1 */

static bool uart_present;
static bool rx_irq_enabled;
static unsigned overruns; /* LSR.OE seen since boot: input was lost */

/* Every LSR read goes through here: reading LSR clears OE, so count it. */
static uint8_t read_lsr(void)
{
    uint8_t lsr = inb(COM1 + UART_LSR);
    if (lsr & LSR_OE)
        overruns++;
    return lsr;
}

static void uart_console_write(void *ctx, const char *s, size_t n);
static void uart_poll(void *ctx);

static struct console_output uart_output = { .name = "com1", .write = uart_console_write };
static struct console_input_source uart_input = {
    .name = "com1", .poll = uart_poll, .needs_poll = true,
};

void uart_init(void)
{
    /* A missing UART reads back 0xFF; the scratch register tells. */
    outb(COM1 + UART_SCR, 0x5A);
    uart_present = inb(COM1 + UART_SCR) == 0x5A;
    if (!uart_present)
        return;
    outb(COM1 + UART_IER, 0);
    outb(COM1 + UART_LCR, LCR_DLAB);
    outb(COM1 + UART_DLL, BAUD_DIVISOR & 0xFF);
    outb(COM1 + UART_DLM, BAUD_DIVISOR >> 8);
    outb(COM1 + UART_LCR, LCR_8N1);
    outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR | FCR_TRIGGER_1);
    outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
    console_register_output(&uart_output);
    console_register_input(&uart_input);
}

static void put_raw(uint8_t c)
{
    /* Bounded: a UART that never drains must not hang the kernel. */
    for (uint32_t spins = 0; spins < 1000000; spins++) {
        if (read_lsr() & LSR_THRE)
            break;
        cpu_pause();
    }
    outb(COM1 + UART_THR, c);
}

static void uart_console_write(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            put_raw('\r');
        put_raw((uint8_t)s[i]);
    }
}

/* Moves up to a FIFO's worth of received bytes into the console's input
 * queue; returns how many. */
static size_t uart_drain(void)
{
    char buf[16]; /* the FIFO's depth */
    size_t n = 0;
    while (n < sizeof(buf) && (read_lsr() & LSR_DR))
        buf[n++] = (char)inb(COM1 + UART_RBR);
    console_input(buf, n);
    return n;
}

static void uart_irq(void *ctx)
{
    (void)ctx;
    while (uart_drain() > 0)
        ;
}

/* Interrupts off (or not routed): the IRQ cannot deliver, so look at the UART. */
static void uart_poll(void *ctx)
{
    (void)ctx;
    if (!rx_irq_enabled || !cpu_irqs_enabled())
        uart_drain();
}

void uart_enable_rx_irq(void)
{
    if (!uart_present)
        return;
    if (irq_route_isa(4, uart_irq, NULL, "com1") < 0) {
        kprintf("uart: cannot route IRQ 4; console input stays polled\n");
        return;
    }
    rx_irq_enabled = true;
    WRITE_ONCE(uart_input.needs_poll, false);
    outb(COM1 + UART_IER, IER_RDA);
    uart_irq(NULL); /* bytes that arrived before the IRQ was routed */
}

/* For "selftest": a rig that types faster than the shell reads loses bytes
 * in the 16-byte FIFO, and the UART says so (LSR bit 1, OE, in the PC16550D
 * data sheet). */
static int check_no_overruns(void)
{
    if (!uart_present) {
        selftest_diag("no UART at COM1");
        return SELFTEST_SKIP;
    }
    if (overruns != 0) {
        selftest_diag("com1: %u receive overruns since boot: input was lost", overruns);
        return -EIO;
    }
    selftest_diag("com1: no receive overrun since boot (input %s)",
                  rx_irq_enabled ? "by interrupt" : "polled");
    return 0;
}
SELFTEST(21_uart_overruns, "uart_no_input_lost", check_no_overruns);
