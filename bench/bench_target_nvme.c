/*
 * bench/bench_target_nvme.c - the benchmark's direct NVMe target (see
 * bench_target_nvme.h): bench I/Os become Read and Write commands [NVM Command Set
 * 1.0 §3.2.4, §3.2.6] on queue pairs created for the job.
 *
 * It is a client of the driver like any other: the public API (nvme.h) and
 * the block adapter's lookup (nvme_bdev.h), nothing of the driver's inside.
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
#include "drivers/nvme/nvme_bdev.h"
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
 * Main-loop submissions open a batch that nb_commit closes; submissions from
 * completion callbacks are already inside the driver's own batch.
 */
static int nb_submit(struct bench_target *t, unsigned q, struct bench_io *io)
{
    struct nvme_bench *b = t->ctx;
    struct nvme_qpair *qp = b->qp[q];
    if (!nvme_qpair_in_batch(qp)) {
        nvme_qpair_batch_begin(qp);
        b->batch_open[q] = true;
    }
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
        nvme_qpair_set_clocks(b->qp[q], false);
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
    struct nvme_ctrlr *c = nvme_ns_get_ctrlr(b->ns);
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
        nvme_qpair_set_clocks(b->qp[q], true); /* for nb_clocks: this job's pairs only */
        /* mode=irq: the engine calls in with interrupts masked (its main loop
         * holds env->irq_save; completions resubmit from the handler). */
        nvme_qpair_set_caller_masks_irq(b->qp[q], o.interrupts);
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
    uint32_t md = nvme_ns_get_md_size(ns), block = nvme_ns_get_sector_size(ns);
    if (md) {
        kprintf("bench: %s is formatted with %u bytes of metadata per block; target=nvme "
                "moves data only\n", dev->name, md);
        return -EOPNOTSUPP;
    }
    struct nvme_ctrlr *c = nvme_ns_get_ctrlr(ns);
    struct nvme_bench *b = kzalloc(sizeof(*b));
    if (b == NULL)
        return -ENOMEM;
    b->ns = ns;
    struct nvme_io_qpair_opts o;
    nvme_ctrlr_get_default_io_qpair_opts(c, &o);
    memset(t, 0, sizeof(*t));
    t->ops = &nvme_bench_ops;
    t->ctx = b;
    ksnprintf(t->kind, sizeof(t->kind), "nvme");
    ksnprintf(t->name, sizeof(t->name), "%s", dev->name);
    t->block_size = block;
    t->block_count = nvme_ns_get_num_sectors(ns);
    t->max_transfer = nvme_ns_get_max_io_xfer_size(ns) / block;
    t->queue_depth = nvme_ctrlr_get_max_io_queue_size(c) - 1;
    t->nqueues = nvme_ctrlr_get_free_io_qpairs(c);
    if (t->nqueues > NVME_BENCH_QUEUES_MAX)
        t->nqueues = NVME_BENCH_QUEUES_MAX;
    t->modes = BENCH_MODE_BIT(BENCH_MODE_POLL);
    if (o.interrupts) /* the controller has interrupts */
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
