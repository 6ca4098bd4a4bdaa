/*
 * tests/host/block_host.c - the generic block layer's functions for host
 * tests, with the semantics of the kernel's drivers/block/block.c (which
 * needs kernel headers: the CPU's interrupt flag, the LAPIC timer):
 *
 *   - block_submit checks the request against the geometry like the
 *     kernel's check_request (op, dword-aligned buffer, write-zeroes and
 *     discard support, read-only, FUA, range), clears the result fields and
 *     hands it to the driver; invalid requests return -errno and "done" is
 *     never called;
 *   - block_poll runs the driver's poll;
 *   - the synchronous calls are submit + poll until "done" ran (spinning:
 *     there is nothing to halt for on the host);
 *   - block_describe_status, block_is_polled and block_set_polled act on
 *     the whole device, as partitions follow their parent.
 *
 * Partitions' own submission (the kernel's partition devices) is not
 * modelled: no host test of the benchmark needs it.
 */
#include <stdio.h>
#include <string.h>

#include "drivers/block/block.h"
#include "lib/errno.h"

static struct block_device *registry;

int block_register(struct block_device *dev)
{
    if (block_find(dev->name))
        return -EEXIST;
    dev->next = NULL;
    struct block_device **p = &registry;
    while (*p)
        p = &(*p)->next;
    *p = dev;
    return 0;
}

/* Host-only: forget a device (tests create and destroy fakes). */
void block_unregister(struct block_device *dev);
void block_unregister(struct block_device *dev)
{
    for (struct block_device **p = &registry; *p; p = &(*p)->next)
        if (*p == dev) {
            *p = dev->next;
            return;
        }
}

struct block_device *block_find(const char *name)
{
    for (struct block_device *d = registry; d; d = d->next)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

struct block_device *block_first(void)
{
    return registry;
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
            return -EINVAL;
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
    if (dev->parent)
        return -EOPNOTSUPP;
    int err = check_request(dev, req);
    if (err)
        return err;
    if (req->done == NULL)
        return -EINVAL;
    req->status = 0;
    req->device_status = 0;
    req->complete_tsc = 0;
    return dev->ops->submit(dev, req);
}

unsigned block_poll(struct block_device *dev, unsigned budget)
{
    return dev->ops->poll(dev, budget);
}

struct sync_wait {
    volatile bool done;
};

static void sync_done(struct block_request *req)
{
    ((struct sync_wait *)req->ctx)->done = true;
}

int block_execute(struct block_device *dev, struct block_request *req)
{
    struct sync_wait w = { false };
    req->done = sync_done;
    req->ctx = &w;
    int err;
    while ((err = block_submit(dev, req)) == -EAGAIN)
        block_poll(dev, 1);
    if (err)
        return err;
    while (!w.done)
        block_poll(dev, 1);
    return req->status;
}

static int sync_io(struct block_device *dev, enum block_op op, uint64_t lba, uint32_t count,
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
    return sync_io(dev, BLOCK_OP_READ, lba, count, buf);
}

int block_write(struct block_device *dev, uint64_t lba, uint32_t count, const void *buf)
{
    return sync_io(dev, BLOCK_OP_WRITE, lba, count, (void *)buf);
}

int block_flush(struct block_device *dev)
{
    return sync_io(dev, BLOCK_OP_FLUSH, 0, 0, NULL);
}

int block_write_zeroes(struct block_device *dev, uint64_t lba, uint32_t count)
{
    return sync_io(dev, BLOCK_OP_WRITE_ZEROES, lba, count, NULL);
}

int block_discard(struct block_device *dev, uint64_t lba, uint32_t count)
{
    return sync_io(dev, BLOCK_OP_DISCARD, lba, count, NULL);
}

static struct block_device *whole_device(struct block_device *dev)
{
    while (dev->parent)
        dev = dev->parent;
    return dev;
}

void block_describe_status(struct block_device *dev, const struct block_request *req, char *buf,
                           size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    dev = whole_device(dev);
    if (req->device_status && dev->ops->describe_status)
        dev->ops->describe_status(dev, req->device_status, buf, size);
}

bool block_is_polled(struct block_device *dev)
{
    dev = whole_device(dev);
    return !(dev->ops->interrupt_driven && dev->ops->interrupt_driven(dev));
}

int block_set_polled(struct block_device *dev, bool polled)
{
    dev = whole_device(dev);
    if (dev->ops->set_polled == NULL)
        return -EOPNOTSUPP;
    return dev->ops->set_polled(dev, polled);
}

bool block_clocks(struct block_device *dev, uint64_t *irq_ticks, uint64_t *doorbell_ticks)
{
    while (dev->parent)
        dev = dev->parent;
    if (dev->ops->clocks == NULL)
        return false;
    dev->ops->clocks(dev, irq_ticks, doorbell_ticks);
    return true;
}
