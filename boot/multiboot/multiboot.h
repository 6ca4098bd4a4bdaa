/*
 * boot/multiboot/multiboot.h - the multiboot 1 and 2 structures nvos uses,
 * as the specifications name them (Multiboot Specification 0.6.96 §3.1, §3.3;
 * Multiboot2 Specification 1.0 §3.1, §3.6). Usable from assembly for the
 * constants; the structures are C only.
 */
#ifndef NVOS_BOOT_MULTIBOOT_H
#define NVOS_BOOT_MULTIBOOT_H

/* [Multiboot 0.6.96 §3.1.1] header magic and flags */
#define MB1_HEADER_MAGIC 0x1BADB002
#define MB1_FLAG_PAGE_ALIGN (1 << 0)
#define MB1_FLAG_MEMORY_INFO (1 << 1)
#define MB1_FLAG_ADDRESS (1 << 16) /* the "a.out kludge": load by the address fields */
#define MB1_FLAGS (MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMORY_INFO | MB1_FLAG_ADDRESS)
#define MB1_BOOTLOADER_MAGIC 0x2BADB002

/* [Multiboot2 1.0 §3.1.1-§3.1.3] header */
#define MB2_HEADER_MAGIC 0xE85250D6
#define MB2_ARCH_I386 0
#define MB2_TAG_END 0
#define MB2_TAG_INFO_REQUEST 1
#define MB2_TAG_ENTRY_ADDRESS 3
#define MB2_TAG_FRAMEBUFFER 5 /* §3.1.10: preferred graphics mode (0 = no preference) */
#define MB2_TAG_OPTIONAL 1
#define MB2_BOOTLOADER_MAGIC 0x36D76289

/* [Multiboot2 1.0 §3.6] boot information tag types */
#define MB2_INFO_END 0
#define MB2_INFO_CMDLINE 1
#define MB2_INFO_BOOT_LOADER_NAME 2
#define MB2_INFO_MMAP 6
#define MB2_INFO_FRAMEBUFFER 8
#define MB2_INFO_EFI64 12
#define MB2_INFO_ACPI_OLD 14
#define MB2_INFO_ACPI_NEW 15
#define MB2_INFO_EFI_MMAP 17

#define NVOS_IMAGE_MAGIC_VALUE 0x67616d69736f766e /* "nvosimag", as boot_info.h */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot_info.h"

/* [Multiboot 0.6.96 §3.3] boot information (the fields nvos reads) */
struct mb1_info {
    uint32_t flags;
    uint32_t mem_lower;
    uint32_t mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
    uint32_t drives_length;
    uint32_t drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
    uint32_t apm_table;
    uint32_t vbe_control_info;
    uint32_t vbe_mode_info;
    uint16_t vbe_mode;
    uint16_t vbe_interface_seg;
    uint16_t vbe_interface_off;
    uint16_t vbe_interface_len;
    uint64_t framebuffer_addr;
    uint32_t framebuffer_pitch;
    uint32_t framebuffer_width;
    uint32_t framebuffer_height;
    uint8_t framebuffer_bpp;
    uint8_t framebuffer_type;
    uint8_t color_info[6]; /* type 1: red, green, blue field position and mask size */
} __attribute__((packed));
_Static_assert(offsetof(struct mb1_info, mmap_length) == 44, "mb1_info.mmap_length");
_Static_assert(offsetof(struct mb1_info, color_info) == 110, "mb1_info.color_info");
_Static_assert(offsetof(struct mb1_info, boot_loader_name) == 64, "mb1_info.boot_loader_name");
_Static_assert(offsetof(struct mb1_info, framebuffer_addr) == 88, "mb1_info.framebuffer_addr");

#define MB1_INFO_MEMORY (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MEM_MAP (1u << 6)
#define MB1_INFO_BOOT_LOADER_NAME (1u << 9)
#define MB1_INFO_FRAMEBUFFER (1u << 12)

/* [Multiboot 0.6.96 §3.3] one memory map entry; "size" excludes itself */
struct mb1_mmap_entry {
    uint32_t size;
    uint64_t addr;
    uint64_t len;
    uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "mb1_mmap_entry");

/* [Multiboot2 1.0 §3.6.1-§3.6.2] */
struct mb2_info_header {
    uint32_t total_size;
    uint32_t reserved;
};
struct mb2_tag {
    uint32_t type;
    uint32_t size;
};
/* [Multiboot2 1.0 §3.6.8] memory map */
struct mb2_tag_mmap {
    uint32_t type;
    uint32_t size;
    uint32_t entry_size;
    uint32_t entry_version;
};
struct mb2_mmap_entry {
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;
    uint32_t reserved;
};
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2_mmap_entry");
/* [Multiboot2 1.0 §3.6.11] framebuffer (common part) */
struct mb2_tag_framebuffer {
    uint32_t type;
    uint32_t size;
    uint64_t framebuffer_addr;
    uint32_t framebuffer_pitch;
    uint32_t framebuffer_width;
    uint32_t framebuffer_height;
    uint8_t framebuffer_bpp;
    uint8_t framebuffer_type; /* MB_FB_TYPE_* */
    uint16_t reserved;
    uint8_t color_info[6]; /* type 1: red, green, blue field position and mask size */
} __attribute__((packed));
_Static_assert(offsetof(struct mb2_tag_framebuffer, color_info) == 32, "mb2 framebuffer color_info");
/* framebuffer_type in both versions [Multiboot 0.6.96 §3.3, Multiboot2 1.0 §3.6.12] */
#define MB_FB_TYPE_INDEXED 0
#define MB_FB_TYPE_RGB 1
#define MB_FB_TYPE_EGA_TEXT 2
/* [Multiboot2 1.0 §3.6.15] EFI memory map: descriptors as UEFI defines them */
struct mb2_tag_efi_mmap {
    uint32_t type;
    uint32_t size;
    uint32_t descr_size;
    uint32_t descr_vers;
};

/* E820/multiboot memory types [Multiboot 0.6.96 §3.3, ACPI 6.4 §15.1] */
#define MB_MEMORY_AVAILABLE 1
#define MB_MEMORY_RESERVED 2
#define MB_MEMORY_ACPI_RECLAIMABLE 3
#define MB_MEMORY_NVS 4
#define MB_MEMORY_BADRAM 5

/*
 * Fill bi from a loader's information structure, read through "map", which
 * turns a 32-bit physical address into a pointer (the identity map at boot,
 * a buffer in the host tests). Returns 0, or -EINVAL when the structure is
 * malformed (bi then holds what could be read).
 */
typedef const void *(*mb_map_fn)(uint64_t phys, size_t len, void *ctx);
int multiboot1_parse(uint64_t info_phys, mb_map_fn map, void *ctx, struct boot_info *bi);
int multiboot2_parse(uint64_t info_phys, mb_map_fn map, void *ctx, struct boot_info *bi);
#endif

#endif
