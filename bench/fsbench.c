/*
 * bench/fsbench.c - "fsbench": how close reading a file through the FAT
 * reader comes to reading the same blocks raw, in the same boot.
 *
 *   fsbench DEV[:PART] PATH [chunk=SIZE] [rounds=N]
 *
 * Each round reads the whole file with fat_read in chunk-sized calls, and the
 * same number of bytes with block_read in chunk-sized calls from the LBA of
 * the file's first cluster (for a contiguous file: exactly its blocks), so
 * both sides move the same data through the same buffer with the same
 * request sizes. Rounds alternate raw, FAT, raw, FAT ... and the medians are
 * compared, which keeps a warming host cache or a noisy neighbour from
 * favouring either side. Output: one line per round, the medians and ratio,
 * and an FSBENCH_JSON line for scripts (tools/fsbench.py). Read-only.
 */
#include <string.h>

#include "fs/fs.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/layout.h"
#include "kernel/shell/shell.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "lib/parse.h"

#define ROUNDS_MAX 15

struct round {
    uint64_t raw_ns, fat_ns;
    uint64_t fat_reads; /* seam calls during the FAT pass (data and metadata) */
};

/* Bytes per second, without 128-bit arithmetic: bytes < 2^44 here. */
static uint64_t rate(uint64_t bytes, uint64_t ns)
{
    uint64_t us = ns / 1000 ? ns / 1000 : 1;
    return bytes * 1000000 / us;
}

static uint64_t median(uint64_t *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++) /* insertion sort: n <= ROUNDS_MAX */
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* "12.3" MiB/s from bytes per second. */
static void mib_text(uint64_t bps, char *buf, size_t size)
{
    uint64_t tenths = bps * 10 / (1024 * 1024);
    ksnprintf(buf, size, "%llu.%llu", (unsigned long long)(tenths / 10),
              (unsigned long long)(tenths % 10));
}

/* s as the body of a JSON string (RFC 8259 §7). */
static void json_string(const char *s)
{
    kprintf("\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            kprintf("\\%c", c);
        else if (c < 0x20)
            kprintf("\\u%04x", c);
        else
            kprintf("%c", c);
    }
    kprintf("\"");
}

static int raw_pass(struct block_device *dev, uint64_t lba, uint64_t bytes, uint8_t *buf,
                    uint32_t chunk, uint64_t *ns)
{
    uint32_t bs = block_geometry(dev)->block_size;
    uint64_t t0 = clock_ns();
    for (uint64_t done = 0; done < bytes;) {
        uint64_t n = MIN((uint64_t)chunk, bytes - done);
        uint32_t blocks = (uint32_t)((n + bs - 1) / bs);
        int err = block_read(dev, lba + done / bs, blocks, buf);
        if (err)
            return shell_error(err, "%s: raw read at lba %llu+%u: %s", dev->name,
                               (unsigned long long)(lba + done / bs), blocks, errno_name(err));
        done += n;
    }
    *ns = clock_ns() - t0;
    return 0;
}

static int fat_pass(struct fs_mount *m, struct fat_file *f, uint8_t *buf, uint32_t chunk,
                    uint64_t *ns)
{
    uint64_t t0 = clock_ns();
    for (uint64_t off = 0; off < f->size;) {
        int64_t got = fat_read(f, off, buf, chunk);
        if (got <= 0)
            return shell_error(got ? (int)got : -EIO, "%s: %s", m->dev->name,
                               got ? fat_last_error(m->vol) : "file ended early");
        off += (uint64_t)got;
    }
    *ns = clock_ns() - t0;
    return 0;
}

