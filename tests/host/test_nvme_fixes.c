/*
 * Host test: the fixes for findings 1, 5, 7 and 8 of issue 9 (real NVMe
 * SSDs), each against the in-memory controller model and each failing on
 * the driver before the fix:
 *   1  recovery that gives up clears PCI BME before it fails requests;
 *   5  I/O submitted during a reset is held and resubmitted, not erased;
 *      a timeout for a CID whose tracker was reused does nothing;
 *   7  the CRTO-derived ready timeout is capped, and a recovery with
 *      CAP.TO=255 fits inside block_wait's 600 s; a reset that grants
 *      fewer queue pairs keeps the controller;
 *   8  a split request keeps its first error; Set Features 0Bh sets no
 *      reserved bit; rawloop refuses an unusable namespace; a separate-
 *      metadata namespace never gets MPTR=0; MAXCMD limits the commands
 *      in flight (0: the queue size does); a pending Abort is not sent
 *      again after a reset.
 */
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_limits.h"
#include "kernel/mm/heap.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "tests/host/check.h"
#include "tests/host/nvme_model.h"
#include "tests/host/nvme_testlib.h"

#define SC(sct, sc) ((uint16_t)(((sct) << 8) | (sc)))
#define DNR 0x4000u
#define CAP_TO_SHIFT 24

/* nvme_rawloop.c reads the TSC rate from the kernel's clock. */
uint64_t clock_tsc_hz(void)
{
    return ns_to_tsc(NSEC_PER_SEC);
}

static struct nvme_tracker *only_active(struct nvme_qpair *qp)
{
    struct nvme_tracker *found = NULL;
    for (unsigned i = 0; i < qp->ntrackers; i++)
        if (qp->trackers[i].active)
            found = &qp->trackers[i];
    return found;
}

/* Finding 1: RDY never falls after the reset's CC.EN=0. */
static void test_bme_off_before_failing(void)
{
    struct nvme_model m;
    int err;
    model_init(&m);
    m.cap &= ~(0xFFull << CAP_TO_SHIFT); /* TO=0: a 500 ms ready wait */
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    CHECK(m.bme);
    struct nvme_qpair *qp = tl_polled_qpair(c, 16);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(c, 1);
    uint8_t *buf = tl_pages(8192);
    struct done d[2];
    memset(d, 0, sizeof(d));
    d[0].model = d[1].model = &m;
    /* Two reads in flight (submitted, never executed by the model). */
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 0, 8, tl_done_cb, &d[0], 0), 0);
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf + 4096, 8, 8, tl_done_cb, &d[1], 0), 0);
    m.stuck_ready = true;
    CHECK_EQ(nvme_ctrlr_reset(c), -ETIMEDOUT);
    CHECK_EQ(c->state, NVME_STATE_FAILED);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(d[i].calls, 1);
        CHECK_EQ(d[i].err, -ENODEV);
        CHECK(!d[i].bme); /* bus mastering was off before the buffer came back */
    }
    CHECK(!m.bme);
    free(buf);
    tl_tear_down(&m, c);
}

/* Finding 5: a completion callback (simulated by the step hook) submits
 * while the reset runs: before the rings are emptied (step 3, disable) and
 * after the queues exist again (step 13, asynchronous events). */
struct reset_submit {
    struct nvme_qpair *qp;
    uint8_t *buf;
    struct done d[2];
    int submit_err[2];
    unsigned submitted;
    struct done admin;        /* an admin command sent at the same time */
    int admin_err;
};

static void submit_during_reset(struct nvme_model *m, struct nvme_ctrlr *c, unsigned step,
                                void *arg)
{
    (void)m;
    struct reset_submit *rs = arg;
    if (c->state != NVME_STATE_RESETTING || (step != 2 && step != 12) || rs->submitted >= 2)
        return;
    unsigned i = rs->submitted++;
    if (i == 0) {
        struct nvme_sqe cmd;
        nvme_cmd_get_features(&cmd, NVME_FEAT_NUM_QUEUES, 0, 0, 0);
        rs->admin_err = nvme_ctrlr_cmd_admin_raw(c, &cmd, NULL, 0, tl_done_cb, &rs->admin);
    }
    rs->submit_err[i] = nvme_ns_cmd_write(nvme_ctrlr_get_ns(c, 1), rs->qp, rs->buf + i * 4096,
                                          1000 + i * 8, 8, tl_done_cb, &rs->d[i], 0);
}

