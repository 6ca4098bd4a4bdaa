/*
 * Host test: lib/blkread.c - geometry checks, transfer splitting, range
 * errors, error pass-through, and partition windows (bounds, offsets, a
 * window of a window).
 */
#include "lib/blkread.h"
#include "lib/errno.h"
#include "tests/host/check.h"

struct mem_dev {
    uint8_t data[64 * 512];
    int calls;
    uint32_t max_seen;
    uint64_t fail_lba; /* reads covering this block fail with -EIO */
};

static int mem_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct mem_dev *m = ctx;

    m->calls++;
    if (count > m->max_seen)
        m->max_seen = count;
    if (m->fail_lba >= lba && m->fail_lba < lba + count)
        return -EIO;
    memcpy(buf, m->data + lba * 512, (size_t)count * 512);
    return 0;
}

int main(void)
{
    static struct mem_dev m;
    struct blkread dev = { 512, 64, 4, mem_read, &m, 0 };
    uint8_t buf[64 * 512];

    for (size_t i = 0; i < sizeof(m.data); i++)
        m.data[i] = (uint8_t)(i / 512);
    m.fail_lba = UINT64_MAX;

    CHECK_EQ(blkread_check(&dev), 0);
    struct blkread bad = dev;
    bad.block_size = 256;
    CHECK_EQ(blkread_check(&bad), -EINVAL);
    bad.block_size = 1536;
    CHECK_EQ(blkread_check(&bad), -EINVAL);
    bad.block_size = 8192;
    CHECK_EQ(blkread_check(&bad), -EINVAL);
    bad = dev;
    bad.block_count = 0;
    CHECK_EQ(blkread_check(&bad), -EINVAL);
    bad = dev;
    bad.read = NULL;
    CHECK_EQ(blkread_check(&bad), -EINVAL);
    bad = dev;
    bad.align = 12;
    CHECK_EQ(blkread_check(&bad), -EINVAL);

    /* 10 blocks with max 4 per call: 4 + 4 + 2. */
    CHECK_EQ(blkread_read(&dev, 3, 10, buf), 0);
    CHECK_EQ(m.calls, 3);
    CHECK_EQ(m.max_seen, 4);
    CHECK_EQ(buf[0], 3);
    CHECK_EQ(buf[9 * 512 + 511], 12);
    CHECK_EQ(blkread_read(&dev, 60, 4, buf), 0);
    CHECK_EQ(blkread_read(&dev, 60, 5, buf), -ENXIO);
    CHECK_EQ(blkread_read(&dev, 65, 0, buf), -ENXIO);
    CHECK_EQ(blkread_read(&dev, UINT64_MAX, 2, buf), -ENXIO);
    m.fail_lba = 7;
    CHECK_EQ(blkread_read(&dev, 0, 10, buf), -EIO);
    m.fail_lba = UINT64_MAX;

    struct blkread_window w, w2;
    CHECK_EQ(blkread_window_init(&w, &dev, 10, 54), 0);
    CHECK_EQ(blkread_window_init(&w2, &dev, 10, 55), -EINVAL);
    CHECK_EQ(blkread_window_init(&w2, &dev, 64, 1), -EINVAL);
    CHECK_EQ(blkread_window_init(&w2, &dev, 0, 0), -EINVAL);
    CHECK_EQ(blkread_window_init(&w2, &dev, UINT64_MAX, 2), -EINVAL);
    CHECK_EQ(w.dev.block_count, 54);
    CHECK_EQ(blkread_check(&w.dev), 0);
    m.calls = 0;
    CHECK_EQ(blkread_read(&w.dev, 2, 6, buf), 0);
    CHECK_EQ(buf[0], 12);
    CHECK_EQ(buf[5 * 512], 17);
    CHECK_EQ(m.calls, 2); /* the child splits too: 4 + 2 */
    CHECK_EQ(blkread_read(&w.dev, 50, 5, buf), -ENXIO);
    /* A window inside a window adds both offsets. */
    CHECK_EQ(blkread_window_init(&w2, &w.dev, 4, 8), 0);
    CHECK_EQ(blkread_read(&w2.dev, 7, 1, buf), 0);
    CHECK_EQ(buf[0], 21);
    CHECK_EQ(blkread_read(&w2.dev, 7, 2, buf), -ENXIO);
    m.fail_lba = 21;
    CHECK_EQ(blkread_read(&w2.dev, 7, 1, buf), -EIO);
    return check_exit();
}
