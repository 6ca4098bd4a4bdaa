/*
 * Host test: lib/fsprobe.c - each signature on a synthetic volume, blank and
 * unknown volumes, tiny and 4096-byte-block devices, read errors; then, when
 * the tools are installed, volumes made by the real mkfs.fat, mkfs.ext2/3/4,
 * mkswap and mkfs.exfat, which pins the offsets to what the formats write.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/errno.h"
#include "lib/fsprobe.h"
#include "tests/host/check.h"

#define DEV_BYTES (128u * 1024)

struct mem_dev {
    uint8_t *data;
    uint32_t block;
    uint64_t fail_lba;
};

static int mem_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct mem_dev *m = ctx;
    if (m->fail_lba >= lba && m->fail_lba < lba + count)
        return -EIO;
    memcpy(buf, m->data + lba * m->block, (size_t)count * m->block);
    return 0;
}

static _Alignas(64) uint8_t scratch[FSPROBE_SCRATCH];

/* Probes the first bytes of data as a device of block-sized blocks. */
static int probe(uint8_t *data, uint64_t bytes, uint32_t block, const char **name)
{
    struct mem_dev m = {data, block, UINT64_MAX};
    struct blkread dev = {block, bytes / block, 8, mem_read, &m, 8};
    return fsprobe(&dev, scratch, name);
}

static void expect_known(uint8_t *data, const char *want, int line)
{
    const char *name = NULL;
    for (uint32_t block = 512; block <= 4096; block *= 8) {
        int kind = probe(data, DEV_BYTES, block, &name);
        if (kind != FSPROBE_KNOWN || name == NULL || strcmp(name, want) != 0) {
            check_failures++;
            fprintf(stderr, "line %d: block %u: expected %s, got kind %d name %s\n", line, block,
                    want, kind, name ? name : "(null)");
        }
        check_count++;
    }
}

static void fat_boot_sector(uint8_t *b)
{
    b[0] = 0xEB;
    b[1] = 0x58;
    b[2] = 0x90;
    b[11] = 0x00; /* 512 bytes per sector */
    b[12] = 0x02;
    b[13] = 8;    /* sectors per cluster */
    b[14] = 32;   /* reserved */
    b[16] = 2;    /* FATs */
    b[510] = 0x55;
    b[511] = 0xAA;
}

