/*
 * drivers/nvme/nvme_qpair.c - submission and completion queues: the I/O path.
 *
 * [NVMe Base 2.0 §3.3.1 (circular queues: head, tail, full = tail + 1 ==
 * head), §3.3.1.2 (Phase Tag), §3.3.3 (SQE/CQE formats), §3.1.4 / PCIe
 * Transport 1.0 §3.1.2 (doorbells)].
 *
 * Submitting: a request takes a tracker per command; the SQE is built in
 * the tracker (kept for retries and for resubmission after a reset), copied
 * into the SQ slot at the tail, and the tail doorbell is written - once per
 * batch when the caller batches, and once per pass of completion callbacks.
 * The command identifier is the tracker's index plus a 4-bit generation.
 *
 * Completing: read the phase tag first; only when it shows a new entry read
 * the rest (after a read barrier). Each entry is checked: its CID must name
 * a tracker in flight with the same generation and its SQID this queue;
 * anything else is reported as bogus and otherwise ignored. The CQ head
 * doorbell is written once per reaped batch. A failed command whose status
 * allows a retry (DNR clear, a transient code) is resubmitted a bounded
 * number of times; a request larger than the transfer limit is split into
 * commands and completes once, with the first error.
 *
 * Every command has a deadline; nvme_qpair_process_completions() looks for
 * expired ones at most every NVME_TIMEOUT_CHECK_NS and hands them to the
 * controller's recovery (nvme_ctrlr.c: poll, abort, reset).
 */
#include <string.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_dbbuf.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_limits.h"
#include "drivers/nvme/nvme_quirks.h"
#include "drivers/nvme/nvme_status.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"

#define SGL_MAX_SEGMENTS 256

int nvme_qpair_init(struct nvme_qpair *qp, struct nvme_ctrlr *c, uint16_t id, uint16_t size,
                    bool irq)
{
    memset(qp, 0, sizeof(*qp));
    qp->ctrlr = c;
    qp->id = id;
    qp->size = size;
    qp->irq = irq;
    qp->lock.spin.name = id == 0 ? "nvme admin qpair" : "nvme I/O qpair";
    qp->cpu = (uint16_t)nvme_env_cpu_index(); /* interrupts here unless told otherwise */
    /* Fixed per pair, so the I/O path reads a field and tests nothing:
     * SQ slot size (CC.IOSQES; admin SQEs are always 64 bytes), CID
     * generation bits and first CID (quirks, nvme_quirks.h). The CID's
     * index is the tracker's index in the array: with a first CID above 0
     * the trackers below it exist but are never used (never active), so
     * completion needs no subtraction. */
    qp->sqe_shift = id == 0 ? NVME_CC_IOSQES_64 : c->iosqes;
    qp->gen_mask = (c->quirks & NVME_QUIRK_SKIP_CID_GEN) ? 0 : NVME_CID_GEN_MASK;
    qp->cid_base = (id != 0 && (c->quirks & NVME_QUIRK_SHARED_TAGS)) ? NVME_ADMIN_QUEUE_SIZE : 0;
    uint16_t count = nvme_qpair_tracker_count(c, id, size), base = qp->cid_base;
    if (count == 0)
        return -EINVAL;
    qp->ntrackers = (uint16_t)(base + count);

    /* Queue bases and PRP list pages: aligned to the controller's page
     * (CC.MPS) [§3.1.3.8-9, §4.1.1]; 4 KiB is not enough when MPS > 0. */
    qp->sq = nvme_env_dma_alloc_aligned((size_t)size << qp->sqe_shift, c->page_size, &qp->sq_phys);
    qp->cq = nvme_env_dma_alloc_aligned((size_t)size * sizeof(struct nvme_cqe), c->page_size,
                                        &qp->cq_phys);
    qp->trackers = kzalloc((size_t)qp->ntrackers * sizeof(*qp->trackers));
    qp->requests = kzalloc((size_t)qp->ntrackers * sizeof(*qp->requests));
    if (!qp->sq || !qp->cq || !qp->trackers || !qp->requests)
        goto err_free;

    uint32_t lists = c->prp_list_pages;
    qp->prp_lists = lists;
    qp->timeout_tsc = id == 0 ? c->admin_timeout_tsc : c->io_timeout_tsc;
    qp->trace = c->trace || c->capture; /* trace or capture: the hooks sort it out */
    qp->fault = c->fault;
    uint64_t *prp = NULL;
    nvme_phys_t prp_phys = 0;
    if (lists) {
        prp = nvme_env_dma_alloc_aligned((size_t)count * lists * c->page_size, c->page_size,
                                         &prp_phys);
        if (prp == NULL)
            goto err_free;
    }
    for (uint16_t i = 0; i < qp->ntrackers; i++) {
        struct nvme_tracker *tr = &qp->trackers[i];
        tr->index = i;
        if (i < base)
            continue; /* below the first CID: never on the free list */
        if (lists) {
            tr->prp_virt = (uint64_t *)((uint8_t *)prp + (size_t)(i - base) * lists * c->page_size);
            tr->prp_phys = prp_phys + (uint64_t)(i - base) * lists * c->page_size;
        }
        tr->next_free = i + 1 < qp->ntrackers ? &qp->trackers[i + 1] : NULL;
        qp->requests[i].next_free = i + 1 < qp->ntrackers ? &qp->requests[i + 1] : NULL;
    }
    qp->free_trackers = &qp->trackers[base];
    qp->free_requests = &qp->requests[base];
    qp->sq_db.mmio = (uint32_t *)(c->regs + NVME_REG_SQTDBL(id, c->dstrd));
    qp->cq_db.mmio = (uint32_t *)(c->regs + NVME_REG_CQHDBL(id, c->dstrd));
    nvme_qpair_reset_rings(qp);
    nvme_qpair_update_lock(qp);
    nvme_qpair_update_db_mode(qp);
    return 0;

err_free:
    nvme_qpair_destroy(qp);
    return -ENOMEM;
}

