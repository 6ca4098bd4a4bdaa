/*
 * drivers/nvme/nvme_shell.c - the "nvme" shell command, spelled like
 * nvme-cli 2.x so that its users' commands and scripts work unchanged:
 *
 *   nvme list [-v] [-o json]                   one line per namespace (-v: three tables)
 *   nvme id-ctrl DEV [-o json] [-H] [-v]       Identify Controller
 *   nvme id-ns DEV [-n NSID] [-o json] [-H] [-v]  Identify Namespace
 *   nvme smart-log DEV [-n NSID] [-o json] [-H]   SMART / Health Information (log 02h)
 *   nvme error-log DEV [-e N] [-o json]        Error Information (log 01h)
 *   nvme get-feature DEV [-f FID] [-n NSID] [-s SEL] [-c CDW11] [-l LEN] [-H]
 *   nvme reset DEV | queues DEV | timeout DEV admin|io MS | trace on|off
 *   nvme rawloop NS [QD] [MS]                  the emulator's floor (nvme_rawloop.c)
 *   nvme fault CTRL [off | plan="..." [seed=N]]  a seeded fault schedule (nvme_fault.h)
 *   nvme attach-ns DEV -n NSID [-c CNTLID]     Namespace Attachment (15h), attach
 *   nvme detach-ns DEV -n NSID [-c CNTLID]     ... detach (one controller ID)
 *   nvme doctor [CTRL]                         real-hardware checks (nvme_doctor.c)
 *
 * DEV is nvos's name (nvme0, nvme0n1) or nvme-cli's (/dev/nvme0, /dev/nvme0n1,
 * /dev/ng0n1: the generic character device is the same namespace). Options
 * take nvme-cli's short and long forms (-f 7, -f7, --feature-id=7,
 * --feature-id 7) before or after DEV. The output is nvme_print*.c's.
 */
#include <string.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_capture.h"
#include "drivers/nvme/nvme_doctor.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_print.h"
#include "drivers/nvme/nvme_status.h"
#include "drivers/pci/pci.h"
#include "kernel/kernel.h"
#include "kernel/shell/shell.h"
#include "lib/errno.h"
#include "lib/json.h"
#include "lib/parse.h"

/* ---- nvme-cli's options ---- */

struct opts {
    const char *dev;       /* the one positional argument */
    bool json;             /* -o json */
    unsigned flags;        /* NVME_PRINT_HUMAN, NVME_PRINT_VS */
    bool verbose;          /* list -v */
    bool has_fid, has_nsid, has_entries, has_cdw11;
    uint32_t fid, nsid, sel, cdw11, entries, data_len;
};

struct opt_def {
    char letter;
    const char *name;
    bool value;
};

static const struct opt_def opt_defs[] = {
    { 'o', "output-format", true }, { 'H', "human-readable", false },
    { 'v', "verbose", false },      { 'v', "vendor-specific", false },
    { 'f', "feature-id", true },    { 'n', "namespace-id", true },
    { 's', "sel", true },           { 'c', "cdw11", true },
    { 'e', "log-entries", true },   { 'l', "data-len", true },
    { 'c', "controllers", true },
};

static int set_opt(const char *sub, struct opts *o, char letter, const char *v)
{
    uint32_t n = 0;
    if (letter != 'o' && v != NULL && parse_u32(v, &n) != 0)
        return shell_error(-EINVAL, "nvme %s: bad number '%s' for -%c", sub, v, letter);
    switch (letter) {
    case 'o':
        if (strcmp(v, "json") == 0)
            o->json = true;
        else if (strcmp(v, "normal") == 0)
            o->json = false;
        else
            return shell_error(-EINVAL, "nvme %s: output format '%s' is not normal|json "
                               "(binary is not written to a console)", sub, v);
        return 0;
    case 'H': o->flags |= NVME_PRINT_HUMAN; return 0;
    case 'v': o->verbose = true; o->flags |= NVME_PRINT_VS; return 0;
    case 'f':
        if (n > 0xff)
            return shell_error(-EINVAL, "nvme %s: feature id %#x is not 0..0xff", sub, n);
        o->fid = n;
        o->has_fid = true;
        return 0;
    case 'n': o->nsid = n; o->has_nsid = true; return 0;
    case 's':
        if (n > 8 || (n > 3 && n != 8))
            return shell_error(-EINVAL, "nvme %s: invalid 'select' param:%u", sub, n);
        o->sel = n;
        return 0;
    case 'c': o->cdw11 = n; o->has_cdw11 = true; return 0;
    case 'e':
        if (n == 0)
            return shell_error(-EINVAL, "nvme %s: non-zero log-entries is required param", sub);
        o->entries = n;
        o->has_entries = true;
        return 0;
    case 'l': o->data_len = n; return 0;
    }
    return -EINVAL;
}

