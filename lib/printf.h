/*
 * lib/printf.h - formatted output for the kernel and its host-tested code.
 *
 * The conversions are C11's integer, character, string and pointer ones
 * (d i u o x X c s p %, flags "-+ #0", width and precision, also as '*',
 * length modifiers hh h l ll j z t); there is no floating point, because the
 * kernel is built without SSE. The results match the C library's printf for
 * every supported conversion; tests/host/test_printf.c checks that.
 */
#ifndef NVOS_LIB_PRINTF_H
#define NVOS_LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* Receives the formatted text in pieces; pieces are not NUL-terminated. */
typedef void (*fmt_sink_fn)(void *ctx, const char *s, size_t n);

/* Formats to a sink; returns the number of characters produced. */
int kvformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap);

/*
 * Like vsnprintf/snprintf: writes at most size-1 characters and a NUL, and
 * returns the length the full result would have had.
 */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);

#endif
