/*
 * tests/host/fat/nvfat.c - the partition and FAT libraries on an image file,
 * for the script-driven tests (fat_images.py and friends) and for poking at
 * images by hand. Built with the sanitizers like every host test.
 *
 *   nvfat [-b block] [-p part] [-m max_blocks] [-a align] [-s] IMAGE COMMAND [ARGS]
 *
 *   part              the partition table: one line per partition, then warnings
 *   info              fat_statfs (and mount warnings)
 *   manifest          every entry below the root, sorted by path (each file
 *                     read whole and again in uneven pieces, which must agree):
 *                       <type>\t<size>\t<sha256>\t<lfn>\t<short path>\t<path>
 *                     checking on the way that each path, its ASCII case swapped
 *                     and its short-name form all look up the same entry (for
 *                     every entry among a directory's first 256, a sample after)
 *   ls PATH           one directory: attributes, size, dates, short and long name
 *   cat PATH          the file's bytes to stdout, in one fat_read per 64 MiB
 *   free              fat_count_free
 *   sha256 FILE, crc32 FILE   a host file through lib/sha256 and lib/crc32
 *   fold              "cp fold(cp)" for U+0000..U+04FF (lib/utf)
 *   cp850             "byte code point" for 0x80..0xFF
 *
 * Failures print "error: <ERRNO>: <fat_last_error or part_last_error>" and
 * exit with 1; -s prints the device read count and blocks to stderr.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/crc32.h"
#include "lib/errno.h"
#include "lib/fat/fat.h"
#include "lib/part/part.h"
#include "lib/sha256.h"
#include "lib/utf.h"

struct image {
    int fd;
    uint32_t bs;
    uint64_t reads, blocks;
};

static int image_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct image *im = ctx;
    size_t want = (size_t)count * im->bs;
    ssize_t got = pread(im->fd, buf, want, (off_t)(lba * im->bs));

    im->reads++;
    im->blocks += count;
    return got == (ssize_t)want ? 0 : -EIO;
}

static struct fat_volume *vol;
static struct blkread dev;
static struct image img;
static int show_stats;

static int fail(int rc, const char *msg)
{
    printf("error: %s: %s\n", errno_name(rc), msg);
    return 1;
}

static int fat_fail_exit(int rc)
{
    return fail(rc, fat_last_error(vol));
}

static void *xmalloc(size_t n)
{
    void *p = aligned_alloc(64, (n + 63) & ~(size_t)63);
    if (!p) {
        perror("malloc");
        exit(2);
    }
    return p;
}

/* ---- part ---- */

static int cmd_part(void)
{
    struct part_table *t = xmalloc(sizeof(*t));
    char g1[PART_GUID_TEXT_SIZE], g2[PART_GUID_TEXT_SIZE];
    int rc = part_scan(&dev, t);

    if (rc) {
        rc = fail(rc, part_last_error(t));
        free(t);
        return rc;
    }
    printf("table %s", part_table_type_name(t->type));
    if (t->type == PART_TABLE_GPT)
        printf(" disk %s header %" PRIu64, part_guid_text(&t->disk_guid, g1), t->header_lba);
    if (t->type == PART_TABLE_MBR)
        printf(" id 0x%08x", t->mbr_signature);
    printf("\n");
    for (uint32_t i = 0; i < t->count; i++) {
        const struct part_entry *p = &t->parts[i];
        printf("%u\t%" PRIu64 "\t%" PRIu64 "\t", p->number, p->start_lba, p->num_blocks);
        if (t->type == PART_TABLE_GPT)
            printf("%s\t%s\t0x%" PRIx64, part_guid_text(&p->type_guid, g1),
                   part_guid_text(&p->unique_guid, g2), p->attributes);
        else
            printf("%02x", p->mbr_type);
        printf("\t%s%s%s%s\t%s\t%s\n", (p->flags & PART_F_BOOTABLE) ? "boot," : "",
               (p->flags & PART_F_EXTENDED) ? "ext," : "", (p->flags & PART_F_LOGICAL) ? "log," : "",
               (p->flags & PART_F_OVERLAP) ? "overlap," : "", p->type_name, p->name);
    }
    for (uint32_t i = 0; i < t->warning_count && i < PART_WARN_MAX; i++)
        printf("warning: %s\n", t->warnings[i]);
    free(t);
    return 0;
}

