/*
 * lib/part/part.c - part_scan's entry point, diagnostics, GUID text and the
 * partition type names (UEFI 2.9 §5.2.2 for MBR OS types, §5.3.3 for GPT
 * partition type GUIDs; the other names are the ones sfdisk uses).
 */
#include "lib/part/part_internal.h"

#include <stdarg.h>
#include <string.h>

#include "lib/compiler.h"
#include "lib/errno.h"

void part_warn(struct part_table *t, const char *fmt, ...)
{
    va_list ap;

    if (t->warning_count < PART_WARN_MAX) {
        va_start(ap, fmt);
        kvsnprintf(t->warnings[t->warning_count], PART_MSG_MAX, fmt, ap);
        va_end(ap);
    }
    t->warning_count++;
}

int part_fail(struct part_table *t, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    kvsnprintf(t->error, sizeof(t->error), fmt, ap);
    va_end(ap);
    return err;
}

struct part_entry *part_add(struct part_table *t)
{
    if (t->count == PART_MAX) {
        if (t->unlisted++ == 0)
            part_warn(t, "more than %u partitions; the rest are not listed", PART_MAX);
        return NULL;
    }
    memset(&t->parts[t->count], 0, sizeof(t->parts[0]));
    return &t->parts[t->count++];
}

void part_check_overlaps(struct part_table *t)
{
    for (uint32_t i = 0; i < t->count; i++) {
        struct part_entry *a = &t->parts[i];
        if (a->flags & PART_F_EXTENDED)
            continue;
        for (uint32_t j = i + 1; j < t->count; j++) {
            struct part_entry *b = &t->parts[j];
            if (b->flags & PART_F_EXTENDED)
                continue;
            if (a->start_lba < b->start_lba + b->num_blocks &&
                b->start_lba < a->start_lba + a->num_blocks) {
                a->flags |= PART_F_OVERLAP;
                b->flags |= PART_F_OVERLAP;
                part_warn(t, "partitions %u and %u overlap", a->number, b->number);
            }
        }
    }
}

int part_scan(const struct blkread *dev, struct part_table *t)
{
    int rc;

    memset(t, 0, offsetof(struct part_table, block));
    if (blkread_check(dev))
        return part_fail(t, -EINVAL, "device geometry is unusable (block size %u)",
                         dev ? dev->block_size : 0);
    if (!blkread_aligned(dev, t->block))
        return part_fail(t, -EINVAL, "partition table buffer is not %u-byte aligned",
                         dev->align);
    rc = blkread_read(dev, 0, 1, t->block);
    if (rc)
        return part_fail(t, rc, "cannot read LBA 0 (%s)", errno_name(rc));
    rc = part_mbr_scan(dev, t);
    if (rc) {
        t->type = PART_TABLE_NONE;
        t->count = 0;
        t->unlisted = 0;
    }
    return rc;
}

const char *part_last_error(const struct part_table *t)
{
    return t->error;
}

const char *part_table_type_name(enum part_table_type type)
{
    switch (type) {
    case PART_TABLE_MBR:
        return "mbr";
    case PART_TABLE_GPT:
        return "gpt";
    default:
        return "none";
    }
}

