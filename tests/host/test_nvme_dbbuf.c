/*
 * Host test: shadow doorbells (drivers/nvme/nvme_dbbuf.[ch]) against the
 * in-memory controller model, which implements Doorbell Buffer Config and
 * QEMU 7.2's event indexes (tests/host/nvme_model.c).
 *
 * Covers: the event-index test itself (wrap-around included); the command
 * sent once per enable when OACS bit 8 is set, never with nvme.dbbuf=0 or
 * OACS bit 8 clear, and a refusal leaving MMIO doorbells; data through the
 * shadow slots (the model reads tails and heads only from there) with MMIO
 * writes saved and counted exactly; a reset re-sending the command with new
 * pages while the old ones, poisoned by the model at the disable, are
 * never written again and are freed only after it; the admin queue's
 * slots never touched.
 */
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/nvme_dbbuf.h"
#include "drivers/nvme/nvme_internal.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "tests/host/check.h"
#include "tests/host/nvme_model.h"
#include "tests/host/nvme_testlib.h"

static struct nvme_ctrlr ctrlr;

static int bring_up(struct nvme_model *m, bool dbbuf_off)
{
    model_attach(m, &ctrlr);
    ctrlr.dbbuf_off = dbbuf_off; /* the nvme.dbbuf=0 boot option */
    return nvme_ctrlr_init(&ctrlr);
}

static void tear_down(struct nvme_model *m)
{
    tl_tear_down(m, &ctrlr);
}

static struct nvme_qpair *polled_qpair(unsigned size)
{
    return tl_polled_qpair(&ctrlr, size);
}

/* Doorbell updates and skipped MMIO writes of every I/O queue pair (the
 * model stepped first: it counts MMIO writes when it looks). */
static void io_doorbells(struct nvme_model *m, uint64_t *updates, uint64_t *saved)
{
    model_step(m);
    *updates = *saved = 0;
    for (struct nvme_qpair *qp = ctrlr.io_qpairs; qp; qp = qp->next) {
        *updates += qp->stats.doorbells_sq + qp->stats.doorbells_cq;
        *saved += qp->stats.doorbells_saved;
    }
}

/* n random writes and reads of up to 24 blocks through qp, each submitted
 * on its own (one doorbell update each), at most depth in flight; every
 * read compared with what the model's disk holds. */
static void random_io(struct nvme_model *m, struct nvme_qpair *qp, int n, unsigned depth)
{
    struct nvme_ns *ns = nvme_ctrlr_get_ns(&ctrlr, 1);
    uint8_t *bufs = aligned_alloc(4096, (size_t)depth * 16384);
    struct done *d = calloc(depth, sizeof(*d));
    uint64_t *lbas = calloc(depth, sizeof(*lbas));
    uint32_t *counts = calloc(depth, sizeof(*counts));
    bool *reads = calloc(depth, sizeof(*reads));
    CHECK(bufs && d && lbas && counts && reads);
    int submitted = 0;
    uint64_t give_up = clock_ns() + 20 * NSEC_PER_SEC;
    for (unsigned i = 0; i < depth; i++)
        d[i].calls = 1; /* free slot */
    while ((submitted < n || qp->outstanding) && clock_ns() < give_up) {
        for (unsigned i = 0; i < depth && submitted < n; i++) {
            if (d[i].calls == 0)
                continue;
            if (submitted && reads[i]) /* a finished read: check it */
                CHECK(memcmp(bufs + i * 16384, m->ns[1].data + lbas[i] * 512,
                             counts[i] * 512) == 0);
            CHECK_EQ(d[i].err, 0);
            uint8_t *p = bufs + i * 16384;
            counts[i] = 1 + (uint32_t)(tl_rnd() % 24);
            /* Each slot its own 16 KiB regions: nothing overlaps in flight. */
            lbas[i] = ((tl_rnd() % 256) * depth + i) * 32;
            reads[i] = tl_rnd() & 1;
            d[i] = (struct done){ 0 };
            if (reads[i]) {
                memset(p, 0xEE, counts[i] * 512);
                CHECK_EQ(nvme_ns_cmd_read(ns, qp, p, lbas[i], counts[i], tl_done_cb, &d[i], 0), 0);
            } else {
                for (uint32_t k = 0; k < counts[i] * 512; k++)
                    p[k] = (uint8_t)tl_rnd();
                CHECK_EQ(nvme_ns_cmd_write(ns, qp, p, lbas[i], counts[i], tl_done_cb, &d[i], 0), 0);
            }
            submitted++;
        }
        model_step(m);
        nvme_qpair_process_completions(qp, 0);
    }
    CHECK_EQ(qp->outstanding, 0);
    for (unsigned i = 0; i < depth; i++) {
        CHECK_EQ(d[i].err, 0); /* read or written: buffer and disk agree */
        CHECK(memcmp(bufs + i * 16384, m->ns[1].data + lbas[i] * 512, counts[i] * 512) == 0);
    }
    free(bufs);
    free(d);
    free(lbas);
    free(counts);
    free(reads);
}

