/*
 * drivers/pci/pci.c - configuration access and enumeration.
 *
 * Two access mechanisms [PCIe 4.0 §7.2.2 ECAM; PCI 3.0 §3.2.2.3.2
 * configuration mechanism #1]. With ECAM every bus in each MCFG range is
 * scanned; without it, buses 0-255 through 0xCF8. Scanning every bus number
 * rather than following bridges finds everything firmware has numbered and
 * costs well under a millisecond. Function 0 absent means no device; its
 * header's multi-function bit says whether functions 1-7 are looked at.
 */
#include "drivers/pci/pci.h"

#include <string.h>

#include "kernel/acpi/acpi.h"
#include "kernel/arch/mmio.h"
#include "kernel/arch/x86.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/vmm.h"

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC

struct ecam_range {
    uint8_t *base; /* mapped at bus_start */
    uint16_t segment;
    uint8_t bus_start, bus_end;
};

static struct ecam_range ecam[ACPI_MAX_MCFG];
static unsigned ecam_count;
static struct pci_device *device_list;

bool pci_has_ecam(void)
{
    return ecam_count > 0;
}

static uint8_t *ecam_address(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    for (unsigned i = 0; i < ecam_count; i++)
        if (ecam[i].segment == seg && bus >= ecam[i].bus_start && bus <= ecam[i].bus_end)
            return ecam[i].base + PCI_ECAM_OFFSET(bus - ecam[i].bus_start, dev, fn) + off;
    return NULL;
}

static uint32_t cf8_address(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    return 0x80000000u | ((uint32_t)bus << 16) | ((uint32_t)dev << 11) | ((uint32_t)fn << 8) |
           (off & 0xFC);
}

/* Raw access by address; width 1, 2 or 4; off must be width-aligned. */
static uint32_t cfg_read(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off,
                         int width)
{
    uint8_t *p = ecam_address(seg, bus, dev, fn, off);
    if (p != NULL) {
        if (width == 1)
            return mmio_read8(p);
        if (width == 2)
            return mmio_read16(p);
        return mmio_read32(p);
    }
    if (seg != 0 || off >= PCI_CFG_SPACE_SIZE)
        return 0xFFFFFFFFu;
    bool on = irq_save();
    outl(PCI_CONFIG_ADDRESS, cf8_address(bus, dev, fn, off));
    uint32_t v;
    if (width == 1)
        v = inb(PCI_CONFIG_DATA + (off & 3));
    else if (width == 2)
        v = inw(PCI_CONFIG_DATA + (off & 2));
    else
        v = inl(PCI_CONFIG_DATA);
    irq_restore(on);
    return v;
}

static void cfg_write(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off,
                      int width, uint32_t v)
{
    uint8_t *p = ecam_address(seg, bus, dev, fn, off);
    if (p != NULL) {
        if (width == 1)
            mmio_write8(p, (uint8_t)v);
        else if (width == 2)
            mmio_write16(p, (uint16_t)v);
        else
            mmio_write32(p, v);
        return;
    }
    if (seg != 0 || off >= PCI_CFG_SPACE_SIZE)
        return;
    bool on = irq_save();
    outl(PCI_CONFIG_ADDRESS, cf8_address(bus, dev, fn, off));
    if (width == 1)
        outb(PCI_CONFIG_DATA + (off & 3), (uint8_t)v);
    else if (width == 2)
        outw(PCI_CONFIG_DATA + (off & 2), (uint16_t)v);
    else
        outl(PCI_CONFIG_DATA, v);
    irq_restore(on);
}

uint8_t pci_read8(const struct pci_device *d, uint16_t off)
{
    return (uint8_t)cfg_read(d->segment, d->bus, d->dev, d->func, off, 1);
}
uint16_t pci_read16(const struct pci_device *d, uint16_t off)
{
    return (uint16_t)cfg_read(d->segment, d->bus, d->dev, d->func, off & ~1u, 2);
}
uint32_t pci_read32(const struct pci_device *d, uint16_t off)
{
    return cfg_read(d->segment, d->bus, d->dev, d->func, off & ~3u, 4);
}
void pci_write8(const struct pci_device *d, uint16_t off, uint8_t v)
{
    cfg_write(d->segment, d->bus, d->dev, d->func, off, 1, v);
}
void pci_write16(const struct pci_device *d, uint16_t off, uint16_t v)
{
    cfg_write(d->segment, d->bus, d->dev, d->func, off & ~1u, 2, v);
}
void pci_write32(const struct pci_device *d, uint16_t off, uint32_t v)
{
    cfg_write(d->segment, d->bus, d->dev, d->func, off & ~3u, 4, v);
}

