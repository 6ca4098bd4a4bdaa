/*
 * Host test: drivers/pci/pci_decode.c - BAR decoding from value and sizing
 * read-back (32/64-bit memory, prefetchable, I/O with 16 address bits,
 * unimplemented BARs), the name tables, and which storage functions nvos
 * drives as NVMe or reports as Intel VMD/RST RAID.
 */
#include "drivers/pci/pci_decode.h"
#include "tests/host/check.h"

int main(void)
{
    struct pci_bar b;

    /* QEMU NVMe BAR0 under SeaBIOS: 64-bit, 16 KiB, at 0xfebf0000. */
    CHECK_EQ(pci_bar_decode(0xfebf0004, 0xffffc004, 0x0, 0xffffffff, &b), 2);
    CHECK(b.is_64 && !b.is_io && !b.prefetchable);
    CHECK_EQ(b.base, 0xfebf0000);
    CHECK_EQ(b.size, 0x4000);

    /* Under OVMF: above 4 GiB. */
    CHECK_EQ(pci_bar_decode(0x04000004, 0xffffc004, 0xe0, 0xffffffff, &b), 2);
    CHECK_EQ(b.base, 0xe004000000ull);
    CHECK_EQ(b.size, 0x4000);

    /* A 64-bit BAR larger than 4 GiB: the size comes from the high half. */
    CHECK_EQ(pci_bar_decode(0x0000000c, 0x0000000c, 0x80, 0xfffffffe, &b), 2);
    CHECK(b.prefetchable);
    CHECK_EQ(b.base, 0x8000000000ull);
    CHECK_EQ(b.size, 0x200000000ull);

    /* 32-bit prefetchable VGA framebuffer, 16 MiB. */
    CHECK_EQ(pci_bar_decode(0xfd000008, 0xff000008, 0, 0, &b), 1);
    CHECK(!b.is_64 && b.prefetchable);
    CHECK_EQ(b.base, 0xfd000000);
    CHECK_EQ(b.size, 16 << 20);

    /* I/O BAR with only 16 decoded bits (upper half reads back 0). */
    CHECK_EQ(pci_bar_decode(0xc041, 0xffe1, 0, 0, &b), 1);
    CHECK(b.is_io);
    CHECK_EQ(b.base, 0xc040);
    CHECK_EQ(b.size, 0x20);

    /* Full 32-bit I/O decode. */
    CHECK_EQ(pci_bar_decode(0x1001, 0xfffffff1, 0, 0, &b), 1);
    CHECK_EQ(b.size, 0x10);

    /* Unimplemented BARs read back 0. */
    CHECK_EQ(pci_bar_decode(0, 0, 0, 0, &b), 1);
    CHECK_EQ(b.size, 0);
    CHECK_EQ(pci_bar_decode(0x1, 0, 0, 0, &b), 1);
    CHECK_EQ(b.size, 0);

    CHECK_STR_EQ(pci_class_name(0x01, 0x08, 0x02), "NVMe controller");
    CHECK_STR_EQ(pci_class_name(0x01, 0x08, 0x01), "non-volatile memory controller");
    CHECK_STR_EQ(pci_class_name(0x06, 0x00, 0x00), "host bridge");
    CHECK_STR_EQ(pci_class_name(0x01, 0x42, 0x00), "storage controller");
    CHECK_STR_EQ(pci_class_name(0xff, 0x00, 0x00), "device");
    CHECK_STR_EQ(pci_capability_name(0x11), "MSI-X");
    CHECK(pci_capability_name(0x7f) == NULL);
    CHECK_STR_EQ(pci_express_type_name(9), "root complex integrated endpoint");
    /* Storage functions: NVMe by class; Apple's 01/80 ones; Intel VMD/RST RAID. */
    static const struct {
        uint16_t vendor, device;
        uint8_t cls, sub, pi;
        enum pci_storage_kind want;
    } storage[] = {
        { 0x1b36, 0x0010, 0x01, 0x08, 0x02, PCI_STORAGE_NVME },       /* QEMU */
        { 0x144d, 0xa808, 0x01, 0x08, 0x02, PCI_STORAGE_NVME },       /* Samsung */
        { 0x1b36, 0x0010, 0x01, 0x08, 0x03, PCI_STORAGE_OTHER },      /* not prog-if 02 */
        { 0x106b, 0x2001, 0x01, 0x80, 0x02, PCI_STORAGE_APPLE_NVME }, /* MacBook Air 7,1 */
        { 0x106b, 0x2005, 0x01, 0x80, 0x00, PCI_STORAGE_APPLE_NVME }, /* T2, by ID */
        { 0x106b, 0x1234, 0x01, 0x80, 0x02, PCI_STORAGE_APPLE_NVME }, /* by prog-if */
        { 0x106b, 0x1234, 0x01, 0x80, 0x00, PCI_STORAGE_OTHER },
        { 0x1234, 0x5678, 0x01, 0x80, 0x02, PCI_STORAGE_OTHER },      /* not Apple */
        { 0x8086, 0x467f, 0x01, 0x04, 0x00, PCI_STORAGE_INTEL_RAID }, /* VMD */
        { 0x8086, 0x282a, 0x01, 0x04, 0x00, PCI_STORAGE_INTEL_RAID }, /* RST SATA RAID */
        { 0x1000, 0x005b, 0x01, 0x04, 0x00, PCI_STORAGE_OTHER },      /* LSI RAID */
        { 0x8086, 0x2922, 0x01, 0x06, 0x01, PCI_STORAGE_OTHER },      /* AHCI */
        { 0x8086, 0x29c0, 0x06, 0x00, 0x00, PCI_STORAGE_OTHER },      /* host bridge */
    };
    for (size_t i = 0; i < sizeof(storage) / sizeof(storage[0]); i++)
        CHECK_EQ(pci_storage_kind(storage[i].vendor, storage[i].device, storage[i].cls,
                                  storage[i].sub, storage[i].pi),
                 storage[i].want);

    return check_exit();
}
