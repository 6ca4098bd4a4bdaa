/*
 * kernel/acpi/acpi.c - the pure ACPI table parser (see acpi.h).
 *
 * Implements the reading of: RSDP [ACPI 6.4 §5.2.5], RSDT/XSDT [§5.2.7-8],
 * the system description table header [§5.2.6], FADT [§5.2.9], MADT
 * [§5.2.12], HPET [IA-PC HPET 1.0a §3.2.4], MCFG [PCI Firmware 3.2 §4.1.2],
 * DMAR [Intel VT-d 4.1 §8.1-8.3], IVRS [AMD I/O Virtualization 3.08 §5.2],
 * and the \_S5 package in the DSDT [§7.4.2] by a byte scan of the AML (no
 * interpreter). Every length comes from firmware and is checked before use.
 */
#include "kernel/acpi/acpi.h"

#include <string.h>

#include "lib/errno.h"

#define SDT_HEADER_SIZE 36
#define MAX_TABLE_LENGTH (16u << 20)

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}
static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

bool acpi_rsdp_valid(const uint8_t *p, size_t len)
{
    if (len < 20 || memcmp(p, "RSD PTR ", 8) != 0 || sum8(p, 20) != 0)
        return false;
    /* ACPI 2.0+: the extended checksum covers "Length" bytes (36). */
    if (p[15] >= 2 && len >= 36 && rd32(p + 20) >= 36 && sum8(p, 36) != 0)
        return false;
    return true;
}

struct parser {
    acpi_map_fn map;
    acpi_warn_fn warn;
    void *ctx;
    struct acpi_info *out;
};

static void warnf(struct parser *ps, const char *msg)
{
    if (ps->warn)
        ps->warn(ps->ctx, msg);
}

/* Maps a whole table after checking its header; NULL if unusable. */
static const uint8_t *map_table(struct parser *ps, uint64_t phys, uint32_t *len_out,
                                bool *checksum_ok)
{
    const uint8_t *h = ps->map(phys, SDT_HEADER_SIZE, ps->ctx);
    if (h == NULL)
        return NULL;
    uint32_t len = rd32(h + 4);
    if (len < SDT_HEADER_SIZE || len > MAX_TABLE_LENGTH) {
        warnf(ps, "table with impossible length skipped");
        return NULL;
    }
    const uint8_t *t = ps->map(phys, len, ps->ctx);
    if (t == NULL)
        return NULL;
    *len_out = len;
    *checksum_ok = sum8(t, len) == 0;
    return t;
}

/*
 * One processor entry of the MADT. Flags [ACPI 6.4 Table 5.23]: bit 0
 * Enabled (usable now), bit 1 Online Capable (may be enabled later; only
 * meaningful when Enabled is clear). An entry with neither is not a usable
 * processor and is skipped; firmware may list a CPU as both a local APIC and
 * an x2APIC entry, so an ID seen before is skipped too.
 */
static void add_cpu(struct parser *ps, uint32_t apic_id, uint32_t flags, bool x2apic_entry)
{
    struct acpi_info *o = ps->out;
    if (!(flags & (ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAPABLE)))
        return;
    for (unsigned i = 0; i < o->cpu_count; i++)
        if (o->cpu_apic_ids[i] == apic_id)
            return;
    if (o->cpu_count >= ACPI_MAX_CPUS) {
        warnf(ps, "MADT lists more than 64 CPUs; the rest are ignored");
        return;
    }
    o->cpu_apic_ids[o->cpu_count] = apic_id;
    o->cpu_flags[o->cpu_count] = (uint8_t)(flags & (ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAPABLE));
    o->cpu_x2apic_entry[o->cpu_count] = x2apic_entry;
    o->cpu_count++;
}

static void parse_madt(struct parser *ps, const uint8_t *t, uint32_t len)
{
    struct acpi_info *o = ps->out;
    if (len < 44) {
        warnf(ps, "MADT too short");
        return;
    }
    o->have_madt = true;
    o->lapic_phys = rd32(t + 36);
    o->pcat_compat = rd32(t + 40) & 1;
    for (uint32_t off = 44; off + 2 <= len;) {
        uint8_t type = t[off], elen = t[off + 1];
        if (elen < 2 || off + elen > len) {
            warnf(ps, "MADT entry runs past the table; rest ignored");
            return;
        }
        const uint8_t *e = t + off;
        switch (type) {
        case 0: /* Processor Local APIC [§5.2.12.2] */
            if (elen >= 8)
                add_cpu(ps, e[3], rd32(e + 4), false);
            break;
        case 1: /* I/O APIC */
            if (elen >= 12 && o->ioapic_count < ACPI_MAX_IOAPICS) {
                o->ioapics[o->ioapic_count].id = e[2];
                o->ioapics[o->ioapic_count].phys = rd32(e + 4);
                o->ioapics[o->ioapic_count].gsi_base = rd32(e + 8);
                o->ioapic_count++;
            }
            break;
        case 2: /* Interrupt Source Override */
            if (elen >= 10 && e[2] == 0 /* ISA */ && o->override_count < ACPI_MAX_OVERRIDES) {
                o->overrides[o->override_count].bus_irq = e[3];
                o->overrides[o->override_count].gsi = rd32(e + 4);
                o->overrides[o->override_count].flags = rd16(e + 8);
                o->override_count++;
            }
            break;
        case 5: /* Local APIC Address Override */
            if (elen >= 12)
                o->lapic_phys = rd64(e + 4);
            break;
        case 9: /* Processor Local x2APIC [§5.2.12.12] */
            if (elen >= 16)
                add_cpu(ps, rd32(e + 4), rd32(e + 8), true);
            break;
        default:
            break;
        }
        off += elen;
    }
}