void pci_command_update(const struct pci_device *d, uint16_t set, uint16_t clear)
{
    uint16_t cmd = pci_read16(d, PCI_COMMAND);
    uint16_t v = (uint16_t)((cmd & ~clear) | set);
    if (v != cmd)
        pci_write16(d, PCI_COMMAND, v);
}

uint8_t pci_next_capability(const struct pci_device *d, uint8_t after)
{
    uint8_t off;
    if (after == 0) {
        if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
            return 0;
        off = pci_read8(d, PCI_CAPABILITIES_POINTER);
    } else {
        off = pci_read8(d, after + 1);
    }
    off &= 0xFC;
    /* Capabilities live in the device-specific area; order is free (QEMU's
     * NVMe goes 0x40, 0x80, 0x60), so callers bound the walk by count. */
    return off >= 0x40 ? off : 0;
}

uint8_t pci_find_capability(const struct pci_device *d, uint8_t id, uint8_t after)
{
    uint8_t off = pci_next_capability(d, after);
    for (int n = 0; off && n < PCI_MAX_CAPABILITIES; n++, off = pci_next_capability(d, off))
        if (pci_read8(d, off) == id)
            return off;
    return 0;
}

bool pci_msix_info(const struct pci_device *d, struct pci_msix_info *info)
{
    if (d->cap_msix == 0)
        return false;
    uint16_t ctrl = pci_read16(d, d->cap_msix + PCI_MSIX_CONTROL);
    uint32_t table = pci_read32(d, d->cap_msix + PCI_MSIX_TABLE);
    uint32_t pba = pci_read32(d, d->cap_msix + PCI_MSIX_PBA);
    info->table_size = (ctrl & PCI_MSIX_CONTROL_TABLE_SIZE) + 1;
    info->table_bir = table & PCI_MSIX_BIR_MASK;
    info->table_offset = table & ~PCI_MSIX_BIR_MASK;
    info->pba_bir = pba & PCI_MSIX_BIR_MASK;
    info->pba_offset = pba & ~PCI_MSIX_BIR_MASK;
    return true;
}

void pci_msix_control(const struct pci_device *d, bool enable, bool function_mask)
{
    uint16_t ctrl = pci_read16(d, d->cap_msix + PCI_MSIX_CONTROL);
    ctrl &= (uint16_t)~(PCI_MSIX_CONTROL_ENABLE | PCI_MSIX_CONTROL_FUNCTION_MASK);
    if (enable)
        ctrl |= PCI_MSIX_CONTROL_ENABLE;
    if (function_mask)
        ctrl |= PCI_MSIX_CONTROL_FUNCTION_MASK;
    pci_write16(d, d->cap_msix + PCI_MSIX_CONTROL, ctrl);
}

static uint16_t cfg_ops_read16(void *ctx, uint16_t off)
{
    return pci_read16(ctx, off);
}
static uint32_t cfg_ops_read32(void *ctx, uint16_t off)
{
    return pci_read32(ctx, off);
}
static void cfg_ops_write16(void *ctx, uint16_t off, uint16_t v)
{
    pci_write16(ctx, off, v);
}
static void cfg_ops_write32(void *ctx, uint16_t off, uint32_t v)
{
    pci_write32(ctx, off, v);
}
const struct pci_cfg_ops pci_device_cfg_ops = { cfg_ops_read16, cfg_ops_read32, cfg_ops_write16,
                                                cfg_ops_write32 };

struct pci_device *pci_upstream_bridge(const struct pci_device *d)
{
    for (struct pci_device *b = device_list; b; b = b->next)
        if ((b->header_type & PCI_HEADER_TYPE_MASK) == 1 && b->segment == d->segment &&
            b != d && b->secondary_bus == d->bus && b->secondary_bus != 0)
            return b;
    return NULL;
}

