/*
 * tests/host/block_host.c - the generic block layer's functions for host
 * tests, written from the contract in drivers/block/block.h (the kernel's
 * drivers/block/block.c is to follow with the same semantics):
 *
 *   - block_submit checks the request against the geometry (op, count > 0,
 *     range, buffer present and dword-aligned, not writing a read-only
 *     device) and hands it to the driver; invalid requests return -EINVAL,
 *     -ERANGE or -EROFS and "done" is never called;
 *   - block_poll runs the driver's poll;
 *   - the synchronous calls are submit + poll until "done" ran, written once;
 *   - block_describe_status asks the driver, "" when it cannot say.
 *
 * Partitions (dev->parent) are not supported here: no host test needs them.
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

int block_submit(struct block_device *dev, struct block_request *req)
{
    const struct block_geometry *g = &dev->geo;
    if (dev->parent)
        return -EOPNOTSUPP;
    switch (req->op) {
    case BLOCK_OP_READ:
    case BLOCK_OP_WRITE:
        if (req->buf == NULL || ((uintptr_t)req->buf & 3))
            return -EINVAL;
        /* fall through */
    case BLOCK_OP_WRITE_ZEROES:
    case BLOCK_OP_DISCARD:
        if (req->count == 0)
            return -EINVAL;
        if (req->lba >= g->block_count || req->count > g->block_count - req->lba)
            return -ERANGE;
        if (req->op != BLOCK_OP_READ && g->read_only)
            return -EROFS;
        break;
    case BLOCK_OP_FLUSH:
        break;
    default:
        return -EINVAL;
    }
    if (req->done == NULL)
        return -EINVAL;
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

void block_describe_status(struct block_device *dev, const struct block_request *req, char *buf,
                           size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    if (req->device_status && dev->ops->describe_status)
        dev->ops->describe_status(dev, req->device_status, buf, size);
}
