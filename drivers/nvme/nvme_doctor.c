/*
 * drivers/nvme/nvme_doctor.c - "nvme doctor [CTRL]": one line per check of
 * what real machines put between nvos and the drive, then a summary. The
 * traps are docs/real-hardware.md's (issue 9): a drive hidden behind Intel
 * VMD / RST or an Apple class code, bus mastering or memory decoding off on
 * a bridge, an IOMMU left translating, firmware's controller state, the
 * page size, the interrupt mode, APST, the Host Memory Buffer, LBA formats,
 * the namespace list, SMART warnings, timeouts and quirks.
 *
 * Reads [NVMe Base 2.0 §3.1.3 (CAP, CC, CSTS, CRTO), §5.16.1.3 (SMART /
 * Health log 02h), §5.17.2.1 (Identify Controller)] and [PCI Local Bus 3.0
 * §6.2.2 (Command register)], [Intel VT-d 3.x §11.4.4 GSTS.TES / AMD IOMMU
 * 3.x §3.4.3 Control IommuEn] through kernel/acpi.
 *
 * The output format is stable (docs/shell.md "nvme doctor"):
 *   doctor CTRL CHECK RESULT: DETAIL       CHECK one of the names below,
 *                                          RESULT pass | warn | fail
 *   doctor CTRL: P pass, W warn, F fail
 */
#include <string.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_doctor.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_quirks.h"
#include "drivers/nvme/nvme_spec_id.h"
#include "drivers/pci/pci.h"
#include "drivers/pci/pci_decode.h"
#include "drivers/pci/pci_regs.h"
#include "kernel/acpi/acpi.h"
#include "kernel/kernel.h"
#include "lib/errno.h"

enum verdict { PASS, WARN, FAIL };
static const char *const verdicts[] = { "pass", "warn", "fail" };

struct doctor {
    struct nvme_ctrlr *c;
    unsigned counts[3];
};

