/*
 * Host test: lib/fat on volumes built in memory, byte by byte, so that each
 * case is exactly the structure it names:
 *   - every BPB rule, with its message; the FAT12/FAT16/FAT32 boundaries;
 *     exFAT, NTFS and non-FAT boot sectors; FSInfo; sector vs block size;
 *   - directory entries: long-name runs (valid, bad checksum, missing or
 *     out-of-order entries, LDIR_FstClusLO or LDIR_Type set, orphans, runs
 *     across sector boundaries, 13 and 255 units, surrogate pairs), NT case
 *     flags, 0x05 and 0xE5 first bytes, labels, the 0x00 end marker, "." and
 *     "..", the 65536-entry cap;
 *   - cluster chains: loops (in files and directories), free, bad, reserved
 *     and out-of-range links, chains shorter and longer than the size, FAT12
 *     entries straddling sectors, FAT32's reserved high bits;
 *   - lookups (case, non-ASCII, ".", "..", errors) and reads (every offset
 *     and length against the reference bytes, fragmented files past the
 *     remembered extents, read counts of contiguous files, misaligned
 *     buffers, read errors passed through).
 * Volumes made by mkfs.fat and mtools are in tests/host/fat (fat_images).
 */
#include "lib/errno.h"
#include "lib/fat/fat.h"
#include "tests/host/check.h"

/* ---- an in-memory device ---- */

struct img {
    uint8_t *data;
    size_t size;
    int type;
    uint32_t bps, spc, rsvd, nfats, fatsz, root_entries, clusters;
    uint64_t total, fat_start, root_start, data_start; /* sectors */
    struct blkread dev;
    uint64_t fail_lba; /* reads covering this block fail */
    int reads;
    uint64_t blocks_read;
};

static int img_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct img *im = ctx;

    im->reads++;
    im->blocks_read += count;
    if (im->fail_lba >= lba && im->fail_lba < lba + count)
        return -EIO;
    if ((lba + count) * im->dev.block_size > im->size) {
        fprintf(stderr, "read past the image: %llu+%u\n", (unsigned long long)lba, count);
        abort();
    }
    memcpy(buf, im->data + lba * im->dev.block_size, (size_t)count * im->dev.block_size);
    return 0;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}

static uint32_t eoc(const struct img *im)
{
    return im->type == 12 ? 0xFFF : im->type == 16 ? 0xFFFF : 0x0FFFFFFF;
}

static void fat_set(struct img *im, uint32_t n, uint32_t v)
{
    for (uint32_t k = 0; k < im->nfats; k++) {
        uint8_t *fat = im->data + (im->fat_start + (uint64_t)k * im->fatsz) * im->bps;
        if (im->type == 12) {
            uint8_t *p = fat + n + n / 2;
            if (n & 1) {
                p[0] = (uint8_t)((p[0] & 0x0F) | (v << 4));
                p[1] = (uint8_t)(v >> 4);
            } else {
                p[0] = (uint8_t)v;
                p[1] = (uint8_t)((p[1] & 0xF0) | ((v >> 8) & 0x0F));
            }
        } else if (im->type == 16) {
            put16(fat + 2 * n, v);
        } else {
            put32(fat + 4 * n, v);
        }
    }
}

static void img_free(struct img *im)
{
    free(im->data);
    memset(im, 0, sizeof(*im));
}

/* A fresh volume: type 12, 16 or 32; FAT32's root directory is cluster 2. */
static void img_make(struct img *im, int type, uint32_t bps, uint32_t spc, uint32_t clusters,
                     uint32_t root_entries, uint32_t block)
{
    uint32_t root_secs, entries_per_sector;
    uint8_t *b;

    img_free(im);
    im->type = type;
    im->bps = bps;
    im->spc = spc;
    im->clusters = clusters;
    im->nfats = 2;
    im->rsvd = type == 32 ? 8 : 1;
    im->root_entries = type == 32 ? 0 : root_entries;
    entries_per_sector = bps * 8 / (uint32_t)type;
    im->fatsz = (clusters + 2 + entries_per_sector - 1) / entries_per_sector;
    root_secs = im->root_entries * 32 / bps;
    im->fat_start = im->rsvd;
    im->root_start = im->rsvd + im->nfats * im->fatsz;
    im->data_start = im->root_start + root_secs;
    im->total = im->data_start + (uint64_t)clusters * spc;
    im->size = im->total * bps;
    im->data = calloc(1, im->size);
    im->fail_lba = UINT64_MAX;
    im->dev = (struct blkread){ block, im->size / block, 0, img_read, im, 0 };

    b = im->data;
    b[0] = 0xEB, b[1] = 0x3C, b[2] = 0x90;
    memcpy(b + 3, "NVOSTEST", 8);
    put16(b + 11, bps);
    b[13] = (uint8_t)spc;
    put16(b + 14, im->rsvd);
    b[16] = (uint8_t)im->nfats;
    put16(b + 17, im->root_entries);
    if (im->total < 0x10000 && type != 32)
        put16(b + 19, (uint32_t)im->total);
    else
        put32(b + 32, (uint32_t)im->total);
    b[21] = 0xF8;
    if (type == 32) {
        put32(b + 36, im->fatsz);
        put32(b + 44, 2);
        put16(b + 48, 1);
        b[66] = 0x29;
        put32(b + 67, 0xCAFEF00D);
        memcpy(b + 71, "NO NAME    ", 11);
    } else {
        put16(b + 22, im->fatsz);
        b[38] = 0x29;
        put32(b + 39, 0x12345678);
        memcpy(b + 43, "BPB LABEL  ", 11);
    }
    b[510] = 0x55, b[511] = 0xAA;
    fat_set(im, 0, 0x0FFFFFF8 & eoc(im));
    fat_set(im, 1, eoc(im));
    if (type == 32)
        fat_set(im, 2, eoc(im));
}

static uint8_t *sector(struct img *im, uint64_t s)
{
    return im->data + s * im->bps;
}

static uint8_t *clus(struct img *im, uint32_t c)
{
    return sector(im, im->data_start + (uint64_t)(c - 2) * im->spc);
}

static uint32_t fat_get_ref(struct img *im, uint32_t n)
{
    uint8_t *fat = sector(im, im->fat_start);
    if (im->type == 12) {
        uint32_t v = fat[n + n / 2] | fat[n + n / 2 + 1] << 8;
        return (n & 1) ? v >> 4 : v & 0xFFF;
    }
    if (im->type == 16)
        return fat[2 * n] | fat[2 * n + 1] << 8;
    return (fat[4 * n] | fat[4 * n + 1] << 8 | fat[4 * n + 2] << 16 | (uint32_t)fat[4 * n + 3] << 24) &
           0x0FFFFFFF;
}

/* Slot index of a directory (first 0: the FAT12/16 root, or FAT32 root 2). */
static uint8_t *slot(struct img *im, uint32_t first, uint32_t index)
{
    uint32_t per_cluster = im->bps * im->spc / 32;
    if (first == 0) {
        if (im->type == 32)
            first = 2;
        else
            return sector(im, im->root_start) + 32 * index;
    }
    while (index >= per_cluster) {
        first = fat_get_ref(im, first);
        index -= per_cluster;
    }
    return clus(im, first) + 32 * index;
}

static void sfn(uint8_t *e, const char *name11, uint8_t attr, uint8_t ntres, uint32_t cluster,
                uint32_t size)
{
    memset(e, 0, 32);
    memcpy(e, name11, 11);
    e[11] = attr;
    e[12] = ntres;
    e[13] = 150; /* 1.50 s */
    put16(e + 14, (10 << 11) | (20 << 5) | 15);             /* 10:20:30 */
    put16(e + 16, ((2024 - 1980) << 9) | (2 << 5) | 29);     /* 2024-02-29 */
    put16(e + 18, ((2025 - 1980) << 9) | (1 << 5) | 2);
    put16(e + 20, cluster >> 16);
    put16(e + 22, (23 << 11) | (59 << 5) | 29);             /* 23:59:58 */
    put16(e + 24, ((2107 - 1980) << 9) | (12 << 5) | 31);
    put16(e + 26, cluster & 0xFFFF);
    put32(e + 28, size);
}

static uint8_t checksum(const uint8_t *name)
{
    uint8_t s = 0;
    for (int i = 0; i < 11; i++)
        s = (uint8_t)(((s & 1) << 7) + (s >> 1) + name[i]);
    return s;
}