/* ---- info ---- */

static int cmd_info(void)
{
    struct fat_statfs st;
    int rc = fat_statfs(vol, &st);

    if (rc)
        return fat_fail_exit(rc);
    printf("type %s\nbytes_per_sector %u\nsectors_per_cluster %u\ncluster_size %u\n"
           "clusters %u\ntotal_sectors %" PRIu64 "\nfats %u\nactive_fat %u\n",
           fat_type_name(st.type), st.bytes_per_sector, st.sectors_per_cluster, st.cluster_size,
           st.cluster_count, st.total_sectors, st.num_fats, st.active_fat);
    if (st.free_clusters == FAT_FREE_UNKNOWN)
        printf("free unknown\n");
    else
        printf("free %u\n", st.free_clusters);
    printf("volume_id %08X\nlabel %s\noem %s\n", st.volume_id, st.label, st.oem_name);
    if (fat_mount_warnings(vol)[0])
        printf("warning: %s\n", fat_mount_warnings(vol));
    return 0;
}

static int cmd_free(void)
{
    uint32_t n;
    int rc = fat_count_free(vol, &n);

    if (rc)
        return fat_fail_exit(rc);
    printf("free %u\n", n);
    return 0;
}

/* ---- reading files ---- */

/*
 * Files are read in windows of WINDOW bytes (the whole file when it is
 * smaller), each with one fat_read, so memory stays bounded whatever the size
 * (a 4 GiB - 1 file once wrapped "size + 1" to a 0-byte buffer) and -s still
 * counts what a plain read of a file up to WINDOW costs.
 */
#define WINDOW (64u << 20)

typedef int (*window_fn)(void *ctx, const uint8_t *data, size_t n, uint64_t pos);

/* Calls fn for each window of f in order; 0 or -errno. */
static int for_each_window(struct fat_file *f, window_fn fn, void *ctx)
{
    size_t cap = f->size < WINDOW ? (size_t)f->size : WINDOW;
    uint8_t *buf = xmalloc(cap + 1);
    uint64_t pos = 0;
    int rc = 0;

    while (pos < f->size && !rc) {
        size_t want = f->size - pos < cap ? (size_t)(f->size - pos) : cap;
        int64_t n = fat_read(f, pos, buf, want);
        if (n < 0) {
            rc = (int)n;
        } else if ((uint64_t)n != want) {
            fprintf(stderr, "short read: %" PRId64 " of %zu at %" PRIu64 "\n", n, want, pos);
            rc = -EIO;
        } else {
            rc = fn(ctx, buf, want, pos);
            pos += want;
        }
    }
    free(buf);
    return rc;
}

struct digest_ctx {
    struct fat_file *f;
    struct sha256_ctx sha;
    uint8_t *again;
};

/* Hashes a window, checking that reading it again in uneven pieces, from an
 * odd offset on, gives the same bytes: only for small files and a sample of
 * big ones (the sanitizers make byte-sized reads slow). */
static int digest_window(void *ctx, const uint8_t *data, size_t n, uint64_t pos)
{
    static const size_t pieces[] = { 1, 7, 512, 513, 4095, 65536, 300001 };
    struct digest_ctx *d = ctx;

    sha256_update(&d->sha, data, n);
    for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
        size_t piece = pieces[k], at = 0;
        if (d->f->size / piece > 4096)
            continue;
        memset(d->again, 0xA5, n);
        while (at < n) {
            size_t take = n - at < piece ? n - at : piece;
            int64_t got = fat_read(d->f, pos + at, d->again + at, take);
            if (got <= 0)
                return got < 0 ? (int)got : -EIO;
            at += (size_t)got;
        }
        if (memcmp(data, d->again, n) != 0) {
            fprintf(stderr, "piecewise read (%zu) differs\n", piece);
            return -EIO;
        }
    }
    return 0;
}

