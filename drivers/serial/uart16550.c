/*
 * drivers/serial/uart16550.c - 16550A UARTs: COM1 (I/O port 0x3F8, IRQ 4),
 * and the UART ACPI's SPCR table names when it is another one (I/O port or
 * memory-mapped; output and polled input).
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

#include "kernel/acpi/acpi.h"
#include "kernel/arch/mmio.h"
#include "kernel/arch/x86.h"
#include "kernel/console.h"
#include "kernel/irq/irq.h"
#include "kernel/kernel.h"
#include "kernel/mm/vmm.h"
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
#define LSR_OE 0x02 /* overrun: a received byte was lost */
#define LSR_THRE 0x20

#define BAUD_DIVISOR 1 /* 115200 = 1.8432 MHz / 16 / 1 */

/* One UART: COM1 at its I/O port, or the one ACPI SPCR describes (I/O port
 * or memory-mapped, registers 1 or 4 bytes apart). */
struct uart {
    const char *name;
    bool present;
    bool rx_irq_enabled;
    bool stalled;      /* transmitter did not drain in time: do not wait for it */
    uint16_t port;     /* I/O base, when mmio is NULL */
    uint8_t *mmio;     /* mapped registers, or NULL */
    uint8_t shift;     /* register i at offset i << shift (MMIO) */
    bool mmio32;       /* 32-bit accesses (SPCR access size 3) */
    unsigned overruns; /* LSR.OE seen since boot: input was lost */
    struct console_output out;
    struct console_input_source in;
};

static struct uart com1, spcr_uart;

static uint8_t rd(const struct uart *u, unsigned reg)
{
    if (u->mmio == NULL)
        return inb((uint16_t)(u->port + reg));
    void *a = u->mmio + (reg << u->shift);
    return u->mmio32 ? (uint8_t)mmio_read32(a) : mmio_read8(a);
}

static void wr(const struct uart *u, unsigned reg, uint8_t v)
{
    if (u->mmio == NULL) {
        outb((uint16_t)(u->port + reg), v);
        return;
    }
    void *a = u->mmio + (reg << u->shift);
    if (u->mmio32)
        mmio_write32(a, v);
    else
        mmio_write8(a, v);
}

/* Every LSR read goes through here: reading LSR clears OE, so count it. */
static uint8_t read_lsr(struct uart *u)
{
    uint8_t lsr = rd(u, UART_LSR);
    if (lsr & LSR_OE)
        u->overruns++;
    return lsr;
}

static void uart_console_write(void *ctx, const char *s, size_t n);
static void uart_poll(void *ctx);

/* Probes and programs u; registers it with the console when it answers.
 * divisor 0 keeps the baud rate the firmware set. */
static bool uart_setup(struct uart *u, uint16_t divisor)
{
    /* A missing UART reads back 0xFF (or 0); the scratch register tells. */
    wr(u, UART_SCR, 0x5A);
    if (rd(u, UART_SCR) != 0x5A)
        return false;
    wr(u, UART_SCR, 0xA5);
    if (rd(u, UART_SCR) != 0xA5)
        return false;
    u->present = true;
    wr(u, UART_IER, 0);
    if (divisor != 0) {
        wr(u, UART_LCR, LCR_DLAB);
        wr(u, UART_DLL, (uint8_t)(divisor & 0xFF));
        wr(u, UART_DLM, (uint8_t)(divisor >> 8));
    }
    wr(u, UART_LCR, LCR_8N1);
    wr(u, UART_FCR, FCR_ENABLE_CLEAR | FCR_TRIGGER_1);
    wr(u, UART_MCR, MCR_DTR_RTS_OUT2);
    u->out = (struct console_output){ .name = u->name, .write = uart_console_write, .ctx = u };
    u->in = (struct console_input_source){
        .name = u->name, .poll = uart_poll, .ctx = u, .needs_poll = true,
    };
    console_register_output(&u->out);
    console_register_input(&u->in);
    return true;
}

void uart_init(void)
{
    com1.name = "com1";
    com1.port = COM1;
    uart_setup(&com1, BAUD_DIVISOR);
}