void nvme_qpair_destroy(struct nvme_qpair *qp)
{
    struct nvme_ctrlr *c = qp->ctrlr;
    if (qp->fault)
        nvme_fault_forget_qpair(qp);
    if (qp->trackers && qp->ntrackers > qp->cid_base && qp->prp_lists &&
        qp->trackers[qp->cid_base].prp_virt)
        nvme_env_dma_free(qp->trackers[qp->cid_base].prp_virt,
                          (size_t)(qp->ntrackers - qp->cid_base) * qp->prp_lists * c->page_size);
    nvme_env_dma_free(qp->sq, (size_t)qp->size << qp->sqe_shift);
    nvme_env_dma_free(qp->cq, (size_t)qp->size * sizeof(struct nvme_cqe));
    kfree(qp->trackers);
    kfree(qp->requests);
    qp->sq = NULL;
    qp->cq = NULL;
    qp->trackers = NULL;
    qp->requests = NULL;
}

void nvme_qpair_reset_rings(struct nvme_qpair *qp)
{
    /* A zeroed CQ holds no entry with phase 1: stale memory cannot pose as
     * a completion (libevpl #90). */
    memset(qp->cq, 0, (size_t)qp->size * sizeof(struct nvme_cqe));
    qp->sq_tail = qp->sq_db_tail = 0;
    qp->cq_head = 0;
    qp->phase = 1;
}

static inline void request_free(struct nvme_qpair *qp, struct nvme_request *req)
{
    req->next_free = qp->free_requests;
    qp->free_requests = req;
}

static NVME_ALWAYS_INLINE void ring_sq(struct nvme_qpair *qp)
{
    if (qp->sq_tail == qp->sq_db_tail)
        return;
    nvme_publish_before_doorbell();
    qp->sq_db_tail = qp->sq_tail;
    qp->stats.doorbells_sq++;
    nvme_doorbell_update(qp, &qp->sq_db, qp->sq_tail, true);
}

void nvme_qpair_ring_sq(struct nvme_qpair *qp)
{
    ring_sq(qp);
}

/* The general case of map_payload: PRP lists, scatter-gather lists. */
static int map_payload_slow(struct nvme_qpair *qp, struct nvme_request *req,
                            struct nvme_tracker *tr, uint32_t offset, uint32_t len)
{
    struct nvme_ctrlr *c = qp->ctrlr;
    struct nvme_prp prp;
    struct nvme_prp_list_page lists[8];
    uint32_t nlists = qp->prp_lists < 8 ? qp->prp_lists : 8;
    int err;

    for (uint32_t i = 0; i < nlists; i++) {
        lists[i].virt = (uint64_t *)((uint8_t *)tr->prp_virt + (size_t)i * c->page_size);
        lists[i].phys = tr->prp_phys + (uint64_t)i * c->page_size;
    }
    if (req->payload == NVME_PAYLOAD_CONTIG) {
        struct nvme_prp_seg seg = { nvme_env_virt_to_phys(req->buf + offset), len };
        err = nvme_prp_build(&prp, &seg, 1, c->page_size, lists, nlists);
    } else {
        struct nvme_prp_seg segs[SGL_MAX_SEGMENTS];
        size_t n = 0;
        uint32_t covered = 0;
        req->reset_sgl(req->cb_arg, offset);
        while (covered < len) {
            void *addr;
            uint32_t seglen;
            if (n == SGL_MAX_SEGMENTS || req->next_sge(req->cb_arg, &addr, &seglen) != 0 ||
                seglen == 0)
                return -EINVAL;
            if (seglen > len - covered)
                seglen = len - covered;
            segs[n].phys = nvme_env_virt_to_phys(addr);
            segs[n].len = seglen;
            n++;
            covered += seglen;
        }
        err = nvme_prp_build(&prp, segs, n, c->page_size, lists, nlists);
    }
    if (err) {
        if (c->trace)
            kprintf("%s: cannot map the data buffer: %s\n", c->name, prp.error);
        return err;
    }
    tr->sqe.dptr.prp1 = prp.prp1;
    tr->sqe.dptr.prp2 = prp.prp2;
    return 0;
}

