/*
 * Host test: drivers/pci/pci_msi.c on a fake function's configuration space
 * (256 bytes, with the read-only bits of Message Control kept read-only):
 * the 32-bit and 64-bit MSI layouts, per-vector masking present and absent,
 * the order of the writes (MSI Enable last), addresses a 32-bit function
 * cannot take, disabling; and the MSI-X Vector Control update that keeps
 * the reserved bits (the Kingston report, endlessm/linux PR #514).
 */
#include "drivers/pci/pci_msi.h"
#include "drivers/pci/pci_regs.h"
#include "lib/errno.h"
#include "tests/host/check.h"

struct fake_fn {
    uint8_t cfg[256];
    uint8_t cap;
    unsigned writes;
    uint16_t last_write_off;
    unsigned enable_writes_before_data; /* writes with Enable set before Data was written */
    bool data_written;
};

static uint16_t rd16(void *ctx, uint16_t off)
{
    struct fake_fn *f = ctx;
    CHECK(off + 2 <= 256 && off % 2 == 0);
    return (uint16_t)(f->cfg[off] | f->cfg[off + 1] << 8);
}

static uint32_t rd32(void *ctx, uint16_t off)
{
    CHECK(off + 4 <= 256 && off % 4 == 0);
    return rd16(ctx, off) | (uint32_t)rd16(ctx, (uint16_t)(off + 2)) << 16;
}

static void wr16(void *ctx, uint16_t off, uint16_t v)
{
    struct fake_fn *f = ctx;
    CHECK(off + 2 <= 256 && off % 2 == 0);
    f->writes++;
    f->last_write_off = off;
    if (off == f->cap + PCI_MSI_CONTROL) {
        /* Only Enable and MME are writable [PCI 3.0 §6.8.1.3]. */
        uint16_t old = rd16(ctx, off);
        uint16_t rw = PCI_MSI_CONTROL_ENABLE | PCI_MSI_CONTROL_MME_MASK;
        v = (uint16_t)((old & ~rw) | (v & rw));
        if ((v & PCI_MSI_CONTROL_ENABLE) && !f->data_written)
            f->enable_writes_before_data++;
    }
    f->cfg[off] = (uint8_t)v;
    f->cfg[off + 1] = (uint8_t)(v >> 8);
}

