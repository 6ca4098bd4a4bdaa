/*
 * drivers/block/block_shell.c - the "blk" shell command: block devices by
 * name, whatever driver is underneath (docs/shell.md has the formats).
 *
 *   blk list                       name, size in bytes, block size, max transfer
 *   blk dump DEV LBA [COUNT]       hexdump -C layout of COUNT blocks (default 1)
 *   blk sha256 DEV LBA COUNT       lowercase hex SHA-256 of the blocks
 *   blk fill DEV LBA COUNT SEED    write the lib/pattern.h pattern
 *   blk zero DEV LBA COUNT         Write Zeroes
 *   blk trim DEV LBA COUNT         deallocate (discard)
 *   blk flush DEV                  flush the volatile write cache
 *
 * Large ranges are streamed through a bounce buffer in chunks of several
 * maximum transfers, so one command can cover a whole device.
 */
#include <string.h>

#include "drivers/block/block.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/layout.h"
#include "kernel/shell/shell.h"
#include "lib/errno.h"
#include "lib/parse.h"
#include "lib/pattern.h"
#include "lib/sha256.h"

#define CHUNK_BYTES (4u << 20) /* bounce buffer: several MDTS-sized requests per chunk */

/* Where data starts in the bounce buffer ("blk offset"): any dword-aligned
 * offset in the first page, so that tests reach every PRP shape (PRP1 with
 * an offset, PRP2 as a page or a list, lists crossing pages). */
static uint32_t buffer_offset;

static const char *op_name(enum block_op op)
{
    switch (op) {
    case BLOCK_OP_READ:
        return "read";
    case BLOCK_OP_WRITE:
        return "write";
    case BLOCK_OP_FLUSH:
        return "flush";
    case BLOCK_OP_WRITE_ZEROES:
        return "write-zeroes";
    case BLOCK_OP_DISCARD:
        return "discard";
    }
    return "?";
}

/* The one-line error for a failed request. */
static int report(struct block_device *dev, const struct block_request *req, int err)
{
    char status[96];
    block_describe_status(dev, req, status, sizeof(status));
    if (req->op == BLOCK_OP_FLUSH)
        return shell_error(err, "%s %s: %s%s%s", op_name(req->op), dev->name, status,
                           status[0] ? " " : "", errno_name(err));
    return shell_error(err, "%s %s lba %llu+%u: %s%s%s", op_name(req->op), dev->name,
                       (unsigned long long)req->lba, req->count, status, status[0] ? " " : "",
                       errno_name(err));
}

static int run(struct block_device *dev, enum block_op op, uint64_t lba, uint32_t count, void *buf)
{
    struct block_request req;
    memset(&req, 0, sizeof(req));
    req.op = op;
    req.lba = lba;
    req.count = count;
    req.buf = buf;
    int err = block_execute(dev, &req);
    return err ? report(dev, &req, err) : 0;
}

static struct block_device *device_arg(const char *name)
{
    struct block_device *dev = block_find(name);
    if (dev == NULL)
        shell_error(-ENODEV, "blk: no block device '%s' (see 'blk list')", name);
    return dev;
}

/* Parses "LBA COUNT" against the device; count_required: COUNT must be given. */
static int range_args(struct block_device *dev, const char *lba_s, const char *count_s,
                      uint64_t *lba, uint64_t *count)
{
    if (parse_u64(lba_s, lba) != 0)
        return shell_error(-EINVAL, "blk: bad LBA '%s'", lba_s);
    *count = 1;
    if (count_s && parse_u64(count_s, count) != 0)
        return shell_error(-EINVAL, "blk: bad block count '%s'", count_s);
    if (*count == 0 || *lba >= dev->geo.block_count || *count > dev->geo.block_count - *lba)
        return shell_error(-ERANGE, "blk: blocks %llu+%llu are outside %s (%llu blocks)",
                           (unsigned long long)*lba, (unsigned long long)*count, dev->name,
                           (unsigned long long)dev->geo.block_count);
    return 0;
}

