/*
 * lib/part/gpt.c - the GUID Partition Table, UEFI 2.9 §5.3.
 *
 * §5.3.2 lists what makes a GPT valid: the signature, the header CRC32 (over
 * HeaderSize bytes with the CRC field taken as zero), MyLBA naming the LBA the
 * header was read from, and the CRC32 of the partition entry array. To these
 * we add the sanity checks a parser needs before trusting the numbers:
 * HeaderSize between 92 and the block size, a usable range inside the disk
 * that excludes the header, an entry size of at least 128 that is a multiple
 * of 8 (UEFI 2.9 narrows this to 128 x 2^n; earlier revisions allowed any
 * multiple of 8, so we do), an entry array of at most PART_GPT_MAX_ARRAY
 * bytes that overlaps neither the header nor the usable range.
 *
 * "If the primary GPT is corrupt, software must check the last LBA of the
 * device to see if it has a valid GPT Header and point to a valid GPT
 * Partition Entry Array" (§5.3.2): we do, and say so in a warning. We never
 * write, so we do not restore the primary; when it is valid we still check
 * the backup (as §5.3.2 asks) and warn if it is damaged or different.
 *
 * The entry array is streamed block by block through the CRC, decoding each
 * entry's first 128 bytes (the part §5.3.3 defines) on the way.
 */
#include <string.h>

#include "lib/crc32.h"
#include "lib/errno.h"
#include "lib/le.h"
#include "lib/part/part_internal.h"
#include "lib/utf.h"

/* UEFI 2.9 §5.3.2, Table "GPT Header". */
enum {
    GPT_HDR_SIGNATURE = 0, /* "EFI PART" */
    GPT_HDR_REVISION = 8,
    GPT_HDR_HEADER_SIZE = 12,
    GPT_HDR_HEADER_CRC32 = 16,
    GPT_HDR_MY_LBA = 24,
    GPT_HDR_ALTERNATE_LBA = 32,
    GPT_HDR_FIRST_USABLE_LBA = 40,
    GPT_HDR_LAST_USABLE_LBA = 48,
    GPT_HDR_DISK_GUID = 56,
    GPT_HDR_PARTITION_ENTRY_LBA = 72,
    GPT_HDR_NUMBER_OF_PARTITION_ENTRIES = 80,
    GPT_HDR_SIZE_OF_PARTITION_ENTRY = 84,
    GPT_HDR_PARTITION_ENTRY_ARRAY_CRC32 = 88,
    GPT_HDR_MIN_SIZE = 92,
};

/* UEFI 2.9 §5.3.3, Table "GPT Partition Entry". */
enum {
    GPT_ENT_PARTITION_TYPE_GUID = 0,
    GPT_ENT_UNIQUE_PARTITION_GUID = 16,
    GPT_ENT_STARTING_LBA = 32,
    GPT_ENT_ENDING_LBA = 40,
    GPT_ENT_ATTRIBUTES = 48,
    GPT_ENT_PARTITION_NAME = 56, /* 36 CHAR16 */
    GPT_ENT_NAME_UNITS = 36,
    GPT_ENT_MIN_SIZE = 128,
};

#define GPT_ATTR_LEGACY_BIOS_BOOTABLE (1ull << 2)

#define GPT_WHY_MAX 96

struct gpt_header {
    uint64_t lba, alternate_lba, first_usable, last_usable, entry_lba;
    uint32_t entry_count, entry_size, entry_crc;
    struct part_guid disk_guid;
};

/* Reads and checks the header at lba. 0, -EUCLEAN (why says what is wrong),
 * or a read error. */
static int gpt_read_header(const struct blkread *dev, struct part_table *t, uint64_t lba,
                           struct gpt_header *h, char *why)
{
    static const uint8_t zero[4];
    const uint8_t *b = t->block;
    uint32_t size, crc;
    uint64_t array_bytes, array_blocks;
    int rc;