/* Writes the long-name run for units[n] at slots index.., then the short
 * entry (already at slot index + run length); returns the run length. */
static uint32_t lfn(struct img *im, uint32_t dir, uint32_t index, const uint16_t *units, size_t n,
                    const uint8_t *short_entry)
{
    static const uint8_t off[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
    uint32_t count = (uint32_t)((n + 12) / 13);
    uint8_t chk = checksum(short_entry);

    for (uint32_t k = 0; k < count; k++) {
        uint32_t ord = count - k;
        uint8_t *e = slot(im, dir, index + k);
        memset(e, 0, 32);
        e[0] = (uint8_t)(ord | (k == 0 ? 0x40 : 0));
        e[11] = 0x0F;
        e[13] = chk;
        for (int i = 0; i < 13; i++) {
            size_t u = (ord - 1) * 13 + (size_t)i;
            put16(e + off[i], u < n ? units[u] : u == n ? 0 : 0xFFFF);
        }
    }
    return count;
}

static uint16_t *ascii_units(const char *s, size_t *n)
{
    static uint16_t u[300];
    *n = strlen(s);
    for (size_t i = 0; i < *n; i++)
        u[i] = (uint8_t)s[i];
    return u;
}

/* Places data in the given clusters (chained in that order). */
static void put_data(struct img *im, const uint32_t *cl, uint32_t count, const uint8_t *data,
                     size_t len)
{
    uint32_t cs = im->bps * im->spc;
    for (uint32_t i = 0; i < count; i++) {
        size_t n = len > (size_t)i * cs ? len - (size_t)i * cs : 0;
        memcpy(clus(im, cl[i]), data + (size_t)i * cs, n < cs ? n : cs);
        fat_set(im, cl[i], i + 1 < count ? cl[i + 1] : eoc(im));
    }
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

static int mount(struct fat_volume *v, struct img *im)
{
    return fat_mount(v, &im->dev);
}

/* ---- BPB ---- */

static void expect_mount(struct fat_volume *v, struct img *im, int err, const char *msg)
{
    CHECK_EQ(mount(v, im), err);
    CHECK_STR_EQ(fat_last_error(v), msg);
}

static void test_bpb(struct fat_volume *v)
{
    struct img im = { 0 };
    uint8_t *b;

    img_make(&im, 16, 512, 4, 5000, 512, 512);
    b = im.data;
    CHECK_EQ(mount(v, &im), 0);
    CHECK_STR_EQ(fat_last_error(v), "");
    CHECK_EQ(v->type, FAT_TYPE_16);
    CHECK_STR_EQ(fat_mount_warnings(v), "");

    put16(b + 11, 0);
    expect_mount(v, &im, -EUCLEAN, "BPB: bytes per sector 0 is not a power of two in 512..4096");
    put16(b + 11, 1000);
    expect_mount(v, &im, -EUCLEAN, "BPB: bytes per sector 1000 is not a power of two in 512..4096");
    put16(b + 11, 256);
    expect_mount(v, &im, -EUCLEAN, "BPB: bytes per sector 256 is not a power of two in 512..4096");
    put16(b + 11, 8192);
    expect_mount(v, &im, -EUCLEAN, "BPB: bytes per sector 8192 is not a power of two in 512..4096");
    put16(b + 11, 512);
    b[13] = 3;
    expect_mount(v, &im, -EUCLEAN, "BPB: sectors per cluster 3 is not a power of two");
    b[13] = 0;
    expect_mount(v, &im, -EUCLEAN, "BPB: sectors per cluster 0 is not a power of two");
    b[13] = 4;
    put16(b + 14, 0);
    expect_mount(v, &im, -EUCLEAN, "BPB: reserved sector count is 0");
    put16(b + 14, 1);
    b[16] = 0;
    expect_mount(v, &im, -EUCLEAN, "BPB: number of FATs is 0");
    b[16] = 2;
    b[21] = 0x12;
    expect_mount(v, &im, -EUCLEAN, "BPB: media descriptor 0x12 is not 0xF0 or 0xF8..0xFF");
    b[21] = 0xF0;
    CHECK_EQ(mount(v, &im), 0);
    b[21] = 0xF8;
    put16(b + 17, 0);
    expect_mount(v, &im, -EUCLEAN, "BPB: FAT12/16 root directory has 0 entries");
    put16(b + 17, 17);
    expect_mount(v, &im, -EUCLEAN, "BPB: 17 root entries do not fill whole 512-byte sectors");
    put16(b + 17, 512);
    put16(b + 19, 0);
    expect_mount(v, &im, -EUCLEAN, "BPB: total sector count is 0");
    put32(b + 32, (uint32_t)im.total + 1);
    expect_mount(v, &im, -EUCLEAN, "BPB: volume of 20074 sectors of 512 bytes is larger than the "
                                   "device (20073 blocks of 512 bytes)");
    put32(b + 32, 0);
    put16(b + 19, (uint32_t)im.data_start);
    expect_mount(v, &im, -EUCLEAN, "BPB: data area starts at sector 73, past the volume's 73 "
                                   "sectors");
    put16(b + 19, (uint32_t)im.data_start + 3);
    expect_mount(v, &im, -EUCLEAN, "BPB: no room for a single cluster");
    put16(b + 19, (uint32_t)im.total);
    put16(b + 22, 19); /* 19 sectors hold 4864 entries; 5002 are needed */
    expect_mount(v, &im, -EUCLEAN, "BPB: FAT of 19 sectors has room for 4864 entries, but 5000 "
                                   "clusters need 5002");
    put16(b + 22, im.fatsz);
    put16(b + 11, 2048); /* a 2048-byte sector on a 512-byte block device: fine, but now too big */
    expect_mount(v, &im, -EUCLEAN, "BPB: volume of 20073 sectors of 2048 bytes is larger than "
                                   "the device (20073 blocks of 512 bytes)");
    put16(b + 11, 512);

    /* An OEM name that does not print is shown with '?'. */
    memcpy(b + 3, "NV\x01STEST", 8);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_STR_EQ(v->oem_name, "NV?STEST");

    /* Other file systems and non-boot sectors. */
    memcpy(b + 3, "EXFAT   ", 8);
    expect_mount(v, &im, -EMEDIUMTYPE, "exFAT is not supported");
    memcpy(b + 3, "NTFS    ", 8);
    expect_mount(v, &im, -EMEDIUMTYPE, "NTFS is not supported");
    memcpy(b + 3, "NVOSTEST", 8);
    b[0] = 0;
    CHECK_EQ(mount(v, &im), 0); /* 0x55AA alone will do */
    b[510] = 0;
    expect_mount(v, &im, -EMEDIUMTYPE, "not a FAT volume: no boot jump and no 0x55AA signature");
    b[0] = 0xE9;
    CHECK_EQ(mount(v, &im), 0); /* and so will E9 alone */
    b[510] = 0x55;

    /* Device problems. */
    im.fail_lba = 0;
    expect_mount(v, &im, -EIO, "cannot read the boot sector (EIO)");
    im.fail_lba = UINT64_MAX;
    im.dev.block_size = 1024;
    im.dev.block_count = im.size / 1024;
    expect_mount(v, &im, -EOPNOTSUPP, "BPB: 512-byte sectors on a device with 1024-byte blocks are "
                                      "not supported");
    im.dev.block_size = 768;
    expect_mount(v, &im, -EINVAL, "device geometry is unusable (block size 768)");
    im.dev.block_size = 512;
    im.dev.block_count = im.size / 512;
    /* A device wanting more alignment than the volume's buffers have. */
    uint8_t *raw = aligned_alloc(4096, (sizeof(*v) + 8191) & ~(size_t)4095);
    struct fat_volume *odd = (struct fat_volume *)(void *)raw;
    if ((uintptr_t)odd->cache[0] % 128 == 0)
        odd = (struct fat_volume *)(void *)(raw + 64);
    im.dev.align = 128;
    CHECK_EQ(mount(odd, &im), -EINVAL);
    CHECK_STR_EQ(fat_last_error(odd), "volume buffers are not 128-byte aligned");
    free(raw);
    im.dev.align = 0;

    /* FAT type by cluster count, FAT32 by layout. */
    img_make(&im, 12, 512, 1, 4084, 224, 512);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(v->type, FAT_TYPE_12);
    CHECK_EQ(v->max_cluster, 4085);
    img_make(&im, 16, 512, 1, 4085, 512, 512);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(v->type, FAT_TYPE_16);
    img_make(&im, 16, 512, 1, 65524, 512, 512);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(v->type, FAT_TYPE_16);
    img_make(&im, 16, 512, 1, 65525, 512, 512);
    expect_mount(v, &im, -EUCLEAN, "BPB: 65525 clusters need FAT32, but BPB_FATSz16 is set");
    img_make(&im, 32, 512, 1, 100, 0, 512);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(v->type, FAT_TYPE_32);
    CHECK_STR_EQ(fat_mount_warnings(v), "FAT32 with 100 clusters, fewer than the 65525 the spec "
                                        "requires; FSInfo signatures invalid; free count unknown");
    memcpy(im.data + 54, "FAT12   ", 8); /* BS_FilSysType (FAT32: just boot code) lies */
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(v->type, FAT_TYPE_32);
    b = im.data;
    put32(b + 36, 0);
    expect_mount(v, &im, -EUCLEAN, "BPB: FAT size is 0");
    put32(b + 36, im.fatsz);
    put16(b + 42, 0x0100);
    expect_mount(v, &im, -EUCLEAN, "BPB: FAT32 version 1.0 is not 0.0");
    put16(b + 42, 0);
    put16(b + 17, 512);
    expect_mount(v, &im, -EUCLEAN, "BPB: FAT32 volume with 512 root entries (must be 0)");
    put16(b + 17, 0);
    put32(b + 44, 1);
    expect_mount(v, &im, -EUCLEAN, "BPB: root directory cluster 1 is outside 2..101");
    put32(b + 44, 102);
    expect_mount(v, &im, -EUCLEAN, "BPB: root directory cluster 102 is outside 2..101");
    put32(b + 44, 2);
    put16(b + 40, 0x82);
    expect_mount(v, &im, -EUCLEAN, "BPB: active FAT 2 does not exist (2 FATs)");
    put16(b + 40, 0x81);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(v->active_fat, 1);
    CHECK_EQ(v->fat_lba, 8 + im.fatsz);
    put16(b + 40, 0x01); /* mirrored: bits 3:0 mean nothing */
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(v->active_fat, 0);

    /* More clusters than FAT32 can number, on a device that only pretends
     * to be that big (reads past the image are refused by img_read). */
    {
        struct img huge = im;
        uint8_t *hb = huge.data;
        uint8_t saved[64];
        memcpy(saved, hb, 64);
        put32(hb + 32, 0xFFFFFFF0u);
        put32(hb + 36, 1u << 21); /* room for 2^28 entries */
        huge.dev.ctx = &huge;
        huge.dev.block_count = 0xFFFFFFF0u;
        CHECK_EQ(fat_mount(v, &huge.dev), -EUCLEAN);
        CHECK_STR_EQ(fat_last_error(v), "BPB: 4290772968 clusters are more than FAT32 can address");
        memcpy(hb, saved, 64);
    }

    /* FSInfo. */
    uint8_t *fsi = sector(&im, 1);
    put32(fsi, 0x41615252);
    put32(fsi + 484, 0x61417272);
    put32(fsi + 508, 0xAA550000);
    put32(fsi + 488, 42);
    struct fat_statfs st;
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_statfs(v, &st), 0);
    CHECK_EQ(st.free_clusters, 42);
    uint32_t counted;
    CHECK_EQ(fat_count_free(v, &counted), 0);
    CHECK_EQ(counted, 99); /* clusters 3..101 */
    CHECK_EQ(fat_statfs(v, &st), 0);
    CHECK_EQ(st.free_clusters, 99);
    put32(fsi + 488, 0xFFFFFFFF);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_statfs(v, &st), 0);
    CHECK_EQ(st.free_clusters, FAT_FREE_UNKNOWN);
    put32(fsi + 488, 1000);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_STR_EQ(fat_mount_warnings(v), "FAT32 with 100 clusters, fewer than the 65525 the spec "
                                        "requires; FSInfo free count 1000 exceeds the 100 "
                                        "clusters; ignored");
    put16(b + 48, 9);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_STR_EQ(fat_mount_warnings(v), "FAT32 with 100 clusters, fewer than the 65525 the spec "
                                        "requires; FSInfo sector 9 is outside the reserved area");
    put16(b + 48, 1);
    im.fail_lba = 1;
    expect_mount(v, &im, -EIO, "cannot read the FSInfo sector 1 (EIO)");
    im.fail_lba = UINT64_MAX;

    /* statfs: geometry, label from the root directory, else the BPB. */
    img_make(&im, 16, 512, 4, 5000, 512, 512);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_statfs(v, &st), 0);
    CHECK_EQ(st.type, FAT_TYPE_16);
    CHECK_EQ(st.cluster_size, 2048);
    CHECK_EQ(st.cluster_count, 5000);
    CHECK_EQ(st.volume_id, 0x12345678);
    CHECK_STR_EQ(st.label, "BPB LABEL");
    CHECK_STR_EQ(st.oem_name, "NVOSTEST");
    CHECK_STR_EQ(fat_type_name(st.type), "FAT16");
    sfn(slot(&im, 0, 0), "\xE5OLD LABEL ", 0x08, 0, 0, 0); /* deleted label */
    sfn(slot(&im, 0, 1), "ROOT LABEL ", 0x28, 0, 0, 0);
    CHECK_EQ(mount(v, &im), 0); /* the image changed under the cache */
    CHECK_EQ(fat_statfs(v, &st), 0);
    CHECK_STR_EQ(st.label, "ROOT LABEL");
    img_free(&im);
}

