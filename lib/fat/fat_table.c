/*
 * lib/fat/fat_table.c - the metadata cache, FAT entries, cluster chains and
 * data transfers.
 *
 * fatgen103 "FAT Data Structure": an entry holds the next cluster of its
 * chain, 0 for a free cluster, BAD_CLUSTER, or a value >= the end-of-chain
 * minimum. FAT12 entries are 12 bits packed in pairs and may straddle a
 * sector; FAT32 entries are 28 bits, the top 4 reserved and masked off.
 *
 * The cache holds FAT_CACHE_WINDOWS windows of FAT_CACHE_WINDOW_SIZE bytes,
 * aligned in device blocks, least recently used replaced. FAT sectors and
 * directory sectors share it; file data never goes through it.
 *
 * Chains are checked once, when a file or directory is opened: every link
 * must be a cluster of the volume; a directory's chain must end within
 * FAT_MAX_DIR_ENTRIES entries; a file's chain must reach the clusters its
 * size needs without coming back to one of them. A chain that goes on past
 * that point is searched for a cycle with Brent's algorithm (constant
 * memory), so the message can say where it loops; for a file the search
 * stops after 4 x its clusters + 8 steps, enough to find any loop back into
 * them, so a small file chained through the rest of a large volume is not
 * walked to the end (fat.h).
 */
#include <string.h>

#include "lib/errno.h"
#include "lib/fat/fat_internal.h"
#include "lib/le.h"

void fat_cache_reset(struct fat_volume *v)
{
    memset(v->win, 0, sizeof(v->win));
    v->cache_clock = 0;
}

int fat_cache_get(struct fat_volume *v, uint64_t lba, const uint8_t **blk)
{
    uint32_t window_blocks = FAT_CACHE_WINDOW_SIZE >> v->block_shift;
    uint64_t base = lba - lba % window_blocks;
    struct fat_cache_window *w, *victim = &v->win[0];
    int rc;

    if (lba >= v->dev.block_count)
        return fat_fail(v, -EUCLEAN, "metadata at LBA %llu is past the end of the device",
                        (unsigned long long)lba);
    for (int i = 0; i < FAT_CACHE_WINDOWS; i++) {
        w = &v->win[i];
        if (w->blocks && w->lba == base && lba < w->lba + w->blocks) {
            w->stamp = ++v->cache_clock;
            *blk = v->cache[i] + ((lba - base) << v->block_shift);
            return 0;
        }
        if (w->stamp < victim->stamp)
            victim = w;
    }
    w = victim;
    w->lba = base;
    w->blocks = (uint32_t)(v->dev.block_count - base < window_blocks ? v->dev.block_count - base
                                                                     : window_blocks);
    rc = blkread_read(&v->dev, base, w->blocks, v->cache[w - v->win]);
    if (rc) {
        w->blocks = 0;
        w->stamp = 0;
        return fat_fail(v, rc, "read error at LBA %llu (%s)", (unsigned long long)base,
                        errno_name(rc));
    }
    w->stamp = ++v->cache_clock;
    *blk = v->cache[w - v->win] + ((lba - base) << v->block_shift);
    return 0;
}

static int fat_byte_at(struct fat_volume *v, uint64_t offset, uint8_t *out)
{
    const uint8_t *blk;
    int rc = fat_cache_get(v, v->fat_lba + (offset >> v->block_shift), &blk);

    if (rc)
        return rc;
    *out = blk[offset & (v->dev.block_size - 1)];
    return 0;
}

int fat_entry_get(struct fat_volume *v, uint32_t c, uint32_t *value)
{
    uint64_t offset;
    const uint8_t *blk;
    uint32_t in;
    int rc;

    if (c > v->max_cluster) /* callers check; this keeps reads inside the FAT */
        return fat_fail(v, -EUCLEAN, "FAT entry %u is past the last cluster %u", c,
                        v->max_cluster);
    if (v->type == FAT_TYPE_12) {
        uint8_t lo, hi;
        offset = c + c / 2;
        rc = fat_byte_at(v, offset, &lo);
        if (!rc)
            rc = fat_byte_at(v, offset + 1, &hi);
        if (rc)
            return rc;
        *value = (c & 1) ? (uint32_t)(lo >> 4 | hi << 4) : (uint32_t)(lo | (hi & 0x0F) << 8);
        return 0;
    }
    offset = (uint64_t)c * (v->type / 8);
    rc = fat_cache_get(v, v->fat_lba + (offset >> v->block_shift), &blk);
    if (rc)
        return rc;
    in = (uint32_t)(offset & (v->dev.block_size - 1));
    *value = v->type == FAT_TYPE_16 ? le16_get(blk + in) : le32_get(blk + in) & FAT32_ENTRY_MASK;
    return 0;
}

/* The next cluster if c links to one, else 0 (end, damage or read error). */
static uint32_t next_link(struct fat_volume *v, uint32_t c, int *rc)
{
    uint32_t value;

    *rc = fat_entry_get(v, c, &value);
    return (*rc == 0 && fat_is_link(v, value)) ? value : 0;
}

/*
 * Brent's cycle detection from first, looking for a cycle that closes within
 * the first span clusters of the chain (mu + lambda <= span). Returns 1 with
 * *closing (the cluster whose link goes back), *target (where it goes) and
 * *repeat (the position in the chain, from 0, where target comes round
 * again), 0 if the chain ends or no such cycle exists, or a read error.
 * Brent's hare meets the tortoise once the power of two reaches both lambda
 * and mu + 1, at position < 2 max(lambda, mu + 1) + lambda <= 3 span + 2; the
 * walk stops after 4 span + 8 steps, so a cycle that closes later (or a chain
 * that merely runs on) costs no more than that.
 */
