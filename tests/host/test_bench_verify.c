/*
 * Host test: bench/engine/bench_verify.c - the verify stamp tells apart an
 * intact block, a zeroed one, garbage, a torn/corrupted one (mixed halves,
 * flipped bits anywhere), a block written for another LBA, an older and a
 * newer generation; and accepts any generation when asked to.
 */
#include <stdbool.h>

#include "bench/engine/bench_verify.h"
#include "tests/host/check.h"

static uint64_t rng_state = 7;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static _Alignas(8) unsigned char a[4096], b[4096];

static void test_size(uint32_t bs)
{
    struct bench_verify_found f;

    bench_stamp_block(a, bs, 1000, 3);
    CHECK_EQ(bench_check_block(a, bs, 1000, 3, false, &f), BENCH_VERIFY_OK);
    CHECK_EQ(f.gen, 3);
    CHECK_EQ(f.lba, 1000);
    CHECK_EQ(bench_check_block(a, bs, 1000, 99, true, &f), BENCH_VERIFY_OK);
    CHECK_EQ(f.gen, 3);
    CHECK_EQ(bench_check_block(a, bs, 1000, 3, false, NULL), BENCH_VERIFY_OK);
    CHECK_EQ((uint32_t)((uint64_t *)a)[0], BENCH_STAMP_MAGIC);

    /* Same (LBA, generation): the same bytes; another LBA or generation: different. */
    bench_stamp_block(b, bs, 1000, 3);
    CHECK(memcmp(a, b, bs) == 0);
    bench_stamp_block(b, bs, 1001, 3);
    CHECK(memcmp(a + 32, b + 32, bs - 32) != 0);
    bench_stamp_block(b, bs, 1000, 4);
    CHECK(memcmp(a + 32, b + 32, bs - 32) != 0);

    /* Wrong place, old and new generations. */
    CHECK_EQ(bench_check_block(a, bs, 1001, 3, false, &f), BENCH_VERIFY_MISPLACED);
    CHECK_EQ(f.lba, 1000);
    CHECK_EQ(bench_check_block(a, bs, 1001, 3, true, &f), BENCH_VERIFY_MISPLACED);
    CHECK_EQ(bench_check_block(a, bs, 1000, 4, false, &f), BENCH_VERIFY_STALE);
    CHECK_EQ(f.gen, 3);
    CHECK_EQ(bench_check_block(a, bs, 1000, 2, false, &f), BENCH_VERIFY_NEWER);
    CHECK_EQ(f.gen, 3);

    /* Zeroed and garbage. */
    memset(b, 0, bs);
    CHECK_EQ(bench_check_block(b, bs, 1000, 3, false, &f), BENCH_VERIFY_ZEROED);
    CHECK_EQ(bench_check_block(b, bs, 1000, 3, true, &f), BENCH_VERIFY_ZEROED);
    b[bs - 1] = 1; /* zero except the very last byte */
    CHECK_EQ(bench_check_block(b, bs, 1000, 3, false, &f), BENCH_VERIFY_GARBAGE);
    memset(b, 0xff, bs);
    CHECK_EQ(bench_check_block(b, bs, 1000, 3, false, &f), BENCH_VERIFY_GARBAGE);
    CHECK(f.word0 == UINT64_MAX);
    for (uint32_t i = 0; i < bs; i += 8) {
        uint64_t r = rnd();
        memcpy(b + i, &r, 8);
    }
    CHECK_EQ(bench_check_block(b, bs, 1000, 3, false, &f), BENCH_VERIFY_GARBAGE);

    /* Torn: first half of generation 3, second half of generation 2. */
    bench_stamp_block(b, bs, 1000, 2);
    memcpy(b, a, bs / 2);
    CHECK_EQ(bench_check_block(b, bs, 1000, 3, false, &f), BENCH_VERIFY_TORN);
    CHECK_EQ(f.gen, 3);
    CHECK(f.stored_check != f.computed_check);
    /* ... and the other way round: header from generation 2. */
    bench_stamp_block(b, bs, 1000, 2);
    memcpy(b + bs / 2, a + bs / 2, bs / 2);
    CHECK_EQ(bench_check_block(b, bs, 1000, 3, false, &f), BENCH_VERIFY_TORN);
    /* Torn by sector: a 4 KiB block with one 512-byte sector of another LBA. */
    if (bs > 512) {
        bench_stamp_block(b, bs, 1000, 3);
        bench_stamp_block(a, bs, 2000, 3);
        memcpy(b + 1024, a + 1024, 512);
        CHECK_EQ(bench_check_block(b, bs, 1000, 3, false, &f), BENCH_VERIFY_TORN);
    }

    /* Every single-bit flip is caught: as torn, except flips in the magic. */
    bench_stamp_block(a, bs, 1000, 3);
    int missed = 0;
    for (int k = 0; k < 2000; k++) {
        memcpy(b, a, bs);
        uint32_t bit = (uint32_t)(rnd() % (bs * 8));
        b[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        enum bench_verify_class c = bench_check_block(b, bs, 1000, 3, false, &f);
        enum bench_verify_class want = bit < 32 ? BENCH_VERIFY_GARBAGE : BENCH_VERIFY_TORN;
        if (c != want) {
            fprintf(stderr, "bs %u bit %u: class %d, want %d\n", bs, bit, c, want);
            missed++;
        }
    }
    CHECK_EQ(missed, 0);
    /* A changed block-size field is not an intact stamp either. */
    memcpy(b, a, bs);
    ((uint64_t *)b)[2] ^= 1;
    CHECK_EQ(bench_check_block(b, bs, 1000, 3, false, &f), BENCH_VERIFY_TORN);
}

int main(void)
{
    test_size(512);
    test_size(4096);
    test_size(64);
    CHECK_STR_EQ(bench_verify_class_name(BENCH_VERIFY_STALE), "stale");
    CHECK_STR_EQ(bench_verify_class_name(BENCH_VERIFY_TORN), "torn");
    CHECK(strlen(bench_verify_class_meaning(BENCH_VERIFY_MISPLACED)) > 10);
    return check_exit();
}
