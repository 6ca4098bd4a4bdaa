/*
 * Host test: every failure shape of issue 11 item 1, one named scenario
 * each, the driver core (nvme_ctrlr.c, nvme_qpair.c, nvme_ns.c,
 * nvme_fault.c) against the in-memory controller model, under ASan/UBSan;
 * and the fault plans of "nvme fault" (nvme_fault.h): parser, scheduler,
 * the driver's seams and the model's device side.
 *
 *   test_nvme_faults [SCENARIO...]   (none: all of them)
 *
 * Output is KTAP-like: "ok N - name" or "not ok N - name" per scenario.
 * ctest runs each scenario as its own test, host.nvme_fault.<name>
 * (tests/host/units.cmake). Each scenario ends within a bound it checks
 * itself (besides ctest's timeout), reaches the outcome documented in
 * docs/reliability.md, and, where I/O ran, checks that a window of the
 * namespace holds exactly what the completed writes put there: every block
 * carries a stamp (its LBA and a generation); a block whose last write
 * completed successfully must hold that write's stamp, one whose last write
 * failed may hold the stamp before it or that write's (a device may have
 * executed a command whose completion never arrived).
 */
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_fault.h"
#include "drivers/nvme/nvme_internal.h"
#include "kernel/mm/heap.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "tests/host/check.h"
#include "tests/host/nvme_model.h"
#include "tests/host/nvme_testlib.h"

#define WINDOW 2048u /* LBAs of namespace 1 the workloads use */
#define MAX_QD 8
#define MAX_BLOCKS 16
#define MS (1000000ull)
/* Upper time bounds are what a scenario takes at most on an idle machine,
 * times SLACK: the suite shares two cores with QEMU tests. */
#define SLACK 3

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* ---- the controller under test ---- */

static struct nvme_model M;
static struct nvme_ctrlr C;
static long allocs_before;

static void model_fresh(void)
{
    model_init(&M);
    allocs_before = model_live_allocs;
    rng_state = 88172645463325252ull;
}

static int up(void)
{
    model_attach(&M, &C);
    return nvme_ctrlr_init(&C);
}

/* Frees what init built, the model, and checks nothing leaked. */
static void down(void)
{
    nvme_fault_disarm(&C);
    model_release_ctrlr(&C);
    model_free(&M);
    CHECK_EQ(model_live_allocs, allocs_before);
}

static uint64_t elapsed_ms(uint64_t t0)
{
    return (clock_ns() - t0) / MS;
}

/* ---- stamped blocks and the shadow of what the namespace must hold ---- */

static uint64_t want[WINDOW]; /* the stamp of the last write that completed, 0: none */
static uint64_t maybe[WINDOW]; /* a later write's stamp that failed (may have landed), 0: none */
static uint32_t generation;

static uint64_t stamp_of(uint64_t lba, uint32_t gen)
{
    return (lba + 1) << 24 | gen;
}

static void fill(uint8_t *p, uint64_t lba, unsigned count, uint32_t gen)
{
    for (unsigned b = 0; b < count; b++)
        for (unsigned w = 0; w < 512 / 8; w++)
            memcpy(p + b * 512 + w * 8, &(uint64_t){ stamp_of(lba + b, gen) }, 8);
}

/* The block's stamp, or ~0 when its words disagree (torn). */
static uint64_t block_stamp(const uint8_t *b)
{
    uint64_t s, t;
    memcpy(&s, b, 8);
    for (unsigned w = 1; w < 512 / 8; w++) {
        memcpy(&t, b + w * 8, 8);
        if (t != s)
            return ~0ull;
    }
    return s;
}

static bool block_ok(uint64_t lba, uint64_t s)
{
    return s == want[lba] || (maybe[lba] && s == maybe[lba]);
}

/* Every block of the window on the model's medium: what the completed
 * writes put there. Returns the number of wrong blocks. */
static unsigned check_namespace(void)
{
    unsigned bad = 0;
    for (uint64_t lba = 0; lba < WINDOW; lba++)
        if (!block_ok(lba, block_stamp(M.ns[1].data + lba * 512))) {
            if (bad++ < 4)
                fprintf(stderr, "  LBA %llu holds %#llx, want %#llx (or %#llx)\n",
                        (unsigned long long)lba,
                        (unsigned long long)block_stamp(M.ns[1].data + lba * 512),
                        (unsigned long long)want[lba], (unsigned long long)maybe[lba]);
        }
    return bad;
}

static void shadow_reset(void)
{
    memset(want, 0, sizeof(want));
    memset(maybe, 0, sizeof(maybe));
    generation = 0;
}

/* ---- a workload: random stamped writes and checked reads at a queue depth ---- */

struct io {
    bool busy, write;
    int calls, err;
    uint64_t lba;
    unsigned count;
    uint32_t gen;
    uint8_t *buf;
};

struct result {
    unsigned done, failed, mismatches, extra_calls;
    int first_err;
};

static struct io ios[MAX_QD];

static void io_done(void *arg, const struct nvme_cpl *cpl)
{
    struct io *io = arg;
    io->calls++;
    io->err = cpl->err;
}

static bool overlaps(uint64_t lba, unsigned count)
{
    for (unsigned i = 0; i < MAX_QD; i++)
        if (ios[i].busy && lba < ios[i].lba + ios[i].count && ios[i].lba < lba + count)
            return true;
    return false;
}

static void finish(struct io *io, struct result *r)
{
    io->busy = false;
    r->done++;
    if (io->calls != 1)
        r->extra_calls++;
    if (io->err) {
        r->failed++;
        if (r->first_err == 0)
            r->first_err = io->err;
    }
    for (unsigned b = 0; b < io->count; b++) {
        uint64_t lba = io->lba + b;
        if (io->write && io->err == 0) {
            want[lba] = stamp_of(lba, io->gen);
            maybe[lba] = 0;
        } else if (io->write) {
            maybe[lba] = stamp_of(lba, io->gen);
        } else if (io->err == 0 && !block_ok(lba, block_stamp(io->buf + b * 512))) {
            r->mismatches++;
        }
    }
}

/*
 * n I/Os (writes with probability write_pct %) at depth qd on qp, polling
 * (model step + reap) until all have completed or limit_ms has passed.
 * hook(i) runs before the i-th submission (to inject mid-run), may be NULL.
 */
static struct result workload(struct nvme_qpair *qp, unsigned n, unsigned qd, unsigned write_pct,
                              uint64_t limit_ms, void (*hook)(unsigned i))
{
    struct nvme_ns *ns = nvme_ctrlr_get_ns(&C, 1);
    struct result r = { 0 };
    unsigned issued = 0, passes = 0;
    CHECK(ns != NULL && qp != NULL);
    if (ns == NULL || qp == NULL)
        return r;
    uint64_t t0 = clock_ns();
    for (unsigned i = 0; i < MAX_QD; i++)
        if (ios[i].buf == NULL)
            ios[i].buf = aligned_alloc(4096, MAX_BLOCKS * 512);
    while ((issued < n || r.done < issued) && elapsed_ms(t0) < limit_ms) {
        for (unsigned i = 0; i < qd && issued < n; i++) {
            struct io *io = &ios[i];
            if (io->busy)
                continue;
            if (hook)
                hook(issued);
            unsigned count = 1 + (unsigned)(rnd() % MAX_BLOCKS);
            uint64_t lba = rnd() % (WINDOW - count);
            if (overlaps(lba, count))
                continue;
            io->write = rnd() % 100 < write_pct;
            io->lba = lba;
            io->count = count;
            io->calls = 0;
            io->err = 0;
            int err;
            if (io->write) {
                io->gen = ++generation;
                fill(io->buf, lba, count, io->gen);
                err = nvme_ns_cmd_write(ns, qp, io->buf, lba, count, io_done, io, 0);
            } else {
                memset(io->buf, 0xEE, count * 512);
                err = nvme_ns_cmd_read(ns, qp, io->buf, lba, count, io_done, io, 0);
            }
            if (err == -EAGAIN)
                continue;
            issued++;
            if (err) { /* refused at submission: nothing sent */
                r.done++;
                r.failed++;
                if (r.first_err == 0)
                    r.first_err = err;
                continue;
            }
            io->busy = true;
        }
        /* The device answers every other pass, so that some passes find
         * nothing and the watchdog (deadlines, its CSTS look) runs. */
        if (++passes % 2)
            model_step(&M);
        nvme_qpair_process_completions(qp, 0);
        for (unsigned i = 0; i < MAX_QD; i++)
            if (ios[i].busy && ios[i].calls)
                finish(&ios[i], &r);
    }
    for (unsigned i = 0; i < MAX_QD; i++)
        if (ios[i].busy)
            fprintf(stderr, "  I/O %u (LBA %llu) never completed\n", i,
                    (unsigned long long)ios[i].lba);
    return r;
}