    rc = blkread_read(dev, lba, 1, t->block);
    if (rc) {
        ksnprintf(why, GPT_WHY_MAX, "header unreadable (%s)", errno_name(rc));
        return rc;
    }
    if (memcmp(b + GPT_HDR_SIGNATURE, "EFI PART", 8) != 0) {
        ksnprintf(why, GPT_WHY_MAX, "header signature missing");
        return -EUCLEAN;
    }
    size = le32_get(b + GPT_HDR_HEADER_SIZE);
    if (size < GPT_HDR_MIN_SIZE || size > dev->block_size) {
        ksnprintf(why, GPT_WHY_MAX, "header size %u is outside %u..%u", size, GPT_HDR_MIN_SIZE,
                  dev->block_size);
        return -EUCLEAN;
    }
    crc = crc32_ieee(0, b, GPT_HDR_HEADER_CRC32);
    crc = crc32_ieee(crc, zero, 4);
    crc = crc32_ieee(crc, b + GPT_HDR_HEADER_CRC32 + 4, size - GPT_HDR_HEADER_CRC32 - 4);
    if (crc != le32_get(b + GPT_HDR_HEADER_CRC32)) {
        ksnprintf(why, GPT_WHY_MAX, "header CRC mismatch");
        return -EUCLEAN;
    }

    h->lba = le64_get(b + GPT_HDR_MY_LBA);
    h->alternate_lba = le64_get(b + GPT_HDR_ALTERNATE_LBA);
    h->first_usable = le64_get(b + GPT_HDR_FIRST_USABLE_LBA);
    h->last_usable = le64_get(b + GPT_HDR_LAST_USABLE_LBA);
    memcpy(h->disk_guid.b, b + GPT_HDR_DISK_GUID, 16);
    h->entry_lba = le64_get(b + GPT_HDR_PARTITION_ENTRY_LBA);
    h->entry_count = le32_get(b + GPT_HDR_NUMBER_OF_PARTITION_ENTRIES);
    h->entry_size = le32_get(b + GPT_HDR_SIZE_OF_PARTITION_ENTRY);
    h->entry_crc = le32_get(b + GPT_HDR_PARTITION_ENTRY_ARRAY_CRC32);

    if (h->lba != lba) {
        ksnprintf(why, GPT_WHY_MAX, "header read from LBA %llu says MyLBA is %llu",
                  (unsigned long long)lba, (unsigned long long)h->lba);
        return -EUCLEAN;
    }
    if (h->first_usable > h->last_usable || h->last_usable >= dev->block_count ||
        (lba >= h->first_usable && lba <= h->last_usable)) {
        ksnprintf(why, GPT_WHY_MAX, "usable range LBA %llu..%llu does not fit the disk",
                  (unsigned long long)h->first_usable, (unsigned long long)h->last_usable);
        return -EUCLEAN;
    }
    if (h->entry_size < GPT_ENT_MIN_SIZE || h->entry_size % 8) {
        ksnprintf(why, GPT_WHY_MAX, "partition entry size %u is not a multiple of 8 >= 128",
                  h->entry_size);
        return -EUCLEAN;
    }
    array_bytes = (uint64_t)h->entry_count * h->entry_size;
    if (array_bytes > PART_GPT_MAX_ARRAY) {
        ksnprintf(why, GPT_WHY_MAX, "partition entry array of %llu bytes is over the %u limit",
                  (unsigned long long)array_bytes, PART_GPT_MAX_ARRAY);
        return -EUCLEAN;
    }
    array_blocks = (array_bytes + dev->block_size - 1) / dev->block_size;
    if (array_blocks &&
        (h->entry_lba >= dev->block_count || array_blocks > dev->block_count - h->entry_lba ||
         (lba >= h->entry_lba && lba < h->entry_lba + array_blocks) ||
         (h->entry_lba <= h->last_usable && h->entry_lba + array_blocks > h->first_usable))) {
        ksnprintf(why, GPT_WHY_MAX,
                  "partition entry array at LBA %llu (+%llu) overlaps the header or the "
                  "usable range",
                  (unsigned long long)h->entry_lba, (unsigned long long)array_blocks);
        return -EUCLEAN;
    }
    return 0;
}