static int cmd_fsbench(int argc, char **argv)
{
    uint64_t chunk = 4u << 20, rounds = 5;
    if (argc < 3)
        return shell_usage(argv[0]);
    for (int i = 3; i < argc; i++) {
        if (strncmp(argv[i], "chunk=", 6) == 0) {
            if (parse_size(argv[i] + 6, &chunk) || chunk < 4096 || chunk > (64u << 20) ||
                chunk % 4096)
                return shell_error(-EINVAL, "chunk: 4 KiB..64 MiB, a multiple of 4 KiB");
        } else if (strncmp(argv[i], "rounds=", 7) == 0) {
            if (parse_u64(argv[i] + 7, &rounds) || rounds < 1 || rounds > ROUNDS_MAX)
                return shell_error(-EINVAL, "rounds: 1..%d", ROUNDS_MAX);
        } else {
            return shell_usage(argv[0]);
        }
    }
    struct fs_mount m;
    int err = fs_mount(argv[1], &m);
    if (err)
        return err;
    const char *path = argv[2];
    struct fat_file *f = kmalloc(sizeof(*f));
    phys_addr_t phys;
    uint8_t *buf = dma_alloc(chunk, PAGE_SIZE, &phys);
    struct round r[ROUNDS_MAX];
    if (f == NULL || buf == NULL) {
        err = shell_error(-ENOMEM, "no memory for a %llu-byte buffer", (unsigned long long)chunk);
        goto out;
    }
    err = fat_open(m.vol, f, path);
    if (err) {
        err = shell_error(err, "%s: %s", m.dev->name, fat_last_error(m.vol));
        goto out;
    }
    if (f->size == 0) {
        err = shell_error(-EINVAL, "%s: %s is empty", m.dev->name, path);
        goto out;
    }
    /* The raw side reads from the file's first block on: for a contiguous
     * file exactly its blocks, otherwise as many after its start (or from the
     * start of the volume's device if they would leave it). */
    uint32_t bs = block_geometry(m.dev)->block_size;
    uint64_t bytes = f->size, lba, run;
    uint64_t blocks = (bytes + bs - 1) / bs;
    err = fat_file_map(f, 0, &lba, &run);
    if (err) {
        err = shell_error(err, "%s: %s", m.dev->name, fat_last_error(m.vol));
        goto out;
    }
    if (blocks > m.seam.block_count || lba + blocks > m.seam.block_count)
        lba = 0;

    char a[24], b[24];
    kprintf("fsbench %s %s: %llu bytes in %u cluster(s), %s%u extent(s), the first %llu bytes "
            "contiguous from lba %llu; chunks of %llu bytes\n",
            m.dev->name, path, (unsigned long long)bytes, f->cluster_count,
            f->extent_count == FAT_FILE_EXTENTS ? "at least " : "", f->extent_count,
            (unsigned long long)run, (unsigned long long)lba, (unsigned long long)chunk);
    uint64_t warm_ns;
    err = raw_pass(m.dev, lba, bytes, buf, (uint32_t)chunk, &warm_ns);
    if (err)
        goto out;
    for (unsigned i = 0; i < rounds; i++) {
        for (unsigned side = 0; side < 2; side++) {
            if ((side ^ (i & 1)) == 0) {
                err = raw_pass(m.dev, lba, bytes, buf, (uint32_t)chunk, &r[i].raw_ns);
            } else {
                uint64_t reads = m.reads;
                err = fat_pass(&m, f, buf, (uint32_t)chunk, &r[i].fat_ns);
                r[i].fat_reads = m.reads - reads;
            }
            if (err)
                goto out;
        }
        mib_text(rate(bytes, r[i].raw_ns), a, sizeof(a));
        mib_text(rate(bytes, r[i].fat_ns), b, sizeof(b));
        kprintf("round %u: raw %s MiB/s, fat %s MiB/s (%llu reads)\n", i + 1, a, b,
                (unsigned long long)r[i].fat_reads);
    }
    uint64_t raw_bw[ROUNDS_MAX], fat_bw[ROUNDS_MAX];
    for (unsigned i = 0; i < rounds; i++) {
        raw_bw[i] = rate(bytes, r[i].raw_ns);
        fat_bw[i] = rate(bytes, r[i].fat_ns);
    }
    kprintf("FSBENCH_JSON {\"dev\":");
    json_string(m.dev->name);
    kprintf(",\"path\":");
    json_string(path);
    kprintf(",\"bytes\":%llu,\"chunk\":%llu,\"block_size\":%u,\"extents\":%u,\"rounds\":%u,"
            "\"raw_bw_bytes\":[",
            (unsigned long long)bytes, (unsigned long long)chunk, bs, f->extent_count,
            (unsigned)rounds);
    for (unsigned i = 0; i < rounds; i++)
        kprintf("%s%llu", i ? "," : "", (unsigned long long)raw_bw[i]);
    kprintf("],\"fat_bw_bytes\":[");
    for (unsigned i = 0; i < rounds; i++)
        kprintf("%s%llu", i ? "," : "", (unsigned long long)fat_bw[i]);
    uint64_t raw_med = median(raw_bw, (unsigned)rounds);
    uint64_t fat_med = median(fat_bw, (unsigned)rounds);
    uint64_t ratio = raw_med ? fat_med * 1000 / raw_med : 0;
    kprintf("],\"raw_bw_median\":%llu,\"fat_bw_median\":%llu,\"ratio\":%llu.%03llu}\n",
            (unsigned long long)raw_med, (unsigned long long)fat_med,
            (unsigned long long)(ratio / 1000), (unsigned long long)(ratio % 1000));
    mib_text(raw_med, a, sizeof(a));
    mib_text(fat_med, b, sizeof(b));
    kprintf("median: raw %s MiB/s, fat %s MiB/s, ratio %llu.%03llu\n", a, b,
            (unsigned long long)(ratio / 1000), (unsigned long long)(ratio % 1000));
out:
    dma_free(buf, chunk);
    kfree(f);
    fs_unmount(&m);
    return err;
}
SHELL_COMMAND(fsbench, "fsbench", "DEV[:PART] PATH [chunk=SIZE] [rounds=N]",
              "read a file through FAT and the same blocks raw; compare throughput", cmd_fsbench);
