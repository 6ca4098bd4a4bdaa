/*
 * lib/printf.c - the formatter behind printk, ksnprintf and the shell.
 *
 * One pass over the format string; each conversion is rendered into a small
 * buffer (digits only) and emitted with its sign, prefix and padding, in the
 * order C11 7.21.6.1 defines. Pure: no kernel headers, so it is built and
 * compared with the host C library in the host tests.
 */
#include "lib/printf.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum {
    F_LEFT = 1 << 0,  /* '-' */
    F_PLUS = 1 << 1,  /* '+' */
    F_SPACE = 1 << 2, /* ' ' */
    F_ALT = 1 << 3,   /* '#' */
    F_ZERO = 1 << 4,  /* '0' */
};

enum length { L_NONE, L_HH, L_H, L_L, L_LL, L_J, L_Z, L_T };

struct out {
    fmt_sink_fn sink;
    void *ctx;
    int count;
};

static void emit(struct out *o, const char *s, size_t n)
{
    if (n == 0)
        return;
    o->sink(o->ctx, s, n);
    o->count += (int)n;
}

static void emit_repeat(struct out *o, char c, int n)
{
    char chunk[32];
    memset(chunk, c, sizeof(chunk));
    while (n > 0) {
        int k = n < (int)sizeof(chunk) ? n : (int)sizeof(chunk);
        emit(o, chunk, (size_t)k);
        n -= k;
    }
}

/* Renders v in base into the end of buf; returns the start. */
static char *render_digits(char *end, uintmax_t v, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    do {
        *--p = digits[v % base];
        v /= base;
    } while (v != 0);
    return p;
}

/*
 * Emits one integer conversion. "prefix" is the sign or "0x"; precision < 0
 * means "not given".
 */
static void emit_integer(struct out *o, uintmax_t v, unsigned base, bool upper, const char *prefix,
                         int flags, int width, int precision)
{
    char buf[sizeof(uintmax_t) * 3 + 2];
    char *end = buf + sizeof(buf);
    char *digits;
    size_t ndigits;
    size_t nprefix = strlen(prefix);

    if (precision == 0 && v == 0) {
        digits = end; /* C11: zero with precision 0 produces no digits */
    } else {
        digits = render_digits(end, v, base, upper);
    }
    ndigits = (size_t)(end - digits);

    int zeros = precision > (int)ndigits ? precision - (int)ndigits : 0;
    /* '#' with 'o' adds a leading 0 unless the digits already start with one. */
    if (base == 8 && (flags & F_ALT) && zeros == 0 && (ndigits == 0 || digits[0] != '0'))
        zeros = 1;
    int len = (int)(nprefix + (size_t)zeros + ndigits);
    int pad = width > len ? width - len : 0;

    if (!(flags & F_LEFT) && (flags & F_ZERO) && precision < 0) {
        zeros += pad;
        pad = 0;
    }
    if (!(flags & F_LEFT))
        emit_repeat(o, ' ', pad);
    emit(o, prefix, nprefix);
    emit_repeat(o, '0', zeros);
    emit(o, digits, ndigits);
    if (flags & F_LEFT)
        emit_repeat(o, ' ', pad);
}

static void emit_padded(struct out *o, const char *s, size_t n, int flags, int width)
{
    int pad = width > (int)n ? width - (int)n : 0;
    if (!(flags & F_LEFT))
        emit_repeat(o, ' ', pad);
    emit(o, s, n);
    if (flags & F_LEFT)
        emit_repeat(o, ' ', pad);
}

static uintmax_t fetch_unsigned(va_list *ap, enum length len)
{
    switch (len) {
    case L_HH:
        return (unsigned char)va_arg(*ap, unsigned int);
    case L_H:
        return (unsigned short)va_arg(*ap, unsigned int);
    case L_L:
        return va_arg(*ap, unsigned long);
    case L_LL:
        return va_arg(*ap, unsigned long long);
    case L_J:
        return va_arg(*ap, uintmax_t);
    case L_Z:
        return va_arg(*ap, size_t);
    case L_T:
        return (uintmax_t)va_arg(*ap, ptrdiff_t);
    default:
        return va_arg(*ap, unsigned int);
    }
}

static intmax_t fetch_signed(va_list *ap, enum length len)
{
    switch (len) {
    case L_HH:
        return (signed char)va_arg(*ap, int);
    case L_H:
        return (short)va_arg(*ap, int);
    case L_L:
        return va_arg(*ap, long);
    case L_LL:
        return va_arg(*ap, long long);
    case L_J:
        return va_arg(*ap, intmax_t);
    case L_Z:
        return (intmax_t)va_arg(*ap, size_t);
    case L_T:
        return va_arg(*ap, ptrdiff_t);
    default:
        return va_arg(*ap, int);
    }
}

int kvformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap_in)
{
    struct out o = { sink, ctx, 0 };
    va_list ap;

    va_copy(ap, ap_in);
    while (*fmt) {
        const char *lit = fmt;
        while (*fmt && *fmt != '%')
            fmt++;
        emit(&o, lit, (size_t)(fmt - lit));
        if (*fmt == '\0')
            break;

        const char *spec_start = fmt++;
        int flags = 0, width = 0, precision = -1;
        enum length len = L_NONE;

        for (;; fmt++) {
            if (*fmt == '-')
                flags |= F_LEFT;
            else if (*fmt == '+')
                flags |= F_PLUS;
            else if (*fmt == ' ')
                flags |= F_SPACE;
            else if (*fmt == '#')
                flags |= F_ALT;
            else if (*fmt == '0')
                flags |= F_ZERO;
            else
                break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                flags |= F_LEFT;
                width = -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            precision = 0;
            if (*fmt == '*') {
                precision = va_arg(ap, int);
                if (precision < 0)
                    precision = -1;
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    precision = precision * 10 + (*fmt++ - '0');
            }
        }
        switch (*fmt) {
        case 'h':
            len = L_H;
            if (*++fmt == 'h') {
                len = L_HH;
                fmt++;
            }
            break;
        case 'l':
            len = L_L;
            if (*++fmt == 'l') {
                len = L_LL;
                fmt++;
            }
            break;
        case 'j':
            len = L_J;
            fmt++;
            break;
        case 'z':
            len = L_Z;
            fmt++;
            break;
        case 't':
            len = L_T;
            fmt++;
            break;
        default:
            break;
        }

        char conv = *fmt;
        if (conv == '\0') {
            /* A lone '%' at the end: print what was there. */
            emit(&o, spec_start, (size_t)(fmt - spec_start));
            break;
        }
        fmt++;

        switch (conv) {
        case 'd':
        case 'i': {
            intmax_t v = fetch_signed(&ap, len);
            uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
            const char *sign = v < 0 ? "-" : (flags & F_PLUS) ? "+" : (flags & F_SPACE) ? " " : "";
            emit_integer(&o, mag, 10, false, sign, flags, width, precision);
            break;
        }
        case 'u':
            emit_integer(&o, fetch_unsigned(&ap, len), 10, false, "", flags, width, precision);
            break;
        case 'o':
            emit_integer(&o, fetch_unsigned(&ap, len), 8, false, "", flags, width, precision);
            break;
        case 'x':
        case 'X': {
            uintmax_t v = fetch_unsigned(&ap, len);
            const char *prefix = ((flags & F_ALT) && v != 0) ? (conv == 'x' ? "0x" : "0X") : "";
            emit_integer(&o, v, 16, conv == 'X', prefix, flags, width, precision);
            break;
        }
        case 'p': {
            void *p = va_arg(ap, void *);
            if (p == NULL) {
                emit_padded(&o, "(nil)", 5, flags, width);
            } else {
                emit_integer(&o, (uintptr_t)p, 16, false, "0x", flags & ~F_ZERO, width, -1);
            }
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            emit_padded(&o, &c, 1, flags, width);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (s == NULL)
                s = "(null)";
            size_t n = precision >= 0 ? strnlen(s, (size_t)precision) : strlen(s);
            emit_padded(&o, s, n, flags, width);
            break;
        }
        case '%':
            emit(&o, "%", 1);
            break;
        default:
            /* Unknown conversion: show it rather than guess. */
            emit(&o, spec_start, (size_t)(fmt - spec_start));
            break;
        }
    }
    va_end(ap);
    return o.count;
}

struct buf_ctx {
    char *buf;
    size_t size;
    size_t pos;
};

static void buf_sink(void *ctx, const char *s, size_t n)
{
    struct buf_ctx *b = ctx;
    if (b->pos + 1 < b->size) {
        size_t room = b->size - 1 - b->pos;
        size_t k = n < room ? n : room;
        memcpy(b->buf + b->pos, s, k);
    }
    b->pos += n;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buf_ctx b = { buf, size, 0 };
    int n = kvformat(buf_sink, &b, fmt, ap);
    if (size > 0)
        buf[b.pos < size ? b.pos : size - 1] = '\0';
    return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
