/*
 * drivers/pci/pci.h - PCI enumeration and configuration access.
 *
 * pci_init() finds every function on every bus once, through ECAM (from the
 * ACPI MCFG table) where the machine has it and the legacy 0xCF8/0xCFC
 * mechanism where it does not (QEMU's "-M pc"), sizes its BARs and records
 * where its capabilities are. Drivers then look devices up by class.
 */
#ifndef NVOS_DRIVERS_PCI_PCI_H
#define NVOS_DRIVERS_PCI_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/pci/pci_decode.h"
#include "drivers/pci/pci_msi.h"
#include "drivers/pci/pci_regs.h"

struct pci_device {
    uint16_t segment;
    uint8_t bus, dev, func;
    uint16_t vendor_id, device_id;
    uint8_t class_code, subclass, prog_if, revision;
    uint8_t header_type;
    uint16_t subsys_vendor_id, subsys_id;
    uint8_t irq_line, irq_pin;
    struct pci_bar bars[6];
    uint8_t cap_msix; /* config offset of the capability, 0 if absent */
    uint8_t cap_msi;
    uint8_t cap_pcie;
    uint8_t cap_pm;
    uint8_t secondary_bus, subordinate_bus; /* type 1 (bridge) headers only */
    struct pci_device *next;
    const char *driver; /* name of the driver that claimed it, or NULL */
};

int pci_init(void);

/* Iteration over all functions found, in bus/device/function order. */
struct pci_device *pci_devices(void);

/* The first function of this class after "from" (NULL: from the start). */
struct pci_device *pci_find_class(uint8_t class_code, uint8_t subclass, uint8_t prog_if,
                                  struct pci_device *from);

uint8_t pci_read8(const struct pci_device *d, uint16_t off);
uint16_t pci_read16(const struct pci_device *d, uint16_t off);
uint32_t pci_read32(const struct pci_device *d, uint16_t off);
void pci_write8(const struct pci_device *d, uint16_t off, uint8_t v);
void pci_write16(const struct pci_device *d, uint16_t off, uint16_t v);
void pci_write32(const struct pci_device *d, uint16_t off, uint32_t v);

/* Sets and clears bits of the command register. */
void pci_command_update(const struct pci_device *d, uint16_t set, uint16_t clear);
static inline void pci_enable_memory(const struct pci_device *d)
{
    pci_command_update(d, PCI_COMMAND_MEMORY, 0);
}
static inline void pci_enable_bus_master(const struct pci_device *d)
{
    pci_command_update(d, PCI_COMMAND_BUS_MASTER, 0);
}
static inline void pci_set_intx_disable(const struct pci_device *d, bool disable)
{
    pci_command_update(d, disable ? PCI_COMMAND_INTX_DISABLE : 0,
                       disable ? 0 : PCI_COMMAND_INTX_DISABLE);
}

/* 192 bytes of capability space hold at most 48: a longer walk is a loop. */
#define PCI_MAX_CAPABILITIES 48
/* Offset of the capability after "after" (0: the first), whatever its ID; 0 at the end. */
uint8_t pci_next_capability(const struct pci_device *d, uint8_t after);
/* Next capability with this ID after config offset "after" (0: first); 0 if none. */
uint8_t pci_find_capability(const struct pci_device *d, uint8_t id, uint8_t after);

/* MSI-X: table geometry from the capability. */
struct pci_msix_info {
    unsigned table_size; /* entries */
    unsigned table_bir;
    uint32_t table_offset;
    unsigned pba_bir;
    uint32_t pba_offset;
};
bool pci_msix_info(const struct pci_device *d, struct pci_msix_info *info);
/* Sets MSI-X Enable and Function Mask in the capability's control word. */
void pci_msix_control(const struct pci_device *d, bool enable, bool function_mask);

/* Configuration access to a function (ctx: its struct pci_device) for the
 * pure MSI code (pci_msi.h). */
extern const struct pci_cfg_ops pci_device_cfg_ops;

/* The bridge whose secondary bus is d's bus (same segment), or NULL when d
 * sits on a root bus. */
struct pci_device *pci_upstream_bridge(const struct pci_device *d);

/*
 * Memory decoding and bus mastering on every bridge from d up to the root
 * complex: a bridge with Bus Master Enable clear does not forward d's DMA
 * upstream, one with Memory Space clear does not forward d's MMIO [PCI-PCI
 * Bridge 1.2 §3.2.5.2; PCIe 4.0 §7.5.1.1.3]. Firmware may leave them clear
 * (DMA protection: tianocore/edk2 PR #10954, linuxboot/heads#48). Each
 * bridge changed gets one line naming what was off and for whom ("who").
 * Returns how many bridges were changed.
 */
unsigned pci_enable_upstream(const struct pci_device *d, const char *who);

/* Does this machine have ECAM (extended config space)? */
bool pci_has_ecam(void);

/* "00:01.0" (or "0001:00:01.0" outside segment 0) into buf. */
const char *pci_name(const struct pci_device *d, char *buf, unsigned size);

#endif
