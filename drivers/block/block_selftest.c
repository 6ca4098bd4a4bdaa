/*
 * drivers/block/block_selftest.c - the block layer's check for the
 * "selftest" command (kernel/selftest.h): on every whole block device, LBA 0
 * and the last LBA read twice into different buffers agree, and a read one
 * block past the end is refused with -ERANGE without reaching the device.
 * Reads only. No block device is a skip.
 */
#include <string.h>

#include "drivers/block/block.h"
#include "kernel/mm/heap.h"
#include "kernel/selftest.h"
#include "lib/errno.h"

static int read_twice(struct block_device *dev, uint64_t lba, uint8_t *a, uint8_t *b)
{
    uint32_t bs = block_geometry(dev)->block_size;
    memset(a, 0x5A, bs);
    memset(b, 0xA5, bs);
    int err = block_read(dev, lba, 1, a);
    if (err == 0)
        err = block_read(dev, lba, 1, b);
    if (err) {
        selftest_diag("%s: read of LBA %llu failed: %s", dev->name, (unsigned long long)lba,
                      errno_name(err));
        return err;
    }
    if (memcmp(a, b, bs) != 0) {
        selftest_diag("%s: two reads of LBA %llu differ", dev->name, (unsigned long long)lba);
        return -EIO;
    }
    return 0;
}

static int check_reads_agree(void)
{
    unsigned n = 0;
    for (struct block_device *dev = block_first(); dev != NULL; dev = block_next(dev)) {
        if (dev->parent != NULL)
            continue;
        const struct block_geometry *geo = block_geometry(dev);
        uint8_t *a = kmalloc(geo->block_size), *b = kmalloc(geo->block_size);
        int err = (a && b) ? 0 : -ENOMEM;
        if (err == 0)
            err = read_twice(dev, 0, a, b);
        if (err == 0)
            err = read_twice(dev, geo->block_count - 1, a, b);
        if (err == 0) {
            int past = block_read(dev, geo->block_count, 1, a);
            if (past != -ERANGE) {
                selftest_diag("%s: a read past the end returned %s, not ERANGE", dev->name,
                              errno_name(past));
                err = -EINVAL;
            }
        }
        kfree(a);
        kfree(b);
        if (err)
            return err;
        selftest_diag("%s: LBA 0 and LBA %llu read twice, same data; past the end refused",
                      dev->name, (unsigned long long)(geo->block_count - 1));
        n++;
    }
    if (n == 0) {
        selftest_diag("no block device");
        return SELFTEST_SKIP;
    }
    return 0;
}
SELFTEST(40_block_reads, "block_reads_agree", check_reads_agree);
