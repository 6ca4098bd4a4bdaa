/*
 * bench/bench_target_block.c - the block-layer benchmark target (see
 * bench_block.h). Each bench_io carries a struct block_request in its
 * private part; the request's "done" hands the result to the engine.
 */
#include <string.h>

#include "bench/bench_target_block.h"

static struct block_device *target_dev(struct bench_target *t)
{
    return t->ctx;
}

/* The engine stamps the completion time itself (complete_tsc 0): the block
 * layer carries no benchmark clocks. */
static void block_target_done(struct block_request *req)
{
    bench_io_complete(req->ctx, req->status, req->device_status, 0);
}

static int block_target_submit(struct bench_target *t, unsigned q, struct bench_io *io)
{
    (void)q;
    struct block_request *req = bench_io_priv(io);
    req->op = io->op == BENCH_OP_WRITE   ? BLOCK_OP_WRITE
              : io->op == BENCH_OP_FLUSH ? BLOCK_OP_FLUSH
                                         : BLOCK_OP_READ;
    req->flags = 0;
    req->lba = io->lba;
    req->count = io->count;
    req->buf = io->buf;
    req->done = block_target_done;
    req->ctx = io;
    req->status = 0;
    req->device_status = 0;
    return block_submit(target_dev(t), req);
}

static unsigned block_target_poll(struct bench_target *t, unsigned q, unsigned budget)
{
    (void)q;
    return block_poll(target_dev(t), budget);
}

static void block_target_describe(struct bench_target *t, struct bench_io *io,
                                  uint32_t device_status, char *buf, size_t size)
{
    (void)device_status; /* the request carries it */
    block_describe_status(target_dev(t), bench_io_priv(io), buf, size);
}

/* priv[0]: the device's mode was switched for this job; priv[1]: it was polled. */
static int block_target_start(struct bench_target *t, unsigned nqueues, unsigned iodepth,
                              enum bench_mode mode)
{
    (void)nqueues;
    (void)iodepth;
    struct block_device *dev = target_dev(t);
    bool polled = mode == BENCH_MODE_POLL, was = block_is_polled(dev);
    t->priv[0] = 0;
    if (was == polled)
        return 0;
    int err = block_set_polled(dev, polled);
    if (err)
        return err;
    t->priv[0] = 1;
    t->priv[1] = was;
    return 0;
}

/* Also when the job was abandoned with requests in flight: the mode is the
 * job's, and goes back whatever way the job ended. */
static void block_target_stop(struct bench_target *t)
{
    if (t->priv[0])
        block_set_polled(target_dev(t), t->priv[1] != 0);
    t->priv[0] = 0;
}

static const struct bench_target_ops block_target_ops = {
    .start = block_target_start,
    .stop = block_target_stop,
    .submit = block_target_submit,
    .poll = block_target_poll,
    .describe_status = block_target_describe,
};

void bench_block_target_init(struct bench_target *t, struct block_device *dev)
{
    const struct block_geometry *g = block_geometry(dev);
    struct block_device *whole = dev;
    while (whole->parent) /* partitions complete the way their disk does */
        whole = whole->parent;
    bool switchable = whole->ops && whole->ops->set_polled;

    memset(t, 0, sizeof(*t));
    t->ops = &block_target_ops;
    t->ctx = dev;
    memcpy(t->kind, "block", 6);
    size_t n = strnlen(dev->name, sizeof(t->name) - 1);
    memcpy(t->name, dev->name, n);
    t->name[n] = '\0';
    t->block_size = g->block_size;
    t->block_count = g->block_count;
    t->max_transfer = g->max_transfer;
    t->queue_depth = g->queue_depth;
    t->nqueues = 1;
    t->default_mode = block_is_polled(dev) ? BENCH_MODE_POLL : BENCH_MODE_IRQ;
    t->modes = switchable ? BENCH_MODE_BIT(BENCH_MODE_POLL) | BENCH_MODE_BIT(BENCH_MODE_IRQ)
                          : BENCH_MODE_BIT(t->default_mode);
    t->read_only = g->read_only;
    t->can_flush = true; /* the block layer takes BLOCK_OP_FLUSH on every device */
    t->io_priv_size = sizeof(struct block_request);
}
