/*
 * lib/part/part.h - partition tables: the legacy MBR with its extended
 * partition chain, and the GUID Partition Table (GPT).
 *
 * Spec: UEFI 2.9 (March 2021) §5.2.1 (legacy MBR), §5.2.3 (protective MBR),
 * §5.3.2 (GPT header), §5.3.3 (GPT partition entry array). The extended
 * partition chain (EBRs) is not in any spec; it follows the layout DOS
 * defined and Linux (block/partitions/msdos.c) and sfdisk implement.
 *
 * part_scan() reads block 0 and decides:
 *   - no 0x55AA signature, an invalid boot indicator (a volume boot record's
 *     code, not a table), no used entry, or a FAT boot sector whose entries
 *     only cover the disk from LBA 0 (mkfs.fat --mbr): PART_TABLE_NONE, and a
 *     file system, if any, starts at LBA 0 (a "superfloppy");
 *   - an entry of type 0xEE: GPT; the primary header at LBA 1 and its entry
 *     array are checked (signature, header size, header CRC, MyLBA, usable
 *     range, entry size and count, entry array CRC) and, if any check fails,
 *     the backup header at the last LBA is used instead, with a warning that
 *     says why;
 *   - otherwise MBR: the four primary entries (numbers 1-4) and the logical
 *     partitions in the first extended partition's EBR chain (5, 6, ...).
 * Entries that leave the disk (or, on GPT, the usable range) or lie outside
 * their extended partition are left out with a warning; overlapping ones are
 * listed, flagged PART_F_OVERLAP, with a warning. Every loop over disk data
 * is bounded (PART_MAX EBRs, PART_GPT_MAX_ARRAY bytes of GPT entries).
 *
 * All LBAs are in the device's logical blocks; GPT works the same with 512-
 * and 4096-byte blocks because the spec puts its structures in LBA units.
 */
#ifndef NVOS_LIB_PART_PART_H
#define NVOS_LIB_PART_PART_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/blkread.h"

#define PART_MAX 128              /* partitions listed; more are reported, not listed */
#define PART_NAME_MAX 112         /* a GPT name: 36 UTF-16 units as UTF-8, plus NUL */
#define PART_MSG_MAX 192          /* one warning or error line, with its NUL */
#define PART_WARN_MAX 8           /* warnings kept; warning_count counts them all */
#define PART_GUID_TEXT_SIZE 37    /* "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" + NUL */
#define PART_GPT_MAX_ARRAY (1u << 20) /* largest GPT entry array read, in bytes */

enum part_table_type {
    PART_TABLE_NONE, /* no partition table: the disk is one volume (or empty) */
    PART_TABLE_MBR,
    PART_TABLE_GPT,
};

/* A GUID in its on-disk byte order: the first three fields little-endian
 * (UEFI 2.9 Appendix A, "EFI_GUID"). */
struct part_guid {
    uint8_t b[16];
};

enum {
    PART_F_BOOTABLE = 1u << 0, /* MBR boot indicator 0x80; GPT attribute bit 2 */
    PART_F_EXTENDED = 1u << 1, /* MBR extended partition: a container, not a volume */
    PART_F_LOGICAL = 1u << 2,  /* MBR logical partition, found in the EBR chain */
    PART_F_OVERLAP = 1u << 3,  /* overlaps another listed partition */
};

struct part_entry {
    uint32_t number;              /* MBR: 1-4 primary, 5+ logical; GPT: entry index + 1 */
    uint32_t flags;               /* PART_F_* */
    uint64_t start_lba;
    uint64_t num_blocks;
    uint8_t mbr_type;             /* MBR system indicator (UEFI 2.9 §5.2.2); 0 on GPT */
    struct part_guid type_guid;   /* GPT only */
    struct part_guid unique_guid; /* GPT only */
    uint64_t attributes;          /* GPT only (UEFI 2.9 §5.3.3, "Attributes") */
    const char *type_name;        /* "EFI System", "W95 FAT32 (LBA)", ..., or "unknown" */
    char name[PART_NAME_MAX];     /* GPT partition name as UTF-8; "" on MBR */
};

/*
 * The result of part_scan, about 30 KiB: allocate it (kzalloc, calloc); it is
 * too big for a kernel stack. It also holds the scan's block buffer.
 */
struct part_table {
    enum part_table_type type;
    uint32_t count;                /* entries in parts[] */
    uint32_t unlisted;             /* further partitions that did not fit in parts[] */
    struct part_entry parts[PART_MAX];

    uint32_t mbr_signature;        /* MBR: UniqueMBRDiskSignature (offset 440) */

    struct part_guid disk_guid;    /* GPT: from the header in use */
    uint64_t header_lba;           /* GPT: 1, or the backup header's LBA if it was used */
    uint64_t first_usable_lba, last_usable_lba;
    uint32_t entry_count, entry_size;

    uint32_t warning_count;        /* may exceed PART_WARN_MAX; later ones are dropped */
    char warnings[PART_WARN_MAX][PART_MSG_MAX];
    char error[PART_MSG_MAX];      /* why part_scan failed; "" after success */

    _Alignas(16) uint8_t block[BLKREAD_MAX_BLOCK]; /* scratch */
};

/*
 * Fills *t from dev. Returns 0 (t->type says what was found, NONE included),
 * a read error from dev unchanged, -EUCLEAN when a GPT is announced by a
 * protective MBR but neither header is valid, or -EINVAL for a device
 * blkread_check() refuses. t->error says why in one line.
 */
int part_scan(const struct blkread *dev, struct part_table *t);

/* t->error: "" if the last part_scan succeeded. */
const char *part_last_error(const struct part_table *t);

const char *part_table_type_name(enum part_table_type type); /* "none", "mbr", "gpt" */
const char *part_mbr_type_name(uint8_t type);                /* "unknown" if not known */
const char *part_gpt_type_name(const struct part_guid *type); /* "unknown" if not known */

/* Canonical text: uppercase, 8-4-4-4-12, as the UEFI spec and sfdisk print it. */
char *part_guid_text(const struct part_guid *g, char out[PART_GUID_TEXT_SIZE]);

/* Parses canonical text (either case) into on-disk order; -EINVAL if malformed. */
int part_guid_parse(const char *text, struct part_guid *g);

/*
 * True for entries whose type says "FAT may be here": MBR 0x01, 0x04, 0x06,
 * 0x0B, 0x0C, 0x0E, their hidden variants (+0x10) and 0xEF; GPT EFI System
 * and Microsoft basic data. Only a hint: fat_mount decides.
 */
bool part_may_hold_fat(const struct part_table *t, const struct part_entry *p);

#endif