static int cmd_list(void)
{
    kprintf("%-12s %16s %6s %10s\n", "NAME", "SIZE", "BLOCK", "MAXXFER");
    for (struct block_device *d = block_first(); d; d = block_next(d))
        kprintf("%-12s %16llu %6u %10u\n", d->name,
                (unsigned long long)(d->geo.block_count * d->geo.block_size), d->geo.block_size,
                d->geo.max_transfer * d->geo.block_size);
    return 0;
}

/* Streams [lba, lba+count) through a bounce buffer; fn gets each chunk. */
typedef int (*chunk_fn)(void *ctx, uint64_t lba, uint32_t n, uint8_t *buf);

static int stream(struct block_device *dev, enum block_op op, uint64_t lba, uint64_t count,
                  chunk_fn before, chunk_fn after, void *ctx)
{
    uint32_t bs = dev->geo.block_size;
    uint32_t chunk_blocks = CHUNK_BYTES / bs;
    size_t buf_bytes = (size_t)MIN(count, (uint64_t)chunk_blocks) * bs + buffer_offset;
    phys_addr_t phys;
    uint8_t *mem = dma_alloc(buf_bytes, PAGE_SIZE, &phys);
    uint8_t *buf = mem + buffer_offset;
    int err = 0;
    if (mem == NULL)
        return shell_error(-ENOMEM, "blk: no memory for a %zu-byte buffer", buf_bytes);
    while (count > 0 && err == 0) {
        uint32_t n = (uint32_t)MIN(count, (uint64_t)chunk_blocks);
        if (before)
            err = before(ctx, lba, n, buf);
        if (err == 0)
            err = run(dev, op, lba, n, buf);
        if (err == 0 && after)
            err = after(ctx, lba, n, buf);
        lba += n;
        count -= n;
    }
    dma_free(mem, buf_bytes);
    return err;
}

struct dump_ctx {
    uint32_t block_size;
    uint64_t first_lba;
};

