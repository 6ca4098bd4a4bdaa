/*
 * bench/engine/bench_math.c - integer statistics for the benchmark (see
 * bench_math.h): 128-bit long division, integer square root, mean and
 * standard deviation from running sums, and decimal formatting.
 *
 * Everything here runs at report time, a few hundred times per job, so the
 * division and square root are the plain bit-at-a-time algorithms: short,
 * obviously correct, and free of the compiler's 128-bit helpers.
 */
#include "bench/engine/bench_math.h"

#include "lib/compiler.h"
#include "lib/printf.h"

void bench_clock_init(struct bench_clock *c, uint64_t tsc_hz)
{
    c->tsc_hz = tsc_hz ? tsc_hz : 1;
    /* 10^9 * 2^32 < 2^62: fits; mult < 2^64 for any tsc_hz >= 1. */
    c->mult = (uint64_t)(bench_div128((bench_u128)NSEC_PER_SEC << 32, c->tsc_hz, NULL));
}

uint64_t bench_ns_to_ticks(const struct bench_clock *c, uint64_t ns)
{
    return bench_muldiv(ns, c->tsc_hz, NSEC_PER_SEC);
}

bench_u128 bench_div128(bench_u128 n, uint64_t d, uint64_t *rem)
{
    if (d == 0) {
        if (rem)
            *rem = 0;
        return 0;
    }
    if ((n >> 64) == 0) {
        /* The common case: a single 64-bit division instruction. */
        uint64_t n64 = (uint64_t)n;
        if (rem)
            *rem = n64 % d;
        return n64 / d;
    }
    /* Restoring long division. r < d <= 2^64 - 1, so r << 1 fits in 65 bits. */
    bench_u128 q = 0, r = 0;
    for (int i = 127; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= (bench_u128)1 << i;
        }
    }
    if (rem)
        *rem = (uint64_t)r;
    return q;
}

uint64_t bench_muldiv(uint64_t a, uint64_t b, uint64_t d)
{
    if (d == 0)
        return 0;
    bench_u128 q = bench_div128((bench_u128)a * b, d, NULL);
    return (q >> 64) ? UINT64_MAX : (uint64_t)q;
}

uint64_t bench_isqrt128(bench_u128 v)
{
    /* Digit-by-digit (base 4) square root: one result bit per step. */
    bench_u128 res = 0, bit = (bench_u128)1 << 126;
    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (v >= res + bit) {
            v -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    return (uint64_t)res;
}

void bench_lat_reset(struct bench_lat *l)
{
    l->n = 0;
    l->sum = 0;
    l->sumsq = 0;
    l->min = UINT64_MAX;
    l->max = 0;
}

uint64_t bench_lat_mean_x1000(const struct bench_lat *l)
{
    if (l->n == 0)
        return 0;
    bench_u128 q = bench_div128((bench_u128)l->sum * 1000, l->n, NULL);
    return (q >> 64) ? UINT64_MAX : (uint64_t)q;
}

uint64_t bench_lat_stddev_x1000(const struct bench_lat *l)
{
    if (l->n < 2)
        return 0;
    /*
     * Sample variance = (sumsq - sum^2/n) / (n - 1), scaled by 10^6 so that
     * its square root is the deviation x1000. sum^2/n is split into
     * quotient q and remainder r, and r/n enters at the 10^6 scale, so the
     * only rounding is below 10^-6 (a plain floor of sum^2/n would turn the
     * variance 0.5 of {1, 2} into 1). sum^2/n <= sumsq (Cauchy-Schwarz).
     */
    uint64_t r;
    bench_u128 q = bench_div128((bench_u128)l->sum * l->sum, l->n, &r);
    bench_u128 dev2 = l->sumsq > q ? l->sumsq - q : 0;
    bench_u128 frac = bench_div128((bench_u128)r * 1000000, l->n, NULL);
    if (dev2 >> 100) {
        /* Beyond ~10^30 ns^2 the fraction does not matter; avoid overflow. */
        bench_u128 var = bench_div128(dev2, l->n - 1, NULL);
        return var >> 108 ? UINT64_MAX : bench_isqrt128(var * 1000000);
    }
    bench_u128 dev2_e6 = dev2 * 1000000;
    dev2_e6 = dev2_e6 > frac ? dev2_e6 - frac : 0;
    return bench_isqrt128(bench_div128(dev2_e6, l->n - 1, NULL));
}

int bench_fmt_x1000(char *buf, size_t size, uint64_t v_x1000, unsigned decimals)
{
    uint64_t ip = v_x1000 / 1000, frac = v_x1000 % 1000;
    if (decimals == 0)
        return ksnprintf(buf, size, "%llu", (unsigned long long)ip);
    if (decimals > 3)
        decimals = 3;
    static const unsigned drop[] = { 1000, 100, 10, 1 };
    return ksnprintf(buf, size, "%llu.%0*llu", (unsigned long long)ip, (int)decimals,
                     (unsigned long long)(frac / drop[decimals]));
}

int bench_fmt_short(char *buf, size_t size, uint64_t v, unsigned base)
{
    static const char *const units1000[] = { "", "k", "M", "G", "T", "P", "E" };
    static const char *const units1024[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
    const char *const *units = base == 1024 ? units1024 : units1000;
    unsigned u = 0;
    /* Keep the value x10 to show one decimal below 100 of a unit: 61.2k. */
    bench_u128 x10 = (bench_u128)v * 10;
    bench_u128 scale = 1;
    while ((bench_u128)v >= 10000 * scale && u < 6) {
        scale *= base;
        u++;
    }
    if (u == 0)
        return ksnprintf(buf, size, "%llu", (unsigned long long)v);
    uint64_t tenths = (uint64_t)bench_div128(x10 + (scale >> 1), (uint64_t)scale, NULL);
    if (tenths < 1000)
        return ksnprintf(buf, size, "%llu.%llu%s", (unsigned long long)(tenths / 10),
                         (unsigned long long)(tenths % 10), units[u]);
    return ksnprintf(buf, size, "%llu%s", (unsigned long long)((tenths + 5) / 10), units[u]);
}
