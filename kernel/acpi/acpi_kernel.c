/*
 * kernel/acpi/acpi_kernel.c - runs the ACPI parser on this machine's tables.
 *
 * The RSDP comes from the loader (UEFI configuration table, multiboot2 tag)
 * or, on BIOS machines booted by multiboot1, from the scan ACPI 6.4 §5.2.5.1
 * prescribes: the first KiB of the EBDA, then 0xE0000-0xFFFFF, on 16-byte
 * boundaries. Tables are mapped cached through the MMIO window, because
 * firmware may keep them in ranges the memory map calls reserved.
 */
#include <string.h>

#include "boot/boot_info.h"
#include "kernel/acpi/acpi.h"
#include "kernel/kernel.h"
#include "kernel/mm/vmm.h"
#include "lib/errno.h"

static struct acpi_info acpi;
static bool acpi_ok;
static uint8_t rsdp_copy[36];
static size_t rsdp_copy_len;
static uint64_t rsdp_where;

static const void *map_for_parser(uint64_t phys, size_t len, void *ctx)
{
    (void)ctx;
    return vmm_map_phys(phys, len, VMM_CACHED);
}

static void warn_for_parser(void *ctx, const char *msg)
{
    (void)ctx;
    kprintf("acpi: warning: %s\n", msg);
}

const void *acpi_map_table(uint64_t phys, size_t len)
{
    return vmm_map_phys(phys, len, VMM_CACHED);
}

/* ACPI 6.4 §5.2.5.1: where a legacy BIOS keeps the RSDP. */
static bool find_rsdp_bios(uint8_t out[36], uint64_t *phys)
{
    uint16_t ebda_seg;
    memcpy(&ebda_seg, phys_to_virt(0x40E), 2);
    uint64_t areas[2][2] = {
        { (uint64_t)ebda_seg << 4, ((uint64_t)ebda_seg << 4) + 1024 },
        { 0xE0000, 0x100000 },
    };
    for (int a = 0; a < 2; a++) {
        if (areas[a][0] < 0x400 || areas[a][1] > 0x100000)
            continue;
        for (uint64_t p = areas[a][0]; p + 36 <= areas[a][1]; p += 16) {
            const uint8_t *c = phys_to_virt(p);
            if (acpi_rsdp_valid(c, 36)) {
                memcpy(out, c, 36);
                *phys = p;
                return true;
            }
        }
    }
    return false;
}

int acpi_init(const struct boot_info *bi)
{
    uint8_t rsdp[36];
    size_t rsdp_len = bi->rsdp_size;
    uint64_t rsdp_phys = bi->rsdp_phys;

    memset(rsdp, 0, sizeof(rsdp));
    memcpy(rsdp, bi->rsdp, rsdp_len > 36 ? 36 : rsdp_len);
    if (rsdp_len == 0) {
        if (!find_rsdp_bios(rsdp, &rsdp_phys)) {
            kprintf("acpi: no RSDP (the loader passed none, none in the BIOS area)\n");
            return -ENODEV;
        }
        rsdp_len = 36;
    }
    int err = acpi_parse(rsdp, rsdp_len, map_for_parser, warn_for_parser, NULL, &acpi);
    if (err) {
        kprintf("acpi: RSDP invalid (signature or checksum)\n");
        return err;
    }
    acpi_ok = true;
    memcpy(rsdp_copy, rsdp, sizeof(rsdp_copy));
    rsdp_copy_len = rsdp_len > 36 ? 36 : rsdp_len;
    rsdp_where = rsdp_phys;
    kprintf("acpi: RSDP rev %u oem \"%s\" %s at %#llx, %u tables; %u CPU(s), %u I/O APIC(s), "
            "%u MCFG range(s)%s\n",
            acpi.rsdp_revision, acpi.oem_id, acpi.root_is_xsdt ? "XSDT" : "RSDT",
            (unsigned long long)acpi.root_phys, acpi.table_count, acpi.cpu_count,
            acpi.ioapic_count, acpi.mcfg_count, acpi.hpet_phys ? ", HPET" : "");
    return 0;
}

const struct acpi_info *acpi_get(void)
{
    return acpi_ok ? &acpi : NULL;
}

size_t acpi_rsdp(const uint8_t **bytes, uint64_t *phys)
{
    *bytes = rsdp_copy;
    *phys = rsdp_where;
    return acpi_ok ? rsdp_copy_len : 0;
}