unsigned pci_enable_upstream(const struct pci_device *d, const char *who)
{
    unsigned changed = 0;
    const struct pci_device *b = pci_upstream_bridge(d);
    /* Bus numbers strictly decrease towards the root (a bridge's secondary
     * bus is above its own); 256 steps bound a loop firmware might make. */
    for (int depth = 0; b != NULL && depth < 256; depth++, b = pci_upstream_bridge(b)) {
        uint16_t cmd = pci_read16(b, PCI_COMMAND);
        uint16_t want = PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER;
        if ((cmd & want) == want)
            continue;
        pci_command_update(b, want, 0);
        char name[16];
        uint16_t now = pci_read16(b, PCI_COMMAND);
        kprintf("pci: bridge %s above %s had %s%s%s off (firmware); %s\n",
                pci_name(b, name, sizeof(name)), who,
                (cmd & PCI_COMMAND_MEMORY) ? "" : "memory decoding",
                !(cmd & PCI_COMMAND_MEMORY) && !(cmd & PCI_COMMAND_BUS_MASTER) ? " and " : "",
                (cmd & PCI_COMMAND_BUS_MASTER) ? "" : "bus mastering",
                (now & want) == want ? "enabled" : "could not enable it");
        changed++;
    }
    return changed;
}

const char *pci_name(const struct pci_device *d, char *buf, unsigned size)
{
    if (d->segment)
        ksnprintf(buf, size, "%04x:%02x:%02x.%x", d->segment, d->bus, d->dev, d->func);
    else
        ksnprintf(buf, size, "%02x:%02x.%x", d->bus, d->dev, d->func);
    return buf;
}

/*
 * Sizes the BARs [PCI 3.0 §6.2.5.1]. While a BAR holds all ones it may
 * claim addresses that belong to something else, so decoding is off for
 * the duration, with interrupts off so nothing on this CPU touches the
 * device meanwhile (the other CPUs idle until called). Host bridges are
 * left alone: their command bits and BARs can gate what the CPU itself
 * runs through (memory controller, ECAM, the link to the chipset), so
 * their decoding is never switched off (Linux: mmio_always_on) and their
 * BARs, which nvos does not use, are not probed.
 */
