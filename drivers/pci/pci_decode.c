/*
 * drivers/pci/pci_decode.c - BAR and name decoding (see pci_decode.h).
 */
#include "drivers/pci/pci_decode.h"

#include <stddef.h>

#include "drivers/pci/pci_regs.h"

int pci_bar_decode(uint32_t lo, uint32_t lo_mask, uint32_t hi, uint32_t hi_mask,
                   struct pci_bar *out)
{
    out->base = 0;
    out->size = 0;
    out->is_io = false;
    out->is_64 = false;
    out->prefetchable = false;

    if (lo & PCI_BAR_IO) {
        uint32_t mask = lo_mask & ~0x3u;
        out->is_io = true;
        out->base = lo & ~0x3u;
        /* Devices may implement only 16 address bits for I/O: the upper
         * half then reads back as zero; treat it as all ones. */
        if ((mask & 0xFFFF0000u) == 0)
            mask |= 0xFFFF0000u;
        out->size = mask ? (uint64_t)(~mask + 1) : 0;
        if (lo_mask == 0)
            out->size = 0;
        return 1;
    }

    out->prefetchable = (lo & PCI_BAR_MEM_PREFETCH) != 0;
    if ((lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64) {
        uint64_t mask = ((uint64_t)hi_mask << 32) | (lo_mask & ~0xFu);
        out->is_64 = true;
        out->base = ((uint64_t)hi << 32) | (lo & ~0xFu);
        out->size = mask ? ~mask + 1 : 0;
        return 2;
    }
    uint32_t mask = lo_mask & ~0xFu;
    out->base = lo & ~0xFu;
    out->size = mask ? (uint64_t)(uint32_t)(~mask + 1) : 0;
    return 1;
}

#define PCI_VENDOR_INTEL 0x8086
#define PCI_VENDOR_APPLE 0x106b

enum pci_storage_kind pci_storage_kind(uint16_t vendor, uint16_t device, uint8_t class_code,
                                       uint8_t subclass, uint8_t prog_if)
{
    if (class_code != PCI_CLASS_STORAGE)
        return PCI_STORAGE_OTHER;
    if (subclass == PCI_SUBCLASS_STORAGE_NVM && prog_if == PCI_PROG_IF_NVME)
        return PCI_STORAGE_NVME;
    if (vendor == PCI_VENDOR_APPLE && subclass == PCI_SUBCLASS_STORAGE_OTHER &&
        (prog_if == PCI_PROG_IF_NVME || device == 0x2001 || device == 0x2003 ||
         device == 0x2005))
        return PCI_STORAGE_APPLE_NVME;
    if (vendor == PCI_VENDOR_INTEL && subclass == PCI_SUBCLASS_STORAGE_RAID)
        return PCI_STORAGE_INTEL_RAID;
    return PCI_STORAGE_OTHER;
}

const char *pci_class_name(uint8_t class_code, uint8_t subclass, uint8_t prog_if)
{
    static const struct {
        uint8_t cls, sub;
        int pi; /* -1: any */
        const char *name;
    } names[] = {
        { 0x00, 0x00, -1, "unclassified device" },
        { 0x01, 0x00, -1, "SCSI controller" },
        { 0x01, 0x01, -1, "IDE controller" },
        { 0x01, 0x05, -1, "ATA controller" },
        { 0x01, 0x06, 0x01, "SATA controller (AHCI)" },
        { 0x01, 0x06, -1, "SATA controller" },
        { 0x01, 0x07, -1, "SAS controller" },
        { 0x01, 0x08, 0x02, "NVMe controller" },
        { 0x01, 0x08, -1, "non-volatile memory controller" },
        { 0x02, 0x00, -1, "Ethernet controller" },
        { 0x03, 0x00, -1, "VGA controller" },
        { 0x03, 0x80, -1, "display controller" },
        { 0x04, 0x01, -1, "audio device" },
        { 0x04, 0x03, -1, "audio device" },
        { 0x06, 0x00, -1, "host bridge" },
        { 0x06, 0x01, -1, "ISA bridge" },
        { 0x06, 0x04, -1, "PCI bridge" },
        { 0x06, 0x80, -1, "bridge" },
        { 0x07, 0x00, -1, "serial controller" },
        { 0x08, 0x80, -1, "system peripheral" },
        { 0x0C, 0x03, -1, "USB controller" },
        { 0x0C, 0x05, -1, "SMBus controller" },
    };
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].cls == class_code && names[i].sub == subclass &&
            (names[i].pi < 0 || names[i].pi == prog_if))
            return names[i].name;
    switch (class_code) {
    case 0x01:
        return "storage controller";
    case 0x02:
        return "network controller";
    case 0x03:
        return "display controller";
    case 0x04:
        return "multimedia device";
    case 0x05:
        return "memory controller";
    case 0x06:
        return "bridge";
    case 0x0C:
        return "serial bus controller";
    default:
        return "device";
    }
}

const char *pci_capability_name(uint8_t id)
{
    switch (id) {
    case PCI_CAP_ID_PM:
        return "power management";
    case 0x02:
        return "AGP";
    case 0x03:
        return "VPD";
    case 0x04:
        return "slot identification";
    case PCI_CAP_ID_MSI:
        return "MSI";
    case PCI_CAP_ID_VENDOR:
        return "vendor specific";
    case 0x0D:
        return "bridge subsystem ID";
    case PCI_CAP_ID_PCIE:
        return "PCI Express";
    case PCI_CAP_ID_MSIX:
        return "MSI-X";
    case 0x12:
        return "SATA";
    case 0x13:
        return "advanced features";
    default:
        return NULL;
    }
}

const char *pci_express_type_name(unsigned type)
{
    switch (type) {
    case 0:
        return "endpoint";
    case 1:
        return "legacy endpoint";
    case 4:
        return "root port";
    case 5:
        return "upstream switch port";
    case 6:
        return "downstream switch port";
    case 7:
        return "PCIe-to-PCI bridge";
    case 8:
        return "PCI-to-PCIe bridge";
    case 9:
        return "root complex integrated endpoint";
    case 10:
        return "root complex event collector";
    default:
        return "reserved type";
    }
}
