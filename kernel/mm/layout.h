/*
 * kernel/mm/layout.h - the kernel's virtual address map (x86-64, 4-level paging).
 *
 *   0x0000000000000000 .. 0x00007fffffffffff  unmapped after boot: a NULL or
 *                                              stray low pointer faults
 *   0xffff800000000000 ..                     direct map: physical address p
 *                                              of RAM is at DIRECT_MAP_BASE + p
 *   0xffffc00000000000 ..                     MMIO window: device registers,
 *                                              mapped uncached on request;
 *                                              also the APs' stacks, each
 *                                              above an unmapped guard page
 *   0xffffffff80000000 ..                     kernel image (-2 GiB, so that
 *                                              -mcmodel=kernel can address it)
 *
 * The image is linked at KERNEL_VMA + KERNEL_LINK_PHYS. The multiboot paths
 * load it at KERNEL_LINK_PHYS; the UEFI loader may load it elsewhere and maps
 * it at the linked virtual address all the same (boot_info records where).
 * Usable from assembly too.
 */
#ifndef NVOS_KERNEL_MM_LAYOUT_H
#define NVOS_KERNEL_MM_LAYOUT_H

#ifdef __ASSEMBLER__
#define LAYOUT_U64(x) x
#else
#define LAYOUT_U64(x) x##ULL
#endif

#define KERNEL_VMA LAYOUT_U64(0xffffffff80000000)
#define KERNEL_LINK_PHYS LAYOUT_U64(0x200000)
#define DIRECT_MAP_BASE LAYOUT_U64(0xffff800000000000)
#define DIRECT_MAP_SIZE LAYOUT_U64(0x0000200000000000) /* 32 TiB of physical space */
#define MMIO_WINDOW_BASE LAYOUT_U64(0xffffc00000000000)
#define MMIO_WINDOW_SIZE LAYOUT_U64(0x0000010000000000) /* 1 TiB */

#define PAGE_SHIFT 12
#define PAGE_SIZE LAYOUT_U64(0x1000)
#define LARGE_PAGE_SIZE LAYOUT_U64(0x200000)

#define KERNEL_STACK_SIZE (64 * 1024)

#endif