static void test_submit_during_reset(void)
{
    struct nvme_model m;
    int err;
    model_init(&m);
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    static struct reset_submit rs;
    memset(&rs, 0, sizeof(rs));
    rs.qp = tl_polled_qpair(c, 16);
    rs.buf = tl_pages(8192);
    memset(rs.buf, 0x5A, 4096);
    memset(rs.buf + 4096, 0xC3, 4096);
    m.on_step = submit_during_reset;
    m.on_step_arg = &rs;
    CHECK_EQ(nvme_ctrlr_reset(c), 0);
    m.on_step = NULL;
    CHECK_EQ(rs.submitted, 2);
    CHECK_EQ(rs.submit_err[0], 0);
    CHECK_EQ(rs.submit_err[1], 0);
    CHECK(tl_run_until(&m, rs.qp, rs.d, 2));
    CHECK_EQ(rs.admin_err, 0);
    CHECK(tl_run_until(&m, &c->admin, &rs.admin, 1));
    CHECK_EQ(rs.admin.err, 0);
    CHECK_EQ(rs.d[0].err, 0);
    CHECK_EQ(rs.d[1].err, 0);
    CHECK_EQ(c->resets, 1);           /* no second reset */
    CHECK_EQ(rs.qp->stats.timeouts, 0);
    CHECK_EQ(m.bad_doorbells, 0);
    CHECK(memcmp(m.ns[1].data + 1000 * 512, rs.buf, 4096) == 0);
    CHECK(memcmp(m.ns[1].data + 1008 * 512, rs.buf + 4096, 4096) == 0);
    free(rs.buf);
    tl_tear_down(&m, c);
}

/* Finding 5: the watchdog saw CID X expire; before its handler ran, X
 * completed and the tracker took command Y. Nothing may happen to Y. */
static void test_timeout_on_reused_tracker(void)
{
    struct nvme_model m;
    int err;
    model_init(&m);
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    struct nvme_qpair *qp = tl_polled_qpair(c, 16);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(c, 1);
    uint8_t *buf = tl_pages(4096);
    struct done a = { 0 }, b = { 0 };
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 0, 8, tl_done_cb, &a, 0), 0);
    struct nvme_tracker *tr = only_active(qp);
    CHECK(tr != NULL);
    uint16_t cid_a = tr ? tr->sqe.cid : 0;
    CHECK(tl_run_until(&m, qp, &a, 1));
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 8, 8, tl_done_cb, &b, 0), 0);
    CHECK(only_active(qp) == tr); /* the same tracker, another CID */
    if (tr) {
        CHECK(tr->sqe.cid != cid_a);
        nvme_ctrlr_handle_timeout_cid(c, qp, tr, cid_a);
    }
    CHECK_EQ(m.aborts, 0);
    CHECK_EQ(c->resets, 0);
    CHECK_EQ(qp->stats.timeouts, 0);
    CHECK(tl_run_until(&m, qp, &b, 1));
    CHECK_EQ(b.err, 0);
    free(buf);
    tl_tear_down(&m, c);
}

/* Finding 7: CRTO.CRWMT = FFFFh (9 hours) and CAP.TO = FFh. */
static void test_ready_timeout_capped(void)
{
    int capped;
    uint64_t cap =
        (0xFFull << CAP_TO_SHIFT) | ((uint64_t)NVME_CAP_CRMS_CRWMS << NVME_CAP_CRMS_SHIFT);
    CHECK_EQ(nvme_ready_timeout_ns(cap, 0xFFFF, &capped), NVME_READY_TIMEOUT_MAX_NS);
    CHECK(capped);
    CHECK_EQ(nvme_ready_timeout_ns(cap & ~(0xFFull << CAP_TO_SHIFT), 3, &capped),
             2000 * NSEC_PER_MSEC);
    CHECK(!capped);
    CHECK_EQ(nvme_ready_timeout_ns(0x0Full << CAP_TO_SHIFT, 0, &capped), 8000 * NSEC_PER_MSEC);

    struct nvme_model m;
    int err;
    model_init(&m);
    m.cap = (m.cap & ~(0xFFull << CAP_TO_SHIFT)) | cap;
    m.crto = 0xFFFF;
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    CHECK_EQ(c->ready_timeout_ns, 128 * NSEC_PER_SEC);
    /* With the default command timeouts a whole recovery - the timeout,
     * an Abort, three ready waits and the reset's admin commands - ends
     * before block_wait's fixed 600 s (and the block layer is told). */
    nvme_ctrlr_set_timeout(c, true, NVME_DEFAULT_ADMIN_TIMEOUT_MS * NSEC_PER_MSEC);
    nvme_ctrlr_set_timeout(c, false, NVME_DEFAULT_IO_TIMEOUT_MS * NSEC_PER_MSEC);
    uint64_t worst = nvme_ctrlr_recovery_worst_ns(c);
    CHECK(worst >= 3 * 128 * NSEC_PER_SEC);
    CHECK(worst < 600 * NSEC_PER_SEC);
    tl_tear_down(&m, c);
}

