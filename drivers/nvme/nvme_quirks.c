/*
 * drivers/nvme/nvme_quirks.c - the quirk table and the nvme.quirks= override
 * (see nvme_quirks.h). Entries are matched in order; the first match wins,
 * so device IDs come before the Apple class entry.
 *
 * Sources, per entry: Linux drivers/nvme/host/pci.c nvme_id_table (the
 * quirk names are Linux's), its commits and the reports named.
 */
#include "drivers/nvme/nvme_quirks.h"

#include <string.h>

#include "drivers/nvme/nvme_internal.h"
#include "kernel/kernel.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"

#define ANY_DEVICE 0xFFFFFFFFu
#define ANY_CLASS 0xFFFFFFFFu
#define CLASS_APPLE_NVME 0x018002u /* mass storage / other / prog-if 02 */

struct quirk_entry {
    uint16_t vendor;
    uint32_t device;  /* ANY_DEVICE: any */
    uint32_t class_code; /* ANY_CLASS: any */
    uint32_t bits;
    const char *what;
    const char *report;
};

static const struct quirk_entry quirk_table[] = {
    /* Apple T2 (2018 and later Macs). 128-byte I/O SQEs and only vector 0
     * working: Linux commit "nvme-pci: Add support for Apple 2018+ models"
     * (Paul Pawlowski's reverse engineering; Dunedan/mbp-2016-linux #71).
     * The machine shuts down on a CID used on both the admin and the I/O
     * queue, and CIDs must stay below the I/O queue depth: "nvme-pci:
     * Support shared tags across queues for Apple 2018 controllers"; no
     * generation bits: NVME_QUIRK_SKIP_CID_GEN; CNS treated as a binary
     * field (no Active Namespace ID list): "nvme-pci: add
     * NVME_QUIRK_IDENTIFY_CNS quirk to Apple T2 controllers" (Hector Martin, 2023). */
    { 0x106b, 0x2005, ANY_CLASS,
      NVME_QUIRK_128_BYTES_SQES | NVME_QUIRK_SHARED_TAGS | NVME_QUIRK_SKIP_CID_GEN |
          NVME_QUIRK_IDENTIFY_CNS | NVME_QUIRK_SINGLE_VECTOR,
      "Apple T2 (106b:2005)", "Linux pci.c; Dunedan/mbp-2016-linux #71" },
    /* Apple S1X (MacBook8,1, MacBook Air 7,1): class 01/80; "IO queues not
     * created" unless one vector is used (cb22/macbook12-spi-driver #71);
     * Linux pci.c: 106b:2001 NVME_QUIRK_SINGLE_VECTOR. */
    { 0x106b, 0x2001, ANY_CLASS, NVME_QUIRK_SINGLE_VECTOR, "Apple S1X (106b:2001)",
      "Linux pci.c; cb22/macbook12-spi-driver #71, getsolus/packages #77" },
    /* Apple S3X (2016/2017 MacBook Pro): listed by ID in Linux pci.c because
     * of its class 01/80; one vector as for the S1X (Dunedan/mbp-2016-linux #9). */
    { 0x106b, 0x2003, ANY_CLASS, NVME_QUIRK_SINGLE_VECTOR, "Apple S3X (106b:2003)",
      "Linux pci.c; Dunedan/mbp-2016-linux #9" },
    /* Controllers that need 2.3 s after CC.EN=0 before CSTS.RDY may be
     * read: Linux pci.c NVME_QUIRK_DELAY_BEFORE_CHK_RDY (NVME_QUIRK_DELAY_AMOUNT). */
    { 0x1bb1, 0x0100, ANY_CLASS, NVME_QUIRK_DELAY_BEFORE_CHK_RDY,
      "Seagate Nytro Flash Storage (1bb1:0100)", "Linux pci.c" },
    { 0x1c58, 0x0003, ANY_CLASS, NVME_QUIRK_DELAY_BEFORE_CHK_RDY, "HGST adapter (1c58:0003)",
      "Linux pci.c (needed during firmware activation)" },
    { 0x144d, 0xa822, ANY_CLASS, NVME_QUIRK_DELAY_BEFORE_CHK_RDY,
      "Samsung PM1725a (144d:a822)", "Linux pci.c" },
    { 0x144d, 0xa808, ANY_CLASS, NVME_QUIRK_DELAY_BEFORE_CHK_RDY, "Samsung X5 (144d:a808)",
      "Linux pci.c" },
    /* Broken Write Zeroes: Linux pci.c NVME_QUIRK_DISABLE_WRITE_ZEROES. */
    { 0x1c5c, 0x1504, ANY_CLASS, NVME_QUIRK_DISABLE_WRITE_ZEROES, "SK Hynix PC400 (1c5c:1504)",
      "Linux pci.c" },
    { 0x15b7, 0x2001, ANY_CLASS, NVME_QUIRK_DISABLE_WRITE_ZEROES,
      "SanDisk Skyhawk (15b7:2001)", "Linux pci.c" },
    { 0x1d97, 0x2263, ANY_CLASS, NVME_QUIRK_DISABLE_WRITE_ZEROES, "SPCC (1d97:2263)",
      "Linux pci.c" },
    { 0x144d, 0xa80b, ANY_CLASS, NVME_QUIRK_DISABLE_WRITE_ZEROES,
      "Samsung PM9B1 (144d:a80b)", "Linux pci.c" },
    /* QEMU before 5.2 (Intel ID): Linux pci.c gives 8086:5845 IDENTIFY_CNS
     * and DISABLE_WRITE_ZEROES (SPDK nvme_quirks.c: IDENTIFY_CNS too). */
    { 0x8086, 0x5845, ANY_CLASS, NVME_QUIRK_IDENTIFY_CNS | NVME_QUIRK_DISABLE_WRITE_ZEROES,
      "QEMU NVMe, Intel ID (8086:5845)", "Linux pci.c, SPDK nvme_quirks.c" },
    /* Any other Apple function with class 01/80 prog-if 02: one vector, as
     * the IDs above (getsolus/packages #77: MacBook Air 7,1 seen this way). */
    { 0x106b, ANY_DEVICE, CLASS_APPLE_NVME, NVME_QUIRK_SINGLE_VECTOR,
      "Apple NVMe, class 01/80", "getsolus/packages #77, cb22/macbook12-spi-driver #71" },
};

