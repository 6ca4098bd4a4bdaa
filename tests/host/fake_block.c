/*
 * tests/host/fake_block.c - the in-memory fake block device (see fake_block.h).
 */
#include "tests/host/fake_block.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"

uint64_t fake_tsc;

static struct fake_block *to_fake(struct block_device *dev)
{
    return dev->driver_data;
}

static uint64_t fake_rand(struct fake_block *fb)
{
    uint64_t z = (fb->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t around(struct fake_block *fb, uint64_t v)
{
    uint64_t spread = v / 10; /* +-5 % */
    return spread ? v - spread / 2 + fake_rand(fb) % (spread + 1) : v;
}

static uint64_t model_latency(struct fake_block *fb)
{
    const struct fake_block_config *c = &fb->cfg;
    switch (c->latency) {
    case FAKE_LAT_UNIFORM:
        return c->lat_a + fake_rand(fb) % (c->lat_b + 1);
    case FAKE_LAT_BIMODAL:
        return around(fb, fake_rand(fb) % 10 ? c->lat_a : c->lat_b);
    case FAKE_LAT_LONGTAIL: {
        double u = ((double)(fake_rand(fb) >> 11) + 1.0) / 9007199254740992.0;
        double x = (double)c->lat_a / pow(u, 1.0 / 1.5);
        return x > (double)c->lat_b ? c->lat_b : (uint64_t)x;
    }
    case FAKE_LAT_CONST:
    default:
        return c->lat_a;
    }
}

static bool covers(const struct block_request *req, uint64_t lba)
{
    return lba >= req->lba && lba < req->lba + req->count;
}

static const struct fake_fault *find_fault(struct fake_block *fb, enum fake_fault_kind kind,
                                           const struct block_request *req)
{
    for (unsigned i = 0; i < fb->nfaults; i++) {
        const struct fake_fault *f = &fb->faults[i];
        if (f->kind == kind && req->op == BLOCK_OP_FLUSH && f->op == BLOCK_OP_FLUSH)
            return f;
        if (f->kind == kind && covers(req, f->lba) && (f->op < 0 || f->op == (int)req->op))
            return f;
    }
    return NULL;
}

static const struct fake_fault *block_fault(struct fake_block *fb, uint64_t lba)
{
    for (unsigned i = 0; i < fb->nfaults; i++) {
        const struct fake_fault *f = &fb->faults[i];
        if (f->lba == lba && (f->kind == FAKE_FAULT_LOST_WRITE || f->kind == FAKE_FAULT_MISDIRECT ||
                              f->kind == FAKE_FAULT_TORN))
            return f;
    }
    return NULL;
}

static int fake_submit(struct block_device *dev, struct block_request *req)
{
    struct fake_block *fb = to_fake(dev);
    fake_tsc += fb->cfg.submit_cost + fb->cfg.doorbell_cost;
    fb->doorbell_ticks += fb->cfg.doorbell_cost;
    if (fb->eagain_every && (fb->submits + fb->eagains + 1) % fb->eagain_every == 0) {
        fb->eagains++;
        return -EAGAIN;
    }
    if (find_fault(fb, FAKE_FAULT_REJECT, req))
        return -EINVAL;
    if (fb->inflight == fb->cfg.queue_depth) {
        fb->eagains++;
        return -EAGAIN;
    }
    unsigned i = 0;
    while (fb->pending[i].req)
        i++;
    fb->pending[i].req = req;
    fb->pending[i].submit_tsc = fake_tsc;
    fb->pending[i].ready_tsc = fake_tsc + model_latency(fb);
    fb->pending[i].seq = fb->seq++;
    if (req->op == BLOCK_OP_FLUSH) {
        fb->flushes++;
        fb->flushes_with_inflight += fb->inflight != 0;
        fb->writes_at_flush = fb->writes;
    }
    if (fb->lba_log && fb->lba_log_len < fb->lba_log_cap) {
        fb->op_log[fb->lba_log_len] = (uint8_t)req->op;
        fb->lba_log[fb->lba_log_len++] = req->lba;
    }
    fb->inflight++;
    if (fb->inflight > fb->max_inflight)
        fb->max_inflight = fb->inflight;
    fb->submits++;
    return 0;
}

static void transfer(struct fake_block *fb, struct block_request *req)
{
    uint32_t bs = fb->cfg.block_size;
    if (req->op == BLOCK_OP_READ) {
        memcpy(req->buf, fb->data + req->lba * bs, (size_t)req->count * bs);
        fb->reads++;
        fb->read_blocks += req->count;
        if (fb->read_count)
            for (uint32_t b = 0; b < req->count; b++)
                fb->read_count[req->lba + b]++;
        return;
    }
    if (req->op != BLOCK_OP_WRITE)
        return;
    fb->writes++;
    fb->written_blocks += req->count;
    for (uint32_t b = 0; b < req->count; b++) {
        uint64_t lba = req->lba + b;
        const uint8_t *src = (const uint8_t *)req->buf + (size_t)b * bs;
        const struct fake_fault *f = block_fault(fb, lba);
        if (fb->write_count)
            fb->write_count[lba]++;
        if (f == NULL)
            memcpy(fb->data + lba * bs, src, bs);
        else if (f->kind == FAKE_FAULT_MISDIRECT)
            memcpy(fb->data + f->target_lba * bs, src, bs);
        else if (f->kind == FAKE_FAULT_TORN)
            memcpy(fb->data + lba * bs, src, bs / 2);
        /* FAKE_FAULT_LOST_WRITE: nothing stored */
    }
}

static void complete(struct fake_block *fb, unsigned i)
{
    struct fake_req_slot *s = &fb->pending[i];
    struct block_request *req = s->req;
    const struct fake_fault *f = find_fault(fb, FAKE_FAULT_STATUS, req);

    if (fb->lat_log && fb->lat_log_len < fb->lat_log_cap)
        fb->lat_log[fb->lat_log_len++] = s->ready_tsc - s->submit_tsc;
    if (f) {
        req->status = -EIO;
        req->device_status = f->device_status;
    } else {
        transfer(fb, req);
        req->status = 0;
        req->device_status = 0;
    }
    s->req = NULL;
    fb->inflight--;
    fb->completions++;
    fake_tsc += fb->cfg.complete_cost;
    fb->in_callback = true;
    fb->completing_tsc = s->ready_tsc;
    req->done(req);
    fb->in_callback = false;
}

/* The pending request to complete next, or -1 if none may complete now. */
static int pick(struct fake_block *fb)
{
    int best = -1;
    unsigned nready = 0;
    for (unsigned i = 0; i < fb->cfg.queue_depth; i++) {
        struct fake_req_slot *s = &fb->pending[i];
        if (!s->req)
            continue;
        switch (fb->cfg.order) {
        case FAKE_ORDER_FIFO:
            if (best < 0 || s->seq < fb->pending[best].seq)
                best = (int)i;
            break;
        case FAKE_ORDER_SHUFFLE:
            if (s->ready_tsc <= fake_tsc && fake_rand(fb) % ++nready == 0)
                best = (int)i; /* reservoir sampling: uniform among the ready */
            break;
        case FAKE_ORDER_READY:
        default:
            if (s->ready_tsc <= fake_tsc &&
                (best < 0 || s->ready_tsc < fb->pending[best].ready_tsc ||
                 (s->ready_tsc == fb->pending[best].ready_tsc && s->seq < fb->pending[best].seq)))
                best = (int)i;
            break;
        }
    }
    if (best >= 0 && fb->pending[best].ready_tsc > fake_tsc)
        return -1; /* FIFO head not ready yet */
    return best;
}

static unsigned deliver(struct fake_block *fb, unsigned budget)
{
    unsigned n = 0;
    while (n < budget) {
        if (fb->hang_after && fb->completions >= fb->hang_after)
            break;
        int i = pick(fb);
        if (i < 0)
            break;
        complete(fb, (unsigned)i);
        n++;
    }
    return n;
}

uint64_t fake_block_next_ready(const struct fake_block *fb)
{
    uint64_t next = UINT64_MAX, head_seq = UINT64_MAX;
    if (fb->hang_after && fb->completions >= fb->hang_after)
        return next;
    for (unsigned i = 0; i < fb->cfg.queue_depth; i++) {
        const struct fake_req_slot *s = &fb->pending[i];
        if (!s->req)
            continue;
        if (fb->cfg.order == FAKE_ORDER_FIFO) {
            /* Nothing completes before the oldest request. */
            if (s->seq < head_seq) {
                head_seq = s->seq;
                next = s->ready_tsc;
            }
        } else if (s->ready_tsc < next) {
            next = s->ready_tsc;
        }
    }
    return next;
}

static void advance_idle(struct fake_block *fb)
{
    uint64_t next = fake_block_next_ready(fb);
    if (next == UINT64_MAX)
        fake_tsc += fb->cfg.idle_step;
    else if (next > fake_tsc)
        fake_tsc = next;
}

static unsigned fake_poll(struct block_device *dev, unsigned budget)
{
    struct fake_block *fb = to_fake(dev);
    fake_tsc += fb->cfg.poll_cost;
    fb->polls++;
    if (fb->inflight < fb->max_inflight)
        fb->polls_below_max++;
    unsigned n = deliver(fb, budget);
    if (n == 0) {
        fb->empty_polls++;
        advance_idle(fb);
    }
    return n;
}

unsigned fake_block_interrupt(struct fake_block *fb, bool wait_for_ready)
{
    if (wait_for_ready && pick(fb) < 0)
        advance_idle(fb);
    uint64_t t0 = fake_tsc;
    unsigned n = deliver(fb, UINT32_MAX);
    fb->irq_ticks += fake_tsc - t0;
    if (n)
        fb->interrupts++;
    return n;
}

static void fake_describe(struct block_device *dev, uint32_t device_status, char *buf,
                          size_t size)
{
    (void)dev;
    unsigned sct = (device_status >> 8) & 7, sc = device_status & 0xff;
    const char *name = sct == 2 && sc == 0x81   ? "Unrecovered Read Error"
                       : sct == 2 && sc == 0x80 ? "Write Fault"
                                                : "Injected Error";
    snprintf(buf, size, "%s (sct=0x%x sc=0x%02x dnr=0)", name, sct, sc);
}

static bool fake_interrupt_driven(struct block_device *dev)
{
    return to_fake(dev)->cfg.interrupt_driven;
}

/* As the NVMe block device: refused while requests are in flight. */
static int fake_set_polled(struct block_device *dev, bool polled)
{
    struct fake_block *fb = to_fake(dev);
    if (fb->inflight)
        return -EBUSY;
    if (fb->cfg.interrupt_driven == polled)
        fb->mode_switches++;
    fb->cfg.interrupt_driven = !polled;
    return 0;
}

static const struct block_device_ops fake_ops = {
    .submit = fake_submit,
    .poll = fake_poll,
    .describe_status = fake_describe,
    .interrupt_driven = fake_interrupt_driven,
    .set_polled = fake_set_polled,
};

static const struct block_device_ops fake_fixed_ops = {
    .submit = fake_submit,
    .poll = fake_poll,
    .describe_status = fake_describe,
    .interrupt_driven = fake_interrupt_driven,
};

struct fake_block *fake_block_create(const struct fake_block_config *cfg)
{
    struct fake_block *fb = calloc(1, sizeof(*fb));
    if (!fb)
        return NULL;
    fb->cfg = *cfg;
    struct fake_block_config *c = &fb->cfg;
    if (!c->name)
        c->name = "fake0";
    if (!c->block_size)
        c->block_size = 512;
    if (!c->block_count)
        c->block_count = 8192;
    if (!c->queue_depth)
        c->queue_depth = 64;
    if (!c->max_transfer)
        c->max_transfer = 256;
    if (!c->lat_a && c->latency == FAKE_LAT_CONST)
        c->lat_a = 10000;
    if (!c->poll_cost)
        c->poll_cost = 10;
    if (!c->idle_step)
        c->idle_step = 1000000;
    fb->rng = c->seed ? c->seed : 1;
    fb->pending = calloc(c->queue_depth, sizeof(*fb->pending));
    if (c->backing) {
        fb->data = c->backing;
    } else {
        fb->data = calloc(c->block_count, c->block_size);
        fb->own_data = true;
    }
    if (!fb->pending || !fb->data) {
        fake_block_destroy(fb);
        return NULL;
    }
    snprintf(fb->dev.name, sizeof(fb->dev.name), "%s", c->name);
    fb->dev.geo.block_size = c->block_size;
    fb->dev.geo.block_count = c->block_count;
    fb->dev.geo.max_transfer = c->max_transfer;
    fb->dev.geo.queue_depth = c->queue_depth;
    fb->dev.geo.read_only = c->read_only;
    fb->dev.ops = c->fixed_mode ? &fake_fixed_ops : &fake_ops;
    fb->dev.driver_data = fb;
    return fb;
}

void fake_block_destroy(struct fake_block *fb)
{
    if (!fb)
        return;
    if (fb->own_data)
        free(fb->data);
    free(fb->pending);
    free(fb->read_count);
    free(fb->write_count);
    free(fb->lat_log);
    free(fb->lba_log);
    free(fb->op_log);
    free(fb);
}

void fake_block_track_blocks(struct fake_block *fb)
{
    fb->read_count = calloc(fb->cfg.block_count, sizeof(uint32_t));
    fb->write_count = calloc(fb->cfg.block_count, sizeof(uint32_t));
}

void fake_block_log_latency(struct fake_block *fb, size_t cap)
{
    fb->lat_log = calloc(cap, sizeof(uint64_t));
    fb->lat_log_cap = cap;
    fb->lat_log_len = 0;
}

void fake_block_log_lbas(struct fake_block *fb, size_t cap)
{
    fb->lba_log = calloc(cap, sizeof(uint64_t));
    fb->op_log = calloc(cap, 1);
    fb->lba_log_cap = cap;
    fb->lba_log_len = 0;
}

int fake_block_add_fault(struct fake_block *fb, const struct fake_fault *f)
{
    if (fb->nfaults == FAKE_MAX_FAULTS)
        return -ENOSPC;
    fb->faults[fb->nfaults++] = *f;
    return 0;
}

uint8_t *fake_block_data(struct fake_block *fb, uint64_t lba)
{
    return fb->data + lba * fb->cfg.block_size;
}