/*
 * Fills the data pointer of tr->sqe for len bytes of req's payload at
 * offset. Kernel virtual buffers are physically contiguous (direct map,
 * kernel image), so a contiguous buffer is one segment, and one on at most
 * two memory pages takes nvme_prp_short, the common case [NVMe Base 2.0
 * §4.1.1].
 */
static inline int map_payload(struct nvme_qpair *qp, struct nvme_request *req,
                              struct nvme_tracker *tr, uint32_t offset, uint32_t len)
{
    if (likely(req->payload == NVME_PAYLOAD_CONTIG) &&
        likely(nvme_prp_short(nvme_env_virt_to_phys(req->buf + offset), len,
                              qp->ctrlr->page_size, &tr->sqe.dptr.prp1, &tr->sqe.dptr.prp2)))
        return 0;
    return map_payload_slow(qp, req, tr, offset, len);
}

/* Builds and submits the next command of req into tr. */
static NVME_ALWAYS_INLINE int submit_child(struct nvme_qpair *qp, struct nvme_request *req,
                                           struct nvme_tracker *tr)
{
    struct nvme_sqe *sqe = &tr->sqe;
    uint32_t len = req->len, offset = req->bytes_done;
    nvme_tracker_start(tr, req);

    if (req->lba_cmd) {
        /* Built here, once: no template copy on the I/O path. */
        struct nvme_ns *ns = req->ns;
        uint32_t n = req->blocks_left < ns->max_blocks ? req->blocks_left : ns->max_blocks;
        if (req->opc == NVME_IO_WRITE_ZEROES) {
            /* No data: only the 16-bit NLB limits it. */
            if (req->blocks_left > n)
                n = req->blocks_left < NVME_RW_MAX_BLOCKS ? req->blocks_left
                                                          : NVME_RW_MAX_BLOCKS;
            nvme_cmd_write_zeroes(sqe, req->nsid, req->next_lba, n,
                                  NVME_GET(req->cdw12_flags, RW_CDW12_DEAC) != 0);
        } else {
            nvme_cmd_rw(sqe, req->opc, req->nsid, req->next_lba, n, req->cdw12_flags);
        }
        if (req->md_buf)
            sqe->mptr = nvme_env_virt_to_phys(req->md_buf + (size_t)(req->bytes_done /
                                                                      ns->xfer_block) *
                                                            ns->md_size);
        tr->blocks = n;
        len = req->payload == NVME_PAYLOAD_NONE ? 0 : n * ns->xfer_block;
    } else {
        *sqe = req->cmd;
    }
    if (req->payload != NVME_PAYLOAD_NONE && len) {
        int err = map_payload(qp, req, tr, offset, len);
        if (unlikely(err))
            return err;
    }
    if (req->lba_cmd) {
        req->next_lba += tr->blocks;
        req->blocks_left -= tr->blocks;
        req->bytes_done += len;
    }
    req->outstanding++;
    nvme_sq_push(qp, tr);
    return 0;
}

static struct nvme_tracker *tracker_get(struct nvme_qpair *qp)
{
    struct nvme_tracker *tr = qp->free_trackers;
    if (tr)
        qp->free_trackers = tr->next_free;
    return tr;
}

static NVME_ALWAYS_INLINE void tracker_put(struct nvme_qpair *qp, struct nvme_tracker *tr)
{
    tr->active = false;
    tr->gen = (uint8_t)((tr->gen + 1) & qp->gen_mask);
    tr->next_free = qp->free_trackers;
    qp->free_trackers = tr;
    qp->outstanding--;
}

/* Submits as many of the request's remaining commands as trackers allow. */
static NVME_ALWAYS_INLINE int submit_more(struct nvme_qpair *qp, struct nvme_request *req)
{
    do {
        struct nvme_tracker *tr = tracker_get(qp);
        if (tr == NULL)
            return req->outstanding ? 0 : -EAGAIN;
        int err = submit_child(qp, req, tr);
        if (err) {
            tr->next_free = qp->free_trackers;
            qp->free_trackers = tr;
            return err;
        }
    } while (req->lba_cmd && req->blocks_left > 0);
    return 0;
}

