/*
 * boot/efi/loader.c - BOOTX64.EFI: the UEFI path into nvos.
 *
 * A GNU-EFI application (UEFI 2.9 §2.1.2 "UEFI Application") that carries
 * nvos.elf inside it (kernel_blob.S) and does, in order:
 *   1. read the kernel command line: the image's load options (UEFI shell,
 *      boot entry), else \nvos\cmdline.txt on the volume it was loaded from;
 *   2. find the ACPI RSDP in the configuration table (§4.6), and the GOP
 *      framebuffer if there is one (§12.9);
 *   3. load the kernel's PT_LOAD segments into pages of its own (2 MiB
 *      aligned, anywhere in RAM) and allocate the boot_info and page tables;
 *   4. ExitBootServices (§7.4.6) with the memory map's current key, fetching
 *      the map again and retrying when the key went stale (any allocation,
 *      even a timer event's, changes it);
 *   5. translate the final memory map into boot_info, build page tables that
 *      identity-map RAM and map the kernel at its linked address, switch to
 *      them with interrupts off, and jump to boot_entry64.
 * Nothing may print or allocate after step 4. GNU-EFI's crt0 calls efi_main
 * with the System V convention, so efi_main itself is not EFIAPI, while
 * every call into the firmware is (GNU_EFI_USE_MS_ABI).
 */
#include <efi.h>
#include <efilib.h>

#include "boot/boot_info.h"
#include "kernel/mm/layout.h"

extern const UINT8 nvos_kernel_image[], nvos_kernel_image_end[];

#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PS 0x80ull
#define TWO_MB 0x200000ull
#define MAX_PT_PAGES 4096 /* enough to identity-map 4 TiB with 2 MiB pages */
#define EBS_ATTEMPTS 8

static void fatal(const CHAR16 *what, EFI_STATUS status)
{
    Print(L"nvos-efi: %s: %r\n", what, status);
    Print(L"nvos-efi: cannot boot nvos; returning to the firmware\n");
}

static void copy_bytes(void *dst, const void *src, UINTN n)
{
    UINT8 *d = dst;
    const UINT8 *s = src;
    while (n--)
        *d++ = *s++;
}

static void zero_bytes(void *dst, UINTN n)
{
    UINT8 *d = dst;
    while (n--)
        *d++ = 0;
}

/* UCS-2 text of printable ASCII only -> ASCII; FALSE for anything else. */
static BOOLEAN ucs2_to_ascii(const CHAR16 *in, UINTN max_chars, char *out, UINTN out_size)
{
    UINTN n = 0;
    for (UINTN i = 0; i < max_chars && in[i] != 0; i++) {
        if (in[i] < 0x20 || in[i] > 0x7E || n + 1 >= out_size)
            return FALSE;
        out[n++] = (char)in[i];
    }
    out[n] = '\0';
    return TRUE;
}

/* Drops a leading program name ("\EFI\BOOT\BOOTX64.EFI args" from the shell). */
static void drop_program_name(char *s)
{
    UINTN end = 0;
    while (s[end] == ' ')
        end++;
    UINTN word = end;
    while (s[end] && s[end] != ' ')
        end++;
    if (end - word >= 4) {
        const char *ext = s + end - 4;
        if ((ext[0] == '.') && (ext[1] | 0x20) == 'e' && (ext[2] | 0x20) == 'f' &&
            (ext[3] | 0x20) == 'i') {
            UINTN i = 0;
            while (s[end] == ' ')
                end++;
            while (s[end])
                s[i++] = s[end++];
            s[i] = '\0';
        }
    }
}