/* ---- directories and names ---- */

static int readdir_all(struct fat_volume *v, const char *path, struct fat_dirent *out, int max)
{
    struct fat_dir d;
    int n = 0, rc = fat_opendir(v, &d, path);

    while (rc == 0 && n < max && (rc = fat_readdir(&d, &out[n])) == 1) {
        n++;
        rc = 0;
    }
    return rc < 0 ? rc : n;
}

static void test_names(struct fat_volume *v)
{
    static struct fat_dirent e[64];
    struct img im = { 0 };
    size_t n;
    uint16_t *u;
    uint32_t i = 0, run;

    img_make(&im, 16, 512, 1, 5000, 512, 512);
    /* 0: a plain 8.3 entry; 1: NT lower-case base and extension. */
    sfn(slot(&im, 0, i++), "README     ", 0x20, 0, 0, 0);
    sfn(slot(&im, 0, i++), "HELLO   TXT", 0x20, 0x18, 0, 0);
    sfn(slot(&im, 0, i++), "LOWER   TXT", 0x20, 0x08, 0, 0);
    sfn(slot(&im, 0, i++), "UPPER   TXT", 0x20, 0x10, 0, 0);
    /* A valid long name, 2 entries. */
    u = ascii_units("A long name.text", &n);
    sfn(slot(&im, 0, i + 2), "ALONGN~1TEX", 0x20, 0, 0, 0);
    i += lfn(&im, 0, i, u, n, slot(&im, 0, i + 2)) + 1;
    /* Wrong checksum: the short name, with its case flags. */
    u = ascii_units("Bad checksum.txt", &n);
    sfn(slot(&im, 0, i + 2), "BADCHE~1TXT", 0x20, 0x18, 0, 0);
    run = lfn(&im, 0, i, u, n, slot(&im, 0, i + 2));
    slot(&im, 0, i)[13] ^= 1;
    slot(&im, 0, i + 1)[13] ^= 1;
    i += run + 1;
    /* A middle entry missing (ords 3, 1). */
    u = ascii_units("Missing the middle entry.txt", &n);
    sfn(slot(&im, 0, i + 3), "MISSIN~1TXT", 0x20, 0, 0, 0);
    run = lfn(&im, 0, i, u, n, slot(&im, 0, i + 3));
    memset(slot(&im, 0, i + 1), 0, 32);
    slot(&im, 0, i + 1)[0] = 0xE5;
    i += run + 1;
    /* LDIR_FstClusLO set (Windows ignores such a run). */
    u = ascii_units("Cluster set.txt", &n);
    sfn(slot(&im, 0, i + 2), "CLUSTE~1TXT", 0x20, 0, 0, 0);
    run = lfn(&im, 0, i, u, n, slot(&im, 0, i + 2));
    put16(slot(&im, 0, i + 1) + 26, 5);
    i += run + 1;
    /* LDIR_Type set. */
    u = ascii_units("Type set.txt", &n);
    sfn(slot(&im, 0, i + 1), "TYPESE~1TXT", 0x20, 0, 0, 0);
    run = lfn(&im, 0, i, u, n, slot(&im, 0, i + 1));
    slot(&im, 0, i)[12] = 1;
    i += run + 1;
    /* Out of order: ords 1 then 2|0x40. */
    u = ascii_units("Out of order entries.txt", &n);
    sfn(slot(&im, 0, i + 2), "OUTOFO~1TXT", 0x20, 0, 0, 0);
    run = lfn(&im, 0, i, u, n, slot(&im, 0, i + 2));
    uint8_t tmp[32];
    memcpy(tmp, slot(&im, 0, i), 32);
    memcpy(slot(&im, 0, i), slot(&im, 0, i + 1), 32);
    memcpy(slot(&im, 0, i + 1), tmp, 32);
    i += run + 1;
    /* An orphan run (its short entry deleted), then a short entry. */
    u = ascii_units("Orphan.txt", &n);
    sfn(slot(&im, 0, i + 1), "\xE5RPHAN  TXT", 0x20, 0, 0, 0);
    i += lfn(&im, 0, i, u, n, slot(&im, 0, i + 1)) + 1;
    sfn(slot(&im, 0, i++), "AFTER   TXT", 0x20, 0, 0, 0);
    /* An orphan run directly followed by another entry whose checksum it
     * does not match. */
    u = ascii_units("Orphan two.txt", &n);
    sfn(slot(&im, 0, i + 2), "ORPHAN~1TXT", 0x20, 0, 0, 0);
    run = lfn(&im, 0, i, u, n, slot(&im, 0, i + 2));
    sfn(slot(&im, 0, i + run), "OTHER   TXT", 0x20, 0, 0, 0);
    i += run + 1;
    /* Exactly 13 units: one entry, no terminator, no padding. */
    u = ascii_units("Thirteen char", &n);
    sfn(slot(&im, 0, i + 1), "THIRTE~1   ", 0x20, 0, 0, 0);
    i += lfn(&im, 0, i, u, n, slot(&im, 0, i + 1)) + 1;
    /* Non-ASCII and a surrogate pair: "Ü😀日". */
    static const uint16_t wide[] = { 0xDC, 0xD83D, 0xDE00, 0x65E5 };
    sfn(slot(&im, 0, i + 1), "_~1        ", 0x20, 0, 0, 0);
    i += lfn(&im, 0, i, wide, 4, slot(&im, 0, i + 1)) + 1;
    /* First byte 0x05 is a real 0xE5 (CP850: Õ); a volume label is skipped. */
    sfn(slot(&im, 0, i++), "\x05" "ABC    TXT", 0x20, 0, 0, 0);
    sfn(slot(&im, 0, i++), "MY LABEL   ", 0x08, 0, 0, 0);
    /* "." and ".." appear in subdirectories: one here. */
    sfn(slot(&im, 0, i++), "SUB        ", 0x10, 0x08, 10, 0);
    memset(clus(&im, 10), 0, 512);
    fat_set(&im, 10, eoc(&im));
    sfn(slot(&im, 10, 0), ".          ", 0x10, 0, 10, 0);
    sfn(slot(&im, 10, 1), "..         ", 0x10, 0, 0, 0);
    sfn(slot(&im, 10, 2), "INSIDE  TXT", 0x20, 0x18, 0, 0);
    /* The end marker hides what follows. */
    uint32_t end = i++;
    sfn(slot(&im, 0, i), "HIDDEN  TXT", 0x20, 0, 0, 0);
    slot(&im, 0, end)[0] = 0;

    CHECK_EQ(mount(v, &im), 0);
    int got = readdir_all(v, "/", e, 64);
    const char *want[][2] = {
        { "README", "README" },
        { "hello.txt", "HELLO.TXT" },
        { "lower.TXT", "LOWER.TXT" },
        { "UPPER.txt", "UPPER.TXT" },
        { "A long name.text", "ALONGN~1.TEX" },
        { "badche~1.txt", "BADCHE~1.TXT" },
        { "MISSIN~1.TXT", "MISSIN~1.TXT" },
        { "CLUSTE~1.TXT", "CLUSTE~1.TXT" },
        { "TYPESE~1.TXT", "TYPESE~1.TXT" },
        { "OUTOFO~1.TXT", "OUTOFO~1.TXT" },
        { "AFTER.TXT", "AFTER.TXT" },
        { "OTHER.TXT", "OTHER.TXT" },
        { "Thirteen char", "THIRTE~1" },
        { "\xC3\x9C\xF0\x9F\x98\x80\xE6\x97\xA5", "_~1" },
        { "\xC3\x95" "ABC.TXT", "\xC3\x95" "ABC.TXT" },
        { "sub", "SUB" },
    };
    CHECK_EQ(got, 16);
    for (int k = 0; k < got && k < 16; k++) {
        CHECK_STR_EQ(e[k].name, want[k][0]);
        CHECK_STR_EQ(e[k].short_name, want[k][1]);
    }
    CHECK(e[4].has_long_name);
    CHECK(!e[5].has_long_name);
    CHECK(e[15].is_dir);
    CHECK_EQ(e[0].created.year, 2024);
    CHECK_EQ(e[0].created.month, 2);
    CHECK_EQ(e[0].created.day, 29);
    CHECK_EQ(e[0].created.hour, 10);
    CHECK_EQ(e[0].created.minute, 20);
    CHECK_EQ(e[0].created.second, 31);
    CHECK_EQ(e[0].created.centisecond, 50);
    CHECK_EQ(e[0].modified.year, 2107);
    CHECK_EQ(e[0].modified.month, 12);
    CHECK_EQ(e[0].modified.day, 31);
    CHECK_EQ(e[0].modified.hour, 23);
    CHECK_EQ(e[0].modified.second, 58);
    CHECK_EQ(e[0].accessed.year, 2025);
    CHECK_EQ(e[0].accessed.hour, 0);

    /* Inside the subdirectory: "." and ".." come back; ".." means the root. */
    CHECK_EQ(readdir_all(v, "/sub", e, 64), 3);
    CHECK_STR_EQ(e[0].name, ".");
    CHECK_STR_EQ(e[1].name, "..");
    CHECK_EQ(e[1].first_cluster, 0);
    CHECK_STR_EQ(e[2].name, "inside.txt");

    /* Lookups: case, non-ASCII, short names, ".", "..", separators. */
    struct fat_dirent x;
    CHECK_EQ(fat_lookup(v, "/A LONG NAME.TEXT", &x), 0);
    CHECK_STR_EQ(x.name, "A long name.text");
    CHECK_EQ(fat_lookup(v, "alongn~1.tex", &x), 0);
    CHECK_STR_EQ(x.name, "A long name.text");
    CHECK_EQ(fat_lookup(v, "/\xC3\xBC\xF0\x9F\x98\x80\xE6\x97\xA5", &x), 0); /* ü lower case */
    CHECK_EQ(fat_lookup(v, "/\xC3\xB5" "abc.txt", &x), 0);                   /* õ */
    CHECK_EQ(fat_lookup(v, "//sub/./inside.TXT", &x), 0);
    CHECK_STR_EQ(x.name, "inside.txt");
    CHECK_EQ(fat_lookup(v, "/sub/../sub/inside.txt", &x), 0);
    CHECK_STR_EQ(x.name, "inside.txt");
    CHECK_EQ(fat_lookup(v, "/../../README", &x), 0);
    CHECK_EQ(fat_lookup(v, "/sub/..", &x), 0);
    CHECK(x.is_dir);
    CHECK_EQ(x.first_cluster, 0);
    CHECK_EQ(fat_lookup(v, "/", &x), 0);
    CHECK_STR_EQ(x.name, "/");
    CHECK(x.is_dir);
    CHECK_EQ(fat_lookup(v, "", &x), 0);
    CHECK_STR_EQ(x.name, "/");
    CHECK_EQ(fat_lookup(v, "/sub/", &x), 0);
    CHECK_EQ(fat_lookup(v, "/hidden.txt", &x), -ENOENT);
    CHECK_STR_EQ(fat_last_error(v), "no such file or directory: /hidden.txt");
    CHECK_EQ(fat_lookup(v, "sub/nothing/x", &x), -ENOENT);
    CHECK_STR_EQ(fat_last_error(v), "no such file or directory: /sub/nothing");
    CHECK_EQ(fat_lookup(v, "/readme/x", &x), -ENOTDIR);
    CHECK_STR_EQ(fat_last_error(v), "/readme is not a directory");
    CHECK_EQ(fat_lookup(v, "/readme/", &x), -ENOTDIR);
    CHECK_STR_EQ(fat_last_error(v), "/readme is not a directory");
    CHECK_EQ(fat_lookup(v, "/my label", &x), -ENOENT); /* labels are not entries */
    /* A 1025-byte name is refused for its name, no longer for the path's
     * length (issue 11: paths have no limit; test_findings). */
    char long_path[1024 + 2];
    memset(long_path, 'a', sizeof(long_path) - 1);
    long_path[sizeof(long_path) - 1] = '\0';
    CHECK_EQ(fat_lookup(v, long_path, &x), -ENAMETOOLONG);
    CHECK(strncmp(fat_last_error(v), "name too long in ...aaaa", 24) == 0);
    long_path[FAT_NAME_MAX + 1] = '\0';
    CHECK_EQ(fat_lookup(v, long_path, &x), -ENAMETOOLONG);
    struct fat_dir d;
    struct fat_file f;
    CHECK_EQ(fat_opendir(v, &d, "/hello.txt"), -ENOTDIR);
    CHECK_STR_EQ(fat_last_error(v), "/hello.txt is not a directory");
    CHECK_EQ(fat_open(v, &f, "sub"), -EISDIR);
    CHECK_STR_EQ(fat_last_error(v), "/sub is a directory");
    CHECK_EQ(fat_open(v, &f, "/hello.txt"), 0); /* empty: no cluster needed */
    CHECK_EQ(fat_read(&f, 0, tmp, sizeof(tmp)), 0);

    /* A directory entry without a cluster is not the root in disguise. */
    put16(slot(&im, 0, end - 1) + 26, 0);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_opendir(v, &d, "/sub"), -EUCLEAN);
    CHECK_STR_EQ(fat_last_error(v), "directory entry of /sub has no first cluster");
    img_free(&im);

    /* Long-name runs across a sector boundary, 255 units, 256 units. */
    img_make(&im, 32, 512, 1, 200, 0, 512);
    static uint16_t big[256];
    for (int k = 0; k < 256; k++)
        big[k] = (uint16_t)('a' + k % 26);
    for (uint32_t k = 0; k < 13; k++)
        slot(&im, 0, k)[0] = 0xE5;
    sfn(slot(&im, 0, 15), "SPAN~1     ", 0x20, 0, 0, 0); /* entries 13..15 in two sectors */
    u = ascii_units("Spanning two sectors", &n);
    lfn(&im, 0, 13, u, n, slot(&im, 0, 15));
    /* 255 units: 20 entries; the root grows into cluster 3. */
    for (uint32_t c = 2; c < 5; c++)
        fat_set(&im, c, c + 1);
    fat_set(&im, 5, eoc(&im));
    sfn(slot(&im, 0, 16 + 20), "LONGES~1   ", 0x20, 0, 0, 0);
    lfn(&im, 0, 16, big, 255, slot(&im, 0, 16 + 20));
    sfn(slot(&im, 0, 37 + 20), "TOOLON~1   ", 0x20, 0, 0, 0);
    lfn(&im, 0, 37, big, 256, slot(&im, 0, 37 + 20)); /* 20 entries too, one unit over */
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(readdir_all(v, "/", e, 64), 3);
    CHECK_STR_EQ(e[0].name, "Spanning two sectors");
    CHECK_EQ(strlen(e[1].name), 255);
    CHECK(e[1].has_long_name);
    CHECK_STR_EQ(e[2].name, "TOOLON~1");
    CHECK(!e[2].has_long_name);
    img_free(&im);
}