static NVME_ALWAYS_INLINE int request_submit(struct nvme_qpair *qp, struct nvme_request *req)
{
    if (unlikely(qp->ctrlr->state == NVME_STATE_FAILED)) {
        request_free(qp, req);
        return -ENODEV;
    }
    int err = submit_more(qp, req);
    if (err && req->outstanding == 0) {
        request_free(qp, req);
        return err;
    }
    if (err) {
        /* Part of it is in flight: finish it as failed when that completes. */
        req->failed = true;
        req->blocks_left = 0;
        req->cpl.err = err;
    }
    return 0;
}

int nvme_qpair_submit_lba_general(struct nvme_qpair *qp, struct nvme_ns *ns, uint8_t opc,
                                  void *buf, uint64_t lba, uint32_t lba_count, uint32_t cdw12,
                                  nvme_cmd_cb cb, void *cb_arg, const struct nvme_lba_payload *x)
{
    if (lba_count == 0 || (x == NULL && ((uintptr_t)buf & 3)))
        return -EINVAL;
    if (unlikely(qp->orphaned))
        return -ENODEV;
    if (ns->md_size && !ns->extended_lba && (x == NULL || x->kind != NVME_PAYLOAD_NONE) &&
        (x == NULL || x->md_buf == NULL)) {
        /* Never MPTR=0: the device would write metadata to address 0. */
        if (!ns->md_refused_reported)
            kprintf("%sn%u: refused: the LBA format keeps %u bytes of metadata per block in a "
                    "separate buffer, and the command gave none (use the *_with_md calls)\n",
                    qp->ctrlr->name, ns->nsid, ns->md_size);
        ns->md_refused_reported = true;
        return -EINVAL;
    }
    if (lba_count > ns->max_request_blocks)
        return -E2BIG;
    struct nvme_request *req = qp->free_requests;
    if (unlikely(req == NULL))
        return -EAGAIN;
    qp->free_requests = req->next_free;
    nvme_request_init(req, cb, cb_arg, true, x ? x->kind : NVME_PAYLOAD_CONTIG);
    req->bytes_done = 0;
    /* Each command's SQE is built from these at submission. */
    req->opc = opc;
    req->nsid = ns->nsid;
    req->cdw12_flags = cdw12;
    req->ns = ns;
    req->buf = buf;
    req->md_buf = x ? x->md_buf : NULL;
    if (x && x->kind == NVME_PAYLOAD_SGL) {
        req->reset_sgl = x->reset_sgl;
        req->next_sge = x->next_sge;
    }
    req->next_lba = lba;
    req->blocks_left = lba_count;
    return request_submit(qp, req);
}

int nvme_qpair_submit_lba_locked(struct nvme_qpair *qp, unsigned flags, struct nvme_ns *ns,
                                 uint8_t opc, void *buf, uint64_t lba, uint32_t lba_count,
                                 uint32_t cdw12, nvme_cmd_cb cb, void *cb_arg,
                                 const struct nvme_lba_payload *x)
{
    struct nvme_qtoken tok = nvme_qpair_lock_slow(qp, flags);
    int err = nvme_qpair_submit_lba_body(qp, ns, opc, buf, lba, lba_count, cdw12, cb, cb_arg, x);
    nvme_qpair_unlock(qp, tok);
    return err;
}

int nvme_qpair_submit_cmd(struct nvme_qpair *qp, const struct nvme_sqe *cmd, void *buf,
                          uint32_t len, bool no_timeout, nvme_cmd_cb cb, void *cb_arg)
{
    if (buf && ((uintptr_t)buf & 3))
        return -EINVAL;
    if (qp->orphaned)
        return -ENODEV;
    struct nvme_qtoken tok = nvme_qpair_lock(qp);
    struct nvme_request *req = qp->free_requests;
    int err = -EAGAIN;
    if (req) {
        qp->free_requests = req->next_free;
        nvme_request_init(req, cb, cb_arg, false,
                          (buf && len) ? NVME_PAYLOAD_CONTIG : NVME_PAYLOAD_NONE);
        req->no_timeout = no_timeout;
        req->bytes_done = 0;
        req->cmd = *cmd;
        req->buf = buf;
        req->len = len;
        req->md_buf = NULL;
        err = request_submit(qp, req);
    }
    nvme_qpair_unlock(qp, tok);
    return err;
}

/* The request's last command is done: free it, then tell the caller. */
static NVME_ALWAYS_INLINE void request_complete(struct nvme_qpair *qp, struct nvme_request *req)
{
    nvme_cmd_cb cb = req->cb;
    void *arg = req->cb_arg;
    struct nvme_cpl cpl = req->cpl;
    request_free(qp, req);
    if (cb)
        cb(arg, &cpl);
}