/* The controller serves I/O: a clean workload, then the namespace check. */
static void serves_io(struct nvme_qpair *qp)
{
    struct result r = workload(qp, 200, 4, 50, 5000, NULL);
    CHECK_EQ(r.done, 200);
    CHECK_EQ(r.failed, 0);
    CHECK_EQ(r.mismatches, 0);
    CHECK_EQ(check_namespace(), 0);
}

/* Polls until done->calls (nvme_testlib.h) or limit_ms. */
static bool wait_done(struct nvme_qpair *qp, struct done *d, uint64_t limit_ms)
{
    uint64_t t0 = clock_ns();
    while (d->calls == 0 && elapsed_ms(t0) < limit_ms) {
        model_step(&M);
        nvme_qpair_process_completions(qp, 0);
    }
    return d->calls > 0;
}

/* Short deadlines: I/O 20 ms, admin 50 ms (the model answers at once). */
static void short_timeouts(void)
{
    nvme_ctrlr_set_timeout(&C, false, 20 * MS);
    nvme_ctrlr_set_timeout(&C, true, 50 * MS);
}

static struct nvme_tracker *active_tracker(struct nvme_qpair *qp)
{
    for (unsigned i = 0; i < qp->ntrackers; i++)
        if (qp->trackers[i].active)
            return &qp->trackers[i];
    return NULL;
}

/* ======================================================================== */
/* Readiness                                                                */
/* ======================================================================== */

#define CAP_TO(m, units) ((m)->cap = ((m)->cap & ~(0xFFull << 24)) | ((uint64_t)(units) << 24))

/* RDY never rises: init waits (CAP.TO + 1) x 500 ms, fails ETIMEDOUT, leaves CC.EN = 0. */
static void rdy_never_rises(void)
{
    model_fresh();
    CAP_TO(&M, 1);
    M.never_ready = true;
    uint64_t t0 = clock_ns();
    CHECK_EQ(up(), -ETIMEDOUT);
    uint64_t ms = elapsed_ms(t0);
    CHECK(ms >= 1000 && ms < 2000 * SLACK);
    CHECK_EQ(C.state, NVME_STATE_FAILED);
    CHECK_EQ(M.cc & 1, 0);
    CHECK(!M.mapped);
    down();
}

/* RDY rises late (after 2000 polls): within the deadline, init succeeds and I/O works. */
static void rdy_rises_late(void)
{
    model_fresh();
    shadow_reset();
    M.ready_delay = 2000;
    uint64_t t0 = clock_ns();
    CHECK_EQ(up(), 0);
    CHECK(elapsed_ms(t0) < 8000 * SLACK);
    serves_io(C.block_qp_poll);
    down();
}

/* RDY never falls after CC.EN = 0: at init (firmware left it enabled) init
 * gives up after the ready timeout; at a reset during I/O the controller is
 * failed and every outstanding command fails ENODEV. */
static void rdy_never_falls(void)
{
    model_fresh();
    CAP_TO(&M, 1);
    M.start_enabled = true;
    M.stuck_ready = true;
    uint64_t t0 = clock_ns();
    CHECK_EQ(up(), -ETIMEDOUT);
    CHECK(elapsed_ms(t0) < 2000 * SLACK);
    CHECK_EQ(C.state, NVME_STATE_FAILED);
    down();

    model_fresh();
    shadow_reset();
    CAP_TO(&M, 1);
    CHECK_EQ(up(), 0);
    struct nvme_qpair *qp = C.block_qp_poll;
    struct nvme_ns *ns = nvme_ctrlr_get_ns(&C, 1);
    uint8_t *buf = aligned_alloc(4096, 4096);
    fill(buf, 100, 8, 1);
    struct done d = { 0 };
    CHECK_EQ(nvme_ns_cmd_write(ns, qp, buf, 100, 8, tl_done_cb, &d, 0), 0);
    M.stuck_ready = true;
    t0 = clock_ns();
    CHECK(nvme_ctrlr_reset(&C) != 0);
    CHECK(elapsed_ms(t0) < 2000 * SLACK);
    CHECK_EQ(d.calls, 1);
    CHECK_EQ(d.err, -ENODEV);
    CHECK_EQ(C.state, NVME_STATE_FAILED);
    for (unsigned b = 0; b < 8; b++)
        maybe[100 + b] = stamp_of(100 + b, 1);
    CHECK_EQ(check_namespace(), 0);
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 0, 1, tl_done_cb, &d, 0), -ENODEV);
    free(buf);
    down();
}

/* ======================================================================== */
/* Controller Fatal Status                                                  */
/* ======================================================================== */

/* CFS when enabled (the configuration refused): init fails EIO at once. */
static void cfs_at_init(void)
{
    model_fresh();
    M.cfs_at_enable = true;
    uint64_t t0 = clock_ns();
    CHECK_EQ(up(), -EIO);
    CHECK(elapsed_ms(t0) < 1000 * SLACK);
    CHECK_EQ(C.state, NVME_STATE_FAILED);
    CHECK_EQ(M.cc & 1, 0);
    down();
}

static void raise_cfs_at_50(unsigned i)
{
    if (i == 50)
        M.fatal_on_next_doorbell = true;
}

/* CFS during I/O: the watchdog's CSTS look finds it, the controller is
 * reset and the commands in flight resubmitted: no I/O fails. */
static void cfs_during_io(void)
{
    model_fresh();
    shadow_reset();
    CHECK_EQ(up(), 0);
    struct result r = workload(C.block_qp_poll, 300, 8, 50, 10000, raise_cfs_at_50);
    CHECK_EQ(r.done, 300);
    CHECK_EQ(r.failed, 0);
    CHECK_EQ(r.mismatches, 0);
    CHECK_EQ(r.extra_calls, 0);
    CHECK_EQ(C.resets, 1);
    CHECK_EQ(C.state, NVME_STATE_READY);
    CHECK_EQ(check_namespace(), 0);
    down();
}

/* ======================================================================== */
/* All ones                                                                 */
/* ======================================================================== */

static void gone_at_100(unsigned i)
{
    if (i == 100)
        M.gone = true;
}

/* Registers all ones for good: at init, ENODEV at once; during I/O, after
 * a grace of NVME_GONE_GRACE_NS the controller is failed, every command in
 * flight fails ENODEV and new ones are refused. */
