/*
 * drivers/nvme/nvme_capture.c - capture lines (see nvme_capture.h and
 * docs/capture.md for the format) and the short I/O sequence a capture
 * ends with.
 */
#include "drivers/nvme/nvme_capture.h"

#include <string.h>

#include "drivers/nvme/nvme_internal.h"
#include "kernel/kernel.h"
#include "kernel/time/clock.h"
#include "lib/crc32.h"
#include "lib/errno.h"

static void console_sink(struct nvme_ctrlr *c, const char *line)
{
    (void)c;
    kprintf(NVME_CAPTURE_PREFIX "%s\n", line);
}

void (*nvme_capture_sink)(struct nvme_ctrlr *c, const char *line) = console_sink;

/* Every line: counted and checksummed (with its newline), then sunk. */
static void emit(struct nvme_ctrlr *c, const char *line)
{
    c->capture_lines++;
    c->capture_crc = crc32_ieee(c->capture_crc, line, strlen(line));
    c->capture_crc = crc32_ieee(c->capture_crc, "\n", 1);
    nvme_capture_sink(c, line);
}

/* The queue pairs' trace flag carries "trace or capture" to the I/O path. */
static void set_observe(struct nvme_ctrlr *c)
{
    bool on = c->trace || c->capture;
    c->admin.trace = on;
    nvme_qpair_update_db_mode(&c->admin);
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next) {
        qp->trace = on;
        nvme_qpair_update_db_mode(qp);
    }
}

void nvme_capture_start(struct nvme_ctrlr *c, const char *mode, const char *device)
{
    char line[NVME_CAPTURE_LINE_MAX];
    c->capture = true;
    c->capture_lines = 0;
    c->capture_crc = 0;
    set_observe(c);
    ksnprintf(line, sizeof(line), "begin v%u %s %s %s", NVME_CAPTURE_VERSION, mode, c->name,
              device);
    emit(c, line);
}

void nvme_capture_end(struct nvme_ctrlr *c)
{
    static const char *const modes[] = { "none", "intx", "msix", "msi" };
    char line[NVME_CAPTURE_LINE_MAX];
    if (!c->capture)
        return;
    unsigned mode = (unsigned)c->irq_mode < 4 ? (unsigned)c->irq_mode : 0;
    ksnprintf(line, sizeof(line), "irq %s %u", modes[mode],
              c->irq_mode == NVME_IRQ_MSIX ? c->msix_vectors : c->irq_mode != NVME_IRQ_NONE);
    emit(c, line);
    ksnprintf(line, sizeof(line), "end %u crc32 %08x", c->capture_lines, c->capture_crc);
    c->capture = false;
    set_observe(c);
    nvme_capture_sink(c, line);
}

bool nvme_capture_pause(struct nvme_ctrlr *c)
{
    bool was = c->capture;
    c->capture = false;
    set_observe(c);
    return was;
}

void nvme_capture_resume(struct nvme_ctrlr *c, bool was_on)
{
    c->capture = was_on;
    set_observe(c);
}

void nvme_capture_reg(struct nvme_ctrlr *c, bool write, uint32_t off, uint32_t value)
{
    char line[32];
    ksnprintf(line, sizeof(line), "%c %03x %08x", write ? 'w' : 'r', off, value);
    emit(c, line);
}

void nvme_capture_step(struct nvme_ctrlr *c, unsigned n, unsigned total, const char *what)
{
    char line[NVME_CAPTURE_LINE_MAX];
    ksnprintf(line, sizeof(line), "step %u/%u %s", n, total, what);
    emit(c, line);
}

/* Everything of the command but its data pointers (addresses are the
 * host's, not the device's story). */
void nvme_capture_sqe(struct nvme_qpair *qp, const struct nvme_sqe *s)
{
    char line[NVME_CAPTURE_LINE_MAX];
    ksnprintf(line, sizeof(line), "s %u %04x %02x %08x %08x %08x %08x %08x %08x %08x", qp->id,
              s->cid, s->opc, s->nsid, s->cdw10, s->cdw11, s->cdw12, s->cdw13, s->cdw14,
              s->cdw15);
    emit(qp->ctrlr, line);
}

/* The data an admin command brought back, 32 bytes a line, all-zero lines
 * left out (an Identify page is mostly zeros). */