/* One command of req finished with cqe (real or made up). */
static void child_done(struct nvme_qpair *qp, struct nvme_tracker *tr, const struct nvme_cqe *cqe,
                       int err)
{
    struct nvme_request *req = tr->req;
    tracker_put(qp, tr);
    if (likely(err == 0 && req->outstanding == 1 && req->blocks_left == 0 && !req->failed)) {
        /* Its last command, done: the common case. */
        req->outstanding = 0;
        req->cpl.cqe = *cqe;
        request_complete(qp, req);
        return;
    }
    req->outstanding--;
    if (err && !req->failed) {
        req->failed = true;
        req->cpl.cqe = *cqe;
        req->cpl.err = err;
    } else if (!req->failed) {
        req->cpl.cqe = *cqe;
    }
    if (req->lba_cmd && req->blocks_left > 0 && !req->failed) {
        int serr = submit_more(qp, req);
        if (serr && req->outstanding == 0) {
            req->failed = true;
            req->cpl.err = serr;
        }
    }
    if (req->outstanding == 0 && (req->failed || !req->lba_cmd || req->blocks_left == 0))
        request_complete(qp, req);
}

void nvme_tracker_fail(struct nvme_qpair *qp, struct nvme_tracker *tr, uint16_t status, int err)
{
    struct nvme_cqe cqe;
    memset(&cqe, 0, sizeof(cqe));
    cqe.sqid = qp->id;
    cqe.cid = tr->sqe.cid;
    cqe.status = (uint16_t)(status << 1);
    child_done(qp, tr, &cqe, err);
}

static void report_bogus(struct nvme_qpair *qp, const struct nvme_cqe *cqe, const char *why)
{
    qp->stats.bogus++;
    /* Rate-limited: a confused device can post thousands. */
    if (qp->stats.bogus <= 8)
        kprintf("%s: bogus completion on queue %u (%s): CID %#x SQID %u status %#x; ignored\n",
                qp->ctrlr->name, qp->id, why, cqe->cid, cqe->sqid, cqe->status);
}

/*
 * [NVMe Base 2.0 §4.6.1.2.1, Figure 93 CRD; §5.17.2.1 CRDT1-3] A status
 * with Command Retry Delay n asks the host to wait CRDTn x 100 ms before
 * retrying. Capped at the queue's command timeout; the watchdog pass
 * (reap) resubmits the tracker when the time has come. True: it waits.
 */
static bool retry_delay(struct nvme_qpair *qp, struct nvme_tracker *tr, uint16_t status)
{
    const struct nvme_id_ctrl *id = qp->ctrlr->id;
    unsigned crd = (unsigned)NVME_GET(status, STATUS_CRD);
    uint16_t crdt = id == NULL ? 0 : crd == 1 ? id->crdt1 : crd == 2 ? id->crdt2 : id->crdt3;
    if (crdt == 0)
        return false;
    uint64_t wait = ns_to_tsc((uint64_t)crdt * 100 * NSEC_PER_MSEC);
    tr->submit_tsc = rdtsc() + (wait < qp->timeout_tsc ? wait : qp->timeout_tsc);
    tr->retry_wait = true;
    tr->active = true;
    qp->outstanding++;
    return true;
}

/* A completion with an error status: retried (bounded, after its Command
 * Retry Delay) or the request's error. Out of line: the rare case. */
static __attribute__((noinline)) void cqe_error(struct nvme_qpair *qp, struct nvme_tracker *tr,
                                                const struct nvme_cqe *cqe, uint16_t status)
{
    struct nvme_ctrlr *c = qp->ctrlr;
    if (nvme_status_is_retryable(status) && tr->attempts <= c->max_retries &&
        c->state == NVME_STATE_READY) {
        /* Same command, same slot, new generation, new deadline. */
        qp->stats.retries++;
        if (c->trace) {
            char s[96];
            nvme_status_format(status, s, sizeof(s));
            kprintf("%s: retrying CID %#x on queue %u (attempt %u): %s\n", c->name, cqe->cid,
                    qp->id, tr->attempts + 1, s);
        }
        qp->outstanding--;
        tr->gen = (uint8_t)((tr->gen + 1) & qp->gen_mask);
        if (unlikely(NVME_GET(status, STATUS_CRD)) && retry_delay(qp, tr, status))
            return; /* the watchdog resubmits it when the delay is over */
        nvme_sq_push(qp, tr);
        return;
    }
    child_done(qp, tr, cqe, nvme_status_to_errno(status));
}