static void allones_permanent(void)
{
    model_fresh();
    M.gone = true;
    uint64_t t0 = clock_ns();
    CHECK_EQ(up(), -ENODEV);
    CHECK(elapsed_ms(t0) < 500 * SLACK);
    down();

    model_fresh();
    shadow_reset();
    CHECK_EQ(up(), 0);
    t0 = clock_ns();
    struct result r = workload(C.block_qp_poll, 300, 8, 60, 5000, gone_at_100);
    CHECK(elapsed_ms(t0) < 3000 * SLACK);
    CHECK_EQ(r.done, 300);
    CHECK(r.failed >= 200);
    CHECK_EQ(r.first_err, -ENODEV);
    CHECK_EQ(r.mismatches, 0);
    CHECK_EQ(C.state, NVME_STATE_FAILED);
    CHECK_EQ(check_namespace(), 0);
    down();
}

/* All ones for 200 ms after every CC.EN 1 -> 0 (some devices, issue 9):
 * not "gone". Init from an enabled controller waits it out, and so does a
 * reset during I/O, whose commands are resubmitted and complete. */
static void allones_after_disable(void)
{
    model_fresh();
    shadow_reset();
    M.start_enabled = true;
    M.allones_after_disable_ms = 200;
    uint64_t t0 = clock_ns();
    CHECK_EQ(up(), 0);
    CHECK(elapsed_ms(t0) >= 200);
    CHECK_EQ(C.state, NVME_STATE_READY);
    serves_io(C.block_qp_poll);

    struct nvme_ns *ns = nvme_ctrlr_get_ns(&C, 1);
    uint8_t *buf = aligned_alloc(4096, 4096);
    fill(buf, 300, 8, ++generation);
    struct done d = { 0 };
    CHECK_EQ(nvme_ns_cmd_write(ns, C.block_qp_poll, buf, 300, 8, tl_done_cb, &d, 0), 0);
    t0 = clock_ns();
    CHECK_EQ(nvme_ctrlr_reset(&C), 0);
    CHECK(elapsed_ms(t0) >= 200 && elapsed_ms(t0) < 3000 * SLACK);
    CHECK(wait_done(C.block_qp_poll, &d, 2000));
    CHECK_EQ(d.err, 0);
    for (unsigned b = 0; b < 8; b++)
        want[300 + b] = stamp_of(300 + b, generation);
    serves_io(C.block_qp_poll);
    free(buf);
    down();
}

/* ======================================================================== */
/* Lost and late completions, Abort                                         */
/* ======================================================================== */

static void drop_at_40(unsigned i)
{
    if (i == 40)
        M.drop_next_io = 1;
}

/* A dropped completion: Abort (the model, like QEMU, does not abort), then
 * a reset; the lost command fails ETIMEDOUT, the others are resubmitted. */
static void dropped_completion(void)
{
    model_fresh();
    shadow_reset();
    CHECK_EQ(up(), 0);
    short_timeouts();
    uint64_t t0 = clock_ns();
    struct result r = workload(C.block_qp_poll, 200, 8, 50, 5000, drop_at_40);
    CHECK(elapsed_ms(t0) < 3000 * SLACK);
    CHECK_EQ(r.done, 200);
    CHECK_EQ(r.failed, 1);
    CHECK_EQ(r.first_err, -ETIMEDOUT);
    CHECK_EQ(r.mismatches, 0);
    CHECK_EQ(r.extra_calls, 0);
    CHECK(M.aborts >= 1);
    CHECK_EQ(C.resets, 1);
    CHECK_EQ(C.state, NVME_STATE_READY);
    CHECK_EQ(check_namespace(), 0);
    serves_io(C.block_qp_poll);
    down();
}

/* One command whose completion is lost; returns its tracker's request done. */
static void lose_one(struct done *d, uint8_t *buf)
{
    struct nvme_ns *ns = nvme_ctrlr_get_ns(&C, 1);
    fill(buf, 700, 8, ++generation);
    M.drop_next_io = 1;
    CHECK_EQ(nvme_ns_cmd_write(ns, C.block_qp_poll, buf, 700, 8, tl_done_cb, d, 0), 0);
    model_step(&M);
    CHECK_EQ(M.ndropped, 1);
}

/*
 * A lost completion whose Abort finds it in the model. late: the model
 * posts the command's (successful) completion before the Abort's "not
 * aborted"; otherwise the Abort aborts it (Command Abort Requested, no DNR).
 * Either way: the command completes successfully, once, with one Abort and
 * no reset (aborted: after one retry).
 */
static void abort_outcome(bool late)
{
    model_fresh();
    shadow_reset();
    CHECK_EQ(up(), 0);
    short_timeouts();
    M.post_after_abort = late;
    M.abort_succeeds = !late;
    uint8_t *buf = aligned_alloc(4096, 4096);
    struct done d = { 0 };
    lose_one(&d, buf);
    CHECK(wait_done(C.block_qp_poll, &d, 2000));
    CHECK_EQ(d.calls, 1);
    CHECK_EQ(d.err, 0);
    CHECK_EQ(M.aborts, 1);
    CHECK_EQ(C.resets, 0);
    CHECK_EQ(C.block_qp_poll->stats.bogus, 0);
    CHECK_EQ(C.block_qp_poll->stats.retries, late ? 0 : 1);
    for (unsigned b = 0; b < 8; b++)
        want[700 + b] = stamp_of(700 + b, generation);
    serves_io(C.block_qp_poll);
    free(buf);
    down();
}

static void completion_after_abort(void) { abort_outcome(true); }
static void abort_succeeds(void) { abort_outcome(false); }

/* ======================================================================== */
/* Completion entries that are wrong                                         */
/* ======================================================================== */

enum bogus { UNKNOWN_CID, STALE_GEN, WRONG_SQID, TWICE };

/* A real command in flight, then a bogus entry of the given kind: the
 * entry is ignored and counted, the real command completes once. */
static void bogus_completion(enum bogus kind)
{
    model_fresh();
    shadow_reset();
    CHECK_EQ(up(), 0);
    struct nvme_qpair *qp = tl_polled_qpair(&C, 16);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(&C, 1);
    uint8_t *buf = aligned_alloc(4096, 4096);
    fill(buf, 40, 8, ++generation);
    struct done d = { 0 };
    CHECK_EQ(nvme_ns_cmd_write(ns, qp, buf, 40, 8, tl_done_cb, &d, 0), 0);
    struct nvme_tracker *tr = active_tracker(qp);
    CHECK(tr != NULL);
    uint16_t cid = tr->sqe.cid;
    if (kind == TWICE) {
        CHECK(wait_done(qp, &d, 1000));
        model_post_raw(&M, qp->id, qp->id, cid, 0); /* the same entry again */
    } else if (kind == UNKNOWN_CID) {
        model_post_raw(&M, qp->id, qp->id, 0x0FFF, 0);
    } else if (kind == STALE_GEN) {
        model_post_raw(&M, qp->id, qp->id, (uint16_t)(cid ^ 0x1000), 0);
    } else {
        model_post_raw(&M, qp->id, (uint16_t)(qp->id + 3), cid, 0);
    }
    nvme_qpair_process_completions(qp, 0);
    CHECK_EQ(qp->stats.bogus, 1);
    CHECK(wait_done(qp, &d, 1000));
    for (int i = 0; i < 20; i++) {
        model_step(&M);
        nvme_qpair_process_completions(qp, 0);
    }
    CHECK_EQ(d.calls, 1);
    CHECK_EQ(d.err, 0);
    CHECK_EQ(qp->outstanding, 0);
    for (unsigned b = 0; b < 8; b++)
        want[40 + b] = stamp_of(40 + b, generation);
    serves_io(qp);
    CHECK_EQ(qp->stats.bogus, 1);
    free(buf);
    down();
}