static void parse_mcfg(struct parser *ps, const uint8_t *t, uint32_t len)
{
    struct acpi_info *o = ps->out;
    /* 8 reserved bytes after the header, then 16-byte allocation entries. */
    for (uint32_t off = 44; off + 16 <= len && o->mcfg_count < ACPI_MAX_MCFG; off += 16) {
        const uint8_t *e = t + off;
        if (e[10] > e[11]) {
            warnf(ps, "MCFG entry with start bus > end bus skipped");
            continue;
        }
        o->mcfg[o->mcfg_count].base = rd64(e);
        o->mcfg[o->mcfg_count].segment = rd16(e + 8);
        o->mcfg[o->mcfg_count].bus_start = e[10];
        o->mcfg[o->mcfg_count].bus_end = e[11];
        o->mcfg_count++;
    }
}

static void parse_fadt(struct parser *ps, const uint8_t *t, uint32_t len)
{
    struct acpi_info *o = ps->out;
    if (len < 116) {
        warnf(ps, "FADT too short");
        return;
    }
    o->have_fadt = true;
    o->dsdt_phys = rd32(t + 40);
    o->sci_irq = rd16(t + 46);
    o->pm1a_cnt_port = rd32(t + 64);
    o->pm1b_cnt_port = rd32(t + 68);
    o->boot_arch_flags = rd16(t + 109);
    o->fadt_flags = rd32(t + 112);
    if (len >= 129) {
        o->reset_reg.space_id = t[116];
        o->reset_reg.bit_width = t[117];
        o->reset_reg.bit_offset = t[118];
        o->reset_reg.access_size = t[119];
        o->reset_reg.address = rd64(t + 120);
        o->reset_value = t[128];
        o->reset_supported = (o->fadt_flags & ACPI_FADT_RESET_REG_SUP) && o->reset_reg.address;
    }
    if (len >= 148 && rd64(t + 140) != 0)
        o->dsdt_phys = rd64(t + 140); /* X_DSDT wins when set */
    if (len >= 184 && o->pm1a_cnt_port == 0 && t[172] == 1 /* system I/O */)
        o->pm1a_cnt_port = (uint32_t)rd64(t + 176); /* X_PM1a_CNT_BLK */
}

static void add_iommu(struct parser *ps, uint8_t kind, uint8_t flags, uint16_t segment,
                      uint64_t base)
{
    struct acpi_info *o = ps->out;
    if (base == 0) {
        warnf(ps, "IOMMU entry with register base 0 skipped");
        return;
    }
    for (unsigned i = 0; i < o->iommu_count; i++)
        if (o->iommus[i].base == base && o->iommus[i].segment == segment)
            return; /* the same unit described again (IVHD 10h and 11h/40h) */
    if (o->iommu_count >= ACPI_MAX_IOMMUS) {
        warnf(ps, "more than 8 IOMMU units; the rest are ignored");
        return;
    }
    o->iommus[o->iommu_count].kind = kind;
    o->iommus[o->iommu_count].flags = flags;
    o->iommus[o->iommu_count].segment = segment;
    o->iommus[o->iommu_count].base = base;
    o->iommu_count++;
}

/* [VT-d 4.1 §8.1] header, HAW at 36, flags at 37, 10 reserved bytes, then
 * remapping structures (2-byte type, 2-byte length); [§8.3] DRHD (type 0):
 * flags at 4, segment at 6, register base at 8; 16 bytes before its scope. */