/* Parses argv[2..] against the letters in allowed; at most one positional. */
static int parse_opts(int argc, char **argv, const char *allowed, struct opts *o)
{
    const char *sub = argv[1];
    memset(o, 0, sizeof(*o));
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const struct opt_def *d = NULL;
        const char *v = NULL;
        if (a[0] != '-' || a[1] == '\0') {
            if (o->dev != NULL)
                return shell_error(-EINVAL, "nvme %s: unexpected argument '%s'", sub, a);
            o->dev = a;
            continue;
        }
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            for (unsigned k = 0; k < ARRAY_SIZE(opt_defs); k++)
                if (strlen(opt_defs[k].name) == len && strncmp(opt_defs[k].name, a + 2, len) == 0)
                    d = &opt_defs[k];
            v = eq ? eq + 1 : NULL;
        } else {
            for (unsigned k = 0; k < ARRAY_SIZE(opt_defs); k++)
                if (opt_defs[k].letter == a[1])
                    d = &opt_defs[k];
            v = a[2] ? a + 2 : NULL;
        }
        if (d == NULL || strchr(allowed, d->letter) == NULL)
            return shell_error(-EINVAL, "nvme %s: unrecognized option '%s'", sub, a);
        if (d->value && v == NULL) {
            if (i + 1 >= argc)
                return shell_error(-EINVAL, "nvme %s: option '%s' requires an argument", sub, a);
            v = argv[++i];
        } else if (!d->value && v != NULL) {
            return shell_error(-EINVAL, "nvme %s: option '%s' takes no argument", sub, a);
        }
        int err = set_opt(sub, o, d->letter, v);
        if (err)
            return err;
    }
    return 0;
}

/* ---- devices ---- */

struct dev {
    struct nvme_ctrlr *c;
    uint32_t nsid;      /* 0: the controller itself */
    char name[24];      /* nvme-cli's dev->name: the base name as given */
};

/* nvme0, nvme0n1, /dev/nvme0, /dev/nvme0n1, ng0n1, /dev/ng0n1. */
static int dev_arg(const char *sub, const char *s, struct dev *d)
{
    if (s == NULL)
        return shell_error(-EINVAL, "nvme %s: a device is required (e.g. /dev/nvme0)", sub);
    const char *base = strncmp(s, "/dev/", 5) == 0 ? s + 5 : s;
    char canon[24];
    if (strncmp(base, "ng", 2) == 0)
        ksnprintf(canon, sizeof(canon), "nvme%s", base + 2);
    else
        ksnprintf(canon, sizeof(canon), "%s", base);
    ksnprintf(d->name, sizeof(d->name), "%s", base);
    for (struct nvme_ctrlr *c = nvme_ctrlr_first(); c; c = nvme_ctrlr_next(c)) {
        size_t n = strlen(c->name);
        if (strncmp(canon, c->name, n) != 0)
            continue;
        d->c = c;
        d->nsid = 0;
        if (canon[n] == '\0' && strncmp(base, "ng", 2) != 0)
            return 0;
        if (canon[n] == 'n' && parse_u32(canon + n + 1, &d->nsid) == 0 && d->nsid != 0 &&
            nvme_ctrlr_get_ns(c, d->nsid) != NULL)
            return 0;
    }
    return shell_error(-ENODEV, "nvme %s: no device '%s' (see 'nvme list')", sub, s);
}

/* Reports a failed admin command as the one error line, with nvme-cli's
 * "NVMe status" value (DNR, SCT and SC as in the CQE's Status Field). */
static int cmd_failed(const char *what, const struct nvme_cpl *cpl)
{
    char status[96] = "";
    if (nvme_status_is_error(cpl->cqe.status))
        nvme_status_format(cpl->cqe.status, status, sizeof(status));
    return shell_error(cpl->err, "%s: %s%s%s", what, status, status[0] ? " " : "",
                       errno_name(cpl->err));
}

static uint8_t *dma_buffer(size_t size)
{
    nvme_phys_t phys;
    return nvme_env_dma_alloc(size, &phys);
}

/* ---- list ---- */

#define DASHES "----------------------------------------------------------------"

static void trimmed(char *dst, const char *src, size_t n)
{
    size_t k = 0;
    while (k < n && src[k] != '\0')
        k++;
    memcpy(dst, src, k);
    while (k > 0 && dst[k - 1] == ' ')
        k--;
    dst[k] = '\0';
}

/* nvme-cli's Usage ("%6.2f %2sB / %6.2f %2sB", SI units) and Format (block
 * size in binary units, rounded, plus metadata bytes) columns. */
static void ns_usage_format(const struct nvme_ns *ns, char *usage, size_t usize, char *format,
                            size_t fsize)
{
    char u[16], t[16];
    const char *up = nvme_print_si(ns->id->nuse * ns->block_size, u, sizeof(u));
    const char *tp = nvme_print_si(ns->nsze * ns->block_size, t, sizeof(t));
    ksnprintf(usage, usize, "%6s %2sB / %6s %2sB", u, up, t, tp);
    static const char *const bin[] = { "", "Ki", "Mi" };
    uint64_t bs = ns->block_size;
    unsigned b = 0;
    while (b < 2 && bs >= 1024) {
        bs = (bs + 512) / 1024;
        b++;
    }
    ksnprintf(format, fsize, "%3llu %2sB + %2u B", (unsigned long long)bs, bin[b], ns->md_size);
}

