/*
 * Host test: lib/printf.c against the C library's snprintf, conversion by
 * conversion, over flags, widths, precisions and extreme values.
 */
#include "lib/printf.h"
#include "tests/host/check.h"

#include <stdarg.h>
#include <stdint.h>

static char ours[512], theirs[512];

PRINTF_LIKE(1, 2)
static void same(const char *fmt, ...)
{
    va_list a, b;
    va_start(a, fmt);
    va_copy(b, a);
    int n1 = kvsnprintf(ours, sizeof(ours), fmt, a);
    int n2 = vsnprintf(theirs, sizeof(theirs), fmt, b);
    va_end(b);
    va_end(a);
    check_count++;
    if (n1 != n2 || strcmp(ours, theirs) != 0) {
        check_failures++;
        fprintf(stderr, "format \"%s\": got \"%s\" (%d), libc \"%s\" (%d)\n", fmt, ours, n1,
                theirs, n2);
    }
}

int main(void)
{
    static const char *int_flags[] = { "", "-", "+", " ", "0", "#", "-0", "+0", " 0", "#0", "-#" };
    static const char *widths[] = { "", "1", "5", "20" };
    static const char *precisions[] = { "", ".0", ".1", ".3", ".12" };
    static const char *convs[] = { "d", "i", "u", "x", "X", "o" };
    static const long long values[] = { 0, 1, -1, 7, 42, -42, 255, 0x7fffffffLL, -0x80000000LL };

    for (size_t f = 0; f < sizeof(int_flags) / sizeof(*int_flags); f++)
        for (size_t w = 0; w < sizeof(widths) / sizeof(*widths); w++)
            for (size_t p = 0; p < sizeof(precisions) / sizeof(*precisions); p++)
                for (size_t c = 0; c < sizeof(convs) / sizeof(*convs); c++)
                    for (size_t v = 0; v < sizeof(values) / sizeof(*values); v++) {
                        char fmt[32];
                        snprintf(fmt, sizeof(fmt), "[%%%s%s%s%s]", int_flags[f], widths[w],
                                 precisions[p], convs[c]);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
                        same(fmt, (int)values[v]);
                        char lfmt[40];
                        snprintf(lfmt, sizeof(lfmt), "[%%%s%s%sll%s]", int_flags[f], widths[w],
                                 precisions[p], convs[c]);
                        same(lfmt, values[v] * 1000003LL);
#pragma GCC diagnostic pop
                    }

    same("%llu %lld %llx", (unsigned long long)UINT64_MAX, (long long)INT64_MIN,
         (unsigned long long)UINT64_MAX);
    same("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
    same("%zu %zx %jd %td", (size_t)123456789, (size_t)0xdeadbeef, (intmax_t)-5, (ptrdiff_t)-9);
    same("%lu %lx %ld", 18446744073709551615UL, 0xfffffffffUL, -9223372036854775807L - 1);
    same("%s|%10s|%-10s|%.2s|%10.3s|%-*s|%*s|", "abc", "abc", "abc", "abc", "abcdef", 6, "x", -6,
         "y");
    same("%c|%3c|%-3c|", 'a', 'b', 'c');
    same("%%|%-5d|%05d|%+.3d", 1, 2, 3);
    same("%*d|%-*d|%.*d|%.*d", 8, 5, 8, 5, 4, 5, -3, 5);
    same("%p %20p %-20p", (void *)0x1234, (void *)0xffff800000001000ULL, (void *)0x10);
    same("%p", (void *)0);
    same("plain text with no conversions");
    same("%08x:%04x.%x", 0xfebf8000u, 0x1b36u, 0x2u);

    /* Truncation: the return value is the untruncated length. */
    char small[8];
    int n = ksnprintf(small, sizeof(small), "%s", "hello, world");
    CHECK_EQ(n, 12);
    CHECK_STR_EQ(small, "hello, ");
    n = ksnprintf(small, 1, "%d", 12345);
    CHECK_EQ(n, 5);
    CHECK_STR_EQ(small, "");
    n = ksnprintf(NULL, 0, "%d", 12345);
    CHECK_EQ(n, 5);
    /* Output longer than the sink's chunk size. */
    char wide[128];
    n = ksnprintf(wide, sizeof(wide), "%100d", 1);
    CHECK_EQ(n, 100);
    CHECK_EQ(strlen(wide), 100);

    return check_exit();
}
