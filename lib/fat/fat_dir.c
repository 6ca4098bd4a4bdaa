/*
 * lib/fat/fat_dir.c - directories: iteration, short and long names, path
 * lookup, the volume label.
 *
 * fatgen103 "FAT Directory Structure": 32-byte entries; DIR_Name[0] 0x00
 * ends the directory, 0xE5 marks a free entry, 0x05 stands for a name that
 * really starts with 0xE5. The FAT12/16 root is a fixed area after the FATs;
 * every other directory, the FAT32 root included, is a cluster chain.
 *
 * fatgen103 "FAT Long Directory Entries": a long name is stored as a run of
 * entries just before its short entry, last part first: the first stored
 * entry has LAST_LONG_ENTRY (0x40) in its ordinal, ordinals count down to 1,
 * every entry carries the checksum of the short name, and LDIR_Type and
 * LDIR_FstClusLO are 0. We accept a run only if all of that holds (the
 * forward state machine of FatFs and Linux); anything else, including an
 * entry out of sequence or a checksum that does not match the short name,
 * drops the run and the short name is used, with the case flags Windows NT
 * keeps in DIR_NTRes.
 */
#include <string.h>

#include "lib/errno.h"
#include "lib/fat/fat_internal.h"
#include "lib/le.h"
#include "lib/utf.h"

void fat_oem_text(const uint8_t *bytes, size_t n, char *out, size_t size)
{
    size_t len = 0;

    while (n && bytes[n - 1] == ' ')
        n--;
    for (size_t i = 0; i < n; i++) {
        char enc[UTF8_MAX_BYTES];
        size_t k = utf8_encode(cp850_to_unicode(bytes[i]), enc);
        if (len + k >= size)
            break;
        memcpy(out + len, enc, k);
        len += k;
    }
    out[len] = '\0';
}

/* fatgen103 "FAT Long Directory Entries", ChkSum(): rotate right, add. */
static uint8_t short_name_checksum(const uint8_t *name)
{
    uint8_t sum = 0;

    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name[i]);
    return sum;
}

/* The character code page 850 byte b stands for, lower-cased when it has a
 * lower-case form in code page 850 too: Ï (0xD8) gives ï (0x8B), while µ
 * and ß, already lower case, stay (utf_fold would turn µ into Greek mu). */
static uint32_t cp850_lower(uint8_t b)
{
    uint32_t cp = cp850_to_unicode(b), low = utf_fold(cp);

    if (low == cp)
        return cp;
    if (low < 0x80)
        return low;
    for (unsigned k = 0x80; k < 0x100; k++)
        if (cp850_to_unicode((uint8_t)k) == low)
            return low;
    return cp;
}

/* "BASE.EXT" from the 11 stored bytes; with nt_case, the base and the
 * extension lower-cased as DIR_NTRes says. Windows NT (RtlDowncaseUnicode
 * on the OEM-decoded name), Linux (shortname=mixed: the code page's
 * charset2lower) and mtools all lower-case every letter, not only A-Z. */
static void short_name_text(const uint8_t *raw, uint8_t ntres, bool nt_case, char *out,
                            size_t size)
{
    size_t n = 0, base = 8, ext = 3, len = 0;
    uint32_t name[12];

    while (base && raw[base - 1] == ' ')
        base--;
    while (ext && raw[8 + ext - 1] == ' ')
        ext--;
    for (size_t i = 0; i < base; i++) {
        uint8_t c = (i == 0 && raw[0] == DIR_NAME_KANJI_E5) ? 0xE5 : raw[i];
        name[n++] = nt_case && (ntres & DIR_NTRES_LOWER_BASE) ? cp850_lower(c)
                                                               : cp850_to_unicode(c);
    }
    if (ext) {
        name[n++] = '.';
        for (size_t i = 0; i < ext; i++) {
            uint8_t c = raw[8 + i];
            name[n++] = nt_case && (ntres & DIR_NTRES_LOWER_EXT) ? cp850_lower(c)
                                                                  : cp850_to_unicode(c);
        }
    }
    for (size_t i = 0; i < n; i++) {
        char enc[UTF8_MAX_BYTES];
        size_t k = utf8_encode(name[i], enc);
        if (len + k >= size)
            break;
        memcpy(out + len, enc, k);
        len += k;
    }
    out[len] = '\0';
}

