/*
 * drivers/nvme/nvme_ns.c - namespace discovery and the namespace accessors.
 *
 * [NVMe Base 2.0 §5.17.2.2 (CNS 02h: Active Namespace ID list, NVMe 1.1 and
 * later), NVM Command Set 1.0 §4.1.5.1 (Identify Namespace: NSZE, FLBAS,
 * LBA Format)].
 *
 * NN is the highest namespace ID, not a count: IDs may have gaps (QEMU
 * reports NN=256 with one namespace), an inactive ID returns an all-zero
 * Identify (NSZE=0), and a scan must not stop at the first gap (Zephyr
 * does). The active list is preferred; controllers older than 1.1, or that
 * reject CNS 02h or return a list that breaks its rules (§5.17.2.2), are
 * scanned from 1 to NN (bounded by NVME_MAX_NAMESPACES). A namespace whose
 * Identify fails is skipped with one line; the others still count.
 *
 * A Namespace Attribute Changed event [§5.2, log page 04h §5.16.1.5] is
 * answered with a rescan (nvme_ns_rescan, run in thread context by
 * nvme_ctrlr_process_events): namespaces added, removed or resized are
 * updated and the block adapter is told (nvme_bdev_ns_changed).
 *
 * A namespace whose format nvos cannot serve through the block layer is
 * still attached (the driver API can reach it) but is marked unusable, with
 * the reason: a metadata format is never silently read as a plain one.
 */
#include <string.h>

#include "drivers/nvme/nvme_bdev.h"
#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_quirks.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "lib/errno.h"

#define NS_LIST_ENTRIES (NVME_IDENTIFY_DATA_SIZE / 4)

static int identify(struct nvme_ctrlr *c, uint8_t cns, uint32_t nsid, void *buf,
                    struct nvme_cpl *cpl)
{
    struct nvme_sqe cmd;
    nvme_cmd_identify(&cmd, cns, 0, nsid);
    return nvme_admin_sync(c, &cmd, buf, NVME_IDENTIFY_DATA_SIZE, cpl);
}

/* Decodes the format in use; returns NULL if nvos can use it as a block device. */
static const char *decode_format(struct nvme_ctrlr *c, struct nvme_ns *ns)
{
    const struct nvme_id_ns *id = ns->id;
    unsigned nformats = (unsigned)id->nlbaf + 1;
    unsigned idx = nvme_flbas_index(id->flbas, id->nlbaf);
    if (idx >= nformats || idx >= 64)
        return "FLBAS names an LBA format beyond NLBAF";
    const struct nvme_lbaf *f = &id->lbaf[idx];
    ns->lbaf = (uint8_t)idx;
    if (f->lbads < 9 || f->lbads > 16)
        return "LBA data size out of the supported 512 B..64 KiB range";
    ns->block_size = 1u << f->lbads;
    ns->md_size = f->ms;
    ns->extended_lba = NVME_GET((unsigned)id->flbas, FLBAS_EXTENDED) != 0;
    ns->pi_type = id->dps & 0x7;
    ns->nsze = id->nsze;
    uint32_t xfer_block = ns->block_size + (ns->extended_lba ? ns->md_size : 0);
    uint32_t max = c->max_xfer / xfer_block;
    ns->xfer_block = xfer_block;
    ns->max_request_blocks = (UINT32_MAX - 1) / (ns->block_size + ns->md_size);
    ns->max_blocks = max > NVME_RW_MAX_BLOCKS ? NVME_RW_MAX_BLOCKS : max;
    /* Separate metadata: a plain buffer never takes the short path. */
    ns->plain_max_blocks = ns->md_size && !ns->extended_lba ? 0 : ns->max_blocks;
    if (ns->max_blocks == 0)
        return "a block is larger than the controller's maximum transfer";
    if (ns->nsze == 0)
        return "namespace size is 0";
    if (ns->md_size)
        return ns->extended_lba
                   ? "LBA format with metadata interleaved in the data (extended LBA): "
                     "use the driver API with (block + metadata)-sized buffers"
                   : "LBA format with a separate metadata buffer: use the driver API's "
                     "*_with_md commands";
    return NULL;
}

