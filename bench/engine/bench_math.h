/*
 * bench/engine/bench_math.h - the integer arithmetic behind the benchmark's
 * statistics: TSC ticks to nanoseconds, 128-bit accumulators, mean and
 * standard deviation, and numbers printed with decimals.
 *
 * Rules:
 *   - no floating point anywhere (the kernel is built -mgeneral-regs-only);
 *   - no 128-bit division by the compiler: the kernel has no libgcc, so
 *     there is no __udivti3. 64x64->128 multiplication, 128-bit addition,
 *     shifts and comparisons are inlined by gcc and clang and are allowed;
 *     128-bit division is done here, bit by bit, at report time only;
 *   - the hot path (bench_lat_add, bench_ticks_to_ns) has no division.
 *
 * Fixed-point values in this module ("x1000") are the real value times 1000,
 * rounded down: 12.345 is 12345.
 */
#ifndef NVOS_BENCH_ENGINE_BENCH_MATH_H
#define NVOS_BENCH_ENGINE_BENCH_MATH_H

#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 bench_u128;

/*
 * TSC ticks to nanoseconds as ns = (ticks * mult) >> 32, Linux clocksource
 * style: one multiplication per conversion. mult = 10^9 * 2^32 / tsc_hz is
 * exact to 2^-32 ns per tick, so a 10 s interval is off by under 3 ns.
 */
struct bench_clock {
    uint64_t tsc_hz;
    uint64_t mult;
};

void bench_clock_init(struct bench_clock *c, uint64_t tsc_hz);

static inline uint64_t bench_ticks_to_ns(const struct bench_clock *c, uint64_t ticks)
{
    return (uint64_t)(((bench_u128)ticks * c->mult) >> 32);
}

/* ns to ticks, rounded down; for deadlines, outside the hot path. */
uint64_t bench_ns_to_ticks(const struct bench_clock *c, uint64_t ns);

/* 128/64 division; the quotient may need all 128 bits. */
bench_u128 bench_div128(bench_u128 n, uint64_t d, uint64_t *rem);

/* a * b / d with a 128-bit intermediate; saturates at UINT64_MAX; d = 0 gives 0. */
uint64_t bench_muldiv(uint64_t a, uint64_t b, uint64_t d);

/* floor(sqrt(v)). */
uint64_t bench_isqrt128(bench_u128 v);

/*
 * Running sums of a sample set (latencies in ns, or interval IOPS), enough
 * for min, max, mean and standard deviation without a division per sample.
 * sumsq needs 128 bits: one 17 s latency squared is already 2^68.
 */
struct bench_lat {
    uint64_t n;
    uint64_t sum;
    uint64_t min; /* UINT64_MAX while n == 0 */
    uint64_t max;
    bench_u128 sumsq;
};

void bench_lat_reset(struct bench_lat *l);

static inline void bench_lat_add(struct bench_lat *l, uint64_t v)
{
    l->n++;
    l->sum += v;
    l->sumsq += (bench_u128)v * v;
    if (v < l->min)
        l->min = v;
    if (v > l->max)
        l->max = v;
}

/* Mean x1000 (0 for no samples). */
uint64_t bench_lat_mean_x1000(const struct bench_lat *l);
/* Sample standard deviation (n-1 denominator, as fio's) x1000; 0 for n < 2. */
uint64_t bench_lat_stddev_x1000(const struct bench_lat *l);
/* min, or 0 when there are no samples (rather than UINT64_MAX). */
static inline uint64_t bench_lat_min(const struct bench_lat *l)
{
    return l->n ? l->min : 0;
}

/* "12.345" from 12345 with decimals = 3; decimals <= 3 truncates ("12.3"). */
int bench_fmt_x1000(char *buf, size_t size, uint64_t v_x1000, unsigned decimals);

/*
 * fio-style short numbers with three significant digits: 999, 1234 -> "1234",
 * 61234 -> "61.2k", 1234567 -> "1235k"... Base 1000 (IOPS, MB/s) or 1024
 * (bytes: "KiB", "MiB"): the unit letter is appended, e.g. "61.2k", "239Mi".
 */
int bench_fmt_short(char *buf, size_t size, uint64_t v, unsigned base);

#endif
