/*
 * drivers/pci/pci_shell.c - "lspci": one line per function,
 *   BB:DD.F VVVV:DDDD class CCSSPP <description>
 * and with -v the BARs and capabilities below it (docs/shell.md); "pci"
 * for configuration space, and an MSI delivery test.
 */
#include <string.h>

#include "drivers/pci/pci.h"
#include "kernel/arch/mmio.h"
#include "kernel/irq/irq.h"
#include "kernel/kernel.h"
#include "kernel/mm/vmm.h"
#include "kernel/time/clock.h"
#include "kernel/shell/shell.h"
#include "lib/errno.h"
#include "lib/parse.h"

static void print_size(uint64_t size)
{
    static const char *units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
    unsigned u = 0;
    while (u < 4 && size >= 1024 && size % 1024 == 0) {
        size /= 1024;
        u++;
    }
    kprintf("%llu %s", (unsigned long long)size, units[u]);
}

static void print_verbose(const struct pci_device *d)
{
    uint16_t cmd = pci_read16(d, PCI_COMMAND), status = pci_read16(d, PCI_STATUS);
    kprintf("        subsystem %04x:%04x, revision %02x, header type %02x", d->subsys_vendor_id,
            d->subsys_id, d->revision, d->header_type & PCI_HEADER_TYPE_MASK);
    if (d->irq_pin)
        kprintf(", interrupt pin %c line %u", 'A' + d->irq_pin - 1, d->irq_line);
    kprintf("\n        command %04x (%s%s%s%s), status %04x%s\n", cmd,
            (cmd & PCI_COMMAND_IO) ? "io " : "", (cmd & PCI_COMMAND_MEMORY) ? "memory " : "",
            (cmd & PCI_COMMAND_BUS_MASTER) ? "bus-master " : "",
            (cmd & PCI_COMMAND_INTX_DISABLE) ? "intx-disabled" : "intx", status,
            (status & PCI_STATUS_INTERRUPT) ? " (interrupt pending)" : "");
    for (unsigned i = 0; i < 6; i++) {
        const struct pci_bar *b = &d->bars[i];
        if (b->size == 0)
            continue;
        if (b->is_io)
            kprintf("        BAR%u I/O ports at %#06llx, ", i, (unsigned long long)b->base);
        else
            kprintf("        BAR%u memory %s%s at %#llx, ", i, b->is_64 ? "64-bit" : "32-bit",
                    b->prefetchable ? " prefetchable" : "", (unsigned long long)b->base);
        print_size(b->size);
        kprintf("\n");
    }
    uint8_t off = pci_next_capability(d, 0);
    for (int n = 0; off && n < PCI_MAX_CAPABILITIES; n++, off = pci_next_capability(d, off)) {
        uint8_t id = pci_read8(d, off);
        const char *name = pci_capability_name(id);
        kprintf("        capability %#04x: %s (id %02x)", off, name ? name : "unknown", id);
        if (id == PCI_CAP_ID_MSIX) {
            struct pci_msix_info m;
            pci_msix_info(d, &m);
            uint16_t ctrl = pci_read16(d, off + PCI_MSIX_CONTROL);
            kprintf(", %u vectors, table BAR%u+%#x, PBA BAR%u+%#x, %s%s", m.table_size,
                    m.table_bir, m.table_offset, m.pba_bir, m.pba_offset,
                    (ctrl & PCI_MSIX_CONTROL_ENABLE) ? "enabled" : "disabled",
                    (ctrl & PCI_MSIX_CONTROL_FUNCTION_MASK) ? ", masked" : "");
        } else if (id == PCI_CAP_ID_MSI) {
            uint16_t ctrl = pci_read16(d, off + PCI_MSI_CONTROL);
            struct pci_msi_info mi;
            pci_msi_decode(off, ctrl, &mi);
            kprintf(", %s-bit address, %u vector(s) capable%s, %s", mi.is64 ? "64" : "32",
                    mi.vectors, mi.per_vector_mask ? ", per-vector mask" : "",
                    (ctrl & PCI_MSI_CONTROL_ENABLE) ? "enabled" : "disabled");
        } else if (id == PCI_CAP_ID_PCIE) {
            uint16_t flags = pci_read16(d, off + PCI_EXP_FLAGS);
            kprintf(", version %u, %s", flags & 0xF,
                    pci_express_type_name(PCI_EXP_FLAGS_TYPE(flags)));
        }
        kprintf("\n");
    }
    if (pci_has_ecam()) {
        /* [PCIe 4.0 §7.6] extended capabilities from offset 0x100 */
        uint16_t ext = 0x100;
        for (int n = 0; n < 64 && ext >= 0x100 && ext < 0x1000; n++) {
            uint32_t h = pci_read32(d, ext);
            if (h == 0 || h == 0xFFFFFFFFu)
                break;
            kprintf("        extended capability %#05x: id %04x version %u\n", ext, h & 0xFFFF,
                    (h >> 16) & 0xF);
            ext = (uint16_t)((h >> 20) & 0xFFC);
        }
    }
}

