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

