/*
 * kernel/mm/pmm.c - bitmap physical page allocator (see pmm.h).
 *
 * The bitmap lives in the first usable range that can hold it and is reached
 * through the boot identity map before vmm_init() and through the direct map
 * after (pmm_bitmap_relocated() switches the pointer). The first megabyte is
 * never handed out: BIOS data, EBDA and real-mode leftovers live there.
 */
#include "kernel/mm/pmm.h"

#include <string.h>

#include "kernel/arch/x86.h"
#include "kernel/kernel.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/memmap.h"
#include "kernel/mm/vmm.h"
#include "kernel/smp/spinlock.h"

#define MAX_RANGES 512
#define LOW_MEMORY_LIMIT 0x100000

static struct mem_range ranges[MAX_RANGES];
static size_t range_count;

static uint64_t *bitmap;
static uint64_t bitmap_frames; /* frames covered */
static uint64_t free_frames, total_frames;
static uint64_t search_hint;
static uint64_t low_floor = LOW_MEMORY_LIMIT; /* pmm_alloc_low() hands out below this */
static struct spinlock pmm_lock = SPINLOCK_INIT("pmm");

static inline int bit_test(uint64_t f)
{
    return (bitmap[f / 64] >> (f % 64)) & 1;
}
static inline void bit_set(uint64_t f)
{
    bitmap[f / 64] |= 1ull << (f % 64);
}
static inline void bit_clear(uint64_t f)
{
    bitmap[f / 64] &= ~(1ull << (f % 64));
}

static void mark_range(uint64_t base, uint64_t end, int used)
{
    uint64_t first = ALIGN_UP(base, PAGE_SIZE) / PAGE_SIZE;
    uint64_t last = ALIGN_DOWN(end, PAGE_SIZE) / PAGE_SIZE; /* exclusive */
    if (last > bitmap_frames)
        last = bitmap_frames;
    for (uint64_t f = first; f < last; f++) {
        if (used && !bit_test(f)) {
            bit_set(f);
            free_frames--;
        } else if (!used && bit_test(f)) {
            bit_clear(f);
            free_frames++;
        }
    }
}

void pmm_init(const struct boot_info *bi)
{
    int n = memmap_normalize(bi->mem, bi->mem_count, ranges, MAX_RANGES);
    if (n < 0) {
        kprintf("pmm: memory map has more than %d ranges; ignoring the rest\n", MAX_RANGES);
        n = MAX_RANGES;
    }
    range_count = (size_t)n;

    uint64_t top = 0;
    for (size_t i = 0; i < range_count; i++)
        if (ranges[i].type == BOOT_MEM_USABLE || ranges[i].type == BOOT_MEM_LOADER)
            top = MAX(top, ranges[i].end);
    bitmap_frames = top / PAGE_SIZE;
    uint64_t bitmap_bytes = ALIGN_UP((bitmap_frames + 63) / 64 * 8, PAGE_SIZE);

    /* Place the bitmap: a usable range above 1 MiB, below 4 GiB (boot identity map). */
    phys_addr_t where = 0;
    for (size_t i = 0; i < range_count && where == 0; i++) {
        if (ranges[i].type != BOOT_MEM_USABLE)
            continue;
        uint64_t b = ALIGN_UP(MAX(ranges[i].base, (uint64_t)LOW_MEMORY_LIMIT), PAGE_SIZE);
        if (b + bitmap_bytes <= ranges[i].end && b + bitmap_bytes <= 0x100000000ull)
            where = b;
    }
    if (where == 0)
        panic("pmm: no room for a %llu-byte page bitmap", (unsigned long long)bitmap_bytes);

    bitmap = (uint64_t *)(uintptr_t)where; /* identity-mapped until vmm_init() */
    memset(bitmap, 0xFF, bitmap_bytes);
    free_frames = 0;
    for (size_t i = 0; i < range_count; i++)
        if (ranges[i].type == BOOT_MEM_USABLE)
            mark_range(MAX(ranges[i].base, (uint64_t)LOW_MEMORY_LIMIT), ranges[i].end, 0);
    mark_range(where, where + bitmap_bytes, 1);
    total_frames = free_frames;
    search_hint = LOW_MEMORY_LIMIT / PAGE_SIZE;
}

