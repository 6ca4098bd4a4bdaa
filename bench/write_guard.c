/*
 * bench/write_guard.c - may these blocks be overwritten without losing
 * anything? The write benchmark asks before it writes (force=1 overrides).
 *
 * The answer comes from the disk as it is now, not as it was at boot: the
 * partition table is read afresh (lib/part) and each partition the window
 * touches is probed (lib/fsprobe). Refused:
 *   - the table's own blocks: the MBR and the gap after it up to the first
 *     partition (boot loaders live there); a GPT's protective MBR, header and
 *     entries before FirstUsableLBA and the backup copies after
 *     LastUsableLBA (UEFI 2.9 §5.3.1); an extended partition's blocks that
 *     no logical partition covers (they hold the EBR chain);
 *   - a partition holding a file system fsprobe knows;
 *   - a partition holding anything else that is not blank, unless its first
 *     block carries the benchmark's own stamp (bench/engine/bench_verify.h):
 *     data nvos cannot name is still somebody's data;
 *   - a damaged table (a GPT whose headers both fail their checks);
 *   - on a disk without a table, a file system at block 0 (a "superfloppy",
 *     as USB sticks and mkfs.fat without a table make).
 * Blank partitions, space outside every partition and table, and disks
 * without a table or file system may be written.
 */
#include <string.h>

#include "bench/engine/bench_verify.h"
#include "bench/write_guard.h"
#include "drivers/block/block.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "lib/blkread.h"
#include "lib/errno.h"
#include "lib/fsprobe.h"
#include "lib/part/part.h"

static bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
    return a < b_end && b < a_end;
}

/*
 * Probes blocks [start, start + count) of the whole disk; 0 if they may be
 * written, else -EPERM (or a read error) with the reason in why.
 */
static int probe_volume(const struct blkread *disk, uint64_t start, uint64_t count,
                        const char *what, void *scratch, char *why, size_t size)
{
    struct blkread_window w;
    const char *name;
    if (blkread_window_init(&w, disk, start, count) != 0)
        return 0; /* empty: nothing to lose */
    int kind = fsprobe(&w.dev, scratch, &name);
    if (kind < 0) {
        ksnprintf(why, size, "%s cannot be read to check it (%s)", what, errno_name(kind));
        return kind;
    }
    if (kind == FSPROBE_KNOWN) {
        ksnprintf(why, size, "%s holds a %s file system", what, name);
        return -EPERM;
    }
    if (kind == FSPROBE_UNKNOWN) {
        /* The benchmark's own data may be overwritten by the benchmark: its
         * stamp names the LBA it was written to, relative to the partition
         * or to the whole disk, depending on which device the job used. */
        int err = blkread_read(&w.dev, 0, 1, scratch);
        if (err)
            return err;
        bool stamped =
            bench_check_block(scratch, disk->block_size, 0, 0, true, NULL) == BENCH_VERIFY_OK ||
            bench_check_block(scratch, disk->block_size, start, 0, true, NULL) == BENCH_VERIFY_OK;
        if (!stamped) {
            ksnprintf(why, size, "%s holds data of a kind nvos does not recognise", what);
            return -EPERM;
        }
    }
    return 0;
}

int bench_write_guard(struct block_device *dev, uint64_t lba, uint64_t count, char *why,
                      size_t size)
{
    struct block_device *disk = dev->parent ? dev->parent : dev;
    const struct block_geometry *g = block_geometry(disk);
    uint64_t start = lba + (dev->parent ? dev->start_lba : 0), end = start + count;
    char what[64];
    int err = 0;

    why[0] = '\0';
    if (count == 0)
        return 0;
    struct blkread seam;
    if (block_blkread_init(&seam, disk) != 0)
        return 0; /* no table or file system nvos reads can live here */
    struct part_table *t = kzalloc(sizeof(*t));
    void *scratch = kmalloc(FSPROBE_SCRATCH > BLKREAD_MAX_BLOCK ? FSPROBE_SCRATCH
                                                                 : BLKREAD_MAX_BLOCK);
    if (t == NULL || scratch == NULL) {
        ksnprintf(why, size, "no memory to read the partition table");
        err = -ENOMEM;
        goto out;
    }
    err = part_scan(&seam, t);
    if (err) {
        ksnprintf(why, size, "%s: partition table unreadable: %s", disk->name, part_last_error(t));
        err = err == -EUCLEAN ? -EPERM : err;
        goto out;
    }
    if (t->type == PART_TABLE_NONE) {
        ksnprintf(what, sizeof(what), "%s (no partition table)", disk->name);
        err = probe_volume(&seam, 0, g->block_count, what, scratch, why, size);
        if (err == -EPERM && strstr(why, "does not recognise")) {
            err = 0; /* a raw disk's contents are the benchmark's to use */
            why[0] = '\0';
        }
        goto out;
    }
    if (t->type == PART_TABLE_GPT) {
        if (overlaps(start, end, 0, t->first_usable_lba) ||
            overlaps(start, end, t->last_usable_lba + 1, g->block_count)) {
            ksnprintf(why, size, "%s: blocks 0-%llu and %llu-%llu hold the GPT and its backup",
                      disk->name, (unsigned long long)t->first_usable_lba - 1,
                      (unsigned long long)t->last_usable_lba + 1,
                      (unsigned long long)g->block_count - 1);
            err = -EPERM;
            goto out;
        }
    } else {
        /* The MBR, and the gap before the first partition: boot loaders
         * (GRUB's core.img) live there on MBR disks. */
        uint64_t first = g->block_count;
        for (uint32_t i = 0; i < t->count; i++)
            if (t->parts[i].num_blocks && t->parts[i].start_lba < first)
                first = t->parts[i].start_lba;
        if (start < MAX(first, 1)) {
            ksnprintf(why, size, "%s: blocks 0-%llu hold the MBR and the gap before the first "
                      "partition, where boot loaders live", disk->name,
                      (unsigned long long)MAX(first, 1) - 1);
            err = -EPERM;
            goto out;
        }
    }
    for (uint32_t i = 0; i < t->count && err == 0; i++) {
        const struct part_entry *e = &t->parts[i];
        uint64_t e_end = e->start_lba + e->num_blocks;
        if (!overlaps(start, end, e->start_lba, e_end))
            continue;
        if (e->flags & PART_F_EXTENDED) {
            /* Each block of the window inside the container must be in a logical partition. */
            uint64_t cur = MAX(start, e->start_lba), stop = MIN(end, e_end);
            while (cur < stop) {
                uint64_t next = cur;
                for (uint32_t j = 0; j < t->count; j++) {
                    const struct part_entry *l = &t->parts[j];
                    if ((l->flags & PART_F_LOGICAL) && l->start_lba <= cur &&
                        cur < l->start_lba + l->num_blocks)
                        next = l->start_lba + l->num_blocks;
                }
                if (next == cur) {
                    ksnprintf(why, size,
                              "%s: block %llu is in extended partition %u outside its logical "
                              "partitions (the EBR chain)",
                              disk->name, (unsigned long long)cur, e->number);
                    err = -EPERM;
                    break;
                }
                cur = next;
            }
            continue;
        }
        ksnprintf(what, sizeof(what), "%sp%u (blocks %llu-%llu)", disk->name, e->number,
                  (unsigned long long)e->start_lba, (unsigned long long)e_end - 1);
        err = probe_volume(&seam, e->start_lba, e->num_blocks, what, scratch, why, size);
    }
out:
    kfree(scratch);
    kfree(t);
    return err;
}
