/*
 * Host test: the NVMe driver core (nvme_ctrlr.c, nvme_qpair.c, nvme_ns.c,
 * nvme_ns_cmd.c) against the in-memory controller model.
 *
 * Covers: the init sequence from each state firmware can leave (enabled,
 * mid-enable, disabled) and its failures (CFS, never ready, gone, refused
 * Number of Queues, no active-namespace list); data through random sizes,
 * LBAs and buffer offsets, split at MDTS; phase wrap-around on tiny queues;
 * out-of-order and bogus completions (unknown CID, stale generation, wrong
 * SQID, idle slot); error statuses with and without DNR and bounded retries;
 * a split request failing in one part; timeouts (missed completion polled,
 * abort, reset, resubmission); CFS recovery; scatter-gather and separate
 * metadata; shutdown.
 */
#include <stdlib.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_dbbuf.h"
#include "drivers/nvme/nvme_internal.h"
#include "kernel/mm/heap.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "tests/host/check.h"
#include "tests/host/nvme_model.h"
#include "tests/host/nvme_testlib.h"


static struct nvme_ctrlr *ctrlr;

static int bring_up(struct nvme_model *m)
{
    static struct nvme_ctrlr c;
    model_attach(m, &c);
    ctrlr = &c;
    return nvme_ctrlr_init(&c);
}

static void tear_down(struct nvme_model *m)
{
    model_release_ctrlr(ctrlr);
    model_free(m);
}

static struct nvme_qpair *polled_qpair(unsigned size)
{
    struct nvme_io_qpair_opts o = { .io_queue_size = size, .interrupts = false };
    return nvme_ctrlr_alloc_io_qpair(ctrlr, &o);
}

/* ---- init ---- */

static void test_init_from_enabled(void)
{
    struct nvme_model m;
    model_init(&m);
    m.start_enabled = true;
    CHECK_EQ(bring_up(&m), 0);
    CHECK_EQ(ctrlr->state, NVME_STATE_READY);
    /* Disabled first (EN cleared, nothing else), never reconfigured while enabled. */
    CHECK_EQ(m.first_cc_write, 0x00460000);
    CHECK(!m.aqa_written_while_enabled);
    CHECK_EQ(m.resets, 1);
    CHECK_EQ(m.enables, 1);
    CHECK_EQ(m.aqa, ((NVME_ADMIN_QUEUE_SIZE - 1) << 16) | (NVME_ADMIN_QUEUE_SIZE - 1));
    CHECK_EQ(m.cc, 0x00460001);
    CHECK_EQ(ctrlr->max_xfer, 512 * 1024);
    CHECK_EQ(ctrlr->max_io_qpairs, 16); /* asked for 16 of the 64 */
    CHECK(ctrlr->namespaces && ctrlr->namespaces->nsid == 1 && !ctrlr->namespaces->next);
    CHECK_EQ(ctrlr->namespaces->block_size, 512);
    CHECK_EQ(ctrlr->namespaces->max_blocks, 1024);
    CHECK(ctrlr->block_qp_poll != NULL); /* polling only: one pair serves both roles */
    model_step(&m);
    CHECK_EQ(m.aer_outstanding, 1);
    tear_down(&m);
}

static void test_init_transitioning(void)
{
    /* EN=1 but RDY=0: clearing EN now would be undefined; wait for RDY=1 first. */
    struct nvme_model m;
    model_init(&m);
    m.start_transitioning = true;
    CHECK_EQ(bring_up(&m), 0);
    CHECK_EQ(m.resets, 1);
    CHECK_EQ(ctrlr->state, NVME_STATE_READY);
    tear_down(&m);
}

static void test_init_failures(void)
{
    struct nvme_model m;

    model_init(&m);
    m.gone = true;
    CHECK_EQ(bring_up(&m), -ENODEV);
    tear_down(&m);

    /* CAP.TO = 0: still waits (TO+1) * 500 ms, then gives up. */
    model_init(&m);
    m.cap &= ~(0xFFull << 24);
    m.never_ready = true;
    CHECK_EQ(bring_up(&m), -ETIMEDOUT);
    CHECK_EQ(ctrlr->state, NVME_STATE_FAILED);
    CHECK_EQ(m.cc & 1, 0); /* unwound: left disabled */
    tear_down(&m);

    /* Ready only after several polls: fine. */
    model_init(&m);
    m.ready_delay = 50;
    CHECK_EQ(bring_up(&m), 0);
    tear_down(&m);

    /* Number of Queues refused: admin queue only, no block pairs. */
    model_init(&m);
    m.refuse_num_queues = true;
    CHECK_EQ(bring_up(&m), 0);
    CHECK_EQ(ctrlr->max_io_qpairs, 0);
    CHECK(ctrlr->io_qpairs == NULL);
    tear_down(&m);

    /* A 1.0 controller: no CNS 02h; NSIDs scanned, gaps skipped, not stopped at. */
    model_init(&m);
    m.vs = 0x00010000;
    m.nn = 6;
    model_add_ns(&m, 2, 1024, 12, 0);
    model_add_ns(&m, 5, 2048, 9, 0);
    CHECK_EQ(bring_up(&m), 0);
    unsigned ids[8], n = 0;
    for (uint32_t id = nvme_ctrlr_get_first_active_ns(ctrlr); id && n < 8;
         id = nvme_ctrlr_get_next_active_ns(ctrlr, id))
        ids[n++] = id;
    CHECK_EQ(n, 3);
    CHECK_EQ(ids[0], 1);
    CHECK_EQ(ids[1], 2);
    CHECK_EQ(ids[2], 5);
    CHECK_EQ(nvme_ctrlr_get_ns(ctrlr, 2)->block_size, 4096);
    tear_down(&m);

    /* The active list, with a namespace carrying metadata (usable only by the API). */
    model_init(&m);
    model_add_ns(&m, 3, 4096, 9, 8);
    CHECK_EQ(bring_up(&m), 0);
    CHECK(nvme_ctrlr_get_ns(ctrlr, 3) != NULL);
    CHECK(nvme_ctrlr_get_ns(ctrlr, 3)->unusable != NULL);
    CHECK(nvme_ctrlr_get_ns(ctrlr, 1)->unusable == NULL);
    tear_down(&m);
}

