/*
 * boot/boot_main.c - from boot_entry64 to kernel_main: turn whatever the
 * loader handed over into the kernel's own copy of struct boot_info.
 *
 * Runs on the kernel stack with interrupts off, before the console exists,
 * while the loader's identity map is still live (so physical addresses of
 * the loader's structures can be read directly). Errors are passed on to
 * kernel_main, which can print them.
 */
#include <string.h>

#include "boot/boot_info.h"
#include "boot/multiboot/multiboot.h"
#include "kernel/arch/x86.h"
#include "kernel/kernel.h"
#include "kernel/mm/layout.h"
#include "lib/errno.h"

void boot_main(uint32_t protocol, uint64_t info);

static struct boot_info boot_info_storage;
extern char __bss_end_phys[];

/* Physical memory below 4 GiB is identity-mapped by every loader path. */
static const void *identity_map(uint64_t phys, size_t len, void *ctx)
{
    (void)ctx;
    if (phys == 0 || phys >= 0x100000000ull || len > 0x100000000ull - phys)
        return NULL;
    return (const void *)(uintptr_t)phys;
}

uint64_t boot_tsc; /* TSC at kernel entry: uptime counts from here */

void boot_main(uint32_t protocol, uint64_t info)
{
    struct boot_info *bi = &boot_info_storage;
    int err = 0;

    boot_tsc = rdtsc();
    switch (protocol) {
    case BOOT_PROTO_MULTIBOOT1:
        err = multiboot1_parse(info, identity_map, NULL, bi);
        break;
    case BOOT_PROTO_MULTIBOOT2:
        err = multiboot2_parse(info, identity_map, NULL, bi);
        break;
    case BOOT_PROTO_NVOS: {
        const struct boot_info *from_loader = (const struct boot_info *)(uintptr_t)info;
        if (from_loader->magic != BOOT_INFO_MAGIC || from_loader->version != BOOT_INFO_VERSION) {
            memset(bi, 0, sizeof(*bi));
            err = -EPROTO;
        } else {
            *bi = *from_loader;
        }
        break;
    }
    default:
        memset(bi, 0, sizeof(*bi));
        err = -EPROTO;
        break;
    }

    if (protocol == BOOT_PROTO_MULTIBOOT1 || protocol == BOOT_PROTO_MULTIBOOT2) {
        /* Multiboot loaders put the image where it is linked and say nothing
         * about it in their memory map: record it, so it is never reused. */
        bi->kernel_phys_start = KERNEL_LINK_PHYS;
        bi->kernel_phys_end = (uint64_t)(uintptr_t)__bss_end_phys;
        boot_info_add_region(bi, bi->kernel_phys_start,
                             bi->kernel_phys_end - bi->kernel_phys_start, BOOT_MEM_KERNEL);
    }
    kernel_main(bi, err);
}
