/*
 * lib/blkread.c - bounds checking, transfer splitting and partition windows
 * for the block-read seam (contract in blkread.h).
 */
#include "lib/blkread.h"

#include <stddef.h>

#include "lib/errno.h"

static int is_pow2(uint32_t v)
{
    return v && (v & (v - 1)) == 0;
}

int blkread_check(const struct blkread *dev)
{
    if (!dev || !dev->read || !is_pow2(dev->block_size) || dev->block_size < BLKREAD_MIN_BLOCK ||
        dev->block_size > BLKREAD_MAX_BLOCK || dev->block_count == 0)
        return -EINVAL;
    if (dev->align > 1 && !is_pow2(dev->align))
        return -EINVAL;
    return 0;
}

int blkread_read(const struct blkread *dev, uint64_t lba, uint64_t count, void *buf)
{
    uint8_t *p = buf;
    uint64_t max = dev->max_blocks_per_read ? dev->max_blocks_per_read : UINT32_MAX;

    if (lba > dev->block_count || count > dev->block_count - lba)
        return -ENXIO;
    while (count) {
        uint32_t n = (uint32_t)(count < max ? count : max);
        int rc = dev->read(dev->ctx, lba, n, p);
        if (rc)
            return rc < 0 ? rc : -EIO; /* a driver returning > 0 broke the contract */
        lba += n;
        count -= n;
        p += (size_t)n * dev->block_size;
    }
    return 0;
}

static int window_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct blkread_window *w = ctx;

    return blkread_read(w->parent, w->start + lba, count, buf);
}

int blkread_window_init(struct blkread_window *w, const struct blkread *parent, uint64_t start,
                        uint64_t count)
{
    if (count == 0 || start > parent->block_count || count > parent->block_count - start)
        return -EINVAL;
    w->parent = parent;
    w->start = start;
    w->dev.block_size = parent->block_size;
    w->dev.block_count = count;
    w->dev.max_blocks_per_read = parent->max_blocks_per_read;
    w->dev.read = window_read;
    w->dev.ctx = w;
    w->dev.align = parent->align;
    return 0;
}