static void wr32(void *ctx, uint16_t off, uint32_t v)
{
    struct fake_fn *f = ctx;
    CHECK(off + 4 <= 256 && off % 4 == 0);
    f->writes++;
    f->last_write_off = off;
    for (int i = 0; i < 4; i++)
        f->cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static const struct pci_cfg_ops ops = { rd16, rd32, wr16, wr32 };

static void fake_init(struct fake_fn *f, uint8_t cap, uint16_t control)
{
    memset(f, 0, sizeof(*f));
    f->cap = cap;
    f->cfg[cap] = PCI_CAP_ID_MSI;
    f->cfg[cap + 2] = (uint8_t)control;
    f->cfg[cap + 3] = (uint8_t)(control >> 8);
}

/* Tracks when Message Data is written (a 16-bit write at its offset). */
static uint16_t data_off_for_test;
static void wr16_data(void *ctx, uint16_t off, uint16_t v)
{
    struct fake_fn *f = ctx;
    if (off == data_off_for_test)
        f->data_written = true;
    wr16(ctx, off, v);
}
static const struct pci_cfg_ops ops_tracking = { rd16, rd32, wr16_data, wr32 };

int main(void)
{
    struct pci_msi_info mi;
    struct fake_fn f;

    /* 64-bit, per-vector masking, 8 vectors capable (MMC = 3), at 0x50. */
    fake_init(&f, 0x50, PCI_MSI_CONTROL_64BIT | PCI_MSI_CONTROL_PVM | (3 << 1));
    pci_msi_decode(0x50, rd16(&f, 0x52), &mi);
    CHECK(mi.is64 && mi.per_vector_mask);
    CHECK_EQ(mi.vectors, 8);
    CHECK_EQ(mi.data_off, 0x5C);
    CHECK_EQ(mi.mask_off, 0x60);
    /* Firmware left vectors 0-2 masked and MME = 2 (4 vectors). */
    wr32(&f, 0x60, 0x7);
    wr16(&f, 0x52, (uint16_t)(rd16(&f, 0x52) | (2 << 4)));
    data_off_for_test = mi.data_off;
    CHECK_EQ(pci_msi_program(&ops_tracking, &f, &mi, 0x12fee01000ull, 0x0041), 0);
    CHECK_EQ(rd32(&f, 0x54), 0xfee01000u);
    CHECK_EQ(rd32(&f, 0x58), 0x12);
    CHECK_EQ(rd16(&f, 0x5C), 0x0041);
    CHECK_EQ(rd32(&f, 0x60), 0x6); /* vector 0 unmasked, the others kept */
    uint16_t ctl = rd16(&f, 0x52);
    CHECK(ctl & PCI_MSI_CONTROL_ENABLE);
    CHECK_EQ((ctl & PCI_MSI_CONTROL_MME_MASK) >> 4, 0); /* one vector */
    CHECK_EQ(ctl & PCI_MSI_CONTROL_MMC_MASK, 3 << 1);  /* read-only field intact */
    CHECK_EQ(f.last_write_off, 0x52);                  /* Enable is the last write */
    CHECK_EQ(f.enable_writes_before_data, 0);

    pci_msi_disable(&ops, &f, &mi);
    CHECK(!(rd16(&f, 0x52) & PCI_MSI_CONTROL_ENABLE));
    CHECK_EQ(rd32(&f, 0x60), 0x7);

    /* 32-bit, no masking, 1 vector, at 0x80 (the layout QEMU's ich9-ahci uses). */
    fake_init(&f, 0x80, 0);
    pci_msi_decode(0x80, rd16(&f, 0x82), &mi);
    CHECK(!mi.is64 && !mi.per_vector_mask);
    CHECK_EQ(mi.vectors, 1);
    CHECK_EQ(mi.data_off, 0x88);
    CHECK_EQ(mi.mask_off, 0);
    /* Pending/mask dwords must not be touched: put canaries there. */
    wr32(&f, 0x8C, 0xA5A5A5A5u);
    f.writes = 0;
    CHECK_EQ(pci_msi_program(&ops, &f, &mi, 0xfee00000u, 0x0033), 0);
    CHECK_EQ(rd32(&f, 0x84), 0xfee00000u);
    CHECK_EQ(rd16(&f, 0x88), 0x0033);
    CHECK_EQ(rd32(&f, 0x8C), 0xA5A5A5A5u);
    CHECK(rd16(&f, 0x82) & PCI_MSI_CONTROL_ENABLE);
    CHECK_EQ(f.writes, 4); /* control off, address, data, control on */

    /* A 32-bit function cannot take an address above 4 GiB; nothing written. */
    fake_init(&f, 0x80, 0);
    CHECK_EQ(pci_msi_program(&ops, &f, &mi, 0x1fee00000ull, 0x33), -EINVAL);
    CHECK_EQ(f.writes, 0);
    CHECK_EQ(pci_msi_program(&ops, &f, &mi, 0xfee00002u, 0x33), -EINVAL);
    CHECK_EQ(f.writes, 0);

    /* Reserved MMC encodings (110b, 111b): one vector. */
    pci_msi_decode(0x40, 7 << 1, &mi);
    CHECK_EQ(mi.vectors, 1);
    pci_msi_decode(0x40, 5 << 1, &mi);
    CHECK_EQ(mi.vectors, 32);

    /* MSI-X Vector Control: bit 0 only. A Kingston-like entry with reserved
     * bits set is unmasked by clearing bit 0 alone; they stay as they were. */
    CHECK_EQ(pci_msix_vector_control(0x00000003u, false), 0x00000002u);
    CHECK_EQ(pci_msix_vector_control(0xfffffffeu, true), 0xffffffffu);
    CHECK_EQ(pci_msix_vector_control(0x00000002u, true), 0x00000003u);
    CHECK_EQ(pci_msix_vector_control(0x00000001u, false), 0);
    return check_exit();
}
