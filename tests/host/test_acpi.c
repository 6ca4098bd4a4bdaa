/*
 * Host test: kernel/acpi/acpi.c on the ACPI tables QEMU's SeaBIOS and OVMF
 * build (captured by tools/capture_acpi.py into tests/host/data/acpi/), on
 * damaged copies of them, on a synthetic MADT (processor entries) and on
 * synthetic \_S5 AML, and on synthetic DMAR and IVRS tables.
 *
 * usage: test_acpi DATA_DIR
 */
#include <stdint.h>
#include <stdlib.h>

#include "kernel/acpi/acpi.h"
#include "lib/errno.h"
#include "tests/host/check.h"

#define MAX_TABLES 32

struct table {
    char sig[5];
    uint64_t phys;
    size_t len;
    uint8_t *bytes;
};

struct capture {
    struct table t[MAX_TABLES];
    int n;
    int warnings;
};

static int hexval(int c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static void load(struct capture *c, const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    memset(c, 0, sizeof(*c));
    char line[256];
    struct table *cur = NULL;
    size_t fill = 0;
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#')
            continue;
        if (strncmp(line, "TABLE ", 6) == 0) {
            cur = &c->t[c->n++];
            unsigned long long phys;
            sscanf(line + 6, "%4s %llx %zu", cur->sig, &phys, &cur->len);
            cur->phys = phys;
            cur->bytes = calloc(1, cur->len);
            fill = 0;
        } else if (cur) {
            for (char *p = line; p[0] && p[1] && p[0] != '\n'; p += 2)
                if (fill < cur->len)
                    cur->bytes[fill++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
        }
    }
    fclose(f);
}

static void unload(struct capture *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->t[i].bytes);
}

static const void *map(uint64_t phys, size_t len, void *ctx)
{
    struct capture *c = ctx;
    for (int i = 0; i < c->n; i++)
        if (phys >= c->t[i].phys && phys - c->t[i].phys + len <= c->t[i].len)
            return c->t[i].bytes + (phys - c->t[i].phys);
    return NULL;
}

static void warn(void *ctx, const char *msg)
{
    if (getenv("TEST_ACPI_VERBOSE"))
        fprintf(stderr, "warning: %s\n", msg);
    ((struct capture *)ctx)->warnings++;
}

static struct table *find(struct capture *c, const char *sig)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->t[i].sig, sig) == 0)
            return &c->t[i];
    return NULL;
}

static int parse(struct capture *c, struct acpi_info *out)
{
    struct table *r = find(c, "RSDP");
    CHECK(r != NULL);
    return acpi_parse(r->bytes, r->len, map, warn, c, out);
}

static void check_common(const struct acpi_info *a)
{
    CHECK(a->have_madt);
    CHECK_EQ(a->lapic_phys, 0xfee00000);
    CHECK_EQ(a->cpu_count, 1);
    CHECK_EQ(a->ioapic_count, 1);
    CHECK_EQ(a->ioapics[0].phys, 0xfec00000);
    CHECK_EQ(a->ioapics[0].gsi_base, 0);
    /* Every PC firmware overrides the timer: ISA IRQ 0 -> GSI 2. */
    CHECK(a->override_count >= 1);
    CHECK_EQ(a->overrides[0].bus_irq, 0);
    CHECK_EQ(a->overrides[0].gsi, 2);
    CHECK(a->have_fadt);
    CHECK(a->s5_valid);
    CHECK_EQ(a->hpet_phys, 0xfed00000);
    for (unsigned i = 0; i < a->table_count; i++)
        CHECK(a->tables[i].checksum_ok);
}