static void line(struct doctor *d, const char *check, enum verdict v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void line(struct doctor *d, const char *check, enum verdict v, const char *fmt, ...)
{
    char detail[200];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    d->counts[v]++;
    kprintf("doctor %s %s %s: %s\n", d->c->name, check, verdicts[v], detail);
}

/* Intel VMD / RST RAID hides drives; an Apple class code needs quirks. */
static void check_platform(struct doctor *d)
{
    const struct pci_device *pd = d->c->platform;
    unsigned vmd = 0;
    char name[16] = "";
    for (struct pci_device *p = pci_devices(); p; p = p->next)
        if (pci_storage_kind(p->vendor_id, p->device_id, p->class_code, p->subclass,
                             p->prog_if) == PCI_STORAGE_INTEL_RAID && vmd++ == 0)
            pci_name(p, name, sizeof(name));
    bool apple = pci_storage_kind(pd->vendor_id, pd->device_id, pd->class_code, pd->subclass,
                                  pd->prog_if) == PCI_STORAGE_APPLE_NVME;
    if (vmd)
        line(d, "platform", WARN, "%u Intel VMD/RST RAID controller(s) (first %s): drives behind "
             "them are hidden; set the firmware's storage mode to AHCI/NVMe", vmd, name);
    else if (apple)
        line(d, "platform", WARN, "Apple controller %04x:%04x, class %02x/%02x/%02x (not 01/08/02)",
             pd->vendor_id, pd->device_id, pd->class_code, pd->subclass, pd->prog_if);
    else
        line(d, "platform", PASS, "no Intel VMD/RST RAID controller; %04x:%04x class %02x/%02x/%02x",
             pd->vendor_id, pd->device_id, pd->class_code, pd->subclass, pd->prog_if);
}

/* Memory decoding and bus mastering on the function and every bridge above. */
static void check_bridges(struct doctor *d)
{
    const struct pci_device *pd = d->c->platform;
    unsigned bridges = 0, off = 0;
    char first_off[16] = "";
    uint16_t cmd = pci_read16(pd, PCI_COMMAND);
    if ((cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER)) !=
        (PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER)) {
        off++;
        pci_name(pd, first_off, sizeof(first_off));
    }
    for (const struct pci_device *b = pci_upstream_bridge(pd); b && bridges < 32;
         b = pci_upstream_bridge(b)) {
        bridges++;
        uint16_t bc = pci_read16(b, PCI_COMMAND);
        if ((bc & (PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER)) !=
            (PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER) && off++ == 0)
            pci_name(b, first_off, sizeof(first_off));
    }
    uint16_t was = d->c->inherited_pci_command;
    bool was_off = (was & (PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER)) !=
                   (PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
    if (off)
        line(d, "bridges", FAIL, "memory decoding or bus mastering off now on %u of %u "
             "function(s), first %s: DMA cannot reach memory", off, bridges + 1, first_off);
    else if (was_off || d->c->inherited_bridges_off)
        line(d, "bridges", WARN, "on now; firmware had left them off (function: memory %s, bus "
             "master %s; %u bridge(s) fixed)", (was & PCI_COMMAND_MEMORY) ? "on" : "off",
             (was & PCI_COMMAND_BUS_MASTER) ? "on" : "off", d->c->inherited_bridges_off);
    else
        line(d, "bridges", PASS, "memory decoding and bus mastering on: function and %u bridge(s) "
             "above it", bridges);
}

static void check_iommu(struct doctor *d)
{
    const struct acpi_info *a = acpi_get();
    if (a == NULL) {
        line(d, "iommu", WARN, "no ACPI tables: DMAR/IVRS unknown");
        return;
    }
    unsigned on = acpi_iommus_translating();
    if (a->iommu_count == 0)
        line(d, "iommu", PASS, "none (no DMAR or IVRS table)");
    else if (on)
        line(d, "iommu", FAIL, "%u of %u unit(s) translating (left on by firmware): DMA may never "
             "reach memory; disable DMA protection at OS handoff or VT-d/AMD-Vi", on,
             a->iommu_count);
    else
        line(d, "iommu", PASS, "%u unit(s) (%s), translation off", a->iommu_count,
             a->iommus[0].kind == ACPI_IOMMU_VTD ? "DMAR" : "IVRS");
}

static void check_inherited(struct doctor *d)
{
    uint32_t cc = d->c->inherited_cc, csts = d->c->inherited_csts;
    if (csts == NVME_CSTS_GONE)
        line(d, "inherited", FAIL, "CSTS read all ones at attach");
    else if (NVME_GET(csts, CSTS_CFS))
        line(d, "inherited", WARN, "firmware left CSTS.CFS=1 (CC.EN=%u); reset at attach",
             (unsigned)NVME_GET(cc, CC_EN));
    else if (NVME_GET(cc, CC_SHN) || NVME_GET(csts, CSTS_SHST))
        line(d, "inherited", WARN, "firmware left a shutdown (CC.SHN=%u, CSTS.SHST=%u)",
             (unsigned)NVME_GET(cc, CC_SHN), (unsigned)NVME_GET(csts, CSTS_SHST));
    else if (NVME_GET(cc, CC_EN))
        line(d, "inherited", PASS, "firmware left it enabled (CC.EN=1, CSTS.RDY=%u); disabled and "
             "re-initialized", (unsigned)NVME_GET(csts, CSTS_RDY));
    else
        line(d, "inherited", PASS, "firmware left it disabled (CC.EN=0, CSTS.RDY=%u)",
             (unsigned)NVME_GET(csts, CSTS_RDY));
}

static void check_mps(struct doctor *d)
{
    unsigned min = 4096u << NVME_GET(d->c->cap, CAP_MPSMIN);
    unsigned max = 4096u << NVME_GET(d->c->cap, CAP_MPSMAX);
    line(d, "mps", PASS, "CC.MPS %u KiB (CAP.MPSMIN %u KiB, MPSMAX %u KiB)",
         d->c->page_size / 1024, min / 1024, max / 1024);
}

static void check_interrupts(struct doctor *d)
{
    struct nvme_ctrlr *c = d->c;
    unsigned irq_queues = c->admin.irq ? 1 : 0, queues = 1;
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next) {
        queues++;
        irq_queues += qp->irq;
    }
    switch (c->irq_mode) {
    case NVME_IRQ_MSIX:
        line(d, "interrupts", PASS, "MSI-X, %u entries in the table; %u of %u queue(s) "
             "interrupt-driven", c->msix_vectors, irq_queues, queues);
        break;
    case NVME_IRQ_MSI:
        line(d, "interrupts", PASS, "MSI, one vector; %u of %u queue(s) interrupt-driven",
             irq_queues, queues);
        break;
    case NVME_IRQ_INTX:
        line(d, "interrupts", PASS, "INTx, GSI %u; %u of %u queue(s) interrupt-driven",
             c->intx_gsi, irq_queues, queues);
        break;
    default:
        line(d, "interrupts", WARN, "polling: no interrupts (nvme.irq=poll, or none available); "
             "%u queue(s)", queues);
        break;
    }
}