static void cid_unknown(void) { bogus_completion(UNKNOWN_CID); }
static void cid_stale_generation(void) { bogus_completion(STALE_GEN); }
static void sqid_wrong(void) { bogus_completion(WRONG_SQID); }
static void completion_twice(void) { bogus_completion(TWICE); }

static void flip_phase_at_30(unsigned i)
{
    if (i == 30)
        M.flip_phase_next_io = true;
}

/* An entry posted without its phase flipped: invisible to the host, and
 * everything behind it too. Deadlines, Aborts, a reset: the commands whose
 * completions were hidden either fail ETIMEDOUT or are resubmitted; nothing
 * completes twice, nothing hangs, the data is what completed. */
static void phase_not_flipped(void)
{
    model_fresh();
    shadow_reset();
    CHECK_EQ(up(), 0);
    short_timeouts();
    uint64_t t0 = clock_ns();
    struct result r = workload(C.block_qp_poll, 200, 8, 50, 5000, flip_phase_at_30);
    CHECK(elapsed_ms(t0) < 4000 * SLACK);
    CHECK_EQ(r.done, 200);
    CHECK(r.failed >= 1 && r.failed <= MAX_QD);
    CHECK_EQ(r.first_err, -ETIMEDOUT);
    CHECK_EQ(r.extra_calls, 0);
    CHECK_EQ(r.mismatches, 0);
    CHECK(C.resets >= 1);
    CHECK_EQ(C.state, NVME_STATE_READY);
    CHECK_EQ(check_namespace(), 0);
    serves_io(C.block_qp_poll);
    down();
}

/* SQ Head Pointer out of range in every entry: not used for anything
 * (the SQ cannot overflow: nvme_qpair.c), so nothing changes. */
static void sq_head_wrong(void)
{
    model_fresh();
    shadow_reset();
    M.sqhd_garbage = true;
    CHECK_EQ(up(), 0);
    serves_io(C.block_qp_poll);
    CHECK_EQ(C.block_qp_poll->stats.bogus, 0);
    down();
}

/* ======================================================================== */
/* Error statuses                                                           */
/* ======================================================================== */

static void error_setup(uint16_t status, int count)
{
    M.error_lba = 100;
    M.error_status = status;
    M.error_count = count;
}

static void write_100(struct done *d, uint8_t *buf)
{
    fill(buf, 96, 8, ++generation);
    memset(d, 0, sizeof(*d));
    CHECK_EQ(nvme_ns_cmd_write(nvme_ctrlr_get_ns(&C, 1), C.block_qp_poll, buf, 96, 8, tl_done_cb,
                               d, 0),
             0);
    CHECK(wait_done(C.block_qp_poll, d, 3000));
    for (unsigned b = 0; b < 8; b++) {
        if (d->err == 0)
            want[96 + b] = stamp_of(96 + b, generation);
        else
            maybe[96 + b] = stamp_of(96 + b, generation);
    }
}

/* Errors without DNR: retried; a transient one succeeds, a persistent one
 * ends after max_retries (3) with the error, mapped as Linux maps it. */
static void error_retried(void)
{
    model_fresh();
    shadow_reset();
    CHECK_EQ(up(), 0);
    uint8_t *buf = aligned_alloc(4096, 4096);
    struct done d;
    error_setup(0x281, 1); /* Unrecovered Read Error... as a write's: no DNR */
    write_100(&d, buf);
    CHECK_EQ(d.err, 0);
    CHECK_EQ(C.block_qp_poll->stats.retries, 1);
    error_setup(0x280, -1); /* Write Fault, forever */
    write_100(&d, buf);
    CHECK_EQ(d.err, -ENODATA);
    CHECK_EQ(d.cpl.cqe.status >> 1, 0x280);
    CHECK_EQ(C.block_qp_poll->stats.retries, 1 + 3);
    CHECK_EQ(check_namespace(), 0);
    error_setup(0, 0);
    serves_io(C.block_qp_poll);
    free(buf);
    down();
}

/* Errors with DNR: never retried. */
static void error_dnr(void)
{
    model_fresh();
    shadow_reset();
    CHECK_EQ(up(), 0);
    uint8_t *buf = aligned_alloc(4096, 4096);
    struct done d;
    error_setup(0x4280, -1); /* Write Fault, DNR */
    write_100(&d, buf);
    CHECK_EQ(d.err, -ENODATA);
    CHECK_EQ(C.block_qp_poll->stats.retries, 0);
    CHECK_EQ(M.io_cmds, 1);
    CHECK_EQ(check_namespace(), 0);
    free(buf);
    down();
}

static void crdt_200ms(struct nvme_model *m, unsigned cns, uint32_t nsid, void *page)
{
    (void)m;
    (void)nsid;
    if (cns == NVME_CNS_CTRL)
        ((struct nvme_id_ctrl *)page)->crdt2 = 2; /* 2 x 100 ms */
}

/* An error with Command Retry Delay 2 (CRDT2 = 200 ms): the retry waits
 * 200 ms, then succeeds. */
static void error_crd(void)
{
    model_fresh();
    shadow_reset();
    M.mangle_identify = crdt_200ms;
    CHECK_EQ(up(), 0);
    uint8_t *buf = aligned_alloc(4096, 4096);
    struct done d;
    error_setup(0x1000 | 0x281, 1); /* CRD = 2 (status bits 12:11 of the 15-bit field) */
    uint64_t t0 = clock_ns();
    write_100(&d, buf);
    uint64_t ms = elapsed_ms(t0);
    CHECK_EQ(d.err, 0);
    CHECK(ms >= 200 && ms < 1000 * SLACK);
    CHECK_EQ(C.block_qp_poll->stats.retries, 1);
    CHECK_EQ(C.resets, 0);
    CHECK_EQ(check_namespace(), 0);
    free(buf);
    down();
}

/* ======================================================================== */
/* Hostile Identify data                                                    */
/* ======================================================================== */

static uint32_t mangle_nn;
static void set_nn(struct nvme_model *m, unsigned cns, uint32_t nsid, void *page)
{
    (void)m;
    (void)nsid;
    if (cns == NVME_CNS_CTRL)
        ((struct nvme_id_ctrl *)page)->nn = mangle_nn;
}

/* NN = 0 or 0xFFFFFFFF: the active list still names namespace 1, which is
 * used; no scan of 4 billion IDs (bounded by NVME_MAX_NAMESPACES). */
static void identify_nn(uint32_t nn)
{
    model_fresh();
    shadow_reset();
    mangle_nn = nn;
    M.mangle_identify = set_nn;
    uint64_t t0 = clock_ns();
    CHECK_EQ(up(), 0);
    CHECK(elapsed_ms(t0) < 2000 * SLACK);
    CHECK(nvme_ctrlr_get_ns(&C, 1) != NULL);
    serves_io(C.block_qp_poll);
    down();

    /* The same on a 1.0 controller (no active list): a bounded scan. */
    model_fresh();
    M.vs = 0x00010000;
    M.mangle_identify = set_nn;
    t0 = clock_ns();
    CHECK_EQ(up(), 0);
    CHECK(elapsed_ms(t0) < 5000 * SLACK);
    CHECK(M.admin_cmds <= 1100);
    CHECK_EQ(nvme_ctrlr_get_ns(&C, 1) != NULL, nn != 0);
    down();
}

static void identify_nn_zero(void) { identify_nn(0); }
static void identify_nn_max(void) { identify_nn(0xFFFFFFFFu); }

static void (*ns_mangler)(struct nvme_id_ns *id);
static void mangle_ns(struct nvme_model *m, unsigned cns, uint32_t nsid, void *page)
{
    (void)m;
    if (cns == NVME_CNS_NS && nsid == 2)
        ns_mangler((struct nvme_id_ns *)page);
}

