/*
 * kernel/mm/vmm.c - 4-level page tables for the kernel (Intel SDM Vol. 3A
 * §4.5 "4-Level Paging"; §11.12 PAT).
 *
 * The tables are built from scratch while the loader's are still live:
 * during vmm_init() new table pages are reached through the identity map,
 * afterwards through the direct map (table_virt()). Memory types use the
 * PAT as the CPU resets it: PCD=PWT=0 is write-back, PCD=PWT=1 is strong
 * uncacheable (PAT entry 3), which is what device registers need.
 */
#include "kernel/mm/vmm.h"

#include <stdbool.h>
#include <string.h>

#include "kernel/arch/cpu.h"
#include "kernel/arch/x86.h"
#include "kernel/kernel.h"
#include "kernel/mm/memmap.h"
#include "kernel/smp/spinlock.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

static uint64_t *pml4;          /* virtual address, valid in either phase */
static phys_addr_t pml4_phys;
static bool tables_direct;      /* new tables reached through the direct map yet? */
static uint64_t mmio_next = MMIO_WINDOW_BASE;
static struct vmm_stats stats;
static struct spinlock vmm_lock = SPINLOCK_INIT("vmm");

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __kernel_end[];
extern char kernel_stack_guard[];

#define MSR_IA32_PAT 0x277
#define PAT_UC 0x00ull
#define PAT_WC 0x01ull
#define PAT_WT 0x04ull
#define PAT_WB 0x06ull
#define PAT_UC_MINUS 0x07ull
/* Entries 0..7: WB, WC (was WT), UC-, UC, and the same again. */
#define PAT_VALUE                                                                       \
    (PAT_WB | PAT_WC << 8 | PAT_UC_MINUS << 16 | PAT_UC << 24 | PAT_WB << 32 |           \
     PAT_WC << 40 | PAT_UC_MINUS << 48 | PAT_UC << 56)
static bool pat_ok;

void vmm_pat_init(void)
{
    /* CPUID.1:EDX[16] PAT; every x86-64 processor has it, but check. */
    if (!((cpuid(1, 0).edx >> 16) & 1))
        return;
    /* No mapping uses entry 1 before this runs, so nothing needs flushing. */
    wrmsr(MSR_IA32_PAT, PAT_VALUE);
    pat_ok = true;
}

const char *vmm_wc_type_name(void)
{
    return pat_ok ? "WC" : "UC";
}

static uint64_t *table_virt(phys_addr_t p)
{
    return tables_direct ? phys_to_virt(p) : (uint64_t *)(uintptr_t)p;
}

static uint64_t nx_bit(void)
{
    return cpu_features.nx ? PTE_NX : 0;
}

/* The table that entry e (in a table at level > 1) points to, made if absent. */
static uint64_t *next_table(uint64_t *entry)
{
    if (!(*entry & PTE_P)) {
        phys_addr_t p = pmm_alloc(1, 1);
        if (p == 0)
            return NULL;
        memset(table_virt(p), 0, PAGE_SIZE);
        stats.page_table_pages++;
        *entry = p | PTE_P | PTE_W; /* permissions are decided at the leaf */
    } else if (*entry & PTE_PS) {
        panic("vmm: mapping inside an existing large page");
    }
    return table_virt(*entry & PTE_ADDR);
}

/* Maps one 4 KiB (large=false) or 2 MiB page. Returns false without memory. */
static bool map_page(uint64_t va, phys_addr_t pa, uint64_t flags, bool large)
{
    uint64_t *t = pml4;
    t = next_table(&t[(va >> 39) & 511]);
    if (t == NULL)
        return false;
    t = next_table(&t[(va >> 30) & 511]);
    if (t == NULL)
        return false;
    uint64_t *pde = &t[(va >> 21) & 511];
    if (large) {
        *pde = pa | flags | PTE_PS;
        return true;
    }
    t = next_table(pde);
    if (t == NULL)
        return false;
    t[(va >> 12) & 511] = pa | flags;
    return true;
}

/* Maps a range with 2 MiB pages where alignment allows, 4 KiB elsewhere. */
static bool map_range(uint64_t va, phys_addr_t pa, uint64_t size, uint64_t flags)
{
    uint64_t end = va + size;
    while (va < end) {
        bool large = (va % LARGE_PAGE_SIZE) == 0 && (pa % LARGE_PAGE_SIZE) == 0 &&
                     end - va >= LARGE_PAGE_SIZE;
        if (!map_page(va, pa, flags, large))
            return false;
        uint64_t step = large ? LARGE_PAGE_SIZE : PAGE_SIZE;
        va += step;
        pa += step;
    }
    return true;
}

static void map_kernel_section(char *start, char *end, uint64_t flags,
                               const struct boot_info *bi)
{
    uint64_t va = (uint64_t)start;
    uint64_t link_virt = KERNEL_VMA + KERNEL_LINK_PHYS;
    phys_addr_t pa = bi->kernel_phys_start + (va - link_virt);
    for (; va < (uint64_t)end; va += PAGE_SIZE, pa += PAGE_SIZE) {
        if (va == (uint64_t)kernel_stack_guard)
            continue; /* the stack's guard page stays unmapped */
        if (!map_page(va, pa, flags | PTE_P | PTE_G, false))
            panic("vmm: out of memory mapping the kernel");
    }
}

