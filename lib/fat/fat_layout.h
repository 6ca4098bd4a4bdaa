/*
 * lib/fat/fat_layout.h - FAT on-disk layout: field offsets and values only,
 * host-compilable, no code.
 *
 * Spec: "Microsoft Extensible Firmware Initiative FAT32 File System
 * Specification, FAT: General Overview of On-Disk Format", version 1.03,
 * December 6, 2000 ("fatgen103"). Its sections are not numbered, so they are
 * cited by title. Field names are the spec's. Fields are decoded with
 * lib/le.h byte reads, so there are no packed structs to assert on; the
 * offsets below are the assertions, and each group's last enumerator is the
 * structure's size.
 */
#ifndef NVOS_LIB_FAT_FAT_LAYOUT_H
#define NVOS_LIB_FAT_FAT_LAYOUT_H

/* [fatgen103 "Boot Sector and BPB"] Fields common to FAT12, FAT16, FAT32. */
enum {
    BS_JMPBOOT = 0,       /* EB xx 90 or E9 xx xx */
    BS_OEMNAME = 3,       /* 8 bytes; "EXFAT   " and "NTFS    " name other file systems */
    BPB_BYTSPERSEC = 11,  /* 512, 1024, 2048 or 4096 */
    BPB_SECPERCLUS = 13,  /* a power of two, 1..128 */
    BPB_RSVDSECCNT = 14,  /* never 0: the boot sector is reserved */
    BPB_NUMFATS = 16,
    BPB_ROOTENTCNT = 17,  /* FAT12/16 fixed root directory entries; 0 on FAT32 */
    BPB_TOTSEC16 = 19,    /* 0: use BPB_TotSec32 */
    BPB_MEDIA = 21,       /* 0xF0, 0xF8..0xFF */
    BPB_FATSZ16 = 22,     /* 0 on FAT32: "the" layout test */
    BPB_SECPERTRK = 24,
    BPB_NUMHEADS = 26,
    BPB_HIDDSEC = 28,
    BPB_TOTSEC32 = 32,
};

/* [fatgen103 "Boot Sector and BPB", "FAT12 and FAT16 Structure Starting at Offset 36"] */
enum {
    BS16_DRVNUM = 36,
    BS16_BOOTSIG = 38,    /* 0x29: the next three fields are present */
    BS16_VOLID = 39,
    BS16_VOLLAB = 43,     /* 11 bytes */
    BS16_FILSYSTYPE = 54, /* informational only: never used to pick the type */
};

/* [fatgen103 "Boot Sector and BPB", "FAT32 Structure Starting at Offset 36"] */
enum {
    BPB_FATSZ32 = 36,
    BPB_EXTFLAGS = 40,    /* bits 3:0 active FAT, bit 7 set = mirroring disabled */
    BPB_FSVER = 42,       /* must be 0:0 */
    BPB_ROOTCLUS = 44,
    BPB_FSINFO = 48,      /* sector of the FSInfo structure in the reserved area */
    BPB_BKBOOTSEC = 50,
    BS32_DRVNUM = 64,
    BS32_BOOTSIG = 66,
    BS32_VOLID = 67,
    BS32_VOLLAB = 71,
    BS32_FILSYSTYPE = 82,
};

#define BS_SIGNATURE_OFFSET 510 /* 0x55 0xAA */
#define BS_BOOTSIG_EXTENDED 0x29
#define BPB_EXTFLAGS_NO_MIRROR 0x80
#define BPB_EXTFLAGS_ACTIVE_MASK 0x0F

/* [fatgen103 "FAT32 FSInfo Sector Structure and Backup Boot Sector"] */
enum {
    FSI_LEADSIG = 0,      /* 0x41615252 */
    FSI_STRUCSIG = 484,   /* 0x61417272 */
    FSI_FREE_COUNT = 488, /* 0xFFFFFFFF = unknown */
    FSI_NXT_FREE = 492,
    FSI_TRAILSIG = 508,   /* 0xAA550000 */
};
#define FSI_LEADSIG_VALUE 0x41615252u
#define FSI_STRUCSIG_VALUE 0x61417272u
#define FSI_TRAILSIG_VALUE 0xAA550000u