static void gpt_list_entry(struct part_table *t, const struct gpt_header *h, uint32_t index,
                           const uint8_t *e)
{
    static const struct part_guid unused;
    uint16_t units[GPT_ENT_NAME_UNITS];
    uint64_t start = le64_get(e + GPT_ENT_STARTING_LBA), end = le64_get(e + GPT_ENT_ENDING_LBA);
    struct part_entry *p;

    if (memcmp(e + GPT_ENT_PARTITION_TYPE_GUID, unused.b, 16) == 0)
        return; /* §5.3.3: an all-zero type GUID marks an unused entry */
    if (start > end || start < h->first_usable || end > h->last_usable) {
        part_warn(t, "GPT entry %u (LBA %llu..%llu) is outside the usable range %llu..%llu; "
                     "ignored",
                  index + 1, (unsigned long long)start, (unsigned long long)end,
                  (unsigned long long)h->first_usable, (unsigned long long)h->last_usable);
        return;
    }
    p = part_add(t);
    if (!p)
        return;
    p->number = index + 1;
    p->start_lba = start;
    p->num_blocks = end - start + 1;
    memcpy(p->type_guid.b, e + GPT_ENT_PARTITION_TYPE_GUID, 16);
    memcpy(p->unique_guid.b, e + GPT_ENT_UNIQUE_PARTITION_GUID, 16);
    p->attributes = le64_get(e + GPT_ENT_ATTRIBUTES);
    if (p->attributes & GPT_ATTR_LEGACY_BIOS_BOOTABLE)
        p->flags |= PART_F_BOOTABLE;
    p->type_name = part_gpt_type_name(&p->type_guid);
    for (int i = 0; i < GPT_ENT_NAME_UNITS; i++)
        units[i] = le16_get(e + GPT_ENT_PARTITION_NAME + 2 * i);
    utf16_to_utf8(units, GPT_ENT_NAME_UNITS, p->name, sizeof(p->name)); /* always fits */
}

/* Streams h's entry array through the CRC, listing the entries if list is
 * set. 0, -EUCLEAN (CRC mismatch) or a read error. */
static int gpt_read_entries(const struct blkread *dev, struct part_table *t,
                            const struct gpt_header *h, bool list, char *why)
{
    uint64_t left = (uint64_t)h->entry_count * h->entry_size, lba = h->entry_lba;
    uint8_t entry[GPT_ENT_MIN_SIZE];
    uint32_t in_entry = 0, index = 0, crc = 0;

    while (left) {
        uint32_t n = left < dev->block_size ? (uint32_t)left : dev->block_size;
        int rc = blkread_read(dev, lba, 1, t->block);
        if (rc) {
            ksnprintf(why, GPT_WHY_MAX, "partition entry array unreadable at LBA %llu (%s)",
                      (unsigned long long)lba, errno_name(rc));
            return rc;
        }
        crc = crc32_ieee(crc, t->block, n);
        /* Entries need not divide the block (a multiple of 8, not of 2^n). */
        for (uint32_t off = 0; off < n;) {
            uint32_t take = h->entry_size - in_entry;
            if (take > n - off)
                take = n - off;
            if (in_entry < sizeof(entry)) {
                uint32_t keep = sizeof(entry) - in_entry < take ? sizeof(entry) - in_entry : take;
                memcpy(entry + in_entry, t->block + off, keep);
            }
            in_entry += take;
            off += take;
            if (in_entry == h->entry_size) {
                if (list)
                    gpt_list_entry(t, h, index, entry);
                index++;
                in_entry = 0;
            }
        }
        left -= n;
        lba++;
    }
    if (crc != h->entry_crc) {
        ksnprintf(why, GPT_WHY_MAX, "partition entry array CRC mismatch");
        return -EUCLEAN;
    }
    return 0;
}

/* The header at lba and its entries. On -EUCLEAN, *header_ok tells whether
 * the header itself (and so its AlternateLBA) could be trusted. */
static int gpt_load(const struct blkread *dev, struct part_table *t, uint64_t lba, bool list,
                    struct gpt_header *h, bool *header_ok, char *why)
{
    uint32_t warnings = t->warning_count;
    int rc;

