/*
 * kernel/printk.c - console output: COM1, plus a ring buffer of everything
 * printed so far, which the "dmesg" command replays.
 */
#include <string.h>

#include "drivers/serial/uart16550.h"
#include "kernel/arch/x86.h"
#include "kernel/kernel.h"

#define LOG_SIZE (64 * 1024)
static char log_buf[LOG_SIZE];
static uint64_t log_pos; /* total bytes ever written */
static bool at_line_start = true;

void console_write(const char *s, size_t n)
{
    bool on = irq_save();
    for (size_t i = 0; i < n; i++)
        log_buf[(log_pos + i) % LOG_SIZE] = s[i];
    log_pos += n;
    if (n > 0)
        at_line_start = s[n - 1] == '\n';
    uart_write(s, n);
    irq_restore(on);
}

static void console_sink(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    console_write(s, n);
}

int kvprintf(const char *fmt, va_list ap)
{
    return kvformat(console_sink, NULL, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

void console_log_replay(void (*out)(const char *s, size_t n))
{
    uint64_t start = log_pos > LOG_SIZE ? log_pos - LOG_SIZE : 0;
    for (uint64_t p = start; p < log_pos;) {
        size_t off = p % LOG_SIZE;
        size_t n = (size_t)MIN(log_pos - p, (uint64_t)(LOG_SIZE - off));
        out(log_buf + off, n);
        p += n;
    }
}

bool console_at_line_start(void)
{
    return at_line_start;
}