static int cmd_list(const struct opts *o)
{
    struct json_writer w;
    if (o->json) {
        nvme_print_json_begin(&w);
        json_object_begin(&w, NULL);
        json_array_begin(&w, "Devices");
    } else {
        kprintf("%-21s %-21s %-20s %-40s %-9s %-26s %-16s %-8s\n", "Node", "Generic", "SN",
                "Model", "Namespace", "Usage", "Format", "FW Rev");
        kprintf("--------------------- --------------------- -------------------- "
                "---------------------------------------- --------- "
                "-------------------------- ---------------- --------\n");
    }
    for (struct nvme_ctrlr *c = nvme_ctrlr_first(); c; c = nvme_ctrlr_next(c)) {
        char sn[21], mn[41], fr[9];
        trimmed(sn, c->id->sn, sizeof(c->id->sn));
        trimmed(mn, c->id->mn, sizeof(c->id->mn));
        trimmed(fr, c->id->fr, sizeof(c->id->fr));
        for (struct nvme_ns *ns = c->namespaces; ns; ns = ns->next) {
            char node[32], generic[32];
            uint64_t used = ns->id->nuse * ns->block_size, total = ns->nsze * ns->block_size;
            ksnprintf(node, sizeof(node), "/dev/%sn%u", c->name, ns->nsid);
            ksnprintf(generic, sizeof(generic), "/dev/ng%un%u", c->index, ns->nsid);
            if (o->json) {
                json_object_begin(&w, NULL);
                json_u64(&w, "NameSpace", ns->nsid);
                json_str(&w, "DevicePath", node);
                json_str(&w, "Firmware", fr);
                json_str(&w, "ModelNumber", mn);
                json_str(&w, "SerialNumber", sn);
                json_u64(&w, "UsedBytes", used);
                json_u64(&w, "MaximumLBA", ns->nsze);
                json_u64(&w, "PhysicalSize", total);
                json_u64(&w, "SectorSize", ns->block_size);
                json_object_end(&w);
                continue;
            }
            char usage[48], format[32];
            ns_usage_format(ns, usage, sizeof(usage), format, sizeof(format));
            kprintf("%-21s %-21s %-20s %-40s %-9u %-26s %-16s %-8s\n", node, generic, sn, mn,
                    ns->nsid, usage, format, fr);
        }
    }
    if (o->json) {
        json_array_end(&w);
        json_object_end(&w);
        kprintf("\n");
    }
    return 0;
}

/* list -v: nvme-cli's three tables (subsystems, controllers, namespaces).
 * Controllers with the same SUBNQN form one subsystem; subsystems are
 * numbered in the order their first controller attached, as Linux does when
 * it finds them at boot. */
static unsigned subsystem_of(struct nvme_ctrlr *c, struct nvme_ctrlr **first)
{
    unsigned n = 0;
    for (struct nvme_ctrlr *p = nvme_ctrlr_first(); p; p = nvme_ctrlr_next(p)) {
        bool seen = false;
        for (struct nvme_ctrlr *q = nvme_ctrlr_first(); q != p; q = nvme_ctrlr_next(q))
            if (strncmp(q->id->subnqn, p->id->subnqn, sizeof(p->id->subnqn)) == 0)
                seen = true;
        if (seen)
            continue;
        if (strncmp(c->id->subnqn, p->id->subnqn, sizeof(c->id->subnqn)) == 0) {
            *first = p;
            return n;
        }
        n++;
    }
    *first = c;
    return n;
}

/* c heads its subsystem (the first controller with its SUBNQN): its number,
 * and its name ("nvme-subsysN") in name; -1 if an earlier controller does. */
static int subsystem_head(struct nvme_ctrlr *c, char *name, size_t size)
{
    struct nvme_ctrlr *first;
    unsigned sub = subsystem_of(c, &first);
    if (first != c)
        return -1;
    ksnprintf(name, size, "nvme-subsys%u", sub);
    return (int)sub;
}

/* What -v prints of a controller: SN, MN, FR trimmed (as Linux's sysfs) and
 * the PCI address in Linux's sysfs form, always with the segment. */
struct ctrl_ids {
    char sn[21], mn[41], fr[9], addr[16];
};

static void ctrl_ids(const struct nvme_ctrlr *c, struct ctrl_ids *s)
{
    const struct pci_device *pd = c->platform;
    trimmed(s->sn, c->id->sn, sizeof(c->id->sn));
    trimmed(s->mn, c->id->mn, sizeof(c->id->mn));
    trimmed(s->fr, c->id->fr, sizeof(c->id->fr));
    ksnprintf(s->addr, sizeof(s->addr), "%04x:%02x:%02x.%x", pd->segment, pd->bus, pd->dev,
              pd->func);
}

/* One namespace in the detail list's layout (nvme-cli 2.3 json_detail_list). */
static void json_detail_ns(struct json_writer *w, const struct nvme_ctrlr *c,
                           const struct nvme_ns *ns)
{
    char name[32];
    ksnprintf(name, sizeof(name), "%sn%u", c->name, ns->nsid);
    json_object_begin(w, NULL);
    json_str(w, "NameSpace", name);
    json_u64(w, "NSID", ns->nsid);
    json_u64(w, "UsedBytes", ns->id->nuse * ns->block_size);
    json_u64(w, "MaximumLBA", ns->nsze);
    json_u64(w, "PhysicalSize", ns->nsze * ns->block_size);
    json_u64(w, "SectorSize", ns->block_size);
    json_object_end(w);
}