/* Namespace 2 carries the hostile Identify Namespace; namespace 1 is sane
 * and keeps working. Returns namespace 2 as the driver took it. */
static struct nvme_ns *hostile_ns(void (*fn)(struct nvme_id_ns *id))
{
    model_fresh();
    shadow_reset();
    model_add_ns(&M, 2, 4096, 9, 0);
    ns_mangler = fn;
    M.mangle_identify = mangle_ns;
    CHECK_EQ(up(), 0);
    CHECK(nvme_ctrlr_get_ns(&C, 1) != NULL && nvme_ctrlr_get_ns(&C, 1)->unusable == NULL);
    serves_io(C.block_qp_poll);
    return nvme_ctrlr_get_ns(&C, 2);
}

static void nlbaf_65(struct nvme_id_ns *id) { id->nlbaf = 64; id->flbas = 0x60 | 0xF; }
static void flbas_5(struct nvme_id_ns *id) { id->flbas = 5; }
static void lbads_8(struct nvme_id_ns *id) { id->lbaf[0].lbads = 8; }
static void lbads_17(struct nvme_id_ns *id) { id->lbaf[0].lbads = 17; }
static void nsze_0(struct nvme_id_ns *id) { id->nsze = 0; }
static void ncap_over(struct nvme_id_ns *id) { id->ncap = id->nsze + 1000; }

/* Namespace 2 made hostile by fn: kept for the API, not a block device. */
static void kept_unusable(void (*fn)(struct nvme_id_ns *id))
{
    struct nvme_ns *ns = hostile_ns(fn);
    CHECK(ns != NULL && ns->unusable != NULL);
    down();
}

/* NLBAF or FLBAS out of range. */
static void identify_lbaf_out_of_range(void)
{
    kept_unusable(nlbaf_65);
    kept_unusable(flbas_5);
}

/* LBADS below 9 (256-byte blocks) or above 16. */
static void identify_lbads_out_of_range(void)
{
    kept_unusable(lbads_8);
    kept_unusable(lbads_17);
}

/* NSZE = 0 on a listed namespace. */
static void identify_nsze_zero(void)
{
    kept_unusable(nsze_0);
}

/* NCAP > NSZE: NCAP is not what sizes the device; NSZE is, and the
 * namespace works up to its last block. */
static void identify_ncap_over_nsze(void)
{
    struct nvme_ns *ns = hostile_ns(ncap_over);
    CHECK(ns != NULL && ns->unusable == NULL);
    if (ns) {
        CHECK_EQ(ns->nsze, 4096);
        uint8_t *buf = aligned_alloc(4096, 4096);
        struct done d = { 0 };
        CHECK_EQ(nvme_ns_cmd_read(ns, C.block_qp_poll, buf, 4095, 1, tl_done_cb, &d, 0), 0);
        CHECK(wait_done(C.block_qp_poll, &d, 1000));
        CHECK_EQ(d.err, 0);
        free(buf);
    }
    down();
}

static void mdts_huge(struct nvme_model *m, unsigned cns, uint32_t nsid, void *page)
{
    (void)m;
    (void)nsid;
    if (cns == NVME_CNS_CTRL)
        ((struct nvme_id_ctrl *)page)->mdts = 0xFF;
}

/* MDTS enormous (2^255 pages): capped at NVME_MAX_XFER_CAP (3 MiB). */
static void identify_mdts_enormous(void)
{
    model_fresh();
    shadow_reset();
    M.mangle_identify = mdts_huge;
    M.mdts = 0; /* the model itself takes any size */
    CHECK_EQ(up(), 0);
    CHECK_EQ(C.max_xfer, NVME_MAX_XFER_CAP);
    serves_io(C.block_qp_poll);
    down();
}

/* CAP.MQES = 0 (invalid: a 1-entry queue): 64 assumed (Linux, Samsung
 * PM1725); queues no larger, and I/O works. */
static void mqes_zero(void)
{
    model_fresh();
    shadow_reset();
    M.cap &= ~0xFFFFull;
    CHECK_EQ(up(), 0);
    CHECK_EQ(C.io_queue_size_max, 64);
    CHECK(C.block_qp_poll->size <= 64);
    serves_io(C.block_qp_poll);
    down();
}

/* Identify Namespace fails for one listed namespace: the others are still
 * found and served (issue 9 finding 6). */
static void identify_fails_one_ns(void)
{
    model_fresh();
    shadow_reset();
    model_add_ns(&M, 2, 4096, 9, 0);
    model_add_ns(&M, 3, 4096, 9, 0);
    M.identify_fail_nsid = 2;
    CHECK_EQ(up(), 0);
    CHECK(nvme_ctrlr_get_ns(&C, 1) != NULL && nvme_ctrlr_get_ns(&C, 1)->unusable == NULL);
    /* Namespace 2: left out, or kept for the API but not a block device. */
    CHECK(nvme_ctrlr_get_ns(&C, 2) == NULL || nvme_ctrlr_get_ns(&C, 2)->unusable != NULL);
    CHECK(nvme_ctrlr_get_ns(&C, 3) != NULL && nvme_ctrlr_get_ns(&C, 3)->unusable == NULL);
    if (C.state == NVME_STATE_READY)
        serves_io(C.block_qp_poll);
    down();
}

/* A junk active-namespace list (out of order, out of range, repeated):
 * nvos falls back to scanning 1..NN and finds exactly the active ones
 * (issue 9 finding 6). */
static void junk_active_list(void)
{
    model_fresh();
    shadow_reset();
    M.nn = 8;
    model_add_ns(&M, 3, 4096, 9, 0);
    static const uint32_t junk[] = { 7, 3, 3, 0xFFFFFFFFu, 0x12345678u, 2 };
    M.active_list = junk; /* out of order, out of range, repeated */
    M.active_list_len = sizeof(junk) / sizeof(junk[0]);
    CHECK_EQ(up(), 0);
    unsigned ids[8], n = 0;
    for (uint32_t id = nvme_ctrlr_get_first_active_ns(&C); id && n < 8;
         id = nvme_ctrlr_get_next_active_ns(&C, id))
        ids[n++] = id;
    CHECK_EQ(n, 2);
    CHECK(n >= 1 && ids[0] == 1);
    CHECK(n >= 2 && ids[1] == 3);
    if (C.state == NVME_STATE_READY)
        serves_io(C.block_qp_poll);
    down();
}

/* ======================================================================== */
/* Resets, interrupts                                                       */
/* ======================================================================== */

/* After a reset the controller grants fewer queue pairs than before (2 of
 * 16): the controller stays up and the block layer's pair serves I/O
 * (issue 9 finding 7). */
static void fewer_queues_after_reset(void)
{
    model_fresh();
    shadow_reset();
    CHECK_EQ(up(), 0);
    CHECK_EQ(C.max_io_qpairs, 16);
    M.grant_queues = 2;
    CHECK_EQ(nvme_ctrlr_reset(&C), 0);
    CHECK_EQ(C.state, NVME_STATE_READY);
    if (C.state == NVME_STATE_READY && C.block_qp_poll)
        serves_io(C.block_qp_poll);
    down();
}

/* A lost MSI-X interrupt (swallowed by a "maskirq" plan): the completion
 * waits in the CQ; when the command's deadline passes, the timeout
 * handler's poll finds it: completed, no Abort, no reset. */
