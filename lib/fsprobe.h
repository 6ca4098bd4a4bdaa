/*
 * lib/fsprobe.h - what is on a volume: a known file system (by its
 * signature), nothing (blank), or data of an unknown kind.
 *
 * Used to keep write benchmarks off disks that hold data ("nothing lost"),
 * so it leans to caution: anything not blank counts as data. Signatures and
 * their offsets are the ones each format defines and libblkid checks:
 *   FAT          boot sector: jump (EB xx / E9), BPB_BytsPerSec 512..4096,
 *                BPB_SecPerClus a power of two, reserved sectors and FATs
 *                not 0, 55 AA at 510 (fatgen103 "Boot Sector and BPB")
 *   exFAT, NTFS  "EXFAT   " / "NTFS    " at byte 3
 *   ext2/3/4     s_magic 0xEF53 at 1024 + 56; ext3: has_journal, ext4: extents
 *   XFS          "XFSB" at 0;  btrfs "_BHRfS_M" at 64 KiB + 0x40
 *   LUKS         "LUKS" BA BE at 0;  LVM2 "LABELONE" at 512
 *   swap         "SWAPSPACE2" / "SWAP-SPACE" at 4096 - 10
 *   ISO 9660     "CD001" at 32 KiB + 1
 * The first 4 KiB decide "blank": all zero, and no signature further on.
 */
#ifndef NVOS_LIB_FSPROBE_H
#define NVOS_LIB_FSPROBE_H

#include <stdint.h>

#include "lib/blkread.h"

#define FSPROBE_SCRATCH 4096u /* bytes of buffer fsprobe needs, aligned to dev->align */

enum fsprobe_kind {
    FSPROBE_BLANK,   /* zeros: nothing to lose */
    FSPROBE_KNOWN,   /* *name says what */
    FSPROBE_UNKNOWN, /* not blank, no signature we know */
};

/*
 * Looks at the start of dev (reads at most 3 x 4 KiB; regions past the end
 * are skipped). Returns the kind (and *name for FSPROBE_KNOWN: "FAT",
 * "exFAT", "NTFS", "ext4", ...; NULL otherwise) or a read error (-errno).
 */
int fsprobe(const struct blkread *dev, void *scratch, const char **name);

#endif