/* Identify Namespace for nsid into buf; a refused one is reported in one line. */
static int identify_ns(struct nvme_ctrlr *c, uint32_t nsid, struct nvme_id_ns *buf, bool quiet)
{
    struct nvme_cpl cpl;
    int err = identify(c, NVME_CNS_NS, nsid, buf, &cpl);
    if (err && !quiet) {
        char what[48];
        ksnprintf(what, sizeof(what), "Identify Namespace %u", nsid);
        nvme_admin_failed(c, what, &cpl);
    }
    return err;
}

/* Errors that end discovery: no memory, or no controller to ask. Any other
 * failure concerns one namespace, which is skipped. */
static bool fatal_for_discovery(int err)
{
    return err == -ENOMEM || err == -ENODEV;
}

static void report_ns(struct nvme_ctrlr *c, const struct nvme_ns *ns, const char *prefix)
{
    kprintf("%s%sn%u: %llu blocks of %u bytes (%llu MiB), LBA format %u of %u, metadata %u%s%s\n",
            prefix, c->name, ns->nsid, (unsigned long long)ns->nsze, ns->block_size,
            (unsigned long long)(ns->nsze * ns->block_size >> 20), ns->lbaf,
            ns->id->nlbaf + 1, ns->md_size, ns->unusable ? "; not a block device: " : "",
            ns->unusable ? ns->unusable : "");
}

/*
 * Identifies nsid and links it into c->namespaces. from_scan: nsid is a
 * candidate of a 1..NN scan, and an all-zero answer (NSZE=0) means inactive.
 * A listed namespace whose Identify fails is skipped with one line (the
 * others still count); 0 then, and *out stays NULL.
 */
static int add_namespace(struct nvme_ctrlr *c, uint32_t nsid, bool from_scan, struct nvme_ns **out)
{
    nvme_phys_t phys;
    if (out)
        *out = NULL;
    struct nvme_ns *ns = kzalloc(sizeof(*ns));
    if (ns == NULL)
        return -ENOMEM;
    ns->id = nvme_env_dma_alloc(sizeof(*ns->id), &phys);
    if (ns->id == NULL) {
        kfree(ns);
        return -ENOMEM;
    }
    ns->ctrlr = c;
    ns->nsid = nsid;
    int err = identify_ns(c, nsid, ns->id, from_scan);
    if (err || (from_scan && ns->id->nsze == 0)) {
        /* An inactive ID (scan) or a refused one: not a namespace. */
        nvme_env_dma_free(ns->id, sizeof(*ns->id));
        kfree(ns);
        if (err && !from_scan && !fatal_for_discovery(err))
            kprintf("%s: namespace %u skipped: its Identify failed (%s)\n", c->name, nsid,
                    errno_name(err));
        return fatal_for_discovery(err) ? err : 0;
    }
    ns->unusable = decode_format(c, ns);
    report_ns(c, ns, "");
    struct nvme_ns **pp = &c->namespaces;
    while (*pp && (*pp)->nsid < nsid)
        pp = &(*pp)->next;
    ns->next = *pp;
    *pp = ns;
    if (out)
        *out = ns;
    return 0;
}

/*
 * [§5.17.2.2] The Active Namespace ID list: "a list of up to 1,024 active
 * NSIDs ... in increasing order", zero-filled after the last. Anything else
 * (a decreasing or repeated ID, an ID above NN, a non-zero ID after a zero)
 * is junk from the device, and the caller scans 1..NN instead. Fills ids
 * (NVME_MAX_NAMESPACES entries); returns the count, or -1 for "scan".
 */
static int active_list(struct nvme_ctrlr *c, uint32_t *list, uint32_t *ids)
{
    struct nvme_cpl cpl;
    /* No CNS 02h before 1.1, nor where the quirk says CNS is read as 00h/01h. */
    if (c->vs < NVME_VS(1, 1, 0) || (c->quirks & NVME_QUIRK_IDENTIFY_CNS))
        return -1;
    if (identify(c, NVME_CNS_NS_ACTIVE_LIST, 0, list, &cpl) != 0) {
        kprintf("%s: Active Namespace ID list refused; scanning NSIDs 1..%u\n", c->name, c->nn);
        return -1;
    }
    unsigned n = 0;
    uint32_t prev = 0;
    for (unsigned i = 0; i < NS_LIST_ENTRIES && i < NVME_MAX_NAMESPACES; i++) {
        uint32_t id = list[i];
        const char *junk = NULL;
        if (id == 0) {
            prev = UINT32_MAX; /* only zeros may follow */
            continue;
        }
        if (prev == UINT32_MAX)
            junk = "a non-zero ID after the end of the list";
        else if (id <= prev)
            junk = "IDs not in increasing order";
        else if (c->nn && id > c->nn)
            junk = "an ID above NN";
        if (junk) {
            kprintf("%s: Active Namespace ID list is invalid (entry %u is %u: %s); scanning "
                    "NSIDs 1..%u\n", c->name, i, id, junk, c->nn);
            return -1;
        }
        ids[n++] = prev = id;
    }
    return (int)n;
}

