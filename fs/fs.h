/*
 * fs/fs.h - file systems on block devices: finds the volume a shell
 * argument names and mounts lib/fat on it.
 *
 * Addressing is U-Boot's: "DEV[:PART]", with DEV a block device name and
 * PART a 1-based partition number of the table on it (numbers as lib/part
 * gives them: MBR 1-4 primary, 5+ logical; GPT entry index + 1). Without
 * PART, a whole disk with a partition table stands for its first partition
 * that mounts as FAT; a disk without a table is one volume. A partition's
 * own device name ("nvme0n1p1") works too.
 */
#ifndef NVOS_FS_FS_H
#define NVOS_FS_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/block/block.h"
#include "lib/blkread.h"
#include "lib/fat/fat.h"

/*
 * A mounted FAT volume and the seam it reads through: synchronous
 * block_read, with requests of up to FS_READ_MAX_BYTES, which the driver
 * cuts into commands and keeps in flight together, so one large contiguous
 * run is read at the device's speed. The seam counts what it is asked for.
 * The volume points back at the seam's context: a mount stays where it is.
 */
#define FS_READ_MAX_BYTES (16u << 20)

struct fs_mount {
    struct block_device *dev; /* the volume's device: a partition or a whole disk */
    struct blkread seam;
    struct fat_volume *vol;   /* page-aligned: its cache is a DMA target */
    uint64_t reads, blocks_read; /* seam calls and blocks, since mount */
};

/*
 * Resolves spec to a block device (no mounting). On failure prints one
 * "error:" line and returns -errno.
 */
int fs_resolve_device(const char *spec, struct block_device **out);

/*
 * Resolves spec and mounts the FAT volume it names into *m. On failure
 * prints one "error:" line (what was tried and why it failed) and returns
 * -errno; *m then holds nothing to release.
 */
int fs_mount(const char *spec, struct fs_mount *m);
void fs_unmount(struct fs_mount *m);

#endif