static void size_bars(struct pci_device *d)
{
    unsigned nbars = (d->header_type & PCI_HEADER_TYPE_MASK) == 0 ? 6 :
                     (d->header_type & PCI_HEADER_TYPE_MASK) == 1 ? 2 : 0;
    if (nbars == 0 ||
        (d->class_code == PCI_CLASS_BRIDGE && d->subclass == PCI_SUBCLASS_HOST_BRIDGE))
        return;
    bool on = irq_save();
    uint16_t cmd = pci_read16(d, PCI_COMMAND);
    uint16_t decode = PCI_COMMAND_IO | PCI_COMMAND_MEMORY;
    if (cmd & decode)
        pci_write16(d, PCI_COMMAND, cmd & (uint16_t)~decode);
    for (unsigned i = 0; i < nbars;) {
        uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
        uint32_t lo = pci_read32(d, off);
        pci_write32(d, off, 0xFFFFFFFFu);
        uint32_t lo_mask = pci_read32(d, off);
        pci_write32(d, off, lo);
        uint32_t hi = 0, hi_mask = 0;
        bool is64 = !(lo & PCI_BAR_IO) && (lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64;
        if (is64 && i + 1 < nbars) {
            hi = pci_read32(d, off + 4);
            pci_write32(d, off + 4, 0xFFFFFFFFu);
            hi_mask = pci_read32(d, off + 4);
            pci_write32(d, off + 4, hi);
        }
        int used = pci_bar_decode(lo, lo_mask, hi, hi_mask, &d->bars[i]);
        i += (unsigned)used;
    }
    if (cmd & decode)
        pci_write16(d, PCI_COMMAND, cmd);
    irq_restore(on);
}

static void add_function(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
    struct pci_device *d = kzalloc(sizeof(*d));
    if (d == NULL) {
        kprintf("pci: out of memory recording %02x:%02x.%x\n", bus, dev, fn);
        return;
    }
    d->segment = seg;
    d->bus = bus;
    d->dev = dev;
    d->func = fn;
    d->vendor_id = pci_read16(d, PCI_VENDOR_ID);
    d->device_id = pci_read16(d, PCI_DEVICE_ID);
    d->revision = pci_read8(d, PCI_REVISION_ID);
    d->prog_if = pci_read8(d, PCI_PROG_IF);
    d->subclass = pci_read8(d, PCI_SUBCLASS);
    d->class_code = pci_read8(d, PCI_CLASS);
    d->header_type = pci_read8(d, PCI_HEADER_TYPE);
    if ((d->header_type & PCI_HEADER_TYPE_MASK) == 0) {
        d->subsys_vendor_id = pci_read16(d, PCI_SUBSYSTEM_VENDOR_ID);
        d->subsys_id = pci_read16(d, PCI_SUBSYSTEM_ID);
    }
    if ((d->header_type & PCI_HEADER_TYPE_MASK) == 1) {
        d->secondary_bus = pci_read8(d, PCI_SECONDARY_BUS);
        d->subordinate_bus = pci_read8(d, PCI_SUBORDINATE_BUS);
    }
    d->irq_line = pci_read8(d, PCI_INTERRUPT_LINE);
    d->irq_pin = pci_read8(d, PCI_INTERRUPT_PIN);
    d->cap_msix = pci_find_capability(d, PCI_CAP_ID_MSIX, 0);
    d->cap_msi = pci_find_capability(d, PCI_CAP_ID_MSI, 0);
    d->cap_pcie = pci_find_capability(d, PCI_CAP_ID_PCIE, 0);
    d->cap_pm = pci_find_capability(d, PCI_CAP_ID_PM, 0);
    size_bars(d);

    /* Keep the list sorted as scanned (segment, bus, device, function). */
    struct pci_device **tail = &device_list;
    while (*tail)
        tail = &(*tail)->next;
    *tail = d;
}

static void scan_bus(uint16_t seg, uint8_t bus)
{
    for (uint8_t dev = 0; dev < 32; dev++) {
        if ((uint16_t)cfg_read(seg, bus, dev, 0, PCI_VENDOR_ID, 2) == 0xFFFF)
            continue;
        uint8_t ht = (uint8_t)cfg_read(seg, bus, dev, 0, PCI_HEADER_TYPE, 1);
        uint8_t nfn = (ht & PCI_HEADER_TYPE_MULTIFUNCTION) ? 8 : 1;
        for (uint8_t fn = 0; fn < nfn; fn++)
            if ((uint16_t)cfg_read(seg, bus, dev, fn, PCI_VENDOR_ID, 2) != 0xFFFF)
                add_function(seg, bus, dev, fn);
    }
}

int pci_init(void)
{
    const struct acpi_info *a = acpi_get();
    unsigned count = 0;

    for (unsigned i = 0; a != NULL && i < a->mcfg_count; i++) {
        uint64_t size = ((uint64_t)a->mcfg[i].bus_end - a->mcfg[i].bus_start + 1) << 20;
        /* MCFG's base is that of bus 0 of the segment, even when bus_start > 0. */
        uint64_t phys = a->mcfg[i].base + ((uint64_t)a->mcfg[i].bus_start << 20);
        uint8_t *p = vmm_map_mmio(phys, size);
        if (p == NULL) {
            kprintf("pci: cannot map ECAM at %#llx\n", (unsigned long long)phys);
            continue;
        }
        ecam[ecam_count].base = p;
        ecam[ecam_count].segment = a->mcfg[i].segment;
        ecam[ecam_count].bus_start = a->mcfg[i].bus_start;
        ecam[ecam_count].bus_end = a->mcfg[i].bus_end;
        ecam_count++;
        kprintf("pci: ECAM at %#llx (segment %u, buses %u-%u)\n", (unsigned long long)phys,
                a->mcfg[i].segment, a->mcfg[i].bus_start, a->mcfg[i].bus_end);
    }

    if (ecam_count > 0) {
        for (unsigned i = 0; i < ecam_count; i++)
            for (unsigned bus = ecam[i].bus_start; bus <= ecam[i].bus_end; bus++)
                scan_bus(ecam[i].segment, (uint8_t)bus);
    } else {
        kprintf("pci: no MCFG table; using configuration mechanism #1 (ports 0xCF8/0xCFC)\n");
        for (unsigned bus = 0; bus < 256; bus++)
            scan_bus(0, (uint8_t)bus);
    }
    for (struct pci_device *d = device_list; d; d = d->next)
        count++;
    kprintf("pci: %u functions\n", count);
    return 0;
}

struct pci_device *pci_devices(void)
{
    return device_list;
}

struct pci_device *pci_find_class(uint8_t class_code, uint8_t subclass, uint8_t prog_if,
                                  struct pci_device *from)
{
    for (struct pci_device *d = from ? from->next : device_list; d; d = d->next)
        if (d->class_code == class_code && d->subclass == subclass && d->prog_if == prog_if)
            return d;
    return NULL;
}
