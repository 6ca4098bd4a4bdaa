/*
 * boot/multiboot/multiboot.c - multiboot 1 and 2 information -> struct boot_info.
 *
 * Implements the reading side of Multiboot Specification 0.6.96 §3.3 (boot
 * information format) and Multiboot2 Specification 1.0 §3.6 (boot
 * information, tags). The loader's structure is input from outside the
 * kernel: every length is checked against the structure's own size before
 * anything is read, and strings are copied with a bound. Memory is reached
 * only through the caller's map function, so the host tests feed synthetic
 * structures from a buffer.
 */
#include "boot/multiboot/multiboot.h"

#include <string.h>

#include "lib/errno.h"

#define MB_CMDLINE_SCAN 4096 /* longest loader string we look at */

/* Copies a NUL-terminated string at phys into dst (bounded, always terminated). */
static void copy_string(uint64_t phys, mb_map_fn map, void *ctx, char *dst, size_t dst_size)
{
    const char *src = map(phys, 1, ctx);
    size_t n = 0;

    dst[0] = '\0';
    if (src == NULL)
        return;
    /* Map the string page by page: it may end right before unmapped memory. */
    while (n + 1 < dst_size && n < MB_CMDLINE_SCAN) {
        const char *c = map(phys + n, 1, ctx);
        if (c == NULL || *c == '\0')
            break;
        dst[n++] = *c;
    }
    dst[n] = '\0';
}

static uint32_t e820_to_boot_type(uint32_t type)
{
    switch (type) {
    case MB_MEMORY_AVAILABLE:
        return BOOT_MEM_USABLE;
    case MB_MEMORY_ACPI_RECLAIMABLE:
        return BOOT_MEM_ACPI_RECLAIM;
    case MB_MEMORY_NVS:
        return BOOT_MEM_ACPI_NVS;
    case MB_MEMORY_BADRAM:
        return BOOT_MEM_BAD;
    default:
        return BOOT_MEM_RESERVED; /* type 2 and anything a future spec adds */
    }
}

/* [UEFI 2.9 §7.2.3] EFI_MEMORY_TYPE values, for the multiboot2 EFI map tag */
static uint32_t efi_to_boot_type(uint32_t type)
{
    switch (type) {
    case 1: /* EfiLoaderCode */
    case 2: /* EfiLoaderData */
    case 3: /* EfiBootServicesCode */
    case 4: /* EfiBootServicesData */
    case 7: /* EfiConventionalMemory */
        return BOOT_MEM_USABLE;
    case 9:
        return BOOT_MEM_ACPI_RECLAIM;
    case 10:
        return BOOT_MEM_ACPI_NVS;
    case 8:
        return BOOT_MEM_BAD;
    case 11: /* EfiMemoryMappedIO */
    case 12: /* EfiMemoryMappedIOPortSpace */
        return BOOT_MEM_MMIO;
    default:
        return BOOT_MEM_RESERVED;
    }
}

#define MIN_U32(a, b) ((a) < (b) ? (uint32_t)(a) : (uint32_t)(b))

/* Records a framebuffer the loader set up: direct colour (with its channel
 * layout) or EGA text. Indexed-colour modes are not used. */
static void set_framebuffer(struct boot_info *bi, uint64_t addr, uint32_t width, uint32_t height,
                            uint32_t pitch, uint8_t bpp, uint8_t type, const uint8_t color[6])
{
    struct boot_framebuffer *fb = &bi->framebuffer;
    if (addr == 0 || width == 0 || height == 0 || pitch == 0)
        return;
    if (type == MB_FB_TYPE_RGB) {
        fb->type = BOOT_FB_RGB;
        fb->red_pos = color[0];
        fb->red_size = color[1];
        fb->green_pos = color[2];
        fb->green_size = color[3];
        fb->blue_pos = color[4];
        fb->blue_size = color[5];
    } else if (type == MB_FB_TYPE_EGA_TEXT) {
        fb->type = BOOT_FB_EGA_TEXT;
    } else {
        return;
    }
    fb->phys = addr;
    fb->width = width;
    fb->height = height;
    fb->pitch = pitch;
    fb->bpp = bpp;
}

