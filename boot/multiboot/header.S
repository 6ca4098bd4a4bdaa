/*
 * boot/multiboot/header.S - the headers that make nvos.elf bootable by
 * multiboot loaders, and the header the UEFI loader looks for.
 *
 *  - Multiboot 1 (Multiboot Specification 0.6.96 §3.1.1): QEMU's -kernel only
 *    loads 32-bit ELF files or images whose header sets flag bit 16 (the
 *    "a.out kludge"): then it loads the file from load_addr and ignores the
 *    ELF headers. The linker script keeps file offsets and load addresses in
 *    step so that the raw file loads correctly (tools/check_kernel_elf.py
 *    checks it on every build). Must lie in the first 8 KiB, 4-byte aligned.
 *  - Multiboot 2 (Multiboot2 Specification 1.0 §3.1): used by GRUB's
 *    "multiboot2" command, BIOS and UEFI. GRUB loads the ELF program headers
 *    itself; the entry address tag names the 32-bit entry. Must lie in the
 *    first 32 KiB, 8-byte aligned.
 *  - nvos image header: read by boot/efi to find the 64-bit entry.
 */
#include "boot/multiboot/multiboot.h"
#include "kernel/mm/layout.h"

    .section .multiboot, "a"

    .balign 4
mb1_header:
    .long MB1_HEADER_MAGIC
    .long MB1_FLAGS
    .long -(MB1_HEADER_MAGIC + MB1_FLAGS)
    .long mb1_header            /* header_addr: .multiboot is linked at its physical address */
    .long __load_start          /* load_addr */
    .long __load_end_phys       /* load_end_addr: end of the data to load */
    .long __bss_end_phys        /* bss_end_addr: the loader zeroes up to here */
    .long _start32              /* entry_addr */

    .balign 8
mb2_header:
    .long MB2_HEADER_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

    /* Information request (optional: GRUB may leave out what it lacks). */
    .balign 8
mb2_info_request:
    .short MB2_TAG_INFO_REQUEST
    .short MB2_TAG_OPTIONAL
    .long mb2_info_request_end - mb2_info_request
    .long MB2_INFO_CMDLINE
    .long MB2_INFO_MMAP
    .long MB2_INFO_ACPI_OLD
    .long MB2_INFO_ACPI_NEW
    .long MB2_INFO_EFI_MMAP
    .long MB2_INFO_FRAMEBUFFER
mb2_info_request_end:

    /* Framebuffer (optional): ask for a graphics mode, any size and depth
     * (0 = no preference), so GRUB hands over a linear framebuffer on BIOS
     * and UEFI alike; the console draws text on it. */
    .balign 8
    .short MB2_TAG_FRAMEBUFFER
    .short MB2_TAG_OPTIONAL
    .long 20
    .long 0                     /* width */
    .long 0                     /* height */
    .long 0                     /* depth */

    /* Entry address: where GRUB jumps, in 32-bit protected mode. */
    .balign 8
    .short MB2_TAG_ENTRY_ADDRESS
    .short 0
    .long 12
    .long _start32

    .balign 8
    .short MB2_TAG_END
    .short 0
    .long 8
mb2_header_end:

    .balign 8
    .global nvos_image_header
nvos_image_header:
    .quad NVOS_IMAGE_MAGIC_VALUE
    .quad boot_entry64
    .quad KERNEL_LINK_PHYS
    .quad KERNEL_VMA + KERNEL_LINK_PHYS

    .section .note.GNU-stack, "", @progbits
