/*
 * kernel/mm/memmap.c - memory map normalization (see memmap.h).
 *
 * Method: every region contributes its two edges; between consecutive
 * distinct edges the covering region of highest rank decides the type. That
 * is O(n^2) in the number of regions, which loaders keep below a few hundred.
 */
#include "kernel/mm/memmap.h"

#include <stdbool.h>

#include "lib/errno.h"

int memmap_type_rank(uint32_t type)
{
    switch (type) {
    case BOOT_MEM_USABLE:
        return 1;
    case BOOT_MEM_LOADER:
        return 2;
    case BOOT_MEM_KERNEL:
        return 3;
    case BOOT_MEM_ACPI_RECLAIM:
        return 4;
    case BOOT_MEM_ACPI_NVS:
        return 5;
    case BOOT_MEM_MMIO:
        return 6;
    case BOOT_MEM_RESERVED:
        return 7;
    case BOOT_MEM_BAD:
        return 8;
    default:
        return 7; /* unknown types are treated as reserved */
    }
}

const char *memmap_type_name(uint32_t type)
{
    switch (type) {
    case BOOT_MEM_USABLE:
        return "usable";
    case BOOT_MEM_RESERVED:
        return "reserved";
    case BOOT_MEM_ACPI_RECLAIM:
        return "acpi-reclaim";
    case BOOT_MEM_ACPI_NVS:
        return "acpi-nvs";
    case BOOT_MEM_BAD:
        return "bad";
    case BOOT_MEM_LOADER:
        return "loader";
    case BOOT_MEM_KERNEL:
        return "kernel";
    case BOOT_MEM_MMIO:
        return "mmio";
    default:
        return "unknown";
    }
}

int memmap_type_is_ram(uint32_t type)
{
    return type == BOOT_MEM_USABLE || type == BOOT_MEM_LOADER || type == BOOT_MEM_KERNEL ||
           type == BOOT_MEM_ACPI_RECLAIM || type == BOOT_MEM_ACPI_NVS;
}

static uint64_t region_end(const struct boot_mem_region *r)
{
    return r->length > UINT64_MAX - r->base ? UINT64_MAX : r->base + r->length;
}

/* Smallest edge strictly greater than x, or x if there is none. */
static uint64_t next_edge(const struct boot_mem_region *in, size_t n, uint64_t x)
{
    uint64_t best = x;
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        if (in[i].length == 0)
            continue;
        uint64_t e[2] = { in[i].base, region_end(&in[i]) };
        for (int k = 0; k < 2; k++)
            if (e[k] > x && (!found || e[k] < best)) {
                best = e[k];
                found = true;
            }
    }
    return best;
}

int memmap_normalize(const struct boot_mem_region *in, size_t n, struct mem_range *out,
                     size_t cap)
{
    size_t count = 0;
    bool overflow = false;
    uint64_t lo = UINT64_MAX;

    for (size_t i = 0; i < n; i++)
        if (in[i].length != 0 && in[i].base < lo)
            lo = in[i].base;
    if (lo == UINT64_MAX)
        return 0;

    for (;;) {
        uint64_t hi = next_edge(in, n, lo);
        if (hi == lo)
            break;
        /* Type of [lo, hi): the covering region of highest rank. */
        int best_rank = 0;
        uint32_t best_type = 0;
        for (size_t i = 0; i < n; i++) {
            if (in[i].length == 0 || in[i].base > lo || region_end(&in[i]) < hi)
                continue;
            int rank = memmap_type_rank(in[i].type);
            if (rank > best_rank) {
                best_rank = rank;
                best_type = in[i].type;
            }
        }
        if (best_rank != 0) {
            if (count > 0 && out[count - 1].end == lo && out[count - 1].type == best_type) {
                out[count - 1].end = hi;
            } else if (count < cap) {
                out[count].base = lo;
                out[count].end = hi;
                out[count].type = best_type;
                count++;
            } else {
                overflow = true;
            }
        }
        lo = hi;
    }
    return overflow ? -ENOSPC : (int)count;
}
