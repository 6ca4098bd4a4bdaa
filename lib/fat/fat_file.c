/*
 * lib/fat/fat_file.c - opening and reading files.
 *
 * A file of S bytes owns exactly ceil(S / cluster size) clusters
 * (fatgen103 "FAT Directory Structure": DIR_FileSize, DIR_FstClusLO/HI);
 * fat_open checks that its chain has that length and records the chain's
 * first FAT_FILE_EXTENTS contiguous runs. Reads map a file position to a
 * run through the extents (no FAT access at all for files with few
 * fragments), or by walking on from the last position located, and transfer
 * each run with as few device reads as the transfer limit allows, the way
 * Linux's fat_cache and FatFs's cluster link map avoid re-walking the chain.
 */
#include <string.h>

#include "lib/errno.h"
#include "lib/fat/fat_internal.h"

int fat_open_entry(struct fat_volume *v, struct fat_file *f, const struct fat_dirent *e,
                   const char *path)
{
    uint64_t clusters;

    memset(f, 0, sizeof(*f));
    f->vol = v;
    fat_show_path(f->path, path, strlen(path));
    if (e->is_dir)
        return fat_fail(v, -EISDIR, "%s is a directory", f->path);
    f->size = e->size;
    f->first_cluster = e->first_cluster;
    if (e->size == 0)
        return 0; /* any first cluster is ignored: there is nothing to read */
    if (e->first_cluster == 0)
        return fat_fail(v, -EUCLEAN, "%s has %u bytes but no first cluster", f->path, e->size);
    clusters = ((uint64_t)e->size + v->cluster_size - 1) >> v->cluster_shift;
    if (clusters > v->cluster_count)
        return fat_fail(v, -EUCLEAN, "%s has %u bytes, more than the volume's %u clusters hold",
                        f->path, e->size, v->cluster_count);
    return fat_chain_check(v, f->path, e->first_cluster, (uint32_t)clusters, 0, &f->cluster_count,
                           f->extents, FAT_FILE_EXTENTS, &f->extent_count);
}

int fat_open(struct fat_volume *v, struct fat_file *f, const char *path)
{
    int rc = fat_lookup(v, path, &v->lookup);

    if (rc)
        return rc;
    return fat_open_entry(v, f, &v->lookup, path);
}

static int next_cluster(struct fat_file *f, uint32_t c, uint32_t *next)
{
    struct fat_volume *v = f->vol;
    int rc = fat_entry_get(v, c, next);

    if (rc)
        return rc;
    if (!fat_is_link(v, *next)) /* checked by fat_open; only a bug gets here */
        return fat_fail(v, -EUCLEAN, "cluster chain of %s breaks at cluster %u", f->path, c);
    return 0;
}

/*
 * The disk cluster of file cluster index, and how many clusters from there
 * on are contiguous on disk (*run >= 1, looking no further than want).
 */
static int map_cluster(struct fat_file *f, uint32_t index, uint32_t want, uint32_t *disk,
                       uint32_t *run)
{
    uint32_t at, c, n;
    int rc;

    for (uint32_t i = 0; i < f->extent_count; i++) {
        const struct fat_extent *x = &f->extents[i];
        if (index >= x->file_cluster && index < x->file_cluster + x->count) {
            *disk = x->disk_cluster + (index - x->file_cluster);
            *run = x->file_cluster + x->count - index;
            return 0;
        }
    }
    /* Past the recorded extents: walk on from the closest known point. */
    if (f->pos_cluster && f->pos_index <= index) {
        at = f->pos_index;
        c = f->pos_cluster;
    } else {
        const struct fat_extent *last = &f->extents[f->extent_count - 1];
        at = last->file_cluster + last->count - 1;
        c = last->disk_cluster + last->count - 1;
    }
    for (; at < index; at++) {
        rc = next_cluster(f, c, &c);
        if (rc)
            return rc;
    }
    *disk = c;
    for (n = 1; n < want && index + n < f->cluster_count; n++) {
        uint32_t next;
        rc = next_cluster(f, c, &next);
        if (rc)
            return rc;
        if (next != c + 1)
            break;
        c = next;
    }
    *run = n;
    f->pos_index = index + n - 1;
    f->pos_cluster = c;
    return 0;
}

int64_t fat_read(struct fat_file *f, uint64_t offset, void *buf, size_t len)
{
    struct fat_volume *v = f->vol;
    uint8_t *dst = buf;
    size_t done = 0;

    if (offset >= f->size)
        return 0;
    if (len > f->size - offset)
        len = (size_t)(f->size - offset);
    while (done < len) {
        uint64_t pos = offset + done;
        uint32_t index = (uint32_t)(pos >> v->cluster_shift);
        uint32_t in = (uint32_t)(pos & (v->cluster_size - 1));
        uint64_t want = (in + (len - done) + v->cluster_size - 1) >> v->cluster_shift;
        uint32_t disk, run;
        uint64_t n;
        int rc;

        rc = map_cluster(f, index, (uint32_t)want, &disk, &run);
        if (rc)
            return rc;
        n = ((uint64_t)run << v->cluster_shift) - in;
        if (n > len - done)
            n = len - done;
        rc = fat_read_data(v, fat_cluster_lba(v, disk) + (in >> v->block_shift),
                           in & (v->dev.block_size - 1), dst + done, (size_t)n);
        if (rc)
            return rc;
        done += (size_t)n;
    }
    return (int64_t)done;
}

int fat_file_map(struct fat_file *f, uint64_t offset, uint64_t *lba, uint64_t *bytes)
{
    struct fat_volume *v = f->vol;
    uint32_t index, in, disk, run;
    int rc;

    if (offset >= f->size)
        return fat_fail(v, -EINVAL, "offset %llu is past the end of %s (%u bytes)",
                        (unsigned long long)offset, f->path, f->size);
    index = (uint32_t)(offset >> v->cluster_shift);
    in = (uint32_t)(offset & (v->cluster_size - 1));
    rc = map_cluster(f, index, f->cluster_count - index, &disk, &run);
    if (rc)
        return rc;
    *lba = fat_cluster_lba(v, disk) + (in >> v->block_shift);
    *bytes = ((uint64_t)run << v->cluster_shift) - in;
    if (*bytes > f->size - offset)
        *bytes = f->size - offset;
    return 0;
}
