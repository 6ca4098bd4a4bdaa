/*
 * kernel/mm/heap.c - kmalloc: power-of-two size classes carved from pages,
 * whole pages above 2 KiB. Every block carries a 16-byte header that says
 * which, so kfree needs no size; a magic word catches frees of pointers the
 * heap never returned.
 */
#include "kernel/mm/heap.h"

#include <stdint.h>
#include <string.h>

#include "kernel/arch/x86.h"
#include "kernel/kernel.h"
#include "kernel/mm/vmm.h"
#include "kernel/smp/spinlock.h"

#define HEAP_MAGIC 0x6e766f7368656170ull /* "nvosheap" */
#define MIN_CLASS_SHIFT 5                /* 32-byte blocks (16 of them header) */
#define MAX_CLASS_SHIFT 11               /* 2 KiB */
#define NCLASSES (MAX_CLASS_SHIFT - MIN_CLASS_SHIFT + 1)

struct block_header {
    uint64_t magic;
    uint32_t class_shift; /* block size = 1 << class_shift, or 0 for whole pages */
    uint32_t npages;      /* for whole-page blocks */
};
_Static_assert(sizeof(struct block_header) == 16, "keeps payloads 16-byte aligned");

struct free_block {
    struct free_block *next;
};

static struct free_block *free_lists[NCLASSES];
static struct spinlock heap_lock = SPINLOCK_INIT("heap");

static bool refill(unsigned cls)
{
    phys_addr_t p = pmm_alloc(1, 1);
    if (p == 0)
        return false;
    uint8_t *page = phys_to_virt(p);
    size_t bsize = (size_t)1 << (cls + MIN_CLASS_SHIFT);
    for (size_t off = 0; off + bsize <= PAGE_SIZE; off += bsize) {
        struct free_block *b = (void *)(page + off);
        b->next = free_lists[cls];
        free_lists[cls] = b;
    }
    return true;
}

void *kmalloc(size_t size)
{
    size_t need = size + sizeof(struct block_header);
    struct block_header *h;

    if (size == 0 || size > (1ull << 40))
        return NULL;
    if (need <= ((size_t)1 << MAX_CLASS_SHIFT)) {
        unsigned cls = 0;
        while (((size_t)1 << (cls + MIN_CLASS_SHIFT)) < need)
            cls++;
        bool on = spin_lock_irqsave(&heap_lock);
        if (free_lists[cls] == NULL && !refill(cls)) {
            spin_unlock_irqrestore(&heap_lock, on);
            return NULL;
        }
        h = (void *)free_lists[cls];
        free_lists[cls] = free_lists[cls]->next;
        spin_unlock_irqrestore(&heap_lock, on);
        h->class_shift = cls + MIN_CLASS_SHIFT;
        h->npages = 0;
    } else {
        size_t npages = ALIGN_UP(need, PAGE_SIZE) / PAGE_SIZE;
        phys_addr_t p = pmm_alloc(npages, 1);
        if (p == 0)
            return NULL;
        h = phys_to_virt(p);
        h->class_shift = 0;
        h->npages = (uint32_t)npages;
    }
    h->magic = HEAP_MAGIC;
    return h + 1;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    if (p == NULL)
        return;
    struct block_header *h = (struct block_header *)p - 1;
    if (h->magic != HEAP_MAGIC)
        panic("kfree: %p was not allocated by kmalloc (or was freed twice)", p);
    h->magic = 0;
    if (h->class_shift == 0) {
        pmm_free(virt_to_phys(h), h->npages);
        return;
    }
    unsigned cls = h->class_shift - MIN_CLASS_SHIFT;
    bool on = spin_lock_irqsave(&heap_lock);
    struct free_block *b = (void *)h;
    b->next = free_lists[cls];
    free_lists[cls] = b;
    spin_unlock_irqrestore(&heap_lock, on);
}

void *dma_alloc(size_t size, size_t align, phys_addr_t *phys)
{
    size_t npages = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
    size_t align_pages = align <= PAGE_SIZE ? 1 : align / PAGE_SIZE;
    phys_addr_t p = pmm_alloc(npages, align_pages);
    if (p == 0)
        return NULL;
    void *v = phys_to_virt(p);
    memset(v, 0, npages * PAGE_SIZE);
    *phys = p;
    return v;
}

void dma_free(void *virt, size_t size)
{
    if (virt == NULL)
        return;
    pmm_free(virt_to_phys(virt), ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE);
}
