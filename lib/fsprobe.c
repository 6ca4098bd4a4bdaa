/*
 * lib/fsprobe.c - file system signatures (the table is in fsprobe.h).
 */
#include "lib/fsprobe.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/le.h"

/* Reads the 4 KiB at byte offset off into buf; 1 if read, 0 if past the end. */
static int read_region(const struct blkread *dev, uint64_t off, uint8_t *buf)
{
    uint64_t lba = off / dev->block_size;
    uint64_t count = FSPROBE_SCRATCH / dev->block_size; /* block sizes divide 4096 */
    if (lba >= dev->block_count || count > dev->block_count - lba)
        return 0;
    int err = blkread_read(dev, lba, count, buf);
    return err ? err : 1;
}

static bool pow2(uint32_t v)
{
    return v && (v & (v - 1)) == 0;
}

static bool is_fat(const uint8_t *b)
{
    uint32_t bps = le16_get(b + 11), spc = b[13];
    return (b[0] == 0xEB || b[0] == 0xE9) && b[510] == 0x55 && b[511] == 0xAA && pow2(bps) &&
           bps >= 512 && bps <= 4096 && pow2(spc) && le16_get(b + 14) != 0 && b[16] != 0;
}

static const char *ext_name(const uint8_t *sb)
{
    uint32_t compat = le32_get(sb + 0x5C), incompat = le32_get(sb + 0x60);
    if (incompat & 0x40) /* EXT4_FEATURE_INCOMPAT_EXTENTS */
        return "ext4";
    if (compat & 0x4) /* EXT3_FEATURE_COMPAT_HAS_JOURNAL */
        return "ext3";
    return "ext2";
}

/* The signatures in the first 4 KiB; NULL if none. */
static const char *first_region(const uint8_t *b)
{
    if (memcmp(b, "LUKS\xba\xbe", 6) == 0)
        return "LUKS";
    if (memcmp(b, "XFSB", 4) == 0)
        return "XFS";
    if (memcmp(b + 3, "EXFAT   ", 8) == 0)
        return "exFAT";
    if (memcmp(b + 3, "NTFS    ", 8) == 0)
        return "NTFS";
    if (is_fat(b))
        return "FAT";
    if (memcmp(b + 512, "LABELONE", 8) == 0)
        return "LVM2";
    if (le16_get(b + 1024 + 56) == 0xEF53)
        return ext_name(b + 1024);
    if (memcmp(b + 4086, "SWAPSPACE2", 10) == 0 || memcmp(b + 4086, "SWAP-SPACE", 10) == 0)
        return "swap";
    return NULL;
}

int fsprobe(const struct blkread *dev, void *scratch, const char **name)
{
    uint8_t *b = scratch;
    *name = NULL;
    if (blkread_check(dev))
        return -EINVAL;
    int got = read_region(dev, 0, b);
    if (got < 0)
        return got;
    bool blank = true;
    if (got) {
        if ((*name = first_region(b)) != NULL)
            return FSPROBE_KNOWN;
        for (size_t i = 0; i < FSPROBE_SCRATCH && blank; i++)
            blank = b[i] == 0;
    } else {
        /* Smaller than 4 KiB: only whole blocks can be looked at. */
        for (uint64_t lba = 0; lba < dev->block_count && blank; lba++) {
            int err = blkread_read(dev, lba, 1, b);
            if (err)
                return err;
            for (size_t i = 0; i < dev->block_size && blank; i++)
                blank = b[i] == 0;
        }
    }
    got = read_region(dev, 0x8000, b);
    if (got < 0)
        return got;
    if (got && memcmp(b + 1, "CD001", 5) == 0) {
        *name = "ISO9660";
        return FSPROBE_KNOWN;
    }
    got = read_region(dev, 0x10000, b);
    if (got < 0)
        return got;
    if (got && memcmp(b + 0x40, "_BHRfS_M", 8) == 0) {
        *name = "btrfs";
        return FSPROBE_KNOWN;
    }
    return blank ? FSPROBE_BLANK : FSPROBE_UNKNOWN;
}
