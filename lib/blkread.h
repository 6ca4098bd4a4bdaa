/*
 * lib/blkread.h - the read-only block seam under the partition and FAT
 * parsers.
 *
 * The parsers never see a driver: the kernel fills a struct blkread from a
 * block device (block_read), the host tests from an image file or a buffer.
 * Everything here is in logical blocks of the device, the unit partition
 * tables use too (UEFI 2.9 §5.3: GPT structures are addressed in LBAs).
 *
 * Contract of read(): fill buf with count blocks starting at lba and return
 * 0, or return a negative errno (-EIO...) that the parsers hand back to their
 * callers unchanged. Calls never ask for blocks past block_count, never for
 * more than max_blocks_per_read blocks at once (when it is not 0), and pass
 * buffers aligned to align bytes (when it is not 0).
 */
#ifndef NVOS_LIB_BLKREAD_H
#define NVOS_LIB_BLKREAD_H

#include <stdint.h>

#define BLKREAD_MIN_BLOCK 512u
#define BLKREAD_MAX_BLOCK 4096u

struct blkread {
    uint32_t block_size;          /* bytes per logical block: 512..4096 (power of two) */
    uint64_t block_count;
    uint32_t max_blocks_per_read; /* device's max transfer; 0 = unlimited */
    int (*read)(void *ctx, uint64_t lba, uint32_t count, void *buf); /* 0 or -errno */
    void *ctx;
    uint32_t align;               /* buffer alignment read() needs (power of two); 0 = any */
};

/* 0 if the geometry is usable (sizes above, a read function), else -EINVAL. */
int blkread_check(const struct blkread *dev);

/*
 * Reads count blocks at lba into buf, split into pieces of at most
 * max_blocks_per_read. -ENXIO if the range leaves the device, else read()'s
 * result. The caller keeps buf aligned as dev->align says.
 */
int blkread_read(const struct blkread *dev, uint64_t lba, uint64_t count, void *buf);

/* True if buf may be passed to dev->read() as it is. */
static inline int blkread_aligned(const struct blkread *dev, const void *buf)
{
    return dev->align <= 1 || ((uintptr_t)buf & (dev->align - 1)) == 0;
}

/*
 * A partition: a child device covering blocks [start, start + count) of its
 * parent, with the parent's block size, transfer limit and alignment. The
 * child's ctx points into the window, so the window must stay where it is
 * (and the parent alive) while the child is used.
 */
struct blkread_window {
    struct blkread dev; /* hand &w->dev to part_scan/fat_mount */
    const struct blkread *parent;
    uint64_t start;
};

/* 0, or -EINVAL for an empty window or one that leaves the parent. */
int blkread_window_init(struct blkread_window *w, const struct blkread *parent, uint64_t start,
                        uint64_t count);

#endif