static const char *const quirk_name_table[NVME_QUIRK_COUNT] = {
    "128_bytes_sqes", "shared_tags",           "skip_cid_gen",  "identify_cns",
    "delay_before_chk_rdy", "disable_write_zeroes", "single_vector",
};

uint32_t nvme_quirks_lookup(uint16_t vendor, uint16_t device, uint32_t class_code,
                            const char **what, const char **report)
{
    for (size_t i = 0; i < sizeof(quirk_table) / sizeof(quirk_table[0]); i++) {
        const struct quirk_entry *e = &quirk_table[i];
        if (e->vendor != vendor || (e->device != ANY_DEVICE && e->device != device) ||
            (e->class_code != ANY_CLASS && e->class_code != class_code))
            continue;
        if (what)
            *what = e->what;
        if (report)
            *report = e->report;
        return e->bits;
    }
    if (what)
        *what = NULL;
    if (report)
        *report = NULL;
    return 0;
}

const char *nvme_quirk_names(uint32_t bits, char *buf, size_t size)
{
    size_t n = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    for (unsigned i = 0; i < NVME_QUIRK_COUNT; i++) {
        if (!(bits & (1u << i)))
            continue;
        n += (size_t)ksnprintf(buf + (n < size ? n : size - 1), n < size ? size - n : 1, "%s%s",
                               n ? "," : "", quirk_name_table[i]);
    }
    if (n == 0)
        ksnprintf(buf, size, "none");
    return buf;
}

static int hex16(const char *s, size_t len, uint16_t *out)
{
    unsigned v = 0;
    if (len == 0 || len > 4)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        unsigned d = ch >= '0' && ch <= '9'   ? (unsigned)(ch - '0')
                     : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
                     : ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10)
                                              : 16u;
        if (d > 15)
            return -EINVAL;
        v = v * 16 + d;
    }
    *out = (uint16_t)v;
    return 0;
}