/*
 * list -v -o json: nvme-cli 2.3's detail tree, Devices (hosts) ->
 * Subsystems -> Controllers (each with its Namespaces and Paths) and the
 * subsystem's Namespaces, as Linux shows controllers without multipath
 * (every namespace under its controller; no paths; the subsystem's list,
 * of multipath heads, empty). nvos has no host NQN or host ID (they name a
 * host to fabrics targets): the one host object has neither key.
 */
static int cmd_list_verbose_json(void)
{
    struct json_writer w;
    nvme_print_json_begin(&w);
    json_object_begin(&w, NULL);
    json_array_begin(&w, "Devices");
    json_object_begin(&w, NULL);
    json_array_begin(&w, "Subsystems");
    for (struct nvme_ctrlr *c = nvme_ctrlr_first(); c; c = nvme_ctrlr_next(c)) {
        char name[24];
        int sub = subsystem_head(c, name, sizeof(name));
        if (sub < 0)
            continue;
        json_object_begin(&w, NULL);
        json_str(&w, "Subsystem", name);
        json_strn(&w, "SubsystemNQN", c->id->subnqn, sizeof(c->id->subnqn));
        json_array_begin(&w, "Controllers");
        for (struct nvme_ctrlr *p = c; p; p = nvme_ctrlr_next(p)) {
            struct nvme_ctrlr *f;
            if (subsystem_of(p, &f) != (unsigned)sub)
                continue;
            struct ctrl_ids ids;
            ctrl_ids(p, &ids);
            json_object_begin(&w, NULL);
            json_str(&w, "Controller", p->name);
            json_str(&w, "SerialNumber", ids.sn);
            json_str(&w, "ModelNumber", ids.mn);
            json_str(&w, "Firmware", ids.fr);
            json_str(&w, "Transport", "pcie");
            json_str(&w, "Address", ids.addr);
            json_array_begin(&w, "Namespaces");
            for (struct nvme_ns *ns = p->namespaces; ns; ns = ns->next)
                json_detail_ns(&w, p, ns);
            json_array_end(&w);
            json_array_begin(&w, "Paths");
            json_array_end(&w);
            json_object_end(&w);
        }
        json_array_end(&w);
        json_array_begin(&w, "Namespaces"); /* multipath heads: none without multipath */
        json_array_end(&w);
        json_object_end(&w);
    }
    json_array_end(&w);
    json_object_end(&w);
    json_array_end(&w);
    json_object_end(&w);
    kprintf("\n");
    return 0;
}

static int cmd_list_verbose(void)
{
    kprintf("%-16s %-96s %-.16s\n", "Subsystem", "Subsystem-NQN", "Controllers");
    kprintf("---------------- %.96s ----------------\n", DASHES DASHES);
    for (struct nvme_ctrlr *c = nvme_ctrlr_first(); c; c = nvme_ctrlr_next(c)) {
        char name[24];
        int sub = subsystem_head(c, name, sizeof(name));
        if (sub < 0)
            continue;
        kprintf("%-16s %-96.*s ", name, (int)sizeof(c->id->subnqn), c->id->subnqn);
        for (struct nvme_ctrlr *p = c; p; p = nvme_ctrlr_next(p)) {
            struct nvme_ctrlr *f;
            if (subsystem_of(p, &f) == (unsigned)sub)
                kprintf("%s%s", p == c ? "" : ", ", p->name);
        }
        kprintf("\n");
    }
    kprintf("\n%-8s %-20s %-40s %-8s %-6s %-14s %-12s %-16s\n", "Device", "SN", "MN", "FR",
            "TxPort", "Address", "Subsystem", "Namespaces");
    kprintf("-------- -------------------- %.40s -------- ------ -------------- ------------ "
            "----------------\n", DASHES);
    for (struct nvme_ctrlr *c = nvme_ctrlr_first(); c; c = nvme_ctrlr_next(c)) {
        char sub[24];
        struct nvme_ctrlr *first;
        struct ctrl_ids ids;
        ctrl_ids(c, &ids);
        ksnprintf(sub, sizeof(sub), "nvme-subsys%u", subsystem_of(c, &first));
        kprintf("%-8s %-20s %-40s %-8s %-6s %-14s %-12s ", c->name, ids.sn, ids.mn, ids.fr, "pcie",
                ids.addr, sub);
        for (struct nvme_ns *ns = c->namespaces; ns; ns = ns->next)
            kprintf("%s%sn%u", ns == c->namespaces ? "" : ", ", c->name, ns->nsid);
        kprintf("\n");
    }
    kprintf("\n%-12s %-12s %-8s %-26s %-16s %-16s\n", "Device", "Generic", "NSID", "Usage",
            "Format", "Controllers");
    kprintf("------------ ------------ -------- -------------------------- ---------------- "
            "----------------\n");
    for (struct nvme_ctrlr *c = nvme_ctrlr_first(); c; c = nvme_ctrlr_next(c))
        for (struct nvme_ns *ns = c->namespaces; ns; ns = ns->next) {
            char node[32], generic[32], usage[48], format[32];
            ksnprintf(node, sizeof(node), "/dev/%sn%u", c->name, ns->nsid);
            ksnprintf(generic, sizeof(generic), "/dev/ng%un%u", c->index, ns->nsid);
            ns_usage_format(ns, usage, sizeof(usage), format, sizeof(format));
            kprintf("%-12s %-12s %-8x %-26s %-16s %s\n", node, generic, ns->nsid, usage, format,
                    c->name);
        }
    return 0;
}