/*
 * Each init step failed in turn (before it runs, through the environment's
 * nvme_env_before_step): everything the earlier steps set up is undone -
 * no allocation left (counted by the model's allocator seam), the
 * controller disabled (CC.EN=0), interrupts unrouted, registers unmapped.
 */
static void test_init_unwind(void)
{
    unsigned step;
    for (step = 1;; step++) {
        struct nvme_model m;
        model_init(&m);
        m.fail_step = step;
        long before = model_live_allocs;
        int err = bring_up(&m);
        if (err == 0) { /* past the last step: nothing failed */
            tear_down(&m);
            break;
        }
        CHECK_EQ(err, -EIO);
        CHECK_EQ(ctrlr->state, NVME_STATE_FAILED);
        CHECK_EQ(model_live_allocs, before);
        CHECK_EQ(m.cc & 1, 0);
        CHECK_EQ(m.irq_routed, 0);
        CHECK(!m.mapped);
        CHECK(ctrlr->io_qpairs == NULL && ctrlr->namespaces == NULL && ctrlr->id == NULL);
        CHECK(ctrlr->admin.sq == NULL);
        model_free(&m);
    }
    CHECK(step >= 14); /* the table's rows, each failed once */

    /* Failures inside a step (never ready; Identify refused midway through
     * the namespaces) leave nothing either. */
    struct nvme_model m;
    model_init(&m);
    m.never_ready = true;
    long before = model_live_allocs;
    CHECK_EQ(bring_up(&m), -ETIMEDOUT);
    CHECK_EQ(model_live_allocs, before);
    CHECK_EQ(m.irq_routed, 0);
    CHECK(!m.mapped);
    model_free(&m);
}

/* ---- data ---- */

static void test_data_random(void)
{
    struct nvme_model m;
    model_init(&m);
    m.mdts = 2; /* 16 KiB per command: plenty of splitting */
    CHECK_EQ(bring_up(&m), 0);
    struct nvme_qpair *qp = polled_qpair(16);
    CHECK(qp != NULL);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(ctrlr, 1);
    uint8_t *disk = m.ns[1].data;
    size_t cap = 300 * 512 + 4096;
    uint8_t *buf = tl_pages(cap + 4096);
    for (int iter = 0; iter < 400; iter++) {
        uint32_t count = 1 + (uint32_t)(tl_rnd() % 300);
        uint64_t lba = tl_rnd() % (131072 - count);
        uint32_t off = (uint32_t)(tl_rnd() % 1024) * 4; /* any dword offset in the page */
        uint8_t *p = buf + off;
        struct done d = { 0 };
        if (tl_rnd() & 1) {
            for (uint32_t i = 0; i < count * 512; i++)
                p[i] = (uint8_t)tl_rnd();
            CHECK_EQ(nvme_ns_cmd_write(ns, qp, p, lba, count, tl_done_cb, &d, 0), 0);
            CHECK(tl_run_until(&m, qp, &d, 1));
            CHECK_EQ(d.err, 0);
            CHECK(memcmp(disk + lba * 512, p, count * 512) == 0);
        } else {
            memset(p, 0xA5, count * 512);
            CHECK_EQ(nvme_ns_cmd_read(ns, qp, p, lba, count, tl_done_cb, &d, 0), 0);
            CHECK(tl_run_until(&m, qp, &d, 1));
            CHECK_EQ(d.err, 0);
            CHECK(memcmp(disk + lba * 512, p, count * 512) == 0);
        }
        CHECK_EQ(d.calls, 1);
    }
    CHECK_EQ(qp->outstanding, 0);
    CHECK_EQ(qp->stats.bogus, 0);
    /* Misaligned buffer: refused before anything is queued. */
    struct done d = { 0 };
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf + 2, 0, 1, tl_done_cb, &d, 0), -EINVAL);
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 0, 0, tl_done_cb, &d, 0), -EINVAL);
    free(buf);
    tear_down(&m);
}

/* Many commands through a 4-entry queue (3 trackers): the phase flips every
 * 4 completions, and submissions beyond the queue wait for room. */
