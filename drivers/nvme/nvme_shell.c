/*
 * drivers/nvme/nvme_shell.c - the "nvme" shell command, with field names
 * and layouts after nvme-cli (docs/shell.md lists them):
 *
 *   nvme list                       one line per namespace
 *   nvme id-ctrl CTRL               Identify Controller
 *   nvme id-ns NS                   Identify Namespace (NS: nvme0n1)
 *   nvme smart-log CTRL             SMART / Health Information (log 02h)
 *   nvme error-log CTRL             Error Information (log 01h)
 *   nvme get-feature CTRL FID       Get Features, current value
 *   nvme reset CTRL                 controller reset and recovery
 *   nvme trace on|off               the teaching trace
 *   nvme queues CTRL                queue pairs and their counters
 */
#include <string.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_status.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/shell/shell.h"
#include "lib/errno.h"
#include "lib/parse.h"

static struct nvme_ctrlr *ctrlr_arg(const char *name)
{
    struct nvme_ctrlr *c = nvme_ctrlr_by_name(name);
    if (c == NULL)
        shell_error(-ENODEV, "nvme: no controller '%s' (see 'nvme list')", name);
    return c;
}

/* "nvme0n1" -> controller and namespace. */
static struct nvme_ns *ns_arg(const char *name)
{
    for (struct nvme_ctrlr *c = nvme_ctrlr_first(); c; c = nvme_ctrlr_next(c)) {
        size_t n = strlen(c->name);
        uint32_t nsid;
        if (strncmp(name, c->name, n) == 0 && name[n] == 'n' && parse_u32(name + n + 1, &nsid) == 0) {
            struct nvme_ns *ns = nvme_ctrlr_get_ns(c, nsid);
            if (ns)
                return ns;
        }
    }
    shell_error(-ENODEV, "nvme: no namespace '%s' (see 'nvme list')", name);
    return NULL;
}

/* Reports a failed admin command as the one error line. */
static int cmd_failed(const char *what, const struct nvme_cpl *cpl)
{
    char status[96] = "";
    if (nvme_status_is_error(cpl->cqe.status))
        nvme_status_format(cpl->cqe.status, status, sizeof(status));
    return shell_error(cpl->err, "%s: %s%s%s", what, status, status[0] ? " " : "",
                       errno_name(cpl->err));
}

static void trimmed(char *dst, const char *src, size_t n)
{
    memcpy(dst, src, n);
    dst[n] = '\0';
    while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
        dst[--n] = '\0';
}

/* nvme-cli's "123.46  MB": decimal units, rounded to two decimals. */
static void si_size(char *buf, size_t size, uint64_t bytes)
{
    static const char *units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
    unsigned u = 0;
    uint64_t div = 1;
    while (bytes / div >= 1000 && u < 5) {
        div *= 1000;
        u++;
    }
    /* hundredths, rounded half up */
    uint64_t h = div >= 100 ? (bytes + div / 200) / (div / 100) : bytes * 100;
    ksnprintf(buf, size, "%3llu.%02llu %3s", (unsigned long long)(h / 100),
              (unsigned long long)(h % 100), units[u]);
}

static int cmd_list(void)
{
    kprintf("%-21s %-20s %-40s %-9s %-26s %-16s %-8s\n", "Node", "SN", "Model", "Namespace",
            "Usage", "Format", "FW Rev");
    kprintf("--------------------- -------------------- ---------------------------------------- "
            "--------- -------------------------- ---------------- --------\n");
    for (struct nvme_ctrlr *c = nvme_ctrlr_first(); c; c = nvme_ctrlr_next(c)) {
        char sn[21], mn[41], fr[9];
        trimmed(sn, c->id->sn, sizeof(c->id->sn));
        trimmed(mn, c->id->mn, sizeof(c->id->mn));
        trimmed(fr, c->id->fr, sizeof(c->id->fr));
        for (struct nvme_ns *ns = c->namespaces; ns; ns = ns->next) {
            char node[24], used[16], total[16], usage[32], format[20];
            ksnprintf(node, sizeof(node), "%sn%u", c->name, ns->nsid);
            si_size(used, sizeof(used), ns->id->nuse * ns->block_size);
            si_size(total, sizeof(total), ns->nsze * ns->block_size);
            ksnprintf(usage, sizeof(usage), "%s / %s", used, total);
            ksnprintf(format, sizeof(format), "%-4u B + %2u B", ns->block_size, ns->md_size);
            kprintf("%-21s %-20s %-40s %-9u %-26s %-16s %-8s\n", node, sn, mn, ns->nsid, usage,
                    format, fr);
        }
    }
    return 0;
}