static void read_cmdline_file(EFI_LOADED_IMAGE *li, char *out, UINTN out_size)
{
    EFI_FILE_HANDLE root = LibOpenRoot(li->DeviceHandle);
    EFI_FILE_HANDLE file;
    if (root == NULL)
        return;
    if (root->Open(root, &file, L"\\nvos\\cmdline.txt", EFI_FILE_MODE_READ, 0) != EFI_SUCCESS) {
        root->Close(root);
        return;
    }
    UINTN size = out_size - 1;
    if (file->Read(file, &size, out) == EFI_SUCCESS) {
        out[size] = '\0';
        /* One line of options: newlines become spaces, trailing ones go. */
        for (UINTN i = 0; i < size; i++)
            if (out[i] == '\r' || out[i] == '\n' || out[i] == '\t')
                out[i] = ' ';
        while (size > 0 && out[size - 1] == ' ')
            out[--size] = '\0';
    }
    file->Close(file);
    root->Close(root);
}

struct elf64_ehdr {
    UINT8 e_ident[16];
    UINT16 e_type, e_machine;
    UINT32 e_version;
    UINT64 e_entry, e_phoff, e_shoff;
    UINT32 e_flags;
    UINT16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};
struct elf64_phdr {
    UINT32 p_type, p_flags;
    UINT64 p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

struct kernel_layout {
    UINT64 min_paddr, max_paddr; /* of all PT_LOAD segments */
    const struct nvos_image_header *header;
};

static EFI_STATUS inspect_kernel(struct kernel_layout *k)
{
    const UINT8 *img = nvos_kernel_image;
    UINT64 size = (UINT64)(nvos_kernel_image_end - nvos_kernel_image);
    const struct elf64_ehdr *eh = (const void *)img;

    if (size < sizeof(*eh) || img[0] != 0x7F || img[1] != 'E' || img[2] != 'L' ||
        img[3] != 'F' || img[4] != 2 || eh->e_machine != 62 /* x86-64 */ ||
        eh->e_phentsize != sizeof(struct elf64_phdr) ||
        eh->e_phoff + (UINT64)eh->e_phnum * sizeof(struct elf64_phdr) > size)
        return EFI_LOAD_ERROR;
    k->min_paddr = ~0ull;
    k->max_paddr = 0;
    const struct elf64_phdr *ph = (const void *)(img + eh->e_phoff);
    for (UINT16 i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != 1)
            continue;
        if (ph[i].p_offset + ph[i].p_filesz > size || ph[i].p_filesz > ph[i].p_memsz)
            return EFI_LOAD_ERROR;
        if (ph[i].p_paddr < k->min_paddr)
            k->min_paddr = ph[i].p_paddr;
        if (ph[i].p_paddr + ph[i].p_memsz > k->max_paddr)
            k->max_paddr = ph[i].p_paddr + ph[i].p_memsz;
    }
    if (k->min_paddr != KERNEL_LINK_PHYS || k->max_paddr <= k->min_paddr)
        return EFI_LOAD_ERROR;
    k->header = NULL;
    for (UINT64 off = 0; off + sizeof(struct nvos_image_header) <= size && off < 32768; off += 8) {
        const struct nvos_image_header *h = (const void *)(img + off);
        if (h->magic == NVOS_IMAGE_MAGIC) {
            k->header = h;
            break;
        }
    }
    if (k->header == NULL || k->header->link_phys != KERNEL_LINK_PHYS)
        return EFI_LOAD_ERROR;
    return EFI_SUCCESS;
}

static void load_segments(UINT8 *base)
{
    const UINT8 *img = nvos_kernel_image;
    const struct elf64_ehdr *eh = (const void *)img;
    const struct elf64_phdr *ph = (const void *)(img + eh->e_phoff);
    for (UINT16 i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != 1)
            continue;
        UINT8 *dst = base + (ph[i].p_paddr - KERNEL_LINK_PHYS);
        copy_bytes(dst, img + ph[i].p_offset, ph[i].p_filesz);
        zero_bytes(dst + ph[i].p_filesz, ph[i].p_memsz - ph[i].p_filesz);
    }
}

