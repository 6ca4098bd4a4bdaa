/*
 * drivers/pci/pci_msi.h - the MSI capability (05h) decoded and programmed
 * for one vector, and the MSI-X Vector Control update, through a
 * configuration-space seam so the host tests run them on a fake function
 * (tests/host/test_pci_msi.c). [PCI Local Bus 3.0 §6.8.1 (MSI: Message
 * Control, 32- and 64-bit layouts, per-vector masking), §6.8.2.9 (MSI-X
 * Vector Control: bit 0 Mask Bit, bits 31:1 reserved)].
 */
#ifndef NVOS_DRIVERS_PCI_PCI_MSI_H
#define NVOS_DRIVERS_PCI_PCI_MSI_H

#include <stdbool.h>
#include <stdint.h>

/* Configuration access to one function; ctx is the caller's. */
struct pci_cfg_ops {
    uint16_t (*read16)(void *ctx, uint16_t off);
    uint32_t (*read32)(void *ctx, uint16_t off);
    void (*write16)(void *ctx, uint16_t off, uint16_t v);
    void (*write32)(void *ctx, uint16_t off, uint32_t v);
};

/* Where the registers of one MSI capability are, from its Message Control. */
struct pci_msi_info {
    uint8_t cap;            /* configuration offset of the capability */
    bool is64;              /* Message Upper Address present */
    bool per_vector_mask;   /* Mask Bits / Pending Bits present */
    unsigned vectors;       /* requestable: 1 << MMC (1..32) */
    uint16_t data_off;      /* Message Data */
    uint16_t mask_off;      /* Mask Bits, 0 if absent */
};

/* Decodes Message Control of the capability at "cap". */
void pci_msi_decode(uint8_t cap, uint16_t control, struct pci_msi_info *out);

/*
 * Programs one vector (MME = 0) with address/data and enables MSI:
 * disable, address (and upper address), data, unmask vector 0 if the
 * function masks per vector (read-modify-write: other mask bits kept),
 * enable. -EINVAL, nothing written, for an address a 32-bit-only function
 * cannot hold or one that is not dword aligned.
 */
int pci_msi_program(const struct pci_cfg_ops *ops, void *ctx, const struct pci_msi_info *mi,
                    uint64_t address, uint16_t data);

/* Clears MSI Enable (and masks vector 0 when it can be masked). */
void pci_msi_disable(const struct pci_cfg_ops *ops, void *ctx, const struct pci_msi_info *mi);

/* The Vector Control value that masks or unmasks an MSI-X entry: only bit
 * 0 changes; devices put values in the reserved bits (Kingston SSDs,
 * endlessm/linux PR #514, kernel bugzilla 204887). */
static inline uint32_t pci_msix_vector_control(uint32_t old, bool masked)
{
    return masked ? (old | 1u) : (old & ~1u);
}

#endif
