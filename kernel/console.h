/*
 * kernel/console.h - the console: every output device and every keyboard or
 * serial line, behind one interface that the rest of the kernel uses.
 *
 * Drivers register outputs (a UART, a framebuffer, VGA text) and push input
 * bytes; the kernel writes through console_write()/kprintf() and reads with
 * console_getc(). Nothing in kernel/ needs to know which devices exist.
 *
 * Rules:
 *  - An output's write() runs with interrupts off, from any context including
 *    exception handlers and panic; it must not allocate or wait unboundedly.
 *  - console_input() may be called from interrupt handlers and from polls.
 *    Input is UTF-8 bytes and the control characters a terminal sends
 *    (CR, BS/DEL, Ctrl-C = 0x03, ESC sequences for special keys).
 *  - Input sources that need polling (a controller without a working
 *    interrupt) register a poll function; console_getc() calls it while waiting.
 */
#ifndef NVOS_KERNEL_CONSOLE_H
#define NVOS_KERNEL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct console_output {
    const char *name;
    void (*write)(void *ctx, const char *s, size_t n);
    /* Optional. Outputs that draw lazily (a framebuffer redraws at most every
     * few milliseconds) show everything written so far: always when force is
     * set (before the kernel waits for input, stops or panics), otherwise
     * when their own rate limit allows. */
    void (*flush)(void *ctx, bool force);
    /* Optional. Called once when the kernel panics, before the message:
     * the output must forget any state that may be broken (half-parsed
     * escape sequences, a draw in progress) and draw directly from then on. */
    void (*panic)(void *ctx);
    void *ctx;
    struct console_output *next; /* owned by console.c */
};

struct console_input_source {
    const char *name;
    /* Moves waiting input into console_input(); may be NULL. Called from
     * console_try_getc() and while waiting, so a source without a working
     * interrupt still delivers. */
    void (*poll)(void *ctx);
    void *ctx;
    /* Set while the source can only be polled: console_getc() then spins
     * instead of halting until the next interrupt. */
    bool needs_poll;
    struct console_input_source *next; /* owned by console.c */
};

/* Adds an output; from then on it receives everything written. */
void console_register_output(struct console_output *out);
/* Adds an input source (only needed for sources with a poll function, and to
 * list the source in "console" output). */
void console_register_input(struct console_input_source *in);

/* Writes to every output and to the log. Safe from interrupt handlers. */
void console_write(const char *s, size_t n);
/* Writes to every output without logging (dmesg replays the log with it). */
void console_write_unlogged(const char *s, size_t n);

/* Holds the console (interrupts off) across several writes, so that they
 * reach the outputs as one piece even with other CPUs printing; returns
 * whether interrupts were on. kprintf holds it for the whole call. */
bool console_lock(void);
void console_unlock(bool irqs_were_on);
/* console_write() for a caller holding console_lock(). */
void console_write_locked(const char *s, size_t n);

/* Asks every output to show what was written (see console_output.flush).
 * console_getc() forces it before waiting; console_ctrl_c() lets outputs
 * catch up during long commands. */
void console_flush(bool force);

/* The panic path: tells every output to draw directly and skip anything that
 * may be broken. Runs with interrupts off; takes no locks. */
void console_panic(void);

/*
 * Colour: false with the boot option console.color=0. Code that prints SGR
 * colour sequences checks this first; the screen consoles also ignore
 * colour sequences when it is off. Default on: the framebuffer is a
 * terminal, and SGR is what VT100-compatible serial terminals expect.
 */
bool console_color_enabled(void);
void console_set_color(bool on);

/* Was the last character written a newline? */
bool console_at_line_start(void);
/* Replays the console log (the last 64 KiB printed) through out. */
void console_log_replay(void (*out)(const char *s, size_t n));

/* Input: called by drivers with the bytes a keyboard or serial line produced. */
void console_input(const char *bytes, size_t n);
/* Next input byte, or -1 when none is waiting. Never blocks. */
int console_try_getc(void);
/* Waits for an input byte, halting the CPU between interrupts. */
int console_getc(void);
/* Waits up to timeout_ms for an input byte; -1 on timeout. */
int console_getc_timeout(uint32_t timeout_ms);
/* True if Ctrl-C was typed: drops input up to and including it, keeps what
 * came after. For long commands that offer to stop early. Never blocks. */
bool console_ctrl_c(void);

#endif