/* ---- identify ---- */

static int identify(struct nvme_ctrlr *c, uint8_t cns, uint32_t nsid, void *buf,
                    const char *what)
{
    struct nvme_sqe cmd;
    struct nvme_cpl cpl;
    nvme_cmd_identify(&cmd, cns, 0, nsid);
    if (nvme_admin_sync(c, &cmd, buf, 4096, &cpl) != 0)
        return cmd_failed(what, &cpl);
    return 0;
}

static int cmd_id_ctrl(const struct dev *d, const struct opts *o)
{
    struct nvme_id_ctrl *id = (struct nvme_id_ctrl *)dma_buffer(4096);
    if (id == NULL)
        return shell_error(-ENOMEM, "nvme id-ctrl: out of memory");
    int err = identify(d->c, NVME_CNS_CTRL, 0, id, "nvme id-ctrl: Identify Controller");
    if (err == 0) {
        if (o->json)
            nvme_print_id_ctrl_json(id);
        else
            nvme_print_id_ctrl(id, o->flags);
    }
    nvme_env_dma_free(id, 4096);
    return err;
}

static int cmd_id_ns(const struct dev *d, const struct opts *o)
{
    uint32_t nsid = o->has_nsid ? o->nsid : d->nsid;
    if (nsid == 0)
        return shell_error(-EINVAL, "nvme id-ns: %s is a controller: give a namespace "
                           "(/dev/%sn1) or -n NSID", d->name, d->c->name);
    struct nvme_id_ns *id = (struct nvme_id_ns *)dma_buffer(4096);
    if (id == NULL)
        return shell_error(-ENOMEM, "nvme id-ns: out of memory");
    char what[64];
    ksnprintf(what, sizeof(what), "nvme id-ns: Identify Namespace %u", nsid);
    int err = identify(d->c, NVME_CNS_NS, nsid, id, what);
    if (err == 0) {
        if (o->json)
            nvme_print_id_ns_json(id);
        else
            nvme_print_id_ns(id, nsid, o->flags);
    }
    nvme_env_dma_free(id, 4096);
    return err;
}

/* ---- log pages ---- */

static int cmd_smart_log(const struct dev *d, const struct opts *o)
{
    uint32_t nsid = o->has_nsid ? o->nsid : NVME_NSID_ALL;
    struct nvme_smart_log *s = (struct nvme_smart_log *)dma_buffer(sizeof(*s));
    struct nvme_cpl cpl;
    if (s == NULL)
        return shell_error(-ENOMEM, "nvme smart-log: out of memory");
    int err = nvme_get_log_page(d->c, nsid, NVME_LOG_SMART, s, sizeof(*s), &cpl);
    if (err == 0) {
        if (o->json)
            nvme_print_smart_log_json(s, o->flags);
        else
            nvme_print_smart_log(s, nsid, d->name, o->flags);
    } else {
        err = cmd_failed("nvme smart-log: Get Log Page (SMART / Health Information)", &cpl);
    }
    nvme_env_dma_free(s, sizeof(*s));
    return err;
}

static int cmd_error_log(const struct dev *d, const struct opts *o)
{
    /* nvme-cli: min(-e, ELPE + 1), -e defaulting to 64 */
    unsigned entries = o->has_entries ? o->entries : 64;
    if (entries > (unsigned)d->c->id->elpe + 1)
        entries = (unsigned)d->c->id->elpe + 1;
    size_t size = entries * sizeof(struct nvme_error_log_entry);
    struct nvme_error_log_entry *e = (struct nvme_error_log_entry *)dma_buffer(size);
    struct nvme_cpl cpl;
    if (e == NULL)
        return shell_error(-ENOMEM, "nvme error-log: out of memory");
    int err = nvme_get_log_page(d->c, NVME_NSID_ALL, NVME_LOG_ERROR, e, (uint32_t)size, &cpl);
    if (err == 0) {
        if (o->json)
            nvme_print_error_log_json(e, entries);
        else
            nvme_print_error_log(e, entries, d->name);
    } else {
        err = cmd_failed("nvme error-log: Get Log Page (Error Information)", &cpl);
    }
    nvme_env_dma_free(e, size);
    return err;
}

/* ---- features ---- */

/* One Get Features; *invalid is set when the device answered Invalid Field
 * in Command (the feature is not supported), which a listing skips. */
