/*
 * lib/part/mbr.c - the legacy MBR (UEFI 2.9 §5.2.1) and the extended
 * partition's chain of EBRs.
 *
 * An EBR (extended boot record) is an MBR-shaped sector inside the extended
 * partition. Its first record describes one logical partition, with a start
 * relative to the EBR itself; its second record, of an extended type, points
 * to the next EBR, relative to the start of the extended partition. Nothing
 * stops such a chain from looping or wandering off, so the walk remembers the
 * EBRs it visited and stops after PART_MAX of them.
 */
#include <string.h>

#include "lib/errno.h"
#include "lib/le.h"
#include "lib/part/part_internal.h"

struct mbr_rec {
    uint8_t boot;
    uint8_t type;
    uint32_t start;
    uint32_t size;
};

static void mbr_rec_get(const uint8_t *sector, int i, struct mbr_rec *r)
{
    const uint8_t *p = sector + MBR_PARTITION_RECORD + i * MBR_RECORD_SIZE;

    r->boot = p[MBR_REC_BOOT_INDICATOR];
    r->type = p[MBR_REC_OS_TYPE];
    r->start = le32_get(p + MBR_REC_STARTING_LBA);
    r->size = le32_get(p + MBR_REC_SIZE_IN_LBA);
}

static bool mbr_rec_used(const struct mbr_rec *r)
{
    return r->type != 0 && r->size != 0;
}

static bool mbr_type_extended(uint8_t type)
{
    return type == 0x05 || type == 0x0F || type == 0x85;
}

static bool has_boot_signature(const uint8_t *sector)
{
    return sector[MBR_SIGNATURE] == 0x55 && sector[MBR_SIGNATURE + 1] == 0xAA;
}

static bool is_pow2(uint32_t v)
{
    return v && (v & (v - 1)) == 0;
}

/* The few BPB fields (fatgen103 "Boot Sector and BPB") that tell a FAT boot
 * sector from an MBR; lib/fat validates the rest. */
static bool looks_like_fat_boot_sector(const uint8_t *b)
{
    uint16_t bytes_per_sector = le16_get(b + 11);

    return ((b[0] == 0xEB && b[2] == 0x90) || b[0] == 0xE9) && is_pow2(bytes_per_sector) &&
           bytes_per_sector >= 512 && bytes_per_sector <= 4096 && is_pow2(b[13]) &&
           le16_get(b + 14) != 0 && b[16] != 0;
}

static int scan_ebr_chain(const struct blkread *dev, struct part_table *t, uint64_t ext_start,
                          uint64_t ext_size)
{
    uint64_t ext_end = ext_start + ext_size, ebr = ext_start;
    uint64_t visited[PART_MAX];
    uint32_t number = 5;

    for (uint32_t n = 0;; n++) {
        struct mbr_rec data, link;
        int rc;

        if (n == PART_MAX) {
            part_warn(t, "EBR chain has more than %u links; stopped", PART_MAX);
            return 0;
        }
        for (uint32_t k = 0; k < n; k++) {
            if (visited[k] == ebr) {
                part_warn(t, "EBR chain loops back to LBA %llu; stopped",
                          (unsigned long long)ebr);
                return 0;
            }
        }
        visited[n] = ebr;
        rc = blkread_read(dev, ebr, 1, t->block);
        if (rc)
            return part_fail(t, rc, "cannot read the EBR at LBA %llu (%s)",
                             (unsigned long long)ebr, errno_name(rc));
        if (!has_boot_signature(t->block)) {
            part_warn(t, "EBR at LBA %llu has no 0x55AA signature; logical partitions end there",
                      (unsigned long long)ebr);
            return 0;
        }
        mbr_rec_get(t->block, 0, &data);
        mbr_rec_get(t->block, 1, &link);

        if (mbr_rec_used(&data) && !mbr_type_extended(data.type)) {
            uint64_t start = ebr + data.start;
            if (data.start == 0 || start + data.size > ext_end) {
                part_warn(t, "logical partition at LBA %llu+%u leaves its extended partition "
                             "(LBA %llu..%llu); ignored",
                          (unsigned long long)start, data.size, (unsigned long long)ext_start,
                          (unsigned long long)(ext_end - 1));
            } else {
                struct part_entry *p = part_add(t);
                if (p) {
                    p->number = number++;
                    p->flags = PART_F_LOGICAL | (data.boot == 0x80 ? PART_F_BOOTABLE : 0);
                    p->start_lba = start;
                    p->num_blocks = data.size;
                    p->mbr_type = data.type;
                    p->type_name = part_mbr_type_name(data.type);
                }
            }
        }

        if (!mbr_rec_used(&link) || !mbr_type_extended(link.type))
            return 0;
        if (link.start == 0 || link.start >= ext_size) {
            part_warn(t, "EBR at LBA %llu links to LBA %llu, outside its extended partition; "
                         "stopped",
                      (unsigned long long)ebr, (unsigned long long)(ext_start + link.start));
            return 0;
        }
        ebr = ext_start + link.start;
    }
}

