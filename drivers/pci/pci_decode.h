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

/* "MSI-X", "PCI Express", ... or NULL. */
const char *pci_capability_name(uint8_t id);

/* [PCIe 4.0 §7.5.3.2] device/port type names. */
const char *pci_express_type_name(unsigned type);

#endif