/* The SHA-256 of f, read whole and checked piecewise (see above). */
static int digest_file(struct fat_file *f, uint8_t digest[SHA256_DIGEST_SIZE])
{
    struct digest_ctx d = { .f = f };
    uint8_t probe;
    int rc;

    d.again = xmalloc((f->size < WINDOW ? (size_t)f->size : WINDOW) + 1);
    sha256_init(&d.sha);
    rc = for_each_window(f, digest_window, &d);
    free(d.again);
    if (rc)
        return rc;
    if (fat_read(f, f->size, &probe, 1) != 0 || fat_read(f, (uint64_t)f->size + 100, &probe, 1) != 0)
        return -EIO;
    sha256_final(&d.sha, digest);
    return 0;
}

static int write_window(void *ctx, const uint8_t *data, size_t n, uint64_t pos)
{
    (void)ctx;
    (void)pos;
    return fwrite(data, 1, n, stdout) == n ? 0 : -EIO;
}

/* The file's bytes to stdout. */
static int cmd_cat(const char *path)
{
    struct fat_file f;
    int rc = fat_open(vol, &f, path);

    if (!rc)
        rc = for_each_window(&f, write_window, NULL);
    return rc ? fat_fail_exit(rc) : 0;
}

/* ---- ls ---- */

static void print_time(const struct fat_time *t)
{
    printf("%04u-%02u-%02u %02u:%02u:%02u", t->year, t->month, t->day, t->hour, t->minute,
           t->second);
}

static int cmd_ls(const char *path)
{
    struct fat_dir *d = xmalloc(sizeof(*d));
    struct fat_dirent *e = xmalloc(sizeof(*e));
    int rc = fat_opendir(vol, d, path);

    while (rc == 0 && (rc = fat_readdir(d, e)) == 1) {
        printf("%c%c%c%c%c%c\t%u\t", e->is_dir ? 'd' : '-', (e->attr & FAT_ATTR_READ_ONLY) ? 'r' : '-',
               (e->attr & FAT_ATTR_HIDDEN) ? 'h' : '-', (e->attr & FAT_ATTR_SYSTEM) ? 's' : '-',
               (e->attr & FAT_ATTR_ARCHIVE) ? 'a' : '-', e->has_long_name ? 'L' : '-', e->size);
        print_time(&e->modified);
        printf("\t");
        print_time(&e->created);
        printf(".%02u\t%u\t%s\t%s\n", e->created.centisecond, e->first_cluster, e->short_name,
               e->name);
        rc = 0;
    }
    free(d);
    free(e);
    return rc < 0 ? fat_fail_exit(rc) : 0;
}

/* ---- manifest ---- */

struct line {
    char *path;
    char *text;
};

static struct line *lines;
static size_t nlines, cap;

static void add_line(const char *path, char *text)
{
    if (nlines == cap) {
        cap = cap ? cap * 2 : 256;
        lines = realloc(lines, cap * sizeof(*lines));
    }
    lines[nlines].path = strdup(path);
    lines[nlines].text = text;
    nlines++;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct line *)a)->path, ((const struct line *)b)->path);
}

static void swap_ascii_case(char *s)
{
    for (; *s; s++) {
        if (*s >= 'a' && *s <= 'z')
            *s -= 32;
        else if (*s >= 'A' && *s <= 'Z')
            *s += 32;
    }
}