/* fatgen103 "Date and Time Formats". */
static void decode_time(uint16_t date, uint16_t time, uint8_t tenth, struct fat_time *t)
{
    memset(t, 0, sizeof(*t));
    if (date == 0)
        return;
    t->year = (uint16_t)(1980 + (date >> 9));
    t->month = (date >> 5) & 15;
    t->day = date & 31;
    t->hour = (uint8_t)(time >> 11);
    t->minute = (time >> 5) & 63;
    t->second = (uint8_t)((time & 31) * 2 + tenth / 100);
    t->centisecond = tenth % 100;
}

static void lfn_reset(struct fat_dir *d)
{
    d->lfn_entries = 0;
    d->lfn_next_ord = 0;
}

static void lfn_add(struct fat_dir *d, const uint8_t *p)
{
    static const uint8_t unit_offsets[LDIR_UNITS] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
    uint8_t ord = p[LDIR_ORD], n = ord & LDIR_ORD_MASK;
    bool sound = (ord & 0x80) == 0 && n >= 1 && n <= LDIR_MAX_ORD && p[LDIR_TYPE] == 0 &&
                 le16_get(p + LDIR_FSTCLUSLO) == 0;

    if (sound && (ord & LDIR_LAST_LONG_ENTRY)) {
        /* Starts a run, dropping any unfinished one (an orphan). */
        d->lfn_entries = n;
        d->lfn_checksum = p[LDIR_CHKSUM];
    } else if (!sound || d->lfn_entries == 0 || n != d->lfn_next_ord ||
               p[LDIR_CHKSUM] != d->lfn_checksum) {
        lfn_reset(d);
        return;
    }
    for (int i = 0; i < LDIR_UNITS; i++)
        d->lfn[(n - 1) * LDIR_UNITS + i] = le16_get(p + unit_offsets[i]);
    d->lfn_next_ord = n - 1;
}

/* The long name of a complete run that belongs to this short entry. */
static bool lfn_take(struct fat_dir *d, const uint8_t *sfn, char *out, size_t size)
{
    size_t units = (size_t)d->lfn_entries * LDIR_UNITS, len = 0;

    if (d->lfn_entries == 0 || d->lfn_next_ord != 0 ||
        short_name_checksum(sfn) != d->lfn_checksum)
        return false;
    while (len < units && d->lfn[len] != 0)
        len++;
    if (len == 0 || len > FAT_LFN_MAX_UNITS)
        return false;
    return utf16_to_utf8(d->lfn, len, out, size) > 0;
}

static bool is_dotdot(const uint8_t *raw)
{
    return memcmp(raw, "..         ", 11) == 0;
}

static void decode_entry(struct fat_dir *d, const uint8_t *p, uint32_t index, struct fat_dirent *e)
{
    struct fat_volume *v = d->vol;
    uint32_t cluster = le16_get(p + DIR_FSTCLUSLO);

    if (v->type == FAT_TYPE_32)
        cluster |= (uint32_t)le16_get(p + DIR_FSTCLUSHI) << 16;
    e->attr = p[DIR_ATTR];
    e->is_dir = (e->attr & ATTR_DIRECTORY) != 0;
    e->size = e->is_dir ? 0 : le32_get(p + DIR_FILESIZE);
    e->dir_index = index;
    /* fatgen103: ".." holds 0 when the parent is the root, even on FAT32. */
    if (e->is_dir && cluster == 0 && is_dotdot(p))
        cluster = v->root_cluster;
    e->first_cluster = cluster;
    decode_time(le16_get(p + DIR_CRTDATE), le16_get(p + DIR_CRTTIME), p[DIR_CRTTIMETENTH],
                &e->created);
    decode_time(le16_get(p + DIR_WRTDATE), le16_get(p + DIR_WRTTIME), 0, &e->modified);
    decode_time(le16_get(p + DIR_LSTACCDATE), 0, 0, &e->accessed);
    short_name_text(p, 0, false, e->short_name, sizeof(e->short_name));
    e->has_long_name = lfn_take(d, p, e->name, sizeof(e->name));
    if (!e->has_long_name)
        short_name_text(p, p[DIR_NTRES], true, e->name, sizeof(e->name));
}

