/*
 * kernel/acpi/acpi.h - what nvos reads from the ACPI tables.
 *
 * RSDP -> XSDT (or RSDT) -> MADT (APICs, interrupt source overrides), MCFG
 * (PCI Express ECAM), FADT (power-off and reset registers, DSDT -> \_S5),
 * HPET, DMAR and IVRS (where the IOMMUs' registers are). The parser is pure: it reaches physical memory only through the
 * caller's map function, so the host tests run it on tables captured from
 * QEMU's SeaBIOS and OVMF (tests/host/data/acpi/).
 */
#ifndef NVOS_KERNEL_ACPI_ACPI_H
#define NVOS_KERNEL_ACPI_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_TABLES 64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 24
#define ACPI_MAX_CPUS 64
#define ACPI_MAX_MCFG 8
#define ACPI_MAX_IOMMUS 8

/* [ACPI 6.4 §5.2.3.2] Generic Address Structure (the fields we use) */
struct acpi_gas {
    uint8_t space_id; /* 0 = system memory, 1 = system I/O */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;
    uint64_t address;
};

struct acpi_table_ref {
    char signature[5];
    uint64_t phys;
    uint32_t length;
    uint8_t revision;
    bool checksum_ok;
};

struct acpi_info {
    uint8_t rsdp_revision;
    char oem_id[7];
    uint64_t root_phys; /* XSDT or RSDT */
    bool root_is_xsdt;

    unsigned table_count;
    struct acpi_table_ref tables[ACPI_MAX_TABLES];

    /* MADT [ACPI 6.4 §5.2.12] */
    bool have_madt;
    uint64_t lapic_phys;
    bool pcat_compat; /* legacy 8259 PICs present (must be masked) */
    unsigned cpu_count; /* processors that are enabled or online capable */
    uint32_t cpu_apic_ids[ACPI_MAX_CPUS];
    uint8_t cpu_flags[ACPI_MAX_CPUS];      /* ACPI_MADT_ENABLED, ACPI_MADT_ONLINE_CAPABLE */
    bool cpu_x2apic_entry[ACPI_MAX_CPUS];  /* from a Processor Local x2APIC entry */
    unsigned ioapic_count;
    struct {
        uint8_t id;
        uint64_t phys;
        uint32_t gsi_base;
    } ioapics[ACPI_MAX_IOAPICS];
    unsigned override_count;
    struct {
        uint8_t bus_irq;
        uint32_t gsi;
        uint16_t flags; /* MPS INTI flags: bits 1:0 polarity, 3:2 trigger */
    } overrides[ACPI_MAX_OVERRIDES];

    /* MCFG [PCI Firmware 3.2 §4.1.2] */
    unsigned mcfg_count;
    struct {
        uint64_t base;
        uint16_t segment;
        uint8_t bus_start;
        uint8_t bus_end;
    } mcfg[ACPI_MAX_MCFG];

    /* FADT [ACPI 6.4 §5.2.9] */
    bool have_fadt;
    uint64_t dsdt_phys;
    uint16_t sci_irq;
    uint32_t pm1a_cnt_port; /* 0 if none */
    uint32_t pm1b_cnt_port;
    uint16_t boot_arch_flags; /* IAPC_BOOT_ARCH */
    uint32_t fadt_flags;
    bool reset_supported;
    struct acpi_gas reset_reg;
    uint8_t reset_value;

    /* \_S5 from the DSDT [ACPI 6.4 §7.4.2 Sleeping States] */
    bool s5_valid;
    uint8_t slp_typa, slp_typb;

    /* HPET [IA-PC HPET 1.0a §3.2.4] */
    uint64_t hpet_phys; /* 0 if none */

    /* SPCR: the firmware's serial console [Microsoft "Serial Port Console
     * Redirection Table" rev. 1.08, Table 3] */
    bool have_spcr;
    uint8_t spcr_interface; /* 0 = 16550, 1 = 16450, 0x12 = 16550 with GAS width */
    struct acpi_gas spcr_base;
    uint32_t spcr_baud;     /* 0: as the firmware left it */

    /* IOMMUs: DMAR DRHD units [Intel VT-d 4.1 §8.1, §8.3] and IVRS IVHD
     * blocks [AMD IOMMU 3.08 §5.2.2, §5.2.2.1-2], one entry per register
     * set (IVHD types 10h/11h/40h describing the same unit count once). */
    bool have_dmar, have_ivrs;
    uint8_t dmar_host_address_width; /* bits, HAW + 1 */
    uint8_t dmar_flags;              /* ACPI_DMAR_* */
    unsigned iommu_count;
    struct {
        uint8_t kind;     /* ACPI_IOMMU_VTD or ACPI_IOMMU_AMDVI */
        uint8_t flags;    /* DRHD: INCLUDE_PCI_ALL; IVHD: the block's flags */
        uint16_t segment;
        uint64_t base;    /* register base address */
    } iommus[ACPI_MAX_IOMMUS];
};
#define ACPI_SPCR_16550 0x00
#define ACPI_SPCR_16450 0x01
#define ACPI_SPCR_16550_GAS 0x12

#define ACPI_IOMMU_VTD 1
#define ACPI_IOMMU_AMDVI 2
/* [VT-d 4.1 §8.1] DMAR Flags */
#define ACPI_DMAR_INTR_REMAP (1u << 0)
#define ACPI_DMAR_X2APIC_OPT_OUT (1u << 1)
#define ACPI_DMAR_DMA_CTRL_PLATFORM_OPT_IN (1u << 2)
/* [VT-d 4.1 §8.3] DRHD Flags */
#define ACPI_DRHD_INCLUDE_PCI_ALL (1u << 0)

/* [ACPI 6.4 Table 5.23] Local APIC / x2APIC flags */
#define ACPI_MADT_ENABLED (1u << 0)
#define ACPI_MADT_ONLINE_CAPABLE (1u << 1)
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_BOOT_ARCH_8042 (1u << 1)

typedef const void *(*acpi_map_fn)(uint64_t phys, size_t len, void *ctx);

/*
 * Parses everything reachable from an RSDP (rsdp/rsdp_len: a copy of it).
 * Returns 0, or -EINVAL if the RSDP itself is unusable. Problems in single
 * tables are reported through warn (may be NULL) and the table is skipped.
 */
typedef void (*acpi_warn_fn)(void *ctx, const char *msg);
int acpi_parse(const uint8_t *rsdp, size_t rsdp_len, acpi_map_fn map, acpi_warn_fn warn,
               void *ctx, struct acpi_info *out);

/* Checks signature and checksum of a candidate RSDP (20 or 36 bytes). */
bool acpi_rsdp_valid(const uint8_t *p, size_t len);

/*
 * Finds \_S5 in a DSDT body (AML) and extracts SLP_TYPa/b. Returns false if
 * no well-formed \_S5 package is found.
 */
bool acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb);

/* ---- kernel side (kernel/acpi/acpi_kernel.c) ---- */
struct boot_info;
/* Parses the tables the boot info points at (or finds the RSDP in the BIOS area). */
int acpi_init(const struct boot_info *bi);
/* NULL before acpi_init() or when the machine has no ACPI. */
const struct acpi_info *acpi_get(void);
/* The RSDP in use (a copy) and where it was found (0 if only a copy was given). */
size_t acpi_rsdp(const uint8_t **bytes, uint64_t *phys);
/* Maps a table's bytes (cached) for callers that read tables themselves. */
const void *acpi_map_table(uint64_t phys, size_t len);
/* IOMMU units found translating DMA at boot (read once by acpi_init). */
unsigned acpi_iommus_translating(void);

#endif