static int cmd_lspci(int argc, char **argv)
{
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0)
            verbose = true;
        else
            return shell_usage("lspci");
    }
    char name[16];
    for (struct pci_device *d = pci_devices(); d; d = d->next) {
        kprintf("%s %04x:%04x class %02x%02x%02x %s\n", pci_name(d, name, sizeof(name)),
                d->vendor_id, d->device_id, d->class_code, d->subclass, d->prog_if,
                pci_class_name(d->class_code, d->subclass, d->prog_if));
        if (verbose)
            print_verbose(d);
    }
    return 0;
}
SHELL_COMMAND(lspci, "lspci", "[-v]", "list PCI functions (-v: BARs and capabilities)", cmd_lspci);

/* "BB:DD.F" or "SSSS:BB:DD.F" -> the device. */
static struct pci_device *device_by_name(const char *name)
{
    char buf[16];
    for (struct pci_device *d = pci_devices(); d; d = d->next)
        if (strcmp(pci_name(d, buf, sizeof(buf)), name) == 0)
            return d;
    return NULL;
}

/*
 * "pci msi-test BB:DD.F": MSI delivery end to end, on QEMU's educational
 * device (1234:11e8, hw/misc/edu.c), the one QEMU device whose interrupt
 * software can raise at will and which has MSI without MSI-X: BAR0 + 60h
 * "raise interrupt" ORs the value into the status at 24h and sends the
 * message; 64h acknowledges. The capability is programmed by the same
 * pci_msi_program() the NVMe driver uses, with a vector of the kernel's.
 */
#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64

struct msi_test {
    uint8_t *bar;
    volatile unsigned hits;
};

static void msi_test_irq(void *ctx)
{
    struct msi_test *t = ctx;
    uint32_t status = mmio_read32(t->bar + EDU_IRQ_STATUS);
    mmio_write32(t->bar + EDU_IRQ_ACK, status);
    t->hits++;
}