/* Points *ent at entry d->index; the pointer lasts until the next cache use. */
static int dir_entry(struct fat_dir *d, const uint8_t **ent)
{
    struct fat_volume *v = d->vol;
    uint64_t byte = (uint64_t)d->index * DIR_ENTRY_SIZE, lba;
    const uint8_t *blk;
    int rc;

    if (d->first_cluster == 0) {
        lba = v->root_lba + (byte >> v->block_shift);
    } else {
        uint32_t want = (uint32_t)(byte >> v->cluster_shift);
        while (d->cluster_index < want) {
            uint32_t next;
            rc = fat_entry_get(v, d->cluster, &next);
            if (rc)
                return rc;
            if (!fat_is_link(v, next)) /* checked when opened; only a bug gets here */
                return fat_fail(v, -EUCLEAN, "cluster chain of %s breaks at cluster %u",
                                d->path, d->cluster);
            d->cluster = next;
            d->cluster_index++;
        }
        lba = fat_cluster_lba(v, d->cluster) + ((byte & (v->cluster_size - 1)) >> v->block_shift);
    }
    rc = fat_cache_get(v, lba, &blk);
    if (rc)
        return rc;
    *ent = blk + (byte & (v->dev.block_size - 1));
    return 0;
}

/* Opens the directory whose chain starts at first (0: FAT12/16 root area). */
static int dir_init(struct fat_volume *v, struct fat_dir *d, uint32_t first, const char *path,
                    size_t path_len)
{
    uint32_t clusters, unused;
    int rc;

    memset(d, 0, sizeof(*d));
    d->vol = v;
    fat_show_path(d->path, path, path_len);
    d->first_cluster = first;
    if (first == 0) {
        d->max_entries = v->root_entries;
        return 0;
    }
    /* FAT_MAX_DIR_ENTRIES x 32 bytes is 2 MiB: a whole number of clusters. */
    uint32_t limit = (uint32_t)(((uint64_t)FAT_MAX_DIR_ENTRIES * DIR_ENTRY_SIZE) >> v->cluster_shift);
    if (limit == 0)
        limit = 1;
    if (limit > v->cluster_count)
        limit = v->cluster_count;
    rc = fat_chain_check(v, d->path, first, 0, limit, &clusters, NULL, 0, &unused);
    if (rc)
        return rc;
    d->max_entries = clusters * (v->cluster_size / DIR_ENTRY_SIZE); /* <= FAT_MAX_DIR_ENTRIES */
    d->cluster = first;
    return 0;
}

static bool is_root(const struct fat_volume *v, const struct fat_dirent *e)
{
    if (!e->is_dir || e->first_cluster != v->root_cluster)
        return false;
    return v->type == FAT_TYPE_32 || strcmp(e->name, "/") == 0 || strcmp(e->short_name, "..") == 0;
}

static int opendir_entry(struct fat_volume *v, struct fat_dir *d, const struct fat_dirent *e,
                         const char *path, size_t path_len)
{
    char show[FAT_SHOW_MAX];

    fat_show_path(show, path, path_len);
    if (!e->is_dir)
        return fat_fail(v, -ENOTDIR, "%s is not a directory", show);
    if (is_root(v, e))
        return dir_init(v, d, v->root_cluster, path, path_len);
    if (e->first_cluster == 0)
        return fat_fail(v, -EUCLEAN, "directory entry of %s has no first cluster", show);
    return dir_init(v, d, e->first_cluster, path, path_len);
}

int fat_opendir_entry(struct fat_volume *v, struct fat_dir *d, const struct fat_dirent *e,
                      const char *path)
{
    return opendir_entry(v, d, e, path, strlen(path));
}

int fat_readdir(struct fat_dir *d, struct fat_dirent *e)
{
    while (!d->at_end && d->index < d->max_entries) {
        const uint8_t *p;
        uint32_t index = d->index;
        int rc = dir_entry(d, &p);
        if (rc)
            return rc;
        d->index++;
        if (p[0] == DIR_NAME_END)
            break;
        if (p[0] == DIR_NAME_FREE) {
            lfn_reset(d);
        } else if ((p[DIR_ATTR] & ATTR_LONG_NAME_MASK) == ATTR_LONG_NAME) {
            lfn_add(d, p);
        } else if (p[DIR_ATTR] & ATTR_VOLUME_ID) {
            lfn_reset(d); /* the volume label, or garbage claiming to be one */
        } else {
            decode_entry(d, p, index, e);
            lfn_reset(d);
            return 1;
        }
    }
    d->at_end = true;
    return 0;
}

