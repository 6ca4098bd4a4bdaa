/*
 * drivers/pci/pci_msi.c - MSI for one vector (see pci_msi.h).
 * [PCI Local Bus 3.0 §6.8.1.3 Message Control, §6.8.1.4-6 address and data,
 * §6.8.1.7-8 Mask and Pending Bits; §6.8.3.1: software sets the address
 * and data before it sets MSI Enable.]
 */
#include "drivers/pci/pci_msi.h"

#include "drivers/pci/pci_regs.h"
#include "lib/errno.h"

void pci_msi_decode(uint8_t cap, uint16_t control, struct pci_msi_info *out)
{
    out->cap = cap;
    out->is64 = (control & PCI_MSI_CONTROL_64BIT) != 0;
    out->per_vector_mask = (control & PCI_MSI_CONTROL_PVM) != 0;
    unsigned mmc = (control & PCI_MSI_CONTROL_MMC_MASK) >> PCI_MSI_CONTROL_MMC_SHIFT;
    /* 110b and 111b are reserved encodings: a device claiming them gets the
     * one vector nvos asks for anyway. */
    out->vectors = mmc <= 5 ? 1u << mmc : 1u;
    out->data_off = (uint16_t)(cap + (out->is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32));
    out->mask_off = out->per_vector_mask
                        ? (uint16_t)(cap + (out->is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32))
                        : 0;
}

int pci_msi_program(const struct pci_cfg_ops *ops, void *ctx, const struct pci_msi_info *mi,
                    uint64_t address, uint16_t data)
{
    if ((address & 3) != 0 || (!mi->is64 && (address >> 32) != 0))
        return -EINVAL;
    uint16_t ctl_off = (uint16_t)(mi->cap + PCI_MSI_CONTROL);
    uint16_t ctl = ops->read16(ctx, ctl_off);
    /* Off while it changes; one message (MME = 000b). */
    ctl &= (uint16_t)~(PCI_MSI_CONTROL_ENABLE | PCI_MSI_CONTROL_MME_MASK);
    ops->write16(ctx, ctl_off, ctl);
    ops->write32(ctx, (uint16_t)(mi->cap + PCI_MSI_ADDRESS_LO), (uint32_t)address);
    if (mi->is64)
        ops->write32(ctx, (uint16_t)(mi->cap + PCI_MSI_ADDRESS_HI), (uint32_t)(address >> 32));
    /* Message Data is 16 bits; the upper half of its dword is reserved
     * (Extended Message Data in later revisions): written as 16 bits. */
    ops->write16(ctx, mi->data_off, data);
    if (mi->mask_off) {
        uint32_t mask = ops->read32(ctx, mi->mask_off);
        ops->write32(ctx, mi->mask_off, mask & ~1u);
    }
    ops->write16(ctx, ctl_off, (uint16_t)(ctl | PCI_MSI_CONTROL_ENABLE));
    return 0;
}

void pci_msi_disable(const struct pci_cfg_ops *ops, void *ctx, const struct pci_msi_info *mi)
{
    uint16_t ctl_off = (uint16_t)(mi->cap + PCI_MSI_CONTROL);
    uint16_t ctl = ops->read16(ctx, ctl_off);
    ops->write16(ctx, ctl_off, (uint16_t)(ctl & ~PCI_MSI_CONTROL_ENABLE));
    if (mi->mask_off) {
        uint32_t mask = ops->read32(ctx, mi->mask_off);
        ops->write32(ctx, mi->mask_off, mask | 1u);
    }
}