/* A directory of more than 65536 entries, and one whose chain loops. */
static void test_big_dirs(struct fat_volume *v)
{
    struct img im = { 0 };
    struct fat_dir d;
    struct fat_dirent *e = malloc(sizeof(*e));
    uint32_t per = 2048 / 32, need = 65536 / per; /* clusters of a full directory */

    img_make(&im, 16, 512, 4, 4200, 512, 512);
    sfn(slot(&im, 0, 0), "FULL       ", 0x10, 0, 10, 0);
    sfn(slot(&im, 0, 1), "OVER       ", 0x10, 0, 2000, 0);
    sfn(slot(&im, 0, 2), "LOOP       ", 0x10, 0, 3500, 0);
    for (uint32_t c = 10; c < 10 + need; c++)
        fat_set(&im, c, c + 1 < 10 + need ? c + 1 : eoc(&im));
    for (uint32_t c = 2000; c < 2000 + need + 1; c++)
        fat_set(&im, c, c + 1 < 2000 + need + 1 ? c + 1 : eoc(&im));
    for (uint32_t c = 3500; c < 3510; c++)
        fat_set(&im, c, c + 1);
    fat_set(&im, 3510, 3503);
    /* Fill "full" with 65536 entries. */
    for (uint32_t k = 0; k < 65536; k++) {
        char name[12];
        snprintf(name, sizeof(name), "F%07u   ", k);
        sfn(slot(&im, 10, k), name, 0x20, 0, 0, 0);
    }
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_opendir(v, &d, "/full"), 0);
    uint32_t count = 0;
    int rc;
    while ((rc = fat_readdir(&d, e)) == 1)
        count++;
    CHECK_EQ(rc, 0);
    CHECK_EQ(count, 65536);
    CHECK_STR_EQ(e->name, "F0065535");
    CHECK_EQ(fat_lookup(v, "/full/f0065535", e), 0);
    CHECK_EQ(fat_opendir(v, &d, "/over"), -EUCLEAN);
    CHECK_STR_EQ(fat_last_error(v), "directory /over has more than 65536 entries");
    CHECK_EQ(fat_opendir(v, &d, "/loop"), -EUCLEAN);
    CHECK_STR_EQ(fat_last_error(v), "cluster chain of /loop loops at cluster 3510 (back to 3503)");
    CHECK_EQ(fat_lookup(v, "//loop//x", e), -EUCLEAN);
    CHECK_STR_EQ(fat_last_error(v), "cluster chain of //loop loops at cluster 3510 (back to 3503)");
    img_free(&im);
    free(e);
}

