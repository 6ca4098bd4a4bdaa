/*
 * lib/le.h - little-endian field access for on-disk structures.
 *
 * The partition and FAT parsers decode every on-disk field with these byte
 * reads instead of overlaying packed structs: the structures have fields at
 * odd offsets (BPB_BytsPerSec sits at byte 11), sectors come from arbitrary
 * buffers, and byte reads need neither alignment nor packing attributes.
 */
#ifndef NVOS_LIB_LE_H
#define NVOS_LIB_LE_H

#include <stdint.h>

static inline uint16_t le16_get(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t le32_get(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t le64_get(const uint8_t *p)
{
    return (uint64_t)le32_get(p) | (uint64_t)le32_get(p + 4) << 32;
}

#endif
