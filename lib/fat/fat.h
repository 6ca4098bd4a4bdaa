/*
 * lib/fat/fat.h - a read-only FAT12/FAT16/FAT32 reader over the block-read
 * seam (lib/blkread.h).
 *
 * Spec: fatgen103 (Microsoft FAT32 File System Specification 1.03, see
 * fat_layout.h), plus what real volumes need beyond it:
 *   - FAT32 is recognised by its layout (BPB_FATSz16 == 0, BPB_FATSz32 != 0)
 *     and accepted with fewer than 65525 clusters, with a warning, as Linux
 *     and dosfstools accept what "mkfs.fat -F 32" makes on small volumes;
 *     FAT12 and FAT16 are told apart by cluster count ("FAT Type
 *     Determination"); BS_FilSysType is never consulted;
 *   - VFAT long names (fatgen103 "FAT Long Directory Entries") as UTF-8,
 *     surrogate pairs included; short names decoded as code page 850, as
 *     mtools and dosfstools write them by default; Windows NT's lower-case
 *     flags in DIR_NTRes lower-case every letter of code page 850 that has a
 *     lower-case form there (NAÏVE.TXT with 0x18 is naïve.txt, as Linux with
 *     shortname=mixed and mtools' mdir show it), not only A-Z;
 *   - FAT32 with mirroring disabled (BPB_ExtFlags bit 7) reads the active
 *     FAT; otherwise FAT 0.
 *
 * Rules:
 *   - nothing is written, ever;
 *   - every loop over disk data is bounded: chains by the cluster count and
 *     the file size, directories by FAT_MAX_DIR_ENTRIES;
 *   - fat_open() walks the file's cluster chain once, as far as the size
 *     needs, and refuses it if it leaves the volume, hits a free, bad or
 *     reserved cluster, ends early, or comes back to one of those clusters (a
 *     loop, located with Brent's algorithm); reads then never return data
 *     from a damaged chain. A chain that goes on past the size without
 *     looping back into it is read like Linux and Windows read it, up to the
 *     size; what lies past the size is looked at only as far as a loop back
 *     into the file could hide: at most 4 x the file's clusters + 8 FAT
 *     entries (and never more than 4 x the volume's clusters + 8), so a small
 *     file chained through the rest of a large volume opens in a few reads. fat_opendir() checks directory chains: they must end within
 *     FAT_MAX_DIR_ENTRIES entries. The cost is reading 1.5, 2 or 4 bytes of
 *     FAT per cluster, once;
 *   - contiguous clusters are read with one read() per run (split only at
 *     the device's max_blocks_per_read), straight into the caller's buffer
 *     for whole blocks when the buffer has the alignment the device asks for;
 *   - on failure a function returns -errno and fat_last_error() holds one
 *     line saying what and where: -EIO (or whatever read() returned) passed
 *     through, -EUCLEAN for corrupt structures, -EMEDIUMTYPE for "not FAT"
 *     (exFAT and NTFS are named), -EOPNOTSUPP for a FAT sector smaller than
 *     the device block, -ENOENT, -ENOTDIR, -EISDIR, -ENAMETOOLONG, -EINVAL;
 *   - a volume and everything opened on it belong to one thread at a time.
 *
 * Memory: the caller allocates struct fat_volume (about 70 KiB: a 64 KiB
 * metadata cache, a block bounce buffer, a scratch directory and entry for
 * lookups; 16-byte aligned, as malloc, calloc and kzalloc give it) and the
 * handles (x86-64: fat_dir 648 bytes, fat_file 320, fat_dirent 848), zeroed
 * or not, and keeps the volume (and the blkread's context) alive while
 * handles are in use. tests/host/test_fat prints the sizes.
 */
#ifndef NVOS_LIB_FAT_FAT_H
#define NVOS_LIB_FAT_FAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/blkread.h"

#define FAT_NAME_MAX 768         /* 255 UTF-16 units as UTF-8 (<= 3 bytes each) + NUL */
#define FAT_SHORT_NAME_MAX 40    /* "NAME.EXT", 11 CP850 characters as UTF-8 + '.' + NUL */
#define FAT_LABEL_MAX 36         /* 11 CP850 characters as UTF-8 + NUL */
#define FAT_MSG_MAX 192          /* fat_last_error() line, with its NUL */
#define FAT_SHOW_MAX 96          /* how much of a path handles keep for messages */
#define FAT_MAX_DIR_ENTRIES 65536u /* FatFs's limit: 2 MiB of directory */
#define FAT_CACHE_WINDOWS 4
#define FAT_CACHE_WINDOW_SIZE 16384u
#define FAT_FILE_EXTENTS 16      /* contiguous runs remembered per open file */
#define FAT_FREE_UNKNOWN UINT32_MAX

