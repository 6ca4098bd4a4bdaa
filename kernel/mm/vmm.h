/*
 * kernel/mm/vmm.h - the kernel's page tables (see layout.h for the map).
 */
#ifndef NVOS_KERNEL_MM_VMM_H
#define NVOS_KERNEL_MM_VMM_H

#include <stddef.h>
#include <stdint.h>

#include "boot/boot_info.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"

/*
 * Builds the kernel's own page tables (image with per-section permissions,
 * direct map of RAM, empty MMIO window), switches CR3 to them and drops the
 * loader's identity map.
 */
void vmm_init(const struct boot_info *bi);

enum vmm_cache {
    VMM_CACHED,   /* write-back: RAM, firmware tables */
    VMM_UNCACHED, /* strong uncacheable: device registers */
    VMM_WRITE_COMBINING, /* framebuffers: writes merge in buffers, reads uncached */
};

/* Programs this CPU's PAT (entry 1 = write-combining); vmm_init runs it on
 * the boot CPU, and every other CPU must run it before using the tables. */
void vmm_pat_init(void);

/* Memory type the PAT gives write-combining mappings ("WC", or "UC" without PAT). */
const char *vmm_wc_type_name(void);

/*
 * Maps [phys, phys+size) into the MMIO window and returns the address of
 * phys there (page offset kept), or NULL when out of window or page-table
 * memory. Works for any physical address, including 64-bit BARs above 4 GiB.
 */
void *vmm_map_phys(phys_addr_t phys, size_t size, enum vmm_cache cache);
static inline void *vmm_map_mmio(phys_addr_t phys, size_t size)
{
    return vmm_map_phys(phys, size, VMM_UNCACHED);
}

/*
 * A kernel stack of size bytes (rounded up to pages) in the MMIO window,
 * with an unmapped guard page below it so an overflow faults. Returns the
 * top (the initial stack pointer), or NULL without memory. Never freed.
 */
void *vmm_alloc_stack(size_t size);

/* RAM through the direct map. */
static inline void *phys_to_virt(phys_addr_t p)
{
    return (void *)(uintptr_t)(DIRECT_MAP_BASE + p);
}
/* Physical address of any mapped kernel virtual address (0 if unmapped). */
phys_addr_t virt_to_phys(const void *v);

/* Called by vmm_init once the bitmap is reachable through the direct map. */
void pmm_bitmap_relocated(void);

/* Statistics for the "mem" command. */
struct vmm_stats {
    uint64_t direct_map_bytes;
    uint64_t mmio_window_used;
    uint64_t page_table_pages;
};
void vmm_get_stats(struct vmm_stats *s);

#endif