static void lost_interrupt(void)
{
    model_fresh();
    shadow_reset();
    CHECK_EQ(up(), 0);
    short_timeouts();
    struct nvme_qpair *qp = tl_polled_qpair(&C, 16);
    qp->irq = true; /* completions by interrupt; the test delivers them */
    nvme_qpair_update_lock(qp);
    struct nvme_fault_plan plan;
    char why[128];
    CHECK_EQ(nvme_fault_parse("maskirq:nth=1", 13, &plan, why, sizeof(why)), 0);
    CHECK_EQ(nvme_fault_arm(&C, &plan, 7), 0);
    struct nvme_ns *ns = nvme_ctrlr_get_ns(&C, 1);
    uint8_t *buf = aligned_alloc(4096, 4096);
    fill(buf, 500, 8, ++generation);
    struct done d = { 0 };
    CHECK_EQ(nvme_ns_cmd_write(ns, qp, buf, 500, 8, tl_done_cb, &d, 0), 0);
    model_step(&M);
    nvme_qpair_interrupt(qp); /* the device's interrupt: swallowed */
    CHECK_EQ(d.calls, 0);
    CHECK_EQ(C.fault->sched.plan.rule[0].injected, 1);
    uint64_t t0 = clock_ns();
    while (elapsed_ms(t0) < 30)
        ;
    struct nvme_tracker *tr = active_tracker(qp);
    CHECK(tr != NULL);
    if (tr) {
        tr->submit_tsc = rdtsc() - qp->timeout_tsc - 1; /* the watchdog's view: expired */
        nvme_ctrlr_handle_timeout(&C, qp, tr);
    }
    CHECK_EQ(d.calls, 1);
    CHECK_EQ(d.err, 0);
    CHECK_EQ(qp->stats.polled_late, 1);
    CHECK_EQ(M.aborts, 0);
    CHECK_EQ(C.resets, 0);
    /* The next interrupt is delivered (the rule fired once). */
    memset(&d, 0, sizeof(d));
    CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, 500, 8, tl_done_cb, &d, 0), 0);
    model_step(&M);
    nvme_qpair_interrupt(qp);
    CHECK_EQ(d.calls, 1);
    CHECK_EQ(block_stamp(buf), stamp_of(500, generation));
    for (unsigned b = 0; b < 8; b++)
        want[500 + b] = stamp_of(500 + b, generation);
    CHECK_EQ(check_namespace(), 0);
    free(buf);
    down();
}

/* Submissions arriving while a reset is under way (here: from the model's
 * step, which the reset's waits run, as another CPU or an interrupt
 * callback would): each is either refused at once or completes correctly
 * after the reset; none is lost to a timeout, no second reset follows
 * (issue 9 finding 5). */
static struct done during[4];
static uint8_t *during_buf;
static unsigned during_tried, during_refused;

static void submit_during_reset(struct nvme_model *m)
{
    (void)m;
    if (C.state != NVME_STATE_RESETTING || during_tried == 4)
        return;
    unsigned i = during_tried++;
    fill(during_buf + i * 1024, 1000 + i * 2, 2, 9000 + i);
    int err = nvme_ns_cmd_write(nvme_ctrlr_get_ns(&C, 1), C.block_qp_poll,
                                during_buf + i * 1024, 1000 + i * 2, 2, tl_done_cb, &during[i], 0);
    if (err) {
        during_refused++;
        during[i].calls = 1;
        during[i].err = err;
    }
}

static void submissions_during_reset(void)
{
    model_fresh();
    shadow_reset();
    CHECK_EQ(up(), 0);
    short_timeouts();
    during_buf = aligned_alloc(4096, 4096);
    memset(during, 0, sizeof(during));
    during_tried = during_refused = 0;
    M.on_model_step = submit_during_reset;
    M.start_transitioning = false;
    CHECK_EQ(nvme_ctrlr_reset(&C), 0);
    M.on_model_step = NULL;
    CHECK_EQ(during_tried, 4);
    uint64_t t0 = clock_ns();
    for (unsigned i = 0; i < 4; i++) {
        CHECK(wait_done(C.block_qp_poll, &during[i], 2000));
        CHECK(during[i].err == 0 || during[i].err == -EAGAIN || during[i].err == -EBUSY);
        for (unsigned b = 0; b < 2; b++) {
            uint64_t lba = 1000 + i * 2 + b;
            if (during[i].err == 0)
                want[lba] = stamp_of(lba, 9000 + i);
        }
    }
    CHECK(elapsed_ms(t0) < 1000 * SLACK);
    CHECK_EQ(C.resets, 1);
    CHECK_EQ(C.state, NVME_STATE_READY);
    CHECK_EQ(check_namespace(), 0);
    serves_io(C.block_qp_poll);
    free(during_buf);
    down();
}

/* A spurious INTx before init, after a failed init and on a live controller
 * with nothing posted: nothing is read from queues that do not exist,
 * nothing completes, nothing breaks. */
static void spurious_intx(void)
{
    model_fresh();
    model_attach(&M, &C);
    nvme_qpair_interrupt(&C.admin); /* before init: no queues */
    M.cfs_at_enable = true;
    CHECK_EQ(nvme_ctrlr_init(&C), -EIO);
    nvme_qpair_interrupt(&C.admin); /* after a failed init: queues freed */
    CHECK(C.admin.cq == NULL);
    down();

    model_fresh();
    shadow_reset();
    CHECK_EQ(up(), 0);
    uint64_t before = C.admin.stats.completed;
    nvme_qpair_interrupt(&C.admin); /* live, nothing posted */
    for (struct nvme_qpair *qp = C.io_qpairs; qp; qp = qp->next)
        nvme_qpair_interrupt(qp);
    CHECK_EQ(C.admin.stats.completed, before);
    CHECK_EQ(C.admin.stats.bogus, 0);
    serves_io(C.block_qp_poll);
    down();
}

/* ======================================================================== */
/* Fault plans                                                              */
/* ======================================================================== */

static int parse(const char *text, struct nvme_fault_plan *p, char *why)
{
    return nvme_fault_parse(text, strlen(text), p, why, 128);
}