static int dump_chunk(void *vctx, uint64_t lba, uint32_t n, uint8_t *buf)
{
    struct dump_ctx *c = vctx;
    size_t len = (size_t)n * c->block_size;
    uint64_t base = (lba - c->first_lba) * c->block_size;
    for (size_t off = 0; off < len; off += 16) {
        char hex[64], asc[17];
        size_t h = 0;
        for (size_t i = 0; i < 16; i++) {
            h += (size_t)ksnprintf(hex + h, sizeof(hex) - h, i == 8 ? " %02x" : "%02x%s",
                                   buf[off + i], i == 15 || i == 7 ? "" : " ");
            uint8_t ch = buf[off + i];
            asc[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '.';
        }
        asc[16] = '\0';
        kprintf("%08llx  %s  |%s|\n", (unsigned long long)(base + off), hex, asc);
    }
    return 0;
}

struct hash_ctx {
    struct sha256_ctx sha;
    uint32_t block_size;
};

static int hash_chunk(void *vctx, uint64_t lba, uint32_t n, uint8_t *buf)
{
    (void)lba;
    struct hash_ctx *c = vctx;
    sha256_update(&c->sha, buf, (size_t)n * c->block_size);
    return 0;
}

struct fill_ctx {
    uint64_t seed;
    uint32_t block_size;
};

static int fill_chunk(void *vctx, uint64_t lba, uint32_t n, uint8_t *buf)
{
    struct fill_ctx *c = vctx;
    pattern_fill(c->seed, lba * c->block_size, buf, (size_t)n * c->block_size);
    return 0;
}

static int cmd_blk(int argc, char **argv)
{
    if (argc < 2)
        return shell_usage("blk");
    const char *sub = argv[1];
    if (strcmp(sub, "list") == 0)
        return argc == 2 ? cmd_list() : shell_usage("blk");
    if (strcmp(sub, "offset") == 0) {
        uint32_t off;
        if (argc != 3 || parse_u32(argv[2], &off) != 0 || off % 4 || off >= PAGE_SIZE)
            return shell_error(-EINVAL, "blk offset: a multiple of 4 below %llu",
                               (unsigned long long)PAGE_SIZE);
        buffer_offset = off;
        kprintf("blk: data buffers now start %u bytes into a page\n", off);
        return 0;
    }
    if (strcmp(sub, "mode") == 0 && argc == 4) {
        struct block_device *d = device_arg(argv[2]);
        bool polled = strcmp(argv[3], "poll") == 0;
        if (d == NULL)
            return -ENODEV;
        if (!polled && strcmp(argv[3], "irq") != 0)
            return shell_usage("blk");
        int err = block_set_polled(d, polled);
        if (err)
            return shell_error(err, "blk mode %s %s: %s", d->name, argv[3], errno_name(err));
        kprintf("%s: %s completions\n", d->name, polled ? "polled" : "interrupt-driven");
        return 0;
    }

    if (argc < 3)
        return shell_usage("blk");
    struct block_device *dev = device_arg(argv[2]);
    if (dev == NULL)
        return -ENODEV;
    uint64_t lba, count, seed;
    int err;

    if (strcmp(sub, "flush") == 0) {
        if (argc != 3)
            return shell_usage("blk");
        err = run(dev, BLOCK_OP_FLUSH, 0, 0, NULL);
        if (err == 0)
            kprintf("flushed %s\n", dev->name);
        return err;
    }
    if (strcmp(sub, "dump") == 0) {
        if (argc != 4 && argc != 5)
            return shell_usage("blk");
        if ((err = range_args(dev, argv[3], argc == 5 ? argv[4] : NULL, &lba, &count)))
            return err;
        struct dump_ctx c = { dev->geo.block_size, lba };
        return stream(dev, BLOCK_OP_READ, lba, count, NULL, dump_chunk, &c);
    }
    if (argc < 5)
        return shell_usage("blk");
    if ((err = range_args(dev, argv[3], argv[4], &lba, &count)))
        return err;
    if (strcmp(sub, "sha256") == 0 && argc == 5) {
        struct hash_ctx c;
        sha256_init(&c.sha);
        c.block_size = dev->geo.block_size;
        if ((err = stream(dev, BLOCK_OP_READ, lba, count, NULL, hash_chunk, &c)))
            return err;
        uint8_t digest[SHA256_DIGEST_SIZE];
        char hex[SHA256_HEX_SIZE];
        sha256_final(&c.sha, digest);
        kprintf("%s\n", sha256_hex(digest, hex));
        return 0;
    }
    if (strcmp(sub, "fill") == 0 && argc == 6) {
        if (parse_u64(argv[5], &seed) != 0)
            return shell_error(-EINVAL, "blk: bad seed '%s'", argv[5]);
        struct fill_ctx c = { seed, dev->geo.block_size };
        if ((err = stream(dev, BLOCK_OP_WRITE, lba, count, fill_chunk, NULL, &c)))
            return err;
        kprintf("wrote %llu blocks at lba %llu of %s (seed %llu)\n", (unsigned long long)count,
                (unsigned long long)lba, dev->name, (unsigned long long)seed);
        return 0;
    }
    if ((strcmp(sub, "zero") == 0 || strcmp(sub, "trim") == 0) && argc == 5) {
        enum block_op op = sub[0] == 'z' ? BLOCK_OP_WRITE_ZEROES : BLOCK_OP_DISCARD;
        /* No data moves, so no bounce buffer: one request per max transfer. */
        uint64_t left = count, at = lba;
        uint32_t step = dev->geo.max_transfer ? dev->geo.max_transfer : 65536;
        while (left > 0) {
            uint32_t n = (uint32_t)MIN(left, (uint64_t)step);
            if ((err = run(dev, op, at, n, NULL)))
                return err;
            at += n;
            left -= n;
        }
        kprintf("%s %llu blocks at lba %llu of %s\n", op == BLOCK_OP_DISCARD ? "trimmed" : "zeroed",
                (unsigned long long)count, (unsigned long long)lba, dev->name);
        return 0;
    }
    return shell_usage("blk");
}
SHELL_COMMAND(blk, "blk",
              "list | dump DEV LBA [COUNT] | sha256 DEV LBA COUNT | fill DEV LBA COUNT SEED | "
              "zero DEV LBA COUNT | trim DEV LBA COUNT | flush DEV | mode DEV irq|poll | "
              "offset BYTES",
              "block devices: list, read, hash, write a pattern, zero, trim, flush", cmd_blk);