static void init_boot_info(struct boot_info *bi, uint32_t method)
{
    memset(bi, 0, sizeof(*bi));
    bi->magic = BOOT_INFO_MAGIC;
    bi->version = BOOT_INFO_VERSION;
    bi->method = method;
}

int multiboot1_parse(uint64_t info_phys, mb_map_fn map, void *ctx, struct boot_info *bi)
{
    const struct mb1_info *mbi = map(info_phys, sizeof(*mbi), ctx);

    init_boot_info(bi, BOOT_METHOD_MULTIBOOT1);
    if (mbi == NULL)
        return -EINVAL;

    if (mbi->flags & MB1_INFO_CMDLINE)
        copy_string(mbi->cmdline, map, ctx, bi->cmdline, sizeof(bi->cmdline));
    if (mbi->flags & MB1_INFO_BOOT_LOADER_NAME)
        copy_string(mbi->boot_loader_name, map, ctx, bi->loader_name, sizeof(bi->loader_name));

    if (mbi->flags & MB1_INFO_MEM_MAP) {
        /* Entries are variable-sized: "size" counts the bytes after itself. */
        uint64_t off = 0;
        while (off + sizeof(struct mb1_mmap_entry) <= mbi->mmap_length) {
            const struct mb1_mmap_entry *e =
                map((uint64_t)mbi->mmap_addr + off, sizeof(*e), ctx);
            if (e == NULL || e->size < 20)
                return -EINVAL;
            boot_info_add_region(bi, e->addr, e->len, e820_to_boot_type(e->type));
            off += (uint64_t)e->size + 4;
        }
    } else if (mbi->flags & MB1_INFO_MEMORY) {
        /* Only the two classic sizes: 0..mem_lower KiB and 1 MiB..+mem_upper KiB. */
        boot_info_add_region(bi, 0, (uint64_t)mbi->mem_lower * 1024, BOOT_MEM_USABLE);
        boot_info_add_region(bi, 0x100000, (uint64_t)mbi->mem_upper * 1024, BOOT_MEM_USABLE);
    }

    if (mbi->flags & MB1_INFO_FRAMEBUFFER)
        set_framebuffer(bi, mbi->framebuffer_addr, mbi->framebuffer_width,
                        mbi->framebuffer_height, mbi->framebuffer_pitch, mbi->framebuffer_bpp,
                        mbi->framebuffer_type, mbi->color_info);
    return 0;
}

static void parse_mb2_efi_mmap(const uint8_t *tag, uint32_t size, struct boot_info *bi)
{
    const struct mb2_tag_efi_mmap *t = (const void *)tag;
    if (size < sizeof(*t) || t->descr_size < 40)
        return;
    for (uint64_t off = sizeof(*t); off + t->descr_size <= size; off += t->descr_size) {
        /* [UEFI 2.9 §7.2.3] EFI_MEMORY_DESCRIPTOR: Type, pad, PhysicalStart,
         * VirtualStart, NumberOfPages (4 KiB), Attribute */
        uint32_t type;
        uint64_t start, pages;
        memcpy(&type, tag + off, 4);
        memcpy(&start, tag + off + 8, 8);
        memcpy(&pages, tag + off + 24, 8);
        if (pages > (UINT64_MAX >> 12))
            continue;
        boot_info_add_region(bi, start, pages << 12, efi_to_boot_type(type));
    }
}

