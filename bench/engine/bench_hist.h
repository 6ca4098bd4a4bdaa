/*
 * bench/engine/bench_hist.h - the completion-latency histogram: fio's
 * log-linear layout (fio stat.h: FIO_IO_U_PLAT_BITS 6, 29 groups, 1856
 * buckets), so our numbers and fio's JSON "bins" mean the same thing.
 *
 * Values are nanoseconds. Values 0..127 have a bucket each. Above that, each
 * power of two [2^m, 2^(m+1)) is split into 64 equal buckets of width
 * 2^(m-6): a value in a bucket is at least 64 bucket widths, so the bucket's
 * midpoint is within 1/128 (0.78 %) of any value in it. The last group ends
 * at 2^34 ns (17.2 s); larger values are counted in the last bucket, and the
 * reported percentiles are clamped to the true min and max, so even those
 * stay bounded by a value that really occurred.
 *
 * The index is a bit scan and a shift, without a branch on the value's size
 * (fio's plat_val_to_idx, rewritten branch-free: for v < 128 the shift is 0).
 */
#ifndef NVOS_BENCH_ENGINE_BENCH_HIST_H
#define NVOS_BENCH_ENGINE_BENCH_HIST_H

#include <stdint.h>

#define BENCH_HIST_BITS 6
#define BENCH_HIST_SUB (1u << BENCH_HIST_BITS)          /* buckets per group */
#define BENCH_HIST_GROUPS 29
#define BENCH_HIST_NR (BENCH_HIST_GROUPS * BENCH_HIST_SUB) /* 1856 */

/* Percentiles are given in percent x 10^6 (99.99 % is 99990000), which is
 * exactly the precision of fio's "%f" JSON keys ("99.990000"). */
#define BENCH_PCT(int_part, millionths) ((uint32_t)(int_part) * 1000000u + (millionths))
#define BENCH_PCT_100 BENCH_PCT(100, 0)

static inline unsigned bench_hist_index(uint64_t v)
{
    unsigned msb = 63u - (unsigned)__builtin_clzll(v | 1);
    /* e = max(msb, 6) - 6: the bits below the 6 that select the bucket. */
    unsigned e = msb > BENCH_HIST_BITS ? msb - BENCH_HIST_BITS : 0;
    uint64_t idx = ((uint64_t)e << BENCH_HIST_BITS) + (v >> e);
    return idx < BENCH_HIST_NR ? (unsigned)idx : BENCH_HIST_NR - 1;
}

/* The smallest value counted in bucket idx, and the bucket's width. */
uint64_t bench_hist_bucket_low(unsigned idx);
uint64_t bench_hist_bucket_width(unsigned idx);
/* The value a bucket stands for: its midpoint, as fio's plat_idx_to_val. */
uint64_t bench_hist_bucket_value(unsigned idx);

/*
 * Percentiles by nearest rank: for each p (ascending, percent x 10^6), the
 * value of the bucket holding the sample of rank ceil(p/100 * n), clamped to
 * [min, max]; ranks 1 and n give min and max exactly. The exact nearest-rank percentile of the raw samples lies in
 * that bucket, so the result is within half a bucket (<= 1/128) of it. n is
 * the number of samples counted in hist; out gets 0s when n is 0.
 */
void bench_hist_percentiles(const uint64_t *hist, uint64_t n, uint64_t min, uint64_t max,
                            const uint32_t *pct, unsigned npct, uint64_t *out);

/* fio's default percentile list (HOWTO: percentile_list), 17 entries. */
#define BENCH_FIO_PERCENTILES_NR 17
extern const uint32_t bench_fio_percentiles[BENCH_FIO_PERCENTILES_NR];

#endif