static void check_capture(const char *dir, const char *name, bool xsdt, bool q35)
{
    struct capture c;
    struct acpi_info a;
    load(&c, dir, name);
    CHECK_EQ(parse(&c, &a), 0);
    CHECK_EQ(c.warnings, 0);
    CHECK_EQ(a.root_is_xsdt, xsdt);
    CHECK_STR_EQ(a.oem_id, "BOCHS ");
    check_common(&a);
    if (q35) {
        CHECK_EQ(a.mcfg_count, 1);
        CHECK_EQ(a.mcfg[0].base, 0xb0000000);
        CHECK_EQ(a.mcfg[0].bus_start, 0);
        CHECK_EQ(a.mcfg[0].bus_end, 255);
        CHECK_EQ(a.pm1a_cnt_port, 0x604);
        CHECK(a.reset_supported);
        CHECK_EQ(a.reset_reg.space_id, 1);
        CHECK_EQ(a.reset_reg.address, 0xcf9);
        CHECK_EQ(a.reset_value, 0x0f);
    } else {
        CHECK_EQ(a.mcfg_count, 0);
        CHECK(a.pm1a_cnt_port != 0);
    }

    /* A bad checksum is reported but the table is still used. */
    struct table *apic = find(&c, "APIC");
    apic->bytes[9] ^= 0x55;
    c.warnings = 0;
    CHECK_EQ(parse(&c, &a), 0);
    CHECK(c.warnings > 0);
    CHECK_EQ(a.ioapic_count, 1);
    apic->bytes[9] ^= 0x55;

    /* An MADT entry of length 0 stops the walk without reading further. */
    uint8_t saved = apic->bytes[45];
    apic->bytes[45] = 0;
    c.warnings = 0;
    CHECK_EQ(parse(&c, &a), 0);
    CHECK(c.warnings > 0);
    apic->bytes[45] = saved;

    /* A table claiming to be huge is skipped (the map refuses it). */
    struct table *mcfg = find(&c, "HPET");
    uint8_t len_hi = mcfg->bytes[7];
    mcfg->bytes[7] = 0x7f;
    CHECK_EQ(parse(&c, &a), 0);
    CHECK_EQ(a.hpet_phys, 0);
    mcfg->bytes[7] = len_hi;

    /* A broken RSDP is refused. */
    struct table *r = find(&c, "RSDP");
    r->bytes[0] = 'X';
    CHECK_EQ(parse(&c, &a), -EINVAL);
    r->bytes[0] = 'R';
    r->bytes[8] ^= 1; /* checksum */
    CHECK_EQ(parse(&c, &a), -EINVAL);
    r->bytes[8] ^= 1;

    /* Random damage anywhere: must never crash or read out of bounds. */
    uint32_t seed = 12345;
    for (int iter = 0; iter < 3000; iter++) {
        seed = seed * 1103515245u + 12345u;
        struct table *t = &c.t[(seed >> 8) % (uint32_t)c.n];
        size_t pos = (seed >> 4) % t->len;
        uint8_t old = t->bytes[pos];
        t->bytes[pos] ^= (uint8_t)(1u << (seed % 8));
        (void)parse(&c, &a);
        t->bytes[pos] = old;
    }
    unload(&c);
}

/* Processor entries: flags, duplicates, x2APIC entries (a synthetic MADT in
 * place of the captured one). */
static void test_madt_cpus(const char *dir)
{
    struct capture c;
    struct acpi_info a;
    load(&c, dir, "seabios-q35");
    struct table *apic = find(&c, "APIC");
    CHECK(apic != NULL);
    uint8_t m[44 + 5 * 8 + 2 * 16 + 12];
    memset(m, 0, sizeof(m));
    memcpy(m, apic->bytes, 44); /* header, local APIC address, flags */
    m[4] = (uint8_t)sizeof(m);
    m[5] = 0;
    uint8_t *e = m + 44;
    /* type 0 (Processor Local APIC): type, len, UID, APIC id, flags (32-bit) */
    const uint8_t lapics[5][8] = {
        { 0, 8, 0, 0, 1, 0, 0, 0 },   /* enabled */
        { 0, 8, 1, 1, 0, 0, 0, 0 },   /* neither enabled nor online capable: skipped */
        { 0, 8, 2, 2, 2, 0, 0, 0 },   /* online capable only */
        { 0, 8, 3, 0, 1, 0, 0, 0 },   /* APIC id 0 again: skipped */
        { 0, 8, 4, 7, 3, 0, 0, 0 },   /* enabled (online capable ignored) */
    };
    for (int i = 0; i < 5; i++, e += 8)
        memcpy(e, lapics[i], 8);
    /* type 9 (Processor Local x2APIC): type, len, reserved(2), id(4), flags(4), UID(4) */
    const uint8_t x2[2][16] = {
        { 9, 16, 0, 0, 0x2c, 0x01, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0 }, /* id 300, enabled */
        { 9, 16, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 6, 0, 0, 0 },       /* id 7 again: skipped */
    };
    for (int i = 0; i < 2; i++, e += 16)
        memcpy(e, x2[i], 16);
    /* type 1 (I/O APIC) at 0xfec00000, GSI base 0 */
    const uint8_t io[12] = { 1, 12, 0, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0 };
    memcpy(e, io, 12);
    uint8_t sum = 0;
    m[9] = 0;
    for (size_t i = 0; i < sizeof(m); i++)
        sum = (uint8_t)(sum + m[i]);
    m[9] = (uint8_t)-sum;
    free(apic->bytes);
    apic->bytes = malloc(sizeof(m));
    memcpy(apic->bytes, m, sizeof(m));
    apic->len = sizeof(m);

    CHECK_EQ(parse(&c, &a), 0);
    CHECK_EQ(c.warnings, 0);
    CHECK_EQ(a.cpu_count, 4);
    CHECK_EQ(a.cpu_apic_ids[0], 0);
    CHECK_EQ(a.cpu_flags[0], ACPI_MADT_ENABLED);
    CHECK_EQ(a.cpu_apic_ids[1], 2);
    CHECK_EQ(a.cpu_flags[1], ACPI_MADT_ONLINE_CAPABLE);
    CHECK_EQ(a.cpu_apic_ids[2], 7);
    CHECK_EQ(a.cpu_flags[2], ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAPABLE);
    CHECK(!a.cpu_x2apic_entry[2]);
    CHECK_EQ(a.cpu_apic_ids[3], 300);
    CHECK(a.cpu_x2apic_entry[3]);
    CHECK_EQ(a.ioapic_count, 1);
    unload(&c);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Puts a synthetic table (signature sig, body from offset 36) in the place
 * of the capture's HPET, whose RSDT entry then leads to it. */
static void swap_in(struct capture *c, const char *sig, const uint8_t *t, size_t len)
{
    struct table *h = find(c, "HPET");
    CHECK(h != NULL);
    uint8_t *b = calloc(1, len);
    memcpy(b, t, len);
    memcpy(b, sig, 4);
    b[4] = (uint8_t)len;
    b[5] = (uint8_t)(len >> 8);
    b[8] = 1;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + b[i]);
    b[9] = (uint8_t)-sum;
    free(h->bytes);
    h->bytes = b;
    h->len = len;
    /* Longer than the HPET, it now covers the tables after it: last in the
     * list, so map() finds those first at their own addresses. */
    struct table moved = *h;
    *h = c->t[c->n - 1];
    c->t[c->n - 1] = moved;
}