int multiboot2_parse(uint64_t info_phys, mb_map_fn map, void *ctx, struct boot_info *bi)
{
    const struct mb2_info_header *hdr = map(info_phys, sizeof(*hdr), ctx);
    const uint8_t *base;
    uint32_t total;
    bool have_mmap = false;
    int err = 0;

    init_boot_info(bi, BOOT_METHOD_MULTIBOOT2);
    if (hdr == NULL || hdr->total_size < 16)
        return -EINVAL;
    total = hdr->total_size;
    base = map(info_phys, total, ctx);
    if (base == NULL)
        return -EINVAL;

    /* First pass for the BIOS-style map; the EFI map is only a fallback. */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t off = 8;
        while (off + sizeof(struct mb2_tag) <= total) {
            const struct mb2_tag *tag = (const void *)(base + off);
            uint32_t size = tag->size;
            if (tag->type == MB2_INFO_END)
                break;
            if (size < 8 || size > total - off) {
                err = -EINVAL;
                break;
            }
            const uint8_t *p = base + off;
            if (pass == 0) {
                switch (tag->type) {
                case MB2_INFO_CMDLINE:
                case MB2_INFO_BOOT_LOADER_NAME: {
                    char *dst = tag->type == MB2_INFO_CMDLINE ? bi->cmdline : bi->loader_name;
                    size_t cap = tag->type == MB2_INFO_CMDLINE ? sizeof(bi->cmdline)
                                                               : sizeof(bi->loader_name);
                    size_t n = strnlen((const char *)p + 8, size - 8);
                    if (n >= cap)
                        n = cap - 1;
                    memcpy(dst, p + 8, n);
                    dst[n] = '\0';
                    break;
                }
                case MB2_INFO_MMAP: {
                    const struct mb2_tag_mmap *m = (const void *)p;
                    if (size < sizeof(*m) || m->entry_size < sizeof(struct mb2_mmap_entry)) {
                        err = -EINVAL;
                        break;
                    }
                    have_mmap = true;
                    for (uint32_t e = sizeof(*m); e + m->entry_size <= size; e += m->entry_size) {
                        struct mb2_mmap_entry ent;
                        memcpy(&ent, p + e, sizeof(ent));
                        boot_info_add_region(bi, ent.base_addr, ent.length,
                                             e820_to_boot_type(ent.type));
                    }
                    break;
                }
                case MB2_INFO_ACPI_OLD:
                case MB2_INFO_ACPI_NEW: {
                    /* The tag holds a copy of the RSDP; prefer the ACPI 2.0+ one. */
                    uint32_t n = size - 8;
                    if (n > sizeof(bi->rsdp))
                        n = sizeof(bi->rsdp);
                    if (n >= 20 && (tag->type == MB2_INFO_ACPI_NEW || bi->rsdp_size == 0)) {
                        memcpy(bi->rsdp, p + 8, n);
                        bi->rsdp_size = n;
                    }
                    break;
                }
                case MB2_INFO_FRAMEBUFFER: {
                    struct mb2_tag_framebuffer fb;
                    /* The colour fields exist only for type 1; a short tag lacks them. */
                    memset(&fb, 0, sizeof(fb));
                    if (size >= offsetof(struct mb2_tag_framebuffer, color_info)) {
                        memcpy(&fb, p, MIN_U32(size, sizeof(fb)));
                        if (fb.framebuffer_type != MB_FB_TYPE_RGB || size >= sizeof(fb))
                            set_framebuffer(bi, fb.framebuffer_addr, fb.framebuffer_width,
                                            fb.framebuffer_height, fb.framebuffer_pitch,
                                            fb.framebuffer_bpp, fb.framebuffer_type,
                                            fb.color_info);
                    }
                    break;
                }
                case MB2_INFO_EFI64:
                    if (size >= 16)
                        memcpy(&bi->efi_system_table, p + 8, 8);
                    break;
                default:
                    break;
                }
            } else if (tag->type == MB2_INFO_EFI_MMAP && !have_mmap) {
                parse_mb2_efi_mmap(p, size, bi);
            }
            off += (size + 7) & ~7u;
        }
    }
    return err;
}