/* Each spelling of the path must find the same directory entry. */
static int check_lookups(const char *path, const char *short_path, const struct fat_dirent *e)
{
    struct fat_dirent *x = xmalloc(sizeof(*x));
    char *swapped = strdup(path);
    const char *tries[3] = { path, swapped, short_path };
    int rc = 0;

    swap_ascii_case(swapped);
    for (int i = 0; i < 3 && !rc; i++) {
        rc = fat_lookup(vol, tries[i], x);
        if (!rc && (x->dir_index != e->dir_index || x->first_cluster != e->first_cluster ||
                    strcmp(x->name, e->name) != 0)) {
            fprintf(stderr, "lookup of %s found %s\n", tries[i], x->name);
            rc = -EIO;
        }
    }
    free(x);
    free(swapped);
    return rc;
}

static int walk(const struct fat_dirent *dir_entry, const char *path, const char *short_path,
                int depth)
{
    struct fat_dir *d = xmalloc(sizeof(*d));
    struct fat_dirent *e = xmalloc(sizeof(*e));
    int rc;

    if (depth > 64) {
        fprintf(stderr, "too deep at %s\n", path);
        rc = -ELOOP;
        goto out;
    }
    rc = fat_opendir_entry(vol, d, dir_entry, path);
    while (rc == 0 && (rc = fat_readdir(d, e)) == 1) {
        /* A short name is up to 34 bytes of UTF-8 (11 CP850 characters). */
        size_t plen = strlen(path) + strlen(e->name) + 2;
        size_t slen = strlen(short_path) + strlen(e->short_name) + 2;
        char *child = malloc(plen), *short_child = malloc(slen);
        char *text;

        rc = 0;
        if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0) {
            free(child);
            free(short_child);
            continue;
        }
        snprintf(child, plen, "%s%s%s", path, strcmp(path, "/") ? "/" : "", e->name);
        snprintf(short_child, slen, "%s%s%s", short_path, strcmp(short_path, "/") ? "/" : "",
                 e->short_name);
        /* Lookups are linear, so in big directories only a sample. */
        if (e->dir_index < 256 || e->dir_index % 61 == 0)
            rc = check_lookups(child, short_child, e);
        if (!rc && e->is_dir) {
            if (asprintf(&text, "dir\t-\t-\t%c\t%s\t%s", e->has_long_name ? 'L' : '-', short_child,
                         child) < 0)
                abort();
            add_line(child, text);
            rc = walk(e, child, short_child, depth + 1);
        } else if (!rc) {
            struct fat_file f;
            uint8_t digest[SHA256_DIGEST_SIZE];
            char hex[SHA256_HEX_SIZE];
            rc = fat_open_entry(vol, &f, e, child);
            if (!rc)
                rc = digest_file(&f, digest);
            if (!rc) {
                if (asprintf(&text, "file\t%u\t%s\t%c\t%s\t%s", e->size, sha256_hex(digest, hex),
                             e->has_long_name ? 'L' : '-', short_child, child) < 0)
                    abort();
                add_line(child, text);
            }
        }
        free(child);
        free(short_child);
    }
out:
    free(d);
    free(e);
    return rc;
}

static int cmd_manifest(void)
{
    struct fat_dirent *root = xmalloc(sizeof(*root));
    int rc = fat_lookup(vol, "/", root);

    if (!rc)
        rc = walk(root, "/", "/", 0);
    free(root);
    if (rc < 0)
        return fat_fail_exit(rc);
    if (nlines) /* an empty volume has no array: qsort's pointer must not be NULL */
        qsort(lines, nlines, sizeof(*lines), by_path);
    for (size_t i = 0; i < nlines; i++) {
        printf("%s\n", lines[i].text);
        free(lines[i].path);
        free(lines[i].text);
    }
    free(lines);
    return 0;
}

/* ---- host-side helpers ---- */