static void parse_dmar(struct parser *ps, const uint8_t *t, uint32_t len)
{
    struct acpi_info *o = ps->out;
    if (len < 48) {
        warnf(ps, "DMAR too short");
        return;
    }
    o->have_dmar = true;
    o->dmar_host_address_width = (uint8_t)(t[36] + 1);
    o->dmar_flags = t[37];
    for (uint32_t off = 48; off + 4 <= len;) {
        uint16_t type = rd16(t + off), elen = rd16(t + off + 2);
        if (elen < 4 || off + elen > len) {
            warnf(ps, "DMAR structure runs past the table; rest ignored");
            return;
        }
        if (type == 0 && elen >= 16)
            add_iommu(ps, ACPI_IOMMU_VTD, t[off + 4], rd16(t + off + 6), rd64(t + off + 8));
        off += elen;
    }
}

/* [AMD IOMMU 3.08 §5.2.1] header, IVinfo at 36, 8 reserved bytes, then
 * IVDBs (1-byte type, 1-byte flags, 2-byte length); [§5.2.2.1-2] IVHD
 * types 10h, 11h, 40h: register base at 8, segment group at 16. IVMD
 * (20h-22h) blocks describe memory, not units. */
static void parse_ivrs(struct parser *ps, const uint8_t *t, uint32_t len)
{
    if (len < 48) {
        warnf(ps, "IVRS too short");
        return;
    }
    ps->out->have_ivrs = true;
    for (uint32_t off = 48; off + 4 <= len;) {
        uint8_t type = t[off];
        uint16_t elen = rd16(t + off + 2);
        if (elen < 4 || off + elen > len) {
            warnf(ps, "IVRS block runs past the table; rest ignored");
            return;
        }
        if ((type == 0x10 || type == 0x11 || type == 0x40) && elen >= 24)
            add_iommu(ps, ACPI_IOMMU_AMDVI, t[off + 1], rd16(t + off + 16), rd64(t + off + 8));
        off += elen;
    }
}

/* [ACPI 6.4 §20.2.4] PkgLength: returns bytes consumed, 0 if malformed. */
static size_t aml_pkg_length(const uint8_t *p, size_t avail, uint32_t *value)
{
    if (avail < 1)
        return 0;
    unsigned follow = p[0] >> 6;
    if (avail < 1 + follow)
        return 0;
    if (follow == 0) {
        *value = p[0] & 0x3F;
        return 1;
    }
    uint32_t v = p[0] & 0x0F;
    for (unsigned i = 0; i < follow; i++)
        v |= (uint32_t)p[1 + i] << (4 + 8 * i);
    *value = v;
    return 1 + follow;
}

/* One integer element of the \_S5 package; returns bytes consumed, 0 if not one. */
static size_t aml_small_integer(const uint8_t *p, size_t avail, uint8_t *v)
{
    if (avail < 1)
        return 0;
    switch (p[0]) {
    case 0x00: /* ZeroOp */
        *v = 0;
        return 1;
    case 0x01: /* OneOp */
        *v = 1;
        return 1;
    case 0x0A: /* BytePrefix */
        if (avail < 2)
            return 0;
        *v = p[1];
        return 2;
    case 0x0B: /* WordPrefix */
        if (avail < 3)
            return 0;
        *v = p[1];
        return 3;
    case 0x0C: /* DWordPrefix */
        if (avail < 5)
            return 0;
        *v = p[1];
        return 5;
    default:
        return 0;
    }
}

bool acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb)
{
    for (size_t i = 0; i + 4 <= len; i++) {
        if (memcmp(aml + i, "_S5_", 4) != 0)
            continue;
        /* Expect NameOp (0x08) before the name, optionally with a root prefix. */
        if (!((i >= 1 && aml[i - 1] == 0x08) || (i >= 2 && aml[i - 1] == '\\' && aml[i - 2] == 0x08)))
            continue;
        size_t p = i + 4;
        if (p >= len || aml[p] != 0x12) /* PackageOp */
            continue;
        p++;
        uint32_t pkglen;
        size_t n = aml_pkg_length(aml + p, len - p, &pkglen);
        if (n == 0)
            continue;
        p += n;
        if (p >= len)
            continue;
        uint8_t num_elements = aml[p++];
        if (num_elements < 1)
            continue;
        uint8_t a, b = 0;
        n = aml_small_integer(aml + p, len - p, &a);
        if (n == 0)
            continue;
        p += n;
        if (num_elements >= 2 && aml_small_integer(aml + p, len - p, &b) == 0)
            b = a;
        *slp_typa = a;
        *slp_typb = b;
        return true;
    }
    return false;
}

static void record_table(struct parser *ps, const uint8_t *t, uint64_t phys, uint32_t len,
                         bool checksum_ok)
{
    struct acpi_info *o = ps->out;
    if (o->table_count >= ACPI_MAX_TABLES)
        return;
    struct acpi_table_ref *r = &o->tables[o->table_count++];
    memcpy(r->signature, t, 4);
    r->signature[4] = '\0';
    r->phys = phys;
    r->length = len;
    r->revision = t[8];
    r->checksum_ok = checksum_ok;
}