/* Handles one completion entry. */
static NVME_ALWAYS_INLINE void handle_cqe(struct nvme_qpair *qp, const struct nvme_cqe *cqe)
{
    unsigned index = cqe->cid & NVME_CID_INDEX_MASK;
    unsigned gen = (unsigned)cqe->cid >> NVME_CID_INDEX_BITS;
    if (unlikely(cqe->sqid != qp->id)) {
        report_bogus(qp, cqe, "wrong SQID");
        return;
    }
    if (unlikely(index >= qp->ntrackers)) {
        report_bogus(qp, cqe, "CID out of range");
        return;
    }
    struct nvme_tracker *tr = &qp->trackers[index];
    if (unlikely(!tr->active || tr->gen != gen)) {
        report_bogus(qp, cqe, tr->active ? "stale generation" : "no command in flight");
        return;
    }
    /* SQHD is not tracked: the SQ cannot overflow, as it has one slot more
     * than there are trackers, and a slot is reused only after its command
     * completed, which the device posts after fetching it [§3.3.1.2]. */
    qp->stats.completed++;

    uint16_t status = cqe->status;
    if (likely(!nvme_status_is_error(status))) {
        struct nvme_request *req = tr->req;
        if (likely(req->outstanding == 1 && req->blocks_left == 0 && !req->failed)) {
            /* The request's last command, successful: the common case. The
             * completion goes to the caller from the stack, so the request
             * is free (and reusable by the callback) before it runs. */
            nvme_cmd_cb cb = req->cb;
            void *arg = req->cb_arg;
            struct nvme_cpl cpl;
            cpl.cqe = *cqe;
            cpl.err = 0;
            tracker_put(qp, tr);
            req->outstanding = 0;
            request_free(qp, req);
            if (cb)
                cb(arg, &cpl);
        } else {
            child_done(qp, tr, cqe, 0);
        }
        return;
    }
    cqe_error(qp, tr, cqe, status);
}

static uint32_t run_deferred(struct nvme_qpair *qp);

/* faults: a fault plan is armed (nvme_fault.h), or failures a reset on
 * another CPU left to this one wait (qp->deferred): the loop below is
 * compiled twice, and the plain one has neither check per completion. */
static NVME_ALWAYS_INLINE int32_t reap_impl(struct nvme_qpair *qp, uint32_t max,
                                            bool check_timeouts, const bool faults)
{
    struct nvme_ctrlr *c = qp->ctrlr;
    uint32_t n = 0, released = 0;
    struct nvme_qtoken tok = nvme_qpair_lock(qp);

    qp->batch_depth++; /* callbacks that submit share one SQ doorbell */
    if (faults && qp->deferred)
        released += run_deferred(qp);
    if (faults && qp->fault != NULL) {
        /* Completions a fault plan delayed, now due (nvme_fault.c). */
        struct nvme_cqe held;
        while (nvme_fault_take_due(qp, &held)) {
            released++;
            handle_cqe(qp, &held);
        }
    }
    while (max == 0 || n < max) {
        struct nvme_cqe *slot = &qp->cq[qp->cq_head];
        /* Phase tag first; the rest of the entry only after the barrier. */
        uint16_t status = __atomic_load_n(&slot->status, __ATOMIC_RELAXED);
        if ((status & NVME_STATUS_P_MASK) != qp->phase)
            break;
        nvme_read_barrier();
        struct nvme_cqe cqe = *slot;
        if (++qp->cq_head == qp->size) {
            qp->cq_head = 0;
            qp->phase ^= 1;
        }
        n++;
        if (unlikely(qp->trace))
            nvme_trace_cqe(qp, &cqe);
        if (faults && qp->fault != NULL && nvme_fault_on_cqe(qp, &cqe))
            continue; /* dropped or held back by the fault plan */
        handle_cqe(qp, &cqe);
    }
    if (n) {
        qp->stats.doorbells_cq++;
        nvme_doorbell_update(qp, &qp->cq_db, qp->cq_head, false);
    }
    qp->batch_depth--;
    if (qp->batch_depth == 0)
        ring_sq(qp);

    /*
     * Deadlines (the watchdog): looked at only when a pass found nothing,
     * and only every NVME_TIMEOUT_CHECK_NS. A command's clock starts at the
     * first pass that sees it in flight rather than at submission, so the
     * I/O path never reads the TSC; a deadline is at most one check
     * interval (plus the time to the next idle pass) late, never early.
     */
    struct nvme_tracker *expired = NULL;
    uint16_t expired_cid = 0;
    if (check_timeouts && n + released == 0 && qp->outstanding) {
        uint64_t now = rdtsc();
        if (now >= qp->next_timeout_check) {
            qp->next_timeout_check = now + ns_to_tsc(NVME_TIMEOUT_CHECK_NS);
            /* A failed or vanished controller is found here, well before any
             * deadline (FreeBSD's watchdog reads CSTS the same way). */
            uint32_t csts = nvme_rd32_quiet(c, NVME_REG_CSTS);
            bool dead = csts == NVME_CSTS_GONE || NVME_GET(csts, CSTS_CFS);
            for (uint16_t i = 0; i < qp->ntrackers; i++) {
                struct nvme_tracker *tr = &qp->trackers[i];
                if (unlikely(tr->retry_wait) && !tr->recover) {
                    if (now >= tr->submit_tsc) { /* its Command Retry Delay is over */
                        tr->retry_wait = false;
                        qp->outstanding--;
                        nvme_sq_push(qp, tr);
                    }
                    continue;
                }
                if (!tr->active || tr->recover || tr->req->no_timeout || tr->deferred_err)
                    continue;
                if (tr->submit_tsc == 0)
                    tr->submit_tsc = now; /* its clock starts now */
                if (dead || now - tr->submit_tsc >= qp->timeout_tsc + tr->extra_tsc) {
                    expired = tr;
                    expired_cid = tr->sqe.cid; /* under the lock: tr may be reused after */
                    break;
                }
            }
        }
    }
    nvme_qpair_unlock(qp, tok);
    if (expired)
        nvme_ctrlr_handle_timeout_cid(c, qp, expired, expired_cid);
    return (int32_t)(n + released);
}

