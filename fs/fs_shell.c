/*
 * fs/fs_shell.c - partition and file commands (docs/shell.md has the
 * formats), addressed as U-Boot does: DEV[:PART] (fs/fs.h).
 *
 *   part DEV                          the partition table, read afresh
 *   fsinfo DEV[:PART] [-f]            FAT type, geometry, free space, label
 *   ls DEV[:PART] [PATH] [-l] [-a]    a directory, one entry per line
 *   stat DEV[:PART] PATH              one entry in full
 *   cat DEV[:PART] PATH               a file's bytes on the console (Ctrl-C stops it)
 *   sha256 DEV[:PART] PATH            the file's SHA-256, as sha256sum prints it
 *
 * fsbench, which reads files through these mounts too, is the benchmark's
 * (bench/fsbench.c).
 */
#include <string.h>

#include "fs/fs.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/layout.h"
#include "kernel/shell/shell.h"
#include "lib/args.h"
#include "lib/errno.h"
#include "lib/fsprobe.h"
#include "lib/parse.h"
#include "lib/part/part.h"
#include "lib/sha256.h"

#define STREAM_BYTES (1u << 20)  /* cat and sha256 read files in pieces this big */

_Static_assert(sizeof(((struct part_table *)0)->block) >= FSPROBE_SCRATCH,
               "part's scratch block doubles as fsprobe's");

/* "384 MiB", "1.5 GiB", "512 B": binary units, one decimal when it is not whole. */
static const char *size_text(uint64_t bytes, char *buf, size_t size)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    unsigned u = 0;
    uint64_t whole = bytes, tenths = 0;
    while (whole >= 1024 && u + 1 < ARRAY_SIZE(units)) {
        tenths = (whole % 1024) * 10 / 1024;
        whole /= 1024;
        u++;
    }
    if (tenths)
        ksnprintf(buf, size, "%llu.%llu %s", (unsigned long long)whole,
                  (unsigned long long)tenths, units[u]);
    else
        ksnprintf(buf, size, "%llu %s", (unsigned long long)whole, units[u]);
    return buf;
}

/* ---- part ---- */


static int cmd_part(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage(argv[0]);
    struct block_device *dev = block_find(argv[1]);
    if (dev == NULL)
        return shell_error(-ENODEV, "no block device '%s' (see 'blk list')", argv[1]);
    if (dev->parent)
        return shell_error(-EINVAL, "%s is a partition of %s; 'part %s' shows the table",
                           dev->name, dev->parent->name, dev->parent->name);
    const struct block_geometry *g = block_geometry(dev);
    struct blkread seam;
    if (block_blkread_init(&seam, dev) != 0)
        return shell_error(-EOPNOTSUPP, "%s: %u-byte blocks; tables are read on 512..4096",
                           dev->name, g->block_size);
    struct part_table *t = kzalloc(sizeof(*t));
    if (t == NULL)
        return shell_error(-ENOMEM, "no memory for a partition table");
    int err = part_scan(&seam, t);
    if (err) {
        shell_error(err, "%s: %s", dev->name, part_last_error(t));
        goto out;
    }
    char sz[32], guid[PART_GUID_TEXT_SIZE];
    kprintf("%s: %s, %llu blocks of %u bytes (%s)", dev->name,
            t->type == PART_TABLE_NONE ? "no partition table" : part_table_type_name(t->type),
            (unsigned long long)g->block_count, g->block_size,
            size_text(g->block_count * g->block_size, sz, sizeof(sz)));
    if (t->type == PART_TABLE_NONE) {
        /* Say what is there instead: a whole-disk file system, or nothing. */
        const char *name;
        int kind = fsprobe(&seam, t->block, &name);
        kprintf(", %s", kind == FSPROBE_KNOWN     ? "a whole-disk file system: "
                        : kind == FSPROBE_BLANK   ? "blank"
                        : kind == FSPROBE_UNKNOWN ? "data of an unknown kind"
                                                  : "unreadable");
        if (kind == FSPROBE_KNOWN)
            kprintf("%s", name);
    }
    if (t->type == PART_TABLE_GPT)
        kprintf(", disk %s%s", part_guid_text(&t->disk_guid, guid),
                t->header_lba != 1 ? ", from the backup header" : "");
    else if (t->type == PART_TABLE_MBR)
        kprintf(", signature 0x%08x", t->mbr_signature);
    kprintf("\n");
    for (uint32_t i = 0; i < t->warning_count && i < PART_WARN_MAX; i++)
        kprintf("warning: %s\n", t->warnings[i]);
    if (t->warning_count > PART_WARN_MAX)
        kprintf("warning: %u more\n", t->warning_count - PART_WARN_MAX);
    if (t->type == PART_TABLE_NONE)
        goto out;
    kprintf("%3s %12s %12s %12s %9s  %-24s %s\n", "#", "START", "END", "BLOCKS", "SIZE", "TYPE",
            "NAME");
    for (uint32_t i = 0; i < t->count; i++) {
        const struct part_entry *e = &t->parts[i];
        char type[40];
        if (t->type == PART_TABLE_MBR)
            ksnprintf(type, sizeof(type), "0x%02x %s", e->mbr_type, e->type_name);
        else if (strcmp(e->type_name, "unknown") == 0)
            part_guid_text(&e->type_guid, type);
        else
            ksnprintf(type, sizeof(type), "%s", e->type_name);
        kprintf("%3u %12llu %12llu %12llu %9s  %-24s %s%s%s%s%s\n", e->number,
                (unsigned long long)e->start_lba,
                (unsigned long long)(e->start_lba + e->num_blocks - (e->num_blocks != 0)),
                (unsigned long long)e->num_blocks,
                size_text(e->num_blocks * g->block_size, sz, sizeof(sz)), type, e->name,
                (e->flags & PART_F_BOOTABLE) ? " [boot]" : "",
                (e->flags & PART_F_EXTENDED) ? " [extended]" : "",
                (e->flags & PART_F_LOGICAL) ? " [logical]" : "",
                (e->flags & PART_F_OVERLAP) ? " [overlaps]" : "");
    }
    if (t->unlisted)
        kprintf("(%u more partitions not listed)\n", t->unlisted);
out:
    kfree(t);
    return err;
}
SHELL_COMMAND(part, "part", "DEV", "show the partition table (MBR or GPT) of a disk", cmd_part);