/* SPCR [Microsoft SPCR rev. 1.08, Table 3]: interface type at 36, the base
 * address as a Generic Address Structure at 40, configured baud rate code
 * at 58 (3 = 9600, 4 = 19200, 6 = 57600, 7 = 115200, 0 = as is). */
static void parse_spcr(struct parser *ps, const uint8_t *t, uint32_t len)
{
    static const uint32_t bauds[8] = { 0, 0, 0, 9600, 19200, 0, 57600, 115200 };
    if (len < 80) {
        warnf(ps, "SPCR shorter than 80 bytes: ignored");
        return;
    }
    struct acpi_info *o = ps->out;
    o->spcr_interface = t[36];
    o->spcr_base.space_id = t[40];
    o->spcr_base.bit_width = t[41];
    o->spcr_base.bit_offset = t[42];
    o->spcr_base.access_size = t[43];
    o->spcr_base.address = rd64(t + 44);
    o->spcr_baud = t[58] < 8 ? bauds[t[58]] : 0;
    o->have_spcr = o->spcr_base.address != 0;
}

static void parse_table(struct parser *ps, uint64_t phys)
{
    uint32_t len;
    bool ok;
    const uint8_t *t = map_table(ps, phys, &len, &ok);
    if (t == NULL)
        return;
    record_table(ps, t, phys, len, ok);
    if (!ok)
        warnf(ps, "table checksum mismatch (used anyway, as Linux does)");
    if (memcmp(t, "APIC", 4) == 0)
        parse_madt(ps, t, len);
    else if (memcmp(t, "MCFG", 4) == 0)
        parse_mcfg(ps, t, len);
    else if (memcmp(t, "FACP", 4) == 0)
        parse_fadt(ps, t, len);
    else if (memcmp(t, "DMAR", 4) == 0)
        parse_dmar(ps, t, len);
    else if (memcmp(t, "IVRS", 4) == 0)
        parse_ivrs(ps, t, len);
    else if (memcmp(t, "HPET", 4) == 0 && len >= 56 && t[40] == 0 /* memory space */)
        ps->out->hpet_phys = rd64(t + 44);
    else if (memcmp(t, "SPCR", 4) == 0)
        parse_spcr(ps, t, len);
}

int acpi_parse(const uint8_t *rsdp, size_t rsdp_len, acpi_map_fn map, acpi_warn_fn warn,
               void *ctx, struct acpi_info *out)
{
    struct parser ps = { map, warn, ctx, out };

    memset(out, 0, sizeof(*out));
    if (rsdp == NULL || !acpi_rsdp_valid(rsdp, rsdp_len))
        return -EINVAL;
    out->rsdp_revision = rsdp[15];
    memcpy(out->oem_id, rsdp + 9, 6);
    out->oem_id[6] = '\0';

    uint64_t xsdt = (rsdp[15] >= 2 && rsdp_len >= 36) ? rd64(rsdp + 24) : 0;
    uint64_t root = xsdt ? xsdt : rd32(rsdp + 16);
    unsigned entry_size = xsdt ? 8 : 4;
    out->root_phys = root;
    out->root_is_xsdt = xsdt != 0;

    uint32_t len;
    bool ok;
    const uint8_t *t = map_table(&ps, root, &len, &ok);
    if (t == NULL || memcmp(t, xsdt ? "XSDT" : "RSDT", 4) != 0)
        return -EINVAL;
    record_table(&ps, t, root, len, ok);
    if (!ok)
        warnf(&ps, "root table checksum mismatch (used anyway)");

    /* Copy the entry list first: mapping other tables may reuse the mapping. */
    uint64_t entries[ACPI_MAX_TABLES];
    unsigned count = 0;
    for (uint32_t off = SDT_HEADER_SIZE; off + entry_size <= len && count < ACPI_MAX_TABLES;
         off += entry_size)
        entries[count++] = entry_size == 8 ? rd64(t + off) : rd32(t + off);

    for (unsigned i = 0; i < count; i++)
        if (entries[i] != 0)
            parse_table(&ps, entries[i]);

    if (out->have_fadt && out->dsdt_phys) {
        const uint8_t *d = map_table(&ps, out->dsdt_phys, &len, &ok);
        if (d != NULL && memcmp(d, "DSDT", 4) == 0) {
            record_table(&ps, d, out->dsdt_phys, len, ok);
            out->s5_valid = acpi_find_s5(d + SDT_HEADER_SIZE, len - SDT_HEADER_SIZE,
                                         &out->slp_typa, &out->slp_typb);
        }
    }
    return 0;
}
