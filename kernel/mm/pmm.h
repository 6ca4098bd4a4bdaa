/*
 * kernel/mm/pmm.h - the physical page allocator.
 *
 * A bitmap over every page frame up to the highest usable address, built
 * from the normalized memory map: one bit per 4 KiB frame, set = in use.
 * Allocation is first fit from a rotating hint and can ask for physically
 * contiguous, aligned runs (NVMe queues must be contiguous: CAP.CQR).
 */
#ifndef NVOS_KERNEL_MM_PMM_H
#define NVOS_KERNEL_MM_PMM_H

#include <stddef.h>
#include <stdint.h>

#include "boot/boot_info.h"

typedef uint64_t phys_addr_t;

/* Builds the allocator; ranges of type KERNEL and LOADER stay in use. */
void pmm_init(const struct boot_info *bi);

/* Releases the loader's hand-off memory (called once nothing uses it). */
void pmm_release_loader_memory(void);

/* npages contiguous frames aligned to align_pages (a power of two); 0 if none. */
phys_addr_t pmm_alloc(size_t npages, size_t align_pages);
void pmm_free(phys_addr_t phys, size_t npages);

/*
 * npages of usable RAM below 1 MiB (never page 0), taken for good: for code
 * that must run in real mode (the AP start-up trampoline). The bitmap never
 * hands out the first megabyte, so these come straight from the memory map,
 * highest first. 0 if the map has no such run.
 */
phys_addr_t pmm_alloc_low(size_t npages);

uint64_t pmm_total_pages(void);
uint64_t pmm_free_pages(void);

/* The normalized map the allocator was built from. */
struct mem_range;
size_t pmm_memory_map(const struct mem_range **ranges);

#endif