/* [UEFI 2.9 §7.2.3] EFI_MEMORY_TYPE -> boot_mem_type */
static UINT32 efi_type_to_boot(UINT32 type)
{
    switch (type) {
    case EfiLoaderCode:
    case EfiLoaderData:
    case EfiBootServicesCode:
    case EfiBootServicesData:
    case EfiConventionalMemory:
        return BOOT_MEM_USABLE;
    case EfiACPIReclaimMemory:
        return BOOT_MEM_ACPI_RECLAIM;
    case EfiACPIMemoryNVS:
        return BOOT_MEM_ACPI_NVS;
    case EfiUnusableMemory:
        return BOOT_MEM_BAD;
    case EfiMemoryMappedIO:
    case EfiMemoryMappedIOPortSpace:
        return BOOT_MEM_MMIO;
    default:
        return BOOT_MEM_RESERVED;
    }
}

static BOOLEAN efi_type_is_ram(UINT32 type)
{
    UINT32 t = efi_type_to_boot(type);
    return t == BOOT_MEM_USABLE || t == BOOT_MEM_ACPI_RECLAIM || t == BOOT_MEM_ACPI_NVS ||
           type == EfiRuntimeServicesCode || type == EfiRuntimeServicesData;
}

struct page_pool {
    UINT64 *pages; /* physical = virtual (identity-mapped by the firmware) */
    UINTN used, count;
};

static UINT64 *pool_page(struct page_pool *p)
{
    if (p->used >= p->count)
        return NULL;
    UINT64 *page = p->pages + p->used * 512;
    p->used++;
    zero_bytes(page, 4096);
    return page;
}

/* Maps one 2 MiB page. */
static BOOLEAN map_2m(struct page_pool *p, UINT64 *pml4, UINT64 va, UINT64 pa)
{
    UINT64 *t = pml4;
    static const int shifts[2] = { 39, 30 };
    for (int level = 0; level < 2; level++) {
        UINT64 *e = &t[(va >> shifts[level]) & 511];
        if (!(*e & PTE_P)) {
            UINT64 *n = pool_page(p);
            if (n == NULL)
                return FALSE;
            *e = (UINT64)(UINTN)n | PTE_P | PTE_W;
        }
        t = (UINT64 *)(UINTN)(*e & 0x000ffffffffff000ull);
    }
    t[(va >> 21) & 511] = pa | PTE_P | PTE_W | PTE_PS;
    return TRUE;
}


/* Lowest set bit and number of bits of a contiguous channel mask. */
static void mask_to_field(UINT32 mask, UINT8 *pos, UINT8 *size)
{
    UINT8 p = 0, n = 0;
    if (mask != 0) {
        while (!(mask & 1)) {
            mask >>= 1;
            p++;
        }
        while (mask & 1) {
            mask >>= 1;
            n++;
        }
    }
    *pos = p;
    *size = n;
}

/* The GOP mode's framebuffer [UEFI 2.9 §12.9.1: EFI_GRAPHICS_PIXEL_FORMAT]:
 * RGB and BGR are 32-bit pixels with 8-bit channels; a bitmask mode says
 * where each channel is. BltOnly modes have no framebuffer to hand over. */
static void record_framebuffer(EFI_GRAPHICS_OUTPUT_PROTOCOL *gop, struct boot_framebuffer *fb)
{
    EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = gop->Mode->Info;
    UINT32 bits = 32;
    switch (info->PixelFormat) {
    case PixelRedGreenBlueReserved8BitPerColor: /* byte 0 red */
        fb->red_pos = 0, fb->green_pos = 8, fb->blue_pos = 16;
        fb->red_size = fb->green_size = fb->blue_size = 8;
        break;
    case PixelBlueGreenRedReserved8BitPerColor: /* byte 0 blue */
        fb->red_pos = 16, fb->green_pos = 8, fb->blue_pos = 0;
        fb->red_size = fb->green_size = fb->blue_size = 8;
        break;
    case PixelBitMask: {
        EFI_PIXEL_BITMASK *m = &info->PixelInformation;
        UINT32 all = m->RedMask | m->GreenMask | m->BlueMask | m->ReservedMask;
        if (all == 0)
            return;
        bits = 0;
        while (bits < 32 && (all >> bits) != 0)
            bits++;
        bits = (bits + 7) / 8 * 8;
        mask_to_field(m->RedMask, &fb->red_pos, &fb->red_size);
        mask_to_field(m->GreenMask, &fb->green_pos, &fb->green_size);
        mask_to_field(m->BlueMask, &fb->blue_pos, &fb->blue_size);
        break;
    }
    default:
        return;
    }
    fb->phys = gop->Mode->FrameBufferBase;
    fb->width = info->HorizontalResolution;
    fb->height = info->VerticalResolution;
    fb->pitch = info->PixelsPerScanLine * (bits / 8);
    fb->bpp = (UINT8)bits;
    fb->type = BOOT_FB_RGB;
}