/* [fatgen103 "FAT Type Determination"] Counts of clusters, not cluster numbers. */
#define FAT12_MAX_CLUSTERS 4084u     /* FAT12 iff CountofClusters < 4085 */
#define FAT16_MAX_CLUSTERS 65524u    /* FAT16 iff CountofClusters < 65525 */
#define FAT32_MAX_CLUSTERS 0x0FFFFFF5u /* so the highest cluster, +1, stays below BAD */

/* [fatgen103 "FAT Data Structure"] Entry values. */
#define FAT32_ENTRY_MASK 0x0FFFFFFFu /* the high 4 bits are reserved */
#define FAT12_EOC_MIN 0xFF8u
#define FAT16_EOC_MIN 0xFFF8u
#define FAT32_EOC_MIN 0x0FFFFFF8u
/* BAD_CLUSTER is EOC_MIN - 1 for each type: 0xFF7, 0xFFF7, 0x0FFFFFF7. */

/* [fatgen103 "FAT Directory Structure"] The 32-byte directory entry. */
enum {
    DIR_NAME = 0,         /* 8 + 3 bytes, space padded */
    DIR_ATTR = 11,
    DIR_NTRES = 12,       /* Windows NT: 0x08 base, 0x10 extension lower case */
    DIR_CRTTIMETENTH = 13,
    DIR_CRTTIME = 14,
    DIR_CRTDATE = 16,
    DIR_LSTACCDATE = 18,
    DIR_FSTCLUSHI = 20,   /* FAT32 only */
    DIR_WRTTIME = 22,
    DIR_WRTDATE = 24,
    DIR_FSTCLUSLO = 26,
    DIR_FILESIZE = 28,
    DIR_ENTRY_SIZE = 32,
};

#define DIR_NAME_END 0x00     /* DIR_Name[0]: this and every later entry is free */
#define DIR_NAME_FREE 0xE5    /* DIR_Name[0]: deleted */
#define DIR_NAME_KANJI_E5 0x05 /* DIR_Name[0]: stands for a real 0xE5 */
#define DIR_NTRES_LOWER_BASE 0x08
#define DIR_NTRES_LOWER_EXT 0x10

#define ATTR_READ_ONLY 0x01
#define ATTR_HIDDEN 0x02
#define ATTR_SYSTEM 0x04
#define ATTR_VOLUME_ID 0x08
#define ATTR_DIRECTORY 0x10
#define ATTR_ARCHIVE 0x20
#define ATTR_LONG_NAME 0x0F   /* READ_ONLY|HIDDEN|SYSTEM|VOLUME_ID */
#define ATTR_LONG_NAME_MASK 0x3F

/* [fatgen103 "FAT Long Directory Entries"] */
enum {
    LDIR_ORD = 0,         /* 1..20; 0x40 marks the last (first stored) entry */
    LDIR_NAME1 = 1,       /* 5 UCS-2 units */
    LDIR_ATTR = 11,       /* ATTR_LONG_NAME */
    LDIR_TYPE = 12,       /* 0 */
    LDIR_CHKSUM = 13,     /* of the short name that follows */
    LDIR_NAME2 = 14,      /* 6 units */
    LDIR_FSTCLUSLO = 26,  /* must be 0 */
    LDIR_NAME3 = 28,      /* 2 units */
};
#define LDIR_LAST_LONG_ENTRY 0x40
#define LDIR_ORD_MASK 0x3F
#define LDIR_MAX_ORD 20       /* 20 x 13 = 260 units holds the 255-character maximum */
#define LDIR_UNITS 13
#define FAT_LFN_MAX_UNITS 255

/* [exFAT Specification (Microsoft, 2019) §3.1.2] FileSystemName, at BS_OEMName. */
#define EXFAT_FILE_SYSTEM_NAME "EXFAT   "

#endif
