/*
 * fs/fs.c - "DEV[:PART]" to a block device, and lib/fat mounted on
 * it through the block-read seam (see fs.h for the addressing rules).
 */
#include "fs/fs.h"

#include <string.h>

#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/layout.h"
#include "kernel/shell/shell.h"
#include "lib/errno.h"
#include "lib/parse.h"
#include "lib/part/part.h"

static int seam_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct fs_mount *m = ctx;
    m->reads++;
    m->blocks_read += count;
    return block_read(m->dev, lba, count, buf);
}

/*
 * The block layer's read seam (block_blkread_init), reading through m so
 * that it counts, in requests of up to FS_READ_MAX_BYTES (fs.h says why).
 */
static int seam_init(struct fs_mount *m, struct block_device *dev)
{
    int err = block_blkread_init(&m->seam, dev);
    if (err)
        return err;
    m->dev = dev;
    m->seam.read = seam_read;
    m->seam.ctx = m;
    m->seam.max_blocks_per_read = FS_READ_MAX_BYTES / m->seam.block_size;
    return 0;
}

int fs_resolve_device(const char *spec, struct block_device **out)
{
    char name[BLOCK_NAME_MAX];
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    if (len == 0 || len >= sizeof(name))
        return shell_error(-EINVAL, "'%s': expected DEV[:PART], e.g. nvme0n1:1", spec);
    memcpy(name, spec, len);
    name[len] = '\0';
    struct block_device *dev = block_find(name);
    if (dev == NULL)
        return shell_error(-ENODEV, "no block device '%s' (see 'blk list')", name);
    if (colon == NULL) {
        *out = dev;
        return 0;
    }
    uint64_t n;
    if (parse_u64(colon + 1, &n) != 0 || n == 0 || n > UINT32_MAX)
        return shell_error(-EINVAL, "'%s': partition numbers start at 1", colon + 1);
    if (dev->parent)
        return shell_error(-EINVAL, "%s is a partition already; use %s:%llu or %s",
                           dev->name, dev->parent->name, (unsigned long long)n, dev->name);
    if (dev->partitions == NULL)
        return shell_error(-ENOENT, "%s has no partition table", dev->name);
    struct block_device *p = block_partition(dev, (unsigned)n);
    if (p == NULL) {
        const struct part_table *t = dev->partitions;
        for (uint32_t i = 0; i < t->count; i++) {
            if (t->parts[i].number != n)
                continue;
            if (t->parts[i].flags & PART_F_EXTENDED)
                return shell_error(-EINVAL, "%s: partition %llu is an extended partition, a "
                                   "container for the logical ones (5, 6, ...)", dev->name,
                                   (unsigned long long)n);
            return shell_error(-ENOENT, "%s: partition %llu is empty or leaves the disk, so it "
                               "was not published (see 'part %s')", dev->name,
                               (unsigned long long)n, dev->name);
        }
        return shell_error(-ENOENT, "%s has no partition %llu (see 'part %s')", dev->name,
                           (unsigned long long)n, dev->name);
    }
    *out = p;
    return 0;
}

/* Mounts dev into m; on failure leaves m empty and returns -errno, message in *why. */
static int try_mount(struct fs_mount *m, struct block_device *dev, char *why, size_t why_size)
{
    phys_addr_t phys;
    struct fat_volume *v = dma_alloc(sizeof(*v), PAGE_SIZE, &phys);
    if (v == NULL) {
        ksnprintf(why, why_size, "%s: no memory for the volume", dev->name);
        return -ENOMEM;
    }
    int err = seam_init(m, dev);
    if (err) {
        ksnprintf(why, why_size, "%s: cannot be read as a volume (%u-byte blocks, %llu blocks)",
                  dev->name, dev->geo.block_size, (unsigned long long)dev->geo.block_count);
        dma_free(v, sizeof(*v));
        return err;
    }
    err = fat_mount(v, &m->seam);
    if (err) {
        ksnprintf(why, why_size, "%s: %s", dev->name, fat_last_error(v));
        dma_free(v, sizeof(*v));
        m->dev = NULL;
        return err;
    }
    m->vol = v;
    return 0;
}

int fs_mount(const char *spec, struct fs_mount *m)
{
    char why[FAT_MSG_MAX + BLOCK_NAME_MAX + 8];
    struct block_device *dev;
    memset(m, 0, sizeof(*m));
    int err = fs_resolve_device(spec, &dev);
    if (err)
        return err;
    if (strchr(spec, ':') || dev->parent || dev->partitions == NULL) {
        err = try_mount(m, dev, why, sizeof(why));
        return err ? shell_error(err, "%s", why) : 0;
    }
    /* A whole disk with a table: its first partition that holds FAT. */
    const struct part_table *t = dev->partitions;
    unsigned tried = 0;
    err = -ENOENT;
    for (uint32_t i = 0; i < t->count; i++) {
        struct block_device *p = block_partition(dev, t->parts[i].number);
        if (p == NULL)
            continue; /* containers, empty or unpublished entries */
        tried++;
        err = try_mount(m, p, why, sizeof(why));
        if (err == 0)
            return 0;
        if (err == -ENOMEM)
            break;
    }
    if (tried == 0)
        return shell_error(-ENOENT, "%s: its %s partition table has no usable partition",
                           dev->name, part_table_type_name(t->type));
    return shell_error(err, "%s: no FAT file system in its %u partition(s) (last: %s)",
                       dev->name, tried, why);
}

void fs_unmount(struct fs_mount *m)
{
    if (m->vol)
        dma_free(m->vol, sizeof(*m->vol));
    memset(m, 0, sizeof(*m));
}