int fat_root_label(struct fat_volume *v, char *out, size_t size)
{
    struct fat_dir *d = &v->scratch;
    int rc = dir_init(v, d, v->root_cluster, "/", 1);

    out[0] = '\0';
    while (rc == 0 && d->index < d->max_entries) {
        const uint8_t *p;
        rc = dir_entry(d, &p);
        if (rc)
            break;
        d->index++;
        if (p[0] == DIR_NAME_END)
            break;
        if (p[0] != DIR_NAME_FREE && (p[DIR_ATTR] & ATTR_LONG_NAME_MASK) != ATTR_LONG_NAME &&
            (p[DIR_ATTR] & (ATTR_VOLUME_ID | ATTR_DIRECTORY)) == ATTR_VOLUME_ID) {
            fat_oem_text(p, 11, out, size);
            break;
        }
    }
    return rc;
}

static void root_dirent(const struct fat_volume *v, struct fat_dirent *e)
{
    memset(e, 0, sizeof(*e));
    e->name[0] = '/';
    e->is_dir = true;
    e->attr = FAT_ATTR_DIRECTORY;
    e->first_cluster = v->root_cluster;
}

static bool name_is(const char *name, size_t name_len, const char *s)
{
    return strlen(s) == name_len && memcmp(name, s, name_len) == 0;
}

/*
 * The entry of the open directory v->scratch called name: the first whose
 * long or short name is name exactly, else the first equal to it without
 * regard to case. 1 with *out filled, 0 if none, or -errno. An exact match
 * ends the search; a caseless one reads on to the end of the directory.
 */
static int find_in_dir(struct fat_volume *v, const char *name, size_t name_len,
                       struct fat_dirent *out)
{
    bool caseless = false;
    int rc;

    while ((rc = fat_readdir(&v->scratch, out)) == 1) {
        if (name_is(name, name_len, out->name) || name_is(name, name_len, out->short_name))
            return 1;
        if (!caseless && (utf8_equal_fold(name, name_len, out->name, strlen(out->name)) ||
                          utf8_equal_fold(name, name_len, out->short_name,
                                          strlen(out->short_name)))) {
            v->caseless = *out;
            caseless = true;
        }
    }
    if (rc < 0)
        return rc;
    if (caseless)
        *out = v->caseless;
    return caseless;
}

int fat_lookup(struct fat_volume *v, const char *path, struct fat_dirent *out)
{
    size_t len = strlen(path);
    const char *p = path;
    char show[FAT_SHOW_MAX];
    int rc;

    root_dirent(v, out);
    for (;;) {
        const char *name;
        size_t name_len;

        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        name = p;
        while (*p && *p != '/')
            p++;
        name_len = (size_t)(p - name);
        if (name_len == 1 && name[0] == '.')
            continue;
        if (!out->is_dir) {
            fat_show_path(show, path, (size_t)(name - path) - 1);
            return fat_fail(v, -ENOTDIR, "%s is not a directory", show);
        }
        if (name_len >= FAT_NAME_MAX) {
            fat_show_path(show, path, (size_t)(p - path));
            return fat_fail(v, -ENAMETOOLONG, "name too long in %s", show);
        }
        if (name_len == 2 && name[0] == '.' && name[1] == '.' && is_root(v, out))
            continue; /* "/.." is "/" */
        size_t dir_len = (size_t)(name - path);
        while (dir_len && path[dir_len - 1] == '/')
            dir_len--;
        rc = opendir_entry(v, &v->scratch, out, path, dir_len);
        if (rc)
            return rc;
        rc = find_in_dir(v, name, name_len, out);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            fat_show_path(show, path, (size_t)(p - path));
            return fat_fail(v, -ENOENT, "no such file or directory: %s", show);
        }
    }
    if (len && path[len - 1] == '/' && !out->is_dir) {
        fat_show_path(show, path, len - 1);
        return fat_fail(v, -ENOTDIR, "%s is not a directory", show);
    }
    return 0;
}

int fat_opendir(struct fat_volume *v, struct fat_dir *d, const char *path)
{
    int rc = fat_lookup(v, path, &v->lookup);

    if (rc)
        return rc;
    return opendir_entry(v, d, &v->lookup, path, strlen(path));
}