static void check_apst(struct doctor *d)
{
    const struct nvme_power_info *p = &d->c->power;
    char ps[32];
    if (p->read)
        ksnprintf(ps, sizeof(ps), "power state %u of %u", p->ps, p->npss + 1u);
    else
        ksnprintf(ps, sizeof(ps), "power state unknown");
    if (!p->apst_supported)
        line(d, "apst", PASS, "not supported (APSTA 0); %s", ps);
    else if (p->apst_disabled)
        line(d, "apst", PASS, "disabled by nvme.apst=off (firmware had it on); %s", ps);
    else if (p->apst_enabled)
        line(d, "apst", WARN, "enabled (%u transitions, deepest PS%u): if the drive drops off, "
             "boot with nvme.apst=off; %s", p->apst_entries, p->apst_deepest, ps);
    else
        line(d, "apst", PASS, "supported, disabled; %s", ps);
}

static void check_hmb(struct doctor *d)
{
    const struct nvme_hmb_info *h = &d->c->hmb_info;
    if (h->preferred == 0)
        line(d, "hmb", PASS, "not requested (HMPRE 0)");
    else if (h->enabled && h->given >= h->preferred)
        line(d, "hmb", PASS, "asked %llu KiB, given %llu KiB (%u x %u KiB)",
             (unsigned long long)(h->preferred >> 10), (unsigned long long)(h->given >> 10),
             h->entries, h->chunk >> 10);
    else if (h->enabled)
        line(d, "hmb", WARN, "asked %llu KiB (minimum %llu KiB), given %llu KiB",
             (unsigned long long)(h->preferred >> 10), (unsigned long long)(h->minimum >> 10),
             (unsigned long long)(h->given >> 10));
    else
        line(d, "hmb", WARN, "asked %llu KiB (minimum %llu KiB), none given: %s",
             (unsigned long long)(h->preferred >> 10), (unsigned long long)(h->minimum >> 10),
             h->state);
}

static void check_formats(struct doctor *d)
{
    unsigned n = 0, unusable = 0, md = 0;
    char first[96] = "";
    for (struct nvme_ns *ns = d->c->namespaces; ns; ns = ns->next) {
        if (n++ == 0)
            ksnprintf(first, sizeof(first), "n%u %u-byte blocks, metadata %u%s", ns->nsid,
                      ns->block_size, ns->md_size,
                      ns->md_size ? (ns->extended_lba ? " (extended)" : " (separate)") : "");
        unusable += ns->unusable != NULL;
        md += ns->md_size != 0;
    }
    if (n == 0)
        line(d, "lba-formats", WARN, "no namespaces");
    else if (unusable)
        line(d, "lba-formats", WARN, "%u of %u namespace(s) not block devices (%u with metadata); "
             "%s", unusable, n, md, first);
    else
        line(d, "lba-formats", PASS, "%u namespace(s), all usable; %s", n, first);
}

