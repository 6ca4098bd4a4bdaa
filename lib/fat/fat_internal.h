/*
 * lib/fat/fat_internal.h - what the lib/fat files share; not for users.
 */
#ifndef NVOS_LIB_FAT_FAT_INTERNAL_H
#define NVOS_LIB_FAT_FAT_INTERNAL_H

#include "lib/fat/fat.h"
#include "lib/fat/fat_layout.h"
#include "lib/printf.h"

/* Sets the volume's error line and returns err: "return fat_fail(...)". */
int fat_fail(struct fat_volume *v, int err, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Appends to the mount warnings. */
void fat_warn(struct fat_volume *v, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Copies len bytes of path into out for messages, with a leading '/',
 * keeping the tail ("...c/d.txt") when it is too long. */
void fat_show_path(char out[FAT_SHOW_MAX], const char *path, size_t len);

/* fat_table.c: the metadata cache, FAT entries, chains, data reads. */

/* Points *blk at device block lba, read through the cache. */
int fat_cache_get(struct fat_volume *v, uint64_t lba, const uint8_t **blk);
void fat_cache_reset(struct fat_volume *v);

/* The raw FAT entry of cluster c (2..max_cluster), FAT32 entries masked. */
int fat_entry_get(struct fat_volume *v, uint32_t c, uint32_t *value);

static inline bool fat_is_link(const struct fat_volume *v, uint32_t value)
{
    return value >= 2 && value <= v->max_cluster;
}

static inline uint64_t fat_cluster_lba(const struct fat_volume *v, uint32_t c)
{
    return v->data_lba + ((uint64_t)(c - 2) << (v->cluster_shift - v->block_shift));
}

/*
 * Checks the chain from first. With clusters != 0 (a file) it must have at
 * least that many distinct clusters, and only those are counted and walked;
 * with clusters == 0 (a directory) it must end within limit clusters.
 * *count receives the length; the first extents go to ext[]. what names the
 * owner in messages ("/BIG.BIN").
 */
int fat_chain_check(struct fat_volume *v, const char *what, uint32_t first, uint32_t clusters,
                    uint32_t limit, uint32_t *count, struct fat_extent *ext, uint32_t ext_max,
                    uint32_t *ext_count);

/* Copies n bytes starting offset bytes into block lba to dst: whole blocks
 * straight from the device when dst is aligned, the rest through v->bounce. */
int fat_read_data(struct fat_volume *v, uint64_t lba, uint32_t offset, uint8_t *dst, size_t n);

/* fat_dir.c: the root label for fat_statfs. */
int fat_root_label(struct fat_volume *v, char *out, size_t size);

/* Short-name bytes (CP850, space padded) to UTF-8 without trailing spaces. */
void fat_oem_text(const uint8_t *bytes, size_t n, char *out, size_t size);

#endif