static int cmd_id_ctrl(struct nvme_ctrlr *c)
{
    const struct nvme_id_ctrl *id = c->id;
    char sn[21], mn[41], fr[9], subnqn[257];
    trimmed(sn, id->sn, sizeof(id->sn));
    trimmed(mn, id->mn, sizeof(id->mn));
    trimmed(fr, id->fr, sizeof(id->fr));
    trimmed(subnqn, (const char *)id->subnqn, sizeof(id->subnqn));
    kprintf("NVME Identify Controller:\n");
    kprintf("vid       : %#x\n", id->vid);
    kprintf("ssvid     : %#x\n", id->ssvid);
    kprintf("sn        : %s\n", sn);
    kprintf("mn        : %s\n", mn);
    kprintf("fr        : %s\n", fr);
    kprintf("rab       : %u\n", id->rab);
    kprintf("ieee      : %02x%02x%02x\n", id->ieee[2], id->ieee[1], id->ieee[0]);
    kprintf("cmic      : %#x\n", id->cmic);
    kprintf("mdts      : %u\n", id->mdts);
    kprintf("cntlid    : %#x\n", id->cntlid);
    kprintf("ver       : %#x\n", id->ver);
    kprintf("rtd3r     : %#x\n", id->rtd3r);
    kprintf("rtd3e     : %#x\n", id->rtd3e);
    kprintf("oaes      : %#x\n", id->oaes);
    kprintf("ctratt    : %#x\n", id->ctratt);
    kprintf("cntrltype : %u\n", id->cntrltype);
    kprintf("oacs      : %#x\n", id->oacs);
    kprintf("acl       : %u\n", id->acl);
    kprintf("aerl      : %u\n", id->aerl);
    kprintf("frmw      : %#x\n", id->frmw);
    kprintf("lpa       : %#x\n", id->lpa);
    kprintf("elpe      : %u\n", id->elpe);
    kprintf("npss      : %u\n", id->npss);
    kprintf("wctemp    : %u\n", id->wctemp);
    kprintf("cctemp    : %u\n", id->cctemp);
    kprintf("kas       : %u\n", id->kas);
    kprintf("sqes      : %#x\n", id->sqes);
    kprintf("cqes      : %#x\n", id->cqes);
    kprintf("maxcmd    : %u\n", id->maxcmd);
    kprintf("nn        : %u\n", id->nn);
    kprintf("oncs      : %#x\n", id->oncs);
    kprintf("fuses     : %#x\n", id->fuses);
    kprintf("fna       : %#x\n", id->fna);
    kprintf("vwc       : %#x\n", id->vwc);
    kprintf("awun      : %u\n", id->awun);
    kprintf("awupf     : %u\n", id->awupf);
    kprintf("sgls      : %#x\n", id->sgls);
    kprintf("subnqn    : %s\n", subnqn);
    for (unsigned i = 0; i <= id->npss && i < 32; i++) {
        const struct nvme_psd *p = &id->psd[i];
        kprintf("ps %4u : mp:%u.%02uW %soperational enlat:%u exlat:%u rrt:%u rrl:%u rwt:%u rwl:%u\n",
                i, p->mp / 100, p->mp % 100, (p->flags & NVME_PSD_FLAGS_NOPS) ? "non-" : "",
                p->enlat, p->exlat, p->rrt, p->rrl, p->rwt, p->rwl);
    }
    return 0;
}

