/*
 * drivers/pci/pci_regs.h - PCI configuration space, as the specifications
 * name it: PCI Local Bus 3.0 §6.1 (type 0/1 headers), §6.2.5 (BARs), §6.7
 * (capability list), §6.8.2 (MSI-X); PCI Express Base 4.0 §7.5 (PCIe
 * capability, extended capabilities), §7.2.2 (ECAM). Host-compilable.
 */
#ifndef NVOS_DRIVERS_PCI_PCI_REGS_H
#define NVOS_DRIVERS_PCI_PCI_REGS_H

/* [PCI 3.0 §6.1] common header */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08
#define PCI_PROG_IF 0x09
#define PCI_SUBCLASS 0x0A
#define PCI_CLASS 0x0B
#define PCI_HEADER_TYPE 0x0E
#define PCI_BAR0 0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2C
#define PCI_SUBSYSTEM_ID 0x2E
#define PCI_CAPABILITIES_POINTER 0x34
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_INTERRUPT_PIN 0x3D
/* type 1 (bridge) header */
#define PCI_PRIMARY_BUS 0x18
#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBORDINATE_BUS 0x1A
#define PCI_BRIDGE_CONTROL 0x3E

#define PCI_COMMAND_IO (1u << 0)
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_BUS_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)

#define PCI_STATUS_INTERRUPT (1u << 3)
#define PCI_STATUS_CAP_LIST (1u << 4)

/* [PCI Code and ID Assignment 1.11 §1.2] classes nvos names in messages */
#define PCI_CLASS_STORAGE 0x01
#define PCI_SUBCLASS_STORAGE_RAID 0x04
#define PCI_SUBCLASS_STORAGE_NVM 0x08
#define PCI_SUBCLASS_STORAGE_OTHER 0x80
#define PCI_PROG_IF_NVME 0x02
#define PCI_CLASS_BRIDGE 0x06
#define PCI_SUBCLASS_HOST_BRIDGE 0x00

#define PCI_HEADER_TYPE_MASK 0x7F
#define PCI_HEADER_TYPE_MULTIFUNCTION 0x80

/* [PCI 3.0 §6.2.5.1] BAR encoding */
#define PCI_BAR_IO 0x1u
#define PCI_BAR_MEM_TYPE_MASK 0x6u
#define PCI_BAR_MEM_TYPE_32 0x0u
#define PCI_BAR_MEM_TYPE_64 0x4u
#define PCI_BAR_MEM_PREFETCH 0x8u

/* [PCI 3.0 §6.7, PCI Code and ID Assignment 1.11 §2] capability IDs */
#define PCI_CAP_ID_PM 0x01
#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_VENDOR 0x09
#define PCI_CAP_ID_PCIE 0x10
#define PCI_CAP_ID_MSIX 0x11

/* [PCI 3.0 §6.8.1] MSI capability: the layout after Message Address
 * depends on "64-bit address capable" (bit 7) and "per-vector masking
 * capable" (bit 8) of Message Control. */
#define PCI_MSI_CONTROL 0x02
#define PCI_MSI_ADDRESS_LO 0x04
#define PCI_MSI_ADDRESS_HI 0x08   /* 64-bit layout only */
#define PCI_MSI_DATA_32 0x08
#define PCI_MSI_MASK_32 0x0C
#define PCI_MSI_PENDING_32 0x10
#define PCI_MSI_DATA_64 0x0C
#define PCI_MSI_MASK_64 0x10
#define PCI_MSI_PENDING_64 0x14
#define PCI_MSI_CONTROL_ENABLE (1u << 0)
#define PCI_MSI_CONTROL_MMC_SHIFT 1 /* Multiple Message Capable, log2 */
#define PCI_MSI_CONTROL_MMC_MASK (7u << 1)
#define PCI_MSI_CONTROL_MME_SHIFT 4 /* Multiple Message Enable, log2 */
#define PCI_MSI_CONTROL_MME_MASK (7u << 4)
#define PCI_MSI_CONTROL_64BIT (1u << 7)
#define PCI_MSI_CONTROL_PVM (1u << 8)

/* [PCI 3.0 §6.8.2] MSI-X capability */
#define PCI_MSIX_CONTROL 0x02
#define PCI_MSIX_TABLE 0x04
#define PCI_MSIX_PBA 0x08
#define PCI_MSIX_CONTROL_ENABLE (1u << 15)
#define PCI_MSIX_CONTROL_FUNCTION_MASK (1u << 14)
#define PCI_MSIX_CONTROL_TABLE_SIZE 0x7FFu
#define PCI_MSIX_BIR_MASK 0x7u
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_ADDR_LO 0x0
#define PCI_MSIX_ENTRY_ADDR_HI 0x4
#define PCI_MSIX_ENTRY_DATA 0x8
#define PCI_MSIX_ENTRY_VECTOR_CONTROL 0xC
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 0x1u /* bits 31:1 reserved: preserve them */

/* [PCIe 4.0 §7.5.3] PCI Express capability */
#define PCI_EXP_FLAGS 0x02
#define PCI_EXP_DEVCAP 0x04
#define PCI_EXP_DEVCTL 0x08
#define PCI_EXP_FLAGS_TYPE(flags) (((flags) >> 4) & 0xF)
#define PCI_EXP_DEVCAP_FLR (1u << 28)
#define PCI_EXP_DEVCTL_BCR_FLR (1u << 15)

/* [PCIe 4.0 §7.2.2] ECAM: 4 KiB per function */
#define PCI_ECAM_OFFSET(bus, dev, fn) \
    (((uint64_t)(bus) << 20) | ((uint64_t)(dev) << 15) | ((uint64_t)(fn) << 12))
#define PCI_CFG_SPACE_SIZE 256
#define PCI_CFG_SPACE_EXP_SIZE 4096

#endif