static int get_one_feature(const struct dev *d, const struct opts *o, uint8_t fid, bool quiet,
                           bool *invalid)
{
    uint32_t nsid = o->has_nsid ? o->nsid : d->nsid ? d->nsid : NVME_NSID_ALL;
    uint32_t len = o->data_len ? o->data_len : nvme_print_feature_data_len(fid);
    if (o->sel == 3)
        len = 0; /* supported capabilities come in Dword 0 only */
    if (len > 65536)
        return shell_error(-EINVAL, "nvme get-feature: data-len %u is over 64 KiB", len);
    uint8_t *buf = dma_buffer(len ? len : 4096);
    if (buf == NULL)
        return shell_error(-ENOMEM, "nvme get-feature: out of memory");
    memset(buf, 0, len ? len : 4096);
    struct nvme_cpl cpl;
    /* "Changed" (8) is nvme-cli's: current and default differ. */
    uint8_t sel = o->sel == 8 ? NVME_FEAT_SEL_CURRENT : (uint8_t)o->sel;
    int err = nvme_get_feature(d->c, fid, sel, o->cdw11, nsid, len ? buf : NULL, len, &cpl);
    *invalid = err != 0 && NVME_GET((unsigned)cpl.cqe.status, STATUS_SCT) == 0 &&
               NVME_GET((unsigned)cpl.cqe.status, STATUS_SC) == NVME_SC_INVALID_FIELD;
    bool show = err == 0;
    if (err == 0 && o->sel == 8) {
        struct nvme_cpl def;
        if (nvme_get_feature(d->c, fid, NVME_FEAT_SEL_DEFAULT, o->cdw11, nsid, NULL, 0, &def) == 0)
            show = def.cqe.dw0 != cpl.cqe.dw0;
    }
    if (show)
        nvme_print_feature(fid, (uint8_t)o->sel, cpl.cqe.dw0, len ? buf : NULL, len, o->flags);
    nvme_env_dma_free(buf, len ? len : 4096);
    if (err != 0 && !(quiet && *invalid)) {
        char what[96];
        ksnprintf(what, sizeof(what), "nvme get-feature: Get Features %#04x (%s)", fid,
                  nvme_print_feature_name(fid));
        return cmd_failed(what, &cpl);
    }
    return err;
}

static int cmd_get_feature(const struct dev *d, const struct opts *o)
{
    bool invalid;
    if (o->has_fid && o->fid != 0)
        return get_one_feature(d, o, (uint8_t)o->fid, false, &invalid);
    /* No -f: every feature the device answers, skipping the unsupported ones. */
    for (unsigned fid = 1; fid <= 0xff; fid++) {
        int err = get_one_feature(d, o, (uint8_t)fid, true, &invalid);
        if (err && !invalid)
            return err;
    }
    return 0;
}

/*
 * [NVMe Base 2.0 §5.22] Namespace Attachment: SEL (CDW10 3:0) 0 attach, 1
 * detach; the data is a Controller List [§4.4.1] (a count, then 16-bit
 * controller IDs). nvme-cli's -c takes a list; one ID here, this
 * controller's CNTLID by default. The controller answers with a Namespace
 * Attribute Changed event, and the rescan it starts publishes or retires
 * the block device.
 */
static int cmd_attach_ns(const struct dev *d, const struct opts *o, bool detach)
{
    const char *sub = detach ? "detach-ns" : "attach-ns";
    if (!o->has_nsid || o->nsid == 0 || o->nsid == NVME_NSID_ALL)
        return shell_error(-EINVAL, "nvme %s: a namespace id (-n) is required", sub);
    if (o->has_cdw11 && o->cdw11 > 0xFFFF)
        return shell_error(-EINVAL, "nvme %s: controller id %u is not 0..65535", sub, o->cdw11);
    nvme_phys_t phys;
    uint16_t *list = nvme_env_dma_alloc(4096, &phys);
    if (list == NULL)
        return shell_error(-ENOMEM, "nvme %s: no memory", sub);
    list[0] = 1;
    list[1] = o->has_cdw11 ? (uint16_t)o->cdw11 : d->c->id->cntlid;
    struct nvme_sqe cmd;
    struct nvme_cpl cpl;
    nvme_sqe_init(&cmd, NVME_ADMIN_NS_ATTACH, o->nsid);
    cmd.cdw10 = detach ? 1 : 0; /* SEL */
    int err = nvme_admin_sync(d->c, &cmd, list, 4096, &cpl);
    nvme_env_dma_free(list, 4096);
    if (err)
        return cmd_failed(sub, &cpl);
    kprintf("%s: Success, nsid:%u\n", sub, o->nsid);
    return 0;
}

static int cmd_queues(struct nvme_ctrlr *c)
{
    kprintf("QID  SIZE MODE IV  OUTST SUBMITTED  COMPLETED  SQDB       CQDB       RETRY TMOUT BOGUS IRQS\n");
    struct nvme_qpair *all[NVME_MAX_IO_QPAIRS + 1];
    unsigned n = 0;
    all[n++] = &c->admin;
    for (struct nvme_qpair *qp = c->io_qpairs; qp && n < ARRAY_SIZE(all); qp = qp->next)
        all[n++] = qp;
    for (unsigned i = 0; i < n; i++) {
        struct nvme_qpair *qp = all[i];
        kprintf("%-4u %-4u %-4s %-3u %-5u %-10llu %-10llu %-10llu %-10llu %-5llu %-5llu %-5llu %llu\n",
                qp->id, qp->size, qp->irq ? "irq" : "poll", qp->msix_index, qp->outstanding,
                (unsigned long long)qp->stats.submitted, (unsigned long long)qp->stats.completed,
                (unsigned long long)qp->stats.doorbells_sq,
                (unsigned long long)qp->stats.doorbells_cq, (unsigned long long)qp->stats.retries,
                (unsigned long long)qp->stats.timeouts, (unsigned long long)qp->stats.bogus,
                (unsigned long long)qp->stats.interrupts);
    }
    /* Per I/O queue: doorbell updates whose MMIO write the shadow doorbells'
     * event index made unnecessary (nvme_dbbuf.h); SQDB/CQDB count updates. */
    kprintf("shadow doorbells: %s, Doorbell Buffer Config sent %llu times; MMIO writes saved:",
            c->dbbuf_shadow ? "on" : c->dbbuf_off ? "off (nvme.dbbuf=0)" : "off",
            (unsigned long long)c->dbbuf_configs);
    for (unsigned i = 1; i < n; i++)
        kprintf(" q%u %llu", all[i]->id, (unsigned long long)all[i]->stats.doorbells_saved);
    kprintf(n > 1 ? "\n" : " none (no I/O queue)\n");
    if (c->cpu_count > 1)
        nvme_percpu_print(c); /* the block layer's pair of each CPU */
    static const char *modes[] = { "polling", "INTx", "MSI-X", "MSI" };
    kprintf("interrupts: %s; resets: %llu; asynchronous events: %llu; state: %s\n",
            modes[c->irq_mode], (unsigned long long)c->resets, (unsigned long long)c->aer_events,
            c->state == NVME_STATE_READY ? "ready" : c->failure ? c->failure : "not ready");
    return 0;
}