int part_mbr_scan(const struct blkread *dev, struct part_table *t)
{
    struct mbr_rec rec[4];
    int used = 0, at_zero = 0, ext = -1;
    int rc;

    if (!has_boot_signature(t->block))
        return 0; /* PART_TABLE_NONE */
    for (int i = 0; i < 4; i++) {
        mbr_rec_get(t->block, i, &rec[i]);
        /* Boot code of a volume boot record, not partition records. */
        if (rec[i].boot != 0x00 && rec[i].boot != 0x80)
            return 0;
    }
    for (int i = 0; i < 4; i++) {
        if (rec[i].type == MBR_TYPE_GPT_PROTECTIVE) {
            /* §5.2.3: the protective record starts at LBA 1. Hybrid MBRs
             * carry other records too; GPT is authoritative then. */
            if (rec[i].start != 1)
                part_warn(t, "protective MBR entry %d starts at LBA %u, not 1", i + 1,
                          rec[i].start);
            t->type = PART_TABLE_GPT;
            return part_gpt_scan(dev, t);
        }
    }
    for (int i = 0; i < 4; i++) {
        if (mbr_rec_used(&rec[i])) {
            used++;
            at_zero += rec[i].start == 0;
        }
    }
    if (used == 0)
        return 0;
    if (used == at_zero && looks_like_fat_boot_sector(t->block)) {
        part_warn(t, "LBA 0 is a FAT boot sector whose partition entry covers the disk from "
                     "LBA 0 (mkfs.fat --mbr); no partition table");
        return 0;
    }

    t->type = PART_TABLE_MBR;
    t->mbr_signature = le32_get(t->block + MBR_DISK_SIGNATURE);
    for (int i = 0; i < 4; i++) {
        const struct mbr_rec *r = &rec[i];
        struct part_entry *p;

        if (!mbr_rec_used(r))
            continue;
        if (r->start == 0) {
            part_warn(t, "MBR entry %d starts at LBA 0, which holds the MBR; ignored", i + 1);
            continue;
        }
        if ((uint64_t)r->start + r->size > dev->block_count) {
            part_warn(t, "MBR entry %d (LBA %u+%u) ends past the end of the disk (%llu blocks); "
                         "ignored",
                      i + 1, r->start, r->size, (unsigned long long)dev->block_count);
            continue;
        }
        p = part_add(t);
        p->number = (uint32_t)i + 1;
        p->flags = r->boot == 0x80 ? PART_F_BOOTABLE : 0;
        p->start_lba = r->start;
        p->num_blocks = r->size;
        p->mbr_type = r->type;
        p->type_name = part_mbr_type_name(r->type);
        if (mbr_type_extended(r->type)) {
            p->flags |= PART_F_EXTENDED;
            if (ext < 0)
                ext = i;
            else
                part_warn(t, "MBR entry %d is a second extended partition; its logical "
                             "partitions are not read",
                          i + 1);
        }
    }
    if (ext >= 0) {
        rc = scan_ebr_chain(dev, t, rec[ext].start, rec[ext].size);
        if (rc)
            return rc;
    }
    part_check_overlaps(t);
    return 0;
}
