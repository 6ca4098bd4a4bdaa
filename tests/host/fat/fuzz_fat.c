/*
 * tests/host/fat/fuzz_fat.c - libFuzzer target over lib/part and lib/fat.
 *
 * Input: one control byte, then a disk image.
 *   bit 0     device block size 4096 (else 512)
 *   bits 1-3  max_blocks_per_read = 2^(n-1), 0 = unlimited
 *   bit 4     the device wants 8-byte aligned buffers
 *   bit 5     the device is exactly the image; otherwise it is 8 MiB, the
 *             image followed by zeros (so that seeds can drop the empty
 *             tail of a volume and stay small)
 * Each input is scanned for partitions and mounted as a whole and in each of
 * its first partitions; every mounted volume is listed (statfs, a bounded
 * walk of the tree), every file opened, read in a few places and looked up
 * by path. The properties checked are the sanitizers' (no out-of-bounds
 * access, no undefined behaviour, no leak) plus termination within
 * libFuzzer's -timeout, and a few of our own (reads return what they say).
 *
 * Built by tests/host/CMakeLists.txt with clang -fsanitize=fuzzer,address,
 * undefined; run by test_fuzz.py from a seed corpus made at test time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/fat/fat.h"
#include "lib/part/part.h"

#define VIRTUAL_SIZE (8u << 20)
#define MAX_DEPTH 6
#define FUZZ_PATH_MAX 1024 /* paths the fuzzer builds; lib/fat has no limit */
#define MAX_ENTRIES 400
#define MAX_READ (64u << 10)

struct mem {
    const uint8_t *data;
    size_t len;
    uint32_t bs;
};

static int mem_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct mem *m = ctx;
    uint64_t off = lba * m->bs, n = (uint64_t)count * m->bs;

    memset(buf, 0, n);
    if (off < m->len)
        memcpy(buf, m->data + off, m->len - off < n ? m->len - off : n);
    return 0;
}

static _Alignas(64) struct fat_volume vol;
static struct part_table table;
static struct fat_dir dirs[MAX_DEPTH];
static struct fat_dirent ent, found;
static struct fat_file file;
static _Alignas(64) uint8_t buf[MAX_READ + 8];
static char path[MAX_DEPTH][FUZZ_PATH_MAX];

static void check(int cond)
{
    if (!cond)
        abort();
}

static void read_file(const char *p)
{
    uint64_t places[3];
    int64_t n;

    if (fat_open_entry(&vol, &file, &ent, p))
        return;
    places[0] = 0;
    places[1] = file.size / 2;
    places[2] = file.size ? file.size - 1 : 0;
    for (int i = 0; i < 3; i++) {
        size_t want = MAX_READ;
        n = fat_read(&file, places[i], buf + (i & 1), want);
        if (n < 0)
            return;
        check((uint64_t)n <= want && places[i] + (uint64_t)n <= file.size);
        check(n == (int64_t)(file.size - places[i] < want ? file.size - places[i] : want));
    }
}

static void walk(void)
{
    int depth = 0, visited = 0;

    if (fat_opendir(&vol, &dirs[0], "/"))
        return;
    strcpy(path[0], "");
    while (depth >= 0 && visited < MAX_ENTRIES) {
        int rc = fat_readdir(&dirs[depth], &ent);
        if (rc <= 0) {
            depth--;
            continue;
        }
        visited++;
        if (strcmp(ent.name, ".") == 0 || strcmp(ent.name, "..") == 0)
            continue;
        size_t plen = strlen(path[depth]), nlen = strlen(ent.name);
        if (plen + 1 + nlen + 1 > FUZZ_PATH_MAX)
            continue;
        char tmp[FUZZ_PATH_MAX];
        memcpy(tmp, path[depth], plen);
        tmp[plen] = '/';
        memcpy(tmp + plen + 1, ent.name, nlen + 1);
        /* Not checked against ent: damaged volumes may hold names that
         * fold equal, or long names with '/' in them. */
        fat_lookup(&vol, tmp, &found);
        if (ent.is_dir) {
            if (depth + 1 < MAX_DEPTH && fat_opendir_entry(&vol, &dirs[depth + 1], &ent, tmp) == 0) {
                depth++;
                memcpy(path[depth], tmp, plen + nlen + 2);
            }
        } else {
            read_file(tmp);
        }
    }
}

static void exercise(const struct blkread *dev)
{
    struct fat_statfs st;
    uint32_t free_clusters;

    if (fat_mount(&vol, dev))
        return;
    check(fat_last_error(&vol)[0] == '\0');
    fat_statfs(&vol, &st);
    if (vol.cluster_count < 100000)
        fat_count_free(&vol, &free_clusters);
    walk();
    fat_lookup(&vol, "/A/B/../C.TXT", &found);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mem m;
    struct blkread dev;
    uint8_t ctl;

    if (size < 2)
        return 0;
    ctl = data[0];
    m.data = data + 1;
    m.len = size - 1;
    m.bs = (ctl & 1) ? 4096 : 512;
    dev.block_size = m.bs;
    dev.block_count = ((ctl & 0x20) ? m.len : VIRTUAL_SIZE) / m.bs;
    if (dev.block_count == 0)
        return 0;
    dev.max_blocks_per_read = (ctl >> 1) & 7 ? 1u << (((ctl >> 1) & 7) - 1) : 0;
    dev.read = mem_read;
    dev.ctx = &m;
    dev.align = (ctl & 0x10) ? 8 : 0;

    exercise(&dev);
    if (part_scan(&dev, &table) == 0) {
        for (uint32_t i = 0; i < table.count && i < 4; i++) {
            struct blkread_window w;
            if (blkread_window_init(&w, &dev, table.parts[i].start_lba, table.parts[i].num_blocks))
                continue;
            exercise(&w.dev);
        }
    }
    return 0;
}