/* ---- chains and reads ---- */

struct file_case {
    const char *name11, *path;
    uint32_t first, size;
};

static void expect_open(struct fat_volume *v, const char *path, int err, const char *msg)
{
    struct fat_file f;

    CHECK_EQ(fat_open(v, &f, path), err);
    CHECK_STR_EQ(fat_last_error(v), msg);
}

static void test_chains(struct fat_volume *v)
{
    struct img im = { 0 };
    uint8_t buf[4096];
    uint32_t i = 0;

    img_make(&im, 16, 512, 4, 8000, 512, 512); /* 2048-byte clusters, last cluster 8001 */
    /* /BIG.BIN: 147 clusters from 4. */
    sfn(slot(&im, 0, i++), "BIG     BIN", 0x20, 0, 4, 300000);
    for (uint32_t c = 4; c < 150; c++)
        fat_set(&im, c, c + 1);
    fat_set(&im, 150, eoc(&im));
    CHECK_EQ(mount(v, &im), 0);
    struct fat_file f;
    CHECK_EQ(fat_open(v, &f, "/BIG.BIN"), 0);
    CHECK_EQ(f.cluster_count, 147);
    CHECK_EQ(f.extent_count, 1);

    /* The corruptions of the notes' fsck.fat experiment, one at a time. */
    fat_set(&im, 20, 5);
    CHECK_EQ(mount(v, &im), 0);
    expect_open(v, "/BIG.BIN", -EUCLEAN, "cluster chain of /BIG.BIN loops at cluster 20 (back to 5)");
    fat_set(&im, 20, 0xFFF0);
    CHECK_EQ(mount(v, &im), 0);
    expect_open(v, "/BIG.BIN", -EUCLEAN,
                "cluster chain of /BIG.BIN: cluster 20 links to 65520, outside 2..8001");
    fat_set(&im, 20, 60000);
    CHECK_EQ(mount(v, &im), 0);
    expect_open(v, "/BIG.BIN", -EUCLEAN,
                "cluster chain of /BIG.BIN: cluster 20 links to 60000, outside 2..8001");
    fat_set(&im, 20, 0);
    CHECK_EQ(mount(v, &im), 0);
    expect_open(v, "/BIG.BIN", -EUCLEAN, "cluster chain of /BIG.BIN: cluster 20 is marked free");
    fat_set(&im, 20, 1);
    CHECK_EQ(mount(v, &im), 0);
    expect_open(v, "/BIG.BIN", -EUCLEAN,
                "cluster chain of /BIG.BIN: cluster 20 links to 1, outside 2..8001");
    fat_set(&im, 20, 0xFFF7);
    CHECK_EQ(mount(v, &im), 0);
    expect_open(v, "/BIG.BIN", -EUCLEAN, "cluster chain of /BIG.BIN: cluster 20 is marked bad");
    fat_set(&im, 20, eoc(&im));
    CHECK_EQ(mount(v, &im), 0);
    expect_open(v, "/BIG.BIN", -EUCLEAN,
                "cluster chain of /BIG.BIN ends after 17 of the 147 clusters its size needs");
    /* Chains that go on past the size without coming back into the file's
     * own clusters are read up to the size: longer, looping back past the
     * size, a cluster past the end linking to itself, garbage past the end. */
    fat_set(&im, 20, 21);
    fat_set(&im, 150, 151);
    fat_set(&im, 151, eoc(&im));
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_open(v, &f, "/BIG.BIN"), 0);
    CHECK_EQ(f.cluster_count, 147);
    CHECK_EQ(fat_read(&f, 299990, buf, sizeof(buf)), 10);
    fat_set(&im, 151, 4);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_open(v, &f, "/BIG.BIN"), 0);
    fat_set(&im, 151, 151);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_open(v, &f, "/BIG.BIN"), 0);
    fat_set(&im, 151, 0);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_open(v, &f, "/BIG.BIN"), 0);
    fat_set(&im, 150, 4); /* the last cluster links to the first: no repeat within */
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_open(v, &f, "/BIG.BIN"), 0);
    fat_set(&im, 149, 149); /* the one before the last links to itself */
    CHECK_EQ(mount(v, &im), 0);
    expect_open(v, "/BIG.BIN", -EUCLEAN,
                "cluster chain of /BIG.BIN loops at cluster 149 (back to 149)");
    fat_set(&im, 149, 150);
    fat_set(&im, 150, eoc(&im));
    /* A read error while checking the chain. */
    im.fail_lba = im.fat_start;
    CHECK_EQ(mount(v, &im), 0);
    expect_open(v, "/BIG.BIN", -EIO, "read error at LBA 0 (EIO)");
    im.fail_lba = UINT64_MAX;

    /* Directory entries that point nowhere, or claim too much. */
    sfn(slot(&im, 0, i++), "PAST    END", 0x20, 0, 9000, 10);
    sfn(slot(&im, 0, i++), "NOCLUS  BIN", 0x20, 0, 0, 10);
    sfn(slot(&im, 0, i++), "HUGE    BIN", 0x20, 0, 4, 0xFFFFFFFF);
    sfn(slot(&im, 0, i++), "ONE     BIN", 0x20, 0, 1, 10);
    sfn(slot(&im, 0, i++), "EMPTY   BIN", 0x20, 0, 4, 0); /* a cluster but no bytes: empty */
    CHECK_EQ(mount(v, &im), 0);
    expect_open(v, "/past.end", -EUCLEAN,
                "directory entry of /past.end points to cluster 9000, outside 2..8001");
    sfn(slot(&im, 0, i - 5), "PAST    END", 0x20, 0, 8002, 10);
    CHECK_EQ(mount(v, &im), 0);
    expect_open(v, "/past.end", -EUCLEAN,
                "directory entry of /past.end points to cluster 8002, outside 2..8001");
    expect_open(v, "/noclus.bin", -EUCLEAN, "/noclus.bin has 10 bytes but no first cluster");
    expect_open(v, "/huge.bin", -EUCLEAN,
                "/huge.bin has 4294967295 bytes, more than the volume's 8000 clusters hold");
    expect_open(v, "/one.bin", -EUCLEAN,
                "directory entry of /one.bin points to cluster 1, outside 2..8001");
    CHECK_EQ(fat_open(v, &f, "/empty.bin"), 0);
    CHECK_EQ(fat_read(&f, 0, buf, 10), 0);
    img_free(&im);

    /* FAT12: entries straddling a sector boundary (entry 341 is bytes
     * 511..512), and a loop through them. */
    img_make(&im, 12, 512, 1, 2000, 224, 512);
    sfn(slot(&im, 0, 0), "STRADDLEBIN", 0x20, 0, 340, 4 * 512);
    uint8_t data[4 * 512];
    fill(data, sizeof(data), 7);
    uint32_t cl[4] = { 340, 341, 342, 1000 };
    put_data(&im, cl, 4, data, sizeof(data));
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_open(v, &f, "/straddle.bin"), 0);
    CHECK_EQ(fat_read(&f, 0, buf, sizeof(buf)), (int64_t)sizeof(data));
    CHECK(memcmp(buf, data, sizeof(data)) == 0);
    CHECK_EQ(f.extent_count, 2);
    fat_set(&im, 342, 341);
    CHECK_EQ(mount(v, &im), 0);
    expect_open(v, "/straddle.bin", -EUCLEAN,
                "cluster chain of /straddle.bin loops at cluster 342 (back to 341)");
    img_free(&im);

    /* FAT32: the high 4 bits of an entry are reserved and ignored. */
    img_make(&im, 32, 512, 1, 100, 0, 512);
    sfn(slot(&im, 0, 0), "HIGH    BIN", 0x20, 0, 3, 1024);
    fill(data, 1024, 9);
    memcpy(clus(&im, 3), data, 512);
    memcpy(clus(&im, 4), data + 512, 512);
    fat_set(&im, 3, 0xF0000004);
    fat_set(&im, 4, 0xFFFFFFFF);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_open(v, &f, "high.bin"), 0);
    CHECK_EQ(fat_read(&f, 0, buf, 1024), 1024);
    CHECK(memcmp(buf, data, 1024) == 0);
    /* The FAT32 root directory's own chain is checked too. */
    fat_set(&im, 2, 2);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_open(v, &f, "high.bin"), -EUCLEAN);
    CHECK_STR_EQ(fat_last_error(v), "cluster chain of / loops at cluster 2 (back to 2)");
    struct fat_statfs st;
    CHECK_EQ(fat_statfs(v, &st), -EUCLEAN);
    img_free(&im);
}