static void test_phase_wrap(void)
{
    struct nvme_model m;
    model_init(&m);
    CHECK_EQ(bring_up(&m), 0);
    struct nvme_qpair *qp = polled_qpair(4);
    CHECK(qp && qp->size == 4 && qp->ntrackers == 3);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(ctrlr, 1);
    uint8_t *buf = tl_pages(4096 * 3);
    unsigned completed = 0, k = 0;
    for (int round = 0; round < 50; round++) {
        unsigned depth = 1 + round % 3;
        struct done d[3] = { { 0 } };
        nvme_qpair_batch_begin(qp);
        for (unsigned i = 0; i < depth; i++, k++) {
            memset(buf + i * 4096, (int)k, 4096);
            CHECK_EQ(nvme_ns_cmd_write(ns, qp, buf + i * 4096, (uint64_t)k * 8, 8, tl_done_cb, &d[i],
                                       0),
                     0);
        }
        /* A fourth would find no tracker free. */
        struct done extra = { 0 };
        if (depth == 3)
            CHECK_EQ(nvme_ns_cmd_write(ns, qp, buf, 0, 8, tl_done_cb, &extra, 0), -EAGAIN);
        nvme_qpair_batch_end(qp);
        CHECK(tl_run_until(&m, qp, d, (int)depth));
        completed += depth;
        for (unsigned i = 0; i < depth; i++)
            CHECK_EQ(d[i].err, 0);
    }
    CHECK_EQ(qp->stats.completed, completed);
    CHECK(qp->stats.doorbells_sq < completed); /* batches shared doorbells */
    CHECK(completed > 3 * qp->size);           /* the phase flipped many times */
    for (unsigned i = 0; i < k; i++)
        CHECK_EQ(m.ns[1].data[(size_t)i * 8 * 512], (uint8_t)i);
    CHECK_EQ(qp->stats.bogus, 0);
    free(buf);
    tear_down(&m);
}

static void test_out_of_order_and_bogus(void)
{
    struct nvme_model m;
    model_init(&m);
    CHECK_EQ(bring_up(&m), 0);
    struct nvme_qpair *qp = polled_qpair(16);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(ctrlr, 1);
    uint8_t *buf = tl_pages(8 * 4096);

    /* Completions in reverse order: each goes to its own request. */
    m.reorder = true;
    struct done d[8] = { { 0 } };
    for (int i = 0; i < 8; i++) {
        memset(buf + i * 4096, 0x10 + i, 4096);
        CHECK_EQ(nvme_ns_cmd_write(ns, qp, buf + i * 4096, (uint64_t)i * 8, 8, tl_done_cb, &d[i], 0), 0);
    }
    model_step(&m);
    m.reorder = false;
    model_flush_held(&m);
    CHECK(tl_run_until(&m, qp, d, 8));
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(d[i].calls, 1);
        CHECK_EQ(m.ns[1].data[(size_t)i * 8 * 512], 0x10 + i);
    }

    /* Bogus completions: ignored, counted, and harmless to real ones. */
    struct done r = { 0 };
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 0, 8, tl_done_cb, &r, 0), 0);
    struct nvme_tracker *tr = NULL;
    for (unsigned i = 0; i < qp->ntrackers; i++)
        if (qp->trackers[i].active)
            tr = &qp->trackers[i];
    CHECK(tr != NULL);
    uint16_t live = tr->sqe.cid;
    model_post_raw(&m, qp->id, qp->id, 0x0FFF, 0);                     /* index out of range */
    model_post_raw(&m, qp->id, qp->id, (uint16_t)(live ^ 0x1000), 0);  /* stale generation */
    model_post_raw(&m, qp->id, (uint16_t)(qp->id + 5), live, 0);       /* wrong SQID */
    model_post_raw(&m, qp->id, qp->id, (uint16_t)((live + 1) & 0xFFF), 0); /* idle slot */
    nvme_qpair_process_completions(qp, 0);
    CHECK_EQ(qp->stats.bogus, 4);
    CHECK_EQ(r.calls, 0); /* the real one is still pending... */
    CHECK(tl_run_until(&m, qp, &r, 1)); /* ...and completes normally */
    CHECK_EQ(r.err, 0);
    CHECK_EQ(r.calls, 1);
    free(buf);
    tear_down(&m);
}