static int msi_test(struct pci_device *d)
{
    if (d->vendor_id != EDU_VENDOR || d->device_id != EDU_DEVICE)
        return shell_error(-EOPNOTSUPP, "pci: msi-test raises interrupts only on QEMU's edu device "
                           "(1234:11e8), not %04x:%04x", d->vendor_id, d->device_id);
    if (d->cap_msi == 0 || d->bars[0].size < 0x100 || d->bars[0].is_io)
        return shell_error(-ENODEV, "pci: the edu device has no MSI capability or no BAR0");
    static struct msi_test t;
    t.bar = vmm_map_mmio(d->bars[0].base, 0x100);
    if (t.bar == NULL)
        return shell_error(-ENOMEM, "pci: cannot map BAR0");
    t.hits = 0;
    struct pci_msi_info mi;
    pci_msi_decode(d->cap_msi, pci_read16(d, d->cap_msi + PCI_MSI_CONTROL), &mi);
    int kv = irq_alloc_vector(msi_test_irq, &t, "msi-test");
    if (kv < 0)
        return shell_error(kv, "pci: no free interrupt vector");
    pci_enable_memory(d);
    pci_enable_bus_master(d); /* the message is a memory write by the device */
    int err = pci_msi_program(&pci_device_cfg_ops, d, &mi, irq_msi_address(),
                              (uint16_t)irq_msi_data(kv));
    if (err) {
        irq_free_vector(kv);
        return shell_error(err, "pci: cannot program MSI");
    }
    pci_set_intx_disable(d, true);
    const unsigned rounds = 3;
    for (unsigned i = 0; i < rounds; i++) {
        unsigned before = t.hits;
        mmio_write32(t.bar + EDU_IRQ_RAISE, 1u << i);
        struct deadline dl = deadline_in_ns(100 * NSEC_PER_MSEC);
        while (t.hits == before && !deadline_passed(dl))
            cpu_pause();
        if (t.hits == before)
            break;
    }
    pci_msi_disable(&pci_device_cfg_ops, d, &mi);
    irq_free_vector(kv);
    if (t.hits != rounds)
        return shell_error(-ETIMEDOUT, "pci: %u of %u MSI messages arrived within 100 ms",
                           t.hits, rounds);
    kprintf("MSI: %u of %u messages delivered to vector %#x (%s-bit address, %u vector(s) "
            "capable%s)\n", t.hits, rounds, kv, mi.is64 ? "64" : "32", mi.vectors,
            mi.per_vector_mask ? ", per-vector mask" : "");
    return 0;
}

static int cmd_pci(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "msi-test") == 0) {
        struct pci_device *d = device_by_name(argv[2]);
        if (d == NULL)
            return shell_error(-ENODEV, "pci: no function %s (see lspci)", argv[2]);
        return msi_test(d);
    }
    bool write = argc >= 2 && strcmp(argv[1], "write") == 0;
    bool read = argc >= 2 && strcmp(argv[1], "read") == 0;
    if ((!read && !write) || argc < 4)
        return shell_usage("pci");
    struct pci_device *d = device_by_name(argv[2]);
    if (d == NULL)
        return shell_error(-ENODEV, "pci: no function %s (see lspci)", argv[2]);
    uint32_t off, value = 0, width = 4;
    int nargs = write ? 6 : 5;
    if (parse_u32(argv[3], &off) != 0 || (write && argc < 5) ||
        (write && parse_u32(argv[4], &value) != 0) ||
        (argc == nargs && parse_u32(argv[nargs - 1], &width) != 0) || argc > nargs)
        return shell_usage("pci");
    if ((width != 1 && width != 2 && width != 4) || off % width ||
        off + width > (pci_has_ecam() ? PCI_CFG_SPACE_EXP_SIZE : PCI_CFG_SPACE_SIZE))
        return shell_error(-EINVAL, "pci: offset %#x width %u is not a naturally aligned "
                           "register in configuration space", off, width);
    if (write) {
        if (width == 1)
            pci_write8(d, (uint16_t)off, (uint8_t)value);
        else if (width == 2)
            pci_write16(d, (uint16_t)off, (uint16_t)value);
        else
            pci_write32(d, (uint16_t)off, value);
    }
    uint32_t v = width == 1 ? pci_read8(d, (uint16_t)off)
                            : width == 2 ? pci_read16(d, (uint16_t)off) : pci_read32(d, (uint16_t)off);
    kprintf("%s %#05x: 0x%0*x\n", argv[2], off, (int)width * 2, v);
    return 0;
}
SHELL_COMMAND(pci, "pci",
              "read BB:DD.F OFFSET [WIDTH] | write BB:DD.F OFFSET VALUE [WIDTH] | "
              "msi-test BB:DD.F",
              "read or write PCI configuration space (WIDTH 1, 2 or 4 bytes; default 4); "
              "msi-test: MSI delivery on QEMU's edu device", cmd_pci);