static int cmd_id_ns(struct nvme_ns *ns)
{
    const struct nvme_id_ns *id = ns->id;
    kprintf("NVME Identify Namespace %u:\n", ns->nsid);
    kprintf("nsze    : %#llx\n", (unsigned long long)id->nsze);
    kprintf("ncap    : %#llx\n", (unsigned long long)id->ncap);
    kprintf("nuse    : %#llx\n", (unsigned long long)id->nuse);
    kprintf("nsfeat  : %#x\n", id->nsfeat);
    kprintf("nlbaf   : %u\n", id->nlbaf);
    kprintf("flbas   : %#x\n", id->flbas);
    kprintf("mc      : %#x\n", id->mc);
    kprintf("dpc     : %#x\n", id->dpc);
    kprintf("dps     : %#x\n", id->dps);
    kprintf("nmic    : %#x\n", id->nmic);
    kprintf("rescap  : %#x\n", id->rescap);
    kprintf("fpi     : %#x\n", id->fpi);
    kprintf("dlfeat  : %u\n", id->dlfeat);
    kprintf("nawun   : %u\n", id->nawun);
    kprintf("nawupf  : %u\n", id->nawupf);
    kprintf("nacwu   : %u\n", id->nacwu);
    kprintf("noiob   : %u\n", id->noiob);
    kprintf("npwg    : %u\n", id->npwg);
    kprintf("npwa    : %u\n", id->npwa);
    kprintf("npdg    : %u\n", id->npdg);
    kprintf("npda    : %u\n", id->npda);
    kprintf("nows    : %u\n", id->nows);
    kprintf("nsattr  : %u\n", id->nsattr);
    kprintf("nguid   : ");
    for (unsigned i = 0; i < 16; i++)
        kprintf("%02x", id->nguid[i]);
    kprintf("\neui64   : ");
    for (unsigned i = 0; i < 8; i++)
        kprintf("%02x", id->eui64[i]);
    kprintf("\n");
    for (unsigned i = 0; i <= id->nlbaf && i < 64; i++)
        kprintf("lbaf %2u : ms:%-3u lbads:%-2u rp:%u%s\n", i, id->lbaf[i].ms, id->lbaf[i].lbads,
                id->lbaf[i].rp & NVME_LBAF_RP_MASK, i == ns->lbaf ? " (in use)" : "");
    return 0;
}

static uint8_t *log_buffer(size_t size)
{
    nvme_phys_t phys;
    return nvme_env_dma_alloc(size, &phys);
}

/* A 128-bit little-endian counter, printed in decimal (no 128-bit division
 * in the kernel: repeated division of 32-bit limbs by 10). */
static void print_u128(const uint8_t le[16])
{
    uint32_t limb[4];
    memcpy(limb, le, 16);
    char digits[40];
    int n = 0;
    do {
        uint64_t rem = 0;
        for (int i = 3; i >= 0; i--) {
            uint64_t cur = (rem << 32) | limb[i];
            limb[i] = (uint32_t)(cur / 10);
            rem = cur % 10;
        }
        digits[n++] = (char)('0' + rem);
    } while ((limb[0] | limb[1] | limb[2] | limb[3]) != 0 && n < 39);
    while (n > 0)
        kprintf("%c", digits[--n]);
}

