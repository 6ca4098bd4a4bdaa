/*
 * drivers/nvme/nvme_quirks.h - per-device workarounds for NVMe controllers
 * that do not behave as the spec (NVMe Base 2.0) says, matched by PCI
 * vendor/device ID or, for Apple, by class 01/80 prog-if 02. Every table
 * entry (nvme_quirks.c) cites the report it comes from; the names are
 * Linux's (drivers/nvme/host/pci.c, nvme.h) so reports can be compared.
 *
 * The driver reads the bits only at init and queue creation: what a quirk
 * changes on the I/O path is a field fixed when the queue pair is created
 * (SQ slot size, CID base, CID generation mask), never a test per command.
 */
#ifndef NVOS_DRIVERS_NVME_NVME_QUIRKS_H
#define NVOS_DRIVERS_NVME_NVME_QUIRKS_H

#include <stddef.h>
#include <stdint.h>

struct nvme_ctrlr;

enum nvme_quirk {
    /* I/O SQ entries are 128 bytes (CC.IOSQES=7; admin SQEs stay 64). */
    NVME_QUIRK_128_BYTES_SQES = 1u << 0,
    /* CIDs must be unique across all queues: admin takes 0..31, the one
     * I/O pair 32 up to below its queue depth. */
    NVME_QUIRK_SHARED_TAGS = 1u << 1,
    /* No generation bits in the CID (CID 15:12 stay 0). */
    NVME_QUIRK_SKIP_CID_GEN = 1u << 2,
    /* Identify CNS values other than 00h/01h are mishandled (no CNS 02h):
     * namespaces are found by scanning 1..NN, as for NVMe 1.0. */
    NVME_QUIRK_IDENTIFY_CNS = 1u << 3,
    /* Wait NVME_QUIRK_DELAY_MS after clearing CC.EN before reading CSTS.RDY. */
    NVME_QUIRK_DELAY_BEFORE_CHK_RDY = 1u << 4,
    /* Write Zeroes corrupts or hangs: never sent, not advertised. */
    NVME_QUIRK_DISABLE_WRITE_ZEROES = 1u << 5,
    /* Only one interrupt vector works: every CQ on MSI-X entry 0. */
    NVME_QUIRK_SINGLE_VECTOR = 1u << 6,
};

#define NVME_QUIRK_COUNT 7
#define NVME_QUIRK_DELAY_MS 2300 /* Linux NVME_QUIRK_DELAY_AMOUNT */

/* The table's bits for one PCI function (0 if none), and the entry's
 * description and report (NULL if none). class_code: class << 16 |
 * subclass << 8 | prog-if. */
uint32_t nvme_quirks_lookup(uint16_t vendor, uint16_t device, uint32_t class_code,
                            const char **what, const char **report);

/*
 * Applies an override (the nvme.quirks= boot option) to bits: entries
 * separated by ';', each "[VVVV:DDDD:]item,item..." where an item is a quirk
 * name ("128_bytes_sqes", "delay_before_chk_rdy"...; a leading '-' removes
 * it) or "none"; entries with an ID apply only to that device. Returns 0 or
 * -EINVAL (nothing applied) naming the bad item in *bad.
 */
int nvme_quirks_override(const char *s, uint16_t vendor, uint16_t device, uint32_t *bits,
                         const char **bad);

/* "128_bytes_sqes,shared_tags" (or "none") for bits, into buf. */
const char *nvme_quirk_names(uint32_t bits, char *buf, size_t size);

/* At init: c->quirks from the table and c->quirk_override; one line saying
 * which apply and why. An override that does not parse is reported and
 * ignored (the table's quirks apply). Returns 0. */
int nvme_quirks_init(struct nvme_ctrlr *c);

/* For reports (nvme doctor): the bits in effect, and the report the table
 * entry cites (NULL when the table has none for this device). */
uint32_t nvme_ctrlr_get_quirks(const struct nvme_ctrlr *c);
const char *nvme_ctrlr_quirk_source(const struct nvme_ctrlr *c);

/* After CC.EN is cleared: the quirk's wait before CSTS.RDY is read. */
void nvme_quirk_delay_before_ready(struct nvme_ctrlr *c);

#endif