static void test_need_event(void)
{
    /* event_idx in [old, new): write the register. */
    CHECK(nvme_dbbuf_need_event(5, 6, 5));
    CHECK(nvme_dbbuf_need_event(5, 9, 5));
    CHECK(nvme_dbbuf_need_event(8, 9, 5));
    CHECK(!nvme_dbbuf_need_event(9, 9, 5));  /* the controller has not got that far */
    CHECK(!nvme_dbbuf_need_event(4, 9, 5));  /* it is still behind: it will read the shadow */
    CHECK(!nvme_dbbuf_need_event(5, 5, 5));  /* nothing moved */
    /* Modulo 2^16: the indexes wrap at the queue size, the test at 65536. */
    CHECK(nvme_dbbuf_need_event(0xFFFF, 2, 0xFFFE));
    CHECK(nvme_dbbuf_need_event(0, 2, 0xFFFE));
    CHECK(!nvme_dbbuf_need_event(2, 2, 0xFFFE));
    CHECK(!nvme_dbbuf_need_event(0xFFFD, 2, 0xFFFE));
}

/* The default model (OACS bit 8 set, as QEMU): one command, data through
 * the shadow slots, MMIO writes saved and counted exactly. */
static void test_shadow_io(void)
{
    struct nvme_model m;
    model_init(&m);
    m.dbbuf_burst = 3; /* the controller fetches slowly: the host runs ahead */
    CHECK_EQ(bring_up(&m, false), 0);
    CHECK_EQ(m.dbbuf_cmds, 1);
    CHECK_EQ(m.dbbuf_configs, 1);
    CHECK(ctrlr.dbbuf_shadow != NULL);
    CHECK_EQ(m.dbbuf_dbs, (uint64_t)(uintptr_t)ctrlr.dbbuf_shadow);
    CHECK_EQ(m.dbbuf_eis, (uint64_t)(uintptr_t)ctrlr.dbbuf_eventidx);
    struct nvme_qpair *qp = polled_qpair(16);
    CHECK(qp != NULL && qp->sq_db.shadow != NULL && qp->cq_db.eventidx != NULL);
    CHECK(ctrlr.admin.sq_db.shadow == NULL && ctrlr.admin.cq_db.shadow == NULL);
    CHECK(m.sq[qp->id].shadow && m.cq[qp->id].shadow);

    random_io(&m, qp, 600, 12);
    uint64_t updates, saved;
    io_doorbells(&m, &updates, &saved);
    CHECK(saved > 0);
    CHECK(qp->stats.doorbells_saved > 0);
    /* Every update is an MMIO write the model saw, or one saved. */
    CHECK_EQ(m.mmio_doorbells + saved, updates);
    /* The shadow slots hold what the driver last said. */
    CHECK_EQ(*qp->sq_db.shadow, qp->sq_tail);
    CHECK_EQ(*qp->cq_db.shadow, qp->cq_head);
    model_dbbuf_check(&m);
    CHECK_EQ(m.dbbuf_admin_writes, 0);
    CHECK_EQ(m.bad_doorbells, 0);
    CHECK_EQ(qp->stats.bogus, 0);

    /* A queue pair freed and made again with the same QID starts from
     * zeroed slots (its predecessor left its tail and event index there). */
    uint16_t qid = qp->id;
    nvme_ctrlr_free_io_qpair(qp);
    qp = polled_qpair(8);
    CHECK(qp != NULL && qp->id == qid);
    random_io(&m, qp, 100, 5);
    tear_down(&m);
}

/* A reset sends the command again with new pages; the old ones are never
 * written after the disable (the model poisoned them then and checks them
 * when they are freed) and are freed only once it is disabled. */
