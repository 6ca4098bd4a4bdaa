/*
 * Host test: lib/part - MBR, EBR chains and GPT on disks built in memory:
 * superfloppies and boot code that only look like tables, primaries and
 * logicals with Linux numbering, loops and strays in EBR chains, GPT with
 * 512- and 4096-byte blocks and odd entry sizes, every fallback to the
 * backup GPT with its message, and read errors passed through. Images made
 * by sfdisk and sgdisk are checked against sfdisk's own view in
 * tests/host/fat (part_images).
 */
#include "lib/crc32.h"
#include "lib/errno.h"
#include "lib/part/part.h"
#include "tests/host/check.h"

struct disk {
    uint8_t *data;
    uint32_t bs;
    uint64_t blocks;    /* as the device reports it */
    uint64_t fail_lba;  /* reads covering it return -EIO */
    struct blkread dev;
};

static int disk_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct disk *d = ctx;

    if (d->fail_lba >= lba && d->fail_lba < lba + count)
        return -EIO;
    memcpy(buf, d->data + lba * d->bs, (size_t)count * d->bs);
    return 0;
}

static void disk_init(struct disk *d, uint32_t bs, uint64_t blocks)
{
    free(d->data);
    d->data = calloc(blocks, bs);
    d->bs = bs;
    d->blocks = blocks;
    d->fail_lba = UINT64_MAX;
    d->dev = (struct blkread){ bs, blocks, 0, disk_read, d, 4 };
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void mbr_rec(uint8_t *sector, int i, uint8_t boot, uint8_t type, uint32_t start,
                    uint32_t size)
{
    uint8_t *r = sector + 446 + 16 * i;
    r[0] = boot;
    r[4] = type;
    put32(r + 8, start);
    put32(r + 12, size);
    sector[510] = 0x55;
    sector[511] = 0xAA;
}

static uint8_t *blk(struct disk *d, uint64_t lba)
{
    return d->data + lba * d->bs;
}

/* ---- GPT builder ---- */

struct gpt_ent {
    const char *type;  /* GUID text */
    uint64_t start, end, attrs;
    const uint16_t *name;
    int name_units;
};

static const char *UNIQ = "01234567-89AB-CDEF-0123-456789ABCDEF";
static const char *DISK_GUID = "11111111-2222-3333-4444-555555555555";

static void gpt_header(struct disk *d, uint64_t lba, uint64_t alt, uint64_t array_lba,
                       uint32_t count, uint32_t esize, uint32_t array_crc, uint64_t first,
                       uint64_t last)
{
    uint8_t *h = blk(d, lba);
    struct part_guid g;

    memset(h, 0, d->bs);
    memcpy(h, "EFI PART", 8);
    put32(h + 8, 0x00010000);
    put32(h + 12, 92);
    put64(h + 24, lba);
    put64(h + 32, alt);
    put64(h + 40, first);
    put64(h + 48, last);
    part_guid_parse(DISK_GUID, &g);
    memcpy(h + 56, g.b, 16);
    put64(h + 72, array_lba);
    put32(h + 80, count);
    put32(h + 84, esize);
    put32(h + 88, array_crc);
    put32(h + 16, crc32_ieee(0, h, 92));
}

static void gpt_fix_header_crc(struct disk *d, uint64_t lba)
{
    uint8_t *h = blk(d, lba);
    put32(h + 16, 0);
    put32(h + 16, crc32_ieee(0, h, 92));
}

/* Protective MBR, primary at 1 (array at 2), backup array and header at the end. */
static void gpt_build(struct disk *d, const struct gpt_ent *ents, int n, uint32_t count,
                      uint32_t esize)
{
    uint64_t bytes = (uint64_t)count * esize;
    uint64_t ablocks = (bytes + d->bs - 1) / d->bs, last = d->blocks - 1;
    uint64_t first = 2 + ablocks, last_usable = last - 1 - ablocks;
    uint8_t *array = calloc(1, ablocks * d->bs);
    struct part_guid g;

    memset(d->data, 0, d->bs);
    mbr_rec(d->data, 0, 0, 0xEE, 1, (uint32_t)(d->blocks - 1));
    for (int i = 0; i < n; i++) {
        uint8_t *e = array + (size_t)i * esize;
        part_guid_parse(ents[i].type, &g);
        memcpy(e, g.b, 16);
        part_guid_parse(UNIQ, &g);
        g.b[15] = (uint8_t)i;
        memcpy(e + 16, g.b, 16);
        put64(e + 32, ents[i].start);
        put64(e + 40, ents[i].end);
        put64(e + 48, ents[i].attrs);
        for (int k = 0; k < ents[i].name_units; k++)
            put16(e + 56 + 2 * k, ents[i].name[k]);
    }
    uint32_t crc = crc32_ieee(0, array, bytes);
    memcpy(blk(d, 2), array, ablocks * d->bs);
    memcpy(blk(d, last - ablocks), array, ablocks * d->bs);
    gpt_header(d, 1, last, 2, count, esize, crc, first, last_usable);
    gpt_header(d, last, 1, last - ablocks, count, esize, crc, first, last_usable);
    free(array);
}

static const char *ESP = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
static const char *BASIC = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";
static const char *LINUXFS = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";
static const char *ODD = "DEADBEEF-0000-1111-2222-333344445555";

static const uint16_t name_esp[] = { 'E', 'S', 'P' };
/* "Données 😀": a Latin-1 letter and a surrogate pair. */
static const uint16_t name_data[] = { 'D', 'o', 'n', 'n', 0xE9, 'e', 's', ' ', 0xD83D, 0xDE00 };
static const uint16_t name_full[36] = { 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
                                        'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
                                        'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'y' };

static void check_gpt_three(struct part_table *t, uint64_t scale)
{
    char g[PART_GUID_TEXT_SIZE];

    CHECK_EQ(t->type, PART_TABLE_GPT);
    CHECK_EQ(t->count, 3);
    CHECK_EQ(t->parts[0].number, 1);
    CHECK_EQ(t->parts[0].start_lba, 40 * scale);
    CHECK_EQ(t->parts[0].num_blocks, 60 * scale);
    CHECK_STR_EQ(t->parts[0].type_name, "EFI System");
    CHECK_STR_EQ(t->parts[0].name, "ESP");
    CHECK_EQ(t->parts[0].flags, PART_F_BOOTABLE);
    CHECK_EQ(t->parts[0].attributes, 5);
    CHECK_STR_EQ(part_guid_text(&t->parts[0].type_guid, g), ESP);
    CHECK_STR_EQ(part_guid_text(&t->parts[0].unique_guid, g), "01234567-89AB-CDEF-0123-456789ABCD00");
    CHECK_EQ(t->parts[1].number, 3); /* entry 2 is unused */
    CHECK_STR_EQ(t->parts[1].type_name, "Microsoft basic data");
    CHECK_STR_EQ(t->parts[1].name, "Donn\xC3\xA9" "es \xF0\x9F\x98\x80");
    CHECK_EQ(t->parts[2].number, 4);
    CHECK_STR_EQ(t->parts[2].type_name, "unknown");
    CHECK_STR_EQ(t->parts[2].name, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxy");
    CHECK_STR_EQ(part_guid_text(&t->disk_guid, g), DISK_GUID);
    CHECK(part_may_hold_fat(t, &t->parts[0]));
    CHECK(part_may_hold_fat(t, &t->parts[1]));
    CHECK(!part_may_hold_fat(t, &t->parts[2]));
}

static void build_three(struct disk *d, uint32_t count, uint32_t esize, uint64_t scale)
{
    struct gpt_ent e[4] = {
        { ESP, 40 * scale, 100 * scale - 1, 5, name_esp, 3 },
        { "00000000-0000-0000-0000-000000000000", 0, 0, 0, NULL, 0 },
        { BASIC, 100 * scale, 150 * scale - 1, 0, name_data, 10 },
        { ODD, 150 * scale, 160 * scale - 1, 0, name_full, 36 },
    };
    gpt_build(d, e, 4, count, esize);
}

static void test_gpt(struct part_table *t)
{
    struct disk d = { 0 };
    uint64_t last;

    /* 512-byte blocks, the usual 128 x 128-byte array. */
    disk_init(&d, 512, 200);
    build_three(&d, 128, 128, 1);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    check_gpt_three(t, 1);
    CHECK_EQ(t->warning_count, 0);
    CHECK_EQ(t->header_lba, 1);
    CHECK_EQ(t->first_usable_lba, 34);
    CHECK_EQ(t->last_usable_lba, 200 - 34);
    CHECK_STR_EQ(part_last_error(t), "");

    /* 4096-byte blocks: the same structures, in LBA units. */
    disk_init(&d, 4096, 200);
    build_three(&d, 128, 128, 1);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    check_gpt_three(t, 1);
    CHECK_EQ(t->first_usable_lba, 6);

    /* Entry sizes 256 (128 x 2^1) and 136 (a multiple of 8 that does not
     * divide the block, so entries straddle blocks). */
    disk_init(&d, 512, 300);
    build_three(&d, 64, 256, 1);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    check_gpt_three(t, 1);
    CHECK_EQ(t->entry_size, 256);
    build_three(&d, 20, 136, 1);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    check_gpt_three(t, 1);
    build_three(&d, 20, 132, 1);
    CHECK_EQ(part_scan(&d.dev, t), -EUCLEAN);
    CHECK_STR_EQ(part_last_error(t), "no valid GPT: primary at LBA 1: partition entry size 132 "
                                     "is not a multiple of 8 >= 128; backup at LBA 299: "
                                     "partition entry size 132 is not a multiple of 8 >= 128");
    build_three(&d, 20, 120, 1);
    CHECK_EQ(part_scan(&d.dev, t), -EUCLEAN);

    /* Primary header CRC broken: the backup, with the message. */
    disk_init(&d, 512, 200);
    last = 199;
    build_three(&d, 128, 128, 1);
    blk(&d, 1)[100] ^= 1; /* reserved bytes past HeaderSize are not covered... */
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->warning_count, 0);
    blk(&d, 1)[60] ^= 1; /* ...the disk GUID is */
    CHECK_EQ(part_scan(&d.dev, t), 0);
    check_gpt_three(t, 1);
    CHECK_EQ(t->header_lba, last);
    CHECK_EQ(t->warning_count, 1);
    CHECK_STR_EQ(t->warnings[0], "GPT header CRC mismatch; using backup at LBA 199");

    /* Primary entry array broken (a name byte). */
    build_three(&d, 128, 128, 1);
    blk(&d, 2)[128 * 2 + 56] ^= 0x20;
    CHECK_EQ(part_scan(&d.dev, t), 0);
    check_gpt_three(t, 1);
    CHECK_STR_EQ(t->warnings[0],
                 "GPT partition entry array CRC mismatch; using backup at LBA 199");

    /* Both broken. */
    blk(&d, last)[60] ^= 1;
    CHECK_EQ(part_scan(&d.dev, t), -EUCLEAN);
    CHECK_EQ(t->count, 0);
    CHECK_STR_EQ(part_last_error(t), "no valid GPT: primary at LBA 1: partition entry array CRC "
                                     "mismatch; backup at LBA 199: header CRC mismatch");

    /* Backup broken, primary fine: listed from the primary, with a warning. */
    build_three(&d, 128, 128, 1);
    blk(&d, last - 1)[0] ^= 1;
    CHECK_EQ(part_scan(&d.dev, t), 0);
    check_gpt_three(t, 1);
    CHECK_EQ(t->header_lba, 1);
    CHECK_EQ(t->warning_count, 1);
    CHECK_STR_EQ(t->warnings[0],
                 "backup GPT at LBA 199 is unusable: partition entry array CRC mismatch");

    /* Header fields: signature, size, MyLBA, usable range, array placement. */
    build_three(&d, 128, 128, 1);
    memcpy(blk(&d, 1), "EFI PARU", 8);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_STR_EQ(t->warnings[0], "GPT header signature missing; using backup at LBA 199");
    build_three(&d, 128, 128, 1);
    put32(blk(&d, 1) + 12, 91);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_STR_EQ(t->warnings[0], "GPT header size 91 is outside 92..512; using backup at LBA 199");
    build_three(&d, 128, 128, 1);
    put32(blk(&d, 1) + 12, 513);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_STR_EQ(t->warnings[0], "GPT header size 513 is outside 92..512; using backup at LBA 199");
    build_three(&d, 128, 128, 1);
    put64(blk(&d, 1) + 24, 2);
    gpt_fix_header_crc(&d, 1);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_STR_EQ(t->warnings[0],
                 "GPT header read from LBA 1 says MyLBA is 2; using backup at LBA 199");
    build_three(&d, 128, 128, 1);
    put64(blk(&d, 1) + 48, 200);
    gpt_fix_header_crc(&d, 1);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_STR_EQ(t->warnings[0], "GPT usable range LBA 34..200 does not fit the disk; using "
                                 "backup at LBA 199");
    build_three(&d, 128, 128, 1);
    put64(blk(&d, 1) + 40, 20); /* usable range now overlaps the array at 2..33 */
    gpt_fix_header_crc(&d, 1);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_STR_EQ(t->warnings[0], "GPT partition entry array at LBA 2 (+32) overlaps the header "
                                 "or the usable range; using backup at LBA 199");
    build_three(&d, 128, 128, 1);
    put32(blk(&d, 1) + 80, 1u << 24);
    gpt_fix_header_crc(&d, 1);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_STR_EQ(t->warnings[0], "GPT partition entry array of 2147483648 bytes is over the "
                                 "1048576 limit; using backup at LBA 199");

    /* Entries outside the usable range or reversed are left out. */
    {
        struct gpt_ent e[3] = {
            { LINUXFS, 20, 50, 0, NULL, 0 },
            { LINUXFS, 60, 59, 0, NULL, 0 },
            { LINUXFS, 100, 120, 0, NULL, 0 },
        };
        gpt_build(&d, e, 3, 128, 128);
        CHECK_EQ(part_scan(&d.dev, t), 0);
        CHECK_EQ(t->count, 1);
        CHECK_EQ(t->parts[0].number, 3);
        CHECK_STR_EQ(t->parts[0].type_name, "Linux filesystem");
        CHECK_EQ(t->warning_count, 2);
        CHECK_STR_EQ(t->warnings[0],
                     "GPT entry 1 (LBA 20..50) is outside the usable range 34..166; ignored");
        CHECK_STR_EQ(t->warnings[1],
                     "GPT entry 2 (LBA 60..59) is outside the usable range 34..166; ignored");
    }
    /* Overlapping entries are listed and flagged. */
    {
        struct gpt_ent e[2] = {
            { LINUXFS, 40, 80, 0, NULL, 0 },
            { LINUXFS, 80, 90, 0, NULL, 0 },
        };
        gpt_build(&d, e, 2, 128, 128);
        CHECK_EQ(part_scan(&d.dev, t), 0);
        CHECK_EQ(t->count, 2);
        CHECK_EQ(t->parts[0].flags, PART_F_OVERLAP);
        CHECK_EQ(t->parts[1].flags, PART_F_OVERLAP);
        CHECK_STR_EQ(t->warnings[0], "partitions 1 and 2 overlap");
    }

    /* Both copies valid but different (a tool updated only one). */
    disk_init(&d, 512, 200);
    build_three(&d, 128, 128, 1);
    {
        uint8_t *array = blk(&d, 199 - 32);
        array[56] ^= 0x20; /* ESP -> eSP in the backup's array, CRCs kept right */
        put32(blk(&d, 199) + 88, crc32_ieee(0, array, 128 * 128));
        gpt_fix_header_crc(&d, 199);
        CHECK_EQ(part_scan(&d.dev, t), 0);
        check_gpt_three(t, 1);
        CHECK_EQ(t->warning_count, 1);
        CHECK_STR_EQ(t->warnings[0], "backup GPT at LBA 199 differs from the primary");
    }
    /* The backup unreadable while the primary is damaged. */
    build_three(&d, 128, 128, 1);
    blk(&d, 1)[60] ^= 1;
    d.fail_lba = 199;
    CHECK_EQ(part_scan(&d.dev, t), -EIO);
    CHECK_STR_EQ(part_last_error(t), "GPT: primary at LBA 1: header CRC mismatch; backup at LBA "
                                     "199: header unreadable (EIO)");
    d.fail_lba = UINT64_MAX;
    /* A primary whose AlternateLBA points off the disk: warned, not followed. */
    build_three(&d, 128, 128, 1);
    put64(blk(&d, 1) + 32, 5000);
    gpt_fix_header_crc(&d, 1);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->warning_count, 1);
    CHECK_STR_EQ(t->warnings[0],
                 "GPT primary header puts the backup at LBA 5000, not at the last LBA 199");
    /* A table buffer less aligned than the device needs. */
    {
        uint8_t *raw = aligned_alloc(64, (sizeof(*t) + 127) & ~(size_t)63);
        struct part_table *odd = (struct part_table *)(void *)raw;
        if ((uintptr_t)odd->block % 32 == 0)
            odd = (struct part_table *)(void *)(raw + 16);
        d.dev.align = 32;
        CHECK_EQ(part_scan(&d.dev, odd), -EINVAL);
        CHECK_STR_EQ(part_last_error(odd), "partition table buffer is not 32-byte aligned");
        d.dev.align = 4;
        free(raw);
    }

    /* A disk grown after partitioning: the backup is not at the last LBA. */
    disk_init(&d, 512, 300);
    d.blocks = 200;
    build_three(&d, 128, 128, 1);
    d.blocks = 300;
    CHECK_EQ(part_scan(&d.dev, t), 0);
    check_gpt_three(t, 1);
    CHECK_STR_EQ(t->warnings[0],
                 "GPT primary header puts the backup at LBA 199, not at the last LBA 299");
    blk(&d, 2)[0] ^= 1; /* primary array broken: its header still finds the backup */
    CHECK_EQ(part_scan(&d.dev, t), 0);
    check_gpt_three(t, 1);
    CHECK_EQ(t->header_lba, 199);
    CHECK_STR_EQ(t->warnings[0],
                 "GPT partition entry array CRC mismatch; using backup at LBA 199");

    /* More used entries than PART_MAX. */
    {
        static struct gpt_ent e[130];
        disk_init(&d, 512, 400);
        for (int i = 0; i < 130; i++)
            e[i] = (struct gpt_ent){ LINUXFS, 100 + i, 100 + i, 0, NULL, 0 };
        gpt_build(&d, e, 130, 160, 128);
        CHECK_EQ(part_scan(&d.dev, t), 0);
        CHECK_EQ(t->count, PART_MAX);
        CHECK_EQ(t->unlisted, 2);
        CHECK_EQ(t->warning_count, 1);
        CHECK_STR_EQ(t->warnings[0], "more than 128 partitions; the rest are not listed");
    }

    /* Read errors pass through. */
    disk_init(&d, 512, 200);
    build_three(&d, 128, 128, 1);
    d.fail_lba = 1;
    CHECK_EQ(part_scan(&d.dev, t), -EIO);
    CHECK_STR_EQ(part_last_error(t), "GPT at LBA 1: header unreadable (EIO)");
    d.fail_lba = 5;
    CHECK_EQ(part_scan(&d.dev, t), -EIO);
    CHECK_STR_EQ(part_last_error(t),
                 "GPT at LBA 1: partition entry array unreadable at LBA 5 (EIO)");
    d.fail_lba = 0;
    CHECK_EQ(part_scan(&d.dev, t), -EIO);
    CHECK_STR_EQ(part_last_error(t), "cannot read LBA 0 (EIO)");

    /* A protective MBR on a disk too small for anything else. */
    disk_init(&d, 512, 3);
    mbr_rec(d.data, 0, 0, 0xEE, 1, 2);
    CHECK_EQ(part_scan(&d.dev, t), -EUCLEAN);
    CHECK_STR_EQ(part_last_error(t), "protective MBR on a disk of 3 blocks, too small for a GPT");
    /* Protective entry not at LBA 1 (a hybrid MBR, say): warned, GPT used. */
    disk_init(&d, 512, 200);
    build_three(&d, 128, 128, 1);
    mbr_rec(d.data, 0, 0, 0xEE, 2, 100);
    mbr_rec(d.data, 1, 0, 0x0C, 40, 60);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    check_gpt_three(t, 1);
    CHECK_STR_EQ(t->warnings[0], "protective MBR entry 1 starts at LBA 2, not 1");
    free(d.data);
}

static void test_mbr(struct part_table *t)
{
    struct disk d = { 0 };

    /* Nothing at all, and a superfloppy FAT boot sector with an empty table. */
    disk_init(&d, 512, 1000);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->type, PART_TABLE_NONE);
    CHECK_STR_EQ(part_table_type_name(t->type), "none");
    uint8_t *s = d.data;
    s[0] = 0xEB, s[1] = 0x3C, s[2] = 0x90;
    put16(s + 11, 512), s[13] = 4, put16(s + 14, 1), s[16] = 2;
    s[510] = 0x55, s[511] = 0xAA;
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->type, PART_TABLE_NONE);
    CHECK_EQ(t->warning_count, 0);
    /* ... whose boot code fills the table area: not a table either. */
    memcpy(s + 446, "This is not a bootable disk.  Please insert a bootable floppy", 62);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->type, PART_TABLE_NONE);
    /* mkfs.fat --mbr: one bootable entry from LBA 0 over the whole disk. */
    memset(s + 446, 0, 64);
    mbr_rec(s, 0, 0x80, 0x01, 0, 1000);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->type, PART_TABLE_NONE);
    CHECK_EQ(t->warning_count, 1);
    CHECK_STR_EQ(t->warnings[0], "LBA 0 is a FAT boot sector whose partition entry covers the "
                                 "disk from LBA 0 (mkfs.fat --mbr); no partition table");
    /* The same entry without a FAT boot sector around it. */
    s[0] = 0;
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->type, PART_TABLE_MBR);
    CHECK_EQ(t->count, 0);
    CHECK_STR_EQ(t->warnings[0], "MBR entry 1 starts at LBA 0, which holds the MBR; ignored");

    /* Primaries: numbering by slot, boot flag, names, range checks, overlap. */
    disk_init(&d, 512, 1000);
    put32(d.data + 440, 0xCAFEF00D);
    mbr_rec(d.data, 0, 0x80, 0x0C, 2, 98);
    mbr_rec(d.data, 2, 0x00, 0x83, 100, 400);
    mbr_rec(d.data, 3, 0x00, 0x07, 900, 101); /* one block too long */
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->type, PART_TABLE_MBR);
    CHECK_STR_EQ(part_table_type_name(t->type), "mbr");
    CHECK_EQ(t->mbr_signature, 0xCAFEF00D);
    CHECK_EQ(t->count, 2);
    CHECK_EQ(t->parts[0].number, 1);
    CHECK_EQ(t->parts[0].flags, PART_F_BOOTABLE);
    CHECK_EQ(t->parts[0].start_lba, 2);
    CHECK_EQ(t->parts[0].num_blocks, 98);
    CHECK_EQ(t->parts[0].mbr_type, 0x0C);
    CHECK_STR_EQ(t->parts[0].type_name, "W95 FAT32 (LBA)");
    CHECK_STR_EQ(t->parts[0].name, "");
    CHECK(part_may_hold_fat(t, &t->parts[0]));
    CHECK_EQ(t->parts[1].number, 3);
    CHECK_STR_EQ(t->parts[1].type_name, "Linux");
    CHECK(!part_may_hold_fat(t, &t->parts[1]));
    CHECK_EQ(t->warning_count, 1);
    CHECK_STR_EQ(t->warnings[0], "MBR entry 4 (LBA 900+101) ends past the end of the disk "
                                 "(1000 blocks); ignored");
    mbr_rec(d.data, 3, 0x00, 0x1C, 450, 100);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->count, 3);
    CHECK_EQ(t->parts[1].flags, PART_F_OVERLAP);
    CHECK_EQ(t->parts[2].flags, PART_F_OVERLAP);
    CHECK_STR_EQ(t->parts[2].type_name, "Hidden W95 FAT32 (LBA)");
    CHECK(part_may_hold_fat(t, &t->parts[2]));
    CHECK_STR_EQ(t->warnings[0], "partitions 3 and 4 overlap");
    /* An invalid boot indicator anywhere: not a partition table. */
    mbr_rec(d.data, 1, 0x81, 0x83, 600, 10);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->type, PART_TABLE_NONE);
    CHECK_EQ(t->count, 0);

    /* Extended partition at 100..999 with three logicals (5, 6, 7). The
     * chain: EBR 100 -> EBR 300 -> EBR 600; each logical starts 2 blocks
     * after its EBR. */
    disk_init(&d, 512, 1000);
    mbr_rec(d.data, 0, 0, 0x06, 10, 90);
    mbr_rec(d.data, 1, 0, 0x0F, 100, 900);
    mbr_rec(blk(&d, 100), 0, 0, 0x83, 2, 98);
    mbr_rec(blk(&d, 100), 1, 0, 0x05, 200, 300);
    mbr_rec(blk(&d, 300), 0, 0x80, 0x0B, 2, 198);
    mbr_rec(blk(&d, 300), 1, 0, 0x05, 500, 400);
    mbr_rec(blk(&d, 600), 0, 0, 0x0E, 2, 398);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->count, 5);
    CHECK_EQ(t->warning_count, 0);
    CHECK_EQ(t->parts[1].number, 2);
    CHECK_EQ(t->parts[1].flags, PART_F_EXTENDED);
    CHECK_STR_EQ(t->parts[1].type_name, "W95 Ext'd (LBA)");
    CHECK(!part_may_hold_fat(t, &t->parts[1]));
    CHECK_EQ(t->parts[2].number, 5);
    CHECK_EQ(t->parts[2].start_lba, 102);
    CHECK_EQ(t->parts[2].num_blocks, 98);
    CHECK_EQ(t->parts[2].flags, PART_F_LOGICAL);
    CHECK_EQ(t->parts[3].number, 6);
    CHECK_EQ(t->parts[3].start_lba, 302);
    CHECK_EQ(t->parts[3].flags, PART_F_LOGICAL | PART_F_BOOTABLE);
    CHECK_EQ(t->parts[4].number, 7);
    CHECK_EQ(t->parts[4].start_lba, 602);
    CHECK_EQ(t->parts[4].num_blocks, 398);

    /* The last EBR links back to the first: stopped, logicals kept. */
    mbr_rec(blk(&d, 600), 1, 0, 0x05, 1, 10); /* to LBA 101, which holds no EBR */
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->count, 5);
    CHECK_STR_EQ(t->warnings[0], "EBR at LBA 101 has no 0x55AA signature; logical partitions "
                                 "end there");
    mbr_rec(blk(&d, 600), 1, 0, 0x05, 200, 10); /* back to the EBR at 300 */
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->count, 5);
    CHECK_EQ(t->warning_count, 1);
    CHECK_STR_EQ(t->warnings[0], "EBR chain loops back to LBA 300; stopped");
    mbr_rec(blk(&d, 600), 1, 0, 0x05, 900, 10); /* past the extended partition */
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_STR_EQ(t->warnings[0], "EBR at LBA 600 links to LBA 1000, outside its extended "
                                 "partition; stopped");
    memset(blk(&d, 600) + 446 + 16, 0, 16);
    /* A logical that leaves the extended partition is skipped; numbering
     * continues without a gap (as Linux numbers them). */
    mbr_rec(blk(&d, 300), 0, 0, 0x0B, 2, 800);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->count, 4);
    CHECK_EQ(t->parts[3].number, 6);
    CHECK_EQ(t->parts[3].start_lba, 602);
    CHECK_STR_EQ(t->warnings[0], "logical partition at LBA 302+800 leaves its extended "
                                 "partition (LBA 100..999); ignored");
    /* A read error in the chain. */
    d.fail_lba = 300;
    CHECK_EQ(part_scan(&d.dev, t), -EIO);
    CHECK_EQ(t->count, 0);
    CHECK_STR_EQ(part_last_error(t), "cannot read the EBR at LBA 300 (EIO)");
    d.fail_lba = UINT64_MAX;
    /* A second extended partition is listed, not walked. */
    mbr_rec(d.data, 0, 0, 0x85, 10, 90);
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_STR_EQ(t->warnings[0], "MBR entry 2 is a second extended partition; its logical "
                                 "partitions are not read");

    /* A chain longer than PART_MAX links, one 1-block logical per EBR. */
    disk_init(&d, 512, 1000);
    mbr_rec(d.data, 0, 0, 0x05, 1, 999);
    for (uint32_t i = 0; i < 200; i++) {
        mbr_rec(blk(&d, 1 + 2 * i), 0, 0, 0x83, 1, 1);
        mbr_rec(blk(&d, 1 + 2 * i), 1, 0, 0x05, 2 * (i + 1), 2);
    }
    CHECK_EQ(part_scan(&d.dev, t), 0);
    CHECK_EQ(t->count, PART_MAX);
    CHECK_EQ(t->unlisted, 1);
    CHECK_EQ(t->parts[PART_MAX - 1].number, 5 + PART_MAX - 2);
    CHECK_EQ(t->warning_count, 2);
    CHECK_STR_EQ(t->warnings[0], "more than 128 partitions; the rest are not listed");
    CHECK_STR_EQ(t->warnings[1], "EBR chain has more than 128 links; stopped");

    /* Geometry the scanner refuses. */
    d.dev.block_size = 1000;
    CHECK_EQ(part_scan(&d.dev, t), -EINVAL);
    CHECK_STR_EQ(part_last_error(t), "device geometry is unusable (block size 1000)");
    free(d.data);
}