/* The grammar, its canonical form, and hostile text: every bound. */
static void plan_parser(void)
{
    struct nvme_fault_plan p, q;
    char why[128], text[NVME_FAULT_MAX_TEXT + 64];
    const char *example = "drop:op=read,nth=5; delay:cqe,ms=200,p=0.01; "
                          "status:op=write,nth=3,sc=0x4,dnr=0; allones:after=100ms,for=100ms; "
                          "maskirq:for=50ms; fail:op=flush,nth=2";
    CHECK_EQ(parse(example, &p, why), 0);
    CHECK_EQ(p.nrules, 6);
    CHECK_EQ(p.rule[0].kind, NVME_FAULT_DROP);
    CHECK_EQ(p.rule[0].opc, NVME_IO_READ);
    CHECK_EQ(p.rule[0].nth, 5);
    CHECK_EQ(p.rule[0].count, 1);
    CHECK_EQ(p.rule[1].p_ppm, 10000);
    CHECK_EQ(p.rule[1].delay_ns, 200 * MS);
    CHECK_EQ(p.rule[1].count, 0);
    CHECK_EQ(p.rule[2].status15, 0x4);
    CHECK_EQ(p.rule[3].after_ns, 100 * MS);
    CHECK_EQ(p.rule[3].for_ns, 100 * MS);
    CHECK_EQ(p.rule[4].for_ns, 50 * MS);
    CHECK_EQ(p.rule[4].count, 0);
    CHECK_EQ(p.rule[5].status15, 0x4006);
    nvme_fault_format(&p, text, sizeof(text));
    CHECK_STR_EQ(text, "drop:op=read,nth=5; delay:p=0.01,ms=200; "
                       "status:op=write,nth=3,sc=0x4,dnr=0; allones:after=100ms,for=100ms; "
                       "maskirq:for=50ms; fail:op=flush,nth=2");
    CHECK_EQ(parse(text, &q, why), 0); /* canonical text parses back to the same plan */
    CHECK(memcmp(&p, &q, sizeof(p)) == 0);
    CHECK_EQ(parse("status:op=0x6,q=admin,sc=0x2,sct=1,crd=2,dnr=1;drop:op=admin,count=3,"
                   "p=1;delay:ms=1,after=1s,for=250us",
                   &p, why),
             0);
    CHECK_EQ(p.rule[0].status15, 0x4000 | 0x1000 | 0x100 | 0x2);
    CHECK_EQ(p.rule[0].queue, NVME_FAULT_Q_ADMIN);
    CHECK_EQ(p.rule[2].for_ns, 250000);
    nvme_fault_format(&p, text, sizeof(text));
    CHECK_STR_EQ(text, "status:op=0x6,q=admin,sc=0x2,sct=1,crd=2,dnr=1; "
                       "drop:op=admin,count=3,p=1; delay:after=1000ms,for=250us,ms=1");

    /* Refused, each with a reason naming the rule. */
    static const char *const bad[] = {
        "", ";;", "explode", "drop:", "drop:op", "drop:op=", "drop:op=reed", "drop:op=256",
        "drop:nth=0", "drop:nth=4294967296", "drop:nth=-1", "drop:p=1.5", "drop:p=0.0000001",
        "drop:p=.5", "drop:p=2", "drop:after=3601s", "drop:for=0", "drop:for=5h",
        "delay:op=read", "delay:ms=0", "status:op=write", "status:sc=0x100", "status:sc=1,sct=8",
        "status:sc=1,dnr=2", "status:sc=1,crd=4", "allones:op=read", "allones:nth=2",
        "allones:cqe", "maskirq:op=read", "drop:ms=5", "fail:sc=1", "drop:op=read,,nth=1",
        "drop:op=read,nth=1,", "drop:bogus=1", "drop:op=read nth=1", "drop:nth=1x",
        "drop:nth=99999999999999999999999", "drop:q=both",
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        int err = parse(bad[i], &p, why);
        if (err != -EINVAL)
            fprintf(stderr, "  plan '%s' was not refused (%d)\n", bad[i], err);
        CHECK_EQ(err, -EINVAL);
        CHECK(why[0] != '\0');
        CHECK_EQ(p.nrules, 0);
    }
    CHECK_EQ(parse("drop:op=read\n", &p, why), -EINVAL); /* control characters */
    /* Nine rules: one too many. */
    CHECK_EQ(parse("drop;drop;drop;drop;drop;drop;drop;drop;drop", &p, why), -E2BIG);
    CHECK_EQ(parse("drop;drop;drop;drop;drop;drop;drop;drop", &p, why), 0);
    /* Too long a text, and a text that is not NUL-terminated: never read past len. */
    char *big = malloc(NVME_FAULT_MAX_TEXT + 1);
    memset(big, ' ', NVME_FAULT_MAX_TEXT + 1);
    memcpy(big, "drop", 4);
    CHECK_EQ(nvme_fault_parse(big, NVME_FAULT_MAX_TEXT + 1, &p, why, sizeof(why)), -E2BIG);
    CHECK_EQ(nvme_fault_parse(big, NVME_FAULT_MAX_TEXT, &p, why, sizeof(why)), 0);
    free(big);
    char *exact = malloc(12);
    memcpy(exact, "drop:nth=12", 11); /* the 12th byte left uninitialised, never read */
    CHECK_EQ(nvme_fault_parse(exact, 11, &p, why, sizeof(why)), 0);
    CHECK_EQ(p.rule[0].nth, 12);
    free(exact);
    /* Random bytes: never a crash (ASan/UBSan), always a verdict. */
    char junk[96];
    for (int i = 0; i < 20000; i++) {
        size_t n = rnd() % sizeof(junk);
        static const char alphabet[] = "dropdelaystatusfailallonesmaskirq:;,=0123456789x.msuopnthq ";
        for (size_t k = 0; k < n; k++)
            junk[k] = (rnd() & 3) ? alphabet[rnd() % (sizeof(alphabet) - 1)] : (char)rnd();
        int err = nvme_fault_parse(junk, n, &p, why, sizeof(why));
        CHECK(err == 0 || err == -EINVAL || err == -E2BIG);
        if (err == 0) { /* what it took, it prints back, and takes back the same */
            nvme_fault_format(&p, text, sizeof(text));
            CHECK_EQ(parse(text, &q, why), 0);
            CHECK(memcmp(&p, &q, sizeof(p)) == 0);
        }
    }
}

/* The same plan, seed and events give the same decisions; another seed
 * other ones; p draws near their probability; nth/count/windows exact. */
static void plan_determinism(void)
{
    struct nvme_fault_plan p;
    char why[128];
    CHECK_EQ(parse("drop:op=read,p=0.1; status:op=write,p=0.25,sc=0x4; delay:ms=5,p=0.05; "
                   "fail:op=flush,nth=2,count=2",
                   &p, why),
             0);
    static uint8_t trace[3][20000];
    uint64_t seeds[3] = { 42, 42, 43 };
    for (int run = 0; run < 3; run++) {
        struct nvme_fault_sched s;
        nvme_fault_sched_start(&s, &p, seeds[run], 1000);
        rng_state = 12345;
        for (int i = 0; i < 20000; i++) {
            static const uint8_t ops[] = { NVME_IO_READ, NVME_IO_WRITE, NVME_IO_FLUSH };
            uint16_t st = 0;
            uint64_t delay = 0;
            trace[run][i] = (uint8_t)nvme_fault_sched_cqe(&s, false, ops[rnd() % 3], 2000, &st,
                                                          &delay);
        }
        if (run == 0) {
            /* reads 1/3 x 0.1, writes 1/3 x 0.25 (the delay rule takes
             * what the first two pass, at 0.05). */
            CHECK(s.plan.rule[0].injected > 500 && s.plan.rule[0].injected < 850);
            CHECK(s.plan.rule[1].injected > 1400 && s.plan.rule[1].injected < 1950);
            CHECK_EQ(s.plan.rule[3].injected, 2);
            CHECK(s.plan.rule[2].injected > 0);
        }
    }
    CHECK(memcmp(trace[0], trace[1], sizeof(trace[0])) == 0);
    CHECK(memcmp(trace[0], trace[2], sizeof(trace[0])) != 0);

    /* Windows: allones exactly inside [after, after + for). */
    CHECK_EQ(parse("allones:after=100ms,for=100ms; maskirq:after=1ms,for=2ms,nth=2", &p, why), 0);
    struct nvme_fault_sched s;
    nvme_fault_sched_start(&s, &p, 1, 5 * MS);
    CHECK(!nvme_fault_sched_allones(&s, 5 * MS + 100 * MS - 1));
    CHECK(nvme_fault_sched_allones(&s, 5 * MS + 100 * MS));
    CHECK(nvme_fault_sched_allones(&s, 5 * MS + 200 * MS - 1));
    CHECK(!nvme_fault_sched_allones(&s, 5 * MS + 200 * MS));
    CHECK_EQ(s.plan.rule[0].injected, 2);
    CHECK(!nvme_fault_sched_irq(&s, 5 * MS + 0));          /* before the window */
    CHECK(!nvme_fault_sched_irq(&s, 5 * MS + 1 * MS));     /* first in it: nth=2 */
    CHECK(nvme_fault_sched_irq(&s, 5 * MS + 2 * MS));      /* second: fires */
    CHECK(!nvme_fault_sched_irq(&s, 5 * MS + 2 * MS + 1)); /* count 1 (nth given) */
    CHECK(!nvme_fault_sched_irq(&s, 5 * MS + 3 * MS));     /* after the window */
    CHECK_EQ(s.plan.rule[1].matched, 3);
}