enum fat_type {
    FAT_TYPE_12 = 12,
    FAT_TYPE_16 = 16,
    FAT_TYPE_32 = 32,
};

/* DIR_Attr bits (fatgen103 "FAT Directory Structure"). */
enum {
    FAT_ATTR_READ_ONLY = 0x01,
    FAT_ATTR_HIDDEN = 0x02,
    FAT_ATTR_SYSTEM = 0x04,
    FAT_ATTR_VOLUME_ID = 0x08,
    FAT_ATTR_DIRECTORY = 0x10,
    FAT_ATTR_ARCHIVE = 0x20,
};

/* A decoded FAT date and time; all zero when the volume did not record it. */
struct fat_time {
    uint16_t year;        /* 1980..2107 */
    uint8_t month, day;   /* 1..12, 1..31 */
    uint8_t hour, minute, second;
    uint8_t centisecond;  /* creation time only (DIR_CrtTimeTenth) */
};

struct fat_dirent {
    char name[FAT_NAME_MAX];             /* the long name, else the short one with NT case */
    char short_name[FAT_SHORT_NAME_MAX]; /* as stored: "HELLO.TXT", "AVERYL~1.DAT", ".." */
    bool has_long_name;                  /* name came from a valid VFAT long name */
    bool is_dir;
    uint8_t attr;                        /* FAT_ATTR_* */
    uint32_t first_cluster;              /* 0: none (empty file; the FAT12/16 root) */
    uint32_t size;                       /* bytes; 0 for directories */
    struct fat_time created, modified, accessed;
    uint32_t dir_index;                  /* the short entry's index in its directory */
};

struct fat_statfs {
    enum fat_type type;
    uint32_t bytes_per_sector;
    uint32_t sectors_per_cluster;
    uint32_t cluster_size;               /* bytes */
    uint32_t cluster_count;              /* data clusters, numbered 2..cluster_count+1 */
    uint32_t free_clusters;              /* FAT_FREE_UNKNOWN unless known (see below) */
    uint64_t total_sectors;
    uint32_t num_fats, active_fat;       /* the FAT this reader uses */
    uint32_t volume_id;                  /* BS_VolID, 0 if absent */
    char label[FAT_LABEL_MAX];           /* root directory label, else BS_VolLab, else "" */
    char oem_name[9];
};

struct fat_cache_window {
    uint64_t lba;      /* first block, a multiple of the window's size in blocks */
    uint32_t blocks;   /* valid blocks (the last window may be short) */
    uint32_t stamp;    /* for least-recently-used replacement */
};

/* Position and long-name state of a directory being read. */
struct fat_dir {
    struct fat_volume *vol;
    uint32_t first_cluster;      /* 0: the FAT12/16 fixed root area */
    uint32_t max_entries;        /* entries the directory's clusters (or area) hold */
    uint32_t index;              /* next entry to read */
    uint32_t cluster;            /* cluster holding entry "index" (chained directories) */
    uint32_t cluster_index;      /* its position in the chain */
    bool at_end;
    /* VFAT long name being assembled (fatgen103 "FAT Long Directory Entries"). */
    uint8_t lfn_next_ord;        /* the ordinal the next entry must have; 0 = no run */
    uint8_t lfn_checksum;
    uint8_t lfn_entries;
    uint16_t lfn[20 * 13];
    char path[FAT_SHOW_MAX];     /* for messages */
};

struct fat_extent {
    uint32_t file_cluster;       /* index within the file */
    uint32_t disk_cluster;
    uint32_t count;
};

struct fat_file {
    struct fat_volume *vol;
    uint32_t size;
    uint32_t first_cluster;
    uint32_t cluster_count;      /* clusters in the (checked) chain */
    uint32_t extent_count;       /* the first extents of the chain, in order */
    struct fat_extent extents[FAT_FILE_EXTENTS];
    uint32_t pos_index, pos_cluster; /* last cluster located past the extents (0,0 = none) */
    char path[FAT_SHOW_MAX];
};