static void test_reset(void)
{
    struct nvme_model m;
    model_init(&m);
    m.dbbuf_burst = 2;
    CHECK_EQ(bring_up(&m, false), 0);
    struct nvme_qpair *qp = polled_qpair(32);
    random_io(&m, qp, 200, 8);
    uint64_t old_dbs = m.dbbuf_dbs, old_eis = m.dbbuf_eis;
    uint64_t saved_before = qp->stats.doorbells_saved;

    /* Commands in flight across the reset: resubmitted through the new pages. */
    struct nvme_ns *ns = nvme_ctrlr_get_ns(&ctrlr, 1);
    uint8_t *buf = aligned_alloc(4096, 4 * 4096);
    memset(buf, 0x3C, 4 * 4096);
    struct done w[4] = { 0 };
    for (int i = 0; i < 4; i++)
        CHECK_EQ(nvme_ns_cmd_write(ns, qp, buf + i * 4096, 9000 + i * 8, 8, tl_done_cb, &w[i], 0),
                 0);
    CHECK_EQ(nvme_ctrlr_reset(&ctrlr), 0);
    CHECK_EQ(m.resets, 1);
    CHECK_EQ(m.dbbuf_configs, 2);
    CHECK(m.dbbuf_dbs != 0 && m.dbbuf_dbs != old_dbs && m.dbbuf_dbs != old_eis);
    CHECK(m.dbbuf_eis != 0 && m.dbbuf_eis != old_eis && m.dbbuf_eis != old_dbs);
    CHECK_EQ(m.dbbuf_dbs, (uint64_t)(uintptr_t)ctrlr.dbbuf_shadow);
    CHECK(ctrlr.dbbuf_retired[0] == NULL); /* freed: the controller was disabled */
    CHECK_EQ(m.dbbuf_stale_writes, 0);
    CHECK_EQ(m.dbbuf_freed_in_use, 0);
    CHECK((uint8_t *)qp->sq_db.shadow >= (uint8_t *)ctrlr.dbbuf_shadow &&
          (uint8_t *)qp->sq_db.shadow < (uint8_t *)ctrlr.dbbuf_shadow + 4096);
    for (int i = 0; i < 4; i++) {
        uint64_t give_up = clock_ns() + 10 * NSEC_PER_SEC;
        while (w[i].calls == 0 && clock_ns() < give_up) {
            model_step(&m);
            nvme_qpair_process_completions(qp, 0);
        }
        CHECK_EQ(w[i].calls, 1);
        CHECK_EQ(w[i].err, 0);
        CHECK(memcmp(m.ns[1].data + (9000 + i * 8) * 512, buf, 4096) == 0);
    }
    random_io(&m, qp, 200, 8);
    CHECK(qp->stats.doorbells_saved > saved_before);
    uint64_t updates, saved;
    io_doorbells(&m, &updates, &saved);
    model_dbbuf_check(&m);
    CHECK_EQ(m.dbbuf_admin_writes, 0);

    /* And again: a third pair of pages; the second pair goes. */
    old_dbs = m.dbbuf_dbs;
    CHECK_EQ(nvme_ctrlr_reset(&ctrlr), 0);
    CHECK_EQ(m.dbbuf_configs, 3);
    CHECK(m.dbbuf_dbs != old_dbs);
    CHECK_EQ(m.dbbuf_stale_writes, 0);
    random_io(&m, qp, 100, 8);
    CHECK_EQ(m.dbbuf_freed_in_use, 0);
    free(buf);
    tear_down(&m);
}

/* nvme.dbbuf=0, OACS bit 8 clear, a refusal: MMIO doorbells, nothing
 * saved, data still right, nothing leaked. */
static void test_off(void)
{
    for (int variant = 0; variant < 3; variant++) {
        struct nvme_model m;
        model_init(&m);
        m.no_dbbuf = variant == 1;
        m.refuse_dbbuf = variant == 2;
        long before = model_live_allocs;
        CHECK_EQ(bring_up(&m, variant == 0), 0);
        CHECK_EQ(m.dbbuf_cmds, variant == 2 ? 1u : 0u); /* sent only when advertised */
        CHECK_EQ(m.dbbuf_configs, 0);
        CHECK(ctrlr.dbbuf_shadow == NULL && ctrlr.dbbuf_retired[0] == NULL);
        struct nvme_qpair *qp = polled_qpair(16);
        CHECK(qp != NULL && qp->sq_db.shadow == NULL && qp->cq_db.shadow == NULL);
        random_io(&m, qp, 200, 8);
        uint64_t updates, saved;
        io_doorbells(&m, &updates, &saved);
        CHECK(updates > 0);
        CHECK_EQ(saved, 0);
        CHECK_EQ(m.mmio_doorbells, 0); /* no queue is shadowed */
        CHECK_EQ(ctrlr.state, NVME_STATE_READY);
        CHECK_EQ(nvme_ctrlr_reset(&ctrlr), 0);
        CHECK_EQ(m.dbbuf_cmds, variant == 2 ? 2u : 0u);
        random_io(&m, qp, 50, 4);
        tear_down(&m);
        CHECK_EQ(model_live_allocs, before);
    }
}

int main(void)
{
    test_need_event();
    test_shadow_io();
    test_reset();
    test_off();
    return check_exit();
}
