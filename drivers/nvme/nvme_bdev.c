/*
 * drivers/nvme/nvme_bdev.c - NVMe namespaces as block devices ("nvme0n1").
 *
 * The block layer's five operations map onto namespace commands: read,
 * write (FUA on request), flush, Write Zeroes, and Dataset Management with
 * the deallocate attribute for discard. Requests go to the calling CPU's
 * interrupt-driven queue pair or to its polled one, per device mode
 * ("blk mode" / nvme.poll=1): the controller's per-CPU table
 * (nvme_percpu.c) indexed by this_cpu_index(), so each CPU submits and
 * completes on a pair of its own; completions set the request's status from the
 * NVMe status with Linux's mapping (nvme_status.c), keep the raw status for
 * the error message, and call the block layer's callback.
 */
#include <string.h>

#include "drivers/block/block.h"
#include "drivers/nvme/nvme_bdev.h"
#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_limits.h"
#include "drivers/nvme/nvme_quirks.h"
#include "drivers/nvme/nvme_status.h"
#include "kernel/cmdline.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/smp/percpu.h"
#include "lib/errno.h"

struct nvme_bdev {
    struct block_device dev;
    struct nvme_ns *ns;
    struct nvme_qpair **qps;     /* current mode's table: the pair of CPU i is qps[i] */
    struct nvme_qpair *draining[NVME_MAX_CPUS]; /* CPU i's polled pair left with requests
                                                 * in flight, or NULL */
};

/* The calling CPU's pair: one load from a table made at controller init. */
static inline struct nvme_qpair *my_qpair(const struct nvme_bdev *b)
{
    return b->qps[this_cpu_index()];
}

_Static_assert(sizeof(struct nvme_dsm_range) <= sizeof(((struct block_request *)0)->driver_priv),
               "a discard's range lives in the request");

static void block_cb(void *arg, const struct nvme_cpl *cpl)
{
    struct block_request *req = arg;
    req->status = cpl->err;
    req->device_status = cpl->err ? cpl->cqe.status : 0; /* raw, as nvme_status_format takes it */
    req->done(req);
}

static int nvme_bdev_submit(struct block_device *dev, struct block_request *req)
{
    struct nvme_bdev *b = dev->driver_data;
    struct nvme_ns *ns = b->ns;
    if (unlikely(ns->unusable != NULL))
        return -ENODEV; /* removed, or changed to a format we cannot serve, by a rescan */
    struct nvme_qpair *qp = my_qpair(b);
    switch (req->op) {
    case BLOCK_OP_READ:
        return nvme_ns_cmd_read(ns, qp, req->buf, req->lba, req->count, block_cb, req, 0);
    case BLOCK_OP_WRITE:
        return nvme_ns_cmd_write(ns, qp, req->buf, req->lba, req->count, block_cb, req,
                                 (req->flags & BLOCK_REQ_FUA) ? NVME_IO_FLAGS_FUA : 0);
    case BLOCK_OP_FLUSH:
        return nvme_ns_cmd_flush(ns, qp, block_cb, req);
    case BLOCK_OP_WRITE_ZEROES:
        return nvme_ns_cmd_write_zeroes(ns, qp, req->lba, req->count, block_cb, req, 0);
    case BLOCK_OP_DISCARD: {
        struct nvme_dsm_range *r = (struct nvme_dsm_range *)req->driver_priv;
        nvme_dsm_range_set(r, req->lba, req->count, 0);
        return nvme_ns_cmd_dataset_management(ns, qp, NVME_DSM_AD, r, 1, block_cb, req);
    }
    }
    return -EINVAL;
}

static unsigned nvme_bdev_poll(struct block_device *dev, unsigned budget)
{
    struct nvme_bdev *b = dev->driver_data;
    unsigned cpu = this_cpu_index();
    int32_t n = nvme_qpair_process_completions(b->qps[cpu], budget == UINT32_MAX ? 0 : budget);
    struct nvme_qpair *left = b->draining[cpu];
    if (unlikely(left)) {
        int32_t m = nvme_qpair_process_completions(left, 0);
        if (m > 0)
            n = (n > 0 ? n : 0) + m;
        if (nvme_qpair_outstanding(left) == 0 || m < 0)
            b->draining[cpu] = NULL;
    }
    return n > 0 ? (unsigned)n : 0;
}

static void nvme_bdev_describe(struct block_device *dev, uint32_t status, char *buf, size_t size)
{
    (void)dev;
    nvme_status_format((uint16_t)status, buf, size);
}

static bool nvme_bdev_irq(struct block_device *dev)
{
    struct nvme_bdev *b = dev->driver_data;
    return my_qpair(b)->irq;
}