static __attribute__((noinline)) int32_t reap_faults(struct nvme_qpair *qp, uint32_t max,
                                                     bool check_timeouts)
{
    return reap_impl(qp, max, check_timeouts, true);
}

/* One predictable branch per pass when no plan is armed. */
static NVME_ALWAYS_INLINE int32_t reap(struct nvme_qpair *qp, uint32_t max, bool check_timeouts)
{
    if (unlikely(qp->fault != NULL || qp->deferred))
        return reap_faults(qp, max, check_timeouts);
    return reap_impl(qp, max, check_timeouts, false);
}

void nvme_qpair_handle_cqe_now(struct nvme_qpair *qp, const struct nvme_cqe *cqe)
{
    struct nvme_qtoken tok = nvme_qpair_lock(qp);
    qp->batch_depth++;
    handle_cqe(qp, cqe);
    qp->batch_depth--;
    if (qp->batch_depth == 0)
        ring_sq(qp);
    nvme_qpair_unlock(qp, tok);
}

void nvme_qpair_mark_for_recovery(struct nvme_qpair *qp)
{
    struct nvme_qtoken tok = nvme_qpair_lock(qp);
    for (uint16_t i = 0; i < qp->ntrackers; i++) /* a deferred failure is settled */
        qp->trackers[i].recover = qp->trackers[i].active && !qp->trackers[i].deferred_err;
    nvme_qpair_unlock(qp, tok);
}

static void fail_recovered(struct nvme_qpair *qp, struct nvme_tracker *tr, int err)
{
    nvme_tracker_fail(qp, tr, tr->timed_out ? NVME_SC_ABORT_REQUESTED : NVME_SC_ABORT_SQ_DELETED,
                      err);
}

/* On the pair's own CPU, under its lock: the failures a reset elsewhere left. */
static uint32_t run_deferred(struct nvme_qpair *qp)
{
    uint32_t n = 0;
    for (uint16_t i = 0; i < qp->ntrackers && qp->deferred; i++) {
        struct nvme_tracker *tr = &qp->trackers[i];
        if (!tr->deferred_err)
            continue;
        int err = tr->deferred_err;
        tr->deferred_err = 0;
        qp->deferred--;
        fail_recovered(qp, tr, err);
        n++;
    }
    return n;
}

void nvme_qpair_recover_outstanding(struct nvme_qpair *qp, bool fail_all, int err)
{
    struct nvme_ctrlr *c = qp->ctrlr;
    struct nvme_qtoken tok = nvme_qpair_lock(qp);
    /* A pair of another CPU's own: its failed commands' callbacks are left
     * to that CPU (its next reap), which is the only one that runs its
     * callbacks otherwise - they may touch that CPU's state without a lock
     * (a benchmark job's). An orphaned pair's CPU no longer reaps it: those
     * fail here. */
    bool defer = qp->single_cpu && !qp->orphaned && nvme_env_cpu_index() != qp->cpu;
    qp->batch_depth++;
    /* Only what was marked when the device forgot it: callbacks below, and
     * the reset itself, start new commands that must not be sent twice. */
    for (uint16_t i = 0; i < qp->ntrackers; i++) {
        struct nvme_tracker *tr = &qp->trackers[i];
        if (!tr->recover)
            continue;
        tr->recover = false;
        tr->retry_wait = false; /* a delayed retry: resubmitted or failed now, as the others */
        if (!tr->active)
            continue;
        if (tr->req->no_timeout || (qp->id == 0 && tr->sqe.opc == NVME_ADMIN_ABORT)) {
            /* An Asynchronous Event Request: the reset ended it; it is
             * not an error and the controller asks for events again. An
             * Abort: the CID it names is gone with the reset, and may be
             * a new command's by now - never sent again. */
            nvme_tracker_fail(qp, tr, NVME_SC_ABORT_SQ_DELETED, -ECANCELED);
        } else if (fail_all || qp->orphaned || tr->timed_out || tr->attempts > c->max_retries) {
            int e = tr->timed_out ? -ETIMEDOUT : qp->orphaned ? -ENODEV : err;
            if (defer) {
                tr->deferred_err = (int8_t)e;
                qp->deferred++;
            } else {
                fail_recovered(qp, tr, e);
            }
        } else {
            /* The device forgot it: the same command again, new generation. */
            qp->outstanding--;
            tr->gen = (uint8_t)((tr->gen + 1) & qp->gen_mask);
            tr->abort_sent = false;
            nvme_sq_push(qp, tr);
        }
    }
    qp->batch_depth--;
    if (qp->batch_depth == 0 && !qp->orphaned)
        nvme_qpair_ring_sq(qp);
    if (qp->orphaned) {
        /* Nothing more is taken: submissions find no request and fail. */
        qp->free_requests = NULL;
        qp->free_trackers = NULL;
    }
    nvme_qpair_unlock(qp, tok);
}