void vmm_init(const struct boot_info *bi)
{
    vmm_pat_init();
    pml4_phys = pmm_alloc(1, 1);
    if (pml4_phys == 0)
        panic("vmm: no page for the PML4");
    pml4 = (uint64_t *)(uintptr_t)pml4_phys; /* identity map, for now */
    memset(pml4, 0, PAGE_SIZE);
    stats.page_table_pages = 1;

    /* The kernel image, W^X. */
    map_kernel_section(__text_start, __text_end, 0, bi);
    map_kernel_section(__rodata_start, __rodata_end, nx_bit(), bi);
    map_kernel_section(__data_start, (char *)ALIGN_UP((uint64_t)__kernel_end, PAGE_SIZE),
                       PTE_W | nx_bit(), bi);

    /* The direct map: every RAM range (whole pages only, so that ranges
     * never share a page), and all of the first megabyte (BIOS data, EBDA and
     * ROM, where the ACPI RSDP may be). New mappings need no TLB flush:
     * nothing was mapped at these addresses before. */
    const struct mem_range *r;
    size_t n = pmm_memory_map(&r);
    if (!map_range(DIRECT_MAP_BASE, 0, 0x100000, PTE_P | PTE_W | nx_bit()))
        panic("vmm: out of memory for the direct map");
    for (size_t i = 0; i < n; i++) {
        if (!memmap_type_is_ram(r[i].type))
            continue;
        uint64_t b = ALIGN_UP(MAX(r[i].base, (uint64_t)0x100000), PAGE_SIZE);
        uint64_t e = ALIGN_DOWN(r[i].end, PAGE_SIZE);
        if (e <= b)
            continue;
        if (e > DIRECT_MAP_SIZE)
            panic("vmm: RAM above the direct map's 32 TiB");
        if (!map_range(DIRECT_MAP_BASE + b, b, e - b, PTE_P | PTE_W | nx_bit()))
            panic("vmm: out of memory for the direct map");
        stats.direct_map_bytes += e - b;
    }

    write_cr3(pml4_phys);
    tables_direct = true;
    pml4 = phys_to_virt(pml4_phys);
    pmm_bitmap_relocated();
}

void *vmm_map_phys(phys_addr_t phys, size_t size, enum vmm_cache cache)
{
    if (size == 0)
        return NULL;
    phys_addr_t base = ALIGN_DOWN(phys, PAGE_SIZE);
    uint64_t len = ALIGN_UP(phys + size, PAGE_SIZE) - base;
    uint64_t flags = PTE_P | PTE_W | PTE_G | nx_bit();
    if (cache == VMM_UNCACHED)
        flags |= PTE_PCD | PTE_PWT;
    else if (cache == VMM_WRITE_COMBINING)
        flags |= pat_ok ? PTE_PWT : PTE_PCD | PTE_PWT; /* PAT entry 1, or uncached without PAT */

    bool on = spin_lock_irqsave(&vmm_lock);
    uint64_t va = mmio_next;
    /* Keep 2 MiB alignment relations so large regions can use large pages. */
    if (len >= LARGE_PAGE_SIZE)
        va = ALIGN_UP(va, LARGE_PAGE_SIZE) + (base % LARGE_PAGE_SIZE);
    if (va + len > MMIO_WINDOW_BASE + MMIO_WINDOW_SIZE) {
        spin_unlock_irqrestore(&vmm_lock, on);
        return NULL;
    }
    bool ok = map_range(va, base, len, flags);
    if (ok) {
        mmio_next = va + len;
        stats.mmio_window_used = mmio_next - MMIO_WINDOW_BASE;
    }
    spin_unlock_irqrestore(&vmm_lock, on);
    return ok ? (void *)(uintptr_t)(va + (phys - base)) : NULL;
}

void *vmm_alloc_stack(size_t size)
{
    size = ALIGN_UP(size, PAGE_SIZE);
    phys_addr_t p = pmm_alloc(size / PAGE_SIZE, 1);
    if (p == 0)
        return NULL;
    bool on = spin_lock_irqsave(&vmm_lock);
    uint64_t va = mmio_next + PAGE_SIZE; /* the guard page stays unmapped */
    bool ok = va + size <= MMIO_WINDOW_BASE + MMIO_WINDOW_SIZE &&
              map_range(va, p, size, PTE_P | PTE_W | PTE_G | nx_bit());
    if (ok) {
        mmio_next = va + size;
        stats.mmio_window_used = mmio_next - MMIO_WINDOW_BASE;
    }
    spin_unlock_irqrestore(&vmm_lock, on);
    if (!ok) {
        pmm_free(p, size / PAGE_SIZE);
        return NULL;
    }
    return (void *)(uintptr_t)(va + size);
}

phys_addr_t virt_to_phys(const void *v)
{
    uint64_t va = (uint64_t)v;
    if (va >= DIRECT_MAP_BASE && va < DIRECT_MAP_BASE + DIRECT_MAP_SIZE)
        return va - DIRECT_MAP_BASE;
    /* Walk the tables (kernel image, MMIO window). */
    uint64_t *t = pml4;
    int shifts[4] = { 39, 30, 21, 12 };
    for (int level = 0; level < 4; level++) {
        uint64_t e = t[(va >> shifts[level]) & 511];
        if (!(e & PTE_P))
            return 0;
        if (level == 3 || (level > 0 && (e & PTE_PS))) {
            uint64_t page_mask = (1ull << shifts[level]) - 1;
            return (e & PTE_ADDR & ~page_mask) | (va & page_mask);
        }
        t = table_virt(e & PTE_ADDR);
    }
    return 0;
}

void vmm_get_stats(struct vmm_stats *s)
{
    *s = stats;
}