/* Parses a decimal number at *p, advancing it; 0 when there is none. */
static UINT32 parse_decimal(const char **p)
{
    UINT32 v = 0;
    while (**p >= '0' && **p <= '9' && v < 100000)
        v = v * 10 + (UINT32)(*(*p)++ - '0');
    return v;
}

/* Boot option "video=WIDTHxHEIGHT": switch GOP to that mode if the firmware
 * offers it (the kernel draws in whatever mode is current at exit). */
static void choose_video_mode(EFI_GRAPHICS_OUTPUT_PROTOCOL *gop, const char *cmdline)
{
    const char *p = cmdline;
    while (*p) {
        if ((p == cmdline || p[-1] == ' ') && p[0] == 'v' && p[1] == 'i' && p[2] == 'd' &&
            p[3] == 'e' && p[4] == 'o' && p[5] == '=')
            break;
        p++;
    }
    if (!*p)
        return;
    p += 6;
    UINT32 w = parse_decimal(&p);
    if (*p++ != 'x')
        return;
    UINT32 h = parse_decimal(&p);
    for (UINT32 mode = 0; mode < gop->Mode->MaxMode; mode++) {
        EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info;
        UINTN size;
        if (gop->QueryMode(gop, mode, &size, &info) != EFI_SUCCESS)
            continue;
        BOOLEAN match = info->HorizontalResolution == w && info->VerticalResolution == h &&
                        info->PixelFormat != PixelBltOnly;
        FreePool(info);
        if (!match)
            continue;
        EFI_STATUS st = gop->SetMode(gop, mode);
        Print(L"nvos-efi: video=%ux%u: GOP mode %u %a\n", w, h, mode,
              st == EFI_SUCCESS ? "set" : "refused");
        return;
    }
    Print(L"nvos-efi: video=%ux%u: the firmware offers no such mode; keeping %ux%u\n", w, h,
          gop->Mode->Info->HorizontalResolution, gop->Mode->Info->VerticalResolution);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    EFI_STATUS status;
    EFI_LOADED_IMAGE *li = NULL;
    struct kernel_layout k;
    static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
    static EFI_GUID acpi10_guid = ACPI_TABLE_GUID;

    InitializeLib(image, st);
    Print(L"nvos-efi: UEFI %d.%d, firmware %s rev %x\n", st->Hdr.Revision >> 16,
          st->Hdr.Revision & 0xFFFF, st->FirmwareVendor, st->FirmwareRevision);

    status = inspect_kernel(&k);
    if (EFI_ERROR(status)) {
        fatal(L"the embedded nvos.elf is not a loadable kernel", status);
        return status;
    }

    /* Pages for the kernel, 2 MiB aligned (the page tables map it with 2 MiB pages). */
    UINT64 span = (k.max_paddr - k.min_paddr + TWO_MB - 1) & ~(TWO_MB - 1);
    EFI_PHYSICAL_ADDRESS kmem = 0;
    status = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, (span + TWO_MB) / 4096, &kmem);
    if (EFI_ERROR(status)) {
        fatal(L"AllocatePages for the kernel", status);
        return status;
    }
    UINT64 kbase = (kmem + TWO_MB - 1) & ~(TWO_MB - 1);
    load_segments((UINT8 *)(UINTN)kbase);

    EFI_PHYSICAL_ADDRESS bi_mem = 0;
    UINTN bi_pages = (sizeof(struct boot_info) + 4095) / 4096;
    status = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, bi_pages, &bi_mem);
    if (EFI_ERROR(status)) {
        fatal(L"AllocatePages for boot_info", status);
        return status;
    }
    struct boot_info *bi = (struct boot_info *)(UINTN)bi_mem;
    zero_bytes(bi, sizeof(*bi));
    bi->magic = BOOT_INFO_MAGIC;
    bi->version = BOOT_INFO_VERSION;
    bi->method = BOOT_METHOD_UEFI;
    bi->efi_system_table = (UINT64)(UINTN)st;
    bi->kernel_phys_start = kbase;
    bi->kernel_phys_end = kbase + (k.max_paddr - k.min_paddr);
    {
        const char name[] = "nvos BOOTX64.EFI (GNU-EFI)";
        copy_bytes(bi->loader_name, name, sizeof(name));
    }

    /* 1. Command line. */
    if (BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li) == EFI_SUCCESS && li) {
        if (li->LoadOptions && li->LoadOptionsSize >= 2 &&
            ucs2_to_ascii(li->LoadOptions, li->LoadOptionsSize / 2, bi->cmdline,
                          sizeof(bi->cmdline)))
            drop_program_name(bi->cmdline);
        else
            bi->cmdline[0] = '\0';
        if (bi->cmdline[0] == '\0')
            read_cmdline_file(li, bi->cmdline, sizeof(bi->cmdline));
    }
    Print(L"nvos-efi: command line \"%a\"\n", bi->cmdline);

    /* 2. ACPI RSDP and framebuffer. */
    void *rsdp = NULL;
    if (LibGetSystemConfigurationTable(&acpi20_guid, &rsdp) != EFI_SUCCESS)
        LibGetSystemConfigurationTable(&acpi10_guid, &rsdp);
    if (rsdp != NULL) {
        UINT8 rev = ((UINT8 *)rsdp)[15];
        bi->rsdp_size = rev >= 2 ? 36 : 20;
        bi->rsdp_phys = (UINT64)(UINTN)rsdp;
        copy_bytes(bi->rsdp, rsdp, bi->rsdp_size);
    } else {
        Print(L"nvos-efi: warning: no ACPI table in the configuration table\n");
    }
    EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
    if (LibLocateProtocol(&GraphicsOutputProtocol, (void **)&gop) == EFI_SUCCESS && gop &&
        gop->Mode && gop->Mode->Info) {
        choose_video_mode(gop, bi->cmdline);
        record_framebuffer(gop, &bi->framebuffer);
    }
    if (bi->framebuffer.phys)
        Print(L"nvos-efi: framebuffer %ux%u at %lx, the kernel's console after ExitBootServices\n",
              bi->framebuffer.width, bi->framebuffer.height, bi->framebuffer.phys);
    else
        Print(L"nvos-efi: no linear framebuffer (GOP absent or BltOnly): no screen console\n");

    /* 3. Memory map buffer and page-table pool, sized from a first map. */
    UINTN map_size = 0, map_key, desc_size;
    UINT32 desc_version;
    EFI_MEMORY_DESCRIPTOR *map = NULL;
    status = BS->GetMemoryMap(&map_size, NULL, &map_key, &desc_size, &desc_version);
    if (status != EFI_BUFFER_TOO_SMALL) {
        fatal(L"GetMemoryMap (size)", status);
        return status;
    }
    UINTN map_capacity = map_size + 64 * desc_size; /* room for what allocations add */
    EFI_PHYSICAL_ADDRESS map_mem = 0;
    status = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, (map_capacity + 4095) / 4096,
                               &map_mem);
    if (EFI_ERROR(status)) {
        fatal(L"AllocatePages for the memory map", status);
        return status;
    }
    map = (EFI_MEMORY_DESCRIPTOR *)(UINTN)map_mem;
    map_size = map_capacity;
    status = BS->GetMemoryMap(&map_size, map, &map_key, &desc_size, &desc_version);
    if (EFI_ERROR(status)) {
        fatal(L"GetMemoryMap", status);
        return status;
    }
    UINT64 top = 0;
    for (UINTN off = 0; off + desc_size <= map_size; off += desc_size) {
        EFI_MEMORY_DESCRIPTOR *d = (void *)((UINT8 *)map + off);
        UINT64 end = d->PhysicalStart + d->NumberOfPages * 4096;
        if (efi_type_is_ram(d->Type) && end > top)
            top = end;
    }
    /* PML4 + PDPTs + one page directory per GiB, + the kernel's PDPT and PD. */
    UINTN gib = (UINTN)((top + (1ull << 30) - 1) >> 30);
    UINTN pt_pages = 1 + (gib + 511) / 512 + gib + 2;
    if (pt_pages > MAX_PT_PAGES) {
        fatal(L"too much memory to identity-map", EFI_OUT_OF_RESOURCES);
        return EFI_OUT_OF_RESOURCES;
    }
    EFI_PHYSICAL_ADDRESS pt_mem = 0;
    status = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pt_pages, &pt_mem);
    if (EFI_ERROR(status)) {
        fatal(L"AllocatePages for page tables", status);
        return status;
    }
    Print(L"nvos-efi: kernel at 0x%lx (%ld KiB), RAM up to 0x%lx; exiting boot services\n", kbase,
          span / 1024, top);

    /* 4. ExitBootServices; a stale key means the map changed: fetch it again. */
    for (int attempt = 0;; attempt++) {
        map_size = map_capacity;
        status = BS->GetMemoryMap(&map_size, map, &map_key, &desc_size, &desc_version);
        if (EFI_ERROR(status)) {
            fatal(L"GetMemoryMap before ExitBootServices", status);
            return status;
        }
        status = BS->ExitBootServices(image, map_key);
        if (status == EFI_SUCCESS)
            break;
        if (status != EFI_INVALID_PARAMETER || attempt + 1 >= EBS_ATTEMPTS) {
            fatal(L"ExitBootServices", status);
            return status;
        }
    }

    /* 5. From here on: no firmware calls, no printing. */
    for (UINTN off = 0; off + desc_size <= map_size; off += desc_size) {
        EFI_MEMORY_DESCRIPTOR *d = (void *)((UINT8 *)map + off);
        boot_info_add_region(bi, d->PhysicalStart, d->NumberOfPages * 4096,
                             efi_type_to_boot(d->Type));
    }
    boot_info_add_region(bi, kbase, span, BOOT_MEM_KERNEL);
    boot_info_add_region(bi, bi_mem, bi_pages * 4096, BOOT_MEM_LOADER);
    boot_info_add_region(bi, pt_mem, pt_pages * 4096, BOOT_MEM_LOADER);

    struct page_pool pool = { (UINT64 *)(UINTN)pt_mem, 0, pt_pages };
    UINT64 *pml4 = pool_page(&pool);
    BOOLEAN ok = pml4 != NULL;
    for (UINT64 pa = 0; ok && pa < top; pa += TWO_MB)
        ok = map_2m(&pool, pml4, pa, pa);
    for (UINT64 off = 0; ok && off < span; off += TWO_MB)
        ok = map_2m(&pool, pml4, KERNEL_VMA + KERNEL_LINK_PHYS + off, kbase + off);
    if (!ok) {
        /* Cannot happen with the pool sized above; nothing left to report to. */
        for (;;)
            __asm__ volatile("cli; hlt");
    }

    __asm__ volatile("cli\n\t"
                     "movq %0, %%cr3\n\t"
                     "movl %1, %%edi\n\t"
                     "jmp *%2"
                     :
                     : "r"((UINT64)(UINTN)pml4), "i"(BOOT_PROTO_NVOS), "r"(k.header->entry64),
                       "S"((UINT64)(UINTN)bi)
                     : "rdi", "memory");
    return EFI_LOAD_ERROR; /* not reached */
}