const char *part_mbr_type_name(uint8_t type)
{
    static const struct {
        uint8_t type;
        const char *name;
    } names[] = {
        { 0x01, "FAT12" },
        { 0x04, "FAT16 <32M" },
        { 0x05, "Extended" },
        { 0x06, "FAT16" },
        { 0x07, "HPFS/NTFS/exFAT" },
        { 0x0B, "W95 FAT32" },
        { 0x0C, "W95 FAT32 (LBA)" },
        { 0x0E, "W95 FAT16 (LBA)" },
        { 0x0F, "W95 Ext'd (LBA)" },
        { 0x11, "Hidden FAT12" },
        { 0x14, "Hidden FAT16 <32M" },
        { 0x16, "Hidden FAT16" },
        { 0x1B, "Hidden W95 FAT32" },
        { 0x1C, "Hidden W95 FAT32 (LBA)" },
        { 0x1E, "Hidden W95 FAT16 (LBA)" },
        { 0x82, "Linux swap" },
        { 0x83, "Linux" },
        { 0x85, "Linux extended" },
        { 0x8E, "Linux LVM" },
        { 0xA5, "FreeBSD" },
        { 0xEE, "GPT protective" },
        { 0xEF, "EFI System (FAT)" },
        { 0xFD, "Linux raid autodetect" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (names[i].type == type)
            return names[i].name;
    return "unknown";
}

/* Kept as text so the table reads like the spec; compared as text. */
static const struct {
    const char *guid;
    const char *name;
} gpt_type_names[] = {
    { "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI System" },           /* UEFI 2.9 §5.3.3 */
    { "024DEE41-33E7-11D3-9D69-0008C781F39F", "MBR partition scheme" }, /* UEFI 2.9 §5.3.3 */
    { "21686148-6449-6E6F-744E-656564454649", "BIOS boot" },
    { "E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "Microsoft reserved" },
    { "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "Microsoft basic data" },
    { "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", "Windows recovery environment" },
    { "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem" },
    { "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap" },
    { "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709", "Linux root (x86-64)" },
    { "933AC7E1-2EB4-4F13-B844-0E14E2AEF915", "Linux home" },
    { "E6D6D379-F507-44C2-A23C-238F2A3DF928", "Linux LVM" },
    { "A19D880F-05FC-4D3B-A006-743F0F84911E", "Linux RAID" },
    { "BC13C2FF-59E6-4262-A352-B275FD6F7172", "Linux extended boot" },
    { "516E7CB6-6ECF-11D6-8FF8-00022D09712B", "FreeBSD UFS" },
    { "48465300-0000-11AA-AA11-00306543ECAC", "Apple HFS/HFS+" },
    { "7C3457EF-0000-11AA-AA11-00306543ECAC", "Apple APFS" },
};

const char *part_gpt_type_name(const struct part_guid *type)
{
    char text[PART_GUID_TEXT_SIZE];

    part_guid_text(type, text);
    for (size_t i = 0; i < ARRAY_SIZE(gpt_type_names); i++)
        if (strcmp(gpt_type_names[i].guid, text) == 0)
            return gpt_type_names[i].name;
    return "unknown";
}

/* Text position of each on-disk byte: Data1..Data3 are little-endian. */
static const uint8_t guid_text_order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };

char *part_guid_text(const struct part_guid *g, char out[PART_GUID_TEXT_SIZE])
{
    static const char hex[] = "0123456789ABCDEF";
    char *p = out;

    for (int i = 0; i < 16; i++) {
        uint8_t b = g->b[guid_text_order[i]];
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[b >> 4];
        *p++ = hex[b & 15];
    }
    *p = '\0';
    return out;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int part_guid_parse(const char *text, struct part_guid *g)
{
    const char *p = text;

    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            if (*p++ != '-')
                return -EINVAL;
        }
        int hi = hex_digit(p[0]), lo = hi < 0 ? -1 : hex_digit(p[1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        g->b[guid_text_order[i]] = (uint8_t)(hi << 4 | lo);
        p += 2;
    }
    return *p ? -EINVAL : 0;
}

bool part_may_hold_fat(const struct part_table *t, const struct part_entry *p)
{
    if (t->type == PART_TABLE_GPT) {
        const char *name = part_gpt_type_name(&p->type_guid);
        return strcmp(name, "EFI System") == 0 || strcmp(name, "Microsoft basic data") == 0;
    }
    switch (p->mbr_type & ~0x10) {
    case 0x01:
    case 0x04:
    case 0x06:
    case 0x0B:
    case 0x0C:
    case 0x0E:
        return true;
    }
    return p->mbr_type == 0xEF;
}