/* ---- what every file command does first ---- */

/* A file command's words, once its volume is mounted. */
struct file_args {
    unsigned flags;   /* ARGS_FLAG bits (lib/args.h) */
    const char *path; /* NULL when none was given */
};

/*
 * The file commands' shared front: DEV[:PART], then at least min_paths and
 * at most max_paths (0 or 1) PATH, with one-letter flags from allowed
 * anywhere (args_flags). Mounts DEV[:PART] into m. 0, or -errno once the
 * usage or why the mount failed is printed (m then holds nothing to release).
 */
static int mount_for_path(int argc, char **argv, const char *allowed, int min_paths, int max_paths,
                          struct file_args *a, struct fs_mount *m)
{
    char *words[2];
    int n = args_flags(argc, argv, allowed, &a->flags, words, 1 + max_paths);
    if (n < 1 + min_paths)
        return shell_usage(argv[0]);
    a->path = n > 1 ? words[1] : NULL;
    return fs_mount(words[0], m);
}

static int fat_error(struct fs_mount *m, int err)
{
    return shell_error(err, "%s: %s", m->dev->name, fat_last_error(m->vol));
}

/* ---- fsinfo ---- */

static int cmd_fsinfo(int argc, char **argv)
{
    struct file_args a;
    struct fs_mount m;
    int err = mount_for_path(argc, argv, "f", 0, 0, &a, &m);
    if (err)
        return err;
    bool count = a.flags & ARGS_FLAG('f');
    struct fat_statfs st;
    uint32_t free_clusters = FAT_FREE_UNKNOWN;
    if (count) {
        err = fat_count_free(m.vol, &free_clusters);
        if (err) {
            fat_error(&m, err);
            goto out;
        }
    }
    err = fat_statfs(m.vol, &st);
    if (err) {
        fat_error(&m, err);
        goto out;
    }
    char sz[32];
    kprintf("device: %s\n", m.dev->name);
    kprintf("type: %s\n", fat_type_name(st.type));
    kprintf("label: %s\n", st.label);
    kprintf("volume id: %04x-%04x\n", st.volume_id >> 16, st.volume_id & 0xffff);
    kprintf("oem name: %s\n", st.oem_name);
    kprintf("sector size: %u\n", st.bytes_per_sector);
    kprintf("cluster size: %u\n", st.cluster_size);
    kprintf("clusters: %u\n", st.cluster_count);
    kprintf("size: %llu (%s)\n", (unsigned long long)st.cluster_count * st.cluster_size,
            size_text((uint64_t)st.cluster_count * st.cluster_size, sz, sizeof(sz)));
    kprintf("fats: %u, active %u\n", st.num_fats, st.active_fat);
    if (st.free_clusters == FAT_FREE_UNKNOWN)
        kprintf("free clusters: unknown (fsinfo -f counts them)\n");
    else
        kprintf("free clusters: %u (%s)%s\n", st.free_clusters,
                size_text((uint64_t)st.free_clusters * st.cluster_size, sz, sizeof(sz)),
                count ? ", counted" : "");
    const char *w = fat_mount_warnings(m.vol);
    if (w && w[0])
        kprintf("warning: %s\n", w);
out:
    fs_unmount(&m);
    return err;
}
SHELL_COMMAND(fsinfo, "fsinfo", "DEV[:PART] [-f]",
              "FAT volume: type, cluster size, clusters, free space (-f: count), label",
              cmd_fsinfo);

