/*
 * kernel/mm/heap.h - kernel allocations for driver and subsystem state.
 *
 * For set-up time only: the I/O paths allocate nothing. DMA memory (queues,
 * PRP lists, data buffers) comes from dma_alloc(), which returns whole,
 * zeroed, physically contiguous pages with their physical address.
 */
#ifndef NVOS_KERNEL_MM_HEAP_H
#define NVOS_KERNEL_MM_HEAP_H

#include <stddef.h>

#include "kernel/mm/pmm.h"

void *kmalloc(size_t size);   /* 16-byte aligned; NULL when out of memory */
void *kzalloc(size_t size);   /* zeroed */
void kfree(void *p);          /* NULL is fine */

void *dma_alloc(size_t size, size_t align, phys_addr_t *phys); /* align: power of 2 >= 4096 */
void dma_free(void *virt, size_t size);

#endif