static const char *const demo_plan =
    "drop:op=write,nth=20; status:op=read,nth=5,sc=0x6,dnr=0; delay:ms=30,p=0.05; "
    "allones:after=150ms,for=300ms; fail:op=write,nth=60";

static unsigned slow_ticks;
static void pace(unsigned i)
{
    (void)i;
    /* Spread the run over ~400 ms or more, so that the all-ones window falls inside it. */
    uint64_t t0 = clock_ns();
    while (clock_ns() - t0 < 1 * MS)
        ;
    slow_ticks++;
}

/* A plan armed on the driver ("nvme fault" on the host): a drop, a changed
 * status, delays, 100 ms of all-ones reads and a failed write during a
 * workload: every I/O completes once; only the dropped and the failed write
 * fail; reads see exactly what completed; the counters say what was done. */
static void plan_driver(void)
{
    model_fresh();
    shadow_reset();
    CHECK_EQ(up(), 0);
    short_timeouts();
    struct nvme_fault_plan p;
    char why[128];
    CHECK_EQ(parse(demo_plan, &p, why), 0);
    CHECK_EQ(nvme_fault_arm(&C, &p, 0x5eed), 0);
    CHECK(C.ops != NULL && C.fault != NULL && C.block_qp_poll->fault == C.fault);
    uint64_t t0 = clock_ns();
    struct result r = workload(C.block_qp_poll, 400, 8, 50, 8000, pace);
    CHECK(elapsed_ms(t0) < 6000 * SLACK);
    CHECK_EQ(r.done, 400);
    CHECK_EQ(r.extra_calls, 0);
    CHECK_EQ(r.mismatches, 0);
    CHECK_EQ(r.failed, 2); /* the dropped write (ETIMEDOUT) and the failed one (EIO) */
    const struct nvme_fault_rule *rule = C.fault->sched.plan.rule;
    CHECK_EQ(rule[0].injected, 1);
    CHECK_EQ(rule[1].injected, 1);
    CHECK(rule[2].injected >= 1);
    CHECK(rule[3].injected >= 1); /* the watchdog's CSTS reads in the window */
    CHECK_EQ(rule[4].injected, 1);
    CHECK_EQ(C.resets, 1);        /* for the dropped one only: all ones were ridden out */
    CHECK_EQ(C.state, NVME_STATE_READY);
    CHECK_EQ(check_namespace(), 0);
    nvme_fault_disarm(&C);
    CHECK(C.fault == NULL && C.block_qp_poll->fault == NULL);
    serves_io(C.block_qp_poll);
    down();
}

/* The same plan on the device side (the model runs it): the same outcome. */
static void plan_model(void)
{
    model_fresh();
    shadow_reset();
    CHECK_EQ(up(), 0);
    short_timeouts();
    char why[128];
    CHECK_EQ(model_set_plan(&M, demo_plan, 0x5eed, why, sizeof(why)), 0);
    CHECK_EQ(model_set_plan(&M, "maskirq:nth=1", 1, why, sizeof(why)), -EOPNOTSUPP);
    CHECK_EQ(model_set_plan(&M, "drop:nth=0", 1, why, sizeof(why)), -EINVAL);
    CHECK_EQ(model_set_plan(&M, demo_plan, 0x5eed, why, sizeof(why)), 0);
    uint64_t t0 = clock_ns();
    struct result r = workload(C.block_qp_poll, 400, 8, 50, 8000, pace);
    CHECK(elapsed_ms(t0) < 6000 * SLACK);
    CHECK_EQ(r.done, 400);
    CHECK_EQ(r.extra_calls, 0);
    CHECK_EQ(r.mismatches, 0);
    const struct nvme_fault_rule *rule = M.plan.plan.rule;
    CHECK_EQ(rule[0].injected, 1);
    CHECK_EQ(rule[4].injected, 1);
    CHECK(r.failed >= 2); /* dropped (ETIMEDOUT), failed (EIO); a 2nd reset may add more */
    CHECK(rule[3].injected >= 1);
    CHECK_EQ(C.state, NVME_STATE_READY);
    CHECK_EQ(check_namespace(), 0);
    M.plan_on = false;
    serves_io(C.block_qp_poll);
    down();
}

/* ======================================================================== */

static const struct {
    const char *name;
    void (*fn)(void);
} scenarios[] = {
    { "rdy-never-rises", rdy_never_rises },
    { "rdy-rises-late", rdy_rises_late },
    { "rdy-never-falls", rdy_never_falls },
    { "cfs-at-init", cfs_at_init },
    { "cfs-during-io", cfs_during_io },
    { "allones-permanent", allones_permanent },
    { "allones-after-disable", allones_after_disable },
    { "dropped-completion", dropped_completion },
    { "completion-after-abort", completion_after_abort },
    { "abort-succeeds", abort_succeeds },
    { "cid-unknown", cid_unknown },
    { "cid-stale-generation", cid_stale_generation },
    { "sqid-wrong", sqid_wrong },
    { "completion-twice", completion_twice },
    { "phase-not-flipped", phase_not_flipped },
    { "sq-head-wrong", sq_head_wrong },
    { "error-retried", error_retried },
    { "error-dnr", error_dnr },
    { "error-crd", error_crd },
    { "identify-nn-zero", identify_nn_zero },
    { "identify-nn-max", identify_nn_max },
    { "identify-lbaf-out-of-range", identify_lbaf_out_of_range },
    { "identify-lbads-out-of-range", identify_lbads_out_of_range },
    { "identify-mdts-enormous", identify_mdts_enormous },
    { "identify-nsze-zero", identify_nsze_zero },
    { "identify-ncap-over-nsze", identify_ncap_over_nsze },
    { "mqes-zero", mqes_zero },
    { "identify-fails-one-ns", identify_fails_one_ns },
    { "junk-active-list", junk_active_list },
    { "fewer-queues-after-reset", fewer_queues_after_reset },
    { "lost-interrupt", lost_interrupt },
    { "submissions-during-reset", submissions_during_reset },
    { "spurious-intx", spurious_intx },
    { "plan-parser", plan_parser },
    { "plan-determinism", plan_determinism },
    { "plan-driver", plan_driver },
    { "plan-model", plan_model },
};

int main(int argc, char **argv)
{
    unsigned n = sizeof(scenarios) / sizeof(scenarios[0]), run = 0;
    for (int a = 1; a < argc; a++) {
        unsigned k = 0;
        while (k < n && strcmp(scenarios[k].name, argv[a]) != 0)
            k++;
        if (k == n) {
            fprintf(stderr, "no scenario '%s'\n", argv[a]);
            return 2;
        }
    }
    printf("TAP version 14\n");
    for (unsigned k = 0; k < n; k++) {
        bool wanted = argc == 1;
        for (int a = 1; a < argc; a++)
            wanted |= strcmp(scenarios[k].name, argv[a]) == 0;
        if (!wanted)
            continue;
        int before = check_failures;
        uint64_t t0 = clock_ns();
        scenarios[k].fn();
        printf("%s %u - %s # %llu ms\n", check_failures == before ? "ok" : "not ok", ++run,
               scenarios[k].name, (unsigned long long)elapsed_ms(t0));
        fflush(stdout);
    }
    printf("1..%u\n", run);
    for (unsigned i = 0; i < MAX_QD; i++)
        free(ios[i].buf);
    return check_exit();
}