/* ---- ls, stat ---- */

static void attr_text(uint8_t a, char out[6])
{
    out[0] = (a & FAT_ATTR_DIRECTORY) ? 'd' : '-';
    out[1] = (a & FAT_ATTR_READ_ONLY) ? 'r' : '-';
    out[2] = (a & FAT_ATTR_HIDDEN) ? 'h' : '-';
    out[3] = (a & FAT_ATTR_SYSTEM) ? 's' : '-';
    out[4] = (a & FAT_ATTR_ARCHIVE) ? 'a' : '-';
    out[5] = '\0';
}

static const char *time_text(const struct fat_time *t, char *buf, size_t size)
{
    if (t->year == 0)
        ksnprintf(buf, size, "%-19s", "-");
    else
        ksnprintf(buf, size, "%04u-%02u-%02u %02u:%02u:%02u", t->year, t->month, t->day,
                  t->hour, t->minute, t->second);
    return buf;
}

static void print_entry(const struct fat_dirent *e, bool long_format)
{
    if (long_format) {
        char attrs[6], when[24];
        attr_text(e->attr, attrs);
        kprintf("%s %s %12u  %s\n", attrs, time_text(&e->modified, when, sizeof(when)),
                e->size, e->name);
    } else {
        kprintf("%c %12u  %s\n", e->is_dir ? 'd' : '-', e->size, e->name);
    }
}

static int cmd_ls(int argc, char **argv)
{
    struct file_args a;
    struct fs_mount m;
    int err = mount_for_path(argc, argv, "la", 0, 1, &a, &m);
    if (err)
        return err;
    bool long_format = a.flags & ARGS_FLAG('l'), all = a.flags & ARGS_FLAG('a');
    const char *path = a.path ? a.path : "/";
    struct fat_dir *d = kmalloc(sizeof(*d));
    struct fat_dirent *e = kmalloc(sizeof(*e));
    if (d == NULL || e == NULL) {
        err = shell_error(-ENOMEM, "no memory for a directory");
        goto out;
    }
    err = fat_lookup(m.vol, path, e);
    if (err) {
        fat_error(&m, err);
        goto out;
    }
    if (!e->is_dir) {
        print_entry(e, long_format);
        goto out;
    }
    err = fat_opendir_entry(m.vol, d, e, path);
    if (err) {
        fat_error(&m, err);
        goto out;
    }
    unsigned files = 0, dirs = 0;
    uint64_t bytes = 0;
    while ((err = fat_readdir(d, e)) > 0) {
        bool dot = strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0;
        if (dot && !all)
            continue;
        print_entry(e, long_format);
        if (e->is_dir) {
            dirs++;
        } else {
            files++;
            bytes += e->size;
        }
    }
    if (err < 0) {
        fat_error(&m, err);
        goto out;
    }
    err = 0;
    kprintf("%u file(s), %u dir(s), %llu bytes\n", files, dirs, (unsigned long long)bytes);
out:
    kfree(e);
    kfree(d);
    fs_unmount(&m);
    return err;
}
SHELL_COMMAND(ls, "ls", "DEV[:PART] [PATH] [-l] [-a]",
              "list a directory: type, size, name (-l: attributes and date; -a: . and ..)",
              cmd_ls);