    *header_ok = false;
    rc = gpt_read_header(dev, t, lba, h, why);
    if (rc)
        return rc;
    *header_ok = true;
    if (list)
        t->count = t->unlisted = 0;
    rc = gpt_read_entries(dev, t, h, list, why);
    if (rc && list) {
        t->count = t->unlisted = 0;
        t->warning_count = warnings; /* about entries we are not going to list */
    }
    return rc;
}

static void gpt_use(struct part_table *t, const struct gpt_header *h)
{
    t->type = PART_TABLE_GPT;
    t->disk_guid = h->disk_guid;
    t->header_lba = h->lba;
    t->first_usable_lba = h->first_usable;
    t->last_usable_lba = h->last_usable;
    t->entry_count = h->entry_count;
    t->entry_size = h->entry_size;
    part_check_overlaps(t);
}

/* The primary is in use: check the backup too (§5.3.2), warning only. */
static void gpt_check_backup(const struct blkread *dev, struct part_table *t,
                             const struct gpt_header *primary)
{
    uint64_t last = dev->block_count - 1, alt = primary->alternate_lba;
    struct gpt_header backup;
    char why[GPT_WHY_MAX];
    bool header_ok;
    int rc;

    if (alt != last)
        part_warn(t, "GPT primary header puts the backup at LBA %llu, not at the last LBA %llu",
                  (unsigned long long)alt, (unsigned long long)last);
    if (alt >= dev->block_count || alt <= 1)
        return;
    rc = gpt_load(dev, t, alt, false, &backup, &header_ok, why);
    if (rc)
        part_warn(t, "backup GPT at LBA %llu is unusable: %s", (unsigned long long)alt, why);
    else if (backup.entry_crc != primary->entry_crc ||
             memcmp(backup.disk_guid.b, primary->disk_guid.b, 16) != 0)
        part_warn(t, "backup GPT at LBA %llu differs from the primary", (unsigned long long)alt);
}

int part_gpt_scan(const struct blkread *dev, struct part_table *t)
{
    uint64_t last = dev->block_count - 1;
    struct gpt_header h, primary;
    char why1[GPT_WHY_MAX], why2[GPT_WHY_MAX];
    bool primary_ok, header_ok;
    int rc;

    if (dev->block_count < 4)
        return part_fail(t, -EUCLEAN, "protective MBR on a disk of %llu blocks, too small "
                                      "for a GPT",
                         (unsigned long long)dev->block_count);

    rc = gpt_load(dev, t, 1, true, &primary, &primary_ok, why1);
    if (rc == 0) {
        gpt_use(t, &primary);
        gpt_check_backup(dev, t, &primary);
        return 0;
    }
    if (rc != -EUCLEAN)
        return part_fail(t, rc, "GPT at LBA 1: %s", why1);

    rc = gpt_load(dev, t, last, true, &h, &header_ok, why2);
    if (rc == 0) {
        part_warn(t, "GPT %s; using backup at LBA %llu", why1, (unsigned long long)last);
        gpt_use(t, &h);
        return 0;
    }
    /* A disk image grown after partitioning keeps its backup where the
     * primary header says, if the header itself is sound. */
    if (rc == -EUCLEAN && primary_ok && primary.alternate_lba != last &&
        primary.alternate_lba > 1 && primary.alternate_lba < dev->block_count) {
        char why3[GPT_WHY_MAX];
        uint64_t alt = primary.alternate_lba;
        if (gpt_load(dev, t, alt, true, &h, &header_ok, why3) == 0) {
            part_warn(t, "GPT %s; using backup at LBA %llu", why1, (unsigned long long)alt);
            gpt_use(t, &h);
            return 0;
        }
    }
    if (rc != -EUCLEAN)
        return part_fail(t, rc, "GPT: primary at LBA 1: %s; backup at LBA %llu: %s", why1,
                         (unsigned long long)last, why2);
    return part_fail(t, -EUCLEAN, "no valid GPT: primary at LBA 1: %s; backup at LBA %llu: %s",
                     why1, (unsigned long long)last, why2);
}
