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
 * reject CNS 02h, are scanned from 1 to NN (bounded).
 *
 * A namespace whose format nvos cannot serve through the block layer is
 * still attached (the driver API can reach it) but is marked unusable, with
 * the reason: a metadata format is never silently read as a plain one.
 */
#include <string.h>

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

static int add_namespace(struct nvme_ctrlr *c, uint32_t nsid, bool from_scan)
{
    struct nvme_cpl cpl;
    nvme_phys_t phys;
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
    int err = identify(c, NVME_CNS_NS, nsid, ns->id, &cpl);
    if (err || (from_scan && ns->id->nsze == 0)) {
        /* An inactive ID (scan) or a refused one: not a namespace. */
        nvme_env_dma_free(ns->id, sizeof(*ns->id));
        kfree(ns);
        return err && !from_scan ? err : 0;
    }
    ns->unusable = decode_format(c, ns);
    kprintf("%sn%u: %llu blocks of %u bytes (%llu MiB), LBA format %u of %u, metadata %u%s%s\n",
            c->name, nsid, (unsigned long long)ns->nsze, ns->block_size,
            (unsigned long long)(ns->nsze * ns->block_size >> 20), ns->lbaf,
            ns->id->nlbaf + 1, ns->md_size, ns->unusable ? "; not a block device: " : "",
            ns->unusable ? ns->unusable : "");
    struct nvme_ns **pp = &c->namespaces;
    while (*pp && (*pp)->nsid < nsid)
        pp = &(*pp)->next;
    ns->next = *pp;
    *pp = ns;
    return 0;
}

int nvme_ns_identify_all(struct nvme_ctrlr *c)
{
    nvme_phys_t phys;
    uint32_t *list = nvme_env_dma_alloc(NVME_IDENTIFY_DATA_SIZE, &phys);
    int err = 0;
    unsigned count = 0;
    if (list == NULL)
        return -ENOMEM;

    /* No CNS 02h before 1.1, nor where the quirk says CNS is read as 00h/01h. */
    bool use_list = c->vs >= NVME_VS(1, 1, 0) && !(c->quirks & NVME_QUIRK_IDENTIFY_CNS);
    uint32_t after = 0;
    while (use_list) {
        struct nvme_cpl cpl;
        if (identify(c, NVME_CNS_NS_ACTIVE_LIST, after, list, &cpl) != 0) {
            kprintf("%s: Active Namespace ID list refused; scanning NSIDs 1..%u\n", c->name,
                    c->nn);
            use_list = false;
            break;
        }
        unsigned i;
        for (i = 0; i < NS_LIST_ENTRIES && list[i] != 0; i++) {
            /* IDs come in increasing order; anything else is garbage. */
            if (list[i] <= after || (c->nn && list[i] > c->nn)) {
                kprintf("%s: Active Namespace ID list entry %u out of order or range\n",
                        c->name, list[i]);
                break;
            }
            err = add_namespace(c, list[i], false);
            if (err)
                goto out;
            after = list[i];
            count++;
        }
        if (i < NS_LIST_ENTRIES || count >= NVME_MAX_NAMESPACES)
            goto out;
    }
    uint32_t last = c->nn < NVME_MAX_NAMESPACES ? c->nn : NVME_MAX_NAMESPACES;
    if (c->nn > NVME_MAX_NAMESPACES)
        kprintf("%s: NN is %u; scanning only the first %u NSIDs\n", c->name, c->nn,
                NVME_MAX_NAMESPACES);
    for (uint32_t nsid = 1; nsid <= last; nsid++) {
        err = add_namespace(c, nsid, true);
        if (err)
            goto out;
    }
out:
    nvme_env_dma_free(list, NVME_IDENTIFY_DATA_SIZE);
    if (err == 0 && c->namespaces == NULL)
        kprintf("%s: no active namespaces\n", c->name);
    return err;
}

void nvme_ns_free_all(struct nvme_ctrlr *c)
{
    while (c->namespaces) {
        struct nvme_ns *ns = c->namespaces;
        c->namespaces = ns->next;
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