void uart_spcr_init(const struct acpi_info *a)
{
    if (a == NULL || !a->have_spcr)
        return;
    const struct acpi_gas *g = &a->spcr_base;
    if (a->spcr_interface != ACPI_SPCR_16550 && a->spcr_interface != ACPI_SPCR_16450 &&
        a->spcr_interface != ACPI_SPCR_16550_GAS) {
        kprintf("uart: SPCR names interface type %#x, not a 16550: not used\n", a->spcr_interface);
        return;
    }
    if (g->space_id == 1 && g->address == COM1 && com1.present)
        return; /* COM1, already the console */
    struct uart *u = &spcr_uart;
    u->name = "spcr";
    if (g->space_id == 1 && g->address <= 0xFFF8) {
        u->port = (uint16_t)g->address;
    } else if (g->space_id == 0) {
        u->mmio32 = g->access_size == 3 || g->bit_width == 32;
        u->shift = u->mmio32 ? 2 : 0;
        u->mmio = vmm_map_mmio(g->address, 8u << u->shift);
        if (u->mmio == NULL) {
            kprintf("uart: cannot map the SPCR UART at %#llx\n", (unsigned long long)g->address);
            return;
        }
    } else {
        kprintf("uart: SPCR address space %u not supported\n", g->space_id);
        return;
    }
    uint16_t divisor = a->spcr_baud ? (uint16_t)(115200 / a->spcr_baud) : 0;
    if (!uart_setup(u, divisor)) {
        kprintf("uart: no UART answers where SPCR says (%s %#llx)\n",
                g->space_id == 1 ? "port" : "memory", (unsigned long long)g->address);
        return;
    }
    kprintf("uart: console also on the SPCR UART (%s %#llx)\n",
            g->space_id == 1 ? "port" : "memory", (unsigned long long)g->address);
}

static void put_raw(struct uart *u, uint8_t c)
{
    /* Bounded: a UART that never drains must not hang the kernel. After one
     * timeout it counts as stalled and is not waited for again until its
     * transmitter shows empty by itself. */
    uint32_t limit = u->stalled ? 1 : 100000;
    uint32_t spins = 0;
    while (!(read_lsr(u) & LSR_THRE)) {
        if (++spins >= limit) {
            u->stalled = true;
            break;
        }
        cpu_pause();
    }
    if (spins < limit)
        u->stalled = false;
    wr(u, UART_THR, c);
}

static void uart_console_write(void *ctx, const char *s, size_t n)
{
    struct uart *u = ctx;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            put_raw(u, '\r');
        put_raw(u, (uint8_t)s[i]);
    }
}

/* Moves every received byte into the console's input queue. */
static void uart_drain(struct uart *u)
{
    char buf[16]; /* the FIFO's depth */
    size_t n = 0;
    while (n < sizeof(buf) && (read_lsr(u) & LSR_DR))
        buf[n++] = (char)rd(u, UART_RBR);
    console_input(buf, n);
}

static void uart_irq(void *ctx)
{
    struct uart *u = ctx;
    /* Bounded: a UART stuck with DR set (a broken or removed device reads
     * all-ones) must not hold the CPU in the handler. */
    for (int i = 0; i < 64 && (read_lsr(u) & LSR_DR); i++)
        uart_drain(u);
}

/* Interrupts off (or not routed): the IRQ cannot deliver, so look at the UART. */
static void uart_poll(void *ctx)
{
    struct uart *u = ctx;
    if (!u->rx_irq_enabled || !cpu_irqs_enabled())
        uart_drain(u);
}

void uart_enable_rx_irq(void)
{
    if (!com1.present)
        return;
    if (irq_route_isa(4, uart_irq, &com1, "com1") < 0) {
        kprintf("uart: cannot route IRQ 4; console input stays polled\n");
        return;
    }
    com1.rx_irq_enabled = true;
    WRITE_ONCE(com1.in.needs_poll, false);
    wr(&com1, UART_IER, IER_RDA);
    uart_irq(&com1); /* bytes that arrived before the IRQ was routed */
}

/* For "selftest": a rig that types faster than the shell reads loses bytes
 * in the receive FIFO, and the UART says so in LSR.OE. */
static int check_no_overruns(void)
{
    if (!com1.present) {
        selftest_diag("no UART at COM1");
        return SELFTEST_SKIP;
    }
    if (com1.overruns != 0) {
        selftest_diag("com1: %u receive overruns since boot: input was lost", com1.overruns);
        return -EIO;
    }
    selftest_diag("com1: no receive overrun since boot (input %s)",
                  com1.rx_irq_enabled ? "by interrupt" : "polled");
    return 0;
}
SELFTEST(21_uart_overruns, "uart_no_input_lost", check_no_overruns);