/* Every way of reading a fragmented file must give the reference bytes. */
static void test_reads(struct fat_volume *v)
{
    struct img im = { 0 };
    enum { CS = 1024, NCL = 40, SIZE = NCL * CS - 300 };
    static uint8_t data[SIZE], buf[64 * CS + 64];
    uint32_t cl[NCL];
    struct fat_file f;

    img_make(&im, 16, 512, 2, 6000, 512, 512);
    /* 40 clusters in 25 runs: singles going backwards, then pairs, then a
     * run of 10, so the walk past the 16 remembered extents is used. */
    uint32_t k = 0;
    for (uint32_t c = 0; c < 15; c++)
        cl[k++] = 3000 - 7 * c;
    for (uint32_t c = 0; c < 7; c++) {
        cl[k++] = 4000 + 10 * c;
        cl[k++] = 4001 + 10 * c;
    }
    for (uint32_t c = 0; c < 11; c++)
        cl[k++] = 5000 + c;
    CHECK_EQ(k, NCL);
    fill(data, SIZE, 11);
    put_data(&im, cl, NCL, data, SIZE);
    sfn(slot(&im, 0, 0), "FRAG    BIN", 0x20, 0, cl[0], SIZE);
    /* A contiguous file of 64 clusters. */
    static uint8_t cont[64 * CS];
    uint32_t ccl[64];
    for (uint32_t c = 0; c < 64; c++)
        ccl[c] = 100 + c;
    fill(cont, sizeof(cont), 12);
    put_data(&im, ccl, 64, cont, sizeof(cont));
    sfn(slot(&im, 0, 1), "CONT    BIN", 0x20, 0, 100, sizeof(cont));

    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_open(v, &f, "frag.bin"), 0);
    CHECK_EQ(f.extent_count, FAT_FILE_EXTENTS);
    CHECK_EQ(fat_read(&f, 0, buf, sizeof(buf)), SIZE);
    CHECK(memcmp(buf, data, SIZE) == 0);
    /* Random offsets and lengths, including backwards seeks past the extents. */
    uint32_t seed = 1;
    for (int t = 0; t < 3000; t++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t off = (seed >> 8) % (SIZE + 10);
        seed = seed * 1103515245u + 12345u;
        uint32_t len = (seed >> 8) % (t % 10 == 0 ? SIZE : 3 * CS);
        int64_t want = off >= SIZE ? 0 : (off + len > SIZE ? SIZE - off : len);
        memset(buf, 0x5A, len + 1);
        int64_t got = fat_read(&f, off, buf, len);
        CHECK_EQ(got, want);
        if (got == want && want > 0 && memcmp(buf, data + off, (size_t)want) != 0) {
            CHECK(!"data mismatch");
            fprintf(stderr, "  at offset %u length %u\n", off, len);
        }
        CHECK_EQ(buf[want], 0x5A); /* nothing written past what was read */
    }
    CHECK_EQ(fat_read(&f, (uint64_t)1 << 40, buf, 10), 0);
    uint64_t lba, bytes;
    CHECK_EQ(fat_file_map(&f, 0, &lba, &bytes), 0);
    CHECK_EQ(lba, im.data_start + (uint64_t)(cl[0] - 2) * 2);
    CHECK_EQ(bytes, CS);
    CHECK_EQ(fat_file_map(&f, 15 * CS + 700, &lba, &bytes), 0); /* a pair: 4000, 4001 */
    CHECK_EQ(lba, im.data_start + (4000 - 2) * 2 + 1);
    CHECK_EQ(bytes, 2 * CS - 700);
    CHECK_EQ(fat_file_map(&f, 29 * CS + 1, &lba, &bytes), 0); /* the last run: 5000.. */
    CHECK_EQ(lba, im.data_start + (5000 - 2) * 2);
    CHECK_EQ(bytes, SIZE - 29 * CS - 1);
    CHECK_EQ(fat_file_map(&f, SIZE, &lba, &bytes), -EINVAL);
    CHECK_STR_EQ(fat_last_error(v), "offset 40660 is past the end of /frag.bin (40660 bytes)");

    /* Contiguous: one device read per transfer limit, straight into buf. */
    CHECK_EQ(fat_open(v, &f, "cont.bin"), 0);
    CHECK_EQ(f.extent_count, 1);
    CHECK_EQ(fat_file_map(&f, 0, &lba, &bytes), 0);
    CHECK_EQ(lba, im.data_start + (100 - 2) * 2);
    CHECK_EQ(bytes, sizeof(cont));
    im.dev.max_blocks_per_read = 16;
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_open(v, &f, "cont.bin"), 0);
    im.reads = 0;
    im.blocks_read = 0;
    CHECK_EQ(fat_read(&f, 0, buf, sizeof(cont)), (int64_t)sizeof(cont));
    CHECK(memcmp(buf, cont, sizeof(cont)) == 0);
    CHECK_EQ(im.reads, 64 * CS / 512 / 16);
    CHECK_EQ(im.blocks_read, 64 * CS / 512);
    /* Unaligned start: one bounce for the head, then whole blocks. */
    im.reads = 0;
    CHECK_EQ(fat_read(&f, 100, buf, 4096), 4096);
    CHECK(memcmp(buf, cont + 100, 4096) == 0);
    CHECK_EQ(im.reads, 3); /* head block, 7 whole blocks (one read), tail block */
    /* A device that wants 8-byte aligned buffers, given a misaligned one:
     * correct data, through the bounce buffer. */
    im.dev.align = 8;
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_open(v, &f, "cont.bin"), 0);
    im.reads = 0;
    CHECK_EQ(fat_read(&f, 0, buf + 3, 8192), 8192);
    CHECK(memcmp(buf + 3, cont, 8192) == 0);
    CHECK_EQ(im.reads, 16);
    im.dev.align = 0;
    /* A read error in the data passes through, with where it happened. */
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_open(v, &f, "cont.bin"), 0);
    im.fail_lba = im.data_start + (100 - 2) * 2 + 5;
    CHECK_EQ(fat_read(&f, 0, buf, sizeof(cont)), -EIO);
    CHECK_STR_EQ(fat_last_error(v), "read error at LBA 277+128 (EIO)");
    im.fail_lba = UINT64_MAX;
    img_free(&im);

    /* 4096-byte sectors read through 512-byte blocks. */
    img_make(&im, 16, 4096, 1, 4200, 512, 512);
    static uint8_t d4[3 * 4096 + 5];
    fill(d4, sizeof(d4), 13);
    uint32_t c4[4] = { 7, 8, 20, 21 };
    put_data(&im, c4, 4, d4, sizeof(d4));
    sfn(slot(&im, 0, 0), "SECT4K  BIN", 0x20, 0, 7, sizeof(d4));
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(v->sector_shift, 3);
    CHECK_EQ(fat_open(v, &f, "sect4k.bin"), 0);
    CHECK_EQ(fat_read(&f, 1, buf, sizeof(d4)), (int64_t)sizeof(d4) - 1);
    CHECK(memcmp(buf, d4 + 1, sizeof(d4) - 1) == 0);
    im.dev.block_size = 4096;
    im.dev.block_count = im.size / 4096;
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(v->sector_shift, 0);
    CHECK_EQ(fat_open(v, &f, "sect4k.bin"), 0);
    CHECK_EQ(fat_read(&f, 4095, buf, 3), 3);
    CHECK(memcmp(buf, d4 + 4095, 3) == 0);
    img_free(&im);
}