static int cmd_smart_log(struct nvme_ctrlr *c)
{
    struct nvme_smart_log *s = (struct nvme_smart_log *)log_buffer(sizeof(*s));
    struct nvme_cpl cpl;
    if (s == NULL)
        return shell_error(-ENOMEM, "nvme smart-log: out of memory");
    int err = nvme_get_log_page(c, NVME_NSID_ALL, NVME_LOG_SMART, s, sizeof(*s), &cpl);
    if (err) {
        nvme_env_dma_free(s, sizeof(*s));
        return cmd_failed("nvme smart-log: Get Log Page (SMART / Health Information)", &cpl);
    }
    unsigned kelvin = s->temperature;
    kprintf("Smart Log for NVME device:%s namespace-id:ffffffff\n", c->name);
    kprintf("%-41s: %#x\n", "critical_warning", s->critical_warning);
    kprintf("%-41s: %d C (%u Kelvin)\n", "temperature", (int)kelvin - 273, kelvin);
    kprintf("%-41s: %u%%\n", "available_spare", s->avail_spare);
    kprintf("%-41s: %u%%\n", "available_spare_threshold", s->avail_spare_thresh);
    kprintf("%-41s: %u%%\n", "percentage_used", s->percent_used);
    kprintf("%-41s: %u\n", "endurance group critical warning summary", s->endgrp_crit_warning);
    static const struct {
        const char *name;
        size_t off;
    } counters[] = {
        { "data_units_read", offsetof(struct nvme_smart_log, data_units_read) },
        { "data_units_written", offsetof(struct nvme_smart_log, data_units_written) },
        { "host_read_commands", offsetof(struct nvme_smart_log, host_reads) },
        { "host_write_commands", offsetof(struct nvme_smart_log, host_writes) },
        { "controller_busy_time", offsetof(struct nvme_smart_log, ctrl_busy_time) },
        { "power_cycles", offsetof(struct nvme_smart_log, power_cycles) },
        { "power_on_hours", offsetof(struct nvme_smart_log, power_on_hours) },
        { "unsafe_shutdowns", offsetof(struct nvme_smart_log, unsafe_shutdowns) },
        { "media_errors", offsetof(struct nvme_smart_log, media_errors) },
        { "num_err_log_entries", offsetof(struct nvme_smart_log, num_err_log_entries) },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(counters); i++) {
        kprintf("%-41s: ", counters[i].name);
        print_u128((const uint8_t *)s + counters[i].off);
        kprintf("\n");
    }
    kprintf("%-41s: %u\n", "Warning Temperature Time", s->warning_temp_time);
    kprintf("%-41s: %u\n", "Critical Composite Temperature Time", s->critical_temp_time);
    nvme_env_dma_free(s, sizeof(*s));
    return 0;
}

static int cmd_error_log(struct nvme_ctrlr *c)
{
    unsigned entries = (unsigned)c->id->elpe + 1;
    if (entries > 64)
        entries = 64;
    size_t size = entries * sizeof(struct nvme_error_log_entry);
    struct nvme_error_log_entry *e = (struct nvme_error_log_entry *)log_buffer(size);
    struct nvme_cpl cpl;
    if (e == NULL)
        return shell_error(-ENOMEM, "nvme error-log: out of memory");
    int err = nvme_get_log_page(c, NVME_NSID_ALL, NVME_LOG_ERROR, e, (uint32_t)size, &cpl);
    if (err) {
        nvme_env_dma_free(e, size);
        return cmd_failed("nvme error-log: Get Log Page (Error Information)", &cpl);
    }
    kprintf("Error Log Entries for device:%s entries:%u\n", c->name, entries);
    kprintf(".................\n");
    for (unsigned i = 0; i < entries; i++) {
        char status[96];
        nvme_status_format(e[i].status, status, sizeof(status));
        kprintf(" Entry[%2u]\n", i);
        kprintf(".................\n");
        kprintf("error_count     : %llu\n", (unsigned long long)e[i].error_count);
        kprintf("sqid            : %u\n", e[i].sqid);
        kprintf("cmdid           : %#x\n", e[i].cid);
        kprintf("status_field    : %#x (%s)\n", e[i].status >> 1, status);
        kprintf("phase_tag       : %u\n", e[i].status & 1);
        kprintf("parm_err_loc    : %#x\n", e[i].pel);
        kprintf("lba             : %#llx\n", (unsigned long long)e[i].lba);
        kprintf("nsid            : %#x\n", e[i].nsid);
        kprintf("vs              : %u\n", e[i].vsia);
        kprintf("trtype          : %u\n", e[i].trtype);
        kprintf("csi             : %#llx\n", (unsigned long long)e[i].csi);
        kprintf(".................\n");
    }
    nvme_env_dma_free(e, size);
    return 0;
}

