/*
 * lib/part/part_internal.h - what mbr.c, gpt.c and part.c share; not for
 * users of lib/part.
 */
#ifndef NVOS_LIB_PART_PART_INTERNAL_H
#define NVOS_LIB_PART_PART_INTERNAL_H

#include "lib/part/part.h"
#include "lib/printf.h"

/* UEFI 2.9 §5.2.1, Table "Legacy MBR": four 16-byte records at 446. */
enum {
    MBR_DISK_SIGNATURE = 440,
    MBR_PARTITION_RECORD = 446,
    MBR_RECORD_SIZE = 16,
    MBR_SIGNATURE = 510, /* 0x55, 0xAA */
};

/* UEFI 2.9 §5.2.1, Table "Legacy MBR Partition Record". */
enum {
    MBR_REC_BOOT_INDICATOR = 0, /* 0x80 = bootable (legacy), 0x00 = not */
    MBR_REC_OS_TYPE = 4,
    MBR_REC_STARTING_LBA = 8,
    MBR_REC_SIZE_IN_LBA = 12,
};

#define MBR_TYPE_GPT_PROTECTIVE 0xEE

/* Appends a warning line (counted even when no slot is left). */
void part_warn(struct part_table *t, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Sets t->error and returns err, so that "return part_fail(...)" reads well. */
int part_fail(struct part_table *t, int err, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* The next free entry, zeroed, or NULL (with one warning) when PART_MAX are used. */
struct part_entry *part_add(struct part_table *t);

/* Flags and warns about every pair of overlapping entries (extended ones excluded). */
void part_check_overlaps(struct part_table *t);

/* The scanners, called by part_scan with block 0 in t->block. */
int part_mbr_scan(const struct blkread *dev, struct part_table *t);
int part_gpt_scan(const struct blkread *dev, struct part_table *t);

#endif