/* Finding 7: after a reset the controller grants one pair, not two. */
static void test_fewer_queues_after_reset(void)
{
    struct nvme_model m;
    int err;
    model_init(&m);
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    struct nvme_qpair *q1 = c->block_qp_irq, *q2 = tl_polled_qpair(c, 16);
    CHECK(q1 != NULL && q1->id == 1);
    CHECK(q2 != NULL && q2 && q2->id == 2);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(c, 1);
    uint8_t *buf = tl_pages(4096);
    struct done d = { 0 };
    CHECK_EQ(nvme_ns_cmd_read(ns, q2, buf, 0, 8, tl_done_cb, &d, 0), 0);
    m.grant_queues = 1;
    CHECK_EQ(nvme_ctrlr_reset(c), 0);
    CHECK_EQ(c->state, NVME_STATE_READY);
    CHECK(q2->orphaned);
    CHECK(!q1->orphaned);
    CHECK_EQ(d.calls, 1);
    CHECK_EQ(d.err, -ENODEV);
    CHECK_EQ(nvme_ns_cmd_read(ns, q2, buf, 0, 8, tl_done_cb, &d, 0), -ENODEV);
    CHECK_EQ(tl_write_read_check(&m, c, q1, 1, 77, 9, 12), 0);
    CHECK_EQ(nvme_ctrlr_free_io_qpair(q2), 0);
    free(buf);
    tl_tear_down(&m, c);
}

/* Finding 8: a read split in three fails in its first part only. */
static void test_split_keeps_first_error(void)
{
    struct nvme_model m;
    int err;
    model_init(&m);
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    struct nvme_qpair *qp = tl_polled_qpair(c, 16);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(c, 1);
    CHECK_EQ(ns->max_blocks, 1024); /* MDTS 7: 512 KiB per command */
    uint8_t *buf = tl_pages(3000 * 512);
    m.error_lba = 10;
    m.error_status = SC(2, 0x81) | DNR; /* Unrecovered Read Error */
    m.error_count = -1;
    struct done d = { 0 };
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 0, 3000, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(d.calls, 1);
    CHECK(d.err != 0);
    CHECK_EQ((d.cpl.cqe.status >> 1) & 0x7FF, 0x281); /* its status, not a later success */
    free(buf);
    tl_tear_down(&m, c);
}

/* Finding 8: Set Features 0Bh on a controller without PMR whose OAES
 * announces namespace attribute notices (bit 8) and nothing else: the
 * SMART warnings (4:0) and bit 8, no reserved bit, also after a reset. */
static void test_aec_no_reserved_bits(void)
{
    struct nvme_model m;
    int err;
    model_init(&m);
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    CHECK_EQ(m.aec_sets, 1);
    CHECK_EQ(m.aec_cdw11, 0x11F);
    CHECK_EQ(nvme_ctrlr_reset(c), 0);
    CHECK_EQ(m.aec_sets, 2);
    CHECK_EQ(m.aec_cdw11, 0x11F);
    tl_tear_down(&m, c);
}

/* Finding 8: rawloop on a namespace whose format nvos cannot use (256-byte
 * blocks: no block size is recorded) and on one with metadata. */
static void test_rawloop_unusable(void)
{
    struct nvme_model m;
    int err;
    model_init(&m);
    model_add_ns(&m, 2, 64, 8, 0);    /* LBADS 8: outside 512 B..64 KiB */
    model_add_ns(&m, 3, 1024, 9, 8);  /* separate metadata */
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    uint64_t iops = 0;
    struct nvme_ns *n2 = nvme_ctrlr_get_ns(c, 2), *n3 = nvme_ctrlr_get_ns(c, 3);
    CHECK(n2 != NULL && n2->unusable != NULL);
    CHECK(n3 != NULL && n3->unusable != NULL);
    if (n2)
        CHECK_EQ(nvme_ns_rawloop(n2, 4, 10, &iops), -EOPNOTSUPP);
    if (n3)
        CHECK_EQ(nvme_ns_rawloop(n3, 4, 10, &iops), -EOPNOTSUPP);
    tl_tear_down(&m, c);
}

