/*
 * bench/engine/bench_verify.c - writing and checking the per-block verify stamp
 * (layout and classes in bench_verify.h).
 *
 * The check hash is a multiply-xorshift chain over the 64-bit words: not a
 * CRC, but any change of a word changes the result with probability about
 * 1 - 2^-64, and it costs a multiplication per 8 bytes. The pattern words
 * only have to differ between (LBA, generation) pairs and never be all
 * zero, so they are a counter passed through one mixing step.
 */
#include "bench/engine/bench_verify.h"

#include <stddef.h>

#define MIX_K1 0x9e3779b97f4a7c15ull /* 2^64 / golden ratio, odd */
#define MIX_K2 0xbf58476d1ce4e5b9ull /* splitmix64's multipliers */
#define MIX_K3 0x94d049bb133111ebull
#define CHECK_SEED 0x6e766f7362656e63ull

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * MIX_K2;
    z = (z ^ (z >> 27)) * MIX_K3;
    return z ^ (z >> 31);
}

static inline uint64_t check_step(uint64_t h, uint64_t w)
{
    h = (h ^ w) * MIX_K1;
    return h ^ (h >> 29);
}

/* The hash of a block with word 3 taken as 0. */
static uint64_t block_check(const uint64_t *w, size_t nwords)
{
    uint64_t h = CHECK_SEED ^ nwords;
    h = check_step(h, w[0]);
    h = check_step(h, w[1]);
    h = check_step(h, w[2]);
    h = check_step(h, 0);
    for (size_t i = BENCH_STAMP_WORDS; i < nwords; i++)
        h = check_step(h, w[i]);
    return mix64(h);
}

void bench_stamp_block(void *blk, uint32_t block_size, uint64_t lba, uint32_t gen)
{
    uint64_t *w = blk;
    size_t nwords = block_size / 8;
    w[0] = BENCH_STAMP_MAGIC | (uint64_t)gen << 32;
    w[1] = lba;
    w[2] = block_size;
    w[3] = 0;
    uint64_t x = mix64(lba ^ ((uint64_t)gen << 40) ^ MIX_K3);
    for (size_t i = BENCH_STAMP_WORDS; i < nwords; i++) {
        x += MIX_K1;
        w[i] = (x ^ (x >> 31)) * MIX_K2;
    }
    w[3] = block_check(w, nwords);
}

enum bench_verify_class bench_check_block(const void *blk, uint32_t block_size, uint64_t lba,
                                          uint32_t expect_gen, bool any_gen,
                                          struct bench_verify_found *found)
{
    const uint64_t *w = blk;
    size_t nwords = block_size / 8;
    struct bench_verify_found dummy;
    if (found == NULL)
        found = &dummy;

    if ((uint32_t)w[0] != BENCH_STAMP_MAGIC) {
        size_t i = 0;
        while (i < nwords && w[i] == 0)
            i++;
        found->word0 = w[0];
        found->lba = w[1];
        found->gen = 0;
        found->stored_check = w[3];
        found->computed_check = 0;
        return i == nwords ? BENCH_VERIFY_ZEROED : BENCH_VERIFY_GARBAGE;
    }
    found->word0 = w[0];
    found->gen = (uint32_t)(w[0] >> 32);
    found->lba = w[1];
    found->stored_check = w[3];
    found->computed_check = block_check(w, nwords);
    if (found->computed_check != found->stored_check || w[2] != block_size)
        return BENCH_VERIFY_TORN;
    if (found->lba != lba)
        return BENCH_VERIFY_MISPLACED;
    if (!any_gen && found->gen != expect_gen)
        return found->gen < expect_gen ? BENCH_VERIFY_STALE : BENCH_VERIFY_NEWER;
    return BENCH_VERIFY_OK;
}

const char *bench_verify_class_name(enum bench_verify_class c)
{
    switch (c) {
    case BENCH_VERIFY_OK: return "ok";
    case BENCH_VERIFY_ZEROED: return "zeroed";
    case BENCH_VERIFY_GARBAGE: return "garbage";
    case BENCH_VERIFY_TORN: return "torn";
    case BENCH_VERIFY_MISPLACED: return "misplaced";
    case BENCH_VERIFY_STALE: return "stale";
    case BENCH_VERIFY_NEWER: return "newer";
    default: return "?";
    }
}

const char *bench_verify_class_meaning(enum bench_verify_class c)
{
    switch (c) {
    case BENCH_VERIFY_OK: return "intact";
    case BENCH_VERIFY_ZEROED: return "all bytes zero (never written or deallocated)";
    case BENCH_VERIFY_GARBAGE: return "no stamp (not written by bench verify)";
    case BENCH_VERIFY_TORN: return "stamp present but checksum wrong (torn or corrupted)";
    case BENCH_VERIFY_MISPLACED: return "intact block stamped for another LBA";
    case BENCH_VERIFY_STALE: return "intact block of an older generation (lost write)";
    case BENCH_VERIFY_NEWER: return "intact block of a newer generation than expected";
    default: return "?";
    }
}
