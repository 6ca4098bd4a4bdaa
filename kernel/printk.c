/*
 * kernel/printk.c - formatted output to the console (kernel/console.c).
 */
#include "kernel/kernel.h"

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
