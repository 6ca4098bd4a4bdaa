/*
 * drivers/block/block.c - the block layer: registry, request checks, and the
 * synchronous operations, written once on top of the drivers' submit and
 * poll (see block.h for the contract).
 *
 * Waiting: a synchronous call submits its request, then block_wait()
 * polls the device until the callback has run; the kernel's block_wait
 * (block_wait.c) halts between interrupts, the host tests' spins.
 */
#include "drivers/block/block.h"

#include <string.h>

#include "kernel/kernel.h"
#include "lib/blkread.h"
#include "lib/errno.h"

static struct block_device *devices;

int block_register(struct block_device *dev)
{
    struct block_device **tail = &devices;
    if (block_find(dev->name) != NULL)
        return -EEXIST;
    dev->next = NULL;
    while (*tail)
        tail = &(*tail)->next;
    *tail = dev;
    return 0;
}

struct block_device *block_find(const char *name)
{
    for (struct block_device *d = devices; d; d = d->next)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

struct block_device *block_first(void)
{
    return devices;
}

struct block_device *block_next(struct block_device *dev)
{
    return dev->next;
}

static int check_request(const struct block_device *dev, const struct block_request *req)
{
    const struct block_geometry *g = &dev->geo;
    switch (req->op) {
    case BLOCK_OP_FLUSH:
        return 0;
    case BLOCK_OP_READ:
    case BLOCK_OP_WRITE:
        if (req->buf == NULL || ((uintptr_t)req->buf & 3))
            return -EINVAL; /* PRPs need dword-aligned buffers */
        break;
    case BLOCK_OP_WRITE_ZEROES:
        if (!g->can_write_zeroes)
            return -EOPNOTSUPP;
        break;
    case BLOCK_OP_DISCARD:
        if (!g->can_discard)
            return -EOPNOTSUPP;
        break;
    default:
        return -EINVAL;
    }
    if (req->op != BLOCK_OP_READ && g->read_only)
        return -EROFS;
    if ((req->flags & BLOCK_REQ_FUA) && !g->can_fua)
        return -EOPNOTSUPP;
    if (req->count == 0 || req->lba >= g->block_count || req->count > g->block_count - req->lba)
        return -ERANGE;
    return 0;
}

int block_submit(struct block_device *dev, struct block_request *req)
{
    int err = check_request(dev, req);
    if (err)
        return err;
    req->status = 0;
    req->device_status = 0;
    return dev->ops->submit(dev, req);
}

unsigned block_poll(struct block_device *dev, unsigned budget)
{
    return dev->ops->poll(dev, budget);
}

struct sync_wait {
    bool done;
};

static void sync_done(struct block_request *req)
{
    struct sync_wait *w = req->ctx;
    WRITE_ONCE(w->done, true);
}

int block_execute(struct block_device *dev, struct block_request *req)
{
    struct sync_wait w = { false };
    req->done = sync_done;
    req->ctx = &w;
    for (;;) {
        int err = block_submit(dev, req);
        if (err == 0)
            break;
        if (err != -EAGAIN) {
            req->status = err;
            return err;
        }
        block_poll(dev, UINT32_MAX); /* queue full: make room */
    }
    block_wait(dev, &w.done);
    return req->status;
}

static int sync_op(struct block_device *dev, enum block_op op, uint64_t lba, uint32_t count,
                   void *buf)
{
    struct block_request req;
    memset(&req, 0, sizeof(req));
    req.op = op;
    req.lba = lba;
    req.count = count;
    req.buf = buf;
    return block_execute(dev, &req);
}

int block_read(struct block_device *dev, uint64_t lba, uint32_t count, void *buf)
{
    return sync_op(dev, BLOCK_OP_READ, lba, count, buf);
}

int block_write(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf)
{
    return sync_op(dev, BLOCK_OP_WRITE, lba, count, (void *)buf);
}

int block_flush(struct block_device *dev)
{
    return sync_op(dev, BLOCK_OP_FLUSH, 0, 0, NULL);
}

int block_write_zeroes(struct block_device *dev, uint64_t lba, uint32_t count)
{
    return sync_op(dev, BLOCK_OP_WRITE_ZEROES, lba, count, NULL);
}

int block_discard(struct block_device *dev, uint64_t lba, uint32_t count)
{
    return sync_op(dev, BLOCK_OP_DISCARD, lba, count, NULL);
}

void block_describe_status(struct block_device *dev, const struct block_request *req, char *buf,
                           size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    while (dev->parent)
        dev = dev->parent;
    if (req->device_status && dev->ops->describe_status)
        dev->ops->describe_status(dev, req->device_status, buf, size);
}

bool block_is_polled(struct block_device *dev)
{
    while (dev->parent)
        dev = dev->parent;
    return !(dev->ops->interrupt_driven && dev->ops->interrupt_driven(dev));
}

int block_set_polled(struct block_device *dev, bool polled)
{
    while (dev->parent)
        dev = dev->parent;
    if (dev->ops->set_polled == NULL)
        return -EOPNOTSUPP;
    return dev->ops->set_polled(dev, polled);
}

static int blkread_block_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    return block_read(ctx, lba, count, buf);
}

int block_blkread_init(struct blkread *seam, struct block_device *dev)
{
    memset(seam, 0, sizeof(*seam));
    seam->block_size = dev->geo.block_size;
    seam->block_count = dev->geo.block_count;
    seam->max_blocks_per_read = dev->geo.max_transfer;
    seam->read = blkread_block_read;
    seam->ctx = dev;
    seam->align = 4; /* dword: what PRP1 needs */
    return blkread_check(seam);
}