int nvme_ns_identify_all(struct nvme_ctrlr *c)
{
    nvme_phys_t phys;
    uint32_t *list = nvme_env_dma_alloc(NVME_IDENTIFY_DATA_SIZE, &phys);
    uint32_t *ids = kmalloc(NVME_MAX_NAMESPACES * sizeof(uint32_t));
    int err = 0;
    if (list == NULL || ids == NULL) {
        err = -ENOMEM;
        goto out;
    }
    int n = active_list(c, list, ids);
    c->ns_list_fallback = n < 0 && c->vs >= NVME_VS(1, 1, 0) &&
                          !(c->quirks & NVME_QUIRK_IDENTIFY_CNS);
    for (int i = 0; i < n && err == 0; i++)
        err = add_namespace(c, ids[i], false, NULL);
    if (n < 0) {
        uint32_t last = c->nn < NVME_MAX_NAMESPACES ? c->nn : NVME_MAX_NAMESPACES;
        if (c->nn > NVME_MAX_NAMESPACES)
            kprintf("%s: NN is %u; scanning only the first %u NSIDs\n", c->name, c->nn,
                    NVME_MAX_NAMESPACES);
        for (uint32_t nsid = 1; nsid <= last && err == 0; nsid++)
            err = add_namespace(c, nsid, true, NULL);
    }
out:
    if (list)
        nvme_env_dma_free(list, NVME_IDENTIFY_DATA_SIZE);
    kfree(ids);
    if (err == 0 && c->namespaces == NULL)
        kprintf("%s: no active namespaces\n", c->name);
    return err;
}

/* ---- rescan after a Namespace Attribute Changed event ---- */

static bool in_ids(const uint32_t *ids, int n, uint32_t nsid)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == nsid)
            return true;
    return false;
}

/* The namespace is gone: off the list (nvme_ctrlr_get_ns no longer finds
 * it) and onto c->ns_removed, kept until the controller goes, because a
 * block device may still hold it; that device now fails with ENODEV. */
static void remove_namespace(struct nvme_ctrlr *c, struct nvme_ns *ns)
{
    struct nvme_ns **pp = &c->namespaces;
    while (*pp && *pp != ns)
        pp = &(*pp)->next;
    if (*pp == NULL)
        return;
    *pp = ns->next;
    ns->removed = true;
    ns->unusable = "namespace removed";
    ns->next = c->ns_removed;
    c->ns_removed = ns;
    kprintf("%sn%u: namespace removed\n", c->name, ns->nsid);
    nvme_bdev_ns_changed(c, ns, NVME_NS_REMOVED);
}

/* Identify again; a changed size or format updates the namespace in place. */
static int refresh_namespace(struct nvme_ctrlr *c, struct nvme_ns *ns, struct nvme_id_ns *tmp,
                             bool from_scan)
{
    int err = identify_ns(c, ns->nsid, tmp, from_scan);
    if (err)
        return err;
    if (tmp->nsze == 0) {
        remove_namespace(c, ns);
        return 0;
    }
    if (memcmp(tmp, ns->id, sizeof(*tmp)) == 0)
        return 0;
    uint64_t old_nsze = ns->nsze;
    uint32_t old_bs = ns->block_size;
    memcpy(ns->id, tmp, sizeof(*tmp));
    ns->unusable = decode_format(c, ns);
    if (ns->nsze != old_nsze || ns->block_size != old_bs || ns->unusable) {
        report_ns(c, ns, "changed: ");
        nvme_bdev_ns_changed(c, ns, NVME_NS_RESIZED);
    }
    return 0;
}

