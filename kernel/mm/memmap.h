/*
 * kernel/mm/memmap.h - turning a loader's memory map into a clean one.
 *
 * Loaders hand over unsorted, sometimes overlapping regions (E820 and UEFI
 * maps both allow it). memmap_normalize() produces sorted, non-overlapping,
 * merged ranges in which an address covered by several regions takes the
 * most restrictive type. Pure: host-tested in tests/host/test_memmap.c.
 */
#ifndef NVOS_KERNEL_MM_MEMMAP_H
#define NVOS_KERNEL_MM_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include "boot/boot_info.h"

struct mem_range {
    uint64_t base;
    uint64_t end; /* exclusive */
    uint32_t type; /* enum boot_mem_type */
};

/*
 * Normalizes n regions into out (capacity cap). Returns the number of ranges,
 * or -ENOSPC if cap is too small (the first cap ranges are still valid).
 * Regions whose end would overflow 2^64 are clipped.
 */
int memmap_normalize(const struct boot_mem_region *in, size_t n, struct mem_range *out,
                     size_t cap);

/* Precedence when regions overlap: the higher value wins. */
int memmap_type_rank(uint32_t type);

/* "usable", "reserved", ... for the "mem" shell command. */
const char *memmap_type_name(uint32_t type);

/* Is this type RAM (may be mapped cacheable in the direct map)? */
int memmap_type_is_ram(uint32_t type);

#endif