void pmm_bitmap_relocated(void)
{
    bitmap = phys_to_virt((phys_addr_t)(uintptr_t)bitmap);
}

void pmm_release_loader_memory(void)
{
    for (size_t i = 0; i < range_count; i++)
        if (ranges[i].type == BOOT_MEM_LOADER) {
            mark_range(MAX(ranges[i].base, (uint64_t)LOW_MEMORY_LIMIT), ranges[i].end, 0);
            total_frames += (ALIGN_DOWN(ranges[i].end, PAGE_SIZE) -
                             ALIGN_UP(MAX(ranges[i].base, (uint64_t)LOW_MEMORY_LIMIT), PAGE_SIZE)) /
                            PAGE_SIZE;
            ranges[i].type = BOOT_MEM_USABLE;
        }
}

static uint64_t find_run(uint64_t from, uint64_t to, size_t npages, size_t align)
{
    uint64_t f = ALIGN_UP(from, align);
    while (f + npages <= to) {
        size_t k = 0;
        while (k < npages && !bit_test(f + k))
            k++;
        if (k == npages)
            return f;
        f = ALIGN_UP(f + k + 1, align);
    }
    return 0;
}

phys_addr_t pmm_alloc(size_t npages, size_t align_pages)
{
    if (npages == 0 || align_pages == 0 || (align_pages & (align_pages - 1)))
        return 0;
    bool on = spin_lock_irqsave(&pmm_lock);
    uint64_t f = find_run(search_hint, bitmap_frames, npages, align_pages);
    if (f == 0)
        f = find_run(LOW_MEMORY_LIMIT / PAGE_SIZE, bitmap_frames, npages, align_pages);
    if (f != 0) {
        for (size_t k = 0; k < npages; k++)
            bit_set(f + k);
        free_frames -= npages;
        search_hint = f + npages;
    }
    spin_unlock_irqrestore(&pmm_lock, on);
    return f * PAGE_SIZE;
}

phys_addr_t pmm_alloc_low(size_t npages)
{
    if (npages == 0)
        return 0;
    bool on = spin_lock_irqsave(&pmm_lock);
    phys_addr_t best = 0;
    for (size_t i = 0; i < range_count; i++) {
        if (ranges[i].type != BOOT_MEM_USABLE)
            continue;
        uint64_t b = ALIGN_UP(MAX(ranges[i].base, (uint64_t)PAGE_SIZE), PAGE_SIZE);
        uint64_t e = ALIGN_DOWN(MIN(ranges[i].end, low_floor), PAGE_SIZE);
        if (e > b && e - b >= npages * PAGE_SIZE && e - npages * PAGE_SIZE > best)
            best = e - npages * PAGE_SIZE; /* the top of the range: the highest fit */
    }
    if (best != 0)
        low_floor = best;
    spin_unlock_irqrestore(&pmm_lock, on);
    return best;
}

void pmm_free(phys_addr_t phys, size_t npages)
{
    uint64_t f = phys / PAGE_SIZE;
    if (phys % PAGE_SIZE || f + npages > bitmap_frames)
        panic("pmm_free: bad range %llx+%zu pages", (unsigned long long)phys, npages);
    bool on = spin_lock_irqsave(&pmm_lock);
    for (size_t k = 0; k < npages; k++) {
        if (!bit_test(f + k))
            panic("pmm_free: double free of frame %llx", (unsigned long long)(f + k) * PAGE_SIZE);
        bit_clear(f + k);
    }
    free_frames += npages;
    if (f < search_hint)
        search_hint = f;
    spin_unlock_irqrestore(&pmm_lock, on);
}

uint64_t pmm_total_pages(void)
{
    return total_frames;
}

uint64_t pmm_free_pages(void)
{
    return free_frames;
}

size_t pmm_memory_map(const struct mem_range **out)
{
    *out = ranges;
    return range_count;
}
