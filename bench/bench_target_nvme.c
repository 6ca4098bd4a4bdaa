/*
 * bench/bench_target_nvme.c - the benchmark's direct NVMe target (see
 * bench_target_nvme.h): bench I/Os become Read and Write commands [NVM Command Set
 * 1.0 §3.2.4, §3.2.6] on queue pairs created for the job.
 *
 * Doorbells: submissions from the benchmark's main loop are held in a batch
 * (nvme_qpair_batch_begin) that commit closes, so an initial burst of
 * iodepth commands costs one SQ tail doorbell write. Submissions made from
 * completion callbacks are already inside the driver's own batch for the
 * pass of completions, which rings once at its end; opening another there
 * would delay them until the main loop commits.
 */
#include <string.h>

#include "bench/bench_target_nvme.h"
#include "drivers/nvme/nvme.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_status.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"

#define NVME_BENCH_QUEUES_MAX 64

struct nvme_bench {
    struct nvme_ns *ns;
    unsigned nqueues;
    struct nvme_qpair *qp[NVME_BENCH_QUEUES_MAX];
    bool batch_open[NVME_BENCH_QUEUES_MAX];
};

static void bench_cb(void *arg, const struct nvme_cpl *cpl)
{
    bench_io_complete(arg, cpl->err, cpl->err ? cpl->cqe.status : 0, 0);
}

/*
 * The engine calls this with interrupts disabled in mode=irq (its main loop
 * holds env->irq_save, and completions resubmit from the interrupt handler),
 * and mode=poll pairs have no interrupt handler: the queue pair's lock is
 * not needed, and the driver's inline single-command path is used directly.
 * Anything it does not cover goes through the public call.
 */
static int nb_submit(struct bench_target *t, unsigned q, struct bench_io *io)
{
    struct nvme_bench *b = t->ctx;
    struct nvme_qpair *qp = b->qp[q];
    uint8_t opc = io->op == BENCH_OP_WRITE ? NVME_IO_WRITE : NVME_IO_READ;
    if (qp->batch_depth == 0) {
        nvme_qpair_batch_begin(qp);
        b->batch_open[q] = true;
    }
    if (likely(nvme_qpair_submit_one(qp, b->ns, opc, io->buf, io->lba, io->count, 0, bench_cb,
                                     io)))
        return 0;
    if (io->op == BENCH_OP_WRITE)
        return nvme_ns_cmd_write(b->ns, qp, io->buf, io->lba, io->count, bench_cb, io, 0);
    return nvme_ns_cmd_read(b->ns, qp, io->buf, io->lba, io->count, bench_cb, io, 0);
}

static void nb_commit(struct bench_target *t, unsigned q)
{
    struct nvme_bench *b = t->ctx;
    if (b->batch_open[q]) {
        b->batch_open[q] = false;
        nvme_qpair_batch_end(b->qp[q]);
    }
}

static unsigned nb_poll(struct bench_target *t, unsigned q, unsigned budget)
{
    struct nvme_bench *b = t->ctx;
    int32_t n = nvme_qpair_process_completions(b->qp[q], budget);
    return n > 0 ? (unsigned)n : 0; /* a failed controller fails its commands: callbacks come */
}

static void nb_describe(struct bench_target *t, struct bench_io *io, uint32_t device_status,
                        char *buf, size_t size)
{
    (void)t;
    (void)io;
    nvme_status_format((uint16_t)device_status, buf, size);
}

static void nb_stop(struct bench_target *t)
{
    struct nvme_bench *b = t->ctx;
    for (unsigned q = 0; q < b->nqueues; q++) {
        nb_commit(t, q);
        int err = nvme_ctrlr_free_io_qpair(b->qp[q]);
        if (err)
            kprintf("%s: bench queue pair %u not deleted: %s\n", t->name,
                    nvme_qpair_id(b->qp[q]), errno_name(err));
        b->qp[q] = NULL;
    }
    b->nqueues = 0;
}