/* nvme rawloop NS [QD] [MS]: the emulator's floor (nvme_rawloop.c). */
static int cmd_rawloop(int argc, char **argv)
{
    uint64_t qd = 1, ms = 2000, iops = 0;
    struct dev d;
    if (dev_arg("rawloop", argv[2], &d) != 0)
        return -ENODEV;
    struct nvme_ns *ns = d.nsid ? nvme_ctrlr_get_ns(d.c, d.nsid) : NULL;
    if (ns == NULL)
        return shell_error(-EINVAL, "nvme rawloop: %s is not a namespace", argv[2]);
    if ((argc > 3 && (parse_u64(argv[3], &qd) != 0 || qd == 0 || qd > 1024)) ||
        (argc > 4 && (parse_u64(argv[4], &ms) != 0 || ms == 0 || ms > 600000)))
        return shell_usage("nvme");
    int err = nvme_ns_rawloop(ns, (unsigned)qd, ms, &iops);
    if (err)
        return shell_error(err, "nvme rawloop %s: %s", argv[2], errno_name(err));
    kprintf("rawloop %s: qd %llu, %llu ms: %llu IOPS (4 KiB random reads, one polled queue pair, "
            "no driver bookkeeping)\n",
            argv[2], (unsigned long long)qd, (unsigned long long)ms, (unsigned long long)iops);
    return 0;
}

/* nvme capture on [DEV]: a reset of DEV (the first controller) and the I/O
 * sequence, as NVCAP lines on the console (docs/capture.md). */
static int cmd_capture(int argc, char **argv)
{
    struct dev d = { .c = nvme_ctrlr_first() };
    if (argc == 4 && dev_arg("capture", argv[3], &d) != 0)
        return -ENODEV;
    if (d.c == NULL)
        return shell_error(-ENODEV, "nvme capture: no NVMe controller");
    int err = nvme_capture_shell_reset(d.c);
    if (err)
        return shell_error(err, "nvme capture %s: %s", d.c->name, errno_name(err));
    kprintf("%s: capture complete\n", d.c->name);
    return 0;
}

/* nvme fault CTRL [off | plan="..." [seed=N]]: arm, disarm or show a fault
 * plan (grammar: docs/reliability.md). Without seed=, one is drawn from the
 * TSC; either way the armed line echoes it, so the run can be repeated. */
static int cmd_fault(int argc, char **argv)
{
    struct dev d;
    if (dev_arg("fault", argv[2], &d) != 0)
        return -ENODEV;
    if (argc == 3) {
        nvme_fault_print_status(d.c);
        return 0;
    }
    if (argc == 4 && strcmp(argv[3], "off") == 0) {
        if (d.c->fault == NULL)
            kprintf("%s: no fault plan armed\n", d.c->name);
        nvme_fault_disarm(d.c);
        return 0;
    }
    const char *plan = NULL, *seed_arg = NULL;
    for (int i = 3; i < argc; i++) {
        if (strncmp(argv[i], "plan=", 5) == 0 && plan == NULL)
            plan = argv[i] + 5;
        else if (strncmp(argv[i], "seed=", 5) == 0 && seed_arg == NULL)
            seed_arg = argv[i] + 5;
        else
            return shell_error(-EINVAL, "nvme fault: unexpected argument '%s' "
                               "(plan=\"...\" [seed=N], or off)", argv[i]);
    }
    uint64_t seed = rdtsc();
    if (plan == NULL)
        return shell_error(-EINVAL, "nvme fault %s: plan=\"...\" is required", d.c->name);
    if (seed_arg && parse_u64(seed_arg, &seed) != 0)
        return shell_error(-EINVAL, "nvme fault %s: bad seed '%s'", d.c->name, seed_arg);
    struct nvme_fault_plan p;
    char why[128];
    int err = nvme_fault_parse(plan, strlen(plan), &p, why, sizeof(why));
    if (err)
        return shell_error(err, "nvme fault %s: %s", d.c->name, why);
    err = nvme_fault_arm(d.c, &p, seed);
    if (err)
        return shell_error(err, "nvme fault %s: %s", d.c->name, errno_name(err));
    return 0;
}