static void check_namespaces(struct doctor *d)
{
    unsigned n = 0;
    for (struct nvme_ns *ns = d->c->namespaces; ns; ns = ns->next)
        n++;
    const char *how = d->c->vs < NVME_VS(1, 1, 0) ? "scanned 1..NN (NVMe 1.0)"
                      : d->c->ns_list_fallback   ? "active list refused or invalid: scanned 1..NN"
                                                 : "from the active list (CNS 02h)";
    line(d, "namespaces", d->c->ns_list_fallback ? WARN : PASS, "NN %u, %u active, %s",
         d->c->nn, n, how);
}

static uint64_t le128_low(const uint8_t *v)
{
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = (x << 8) | v[i];
    return x;
}

static void check_smart(struct doctor *d)
{
    nvme_phys_t phys;
    struct nvme_smart_log *log = nvme_env_dma_alloc(sizeof(*log), &phys);
    struct nvme_cpl cpl;
    if (log == NULL) {
        line(d, "smart", WARN, "no memory for the log page");
        return;
    }
    if (nvme_get_log_page(d->c, NVME_NSID_ALL, NVME_LOG_SMART, log, sizeof(*log), &cpl) != 0) {
        line(d, "smart", WARN, "SMART / Health log unreadable (%s)", errno_name(cpl.err));
    } else {
        uint64_t unsafe = le128_low(log->unsafe_shutdowns);
        if (log->critical_warning)
            line(d, "smart", FAIL, "critical warning %#x; %llu unsafe shutdown(s), %u%% used",
                 log->critical_warning, (unsigned long long)unsafe, log->percent_used);
        else if (unsafe)
            line(d, "smart", WARN, "no critical warning; %llu unsafe shutdown(s), %u%% used",
                 (unsigned long long)unsafe, log->percent_used);
        else
            line(d, "smart", PASS, "no critical warning, 0 unsafe shutdowns, %u%% used, %u K",
                 log->percent_used, log->temperature);
    }
    nvme_env_dma_free(log, sizeof(*log));
}

static void check_timeouts(struct doctor *d)
{
    unsigned to = (unsigned)NVME_GET(d->c->cap, CAP_TO);
    unsigned long long ms = (unsigned long long)(d->c->ready_timeout_ns / 1000000ull);
    bool crto = (NVME_GET(d->c->cap, CAP_CRMS) & NVME_CAP_CRMS_CRWMS) != 0;
    line(d, "timeouts", ms > 60000 ? WARN : PASS, "CAP.TO %u (%u ms)%s; ready timeout %llu ms",
         to, to * 500, crto ? ", CRTO in use" : ", no CRTO", ms);
}

static void check_quirks(struct doctor *d)
{
    char buf[160];
    uint32_t bits = nvme_ctrlr_get_quirks(d->c);
    const char *source = nvme_ctrlr_quirk_source(d->c);
    int n = 0;
    for (uint32_t b = bits; b; b &= b - 1)
        n++;
    line(d, "quirks", PASS, "%d applied%s%s%s%s", n, n ? ": " : "",
         n ? nvme_quirk_names(bits, buf, sizeof(buf)) : "", source ? " - " : "",
         source ? source : "");
}

int nvme_doctor(struct nvme_ctrlr *c, unsigned counts[3])
{
    struct doctor d = { c, { 0, 0, 0 } };
    if (c->state != NVME_STATE_READY) {
        line(&d, "state", FAIL, "controller not ready (%s)", c->failure ? c->failure : "?");
    } else {
        check_platform(&d);
        check_bridges(&d);
        check_iommu(&d);
        check_inherited(&d);
        check_mps(&d);
        check_interrupts(&d);
        check_apst(&d);
        check_hmb(&d);
        check_formats(&d);
        check_namespaces(&d);
        check_smart(&d);
        check_timeouts(&d);
        check_quirks(&d);
    }
    kprintf("doctor %s: %u pass, %u warn, %u fail\n", c->name, d.counts[PASS], d.counts[WARN],
            d.counts[FAIL]);
    if (counts)
        for (int i = 0; i < 3; i++)
            counts[i] += d.counts[i];
    return d.counts[FAIL] ? -EIO : 0;
}
