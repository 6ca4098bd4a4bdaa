/*
 * drivers/pci/pci_decode.h - pure decoding of configuration values: BARs,
 * class codes, capability names. Host-tested (tests/host/test_pci_decode.c).
 */
#ifndef NVOS_DRIVERS_PCI_PCI_DECODE_H
#define NVOS_DRIVERS_PCI_PCI_DECODE_H

#include <stdbool.h>
#include <stdint.h>

struct pci_bar {
    uint64_t base; /* memory address or I/O port */
    uint64_t size; /* 0: BAR not implemented */
    bool is_io;
    bool is_64;        /* this BAR and the next form one 64-bit BAR */
    bool prefetchable;
};

/*
 * Decodes one BAR from its value and what it read back after all ones were
 * written (sizing, PCI 3.0 §6.2.5.1). For a 64-bit memory BAR, hi/hi_mask
 * are the next register's value and read-back. Returns the number of BAR
 * registers used (1 or 2).
 */
int pci_bar_decode(uint32_t lo, uint32_t lo_mask, uint32_t hi, uint32_t hi_mask,
                   struct pci_bar *out);

/* "NVMe controller", "host bridge", ... or "class XX subclass YY". */
const char *pci_class_name(uint8_t class_code, uint8_t subclass, uint8_t prog_if);

/*
 * What a storage function is to nvos, from its IDs and class code:
 *   PCI_STORAGE_NVME        class 01/08/02 [NVMe over PCIe Transport 1.0 §3.3];
 *   PCI_STORAGE_APPLE_NVME  Apple, class 01/80 (not 01/08) with prog-if 02
 *                           (MacBook Air 7,1: getsolus/packages#77), or Apple's
 *                           106b:2001/2003/2005 (Dunedan/mbp-2016-linux#9, #71);
 *   PCI_STORAGE_INTEL_RAID  Intel, class 01/04: VMD or RST RAID mode, which
 *                           hides NVMe drives (QubesOS/qubes-issues#6840,
 *                           pop-os/iso#362);
 *   PCI_STORAGE_OTHER       anything else.
 */
enum pci_storage_kind {
    PCI_STORAGE_OTHER,
    PCI_STORAGE_NVME,
    PCI_STORAGE_APPLE_NVME,
    PCI_STORAGE_INTEL_RAID,
};
enum pci_storage_kind pci_storage_kind(uint16_t vendor, uint16_t device, uint8_t class_code,
                                       uint8_t subclass, uint8_t prog_if);

/* "MSI-X", "PCI Express", ... or NULL. */
const char *pci_capability_name(uint8_t id);

/* [PCIe 4.0 §7.5.3.2] device/port type names. */
const char *pci_express_type_name(unsigned type);

#endif
