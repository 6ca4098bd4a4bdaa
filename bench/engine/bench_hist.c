/*
 * bench/engine/bench_hist.c - bucket bounds and percentiles of the fio-layout
 * latency histogram (see bench_hist.h).
 */
#include "bench/engine/bench_hist.h"

#include "bench/engine/bench_math.h"

const uint32_t bench_fio_percentiles[BENCH_FIO_PERCENTILES_NR] = {
    BENCH_PCT(1, 0),  BENCH_PCT(5, 0),  BENCH_PCT(10, 0), BENCH_PCT(20, 0),
    BENCH_PCT(30, 0), BENCH_PCT(40, 0), BENCH_PCT(50, 0), BENCH_PCT(60, 0),
    BENCH_PCT(70, 0), BENCH_PCT(80, 0), BENCH_PCT(90, 0), BENCH_PCT(95, 0),
    BENCH_PCT(99, 0), BENCH_PCT(99, 500000), BENCH_PCT(99, 900000), BENCH_PCT(99, 950000),
    BENCH_PCT(99, 990000),
};

uint64_t bench_hist_bucket_low(unsigned idx)
{
    if (idx < 2 * BENCH_HIST_SUB)
        return idx;
    unsigned e = (idx >> BENCH_HIST_BITS) - 1;
    return (uint64_t)(BENCH_HIST_SUB + (idx & (BENCH_HIST_SUB - 1))) << e;
}

uint64_t bench_hist_bucket_width(unsigned idx)
{
    if (idx < 2 * BENCH_HIST_SUB)
        return 1;
    return 1ull << ((idx >> BENCH_HIST_BITS) - 1);
}

uint64_t bench_hist_bucket_value(unsigned idx)
{
    /* Widths above 1 are even, so the midpoint is an integer. */
    return bench_hist_bucket_low(idx) + (bench_hist_bucket_width(idx) >> 1);
}

void bench_hist_percentiles(const uint64_t *hist, uint64_t n, uint64_t min, uint64_t max,
                            const uint32_t *pct, unsigned npct, uint64_t *out)
{
    unsigned j = 0;
    if (n == 0) {
        for (; j < npct; j++)
            out[j] = 0;
        return;
    }
    uint64_t cum = 0;
    for (unsigned i = 0; i < BENCH_HIST_NR && j < npct; i++) {
        cum += hist[i];
        /* cum >= p/100 * n, i.e. cum * 10^8 >= p * n, in 128 bits: no rounding. */
        while (j < npct && (bench_u128)cum * (100u * 1000000u) >= (bench_u128)pct[j] * n) {
            bench_u128 pn = (bench_u128)pct[j] * n;
            uint64_t v = bench_hist_bucket_value(i);
            if (pn <= 100u * 1000000u)
                v = min; /* rank 1: the smallest sample, known exactly */
            else if (pn > (bench_u128)(n - 1) * (100u * 1000000u))
                v = max; /* rank n: the largest */
            out[j++] = v < min ? min : v > max ? max : v;
        }
    }
    /* Only if hist holds fewer than n samples (a caller's bug): say max. */
    for (; j < npct; j++)
        out[j] = max;
}