static int cmd_nvme(int argc, char **argv)
{
    if (argc < 2)
        return shell_usage("nvme");
    const char *sub = argv[1];
    if (strcmp(sub, "trace") == 0 && argc == 3) {
        bool on;
        if (parse_bool(argv[2], &on) != 0)
            return shell_usage("nvme");
        for (struct nvme_ctrlr *c = nvme_ctrlr_first(); c; c = nvme_ctrlr_next(c))
            nvme_ctrlr_set_trace(c, on);
        kprintf("nvme: trace %s\n", on ? "on" : "off");
        return 0;
    }
    if (strcmp(sub, "rawloop") == 0 && argc >= 3 && argc <= 5)
        return cmd_rawloop(argc, argv);
    if (strcmp(sub, "capture") == 0 && argc >= 3 && argc <= 4 && strcmp(argv[2], "on") == 0)
        return cmd_capture(argc, argv);
    if (strcmp(sub, "fault") == 0 && argc >= 3 && argc <= 5)
        return cmd_fault(argc, argv);
    if (strcmp(sub, "doctor") == 0 && argc <= 3) {
        struct dev d;
        if (argc == 3 && dev_arg(sub, argv[2], &d) != 0)
            return -ENODEV;
        if (argc == 3)
            return nvme_doctor(d.c, NULL);
        if (nvme_ctrlr_first() == NULL)
            return shell_error(-ENODEV, "nvme doctor: no NVMe controller");
        int err = 0;
        for (struct nvme_ctrlr *c = nvme_ctrlr_first(); c; c = nvme_ctrlr_next(c))
            if (nvme_doctor(c, NULL) != 0)
                err = -EIO;
        return err;
    }
    static const struct {
        const char *name;
        const char *opts;
        bool needs_dev;
    } subs[] = {
        { "list", "ov", false },           { "id-ctrl", "oHv", true },
        { "id-ns", "noHv", true },         { "smart-log", "noH", true },
        { "error-log", "eo", true },       { "get-feature", "fnscHl", true },
        { "queues", "", true },            { "reset", "", true },
        { "attach-ns", "nc", true },       { "detach-ns", "nc", true },
    };
    unsigned k = 0;
    while (k < ARRAY_SIZE(subs) && strcmp(subs[k].name, sub) != 0)
        k++;
    if (k == ARRAY_SIZE(subs)) {
        if (strcmp(sub, "timeout") != 0 || argc != 5)
            return shell_usage("nvme");
        struct dev d;
        uint64_t ms;
        bool admin = strcmp(argv[3], "admin") == 0;
        if (dev_arg(sub, argv[2], &d) != 0)
            return -ENODEV;
        if ((!admin && strcmp(argv[3], "io") != 0) || parse_u64(argv[4], &ms) != 0 || ms == 0 ||
            ms > 3600000)
            return shell_usage("nvme");
        nvme_ctrlr_set_timeout(d.c, admin, ms * 1000000ull);
        kprintf("%s: %s command timeout %llu ms\n", d.c->name, admin ? "admin" : "I/O",
                (unsigned long long)ms);
        return 0;
    }
    struct opts o;
    int err = parse_opts(argc, argv, subs[k].opts, &o);
    if (err)
        return err;
    if (!subs[k].needs_dev) {
        if (o.dev != NULL)
            return shell_error(-EINVAL, "nvme list: unexpected argument '%s'", o.dev);
        if (o.verbose)
            return o.json ? cmd_list_verbose_json() : cmd_list_verbose();
        return cmd_list(&o);
    }
    struct dev d;
    if (dev_arg(sub, o.dev, &d) != 0)
        return -ENODEV;
    switch (k) {
    case 1: return cmd_id_ctrl(&d, &o);
    case 2: return cmd_id_ns(&d, &o);
    case 3: return cmd_smart_log(&d, &o);
    case 4: return cmd_error_log(&d, &o);
    case 5: return cmd_get_feature(&d, &o);
    case 6: return cmd_queues(d.c);
    case 8: return cmd_attach_ns(&d, &o, false);
    case 9: return cmd_attach_ns(&d, &o, true);
    default:
        err = nvme_ctrlr_reset(d.c);
        if (err)
            return shell_error(err, "nvme reset %s: %s", d.c->name, errno_name(err));
        kprintf("%s: reset complete\n", d.c->name);
        return 0;
    }
}
SHELL_COMMAND(nvme, "nvme",
              "list [-v] [-o json] | id-ctrl DEV [-o json] [-H] [-v] | "
              "id-ns DEV [-n NSID] [-o json] [-H] [-v] | smart-log DEV [-n NSID] [-o json] [-H] | error-log DEV [-e N] [-o json] | "
              "get-feature DEV [-f FID] [-n NSID] [-s SEL] [-c CDW11] [-l LEN] [-H] | "
              "reset DEV | queues DEV | timeout DEV admin|io MS | trace on|off | capture on [DEV] | "
              "attach-ns|detach-ns DEV -n NSID [-c CNTLID] | doctor [CTRL] | "
              "fault CTRL [off | plan=\"...\" [seed=N]] | rawloop NS [QD] [MS]",
              "NVMe controllers and namespaces, as nvme-cli 2.x (DEV: nvme0, /dev/nvme0n1...)",
              cmd_nvme);
