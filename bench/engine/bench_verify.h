/*
 * bench/engine/bench_verify.h - the data-integrity stamp the benchmark writes
 * into every logical block with verify=1, and the check that classifies what
 * a read found.
 *
 * Layout of a stamped block (native little-endian 64-bit words):
 *   word 0   magic (low 32 bits, "NVBV") | generation << 32
 *   word 1   the LBA the block was written to
 *   word 2   the block size (low 32 bits); upper bits 0
 *   word 3   check: a 64-bit hash of the whole block with this word as 0
 *   word 4.. a pattern derived from (LBA, generation) alone, so that two
 *            writes of one block in one generation carry identical bytes
 *            (overlapping in-flight writes cannot produce a mixture)
 *
 * The check is computed over every byte, so the classes are told apart:
 *   zeroed     every byte 0 (never written, deallocated, write-zeroes);
 *   garbage    not all zero, but no magic: not a stamp at all;
 *   torn       magic present but the check fails: parts of different writes,
 *              or a flipped bit (a block half from generation 2 and half
 *              from generation 3 is "torn", not "stale");
 *   misplaced  intact, but stamped for another LBA: a write that landed at
 *              the wrong address, or a read that returned another block;
 *   stale      intact, right LBA, older generation than expected: a lost write;
 *   newer      intact, right LBA, newer generation than expected (usually a
 *              wrong verify_gen on the read pass).
 */
#ifndef NVOS_BENCH_ENGINE_BENCH_VERIFY_H
#define NVOS_BENCH_ENGINE_BENCH_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#define BENCH_STAMP_MAGIC 0x5642564eu /* "NVBV" as bytes on a little-endian disk */
#define BENCH_STAMP_WORDS 4           /* header words before the pattern */

enum bench_verify_class {
    BENCH_VERIFY_OK,
    BENCH_VERIFY_ZEROED,
    BENCH_VERIFY_GARBAGE,
    BENCH_VERIFY_TORN,
    BENCH_VERIFY_MISPLACED,
    BENCH_VERIFY_STALE,
    BENCH_VERIFY_NEWER,
    BENCH_VERIFY_NCLASSES
};

/* What the check found in a block (filled for every class but OK and ZEROED). */
struct bench_verify_found {
    uint64_t word0;        /* the raw first word (magic | gen << 32, or garbage) */
    uint64_t lba;          /* as stamped */
    uint32_t gen;          /* as stamped */
    uint64_t stored_check; /* word 3 */
    uint64_t computed_check;
};

/* Stamps one block of block_size bytes (>= 64, a multiple of 8; 8-byte aligned). */
void bench_stamp_block(void *blk, uint32_t block_size, uint64_t lba, uint32_t gen);

/*
 * Classifies one block read from lba. With any_gen, every generation is
 * accepted (STALE/NEWER are never returned) and found->gen tells which one
 * was seen; otherwise the generation must be expect_gen. found may be NULL.
 */
enum bench_verify_class bench_check_block(const void *blk, uint32_t block_size, uint64_t lba,
                                          uint32_t expect_gen, bool any_gen,
                                          struct bench_verify_found *found);

/* "zeroed", "torn", ...; and a one-line explanation of the class. */
const char *bench_verify_class_name(enum bench_verify_class c);
const char *bench_verify_class_meaning(enum bench_verify_class c);

#endif