static int find_loop(struct fat_volume *v, uint32_t first, uint32_t span, uint32_t *closing,
                     uint32_t *target, uint32_t *repeat)
{
    uint64_t budget = 4ull * span + 8;
    uint32_t power = 1, lambda = 1, tortoise = first, hare, mu = 0;
    int rc = 0;

    hare = next_link(v, first, &rc);
    while (hare != tortoise) {
        if (hare == 0 || budget-- == 0)
            return rc;
        if (power == lambda) {
            tortoise = hare;
            power *= 2;
            lambda = 0;
        }
        hare = next_link(v, hare, &rc);
        lambda++;
    }
    /* Hare lambda steps ahead; walk both until they meet at the cycle's start. */
    tortoise = hare = first;
    for (uint32_t i = 0; i < lambda; i++)
        hare = next_link(v, hare, &rc);
    while (tortoise != hare && mu <= v->cluster_count) {
        tortoise = next_link(v, tortoise, &rc);
        hare = next_link(v, hare, &rc);
        mu++;
    }
    if (rc || tortoise == 0)
        return rc;
    *target = tortoise;
    *repeat = mu + lambda;
    for (uint32_t i = 0; i + 1 < lambda; i++)
        tortoise = next_link(v, tortoise, &rc);
    *closing = tortoise;
    return rc ? rc : 1;
}

static void add_extent(struct fat_extent *ext, uint32_t ext_max, uint32_t *ext_count,
                       uint32_t index, uint32_t c)
{
    if (*ext_count) {
        struct fat_extent *last = &ext[*ext_count - 1];
        if (last->file_cluster + last->count == index && last->disk_cluster + last->count == c) {
            last->count++;
            return;
        }
    }
    if (*ext_count < ext_max)
        ext[(*ext_count)++] = (struct fat_extent){ index, c, 1 };
}

int fat_chain_check(struct fat_volume *v, const char *what, uint32_t first, uint32_t clusters,
                    uint32_t limit, uint32_t *count, struct fat_extent *ext, uint32_t ext_max,
                    uint32_t *ext_count)
{
    uint32_t c = first, n = 0, value, closing = 0, target = 0, repeat = 0;
    int rc;

    *ext_count = 0;
    if (!fat_is_link(v, first))
        return fat_fail(v, -EUCLEAN, "directory entry of %s points to cluster %u, outside 2..%u",
                        what, first, v->max_cluster);
    if (clusters)
        limit = clusters;
    for (;;) {
        if (ext)
            add_extent(ext, ext_max, ext_count, n, c);
        n++;
        rc = fat_entry_get(v, c, &value);
        if (rc)
            return rc;
        if (value >= v->eoc_min)
            break;
        if (value == v->eoc_min - 1)
            return fat_fail(v, -EUCLEAN, "cluster chain of %s: cluster %u is marked bad", what, c);
        if (value == 0)
            return fat_fail(v, -EUCLEAN, "cluster chain of %s: cluster %u is marked free", what,
                            c);
        if (!fat_is_link(v, value))
            return fat_fail(v, -EUCLEAN, "cluster chain of %s: cluster %u links to %u, outside "
                                         "2..%u",
                            what, c, value, v->max_cluster);
        if (n == limit) {
            /* A file: only a loop back within its own clusters matters
             * (below), so the search is bounded by the file's size, not by
             * the rest of the chain; a directory: by the volume. */
            rc = find_loop(v, first, clusters ? clusters : v->cluster_count, &closing, &target,
                           &repeat);
            if (rc < 0)
                return rc;
            /* A file's data is only wrong if a cluster comes round again
             * within its own clusters. A chain that merely goes on past
             * the size (fsck.fat would truncate it) is read as far as the
             * size, as Linux, Windows and FatFs read it. */
            if (rc && (!clusters || repeat < clusters))
                return fat_fail(v, -EUCLEAN, "cluster chain of %s loops at cluster %u (back to "
                                             "%u)",
                                what, closing, target);
            if (clusters)
                break;
            return fat_fail(v, -EUCLEAN, "directory %s has more than %u entries", what,
                            FAT_MAX_DIR_ENTRIES);
        }
        c = value;
    }
    if (clusters && n < clusters)
        return fat_fail(v, -EUCLEAN, "cluster chain of %s ends after %u of the %u clusters its "
                                     "size needs",
                        what, n, clusters);
    *count = n;
    return 0;
}

int fat_read_data(struct fat_volume *v, uint64_t lba, uint32_t offset, uint8_t *dst, size_t n)
{
    uint32_t bs = v->dev.block_size;
    int rc;

    while (n) {
        if (offset == 0 && n >= bs && blkread_aligned(&v->dev, dst)) {
            uint64_t blocks = n >> v->block_shift;
            rc = blkread_read(&v->dev, lba, blocks, dst);
            if (rc)
                return fat_fail(v, rc, "read error at LBA %llu+%llu (%s)",
                                (unsigned long long)lba, (unsigned long long)blocks,
                                errno_name(rc));
            lba += blocks;
            dst += blocks << v->block_shift;
            n -= blocks << v->block_shift;
        } else {
            size_t take = bs - offset < n ? bs - offset : n;
            rc = blkread_read(&v->dev, lba, 1, v->bounce);
            if (rc)
                return fat_fail(v, rc, "read error at LBA %llu (%s)", (unsigned long long)lba,
                                errno_name(rc));
            memcpy(dst, v->bounce + offset, take);
            lba++;
            offset = 0;
            dst += take;
            n -= take;
        }
    }
    return 0;
}