static int nb_start(struct bench_target *t, unsigned nqueues, unsigned iodepth,
                    enum bench_mode mode)
{
    struct nvme_bench *b = t->ctx;
    struct nvme_ctrlr *c = b->ns->ctrlr;
    struct nvme_io_qpair_opts o;
    if (nqueues > NVME_BENCH_QUEUES_MAX)
        return -ERANGE;
    nvme_ctrlr_get_default_io_qpair_opts(c, &o);
    /* One slot stays empty (a full ring looks empty); and never less than the
     * driver's default, because a device whose completion queue fills up
     * (QEMU's does at once with 2 entries) stops fetching commands until the
     * head doorbell moves: a small queue costs round trips even at QD 1. */
    o.io_queue_size = MAX(iodepth + 1, o.io_queue_size);
    o.interrupts = mode == BENCH_MODE_IRQ;
    for (unsigned q = 0; q < nqueues; q++) {
        b->qp[q] = nvme_ctrlr_alloc_io_qpair(c, &o);
        if (b->qp[q] == NULL) {
            nb_stop(t);
            return -ENOSPC;
        }
        if (nvme_qpair_is_interrupt_driven(b->qp[q]) != o.interrupts) {
            b->nqueues = q + 1;
            nb_stop(t);
            return -EOPNOTSUPP;
        }
        b->batch_open[q] = false;
        b->nqueues = q + 1;
    }
    return 0;
}

static void nb_clocks(struct bench_target *t, struct bench_target_clocks *clk)
{
    struct nvme_bench *b = t->ctx;
    clk->irq_valid = clk->doorbell_valid = true;
    clk->irq_ticks = clk->doorbell_ticks = 0;
    for (unsigned q = 0; q < b->nqueues; q++) {
        uint64_t irq, db;
        nvme_qpair_get_clocks(b->qp[q], &irq, &db);
        clk->irq_ticks += irq;
        clk->doorbell_ticks += db;
    }
}

static const struct bench_target_ops nvme_bench_ops = {
    .start = nb_start,
    .stop = nb_stop,
    .submit = nb_submit,
    .commit = nb_commit,
    .poll = nb_poll,
    .describe_status = nb_describe,
    .clocks = nb_clocks,
};

int nvme_bench_target_init(struct bench_target *t, struct block_device *dev)
{
    struct nvme_ns *ns = nvme_ns_from_block(dev);
    if (ns == NULL) {
        if (dev->parent && nvme_ns_from_block(dev->parent))
            kprintf("bench: target=nvme drives whole namespaces: use dev=%s and offset=/size= "
                    "for %s's blocks\n", dev->parent->name, dev->name);
        return dev->parent ? -EOPNOTSUPP : -ENODEV;
    }
    if (ns->md_size) {
        kprintf("bench: %s is formatted with %u bytes of metadata per block; target=nvme "
                "moves data only\n", dev->name, ns->md_size);
        return -EOPNOTSUPP;
    }
    struct nvme_ctrlr *c = ns->ctrlr;
    struct nvme_bench *b = kzalloc(sizeof(*b));
    if (b == NULL)
        return -ENOMEM;
    b->ns = ns;
    unsigned used = 0;
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next)
        used++;
    memset(t, 0, sizeof(*t));
    t->ops = &nvme_bench_ops;
    t->ctx = b;
    ksnprintf(t->kind, sizeof(t->kind), "nvme");
    ksnprintf(t->name, sizeof(t->name), "%s", dev->name);
    t->block_size = ns->block_size;
    t->block_count = ns->nsze;
    t->max_transfer = ns->max_blocks;
    t->queue_depth = (uint32_t)c->io_queue_size_max - 1;
    t->nqueues = c->max_io_qpairs > used ? c->max_io_qpairs - used : 0;
    if (t->nqueues > NVME_BENCH_QUEUES_MAX)
        t->nqueues = NVME_BENCH_QUEUES_MAX;
    t->modes = BENCH_MODE_BIT(BENCH_MODE_POLL);
    if (c->irq_mode != NVME_IRQ_NONE)
        t->modes |= BENCH_MODE_BIT(BENCH_MODE_IRQ);
    t->default_mode = BENCH_MODE_POLL; /* SPDK perf's way */
    t->read_only = dev->geo.read_only;
    t->io_priv_size = 0;
    return 0;
}

void nvme_bench_target_fini(struct bench_target *t)
{
    kfree(t->ctx);
    t->ctx = NULL;
}


/* ---- the emulator's floor: a minimal polled loop ---- */