static int cmd_stat(int argc, char **argv)
{
    struct file_args a;
    struct fs_mount m;
    int err = mount_for_path(argc, argv, "", 1, 1, &a, &m);
    if (err)
        return err;
    const char *path = a.path;
    struct fat_dirent *e = kmalloc(sizeof(*e));
    struct fat_file *f = kmalloc(sizeof(*f));
    if (e == NULL || f == NULL) {
        err = shell_error(-ENOMEM, "no memory for a file");
        goto out;
    }
    err = fat_lookup(m.vol, path, e);
    if (err) {
        fat_error(&m, err);
        goto out;
    }
    char attrs[6], when[24];
    attr_text(e->attr, attrs);
    kprintf("path: %s\n", path);
    kprintf("name: %s\n", e->name);
    kprintf("short name: %s\n", e->short_name);
    kprintf("type: %s\n", e->is_dir ? "directory" : "file");
    kprintf("size: %u\n", e->size);
    kprintf("attributes: %s (0x%02x)\n", attrs, e->attr);
    kprintf("first cluster: %u\n", e->first_cluster);
    if (!e->is_dir && e->first_cluster) {
        /* Opening walks and checks the whole chain: a broken file says so here. */
        err = fat_open_entry(m.vol, f, e, path);
        if (err) {
            fat_error(&m, err);
            goto out;
        }
        kprintf("clusters: %u in %s%u extent(s)\n", f->cluster_count,
                f->extent_count == FAT_FILE_EXTENTS ? "at least " : "", f->extent_count);
    }
    kprintf("modified: %s\n", time_text(&e->modified, when, sizeof(when)));
    if (e->created.year)
        kprintf("created: %s.%02u\n", time_text(&e->created, when, sizeof(when)),
                e->created.centisecond);
    else
        kprintf("created: -\n");
    if (e->accessed.year)
        kprintf("accessed: %04u-%02u-%02u\n", e->accessed.year, e->accessed.month,
                e->accessed.day);
    else
        kprintf("accessed: -\n");
out:
    kfree(f);
    kfree(e);
    fs_unmount(&m);
    return err;
}
SHELL_COMMAND(stat, "stat", "DEV[:PART] PATH", "one file or directory: names, size, clusters, times",
              cmd_stat);

/* ---- cat, sha256: a file streamed through a buffer ---- */

typedef void (*chunk_fn)(void *arg, const uint8_t *data, size_t len);

/* Reads the file at path in STREAM_BYTES pieces and hands each to fn. */
static int stream_file(struct fs_mount *m, const char *path, chunk_fn fn, void *arg)
{
    struct fat_file *f = kmalloc(sizeof(*f));
    phys_addr_t phys;
    uint8_t *buf = dma_alloc(STREAM_BYTES, PAGE_SIZE, &phys);
    int err = 0;
    if (f == NULL || buf == NULL) {
        err = shell_error(-ENOMEM, "no memory to read a file");
        goto out;
    }
    err = fat_open(m->vol, f, path);
    if (err) {
        fat_error(m, err);
        goto out;
    }
    for (uint64_t off = 0; off < f->size;) {
        int64_t got = fat_read(f, off, buf, STREAM_BYTES);
        if (got < 0) {
            err = fat_error(m, (int)got);
            goto out;
        }
        if (got == 0) {
            err = shell_error(-EIO, "%s: %s: read stopped at byte %llu of %u", m->dev->name,
                              path, (unsigned long long)off, f->size);
            goto out;
        }
        fn(arg, buf, (size_t)got);
        off += (uint64_t)got;
        if (off < f->size && console_ctrl_c()) {
            err = shell_error(-EINTR, "%s: %s: interrupted at byte %llu of %u", m->dev->name,
                              path, (unsigned long long)off, f->size);
            goto out;
        }
    }
out:
    dma_free(buf, STREAM_BYTES);
    kfree(f);
    return err;
}

/* Text goes out as it is; other control characters become '.', so a binary
 * file cannot reprogram the terminal. */
static void cat_chunk(void *arg, const uint8_t *data, size_t len)
{
    char out[256];
    size_t n = 0;
    (void)arg;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = data[i];
        out[n++] = (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f ? '.'
                                                                                   : (char)c;
        if (n == sizeof(out)) {
            console_write(out, n);
            n = 0;
        }
    }
    console_write(out, n);
}

static int cmd_cat(int argc, char **argv)
{
    struct file_args a;
    struct fs_mount m;
    int err = mount_for_path(argc, argv, "", 1, 1, &a, &m);
    if (err)
        return err;
    err = stream_file(&m, a.path, cat_chunk, NULL);
    if (!console_at_line_start())
        kprintf("\n");
    fs_unmount(&m);
    return err;
}
SHELL_COMMAND(cat, "cat", "DEV[:PART] PATH",
              "print a file (control characters other than tab and newline shown as '.')",
              cmd_cat);

static void sha_chunk(void *arg, const uint8_t *data, size_t len)
{
    sha256_update(arg, data, len);
}

static int cmd_sha256(int argc, char **argv)
{
    struct file_args a;
    struct fs_mount m;
    int err = mount_for_path(argc, argv, "", 1, 1, &a, &m);
    if (err)
        return err;
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    err = stream_file(&m, a.path, sha_chunk, &ctx);
    if (err == 0) {
        uint8_t digest[SHA256_DIGEST_SIZE];
        char hex[SHA256_HEX_SIZE];
        sha256_final(&ctx, digest);
        kprintf("%s  %s\n", sha256_hex(digest, hex), a.path);
    }
    fs_unmount(&m);
    return err;
}
SHELL_COMMAND(sha256, "sha256", "DEV[:PART] PATH", "SHA-256 of a file, as sha256sum prints it",
              cmd_sha256);
