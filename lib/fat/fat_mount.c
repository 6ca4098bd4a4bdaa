/*
 * lib/fat/fat_mount.c - boot sector validation, FAT type determination,
 * FSInfo, statfs and the free-cluster count.
 *
 * fatgen103 "Boot Sector and BPB" gives the fields and their legal values,
 * "FAT Type Determination" the cluster-count rule, "FAT32 FSInfo Sector
 * Structure" the free count. Each rule is checked in the order the layout
 * depends on it, and each failure names the field and its value, so that a
 * refused volume says exactly why (the same checks Linux's fat_read_bpb,
 * FatFs's check_fs and dosfstools' boot.c make, in union).
 */
#include <stdarg.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/fat/fat_internal.h"
#include "lib/le.h"

int fat_fail(struct fat_volume *v, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    kvsnprintf(v->error, sizeof(v->error), fmt, ap);
    va_end(ap);
    return err;
}

void fat_warn(struct fat_volume *v, const char *fmt, ...)
{
    size_t used = strlen(v->warning);
    va_list ap;

    if (used && used + 2 < sizeof(v->warning)) {
        memcpy(v->warning + used, "; ", 3);
        used += 2;
    }
    if (used + 1 >= sizeof(v->warning))
        return;
    va_start(ap, fmt);
    kvsnprintf(v->warning + used, sizeof(v->warning) - used, fmt, ap);
    va_end(ap);
}

void fat_show_path(char out[FAT_SHOW_MAX], const char *path, size_t len)
{
    size_t lead = (len && path[0] == '/') ? 0 : 1;

    if (len + lead < FAT_SHOW_MAX) {
        out[0] = '/';
        memcpy(out + lead, path, len);
        out[len + lead] = '\0';
        return;
    }
    /* Keep the tail, where the file's own name is, from a character start. */
    size_t start = len - (FAT_SHOW_MAX - 4);
    while (start < len && (path[start] & 0xC0) == 0x80)
        start++;
    memcpy(out, "...", 3);
    memcpy(out + 3, path + start, len - start);
    out[3 + len - start] = '\0';
}

const char *fat_last_error(const struct fat_volume *v)
{
    return v->error;
}

const char *fat_mount_warnings(const struct fat_volume *v)
{
    return v->warning;
}

const char *fat_type_name(enum fat_type type)
{
    switch (type) {
    case FAT_TYPE_12:
        return "FAT12";
    case FAT_TYPE_16:
        return "FAT16";
    default:
        return "FAT32";
    }
}

static bool is_pow2(uint32_t x)
{
    return x && (x & (x - 1)) == 0;
}

static uint32_t log2_u32(uint32_t x)
{
    uint32_t n = 0;

    while (x >>= 1)
        n++;
    return n;
}

/* fatgen103 "FAT32 FSInfo Sector Structure": trust the free count only if
 * all three signatures are there and the count is possible. */
static int read_fsinfo(struct fat_volume *v, uint32_t sector)
{
    const uint8_t *b = v->bounce;
    uint32_t free;
    int rc;

    v->free_clusters = FAT_FREE_UNKNOWN;
    if (sector == 0 || sector == 0xFFFF)
        return 0; /* no FSInfo */
    if (sector >= v->reserved_sectors) {
        fat_warn(v, "FSInfo sector %u is outside the reserved area", sector);
        return 0;
    }
    rc = blkread_read(&v->dev, (uint64_t)sector << v->sector_shift, 1, v->bounce);
    if (rc)
        return fat_fail(v, rc, "cannot read the FSInfo sector %u (%s)", sector, errno_name(rc));
    if (le32_get(b + FSI_LEADSIG) != FSI_LEADSIG_VALUE ||
        le32_get(b + FSI_STRUCSIG) != FSI_STRUCSIG_VALUE ||
        le32_get(b + FSI_TRAILSIG) != FSI_TRAILSIG_VALUE) {
        fat_warn(v, "FSInfo signatures invalid; free count unknown");
        return 0;
    }
    free = le32_get(b + FSI_FREE_COUNT);
    if (free != FAT_FREE_UNKNOWN && free > v->cluster_count)
        fat_warn(v, "FSInfo free count %u exceeds the %u clusters; ignored", free,
                 v->cluster_count);
    else
        v->free_clusters = free;
    return 0;
}