static int cmd_hash(const char *what, const char *file)
{
    FILE *fp = fopen(file, "rb");
    static uint8_t buf[65536];
    struct sha256_ctx ctx;
    uint32_t crc = 0;
    size_t n, piece = 1;

    if (!fp) {
        perror(file);
        return 2;
    }
    sha256_init(&ctx);
    /* Uneven pieces exercise the streaming paths. */
    while ((n = fread(buf, 1, piece, fp)) > 0) {
        sha256_update(&ctx, buf, n);
        crc = crc32_ieee(crc, buf, n);
        piece = piece * 3 % sizeof(buf) + 1;
    }
    fclose(fp);
    if (strcmp(what, "crc32") == 0) {
        printf("%08x\n", crc);
    } else {
        uint8_t d[SHA256_DIGEST_SIZE];
        char hex[SHA256_HEX_SIZE];
        sha256_final(&ctx, d);
        printf("%s\n", sha256_hex(d, hex));
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: nvfat [-b block] [-p part] [-m max_blocks] [-a align] [-s] IMAGE "
                    "part|info|manifest|ls PATH|cat PATH|free\n"
                    "       nvfat sha256|crc32 FILE | fold | cp850\n");
    return 2;
}

int main(int argc, char **argv)
{
    uint32_t bs = 512, max_blocks = 0, align = 0;
    int part = 0, opt, rc;
    struct blkread_window win;
    struct stat sb;

    while ((opt = getopt(argc, argv, "b:p:m:a:s")) != -1) {
        switch (opt) {
        case 'b': bs = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 'p': part = atoi(optarg); break;
        case 'm': max_blocks = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 'a': align = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 's': show_stats = 1; break;
        default: return usage();
        }
    }
    argc -= optind;
    argv += optind;
    if (argc == 1 && strcmp(argv[0], "fold") == 0) {
        for (uint32_t c = 0; c < 0x500; c++)
            printf("%x %x\n", c, utf_fold(c));
        return 0;
    }
    if (argc == 1 && strcmp(argv[0], "cp850") == 0) {
        for (uint32_t b = 0x80; b < 0x100; b++)
            printf("%x %x\n", b, cp850_to_unicode((uint8_t)b));
        return 0;
    }
    if (argc == 2 && (strcmp(argv[0], "sha256") == 0 || strcmp(argv[0], "crc32") == 0))
        return cmd_hash(argv[0], argv[1]);
    if (argc < 2)
        return usage();

    img.fd = open(argv[0], O_RDONLY);
    if (img.fd < 0 || fstat(img.fd, &sb) < 0) {
        perror(argv[0]);
        return 2;
    }
    img.bs = bs;
    dev = (struct blkread){ bs, (uint64_t)sb.st_size / bs, max_blocks, image_read, &img, align };
    const char *cmd = argv[1];
    if (strcmp(cmd, "part") == 0) {
        rc = cmd_part();
        goto done;
    }
    if (part) {
        struct part_table *t = xmalloc(sizeof(*t));
        const struct part_entry *p = NULL;
        rc = part_scan(&dev, t);
        if (rc) {
            rc = fail(rc, part_last_error(t));
            free(t);
            goto done;
        }
        for (uint32_t i = 0; i < t->count; i++)
            if (t->parts[i].number == (uint32_t)part)
                p = &t->parts[i];
        if (!p || blkread_window_init(&win, &dev, p->start_lba, p->num_blocks)) {
            free(t);
            rc = fail(-ENOENT, "no such partition");
            goto done;
        }
        free(t);
    }
    vol = xmalloc(sizeof(*vol));
    rc = fat_mount(vol, part ? &win.dev : &dev);
    if (rc) {
        rc = fat_fail_exit(rc);
    } else if (strcmp(cmd, "info") == 0) {
        rc = cmd_info();
    } else if (strcmp(cmd, "free") == 0) {
        rc = cmd_free();
    } else if (strcmp(cmd, "manifest") == 0) {
        rc = cmd_manifest();
    } else if (strcmp(cmd, "ls") == 0 && argc == 3) {
        rc = cmd_ls(argv[2]);
    } else if (strcmp(cmd, "cat") == 0 && argc == 3) {
        rc = cmd_cat(argv[2]);
    } else {
        rc = usage();
    }
    free(vol);
done:
    if (show_stats)
        fprintf(stderr, "reads %" PRIu64 " blocks %" PRIu64 "\n", img.reads, img.blocks);
    close(img.fd);
    return rc;
}