int32_t nvme_qpair_reap(struct nvme_qpair *qp, uint32_t max, bool check_timeouts)
{
    return reap(qp, max, check_timeouts);
}

void nvme_qpair_interrupt(struct nvme_qpair *qp)
{
    /* An interrupt before the queue exists or after it has gone (a
     * spurious or shared INTx, issue 9): nothing of ours to reap. */
    if (unlikely(qp->cq == NULL || qp->trackers == NULL))
        return;
    qp->stats.interrupts++;
    if (unlikely(nvme_env_cpu_index() != qp->cpu))
        qp->stats.irqs_elsewhere++; /* its vector is shared, or not routed to its CPU */
    if (unlikely(qp->fault != NULL) && nvme_fault_on_irq(qp))
        return; /* swallowed: its completions wait for the next poll */
    if (unlikely(qp->clocks)) {
        uint64_t t0 = rdtsc();
        reap(qp, 0, false);
        qp->stats.irq_tsc += rdtsc() - t0;
    } else {
        reap(qp, 0, false);
    }
}

/* ---- public queue-pair calls ---- */

int32_t nvme_qpair_process_completions(struct nvme_qpair *qp, uint32_t max)
{
    /* A pair of one CPU takes no lock: another CPU reaping it would race its
     * owner. Refused, not waited for: the owner reaps it (nvme_percpu.c). */
    if (unlikely(qp->single_cpu) && nvme_env_cpu_index() != qp->cpu)
        return -EPERM;
    if (unlikely(qp->ctrlr->state == NVME_STATE_FAILED)) {
        if (!qp->deferred)
            return -ENODEV;
        /* The reset that gave up on the controller left these to us. */
        struct nvme_qtoken tok = nvme_qpair_lock(qp);
        qp->batch_depth++;
        int32_t n = (int32_t)run_deferred(qp);
        qp->batch_depth--;
        nvme_qpair_unlock(qp, tok);
        return n;
    }
    return reap(qp, max, true);
}

void nvme_qpair_batch_begin(struct nvme_qpair *qp)
{
    struct nvme_qtoken tok = nvme_qpair_lock(qp); /* a reset on another CPU counts here too */
    qp->batch_depth++;
    nvme_qpair_unlock(qp, tok);
}

void nvme_qpair_batch_end(struct nvme_qpair *qp)
{
    struct nvme_qtoken tok = nvme_qpair_lock(qp);
    if (qp->batch_depth > 0 && --qp->batch_depth == 0)
        nvme_qpair_ring_sq(qp);
    nvme_qpair_unlock(qp, tok);
}

bool nvme_qpair_in_batch(const struct nvme_qpair *qp)
{
    return qp->batch_depth > 0;
}

void nvme_qpair_set_caller_masks_irq(struct nvme_qpair *qp, bool on)
{
    qp->caller_masks = on;
    nvme_qpair_update_lock(qp);
}

void nvme_qpair_set_clocks(struct nvme_qpair *qp, bool on)
{
    qp->clocks = on;
    nvme_qpair_update_db_mode(qp);
}

void nvme_qpair_update_db_mode(struct nvme_qpair *qp)
{
    qp->db_mode = (uint8_t)((qp->sq_db.shadow || qp->cq_db.shadow ? NVME_DB_SHADOW : 0) |
                            (qp->clocks ? NVME_DB_CLOCKS : 0) | (qp->trace ? NVME_DB_TRACE : 0));
}

uint32_t nvme_qpair_outstanding(const struct nvme_qpair *qp)
{
    return qp->outstanding;
}

bool nvme_qpair_is_interrupt_driven(const struct nvme_qpair *qp)
{
    return qp->irq;
}

void nvme_qpair_get_clocks(const struct nvme_qpair *qp, uint64_t *irq_tsc, uint64_t *doorbell_tsc)
{
    *irq_tsc = qp->stats.irq_tsc;
    *doorbell_tsc = qp->stats.doorbell_tsc;
}

uint16_t nvme_qpair_id(const struct nvme_qpair *qp)
{
    return qp->id;
}