static int nvme_bdev_set_polled(struct block_device *dev, bool polled)
{
    struct nvme_bdev *b = dev->driver_data;
    struct nvme_ctrlr *c = b->ns->ctrlr;
    struct nvme_qpair **want = c->cpu_qp[polled ? 1 : 0];
    unsigned me = this_cpu_index();
    if (want[me]->irq == polled)
        return -EOPNOTSUPP; /* the controller has no pair of that kind */
    if (want == b->qps)
        return 0;
    /* Requests still in flight on a pair left (a benchmark job abandoned
     * them, and puts the mode back as it goes) complete by its interrupt,
     * or, on a polled pair, by its CPU's polls of the device until it
     * drains. Another CPU's polled pair with requests in flight: not now. */
    for (unsigned i = 0; i < c->cpu_count; i++) {
        struct nvme_qpair *qp = b->qps[i];
        if (qp->irq || nvme_qpair_outstanding(qp) == 0 || qp == want[i])
            continue;
        if (i != me || (b->draining[i] && b->draining[i] != qp))
            return -EBUSY; /* one left pair at a time, and only this CPU's */
    }
    struct nvme_qpair *mine = b->qps[me];
    if (!mine->irq && nvme_qpair_outstanding(mine))
        b->draining[me] = mine;
    if (b->draining[me] == want[me])
        b->draining[me] = NULL; /* back on it: polled as the current pair */
    b->qps = want;
    return 0;
}

static const struct block_device_ops nvme_bdev_ops = {
    .submit = nvme_bdev_submit,
    .poll = nvme_bdev_poll,
    .describe_status = nvme_bdev_describe,
    .interrupt_driven = nvme_bdev_irq,
    .set_polled = nvme_bdev_set_polled,
};

struct nvme_ns *nvme_ns_from_block(struct block_device *dev)
{
    return dev->ops == &nvme_bdev_ops ? ((struct nvme_bdev *)dev->driver_data)->ns : NULL;
}

static void set_geometry(struct nvme_bdev *b)
{
    struct nvme_ns *ns = b->ns;
    struct nvme_ctrlr *c = ns->ctrlr;
    struct block_geometry *g = &b->dev.geo;
    g->block_size = ns->block_size;
    g->block_count = ns->nsze;
    g->max_transfer = ns->max_blocks;
    g->queue_depth = (uint32_t)(b->qps[0]->ntrackers - b->qps[0]->cid_base);
    g->write_cache = (c->id->vwc & NVME_VWC_PRESENT) != 0;
    g->can_fua = true;
    g->can_write_zeroes = (c->id->oncs & NVME_ONCS_WRITE_ZEROES) != 0 &&
                          !(c->quirks & NVME_QUIRK_DISABLE_WRITE_ZEROES);
    g->recovery_ns = nvme_ctrlr_recovery_worst_ns(c);
    g->can_discard = (c->id->oncs & NVME_ONCS_DSM) != 0;
    g->read_only = (ns->id->nsattr & 1) != 0;
}

static int publish_one(struct nvme_ctrlr *c, struct nvme_ns *ns, bool polled)
{
    struct nvme_bdev *b = kzalloc(sizeof(*b));
    if (b == NULL)
        return -ENOMEM;
    b->ns = ns;
    b->qps = c->cpu_qp[polled ? 1 : 0];
    ksnprintf(b->dev.name, sizeof(b->dev.name), "%sn%u", c->name, ns->nsid);
    b->dev.ops = &nvme_bdev_ops;
    b->dev.driver_data = b;
    set_geometry(b);
    int err = block_register(&b->dev);
    if (err) {
        kfree(b);
        return err;
    }
    kprintf("%s: block device, %s completions\n", b->dev.name,
            b->qps[0]->irq ? "interrupt-driven" : "polled");
    /* A table that cannot be read is reported and leaves the namespace usable. */
    block_scan_partitions(&b->dev);
    return 0;
}

int nvme_bdev_publish(struct nvme_ctrlr *c)
{
    bool polled = cmdline_get_bool("nvme.poll", false);
    if (c->block_qp_irq == NULL)
        return 0; /* admin-only controller: nothing to serve */
    for (struct nvme_ns *ns = c->namespaces; ns; ns = ns->next) {
        if (ns->unusable)
            continue;
        int err = publish_one(c, ns, polled);
        if (err)
            return err;
    }
    return 0;
}

/*
 * After a rescan. The block layer never unregisters a device (file systems
 * and partitions may hold it), so a removed namespace's device stays, failing
 * every request with ENODEV, and a namespace that comes back under the same
 * NSID takes its device over again.
 */
void nvme_bdev_ns_changed(struct nvme_ctrlr *c, struct nvme_ns *ns, enum nvme_ns_change what)
{
    char name[sizeof(((struct block_device *)0)->name)];
    ksnprintf(name, sizeof(name), "%sn%u", c->name, ns->nsid);
    struct block_device *dev = block_find(name);
    struct nvme_bdev *b = dev && dev->ops == &nvme_bdev_ops ? dev->driver_data : NULL;
    if (c->block_qp_irq == NULL)
        return;
    if (what == NVME_NS_REMOVED) {
        if (b)
            kprintf("%s: block device kept; it fails with ENODEV until the namespace returns\n",
                    name);
        return;
    }
    if (ns->unusable) {
        if (b && b->ns == ns) {
            kprintf("%s: namespace changed to a format nvos cannot serve; the block device "
                    "now fails with ENODEV\n", name);
        }
        return;
    }
    if (b == NULL) {
        int err = publish_one(c, ns, cmdline_get_bool("nvme.poll", false));
        if (err)
            kprintf("%s: not published as a block device (%s)\n", name, errno_name(err));
        return;
    }
    b->ns = ns; /* the same struct after a resize; a new one after remove + add */
    set_geometry(b);
    kprintf("%s: block device now %llu blocks of %u bytes\n", name,
            (unsigned long long)ns->nsze, ns->block_size);
}