struct fat_volume {
    struct blkread dev;          /* a copy; dev.ctx must stay valid */
    enum fat_type type;
    uint32_t bytes_per_sector, sectors_per_cluster, cluster_size;
    uint32_t block_shift;        /* log2(dev.block_size) */
    uint32_t sector_shift;       /* log2(blocks per sector): sectors may span blocks */
    uint32_t cluster_shift;      /* log2(cluster_size) */
    uint32_t reserved_sectors, num_fats, fat_sectors, root_entries, active_fat;
    uint64_t total_sectors;
    uint64_t fat_lba;            /* active FAT, in device blocks */
    uint64_t root_lba;           /* FAT12/16 root area, in blocks */
    uint64_t data_lba;           /* cluster 2, in blocks */
    uint32_t cluster_count, max_cluster, root_cluster; /* root_cluster 0 on FAT12/16 */
    uint32_t eoc_min;            /* first end-of-chain value; eoc_min - 1 is BAD */
    uint32_t free_clusters;      /* FSInfo's, if trusted, else FAT_FREE_UNKNOWN */
    uint32_t volume_id;
    char bpb_label[FAT_LABEL_MAX]; /* BS_VolLab as UTF-8: up to 3 bytes a character */
    char oem_name[9];
    char error[FAT_MSG_MAX];
    char warning[FAT_MSG_MAX];   /* non-fatal findings of fat_mount, "; "-separated */
    uint32_t cache_clock;
    struct fat_cache_window win[FAT_CACHE_WINDOWS];
    struct fat_dir scratch;      /* fat_lookup's iterator */
    struct fat_dirent lookup;    /* fat_open's and fat_opendir's lookup result */
    struct fat_dirent caseless;  /* fat_lookup: the first match without regard to case */
    _Alignas(16) uint8_t cache[FAT_CACHE_WINDOWS][FAT_CACHE_WINDOW_SIZE];
    _Alignas(16) uint8_t bounce[BLKREAD_MAX_BLOCK];
};

/*
 * Checks the boot sector of the volume at LBA 0 of dev (a whole device or a
 * blkread_window) and fills *v. 0, or -EMEDIUMTYPE, -EUCLEAN, -EOPNOTSUPP, a
 * read error, or -EINVAL for an unusable dev or a misaligned *v.
 */
int fat_mount(struct fat_volume *v, const struct blkread *dev);

/* The last failure's message ("" if none since mount) and mount's warnings. */
const char *fat_last_error(const struct fat_volume *v);
const char *fat_mount_warnings(const struct fat_volume *v);

/* "FAT12", "FAT16", "FAT32". */
const char *fat_type_name(enum fat_type type);

/*
 * Geometry and label (reads the root directory for a volume-label entry).
 * free_clusters is FSInfo's count when its signatures are valid and the
 * count is possible, or the result of an earlier fat_count_free().
 */
int fat_statfs(struct fat_volume *v, struct fat_statfs *st);

/* Counts free clusters by reading the whole FAT; remembers the result. */
int fat_count_free(struct fat_volume *v, uint32_t *free_clusters);

/*
 * Finds path ("/a/b/c"; the leading '/' is optional, "." and ".." work,
 * repeated '/' are ignored; no limit on its length, only on each name's)
 * comparing each component with the long and the short name of each entry:
 * an exact match wins; otherwise the first entry equal without regard to
 * case (utf_fold, lib/utf.h). So on a volume holding both "Readme.txt" and
 * "README.TXT" (valid on disk, though Windows would not make them) each
 * spelling finds its own file, and "readme.txt" the first of the two.
 * "/" gives the root directory (name "/", is_dir, first_cluster 0 on
 * FAT12/16 and BPB_RootClus on FAT32).
 */
int fat_lookup(struct fat_volume *v, const char *path, struct fat_dirent *out);

/* Opens a directory by path or by an entry from fat_lookup/fat_readdir
 * (path is then only used in messages). -ENOTDIR for a file. */
int fat_opendir(struct fat_volume *v, struct fat_dir *d, const char *path);
int fat_opendir_entry(struct fat_volume *v, struct fat_dir *d, const struct fat_dirent *e,
                      const char *path);

/*
 * The next entry: 1 and *e filled, 0 at the end, or -errno. "." and ".."
 * are returned like other entries; deleted entries, volume labels and long
 * name entries are not (a broken long name falls back to the short name).
 */
int fat_readdir(struct fat_dir *d, struct fat_dirent *e);

/* Opens a file by path or entry (see above); -EISDIR for a directory. */
int fat_open(struct fat_volume *v, struct fat_file *f, const char *path);
int fat_open_entry(struct fat_volume *v, struct fat_file *f, const struct fat_dirent *e,
                   const char *path);

/*
 * Reads up to len bytes at offset into buf; returns the number read (less
 * than len only at the end of the file, 0 at or past it) or -errno.
 */
int64_t fat_read(struct fat_file *f, uint64_t offset, void *buf, size_t len);

/*
 * Where byte offset of the file is on the device: *lba, the device block
 * holding it, and *bytes, how many bytes from offset on are contiguous on
 * disk (up to the end of the file). 0, or -EINVAL past the end of the file.
 * Lets a benchmark read the same blocks raw and compare.
 */
int fat_file_map(struct fat_file *f, uint64_t offset, uint64_t *lba, uint64_t *bytes);

#endif