static void synthetic(void)
{
    uint8_t *d = calloc(1, DEV_BYTES);
    const char *name;

    /* Blank, then one non-zero byte anywhere in the first 4 KiB: unknown. */
    CHECK_EQ(probe(d, DEV_BYTES, 512, &name), FSPROBE_BLANK);
    CHECK(name == NULL);
    d[4095] = 1;
    CHECK_EQ(probe(d, DEV_BYTES, 512, &name), FSPROBE_UNKNOWN);
    CHECK_EQ(probe(d, DEV_BYTES, 4096, &name), FSPROBE_UNKNOWN);
    d[4095] = 0;
    /* Data past 4 KiB alone does not make a volume "in use"... */
    d[5000] = 1;
    CHECK_EQ(probe(d, DEV_BYTES, 512, &name), FSPROBE_BLANK);
    d[5000] = 0;

    fat_boot_sector(d);
    expect_known(d, "FAT", __LINE__);
    /* ... and an MBR-like sector without a BPB is data, not FAT. */
    d[13] = 3; /* not a power of two */
    CHECK_EQ(probe(d, DEV_BYTES, 512, &name), FSPROBE_UNKNOWN);
    d[13] = 8;
    d[16] = 0; /* no FATs */
    CHECK_EQ(probe(d, DEV_BYTES, 512, &name), FSPROBE_UNKNOWN);
    d[16] = 2;
    d[12] = 0x20; /* 8192-byte sectors */
    CHECK_EQ(probe(d, DEV_BYTES, 512, &name), FSPROBE_UNKNOWN);
    memset(d, 0, 4096);

    memcpy(d + 3, "EXFAT   ", 8);
    expect_known(d, "exFAT", __LINE__);
    memcpy(d + 3, "NTFS    ", 8);
    expect_known(d, "NTFS", __LINE__);
    memset(d, 0, 4096);
    memcpy(d, "XFSB", 4);
    expect_known(d, "XFS", __LINE__);
    memcpy(d, "LUKS\xba\xbe", 6);
    expect_known(d, "LUKS", __LINE__);
    memset(d, 0, 4096);
    memcpy(d + 512, "LABELONE", 8);
    expect_known(d, "LVM2", __LINE__);
    memset(d, 0, 4096);
    d[1024 + 56] = 0x53;
    d[1024 + 57] = 0xEF;
    expect_known(d, "ext2", __LINE__);
    d[1024 + 0x5C] = 0x4;
    expect_known(d, "ext3", __LINE__);
    d[1024 + 0x60] = 0x40;
    expect_known(d, "ext4", __LINE__);
    memset(d, 0, 4096);
    memcpy(d + 4086, "SWAPSPACE2", 10);
    expect_known(d, "swap", __LINE__);
    memcpy(d + 4086, "SWAP-SPACE", 10);
    expect_known(d, "swap", __LINE__);
    memset(d, 0, 4096);
    memcpy(d + 0x8001, "CD001", 5);
    expect_known(d, "ISO9660", __LINE__);
    memset(d + 0x8000, 0, 16);
    memcpy(d + 0x10040, "_BHRfS_M", 8);
    expect_known(d, "btrfs", __LINE__);
    /* Past the end of a small device, the later regions are not read. */
    CHECK_EQ(probe(d, 0x10000, 512, &name), FSPROBE_BLANK);
    memset(d + 0x10040, 0, 8);

    /* A device smaller than 4 KiB: whole blocks only. */
    CHECK_EQ(probe(d, 1024, 512, &name), FSPROBE_BLANK);
    d[700] = 9;
    CHECK_EQ(probe(d, 1024, 512, &name), FSPROBE_UNKNOWN);
    d[700] = 0;

    /* Read errors come back unchanged, from every region read. */
    uint64_t fail[] = {0, 0x8000 / 512, 0x10000 / 512 + 1};
    for (size_t i = 0; i < sizeof(fail) / sizeof(fail[0]); i++) {
        struct mem_dev m = {d, 512, fail[i]};
        struct blkread dev = {512, DEV_BYTES / 512, 8, mem_read, &m, 8};
        CHECK_EQ(fsprobe(&dev, scratch, &name), -EIO);
    }
    struct blkread bad = {0};
    CHECK_EQ(fsprobe(&bad, scratch, &name), -EINVAL);
    free(d);
}

/* A volume made by a real tool, if the tool is installed. */
static void real(const char *mkfs, const char *want, unsigned mib, bool required)
{
    char path[] = "/tmp/nvos-fsprobe-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK_EQ(ftruncate(fd, (off_t)mib << 20), 0);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "%s %s >/dev/null 2>&1", mkfs, path);
    if (system(cmd) != 0) {
        printf("%s: %s (not installed or failed)\n", required ? "FAILED" : "skipped", mkfs);
        if (required)
            check_failures++;
        close(fd);
        unlink(path);
        return;
    }
    uint8_t *d = calloc(1, DEV_BYTES);
    CHECK_EQ(pread(fd, d, DEV_BYTES, 0), DEV_BYTES);
    expect_known(d, want, __LINE__);
    printf("%s: %s\n", mkfs, want);
    free(d);
    close(fd);
    unlink(path);
}

int main(void)
{
    synthetic();
    /* dosfstools, e2fsprogs and util-linux are required (tools/nvos deps); exfatprogs is not. */
    real("PATH=$PATH:/sbin:/usr/sbin mkfs.fat -F 12", "FAT", 4, true);
    real("PATH=$PATH:/sbin:/usr/sbin mkfs.fat -F 32", "FAT", 40, true);
    real("PATH=$PATH:/sbin:/usr/sbin mkfs.ext2 -q -F", "ext2", 8, true);
    real("PATH=$PATH:/sbin:/usr/sbin mkfs.ext3 -q -F", "ext3", 8, true);
    real("PATH=$PATH:/sbin:/usr/sbin mkfs.ext4 -q -F", "ext4", 8, true);
    real("PATH=$PATH:/sbin:/usr/sbin mkswap", "swap", 4, true);
    real("PATH=$PATH:/sbin:/usr/sbin mkfs.exfat", "exFAT", 8, false);
    return check_exit();
}
