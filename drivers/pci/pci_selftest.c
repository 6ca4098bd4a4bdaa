/*
 * drivers/pci/pci_selftest.c - the PCI layer's check for the "selftest"
 * command (kernel/selftest.h): configuration space read now, through the
 * access method in use (ECAM or mechanism #1), agrees with what enumeration
 * recorded for every function: Vendor/Device ID (offset 00h) and Class
 * Code/Revision (08h) [PCI Local Bus 3.0 §6.2.1]. Reads only.
 */
#include "drivers/pci/pci.h"
#include "kernel/selftest.h"
#include "lib/errno.h"

static int check_config(void)
{
    unsigned n = 0;
    for (const struct pci_device *d = pci_devices(); d != NULL; d = d->next) {
        uint32_t id = pci_read32(d, 0x00), cls = pci_read32(d, 0x08);
        uint32_t want_id = (uint32_t)d->device_id << 16 | d->vendor_id;
        uint32_t want_cls = (uint32_t)d->class_code << 24 | (uint32_t)d->subclass << 16 |
                            (uint32_t)d->prog_if << 8 | d->revision;
        if (id != want_id || cls != want_cls) {
            char name[16];
            selftest_diag("pci %s: id %#010x class %#010x, enumeration saw %#010x %#010x",
                          pci_name(d, name, sizeof(name)), id, cls, want_id, want_cls);
            return -EIO;
        }
        n++;
    }
    if (n == 0) {
        selftest_diag("no PCI function found at boot");
        return -ENODEV;
    }
    selftest_diag("pci: %u functions agree with enumeration (%s)", n,
                  pci_has_ecam() ? "ECAM" : "configuration mechanism #1");
    return 0;
}
SELFTEST(20_pci_config, "pci_config_space", check_config);