/* Parses the SeaBIOS q35 capture with t in place of its HPET; returns the
 * number of warnings. */
static int parse_with(const char *dir, const char *sig, const uint8_t *t, size_t len,
                      struct acpi_info *a)
{
    struct capture c;
    load(&c, dir, "seabios-q35");
    swap_in(&c, sig, t, len);
    CHECK_EQ(parse(&c, a), 0);
    int warnings = c.warnings;
    unload(&c);
    return warnings;
}

/* DMAR [VT-d 4.1 §8]: two DRHD units (one with a device scope), an RMRR
 * that is not a unit; then the same with the last structure cut short. */
static void test_dmar(const char *dir)
{
    struct acpi_info a;
    uint8_t t[48 + 24 + 16 + 24];
    memset(t, 0, sizeof(t));
    t[36] = 38;   /* HAW: 39-bit host addresses */
    t[37] = ACPI_DMAR_INTR_REMAP | ACPI_DMAR_DMA_CTRL_PLATFORM_OPT_IN;
    uint8_t *e = t + 48;
    put16(e, 0);  /* DRHD, INCLUDE_PCI_ALL, segment 0, with an 8-byte scope */
    put16(e + 2, 24);
    e[4] = ACPI_DRHD_INCLUDE_PCI_ALL;
    put16(e + 6, 0);
    put64(e + 8, 0xfed90000ull);
    e[16] = 1;    /* scope: PCI endpoint 00:02.0 */
    e[17] = 8;
    e[22] = 2;
    e += 24;
    put16(e, 0);  /* DRHD, segment 1, above 4 GiB */
    put16(e + 2, 16);
    put16(e + 6, 1);
    put64(e + 8, 0x1fed91000ull);
    e += 16;
    put16(e, 1);  /* RMRR: reserved memory, not a unit */
    put16(e + 2, 24);
    put64(e + 8, 0x7f000000ull);

    CHECK_EQ(parse_with(dir, "DMAR", t, sizeof(t), &a), 0);
    CHECK(a.have_dmar && !a.have_ivrs);
    CHECK_EQ(a.dmar_host_address_width, 39);
    CHECK_EQ(a.dmar_flags, ACPI_DMAR_INTR_REMAP | ACPI_DMAR_DMA_CTRL_PLATFORM_OPT_IN);
    CHECK_EQ(a.iommu_count, 2);
    CHECK_EQ(a.iommus[0].kind, ACPI_IOMMU_VTD);
    CHECK_EQ(a.iommus[0].base, 0xfed90000ull);
    CHECK_EQ(a.iommus[0].segment, 0);
    CHECK_EQ(a.iommus[0].flags, ACPI_DRHD_INCLUDE_PCI_ALL);
    CHECK_EQ(a.iommus[1].base, 0x1fed91000ull);
    CHECK_EQ(a.iommus[1].segment, 1);
    CHECK_EQ(a.hpet_phys, 0); /* the HPET's place is taken */

    /* The RMRR claims 200 bytes: the units before it stay, one warning. */
    put16(t + 48 + 24 + 16 + 2, 200);
    CHECK_EQ(parse_with(dir, "DMAR", t, sizeof(t), &a), 1);
    CHECK_EQ(a.iommu_count, 2);

    /* A DRHD with a zero length would loop forever; one with base 0 is skipped. */
    put16(t + 48 + 2, 0);
    CHECK_EQ(parse_with(dir, "DMAR", t, sizeof(t), &a), 1);
    CHECK_EQ(a.iommu_count, 0);
    put16(t + 48 + 2, 24);
    put64(t + 48 + 8, 0);
    put16(t + 48 + 24 + 16 + 2, 24);
    CHECK_EQ(parse_with(dir, "DMAR", t, sizeof(t), &a), 1);
    CHECK_EQ(a.iommu_count, 1);
    CHECK_EQ(a.iommus[0].base, 0x1fed91000ull);
}