static void test_errors_and_retries(void)
{
    struct nvme_model m;
    model_init(&m);
    m.mdts = 1; /* 8 KiB: a 64-block request is 4 commands */
    CHECK_EQ(bring_up(&m), 0);
    struct nvme_qpair *qp = polled_qpair(16);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(ctrlr, 1);
    uint8_t *buf = tl_pages(64 * 512);

    /* Transient error once (no DNR): retried, succeeds. */
    m.error_lba = 100;
    m.error_status = 0x281;
    m.error_count = 1;
    struct done d = { 0 };
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 96, 8, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(d.err, 0);
    CHECK_EQ(qp->stats.retries, 1);

    /* Persistent: retried max_retries times, then the error, mapped as Linux does. */
    m.error_count = -1;
    memset(&d, 0, sizeof(d));
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 96, 8, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(d.err, -ENODATA);
    CHECK_EQ(d.cpl.cqe.status >> 1, 0x281);
    CHECK_EQ(qp->stats.retries, 1 + 3);

    /* DNR: not retried. */
    m.error_status = 0x4002;
    memset(&d, 0, sizeof(d));
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 96, 8, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(d.err, -EOPNOTSUPP);
    CHECK_EQ(qp->stats.retries, 4);

    /* A split request failing in its third command completes once, with
     * that error, after every command it started has finished. */
    m.error_status = 0x4280 | 0x4000; /* Write Fault, DNR */
    m.error_lba = 40;
    memset(&d, 0, sizeof(d));
    CHECK_EQ(nvme_ns_cmd_write(ns, qp, buf, 0, 64, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    for (int i = 0; i < 100; i++) {
        model_step(&m);
        nvme_qpair_process_completions(qp, 0);
    }
    CHECK_EQ(d.calls, 1);
    CHECK_EQ(d.err, -ENODATA);
    CHECK_EQ(qp->outstanding, 0);

    /* Out of range: the device's LBA Out of Range -> target error. */
    m.error_count = 0;
    memset(&d, 0, sizeof(d));
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 131071, 2, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(d.err, -EREMOTEIO);
    free(buf);
    tear_down(&m);
}

static void test_timeouts(void)
{
    struct nvme_model m;
    model_init(&m);
    CHECK_EQ(bring_up(&m), 0);
    nvme_ctrlr_set_timeout(ctrlr, false, 20 * 1000000ull);
    nvme_ctrlr_set_timeout(ctrlr, true, 50 * 1000000ull);
    struct nvme_qpair *qp = polled_qpair(16);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(ctrlr, 1);
    uint8_t *buf = tl_pages(3 * 4096);

    /* 1. A completion posted but never reaped (a missed interrupt): the
     *    timeout handler's last poll finds it; nothing is aborted or reset. */
    struct done d = { 0 };
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 0, 8, tl_done_cb, &d, 0), 0);
    model_step(&m);
    struct nvme_tracker *tr = NULL;
    for (unsigned i = 0; i < qp->ntrackers; i++)
        if (qp->trackers[i].active)
            tr = &qp->trackers[i];
    CHECK(tr != NULL);
    nvme_ctrlr_handle_timeout(ctrlr, qp, tr);
    CHECK_EQ(d.calls, 1);
    CHECK_EQ(d.err, 0);
    CHECK_EQ(qp->stats.polled_late, 1);
    CHECK_EQ(m.aborts, 0);
    CHECK_EQ(m.resets, 0);

    /* 2. Lost completions: abort (the model never aborts), then reset; the
     *    lost command fails with ETIMEDOUT, the innocent one is resubmitted. */
    struct done lost = { 0 }, other = { 0 };
    m.drop_next_io = 1;
    memset(buf, 0x77, 2 * 4096);
    CHECK_EQ(nvme_ns_cmd_write(ns, qp, buf, 500, 8, tl_done_cb, &lost, 0), 0);
    model_step(&m); /* executed, completion swallowed */
    m.drop_next_io = 1;
    CHECK_EQ(nvme_ns_cmd_write(ns, qp, buf + 4096, 600, 8, tl_done_cb, &other, 0), 0);
    model_step(&m); /* this one is lost too, but the reset gives it another go */
    struct done both[2];
    CHECK(tl_run_until(&m, qp, &lost, 1));
    CHECK(tl_run_until(&m, qp, &other, 1));
    both[0] = lost;
    both[1] = other;
    CHECK_EQ(both[0].err, -ETIMEDOUT);
    CHECK_EQ(both[1].err, 0);
    CHECK(m.aborts >= 1);
    CHECK_EQ(m.resets, 1);
    CHECK_EQ(ctrlr->resets, 1);
    CHECK_EQ(ctrlr->state, NVME_STATE_READY);
    CHECK_EQ(m.aer_outstanding, 1); /* asked for again after the reset */

    /* 3. The controller works after the reset. */
    memset(&d, 0, sizeof(d));
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 600, 8, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(d.err, 0);
    CHECK_EQ(buf[0], 0x77);

    /* 4. CFS raised by the next doorbell: found by the periodic check,
     *    reset, the command resubmitted and completed. */
    nvme_ctrlr_set_timeout(ctrlr, false, 10000 * 1000000ull);
    m.fatal_on_next_doorbell = true;
    memset(&d, 0, sizeof(d));
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 8, 8, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(d.err, 0);
    CHECK_EQ(ctrlr->resets, 2);

    /* 5. Gone: everything outstanding fails with ENODEV; nothing hangs. */
    memset(&d, 0, sizeof(d));
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 8, 8, tl_done_cb, &d, 0), 0);
    m.gone = true;
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(d.err, -ENODEV);
    CHECK_EQ(ctrlr->state, NVME_STATE_FAILED);
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 8, 8, tl_done_cb, &d, 0), -ENODEV);
    free(buf);
    tear_down(&m);
}

/* Scatter-gather through the reset_sgl/next_sge callbacks. */
struct sgl {
    uint8_t *seg[4];
    uint32_t len[4];
    unsigned cur;
    uint32_t cur_off;
    struct done d;
};

