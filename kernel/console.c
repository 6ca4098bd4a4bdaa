/*
 * kernel/console.c - the console: outputs, the input queue, the log.
 *
 * Everything printed goes to the 64 KiB log ("dmesg") and to each registered
 * output in registration order. Input from every source lands in one ring,
 * so the shell reads one stream whichever keyboard or line it came from.
 *
 * SMP: one lock (out_lock) covers the outputs, the log and the line state,
 * so a kprintf from one CPU is never torn by another's; another (in_lock)
 * covers the input ring and the source list. Both are taken with interrupts
 * off. A CPU that has stopped the others (a panic, power-off: kernel/smp)
 * takes no lock at all: a CPU it stopped may have held one.
 */
#include "kernel/console.h"

#include "kernel/arch/x86.h"
#include "kernel/irq/irq.h"
#include "kernel/kernel.h"
#include "kernel/smp/smp.h"
#include "kernel/smp/spinlock.h"
#include "kernel/time/clock.h"

#define LOG_SIZE (64 * 1024)
static char log_buf[LOG_SIZE];
static uint64_t log_pos; /* total bytes ever written */
static bool at_line_start = true;

static struct console_output *outputs;
static struct console_input_source *inputs;

#define IN_SIZE 4096 /* a 16550's FIFO is 16 bytes; this holds a pasted line */
static uint8_t in_buf[IN_SIZE];
static uint32_t in_head, in_tail; /* head: written by producers; tail: by readers */

#define WAKE_NS (10 * NSEC_PER_MSEC) /* re-poll period while halted, for timeouts */

static struct spinlock out_lock = SPINLOCK_INIT("console output");
static struct spinlock in_lock = SPINLOCK_INIT("console input");

bool console_lock(void)
{
    bool on = irq_save();
    if (!smp_this_cpu_alone())
        spin_lock(&out_lock);
    return on;
}

void console_unlock(bool irqs_were_on)
{
    if (!smp_this_cpu_alone())
        spin_unlock(&out_lock);
    irq_restore(irqs_were_on);
}

void console_register_output(struct console_output *out)
{
    bool on = console_lock();
    struct console_output **p = &outputs;
    while (*p != NULL)
        p = &(*p)->next;
    out->next = NULL;
    *p = out;
    console_unlock(on);
}

void console_register_input(struct console_input_source *in)
{
    bool on = spin_lock_irqsave(&in_lock);
    struct console_input_source **p = &inputs;
    while (*p != NULL)
        p = &(*p)->next;
    in->next = NULL;
    *p = in;
    spin_unlock_irqrestore(&in_lock, on);
}

void console_write_unlogged(const char *s, size_t n)
{
    bool on = console_lock();
    for (struct console_output *o = outputs; o != NULL; o = o->next)
        o->write(o->ctx, s, n);
    console_unlock(on);
}

void console_write_locked(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        log_buf[(log_pos + i) % LOG_SIZE] = s[i];
    log_pos += n;
    if (n > 0)
        at_line_start = s[n - 1] == '\n';
    for (struct console_output *o = outputs; o != NULL; o = o->next)
        o->write(o->ctx, s, n);
}

void console_write(const char *s, size_t n)
{
    bool on = console_lock();
    console_write_locked(s, n);
    console_unlock(on);
}

static bool color_on = true;

bool console_color_enabled(void)
{
    return color_on;
}

void console_set_color(bool on)
{
    color_on = on;
}

void console_flush(bool force)
{
    bool on = console_lock(); /* outputs' state is shared with writers on other CPUs */
    for (struct console_output *o = outputs; o != NULL; o = o->next)
        if (o->flush != NULL)
            o->flush(o->ctx, force);
    console_unlock(on);
}

void console_panic(void)
{
    for (struct console_output *o = outputs; o != NULL; o = o->next)
        if (o->panic != NULL)
            o->panic(o->ctx);
}

bool console_at_line_start(void)
{
    return READ_ONCE(at_line_start);
}

void console_log_replay(void (*out)(const char *s, size_t n))
{
    /* The log may grow while it is replayed (out() prints, other CPUs
     * print): replay what was there when it started. */
    uint64_t end = READ_ONCE(log_pos);
    uint64_t start = end > LOG_SIZE ? end - LOG_SIZE : 0;
    for (uint64_t p = start; p < end;) {
        size_t off = p % LOG_SIZE;
        size_t n = (size_t)MIN(end - p, (uint64_t)(LOG_SIZE - off));
        out(log_buf + off, n);
        p += n;
    }
}

void console_input(const char *bytes, size_t n)
{
    bool on = spin_lock_irqsave(&in_lock);
    for (size_t i = 0; i < n; i++) {
        uint32_t next = (in_head + 1) % IN_SIZE;
        if (next == in_tail)
            break; /* full: drop, as a terminal would */
        in_buf[in_head] = (uint8_t)bytes[i];
        in_head = next;
    }
    spin_unlock_irqrestore(&in_lock, on);
}

static void poll_sources(void)
{
    for (struct console_input_source *s = inputs; s != NULL; s = s->next)
        if (s->poll != NULL)
            s->poll(s->ctx);
}

static bool any_needs_poll(void)
{
    for (struct console_input_source *s = inputs; s != NULL; s = s->next)
        if (READ_ONCE(s->needs_poll))
            return true;
    return false;
}

int console_try_getc(void)
{
    poll_sources();
    bool on = spin_lock_irqsave(&in_lock);
    int c = -1;
    if (in_tail != in_head) {
        c = in_buf[in_tail];
        in_tail = (in_tail + 1) % IN_SIZE;
    }
    spin_unlock_irqrestore(&in_lock, on);
    return c;
}

bool console_ctrl_c(void)
{
    poll_sources();
    console_flush(false); /* long commands call this often: let lazy outputs catch up */
    bool on = spin_lock_irqsave(&in_lock);
    bool found = false;
    for (uint32_t i = in_tail; i != in_head; i = (i + 1) % IN_SIZE) {
        if (in_buf[i] == 0x03) {
            in_tail = (i + 1) % IN_SIZE; /* like a terminal: ^C flushes what came before */
            found = true;
            break;
        }
    }
    spin_unlock_irqrestore(&in_lock, on);
    return found;
}

/* Waits for input or until the deadline (NULL: none). */
static int wait_getc(const struct deadline *until)
{
    console_flush(true); /* everything printed is on every screen before we wait */
    for (;;) {
        int c = console_try_getc();
        if (c >= 0)
            return c;
        if (until != NULL && deadline_passed(*until))
            return -1;
        if (!any_needs_poll() && cpu_irqs_enabled()) {
            /* "sti; hlt" cannot miss an interrupt that is already pending;
             * the timer brings pollers and deadlines back regularly. */
            cpu_cli();
            if (READ_ONCE(in_tail) == READ_ONCE(in_head)) {
                lapic_timer_oneshot(WAKE_NS);
                cpu_sti_hlt();
            } else {
                cpu_sti();
            }
        } else {
            cpu_pause();
        }
    }
}

int console_getc(void)
{
    return wait_getc(NULL);
}

int console_getc_timeout(uint32_t timeout_ms)
{
    struct deadline d = deadline_in_ns((uint64_t)timeout_ms * NSEC_PER_MSEC);
    return wait_getc(&d);
}
