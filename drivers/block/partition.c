/*
 * drivers/block/partition.c - partitions as block devices ("nvme0n1p1").
 *
 * The table is read once, when the whole device is published, by lib/part
 * (MBR with logical partitions, GPT with its CRCs and the backup header)
 * through a synchronous block-read seam. Each partition becomes a block
 * device whose requests are passed to the whole device in place: the block
 * layer's private fields keep the caller's LBA, callback and context, the
 * LBA is shifted by the partition's start, and the callback restores all
 * three before the caller sees the request again. Nothing is allocated per
 * I/O; geometry checks happen against the partition's size first, so a
 * request can never leave its partition.
 */
#include <string.h>

#include "drivers/block/block.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "lib/blkread.h"
#include "lib/errno.h"
#include "lib/part/part.h"

struct partition {
    struct block_device dev;
    struct block_device *whole;
};

static void part_done(struct block_request *req)
{
    req->lba = req->layer.lba;
    req->done = req->layer.done;
    req->ctx = req->layer.ctx;
    req->done(req);
}

static int part_submit(struct block_device *dev, struct block_request *req)
{
    struct block_device *whole = dev->parent;
    req->layer.lba = req->lba;
    req->layer.done = req->done;
    req->layer.ctx = req->ctx;
    req->lba += dev->start_lba;
    req->done = part_done;
    int err = whole->ops->submit(whole, req);
    if (err) { /* not accepted: the caller keeps its request as it was */
        req->lba = req->layer.lba;
        req->done = req->layer.done;
        req->ctx = req->layer.ctx;
    }
    return err;
}

static unsigned part_poll(struct block_device *dev, unsigned budget)
{
    return block_poll(dev->parent, budget);
}

static bool part_irq(struct block_device *dev)
{
    struct block_device *whole = dev->parent;
    return whole->ops->interrupt_driven && whole->ops->interrupt_driven(whole);
}

static const struct block_device_ops partition_ops = {
    .submit = part_submit,
    .poll = part_poll,
    .describe_status = NULL, /* block_describe_status asks the whole device */
    .interrupt_driven = part_irq,
    .set_polled = NULL,      /* block_set_polled switches the whole device */
};

int block_scan_partitions(struct block_device *dev)
{
    struct blkread seam;
    if (block_blkread_init(&seam, dev) != 0)
        return 0; /* lib/part reads 512..4096-byte blocks only */
    struct part_table *t = kzalloc(sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    int err = part_scan(&seam, t);
    if (err) {
        kprintf("%s: partition table unreadable: %s\n", dev->name, part_last_error(t));
        kfree(t);
        return err;
    }
    for (uint32_t i = 0; i < t->warning_count && i < PART_WARN_MAX; i++)
        kprintf("%s: partition table: %s\n", dev->name, t->warnings[i]);
    if (t->type == PART_TABLE_NONE) {
        kfree(t);
        return 0;
    }
    dev->partitions = t;
    int registered = 0;
    for (uint32_t i = 0; i < t->count; i++) {
        const struct part_entry *e = &t->parts[i];
        if ((e->flags & PART_F_EXTENDED) || e->num_blocks == 0)
            continue; /* a container, not a volume */
        if (e->start_lba >= dev->geo.block_count ||
            e->num_blocks > dev->geo.block_count - e->start_lba) {
            kprintf("%s: partition %u extends past the end of the disk; not published\n",
                    dev->name, e->number);
            continue;
        }
        struct partition *p = kzalloc(sizeof(*p));
        if (p == NULL)
            return -ENOMEM;
        ksnprintf(p->dev.name, sizeof(p->dev.name), "%sp%u", dev->name, e->number);
        p->dev.geo = dev->geo;
        p->dev.geo.block_count = e->num_blocks;
        p->dev.ops = &partition_ops;
        p->dev.driver_data = p;
        p->dev.parent = dev;
        p->dev.start_lba = e->start_lba;
        p->dev.partition_number = e->number;
        p->whole = dev;
        if (block_register(&p->dev) != 0) {
            kfree(p);
            continue;
        }
        registered++;
    }
    kprintf("%s: %s partition table, %d partition(s)\n", dev->name,
            part_table_type_name(t->type), registered);
    return registered;
}

struct block_device *block_partition(struct block_device *dev, unsigned n)
{
    for (struct block_device *d = block_first(); d; d = block_next(d))
        if (d->parent == dev && d->partition_number == n)
            return d;
    return NULL;
}
