/*
 * kernel/printk.c - formatted output to the console (kernel/console.c).
 * One kprintf is one untorn piece of output: the console stays locked for
 * the whole call, so lines from different CPUs never interleave.
 */
#include "kernel/kernel.h"

static void console_sink(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    console_write_locked(s, n);
}

int kvprintf(const char *fmt, va_list ap)
{
    bool on = console_lock();
    int n = kvformat(console_sink, NULL, fmt, ap);
    console_unlock(on);
    return n;
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}