static void test_names(void)
{
    struct part_guid g;
    char text[PART_GUID_TEXT_SIZE];

    CHECK_EQ(part_guid_parse("c12a7328-f81f-11d2-ba4b-00a0c93ec93b", &g), 0);
    /* On disk the first three fields are little-endian. */
    CHECK_EQ(g.b[0], 0x28);
    CHECK_EQ(g.b[3], 0xC1);
    CHECK_EQ(g.b[4], 0x1F);
    CHECK_EQ(g.b[6], 0xD2);
    CHECK_EQ(g.b[8], 0xBA);
    CHECK_EQ(g.b[15], 0x3B);
    CHECK_STR_EQ(part_guid_text(&g, text), ESP);
    CHECK_STR_EQ(part_gpt_type_name(&g), "EFI System");
    CHECK_EQ(part_guid_parse("C12A7328-F81F-11D2-BA4B-00A0C93EC93", &g), -EINVAL);
    CHECK_EQ(part_guid_parse("C12A7328-F81F-11D2-BA4B-00A0C93EC93BX", &g), -EINVAL);
    CHECK_EQ(part_guid_parse("C12A7328F81F-11D2-BA4B-00A0C93EC93B0", &g), -EINVAL);
    CHECK_EQ(part_guid_parse("G12A7328-F81F-11D2-BA4B-00A0C93EC93B", &g), -EINVAL);
    CHECK_STR_EQ(part_mbr_type_name(0xEF), "EFI System (FAT)");
    CHECK_STR_EQ(part_mbr_type_name(0x42), "unknown");
    CHECK_STR_EQ(part_table_type_name(PART_TABLE_GPT), "gpt");
}

int main(void)
{
    struct part_table *t = calloc(1, sizeof(*t));

    printf("sizeof(struct part_table) = %zu\n", sizeof(*t));
    test_names();
    test_mbr(t);
    test_gpt(t);
    free(t);
    return check_exit();
}