/* xorshift64*: the raw loop's LBAs, with no state beyond one word. */
static uint64_t raw_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static void raw_read_sqe(struct nvme_sqe *e, uint16_t cid, uint32_t nsid, nvme_phys_t buf,
                         uint64_t lba, uint32_t blocks)
{
    memset(e, 0, sizeof(*e));
    e->opc = NVME_IO_READ;
    e->cid = cid;
    e->nsid = nsid;
    e->dptr.prp1 = buf;
    e->cdw10 = (uint32_t)lba;
    e->cdw11 = (uint32_t)(lba >> 32);
    e->cdw12 = NVME_SET(RW_CDW12_NLB, blocks - 1);
}

int nvme_bench_rawloop(struct nvme_ns *ns, unsigned qd, uint64_t ms, uint64_t *ios_out)
{
    struct nvme_ctrlr *c = ns->ctrlr;
    uint32_t blocks = 4096 / ns->block_size ? 4096 / ns->block_size : 1;
    if (ns->md_size || ns->block_size > 4096 || ns->nsze < blocks)
        return -EOPNOTSUPP;
    struct nvme_io_qpair_opts o;
    nvme_ctrlr_get_default_io_qpair_opts(c, &o);
    o.interrupts = false;
    if (qd + 1 > o.io_queue_size)
        o.io_queue_size = qd + 1;
    struct nvme_qpair *qp = nvme_ctrlr_alloc_io_qpair(c, &o);
    if (qp == NULL)
        return -ENOSPC;
    if (qd == 0 || qd >= qp->size) {
        nvme_ctrlr_free_io_qpair(qp);
        return -ERANGE;
    }
    nvme_phys_t phys;
    uint8_t *buf = nvme_env_dma_alloc((size_t)qd * 4096, &phys);
    int err = 0;
    if (buf == NULL) {
        nvme_ctrlr_free_io_qpair(qp);
        return -ENOMEM;
    }
    uint64_t units = ns->nsze / blocks, seed = 0x6e766f73726177ull, ios = 0;
    uint16_t tail = qp->sq_tail, head = qp->cq_head, inflight = 0;
    uint8_t phase = qp->phase;
    for (uint16_t i = 0; i < qd; i++) {
        raw_read_sqe(&qp->sq[tail], i, ns->nsid, phys + (nvme_phys_t)i * 4096,
                     raw_next(&seed) % units * blocks, blocks);
        tail = (uint16_t)((tail + 1) % qp->size);
        inflight++;
    }
    nvme_publish_before_doorbell();
    nvme_ring_doorbell(qp->sq_db, tail);
    uint64_t tsc_hz = clock_tsc_hz(), start = rdtsc();
    uint64_t end = start + ms * (tsc_hz / 1000), last = start;
    bool stopping = false;
    /* Reap, resubmit in place, one CQ and one SQ doorbell per batch: nothing else. */
    while (inflight) {
        const struct nvme_cqe *e = &qp->cq[head];
        uint64_t now = rdtsc();
        if ((__atomic_load_n(&e->status, __ATOMIC_RELAXED) & 1) != phase) {
            if (now - last > 5 * tsc_hz) {
                err = -ETIMEDOUT; /* the queue pair is leaked: the device may still write */
                break;
            }
            stopping |= now >= end;
            continue;
        }
        last = now;
        stopping |= now >= end;
        while ((__atomic_load_n(&qp->cq[head].status, __ATOMIC_RELAXED) & 1) == phase) {
            nvme_read_barrier();
            uint16_t cid = qp->cq[head].cid;
            if (nvme_status_is_error(qp->cq[head].status))
                err = -EIO;
            if (++head == qp->size) {
                head = 0;
                phase ^= 1;
            }
            inflight--;
            ios++;
            if (!stopping && cid < qd) {
                raw_read_sqe(&qp->sq[tail], cid, ns->nsid, phys + (nvme_phys_t)cid * 4096,
                             raw_next(&seed) % units * blocks, blocks);
                tail = (uint16_t)((tail + 1) % qp->size);
                inflight++;
            }
        }
        nvme_ring_doorbell(qp->cq_db, head);
        nvme_publish_before_doorbell();
        nvme_ring_doorbell(qp->sq_db, tail);
    }
    uint64_t elapsed = rdtsc() - start;
    if (err == -ETIMEDOUT)
        return err;
    nvme_env_dma_free(buf, (size_t)qd * 4096);
    /* The driver's view of the rings no longer matters: the pair goes. */
    nvme_ctrlr_free_io_qpair(qp);
    *ios_out = elapsed ? ios * tsc_hz / elapsed : 0; /* per second */
    return err;
}
