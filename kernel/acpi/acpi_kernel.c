/*
 * kernel/acpi/acpi_kernel.c - runs the ACPI parser on this machine's tables.
 *
 * The RSDP comes from the loader (UEFI configuration table, multiboot2 tag)
 * or, on BIOS machines booted by multiboot1, from the scan ACPI 6.4 §5.2.5.1
 * prescribes: the first KiB of the EBDA, then 0xE0000-0xFFFFF, on 16-byte
 * boundaries. Tables are mapped cached through the MMIO window, because
 * firmware may keep them in ranges the memory map calls reserved.
 *
 * Then the IOMMUs the DMAR/IVRS tables list are asked whether firmware left
 * them translating [Intel VT-d 4.1 §11.4.4.2 Global Status: TES, bit 31;
 * AMD IOMMU 3.08 §3.4.3 Control Register (MMIO 0018h): IommuEn, bit 0]:
 * nvos programs no IOMMU, so a translating one makes device DMA go through
 * tables nvos does not own and, typically, never land (Dasharo/docs PR
 * #474: "Keep IOMMU enabled when transfer control to OS"; tianocore/edk2
 * #9870). Registers are only read.
 */
#include <string.h>

#include "boot/boot_info.h"
#include "kernel/acpi/acpi.h"
#include "kernel/arch/mmio.h"
#include "kernel/kernel.h"
#include "kernel/mm/vmm.h"
#include "lib/errno.h"

#define VTD_GSTS 0x1C
#define VTD_GSTS_TES (1u << 31)
#define VTD_GSTS_IRES (1u << 25)
#define AMDVI_CONTROL 0x18
#define AMDVI_CONTROL_IOMMU_EN (1u << 0)

static struct acpi_info acpi;
static unsigned iommus_translating;
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

/* One line per IOMMU unit: where it is and whether it translates. */
static void report_iommus(const struct acpi_info *a)
{
    for (unsigned i = 0; i < a->iommu_count; i++) {
        bool vtd = a->iommus[i].kind == ACPI_IOMMU_VTD;
        const char *what = vtd ? "Intel VT-d (DMAR)" : "AMD-Vi (IVRS)";
        const uint8_t *regs = vmm_map_mmio(a->iommus[i].base, 0x1000);
        if (regs == NULL) {
            kprintf("iommu: %s unit at %#llx: cannot map its registers\n", what,
                    (unsigned long long)a->iommus[i].base);
            continue;
        }
        uint32_t v = mmio_read32(regs + (vtd ? VTD_GSTS : AMDVI_CONTROL));
        if (v == 0xFFFFFFFFu) {
            kprintf("iommu: %s unit at %#llx (segment %u): registers read all ones; state "
                    "unknown\n", what, (unsigned long long)a->iommus[i].base,
                    a->iommus[i].segment);
            continue;
        }
        bool on = vtd ? (v & VTD_GSTS_TES) != 0 : (v & AMDVI_CONTROL_IOMMU_EN) != 0;
        if (on)
            iommus_translating++;
        kprintf("iommu: %s unit at %#llx (segment %u): DMA translation %s%s\n", what,
                (unsigned long long)a->iommus[i].base, a->iommus[i].segment,
                on ? "ON, left by firmware: device DMA may never reach memory; turn off the "
                     "firmware's \"keep IOMMU/DMA protection at OS handoff\" (or VT-d/AMD-Vi)"
                   : "off",
                vtd && (v & VTD_GSTS_IRES) ? "; interrupt remapping on" : "");
    }
}

unsigned acpi_iommus_translating(void)
{
    return iommus_translating;
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
    report_iommus(&acpi);
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