int nvme_ns_rescan(struct nvme_ctrlr *c)
{
    nvme_phys_t phys, tphys;
    uint32_t *list = nvme_env_dma_alloc(NVME_IDENTIFY_DATA_SIZE, &phys);
    struct nvme_id_ns *tmp = nvme_env_dma_alloc(sizeof(*tmp), &tphys);
    uint32_t *ids = kmalloc(NVME_MAX_NAMESPACES * sizeof(uint32_t));
    int err = 0;
    if (list == NULL || tmp == NULL || ids == NULL) {
        err = -ENOMEM;
        goto out;
    }
    kprintf("%s: rescanning namespaces (Namespace Attribute Changed)\n", c->name);
    int n = active_list(c, list, ids);
    bool scan = n < 0;
    if (scan) {
        uint32_t last = c->nn < NVME_MAX_NAMESPACES ? c->nn : NVME_MAX_NAMESPACES;
        for (n = 0; (uint32_t)n < last; n++)
            ids[n] = (uint32_t)n + 1;
    }
    /* Gone from the list: removed. Still there: refreshed. */
    for (struct nvme_ns *ns = c->namespaces, *next; ns && err == 0; ns = next) {
        next = ns->next;
        if (!in_ids(ids, n, ns->nsid))
            remove_namespace(c, ns);
        else
            err = refresh_namespace(c, ns, tmp, scan);
        if (err && !fatal_for_discovery(err))
            err = 0; /* that one is left as it was */
    }
    for (int i = 0; i < n && err == 0; i++) {
        if (nvme_ctrlr_get_ns(c, ids[i]))
            continue;
        struct nvme_ns *ns;
        err = add_namespace(c, ids[i], scan, &ns);
        if (err == 0 && ns)
            nvme_bdev_ns_changed(c, ns, NVME_NS_ADDED);
    }
out:
    if (list)
        nvme_env_dma_free(list, NVME_IDENTIFY_DATA_SIZE);
    if (tmp)
        nvme_env_dma_free(tmp, sizeof(*tmp));
    kfree(ids);
    if (err)
        kprintf("%s: namespace rescan failed (%s)\n", c->name, errno_name(err));
    return err;
}

void nvme_ns_free_all(struct nvme_ctrlr *c)
{
    while (c->namespaces || c->ns_removed) {
        struct nvme_ns **head = c->namespaces ? &c->namespaces : &c->ns_removed;
        struct nvme_ns *ns = *head;
        *head = ns->next;
        nvme_env_dma_free(ns->id, sizeof(*ns->id));
        kfree(ns);
    }
}

struct nvme_ns *nvme_ctrlr_get_ns(struct nvme_ctrlr *c, uint32_t nsid)
{
    for (struct nvme_ns *ns = c->namespaces; ns; ns = ns->next)
        if (ns->nsid == nsid)
            return ns;
    return NULL;
}

uint32_t nvme_ctrlr_get_first_active_ns(const struct nvme_ctrlr *c)
{
    return c->namespaces ? c->namespaces->nsid : 0;
}

uint32_t nvme_ctrlr_get_next_active_ns(const struct nvme_ctrlr *c, uint32_t prev)
{
    for (const struct nvme_ns *ns = c->namespaces; ns; ns = ns->next)
        if (ns->nsid > prev)
            return ns->nsid;
    return 0;
}

uint32_t nvme_ns_get_id(const struct nvme_ns *ns)
{
    return ns->nsid;
}

struct nvme_ctrlr *nvme_ns_get_ctrlr(const struct nvme_ns *ns)
{
    return ns->ctrlr;
}

uint32_t nvme_ns_get_sector_size(const struct nvme_ns *ns)
{
    return ns->block_size;
}

uint32_t nvme_ns_get_md_size(const struct nvme_ns *ns)
{
    return ns->md_size;
}

bool nvme_ns_supports_extended_lba(const struct nvme_ns *ns)
{
    return ns->extended_lba;
}

uint64_t nvme_ns_get_num_sectors(const struct nvme_ns *ns)
{
    return ns->nsze;
}

uint32_t nvme_ns_get_max_io_xfer_size(const struct nvme_ns *ns)
{
    return ns->max_blocks * ns->block_size;
}

const struct nvme_id_ns *nvme_ns_get_data(const struct nvme_ns *ns)
{
    return ns->id;
}
