/*
 * boot/boot_info.h - the one structure the kernel core learns the machine from.
 *
 * Every boot path fills a struct boot_info and enters the same kernel_main():
 *   - multiboot1 (QEMU -kernel, GRUB "multiboot") and multiboot2 (GRUB
 *     "multiboot2", BIOS or UEFI): boot/multiboot/ parses the loader's
 *     information structure inside the kernel;
 *   - UEFI: the GNU-EFI application in boot/efi/ fills it before
 *     ExitBootServices and hands its physical address to boot_entry64.
 * Nothing else about the loader reaches the kernel. Addresses are physical.
 * The layout is shared by two separately compiled programs (the kernel and
 * the EFI loader), so it is fixed-size, packed by hand and versioned.
 */
#ifndef NVOS_BOOT_INFO_H
#define NVOS_BOOT_INFO_H

#include <stdint.h>

#define BOOT_INFO_MAGIC 0x746f6f62736f766eULL /* "nvosboot" */
#define BOOT_INFO_VERSION 2 /* 2: framebuffer type and channel layout */

/* What boot_entry64 receives in its first argument, per path. */
#define BOOT_PROTO_MULTIBOOT1 0x2BADB002u /* EAX from a multiboot1 loader */
#define BOOT_PROTO_MULTIBOOT2 0x36D76289u /* EAX from a multiboot2 loader */
#define BOOT_PROTO_NVOS 0x6E766F73u       /* "nvos": boot_info filled by boot/efi */

enum boot_method {
    BOOT_METHOD_MULTIBOOT1 = 1,
    BOOT_METHOD_MULTIBOOT2 = 2,
    BOOT_METHOD_UEFI = 3,
};

/* How the shell and the boot log name a boot method (bootinfo, READY). */
static inline const char *boot_method_name(uint32_t method)
{
    switch (method) {
    case BOOT_METHOD_MULTIBOOT1:
        return "multiboot1";
    case BOOT_METHOD_MULTIBOOT2:
        return "multiboot2";
    case BOOT_METHOD_UEFI:
        return "UEFI";
    default:
        return "unknown";
    }
}

enum boot_mem_type {
    BOOT_MEM_USABLE = 1,       /* free RAM */
    BOOT_MEM_RESERVED = 2,     /* firmware, ROM, holes: never touch */
    BOOT_MEM_ACPI_RECLAIM = 3, /* ACPI tables: usable once they are parsed */
    BOOT_MEM_ACPI_NVS = 4,     /* firmware's across sleep: never touch */
    BOOT_MEM_BAD = 5,          /* defective RAM */
    BOOT_MEM_LOADER = 6,       /* the loader's hand-off data (this struct, page tables) */
    BOOT_MEM_KERNEL = 7,       /* the loaded kernel image */
    BOOT_MEM_MMIO = 8,         /* firmware-declared device memory (UEFI only) */
};

struct boot_mem_region {
    uint64_t base;
    uint64_t length;
    uint32_t type; /* enum boot_mem_type */
    uint32_t reserved;
};
_Static_assert(sizeof(struct boot_mem_region) == 24, "boot_mem_region layout");

enum boot_fb_type {
    BOOT_FB_NONE = 0,
    BOOT_FB_RGB = 1,      /* direct colour: pixels of bpp bits, channels as given */
    BOOT_FB_EGA_TEXT = 2, /* text mode: width x height cells of 2 bytes (char, attribute) */
};

struct boot_framebuffer {
    uint64_t phys; /* 0: no framebuffer */
    uint32_t width;  /* pixels (RGB) or character cells (EGA text) */
    uint32_t height;
    uint32_t pitch; /* bytes per line */
    uint8_t bpp;
    uint8_t type;   /* enum boot_fb_type */
    /* RGB: each channel's lowest bit and width in bits, within a pixel */
    uint8_t red_pos, red_size;
    uint8_t green_pos, green_size;
    uint8_t blue_pos, blue_size;
    uint8_t reserved[4];
};
_Static_assert(sizeof(struct boot_framebuffer) == 32, "boot_framebuffer layout");

#define BOOT_MAX_MEM_REGIONS 256
#define BOOT_CMDLINE_MAX 1024
#define BOOT_LOADER_NAME_MAX 64

struct boot_info {
    uint64_t magic;   /* BOOT_INFO_MAGIC */
    uint32_t version; /* BOOT_INFO_VERSION */
    uint32_t method;  /* enum boot_method */
    char loader_name[BOOT_LOADER_NAME_MAX];
    char cmdline[BOOT_CMDLINE_MAX]; /* NUL-terminated; "" if none */
    uint64_t rsdp_phys; /* where the ACPI RSDP is, if known (multiboot2 only gives a copy) */
    uint32_t rsdp_size; /* bytes valid in rsdp[]: 0 (none), 20 (ACPI 1.0) or 36 */
    uint8_t rsdp[36];   /* copy of the RSDP [ACPI 6.4 §5.2.5.3] */
    uint64_t kernel_phys_start; /* where the kernel image was loaded */
    uint64_t kernel_phys_end;
    uint64_t efi_system_table; /* UEFI only, for information; 0 otherwise */
    struct boot_framebuffer framebuffer;
    uint32_t mem_count;
    uint32_t mem_truncated; /* regions dropped because mem[] was full */
    struct boot_mem_region mem[BOOT_MAX_MEM_REGIONS];
};

/* Appends a memory region; counts it in mem_truncated when mem[] is full. */
static inline void boot_info_add_region(struct boot_info *bi, uint64_t base, uint64_t length,
                                        uint32_t type)
{
    if (length == 0)
        return;
    if (bi->mem_count >= BOOT_MAX_MEM_REGIONS) {
        bi->mem_truncated++;
        return;
    }
    bi->mem[bi->mem_count].base = base;
    bi->mem[bi->mem_count].length = length;
    bi->mem[bi->mem_count].type = type;
    bi->mem[bi->mem_count].reserved = 0;
    bi->mem_count++;
}

/*
 * The header the EFI loader looks for in the first 32 KiB of the kernel
 * image (like a multiboot header): where to enter in 64-bit mode, and the
 * virtual address the image is linked at.
 */
#define NVOS_IMAGE_MAGIC 0x67616d69736f766eULL /* "nvosimag" */

struct nvos_image_header {
    uint64_t magic;      /* NVOS_IMAGE_MAGIC */
    uint64_t entry64;    /* virtual address of boot_entry64 */
    uint64_t link_phys;  /* physical address the image is linked to load at */
    uint64_t link_virt;  /* virtual address of link_phys */
};

#endif