static void sgl_reset(void *arg, uint32_t offset)
{
    struct sgl *s = arg;
    s->cur = 0;
    while (s->cur < 4 && offset >= s->len[s->cur])
        offset -= s->len[s->cur++];
    s->cur_off = offset;
}

static int sgl_next(void *arg, void **addr, uint32_t *len)
{
    struct sgl *s = arg;
    if (s->cur >= 4)
        return -1;
    *addr = s->seg[s->cur] + s->cur_off;
    *len = s->len[s->cur] - s->cur_off;
    s->cur++;
    s->cur_off = 0;
    return 0;
}

static void sgl_done(void *arg, const struct nvme_cpl *cpl)
{
    tl_done_cb(&((struct sgl *)arg)->d, cpl);
}

static void test_sgl_and_metadata(void)
{
    struct nvme_model m;
    model_init(&m);
    m.mdts = 2; /* 16 KiB: the 28 KiB transfer below is two commands */
    model_add_ns(&m, 2, 1024, 12, 8);
    CHECK_EQ(bring_up(&m), 0);
    struct nvme_qpair *qp = polled_qpair(16);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(ctrlr, 1);
    uint8_t *mem = tl_pages(8 * 4096);
    /* Four segments, not adjacent: 1 KiB ending a page, three whole pages,
     * one page, and 3 KiB starting a page (only the first may start, and
     * only the last may end, inside a page). 20 KiB: two 16 KiB-limited
     * commands, the second starting inside the third segment. */
    struct sgl s;
    memset(&s, 0, sizeof(s));
    s.seg[0] = mem + 3072;
    s.len[0] = 1024;
    s.seg[1] = mem + 2 * 4096;
    s.len[1] = 3 * 4096;
    s.seg[2] = mem + 6 * 4096;
    s.len[2] = 4096;
    s.seg[3] = mem + 7 * 4096;
    s.len[3] = 3072;
    uint32_t total = s.len[0] + s.len[1] + s.len[2] + s.len[3];
    CHECK_EQ(total % 512, 0);
    for (unsigned k = 0; k < 4; k++)
        for (uint32_t i = 0; i < s.len[k]; i++)
            s.seg[k][i] = (uint8_t)(k * 31 + i);
    CHECK_EQ(nvme_ns_cmd_writev(ns, qp, 1000, total / 512, sgl_done, &s, 0, sgl_reset, sgl_next), 0);
    CHECK(tl_run_until(&m, qp, &s.d, 1));
    CHECK_EQ(s.d.err, 0);
    uint8_t *disk = m.ns[1].data + 1000 * 512;
    for (unsigned k = 0, pos = 0; k < 4; pos += s.len[k], k++)
        CHECK(memcmp(disk + pos, s.seg[k], s.len[k]) == 0);
    /* And read back through the same list. */
    for (unsigned k = 0; k < 4; k++)
        memset(s.seg[k], 0, s.len[k]);
    memset(&s.d, 0, sizeof(s.d));
    CHECK_EQ(nvme_ns_cmd_readv(ns, qp, 1000, total / 512, sgl_done, &s, 0, sgl_reset, sgl_next), 0);
    CHECK(tl_run_until(&m, qp, &s.d, 1));
    for (unsigned k = 0, pos = 0; k < 4; pos += s.len[k], k++)
        CHECK(memcmp(disk + pos, s.seg[k], s.len[k]) == 0);

    /* Separate metadata (namespace 2: 4 KiB blocks + 8 bytes). */
    struct nvme_ns *mns = nvme_ctrlr_get_ns(ctrlr, 2);
    CHECK(mns && mns->md_size == 8 && !mns->extended_lba);
    uint8_t *md = tl_pages(4096);
    for (int i = 0; i < 6 * 8; i++)
        md[i] = (uint8_t)(0xC0 + i);
    struct done d = { 0 };
    CHECK_EQ(nvme_ns_cmd_write_with_md(mns, qp, mem, md, 10, 6, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(d.err, 0);
    CHECK(memcmp(m.ns[2].md + 10 * 8, md, 6 * 8) == 0);
    memset(md, 0, 4096);
    memset(&d, 0, sizeof(d));
    CHECK_EQ(nvme_ns_cmd_read_with_md(mns, qp, mem, md, 10, 6, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(md[0], 0xC0);
    CHECK_EQ(md[47], 0xC0 + 47);
    CHECK_EQ(nvme_ns_cmd_read_with_md(ns, qp, mem, md, 0, 1, tl_done_cb, &d, 0), -EINVAL);

    /* Write Zeroes, Dataset Management, Flush. */
    memset(&d, 0, sizeof(d));
    CHECK_EQ(nvme_ns_cmd_write_zeroes(ns, qp, 1000, 4, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(m.ns[1].data[1000 * 512 + 100], 0);
    struct nvme_dsm_range *r = (struct nvme_dsm_range *)md;
    nvme_dsm_range_set(r, 1004, 8, 0);
    memset(&d, 0, sizeof(d));
    CHECK_EQ(nvme_ns_cmd_dataset_management(ns, qp, NVME_DSM_AD, r, 1, tl_done_cb, &d), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(d.err, 0);
    CHECK_EQ(m.ns[1].data[1010 * 512], 0);
    memset(&d, 0, sizeof(d));
    CHECK_EQ(nvme_ns_cmd_flush(ns, qp, tl_done_cb, &d), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(d.err, 0);
    free(md);
    free(mem);
    tear_down(&m);
}

static void test_shutdown(void)
{
    struct nvme_model m;
    model_init(&m);
    CHECK_EQ(bring_up(&m), 0);
    CHECK(ctrlr->io_qpairs != NULL);
    nvme_ctrlr_shutdown(ctrlr);
    CHECK_EQ(m.shutdowns, 1);
    for (unsigned q = 1; q < MODEL_MAX_QUEUES; q++)
        CHECK(!m.sq[q].exists && !m.cq[q].exists); /* deleted before SHN */
    CHECK_EQ(NVME_GET(m.csts, CSTS_SHST), NVME_CSTS_SHST_COMPLETE);
    tear_down(&m);
}

/* Deadlines: no TSC read per command. A command's clock starts at the first
 * watchdog pass that finds it in flight (a poll that reaps nothing), which is
 * never before its submission: commands of one batch share that start, and a
 * command outside a batch never takes a past batch's. */
static struct nvme_tracker *active_tracker(struct nvme_qpair *qp, unsigned skip)
{
    for (unsigned i = 0; i < qp->ntrackers; i++)
        if (qp->trackers[i].active && skip-- == 0)
            return &qp->trackers[i];
    return NULL;
}

/* One watchdog pass now (the test does not wait out NVME_TIMEOUT_CHECK_NS). */
static void watchdog_pass(struct nvme_qpair *qp)
{
    qp->next_timeout_check = 0;
    nvme_qpair_process_completions(qp, 0);
}

static void test_submit_times(void)
{
    struct nvme_model m;
    model_init(&m);
    CHECK_EQ(bring_up(&m), 0);
    struct nvme_qpair *qp = polled_qpair(16);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(ctrlr, 1);
    uint8_t *buf = tl_pages(2 * 4096);
    struct done d[3] = { { 0 } };

    uint64_t t0 = rdtsc();
    nvme_qpair_batch_begin(qp);
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 0, 8, tl_done_cb, &d[0], 0), 0);
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf + 4096, 8, 8, tl_done_cb, &d[1], 0), 0);
    struct nvme_tracker *a = active_tracker(qp, 0), *b = active_tracker(qp, 1);
    CHECK(a && b && a->submit_tsc == 0 && b->submit_tsc == 0); /* not read at submission */
    nvme_qpair_batch_end(qp);
    watchdog_pass(qp);
    CHECK(a && b && a->submit_tsc == b->submit_tsc && a->submit_tsc >= t0);
    CHECK(tl_run_until(&m, qp, d, 2));

    uint64_t t1 = rdtsc() + 1;
    while (rdtsc() < t1 + 1000000)
        ; /* the clock moves on past the batch */
    uint64_t t2 = rdtsc();
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 16, 8, tl_done_cb, &d[2], 0), 0);
    struct nvme_tracker *c = active_tracker(qp, 0);
    watchdog_pass(qp);
    CHECK(c && c->submit_tsc >= t2);
    CHECK(tl_run_until(&m, qp, &d[2], 1));
    free(buf);
    tear_down(&m);
}

/* ---- pairs per CPU (nvme_percpu.c), the model pretending to have 4 CPUs ---- */

/* A reset that grants fewer pairs: the CPUs of the orphaned ones share the
 * pairs left (and lock them), instead of failing with ENODEV from then on. */
static void test_percpu_fewer_after_reset(void)
{
    struct nvme_model m;
    model_init(&m);
    m.grant_queues = 4;
    nvme_model_cpus = 4;
    nvme_model_cpu = 0;
    CHECK_EQ(bring_up(&m), 0);
    CHECK_EQ(ctrlr->cpu_pairs[1], 4);
    struct nvme_qpair *p[4];
    for (unsigned i = 0; i < 4; i++) {
        p[i] = ctrlr->cpu_qp[1][i];
        CHECK(p[i]->single_cpu && p[i]->cpu_users == 1);
    }
    m.grant_queues = 2;
    CHECK_EQ(nvme_ctrlr_reset(ctrlr), 0);
    CHECK_EQ(ctrlr->state, NVME_STATE_READY);
    CHECK(!p[0]->orphaned && !p[1]->orphaned && p[2]->orphaned && p[3]->orphaned);
    CHECK_EQ(ctrlr->cpu_pairs[1], 2);
    for (unsigned m_ = 0; m_ < 2; m_++)
        for (unsigned i = 0; i < 4; i++)
            CHECK(ctrlr->cpu_qp[m_][i] == p[i % 2]);
    for (unsigned i = 0; i < 2; i++) {
        CHECK_EQ(p[i]->cpu_users, 2);
        CHECK(!p[i]->single_cpu);
        CHECK_EQ(p[i]->lock_flags, NVME_QLOCK_IRQ | NVME_QLOCK_SPIN);
    }
    /* CPU 3 submits on its table's pair now (p[1], shared with CPU 1). */
    struct nvme_ns *ns = nvme_ctrlr_get_ns(ctrlr, 1);
    uint8_t *buf = tl_pages(4096);
    memset(buf, 0x5A, 4096);
    struct done d = { 0 };
    nvme_model_cpu = 3;
    struct nvme_qpair *mine = ctrlr->cpu_qp[1][3];
    CHECK_EQ(nvme_ns_cmd_write(ns, mine, buf, 40, 8, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, mine, &d, 1));
    CHECK_EQ(d.err, 0);
    CHECK_EQ(m.ns[1].data[40 * 512], 0x5A);
    free(buf);
    nvme_model_cpu = 0;
    tear_down(&m);
    nvme_model_cpus = 1;
}

/* Freeing a pair with several CPUs: the pair leaves the list, the other
 * CPUs are synchronised (an interrupt handler may be walking the list at
 * it), and only then is it freed. */
static struct nvme_qpair *grace_qp;
static unsigned grace_syncs, grace_listed;

static void grace_on_sync(void)
{
    grace_syncs++;
    for (struct nvme_qpair *qp = ctrlr->io_qpairs; qp; qp = qp->next)
        if (qp == grace_qp)
            grace_listed++;
}

static void test_percpu_free_grace(void)
{
    struct nvme_model m;
    model_init(&m);
    nvme_model_cpus = 2;
    CHECK_EQ(bring_up(&m), 0);
    struct nvme_io_qpair_opts o;
    nvme_ctrlr_get_default_io_qpair_opts(ctrlr, &o);
    grace_qp = nvme_ctrlr_alloc_io_qpair(ctrlr, &o);
    CHECK(grace_qp != NULL);
    grace_syncs = grace_listed = 0;
    nvme_model_on_sync_cpus = grace_on_sync;
    CHECK_EQ(nvme_ctrlr_free_io_qpair(grace_qp), 0);
    nvme_model_on_sync_cpus = NULL;
    CHECK_EQ(grace_syncs, 1);
    CHECK_EQ(grace_listed, 0);
    tear_down(&m);
    nvme_model_cpus = 1;
}

/* A reset on CPU 0 fails commands of a pair CPU 1 owns (their retries used
 * up; or the reset gives up on the controller): the callbacks run on CPU 1,
 * at its next reap, never on CPU 0 - they may touch CPU 1's own state. */
static unsigned deferred_cpu_seen;

static void deferred_cb(void *arg, const struct nvme_cpl *cpl)
{
    deferred_cpu_seen = nvme_model_cpu;
    tl_done_cb(arg, cpl);
}

static void test_percpu_deferred_failures(bool reset_fails)
{
    struct nvme_model m;
    model_init(&m);
    nvme_model_cpus = 2;
    nvme_model_cpu = 0;
    CHECK_EQ(bring_up(&m), 0);
    ctrlr->max_retries = 0;
    struct nvme_qpair *own = ctrlr->cpu_qp[1][1];
    CHECK(own->single_cpu && own->cpu == 1);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(ctrlr, 1);
    uint8_t *buf = tl_pages(2 * 4096);
    struct done d[2] = { 0 };
    nvme_model_cpu = 1;
    for (unsigned i = 0; i < 2; i++)
        CHECK_EQ(nvme_ns_cmd_read(ns, own, buf + i * 4096, i * 8, 8, deferred_cb, &d[i], 0), 0);
    nvme_model_cpu = 0; /* the device never saw them; CPU 0 resets */
    if (reset_fails)
        m.never_ready = true;
    CHECK_EQ(nvme_ctrlr_reset(ctrlr) != 0, reset_fails);
    CHECK_EQ(d[0].calls + d[1].calls, 0);
    CHECK_EQ(own->deferred, 2);
    CHECK_EQ(nvme_qpair_process_completions(own, 0), -EPERM); /* not CPU 0's to reap */
    CHECK_EQ(d[0].calls + d[1].calls, 0);
    nvme_model_cpu = 1;
    CHECK_EQ(nvme_qpair_process_completions(own, 0), 2);
    for (unsigned i = 0; i < 2; i++) {
        CHECK_EQ(d[i].calls, 1);
        CHECK_EQ(d[i].err, reset_fails ? -ENODEV : -EIO);
    }
    CHECK_EQ(deferred_cpu_seen, 1);
    CHECK_EQ(own->deferred, 0);
    CHECK_EQ(own->outstanding, 0);
    if (!reset_fails) { /* and the pair works on */
        struct done e = { 0 };
        CHECK_EQ(nvme_ns_cmd_read(ns, own, buf, 0, 8, tl_done_cb, &e, 0), 0);
        CHECK(tl_run_until(&m, own, &e, 1));
        CHECK_EQ(e.err, 0);
    }
    free(buf);
    nvme_model_cpu = 0;
    m.never_ready = false;
    tear_down(&m);
    nvme_model_cpus = 1;
}

static void test_percpu(void)
{
    struct nvme_model m;
    model_init(&m);
    m.grant_queues = 3; /* fewer than the CPUs: they share */
    nvme_model_cpus = 4;
    nvme_model_cpu = 0;
    CHECK_EQ(bring_up(&m), 0);
    CHECK_EQ(ctrlr->max_io_qpairs, 3);
    CHECK_EQ(ctrlr->cpu_count, 4);
    /* No interrupts in the model: polled pairs only, both tables alike. */
    CHECK_EQ(ctrlr->cpu_pairs[0], 0);
    CHECK_EQ(ctrlr->cpu_pairs[1], 3);
    for (unsigned i = 0; i < 4; i++)
        CHECK(ctrlr->cpu_qp[0][i] == ctrlr->cpu_qp[1][i]);
    struct nvme_qpair *shared = ctrlr->cpu_qp[1][0];
    CHECK(ctrlr->cpu_qp[1][3] == shared); /* CPU 3 uses pair 3 % 3 */
    CHECK_EQ(shared->cpu_users, 2);
    CHECK(!shared->single_cpu);
    CHECK_EQ(shared->lock_flags, NVME_QLOCK_IRQ | NVME_QLOCK_SPIN);
    struct nvme_qpair *own = ctrlr->cpu_qp[1][1];
    CHECK_EQ(own->cpu_users, 1);
    CHECK(own->single_cpu);
    CHECK_EQ(own->cpu, 1);
    CHECK_EQ(own->lock_flags, NVME_QLOCK_IRQ); /* no lock: interrupts off only */
    CHECK_EQ(ctrlr->admin.lock_flags & NVME_QLOCK_SPIN, NVME_QLOCK_SPIN);

    /* CPU 3 and CPU 0 both submit on the shared pair; either may reap it. */
    struct nvme_ns *ns = nvme_ctrlr_get_ns(ctrlr, 1);
    uint8_t *buf = tl_pages(8 * 4096);
    struct done d[8] = { 0 };
    for (unsigned i = 0; i < 8; i++) {
        nvme_model_cpu = i % 2 ? 3 : 0;
        memset(buf + i * 4096, (int)(0x10 + i), 4096);
        CHECK_EQ(nvme_ns_cmd_write(ns, shared, buf + i * 4096, i * 8, 8, tl_done_cb, &d[i], 0), 0);
    }
    nvme_model_cpu = 3;
    CHECK(tl_run_until(&m, shared, d, 8));
    CHECK_EQ(shared->lock.depth, 0);
    CHECK_EQ(shared->lock.holder, 0);
    for (unsigned i = 0; i < 8; i++)
        CHECK(d[i].err == 0 && m.ns[1].data[i * 8 * 512] == 0x10 + i);

    /* A pair of one CPU is reaped by that CPU only. */
    struct done e = { 0 };
    nvme_model_cpu = 1;
    CHECK_EQ(nvme_ns_cmd_read(ns, own, buf, 0, 8, tl_done_cb, &e, 0), 0);
    nvme_model_cpu = 2;
    model_step(&m);
    CHECK_EQ(nvme_qpair_process_completions(own, 0), -EPERM);
    CHECK_EQ(e.calls, 0);
    nvme_model_cpu = 1;
    CHECK(tl_run_until(&m, own, &e, 1));
    CHECK_EQ(e.err, 0);

    /* A reset: every pair locks while it runs, then goes back; I/O in flight
     * across it completes; pairs are recreated on the device. */
    struct done f = { 0 };
    CHECK_EQ(nvme_ns_cmd_read(ns, own, buf, 0, 8, tl_done_cb, &f, 0), 0);
    CHECK_EQ(nvme_ctrlr_reset(ctrlr), 0);
    CHECK_EQ(ctrlr->state, NVME_STATE_READY);
    CHECK_EQ(own->lock_flags, NVME_QLOCK_IRQ);
    CHECK_EQ(shared->lock_flags, NVME_QLOCK_IRQ | NVME_QLOCK_SPIN);
    CHECK(tl_run_until(&m, own, &f, 1));
    CHECK_EQ(f.err, 0);
    CHECK_EQ(f.calls, 1);
    free(buf);
    nvme_model_cpu = 0;
    tear_down(&m);
    nvme_model_cpus = 1;

    /* Enough granted: a pair per CPU, no sharing; 3 per CPU asked for when
     * that is more than 16. */
    model_init(&m);
    nvme_model_cpus = 8;
    CHECK_EQ(bring_up(&m), 0);
    CHECK_EQ(ctrlr->max_io_qpairs, 24);
    CHECK_EQ(ctrlr->cpu_pairs[1], 8);
    for (unsigned i = 0; i < 8; i++)
        CHECK(ctrlr->cpu_qp[1][i]->cpu_users == 1 && ctrlr->cpu_qp[1][i]->single_cpu);
    CHECK_EQ(nvme_ctrlr_get_free_io_qpairs(ctrlr), 16);
    tear_down(&m);
    nvme_model_cpus = 1;
    test_percpu_fewer_after_reset();
    test_percpu_free_grace();
    test_percpu_deferred_failures(false);
    test_percpu_deferred_failures(true);
}

int main(void)
{
    test_init_from_enabled();
    test_init_transitioning();
    test_init_failures();
    test_init_unwind();
    test_data_random();
    test_phase_wrap();
    test_out_of_order_and_bogus();
    test_errors_and_retries();
    test_timeouts();
    test_submit_times();
    test_sgl_and_metadata();
    test_shutdown();
    test_percpu();
    return check_exit();
}
