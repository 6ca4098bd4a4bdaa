/*
 * Host test: bench/engine/bench_math.c - 128-bit division, muldiv, integer
 * square root, TSC->ns conversion, mean/stddev from running sums (against
 * the C library's double arithmetic) and decimal formatting.
 */
#include <math.h>

#include "bench/engine/bench_math.h"
#include "tests/host/check.h"

static uint64_t rng_state = 12345;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void test_div128(void)
{
    for (int i = 0; i < 20000; i++) {
        bench_u128 n = ((bench_u128)rnd() << 64) | rnd();
        if (i % 3 == 0)
            n >>= rnd() % 128;
        uint64_t d = rnd() >> (rnd() % 64);
        if (d == 0)
            d = 1;
        uint64_t rem;
        bench_u128 q = bench_div128(n, d, &rem);
        check_count++;
        if (q != n / d || rem != (uint64_t)(n % d)) {
            check_failures++;
            fprintf(stderr, "div128 mismatch at %d\n", i);
            break;
        }
    }
    uint64_t rem = 7;
    CHECK(bench_div128(5, 0, &rem) == 0 && rem == 0);
    CHECK_EQ(bench_muldiv(3000000000ull, 1000000000ull, 3000000000ull), 1000000000);
    CHECK(bench_muldiv(UINT64_MAX, UINT64_MAX, 1) == UINT64_MAX); /* saturates */
    CHECK(bench_muldiv(UINT64_MAX, UINT64_MAX, UINT64_MAX) == UINT64_MAX);
    CHECK_EQ(bench_muldiv(1, 1, 0), 0);
    CHECK_EQ(bench_muldiv(10, 10, 3), 33);
}

static void test_isqrt(void)
{
    CHECK_EQ(bench_isqrt128(0), 0);
    CHECK_EQ(bench_isqrt128(1), 1);
    CHECK_EQ(bench_isqrt128(3), 1);
    CHECK_EQ(bench_isqrt128(4), 2);
    CHECK(bench_isqrt128(~(bench_u128)0) == UINT64_MAX);
    for (int i = 0; i < 20000; i++) {
        bench_u128 v = (((bench_u128)rnd() << 64) | rnd()) >> (rnd() % 128);
        bench_u128 r = bench_isqrt128(v);
        check_count++;
        if (!(r * r <= v && (r + 1) * (r + 1) > v)) {
            check_failures++;
            fprintf(stderr, "isqrt wrong at %d\n", i);
            break;
        }
    }
}

static void test_clock(void)
{
    struct bench_clock c;
    bench_clock_init(&c, 1000000000);
    CHECK(c.mult == 1ull << 32);
    CHECK_EQ(bench_ticks_to_ns(&c, 123456789), 123456789);
    CHECK_EQ(bench_ns_to_ticks(&c, 5), 5);

    bench_clock_init(&c, 3000000000ull);
    uint64_t ns = bench_ticks_to_ns(&c, 3000000000ull);
    CHECK(ns >= 999999999 && ns <= 1000000000);
    CHECK_EQ(bench_ns_to_ticks(&c, 1000000000), 3000000000ull);
    /* 10 s at 2.5 GHz: within 3 ns. */
    bench_clock_init(&c, 2500000000ull);
    ns = bench_ticks_to_ns(&c, 25000000000ull);
    CHECK(ns >= 10000000000ull - 3 && ns <= 10000000000ull);
    /* A slow odd clock, 1.193182 MHz (the PIT). */
    bench_clock_init(&c, 1193182);
    ns = bench_ticks_to_ns(&c, 1193182);
    CHECK(ns >= 999999999 && ns <= 1000000000);
    CHECK_EQ(bench_ticks_to_ns(&c, 0), 0);
}

static void stats_case(const uint64_t *v, size_t n)
{
    struct bench_lat l;
    bench_lat_reset(&l);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        bench_lat_add(&l, v[i]);
        sum += (double)v[i];
    }
    double mean = n ? sum / (double)n : 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += ((double)v[i] - mean) * ((double)v[i] - mean);
    double sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
    double got_mean = (double)bench_lat_mean_x1000(&l) / 1000;
    double got_sd = (double)bench_lat_stddev_x1000(&l) / 1000;
    check_count++;
    if (fabs(got_mean - mean) > 0.001 + mean * 1e-12 || fabs(got_sd - sd) > 0.002 + sd * 1e-9) {
        check_failures++;
        fprintf(stderr, "stats n=%zu: mean %.4f vs %.4f, sd %.4f vs %.4f\n", n, got_mean, mean,
                got_sd, sd);
    }
}

static void test_stats(void)
{
    static uint64_t v[5000];
    struct bench_lat l;
    bench_lat_reset(&l);
    CHECK_EQ(bench_lat_min(&l), 0);
    CHECK_EQ(bench_lat_mean_x1000(&l), 0);
    CHECK_EQ(bench_lat_stddev_x1000(&l), 0);
    bench_lat_add(&l, 42);
    CHECK_EQ(bench_lat_mean_x1000(&l), 42000);
    CHECK_EQ(bench_lat_stddev_x1000(&l), 0);
    CHECK_EQ(bench_lat_min(&l), 42);
    CHECK_EQ(l.max, 42);

    uint64_t two[] = { 1, 2 }; /* sd = 0.7071 */
    stats_case(two, 2);
    for (size_t i = 0; i < 5000; i++)
        v[i] = 1000 + rnd() % 100000;
    stats_case(v, 5000);
    for (size_t i = 0; i < 5000; i++)
        v[i] = 7777777;
    stats_case(v, 5000);
    /* Large values: squares past 2^64. */
    for (size_t i = 0; i < 5000; i++)
        v[i] = (1ull << 33) + rnd() % (1ull << 33);
    stats_case(v, 5000);
}

static void test_format(void)
{
    char b[32];
    bench_fmt_x1000(b, sizeof(b), 12345, 3);
    CHECK_STR_EQ(b, "12.345");
    bench_fmt_x1000(b, sizeof(b), 12345, 1);
    CHECK_STR_EQ(b, "12.3");
    bench_fmt_x1000(b, sizeof(b), 12005, 2);
    CHECK_STR_EQ(b, "12.00");
    bench_fmt_x1000(b, sizeof(b), 999, 0);
    CHECK_STR_EQ(b, "0");
    bench_fmt_short(b, sizeof(b), 999, 1000);
    CHECK_STR_EQ(b, "999");
    bench_fmt_short(b, sizeof(b), 9999, 1000);
    CHECK_STR_EQ(b, "9999");
    bench_fmt_short(b, sizeof(b), 61234, 1000);
    CHECK_STR_EQ(b, "61.2k");
    bench_fmt_short(b, sizeof(b), 1234567, 1000);
    CHECK_STR_EQ(b, "1235k");
    bench_fmt_short(b, sizeof(b), 250609664, 1024);
    CHECK_STR_EQ(b, "239Mi");
    bench_fmt_short(b, sizeof(b), 12345678901ull, 1000);
    CHECK_STR_EQ(b, "12.3G");
    bench_fmt_short(b, sizeof(b), UINT64_MAX, 1000);
    CHECK_STR_EQ(b, "18.4E");
}

int main(void)
{
    test_div128();
    test_isqrt();
    test_clock();
    test_stats();
    test_format();
    return check_exit();
}
