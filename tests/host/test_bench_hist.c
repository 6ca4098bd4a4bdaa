/*
 * Host test: bench/engine/bench_hist.c - the fio histogram layout and its
 * percentiles.
 *
 * Layout: buckets tile [0, 2^34) without gaps, the branch-free index agrees
 * with fio's plat_val_to_idx (as documented in fio's stat.h/stat.c, written
 * out again here in its branchy form), each midpoint is within 1/128 of any
 * value in its bucket.
 *
 * Percentiles: over several distributions (uniform, bimodal, long tail,
 * exponential, constant, single sample, tiny values, huge values at the top
 * group and past it) the histogram's percentiles must be within the bucket
 * error of the exact nearest-rank percentiles of the sorted raw samples.
 */
#include <math.h>
#include <stdbool.h>

#include "bench/engine/bench_hist.h"
#include "bench/engine/bench_math.h"
#include "tests/host/check.h"

static uint64_t rng_state = 99;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double urand(void) /* (0, 1] */
{
    return ((double)(rnd() >> 11) + 1.0) / 9007199254740992.0;
}

/* fio's algorithm as its comments describe it: values with the most
 * significant bit at position <= 6 index themselves; above, the 6 bits below
 * the MSB pick one of 64 buckets in group (msb - 6 + 1). */
static unsigned fio_val_to_idx(uint64_t val)
{
    unsigned msb = val ? 63u - (unsigned)__builtin_clzll(val) : 0;
    if (msb <= BENCH_HIST_BITS)
        return (unsigned)val;
    unsigned error_bits = msb - BENCH_HIST_BITS;
    uint64_t base = (uint64_t)(error_bits + 1) << BENCH_HIST_BITS;
    uint64_t offset = (BENCH_HIST_SUB - 1) & (val >> error_bits);
    uint64_t idx = base + offset;
    return idx < BENCH_HIST_NR ? (unsigned)idx : BENCH_HIST_NR - 1;
}