static void capture_data(struct nvme_ctrlr *c, const uint8_t *p, uint32_t len)
{
    static const char hex[] = "0123456789abcdef";
    char line[16 + 64];
    for (uint32_t off = 0; off < len; off += 32) {
        uint32_t n = len - off < 32 ? len - off : 32;
        bool zero = true;
        for (uint32_t i = 0; i < n; i++)
            zero &= p[off + i] == 0;
        if (zero)
            continue;
        int k = ksnprintf(line, sizeof(line), "d %04x ", off);
        for (uint32_t i = 0; i < n; i++) {
            line[k++] = hex[p[off + i] >> 4];
            line[k++] = hex[p[off + i] & 15];
        }
        line[k] = '\0';
        emit(c, line);
    }
}

void nvme_capture_cqe(struct nvme_qpair *qp, const struct nvme_cqe *e)
{
    char line[NVME_CAPTURE_LINE_MAX];
    const uint8_t *data = NULL;
    uint32_t len = 0;
    unsigned index = e->cid & NVME_CID_INDEX_MASK;
    if (qp->id == 0 && index < qp->ntrackers) {
        const struct nvme_tracker *tr = &qp->trackers[index];
        if (tr->active && tr->sqe.cid == e->cid && tr->req && !tr->req->lba_cmd &&
            tr->req->payload == NVME_PAYLOAD_CONTIG) {
            data = tr->req->buf;
            len = tr->req->len;
        }
    }
    ksnprintf(line, sizeof(line), "c %u %04x %04x %08x %08x %04x %u", qp->id, e->cid, e->status,
              e->dw0, e->dw1, e->sqhd, len);
    emit(qp->ctrlr, line);
    if (data)
        capture_data(qp->ctrlr, data, len);
}

/* ---- the I/O sequence ---- */

struct seq_done {
    bool done;
    int err;
};

static void seq_cb(void *arg, const struct nvme_cpl *cpl)
{
    struct seq_done *d = arg;
    d->err = cpl->err;
    WRITE_ONCE(d->done, true);
}

static int seq_wait(struct nvme_ctrlr *c, struct nvme_qpair *qp, struct seq_done *d)
{
    struct deadline dl = deadline_in_ns(c->io_timeout_ns);
    while (!READ_ONCE(d->done)) {
        nvme_qpair_process_completions(qp, 0);
        if (READ_ONCE(d->done))
            break;
        if (deadline_passed(dl))
            return -ETIMEDOUT;
        nvme_env_relax(c);
    }
    return d->err;
}

int nvme_capture_io_sequence(struct nvme_ctrlr *c)
{
    struct nvme_qpair *qp = c->block_qp_poll;
    struct nvme_ns *ns = c->namespaces;
    while (ns && ns->unusable)
        ns = ns->next;
    nvme_phys_t phys;
    uint8_t *buf = nvme_env_dma_alloc(8 * 4096, &phys);
    if (buf == NULL)
        return -ENOMEM;
    struct nvme_sqe cmd;
    struct nvme_cpl cpl;
    int err = nvme_cmd_get_log_page(&cmd, NVME_NSID_ALL, NVME_LOG_SMART, 512, 0, false);
    if (err == 0 && nvme_admin_sync(c, &cmd, buf, 512, &cpl) != 0)
        err = nvme_admin_failed(c, "Get Log Page (SMART)", &cpl);
    if (qp && ns) {
        uint32_t n = 8;
        if (n * ns->block_size > 8 * 4096)
            n = 8 * 4096 / ns->block_size;
        const struct { uint64_t lba; uint32_t count; } reads[] = { { 0, 1 }, { 8, n } };
        for (unsigned i = 0; i < 2 && err == 0; i++) {
            struct seq_done d = { false, 0 };
            if (reads[i].lba + reads[i].count > ns->nsze || reads[i].count == 0)
                continue;
            err = nvme_ns_cmd_read(ns, qp, buf, reads[i].lba, reads[i].count, seq_cb, &d, 0);
            if (err == 0)
                err = seq_wait(c, qp, &d);
        }
        struct seq_done d = { false, 0 };
        if (err == 0)
            err = nvme_ns_cmd_flush(ns, qp, seq_cb, &d);
        if (err == 0)
            err = seq_wait(c, qp, &d);
    }
    if (err)
        kprintf("%s: capture I/O sequence failed: %s\n", c->name, errno_name(err));
    /* A command that never completed may still write into it: kept. */
    if (err != -ETIMEDOUT)
        nvme_env_dma_free(buf, 8 * 4096);
    return err;
}