/* One entry "[VVVV:DDDD:]items" of length len; applies it to *bits when it
 * names this device or none. */
static int apply_entry(const char *s, size_t len, uint16_t vendor, uint16_t device, uint32_t *bits,
                       const char **bad)
{
    uint16_t v, d;
    bool mine = true;
    if (len >= 10 && s[4] == ':' && s[9] == ':' && hex16(s, 4, &v) == 0 &&
        hex16(s + 5, 4, &d) == 0) {
        mine = v == vendor && d == device;
        s += 10;
        len -= 10;
    }
    uint32_t set = 0, clear = 0;
    bool none = false;
    while (len > 0) {
        size_t n = 0;
        while (n < len && s[n] != ',')
            n++;
        bool minus = n > 0 && s[0] == '-';
        const char *name = s + (minus || (n > 0 && s[0] == '+'));
        size_t nlen = n - (size_t)(name - s);
        unsigned i;
        for (i = 0; i < NVME_QUIRK_COUNT; i++)
            if (strlen(quirk_name_table[i]) == nlen && memcmp(quirk_name_table[i], name, nlen) == 0)
                break;
        if (nlen == 4 && memcmp(name, "none", 4) == 0 && !minus)
            none = true;
        else if (i == NVME_QUIRK_COUNT) {
            *bad = s;
            return -EINVAL;
        } else if (minus)
            clear |= 1u << i;
        else
            set |= 1u << i;
        s += n + (n < len);
        len -= n + (n < len);
    }
    if (mine)
        *bits = ((none ? 0 : *bits) & ~clear) | set;
    return 0;
}

int nvme_quirks_override(const char *s, uint16_t vendor, uint16_t device, uint32_t *bits,
                         const char **bad)
{
    uint32_t b = *bits;
    *bad = NULL;
    if (s == NULL)
        return 0;
    while (*s) {
        size_t n = 0;
        while (s[n] && s[n] != ';')
            n++;
        int err = apply_entry(s, n, vendor, device, &b, bad);
        if (err)
            return err;
        s += n + (s[n] == ';');
    }
    *bits = b;
    return 0;
}

int nvme_quirks_init(struct nvme_ctrlr *c)
{
    const char *what, *report, *bad;
    char names[128];
    uint32_t table = nvme_quirks_lookup(c->pci_vendor, c->pci_device, c->pci_class, &what, &report);
    uint32_t bits = table;
    if (nvme_quirks_override(c->quirk_override, c->pci_vendor, c->pci_device, &bits, &bad)) {
        /* A typo must not cost the disk: the table's quirks, and one line. */
        kprintf("%s: nvme.quirks=%s ignored: unknown quirk at \"%s\" (known: %s)\n", c->name,
                c->quirk_override, bad, nvme_quirk_names((1u << NVME_QUIRK_COUNT) - 1, names,
                                                         sizeof(names)));
        bits = table;
    }
    c->quirks = bits;
    if (table)
        kprintf("%s: quirks %s: %s (%s)%s\n", c->name,
                nvme_quirk_names(table, names, sizeof(names)), what, report,
                bits != table ? "; changed by nvme.quirks=" : "");
    if (bits != table)
        kprintf("%s: quirks in effect (nvme.quirks=): %s\n", c->name,
                nvme_quirk_names(bits, names, sizeof(names)));
    return 0;
}

void nvme_quirk_delay_before_ready(struct nvme_ctrlr *c)
{
    if (!(c->quirks & NVME_QUIRK_DELAY_BEFORE_CHK_RDY))
        return;
    struct deadline d = deadline_in_ns((uint64_t)NVME_QUIRK_DELAY_MS * NSEC_PER_MSEC);
    while (!deadline_passed(d))
        nvme_env_relax(c);
}

uint32_t nvme_ctrlr_get_quirks(const struct nvme_ctrlr *c)
{
    return c->quirks;
}

const char *nvme_ctrlr_quirk_source(const struct nvme_ctrlr *c)
{
    const char *what, *report;
    if (nvme_quirks_lookup(c->pci_vendor, c->pci_device, c->pci_class, &what, &report) == 0)
        return NULL;
    return report;
}