int fat_mount(struct fat_volume *v, const struct blkread *dev)
{
    const uint8_t *b = v->bounce;
    uint32_t bps, spc, rsvd, nfats, root_entries, fat_sectors, fsinfo;
    uint64_t total, root_sectors, data_start, clusters, fat_bytes, needed;
    bool fat32_layout;
    int rc;

    memset(v, 0, offsetof(struct fat_volume, cache));
    if (blkread_check(dev))
        return fat_fail(v, -EINVAL, "device geometry is unusable (block size %u)",
                        dev ? dev->block_size : 0);
    v->dev = *dev;
    if (!blkread_aligned(dev, v->cache[0]) || !blkread_aligned(dev, v->bounce))
        return fat_fail(v, -EINVAL, "volume buffers are not %u-byte aligned", dev->align);
    v->block_shift = log2_u32(dev->block_size);

    rc = blkread_read(dev, 0, 1, v->bounce);
    if (rc)
        return fat_fail(v, rc, "cannot read the boot sector (%s)", errno_name(rc));

    /* Other file systems first: an exFAT boot sector has a jump and 0x55AA
     * too, and zeros where the BPB would be (KallistiOS divided by them). */
    if (memcmp(b + BS_OEMNAME, EXFAT_FILE_SYSTEM_NAME, 8) == 0)
        return fat_fail(v, -EMEDIUMTYPE, "exFAT is not supported");
    if (memcmp(b + BS_OEMNAME, "NTFS    ", 8) == 0)
        return fat_fail(v, -EMEDIUMTYPE, "NTFS is not supported");
    /* fatgen103 "Boot Sector and BPB": BS_jmpBoot is EB ?? 90 or E9 ?? ??;
     * FatFs and U-Boot want 0x55AA. Either will do. */
    if (!((b[0] == 0xEB && b[2] == 0x90) || b[0] == 0xE9) &&
        !(b[BS_SIGNATURE_OFFSET] == 0x55 && b[BS_SIGNATURE_OFFSET + 1] == 0xAA))
        return fat_fail(v, -EMEDIUMTYPE,
                        "not a FAT volume: no boot jump and no 0x55AA signature");

    bps = le16_get(b + BPB_BYTSPERSEC);
    if (!is_pow2(bps) || bps < 512 || bps > 4096)
        return fat_fail(v, -EUCLEAN, "BPB: bytes per sector %u is not a power of two in 512..4096",
                        bps);
    if (bps < dev->block_size)
        return fat_fail(v, -EOPNOTSUPP,
                        "BPB: %u-byte sectors on a device with %u-byte blocks are not supported",
                        bps, dev->block_size);
    spc = b[BPB_SECPERCLUS];
    if (!is_pow2(spc))
        return fat_fail(v, -EUCLEAN, "BPB: sectors per cluster %u is not a power of two", spc);
    rsvd = le16_get(b + BPB_RSVDSECCNT);
    if (rsvd == 0)
        return fat_fail(v, -EUCLEAN, "BPB: reserved sector count is 0");
    nfats = b[BPB_NUMFATS];
    if (nfats == 0)
        return fat_fail(v, -EUCLEAN, "BPB: number of FATs is 0");
    if (b[BPB_MEDIA] != 0xF0 && b[BPB_MEDIA] < 0xF8)
        return fat_fail(v, -EUCLEAN, "BPB: media descriptor 0x%02X is not 0xF0 or 0xF8..0xFF",
                        b[BPB_MEDIA]);

    root_entries = le16_get(b + BPB_ROOTENTCNT);
    fat_sectors = le16_get(b + BPB_FATSZ16);
    fat32_layout = fat_sectors == 0;
    if (fat32_layout) {
        fat_sectors = le32_get(b + BPB_FATSZ32);
        if (fat_sectors == 0)
            return fat_fail(v, -EUCLEAN, "BPB: FAT size is 0");
        if (le16_get(b + BPB_FSVER) != 0)
            return fat_fail(v, -EUCLEAN, "BPB: FAT32 version %u.%u is not 0.0",
                            b[BPB_FSVER + 1], b[BPB_FSVER]);
        if (root_entries != 0)
            return fat_fail(v, -EUCLEAN, "BPB: FAT32 volume with %u root entries (must be 0)",
                            root_entries);
    } else {
        if (root_entries == 0)
            return fat_fail(v, -EUCLEAN, "BPB: FAT12/16 root directory has 0 entries");
        if (root_entries * 32u % bps)
            return fat_fail(v, -EUCLEAN, "BPB: %u root entries do not fill whole %u-byte sectors",
                            root_entries, bps);
    }
    total = le16_get(b + BPB_TOTSEC16);
    if (total == 0)
        total = le32_get(b + BPB_TOTSEC32);
    if (total == 0)
        return fat_fail(v, -EUCLEAN, "BPB: total sector count is 0");

    v->bytes_per_sector = bps;
    v->sectors_per_cluster = spc;
    v->cluster_size = bps * spc;
    v->sector_shift = log2_u32(bps) - v->block_shift;
    v->cluster_shift = log2_u32(v->cluster_size);
    if ((total << v->sector_shift) > dev->block_count)
        return fat_fail(v, -EUCLEAN,
                        "BPB: volume of %llu sectors of %u bytes is larger than the device "
                        "(%llu blocks of %u bytes)",
                        (unsigned long long)total, bps, (unsigned long long)dev->block_count,
                        dev->block_size);

    /* fatgen103 "FAT Type Determination": RootDirSectors, FirstDataSector,
     * CountofClusters. */
    root_sectors = (root_entries * 32u + bps - 1) / bps;
    data_start = rsvd + (uint64_t)nfats * fat_sectors + root_sectors;
    if (data_start >= total)
        return fat_fail(v, -EUCLEAN, "BPB: data area starts at sector %llu, past the volume's "
                                     "%llu sectors",
                        (unsigned long long)data_start, (unsigned long long)total);
    clusters = (total - data_start) / spc;
    if (clusters == 0)
        return fat_fail(v, -EUCLEAN, "BPB: no room for a single cluster");
    if (fat32_layout) {
        v->type = FAT_TYPE_32;
        if (clusters > FAT32_MAX_CLUSTERS)
            return fat_fail(v, -EUCLEAN, "BPB: %llu clusters are more than FAT32 can address",
                            (unsigned long long)clusters);
        if (clusters <= FAT16_MAX_CLUSTERS)
            fat_warn(v, "FAT32 with %llu clusters, fewer than the 65525 the spec requires",
                     (unsigned long long)clusters);
    } else if (clusters <= FAT12_MAX_CLUSTERS) {
        v->type = FAT_TYPE_12;
    } else if (clusters <= FAT16_MAX_CLUSTERS) {
        v->type = FAT_TYPE_16;
    } else {
        return fat_fail(v, -EUCLEAN, "BPB: %llu clusters need FAT32, but BPB_FATSz16 is set",
                        (unsigned long long)clusters);
    }

    /* Entries 0 and 1 are reserved, so a FAT has clusters + 2 of them. */
    fat_bytes = (uint64_t)fat_sectors * bps;
    needed = v->type == FAT_TYPE_12 ? ((clusters + 2) * 3 + 1) / 2 : (clusters + 2) * (v->type / 8);
    if (needed > fat_bytes)
        return fat_fail(v, -EUCLEAN,
                        "BPB: FAT of %u sectors has room for %llu entries, but %llu clusters "
                        "need %llu",
                        fat_sectors, (unsigned long long)(fat_bytes * 8 / v->type),
                        (unsigned long long)clusters, (unsigned long long)clusters + 2);

    v->reserved_sectors = rsvd;
    v->num_fats = nfats;
    v->fat_sectors = fat_sectors;
    v->root_entries = root_entries;
    v->total_sectors = total;
    v->cluster_count = (uint32_t)clusters;
    v->max_cluster = (uint32_t)clusters + 1;
    v->eoc_min = v->type == FAT_TYPE_12 ? FAT12_EOC_MIN
                 : v->type == FAT_TYPE_16 ? FAT16_EOC_MIN : FAT32_EOC_MIN;
    memcpy(v->oem_name, b + BS_OEMNAME, 8);
    for (int i = 0; i < 8; i++)
        if ((uint8_t)v->oem_name[i] < 0x20 || (uint8_t)v->oem_name[i] > 0x7E)
            v->oem_name[i] = '?';

    if (v->type == FAT_TYPE_32) {
        uint16_t ext_flags = le16_get(b + BPB_EXTFLAGS);
        v->root_cluster = le32_get(b + BPB_ROOTCLUS);
        if (!fat_is_link(v, v->root_cluster))
            return fat_fail(v, -EUCLEAN, "BPB: root directory cluster %u is outside 2..%u",
                            v->root_cluster, v->max_cluster);
        if (ext_flags & BPB_EXTFLAGS_NO_MIRROR) {
            v->active_fat = ext_flags & BPB_EXTFLAGS_ACTIVE_MASK;
            if (v->active_fat >= nfats)
                return fat_fail(v, -EUCLEAN, "BPB: active FAT %u does not exist (%u FATs)",
                                v->active_fat, nfats);
        }
        if (b[BS32_BOOTSIG] == BS_BOOTSIG_EXTENDED) {
            v->volume_id = le32_get(b + BS32_VOLID);
            fat_oem_text(b + BS32_VOLLAB, 11, v->bpb_label, sizeof(v->bpb_label));
        }
        fsinfo = le16_get(b + BPB_FSINFO);
    } else {
        if (b[BS16_BOOTSIG] == BS_BOOTSIG_EXTENDED) {
            v->volume_id = le32_get(b + BS16_VOLID);
            fat_oem_text(b + BS16_VOLLAB, 11, v->bpb_label, sizeof(v->bpb_label));
        }
        fsinfo = 0;
    }
    /* mkfs.fat writes this placeholder when there is no label. */
    if (strcmp(v->bpb_label, "NO NAME") == 0)
        v->bpb_label[0] = '\0';

    v->fat_lba = (rsvd + (uint64_t)v->active_fat * fat_sectors) << v->sector_shift;
    v->root_lba = (rsvd + (uint64_t)nfats * fat_sectors) << v->sector_shift;
    v->data_lba = data_start << v->sector_shift;
    fat_cache_reset(v);
    rc = read_fsinfo(v, fsinfo);
    if (rc)
        return rc;
    v->error[0] = '\0';
    return 0;
}