/* Finding 8: separate metadata, plain buffer: refused, never MPTR=0. */
static void test_separate_metadata_needs_buffer(void)
{
    struct nvme_model m;
    int err;
    model_init(&m);
    model_add_ns(&m, 2, 1024, 9, 8);
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    struct nvme_qpair *qp = tl_polled_qpair(c, 16);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(c, 2);
    uint8_t *buf = tl_pages(8192), *md = tl_pages(4096);
    struct done d = { 0 };
    unsigned io_before = m.io_cmds;
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 0, 8, tl_done_cb, &d, 0), -EINVAL);
    CHECK_EQ(nvme_ns_cmd_write(ns, qp, buf, 0, 16, tl_done_cb, &d, 0), -EINVAL);
    CHECK_EQ(m.io_cmds, io_before); /* nothing reached the device */
    /* With a metadata buffer: data and metadata land where they should. */
    memset(buf, 0x11, 4096);
    memset(md, 0x22, 64);
    CHECK_EQ(nvme_ns_cmd_write_with_md(ns, qp, buf, md, 4, 8, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(d.err, 0);
    CHECK_EQ(m.ns[2].md[4 * 8], 0x22);
    CHECK_EQ(m.ns[2].md[4 * 8 + 63], 0x22);
    /* Write Zeroes carries no data: allowed. */
    memset(&d, 0, sizeof(d));
    CHECK_EQ(nvme_ns_cmd_write_zeroes(ns, qp, 4, 8, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(d.err, 0);
    free(buf);
    free(md);
    tl_tear_down(&m, c);
}

/* Finding 8: MAXCMD 5 limits a pair to 5 commands; 0 leaves the queue size. */
static void test_maxcmd(void)
{
    for (int reported = 0; reported < 2; reported++) {
        struct nvme_model m;
        int err;
        model_init(&m);
        m.maxcmd = reported ? 5 : 0;
        struct nvme_ctrlr *c = tl_bring_up(&m, &err);
        CHECK_EQ(err, 0);
        CHECK_EQ(c->max_cmds, reported ? 5 : 0);
        struct nvme_qpair *qp = tl_polled_qpair(c, 64);
        CHECK(qp != NULL);
        if (qp)
            CHECK_EQ(qp->ntrackers, reported ? 5 : 63);
        CHECK_EQ(c->admin.ntrackers, NVME_ADMIN_QUEUE_SIZE - 1);
        tl_tear_down(&m, c);
    }
}

/* Finding 8: the Abort for a lost command is still pending when the reset
 * comes; the reset must not send it again (its CID means nothing now). */
static void test_stale_abort_not_resubmitted(void)
{
    struct nvme_model m;
    int err;
    model_init(&m);
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    nvme_ctrlr_set_timeout(c, false, 20 * 1000000ull);
    nvme_ctrlr_set_timeout(c, true, 50 * 1000000ull);
    struct nvme_qpair *qp = tl_polled_qpair(c, 16);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(c, 1);
    uint8_t *buf = tl_pages(4096);
    struct done d = { 0 };
    m.hold_aborts = true;
    m.drop_next_io = 1;
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 0, 8, tl_done_cb, &d, 0), 0);
    CHECK(tl_run_until(&m, qp, &d, 1));
    CHECK_EQ(d.err, -ETIMEDOUT);
    CHECK_EQ(c->resets, 1);
    for (int i = 0; i < 20; i++) {
        model_step(&m);
        nvme_qpair_reap(&c->admin, 0, false);
    }
    CHECK_EQ(m.aborts, 1);
    CHECK_EQ(c->admin.outstanding, 1); /* only the Asynchronous Event Request */
    free(buf);
    tl_tear_down(&m, c);
}

int main(void)
{
    test_bme_off_before_failing();
    test_submit_during_reset();
    test_timeout_on_reused_tracker();
    test_ready_timeout_capped();
    test_fewer_queues_after_reset();
    test_split_keeps_first_error();
    test_aec_no_reserved_bits();
    test_rawloop_unusable();
    test_separate_metadata_needs_buffer();
    test_maxcmd();
    test_stale_abort_not_resubmitted();
    CHECK_EQ(model_live_allocs, 0);
    return check_exit();
}