/* IVRS [AMD IOMMU 3.08 §5.2]: one unit described by IVHD 10h and again by
 * 11h (counted once), an IVMD (not a unit), a second unit by IVHD 40h. */
static void test_ivrs(const char *dir)
{
    struct acpi_info a;
    uint8_t t[48 + 24 + 40 + 32 + 40];
    memset(t, 0, sizeof(t));
    t[36] = 0x40; /* IVinfo: 48-bit virtual addresses */
    uint8_t *e = t + 48;
    e[0] = 0x10;
    e[1] = 0xb0;
    put16(e + 2, 24);
    put16(e + 4, 0x0002); /* the IOMMU is 00:00.2 */
    put16(e + 6, 0x40);
    put64(e + 8, 0xfeb80000ull);
    e += 24;
    e[0] = 0x11;
    put16(e + 2, 40);
    put64(e + 8, 0xfeb80000ull);
    e += 40;
    e[0] = 0x20;
    put16(e + 2, 32);
    e += 32;
    e[0] = 0x40;
    put16(e + 2, 40);
    put64(e + 8, 0xfeb81000ull);
    put16(e + 16, 2);

    CHECK_EQ(parse_with(dir, "IVRS", t, sizeof(t), &a), 0);
    CHECK(a.have_ivrs && !a.have_dmar);
    CHECK_EQ(a.iommu_count, 2);
    CHECK_EQ(a.iommus[0].kind, ACPI_IOMMU_AMDVI);
    CHECK_EQ(a.iommus[0].base, 0xfeb80000ull);
    CHECK_EQ(a.iommus[0].flags, 0xb0);
    CHECK_EQ(a.iommus[1].base, 0xfeb81000ull);
    CHECK_EQ(a.iommus[1].segment, 2);

    /* Too short for its header: ignored with a warning. */
    CHECK_EQ(parse_with(dir, "IVRS", t, 40, &a), 1);
    CHECK_EQ(a.iommu_count, 0);
}

static void test_s5(void)
{
    uint8_t a, b;
    /* Name(_S5, Package(4) {0x05, 0x05, 0, 0}) with BytePrefix */
    const uint8_t aml1[] = { 0x10, 0x08, '_', 'S', '5', '_', 0x12, 0x0A, 0x04,
                             0x0A, 0x05, 0x0A, 0x06, 0x00, 0x00 };
    CHECK(acpi_find_s5(aml1, sizeof(aml1), &a, &b));
    CHECK_EQ(a, 5);
    CHECK_EQ(b, 6);
    /* Root prefix, ZeroOp/OneOp elements, two-byte PkgLength */
    const uint8_t aml2[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x40, 0x00, 0x02, 0x01, 0x00 };
    CHECK(acpi_find_s5(aml2, sizeof(aml2), &a, &b));
    CHECK_EQ(a, 1);
    CHECK_EQ(b, 0);
    /* "_S5_" as a reference, not a definition, and truncated data */
    const uint8_t aml3[] = { 0x70, '_', 'S', '5', '_', 0x60 };
    CHECK(!acpi_find_s5(aml3, sizeof(aml3), &a, &b));
    const uint8_t aml4[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x0A };
    CHECK(!acpi_find_s5(aml4, sizeof(aml4), &a, &b));
    CHECK(!acpi_find_s5(aml4, 3, &a, &b));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
        return 2;
    }
    check_capture(argv[1], "seabios-q35", false, true);
    check_capture(argv[1], "seabios-pc", false, false);
    check_capture(argv[1], "ovmf-q35", true, true);
    check_capture(argv[1], "ovmf-pc", true, false);
    test_madt_cpus(argv[1]);
    test_dmar(argv[1]);
    test_ivrs(argv[1]);
    test_s5();
    return check_exit();
}
