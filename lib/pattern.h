/*
 * lib/pattern.h - the "blk fill" data pattern, shared by the kernel and the
 * host tools that check it:
 *   the little-endian 64-bit word at device byte offset 8*i is
 *   mix(SEED + i * 0x9E3779B97F4A7C15 mod 2^64), where mix is the splitmix64
 *   finaliser  z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27;
 *              z *= 0x94D049BB133111EB; z ^= z >> 31.
 * Because word i depends only on its offset, any range can be generated or
 * checked independently of the others.
 */
#ifndef NVOS_LIB_PATTERN_H
#define NVOS_LIB_PATTERN_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t pattern_mix(uint64_t z)
{
    z ^= z >> 30;
    z *= 0xBF58476D1CE4E5B9ull;
    z ^= z >> 27;
    z *= 0x94D049BB133111EBull;
    z ^= z >> 31;
    return z;
}

/* Fills buf (len a multiple of 8) with the words for device byte offset off. */
static inline void pattern_fill(uint64_t seed, uint64_t byte_offset, void *buf, size_t len)
{
    uint64_t i = byte_offset / 8;
    uint8_t *p = buf;
    for (size_t k = 0; k + 8 <= len; k += 8, i++) {
        uint64_t w = pattern_mix(seed + i * 0x9E3779B97F4A7C15ull);
        for (int b = 0; b < 8; b++)
            p[k + (size_t)b] = (uint8_t)(w >> (8 * b));
    }
}

#endif