int fat_statfs(struct fat_volume *v, struct fat_statfs *st)
{
    int rc;

    memset(st, 0, sizeof(*st));
    st->type = v->type;
    st->bytes_per_sector = v->bytes_per_sector;
    st->sectors_per_cluster = v->sectors_per_cluster;
    st->cluster_size = v->cluster_size;
    st->cluster_count = v->cluster_count;
    st->free_clusters = v->free_clusters;
    st->total_sectors = v->total_sectors;
    st->num_fats = v->num_fats;
    st->active_fat = v->active_fat;
    st->volume_id = v->volume_id;
    memcpy(st->oem_name, v->oem_name, sizeof(st->oem_name));
    rc = fat_root_label(v, st->label, sizeof(st->label));
    if (rc)
        return rc;
    if (st->label[0] == '\0') {
        memcpy(st->label, v->bpb_label, sizeof(v->bpb_label));
    }
    return 0;
}

int fat_count_free(struct fat_volume *v, uint32_t *free_clusters)
{
    uint32_t count = 0;

    for (uint32_t c = 2; c <= v->max_cluster; c++) {
        uint32_t value;
        int rc = fat_entry_get(v, c, &value);
        if (rc)
            return rc;
        count += value == 0;
    }
    v->free_clusters = count;
    *free_clusters = count;
    return 0;
}