static void test_layout(void)
{
    CHECK_EQ(BENCH_HIST_NR, 1856);
    uint64_t next = 0;
    int bad = 0;
    for (unsigned i = 0; i < BENCH_HIST_NR && bad < 5; i++) {
        uint64_t lo = bench_hist_bucket_low(i), w = bench_hist_bucket_width(i);
        uint64_t mid = bench_hist_bucket_value(i);
        if (lo != next || bench_hist_index(lo) != i || bench_hist_index(lo + w - 1) != i ||
            mid < lo || mid >= lo + w || (i >= 128 && (w / 2) * 128 > lo)) {
            fprintf(stderr, "bucket %u: low %llu width %llu mid %llu\n", i,
                    (unsigned long long)lo, (unsigned long long)w, (unsigned long long)mid);
            bad++;
        }
        next = lo + w;
    }
    check_count++;
    if (bad)
        check_failures++;
    CHECK(next == 1ull << 34); /* the last group ends at 2^34 ns */
    CHECK_EQ(bench_hist_index(0), 0);
    CHECK_EQ(bench_hist_index(127), 127);
    CHECK_EQ(bench_hist_index(128), 128);
    CHECK_EQ(bench_hist_index(129), 128);
    CHECK_EQ(bench_hist_index(130), 129);
    CHECK_EQ(bench_hist_index((1ull << 34) - 1), BENCH_HIST_NR - 1);
    CHECK_EQ(bench_hist_index(1ull << 34), BENCH_HIST_NR - 1);
    CHECK_EQ(bench_hist_index(UINT64_MAX), BENCH_HIST_NR - 1);
    /* fio's midpoint for idx 200: group 3 (error_bits 2), base 256, k 8: 256 + 8.5*4 = 290. */
    CHECK_EQ(bench_hist_bucket_value(200), 290);

    int mism = 0;
    for (int i = 0; i < 200000 && mism < 5; i++) {
        uint64_t v = rnd() >> (rnd() % 64);
        if (bench_hist_index(v) != fio_val_to_idx(v)) {
            fprintf(stderr, "index(%llu) = %u, fio %u\n", (unsigned long long)v,
                    bench_hist_index(v), fio_val_to_idx(v));
            mism++;
        }
    }
    for (uint64_t v = 0; v < 70000 && mism < 5; v++)
        if (bench_hist_index(v) != fio_val_to_idx(v))
            mism++;
    check_count++;
    if (mism)
        check_failures++;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static const uint32_t spdk_list[] = {
    BENCH_PCT(1, 0),       BENCH_PCT(10, 0),      BENCH_PCT(25, 0),      BENCH_PCT(50, 0),
    BENCH_PCT(75, 0),      BENCH_PCT(90, 0),      BENCH_PCT(95, 0),      BENCH_PCT(98, 0),
    BENCH_PCT(99, 0),      BENCH_PCT(99, 500000), BENCH_PCT(99, 900000), BENCH_PCT(99, 990000),
    BENCH_PCT(99, 999000), BENCH_PCT(99, 999900), BENCH_PCT(99, 999990), BENCH_PCT_100,
};

static uint64_t hist[BENCH_HIST_NR];

/* Checks both lists against sorted copies of v[0..n). */
static void check_distribution(const char *name, uint64_t *v, size_t n)
{
    struct bench_lat l;
    bench_lat_reset(&l);
    memset(hist, 0, sizeof(hist));
    for (size_t i = 0; i < n; i++) {
        bench_lat_add(&l, v[i]);
        hist[bench_hist_index(v[i])]++;
    }
    qsort(v, n, sizeof(*v), cmp_u64);
    const uint32_t *lists[2] = { bench_fio_percentiles, spdk_list };
    unsigned sizes[2] = { BENCH_FIO_PERCENTILES_NR, sizeof(spdk_list) / sizeof(spdk_list[0]) };
    for (int k = 0; k < 2; k++) {
        uint64_t out[32];
        bench_hist_percentiles(hist, l.n, l.min, l.max, lists[k], sizes[k], out);
        for (unsigned j = 0; j < sizes[k]; j++) {
            /* Nearest rank: the smallest rank r with r >= p/100 * n. */
            unsigned __int128 num = (unsigned __int128)lists[k][j] * n;
            uint64_t rank = (uint64_t)((num + 100000000 - 1) / 100000000);
            if (rank == 0)
                rank = 1;
            uint64_t exact = v[rank - 1], got = out[j];
            uint64_t diff = got > exact ? got - exact : exact - got;
            bool ok;
            if (exact >= (1ull << 34)) /* past the last group: bounded by the true max */
                ok = got <= l.max && got >= bench_hist_bucket_low(BENCH_HIST_NR - 1);
            else
                ok = diff * 128 <= exact; /* within half a bucket: <= 1/128 */
            check_count++;
            if (!ok) {
                check_failures++;
                fprintf(stderr, "%s: p%u.%06u: histogram %llu, exact %llu (n=%zu)\n", name,
                        lists[k][j] / 1000000, lists[k][j] % 1000000, (unsigned long long)got,
                        (unsigned long long)exact, n);
            }
        }
    }
    /* The extremes are exact thanks to the clamp. */
    uint32_t ends[2] = { 1, BENCH_PCT_100 };
    uint64_t out[2];
    bench_hist_percentiles(hist, l.n, l.min, l.max, ends, 2, out);
    CHECK(out[0] == v[0]);
    CHECK(out[1] == v[n - 1]);
}

static uint64_t samples[200000];

static void test_percentiles(void)
{
    size_t n = 100000;

    for (size_t i = 0; i < n; i++) /* uniform 1 us .. 2 ms */
        samples[i] = 1000 + rnd() % 2000000;
    check_distribution("uniform", samples, n);

    for (size_t i = 0; i < n; i++) /* bimodal: cache hits ~20 us, misses ~5 ms */
        samples[i] = rnd() % 10 ? 19000 + rnd() % 2000 : 4900000 + rnd() % 200000;
    check_distribution("bimodal", samples, n);

    for (size_t i = 0; i < n; i++) /* long tail: Pareto, alpha 1.2, from 10 us */
        samples[i] = (uint64_t)(10000.0 / pow(urand(), 1.0 / 1.2));
    for (size_t i = 0; i < n; i++)
        if (samples[i] > (1ull << 33))
            samples[i] = 1ull << 33;
    check_distribution("long-tail", samples, n);

    for (size_t i = 0; i < n; i++) /* exponential, mean 80 us */
        samples[i] = (uint64_t)(-80000.0 * log(urand()));
    check_distribution("exponential", samples, n);

    for (size_t i = 0; i < n; i++)
        samples[i] = 123457;
    check_distribution("constant", samples, n);

    samples[0] = 987654321;
    check_distribution("single", samples, 1);

    for (size_t i = 0; i < 3; i++) /* tiny sets: ranks hit every sample */
        samples[i] = 1000 * (i + 1);
    check_distribution("three", samples, 3);

    for (size_t i = 0; i < n; i++) /* tiny values: the exact region below 128 ns */
        samples[i] = rnd() % 300;
    check_distribution("tiny", samples, n);

    for (size_t i = 0; i < n; i++) /* the top group, 8.6 s .. 17.2 s */
        samples[i] = (1ull << 33) + rnd() % (1ull << 33);
    check_distribution("top-group", samples, n);

    for (size_t i = 0; i < n; i++) /* some past the end (> 17.2 s) */
        samples[i] = i % 100 == 0 ? (1ull << 34) + rnd() % (1ull << 40)
                                  : (1ull << 33) + rnd() % (1ull << 33);
    check_distribution("overflow", samples, n);

    size_t big = sizeof(samples) / sizeof(samples[0]);
    for (size_t i = 0; i < big; i++) /* mixed scales, every group */
        samples[i] = rnd() >> (30 + rnd() % 34);
    check_distribution("log-uniform", samples, big);

    /* No samples: zeros. */
    memset(hist, 0, sizeof(hist));
    uint64_t out[BENCH_FIO_PERCENTILES_NR];
    bench_hist_percentiles(hist, 0, UINT64_MAX, 0, bench_fio_percentiles,
                           BENCH_FIO_PERCENTILES_NR, out);
    CHECK_EQ(out[0], 0);
    CHECK_EQ(out[BENCH_FIO_PERCENTILES_NR - 1], 0);
}

int main(void)
{
    test_layout();
    test_percentiles();
    return check_exit();
}