/* ---- issue 11 findings (a differential against mtools and fsck.fat) ---- */

/* Reads the whole file at path and compares it with want[n]. */
static void expect_content(struct fat_volume *v, const char *path, const uint8_t *want, size_t n)
{
    static uint8_t got[8192];
    struct fat_file f;

    int rc = fat_open(v, &f, path);

    CHECK_EQ(rc, 0);
    if (rc)
        return;
    CHECK_EQ(fat_read(&f, 0, got, sizeof(got)), (int64_t)n);
    CHECK(memcmp(got, want, n) == 0);
}

static void test_findings(struct fat_volume *v)
{
    struct img im = { 0 };
    struct fat_statfs st;
    struct fat_dirent x;
    struct fat_file f;
    uint8_t a[600], b[700];
    size_t n;
    uint16_t *u;

    /* 1. A boot-sector label of 11 characters that are not ASCII: CP850
     * 0xB0 is U+2591, 3 bytes of UTF-8 each; all 11 must come back. */
    img_make(&im, 16, 512, 1, 5000, 512, 512);
    memset(im.data + 43, 0xB0, 11);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_statfs(v, &st), 0);
    CHECK_EQ(strlen(st.label), 33);
    CHECK_STR_EQ(st.label, "\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96"
                           "\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91\xE2\x96\x91");
    /* The same on FAT32, and "é" (0x82) mixed with ASCII. */
    img_make(&im, 32, 512, 1, 200, 0, 512);
    memcpy(im.data + 71, "\x82T\x82 \x82T\x82  \x82\x82", 11);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_statfs(v, &st), 0);
    CHECK_STR_EQ(st.label, "\xC3\xA9T\xC3\xA9 \xC3\xA9T\xC3\xA9  \xC3\xA9\xC3\xA9");

    /* 2. Names that differ only in case, both valid on disk: "Readme.txt"
     * (a long name over README~1.TXT) and the plain short "README.TXT". An
     * exact match wins wherever it is; a caseless match is the first. */
    for (int order = 0; order < 2; order++) {
        uint32_t i = 0, c_long = order ? 20 : 10, c_short = order ? 10 : 20;
        img_make(&im, 16, 512, 4, 5000, 512, 512);
        fill(a, sizeof(a), 11);
        fill(b, sizeof(b), 12);
        put_data(&im, &c_long, 1, a, sizeof(a));
        put_data(&im, &c_short, 1, b, sizeof(b));
        if (order)
            sfn(slot(&im, 0, i++), "README  TXT", 0x20, 0, c_short, sizeof(b));
        u = ascii_units("Readme.txt", &n);
        sfn(slot(&im, 0, i + 1), "README~1TXT", 0x20, 0, c_long, sizeof(a));
        i += lfn(&im, 0, i, u, n, slot(&im, 0, i + 1)) + 1;
        if (!order)
            sfn(slot(&im, 0, i++), "README  TXT", 0x20, 0, c_short, sizeof(b));
        CHECK_EQ(mount(v, &im), 0);
        CHECK_EQ(fat_lookup(v, "/README.TXT", &x), 0);
        CHECK_STR_EQ(x.name, "README.TXT");
        CHECK_EQ(x.first_cluster, c_short);
        expect_content(v, "/README.TXT", b, sizeof(b));
        CHECK_EQ(fat_lookup(v, "/Readme.txt", &x), 0);
        CHECK_STR_EQ(x.name, "Readme.txt");
        expect_content(v, "/Readme.txt", a, sizeof(a));
        CHECK_EQ(fat_lookup(v, "/README~1.TXT", &x), 0);
        CHECK_STR_EQ(x.name, "Readme.txt");
        CHECK_EQ(fat_lookup(v, "/readme.txt", &x), 0); /* no exact match: the first */
        CHECK_STR_EQ(x.name, order ? "README.TXT" : "Readme.txt");
        CHECK_EQ(fat_lookup(v, "/readme.txt/", &x), -ENOTDIR);
    }

    /* 3. Paths longer than 1024 bytes on a valid volume: six directories
     * of 200-character long names, 1212 bytes in all; and "." repeated. */
    img_make(&im, 16, 512, 4, 5000, 512, 512); /* 64 entries per cluster */
    static char deep[2048];
    char name[201];
    size_t len = 0;
    uint32_t dir = 0;
    slot(&im, 0, 0)[0] = 0xE5; /* the root has no "." and "..": free entries */
    slot(&im, 0, 1)[0] = 0xE5;
    for (uint32_t level = 0; level < 6; level++) {
        uint32_t c = 100 + level;
        char sname[12];
        memset(name, 'a' + (char)level, 200);
        name[200] = '\0';
        snprintf(sname, sizeof(sname), "LEVEL~%u    ", level);
        sname[11] = '\0';
        u = ascii_units(name, &n);
        sfn(slot(&im, dir, 18), sname, 0x10, 0, c, 0); /* after "." and ".." */
        lfn(&im, dir, 2, u, n, slot(&im, dir, 18));
        fat_set(&im, c, eoc(&im));
        sfn(slot(&im, c, 0), ".          ", 0x10, 0, c, 0);
        sfn(slot(&im, c, 1), "..         ", 0x10, 0, dir, 0);
        len += (size_t)snprintf(deep + len, sizeof(deep) - len, "/%s", name);
        dir = c;
    }
    fill(a, 100, 13);
    uint32_t c_leaf = 200;
    put_data(&im, &c_leaf, 1, a, 100);
    sfn(slot(&im, dir, 2), "LEAF    TXT", 0x20, 0x18, c_leaf, 100);
    len += (size_t)snprintf(deep + len, sizeof(deep) - len, "/leaf.txt");
    CHECK(len > 1024);
    CHECK_EQ(mount(v, &im), 0);
    CHECK_EQ(fat_lookup(v, deep, &x), 0);
    CHECK_STR_EQ(x.name, "leaf.txt");
    expect_content(v, deep, a, 100);
    deep[0] = '\0';
    for (int k = 0; k < 700; k++)
        strcat(deep, "/.");
    strcat(deep, "/LEVEL~0");
    CHECK_EQ(fat_lookup(v, deep, &x), 0);
    CHECK(x.is_dir);
    CHECK_EQ(x.first_cluster, 100);
    /* A single name longer than a long name can be stays refused. */
    memset(deep, 'a', 800);
    deep[800] = '\0';
    CHECK_EQ(fat_lookup(v, deep, &x), -ENAMETOOLONG);

    /* 4. A one-cluster file whose chain runs on through 100000 more
     * clusters: opening it reads a bounded part of the FAT, not the whole
     * chain; the data up to the size is read as Linux and Windows read it. */
    img_make(&im, 32, 512, 1, 100100, 0, 512);
    for (uint32_t c = 3; c < 100090; c++)
        fat_set(&im, c, c + 1);
    fat_set(&im, 100090, eoc(&im));
    fill(a, 100, 14);
    memcpy(clus(&im, 3), a, 100);
    sfn(slot(&im, 0, 0), "RUNON   BIN", 0x20, 0, 3, 100);
    CHECK_EQ(mount(v, &im), 0);
    im.reads = 0;
    im.blocks_read = 0;
    CHECK_EQ(fat_open(v, &f, "/runon.bin"), 0);
    printf("open of a 1-cluster file chained through 100000 clusters: %d reads, %llu blocks\n",
           im.reads, (unsigned long long)im.blocks_read);
    CHECK(im.reads <= 4);
    CHECK(im.blocks_read <= 4 * (FAT_CACHE_WINDOW_SIZE / 512));
    CHECK_EQ(f.cluster_count, 1);
    expect_content(v, "/runon.bin", a, 100);
    /* The same run-on chain looping back far past the size: still opens,
     * still cheaply. */
    fat_set(&im, 100090, 50000);
    CHECK_EQ(mount(v, &im), 0);
    im.reads = 0;
    CHECK_EQ(fat_open(v, &f, "/runon.bin"), 0);
    CHECK(im.reads <= 4);
    img_free(&im);
    /* Every loop that comes back within a file's own clusters is still
     * found with the bounded search: a 40-cluster file, cluster j linking
     * back to cluster i for every i <= j < 39; j = 39 (the last) is fine. */
    img_make(&im, 16, 512, 1, 5000, 512, 512);
    sfn(slot(&im, 0, 0), "LOOP    BIN", 0x20, 0, 10, 40 * 512);
    int missed = 0, refused = 0;
    for (uint32_t j = 0; j < 40; j++) {
        for (uint32_t i = 0; i <= j; i++) {
            for (uint32_t c = 10; c < 50; c++)
                fat_set(&im, c, c + 1 < 50 ? c + 1 : eoc(&im));
            fat_set(&im, 10 + j, 10 + i);
            CHECK_EQ(mount(v, &im), 0);
            int rc = fat_open(v, &f, "/loop.bin");
            if (j < 39 && rc != -EUCLEAN)
                missed++;
            if (j == 39 && rc != 0)
                refused++;
        }
    }
    CHECK_EQ(missed, 0);
    CHECK_EQ(refused, 0);
    img_free(&im);

    /* 5. The NT lower-case flags lower-case every letter of the short name,
     * not only A-Z: "NAÏVE.TXT" (CP850 0xD8) with 0x18 reads "naïve.txt",
     * as Linux (shortname=mixed, codepage 850) and mdir show it. Characters
     * without a lower-case form in code page 850 stay (µ, ß, box drawing). */
    img_make(&im, 16, 512, 1, 5000, 512, 512);
    sfn(slot(&im, 0, 0), "NA\xD8VE   TXT", 0x20, 0x18, 0, 0);
    sfn(slot(&im, 0, 1), "\x80\x90\x8E\x99\x9A X \xE6\xE1\xB0", 0x20, 0x18, 0, 0);
    sfn(slot(&im, 0, 2), "\xB5\xD2\xB7 \xD4\xD6  \xE0\xE9\xED", 0x20, 0x08, 0, 0);
    CHECK_EQ(mount(v, &im), 0);
    static struct fat_dirent e[8];
    CHECK_EQ(readdir_all(v, "/", e, 8), 3);
    CHECK_STR_EQ(e[0].name, "na\xC3\xAFve.txt");
    CHECK_STR_EQ(e[0].short_name, "NA\xC3\x8FVE.TXT");
    /* Ç É Ä Ö Ü (space) X . µ ß ░ */
    CHECK_STR_EQ(e[1].name, "\xC3\xA7\xC3\xA9\xC3\xA4\xC3\xB6\xC3\xBC x.\xC2\xB5\xC3\x9F\xE2\x96\x91");
    /* Á Ê À (space) È Í Ó Ú Ý, base only */
    CHECK_STR_EQ(e[2].name, "\xC3\xA1\xC3\xAA\xC3\xA0 \xC3\xA8\xC3\xAD.\xC3\x93\xC3\x9A\xC3\x9D");
    CHECK_EQ(fat_lookup(v, "/NA\xC3\x8FVE.TXT", &x), 0);
    CHECK_STR_EQ(x.name, "na\xC3\xAFve.txt");
    img_free(&im);
}

int main(void)
{
    struct fat_volume *v = calloc(1, sizeof(*v)); /* 16-byte aligned, as documented */

    printf("sizeof: fat_volume %zu, fat_dir %zu, fat_file %zu, fat_dirent %zu\n", sizeof(*v),
           sizeof(struct fat_dir), sizeof(struct fat_file), sizeof(struct fat_dirent));
    test_bpb(v);
    test_names(v);
    test_big_dirs(v);
    test_chains(v);
    test_reads(v);
    test_findings(v);
    free(v);
    return check_exit();
}