static int cmd_get_feature(struct nvme_ctrlr *c, const char *fid_s)
{
    uint32_t fid;
    if (parse_u32(fid_s, &fid) != 0 || fid > 0xFF)
        return shell_error(-EINVAL, "nvme get-feature: bad feature id '%s'", fid_s);
    struct nvme_cpl cpl;
    uint8_t *buf = log_buffer(4096);
    if (buf == NULL)
        return shell_error(-ENOMEM, "nvme get-feature: out of memory");
    int err = nvme_get_feature(c, (uint8_t)fid, NVME_FEAT_SEL_CURRENT, 0, 0, buf, 4096, &cpl);
    nvme_env_dma_free(buf, 4096);
    if (err) {
        char what[80];
        ksnprintf(what, sizeof(what), "nvme get-feature: Get Features %#04x (%s)", fid,
                  nvme_feature_name((uint8_t)fid));
        return cmd_failed(what, &cpl);
    }
    kprintf("get-feature:%#04x (%s), Current value:%#010x\n", fid, nvme_feature_name((uint8_t)fid),
            cpl.cqe.dw0);
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
    static const char *modes[] = { "polling", "INTx", "MSI-X" };
    kprintf("interrupts: %s; resets: %llu; asynchronous events: %llu; state: %s\n",
            modes[c->irq_mode], (unsigned long long)c->resets, (unsigned long long)c->aer_events,
            c->state == NVME_STATE_READY ? "ready" : c->failure ? c->failure : "not ready");
    return 0;
}

/* nvme rawloop NS [QD] [MS]: the emulator's floor (nvme_rawloop.c). */
static int cmd_rawloop(int argc, char **argv)
{
    uint64_t qd = 1, ms = 2000, iops = 0;
    struct nvme_ns *ns = ns_arg(argv[2]);
    if (ns == NULL)
        return -ENODEV;
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

static int cmd_nvme(int argc, char **argv)
{
    if (argc < 2)
        return shell_usage("nvme");
    const char *sub = argv[1];
    if (strcmp(sub, "list") == 0 && argc == 2)
        return cmd_list();
    if (strcmp(sub, "trace") == 0 && argc == 3) {
        bool on;
        if (parse_bool(argv[2], &on) != 0)
            return shell_usage("nvme");
        for (struct nvme_ctrlr *c = nvme_ctrlr_first(); c; c = nvme_ctrlr_next(c))
            nvme_ctrlr_set_trace(c, on);
        kprintf("nvme: trace %s\n", on ? "on" : "off");
        return 0;
    }
    if (argc < 3)
        return shell_usage("nvme");
    if (strcmp(sub, "rawloop") == 0 && argc <= 5)
        return cmd_rawloop(argc, argv);
    if (strcmp(sub, "id-ns") == 0 && argc == 3) {
        struct nvme_ns *ns = ns_arg(argv[2]);
        return ns ? cmd_id_ns(ns) : -ENODEV;
    }
    struct nvme_ctrlr *c = ctrlr_arg(argv[2]);
    if (c == NULL)
        return -ENODEV;
    if (strcmp(sub, "get-feature") == 0 && argc == 4)
        return cmd_get_feature(c, argv[3]);
    if (strcmp(sub, "timeout") == 0 && argc == 5) {
        uint64_t ms;
        bool admin = strcmp(argv[3], "admin") == 0;
        if ((!admin && strcmp(argv[3], "io") != 0) || parse_u64(argv[4], &ms) != 0 || ms == 0 ||
            ms > 3600000)
            return shell_usage("nvme");
        nvme_ctrlr_set_timeout(c, admin, ms * 1000000ull);
        kprintf("%s: %s command timeout %llu ms\n", c->name, admin ? "admin" : "I/O",
                (unsigned long long)ms);
        return 0;
    }
    if (argc != 3)
        return shell_usage("nvme");
    if (strcmp(sub, "id-ctrl") == 0)
        return cmd_id_ctrl(c);
    if (strcmp(sub, "smart-log") == 0)
        return cmd_smart_log(c);
    if (strcmp(sub, "error-log") == 0)
        return cmd_error_log(c);
    if (strcmp(sub, "queues") == 0)
        return cmd_queues(c);
    if (strcmp(sub, "reset") == 0) {
        int err = nvme_ctrlr_reset(c);
        if (err)
            return shell_error(err, "nvme reset %s: %s", c->name, errno_name(err));
        kprintf("%s: reset complete\n", c->name);
        return 0;
    }
    return shell_usage("nvme");
}
SHELL_COMMAND(nvme, "nvme",
              "list | id-ctrl CTRL | id-ns NS | smart-log CTRL | error-log CTRL | "
              "get-feature CTRL FID | reset CTRL | queues CTRL | timeout CTRL admin|io MS | "
              "trace on|off | rawloop NS [QD] [MS]",
              "NVMe controllers and namespaces (nvme-cli style)", cmd_nvme);
