/*
 * Host test: issue 9's namespace finding (6) and item 6 (HMB, APST, power
 * state), the driver core against the in-memory controller model.
 *
 * Namespaces: a listed namespace whose Identify fails is skipped and the
 * others kept; junk Active Namespace ID lists (decreasing, repeated, an ID
 * above NN, a non-zero ID after a zero) fall back to scanning 1..NN; a
 * Namespace Attribute Changed event rescans: a namespace added, resized and
 * removed reaches the driver's list and the block adapter.
 * HMB: no HMPRE, no HMB; HMPRE given in chunks honouring HMMINDS/HMMAXD;
 * fallback toward HMMIN when memory is short (smaller chunks, less memory);
 * nothing at all below HMMIN (init still succeeds); disabled before a reset
 * and re-enabled after it with MR=1 and the same, untouched memory; disabled
 * before the I/O queues are deleted and before CC.SHN at shutdown; freed.
 * Power: APST as firmware left it reported, nvme.apst=off turns it off (and
 * again after a reset), the power state read.
 */
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/nvme_bdev.h"
#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_spec_id.h"
#include "kernel/mm/heap.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "tests/host/check.h"
#include "tests/host/nvme_model.h"

static struct nvme_ctrlr ctrlr_storage;
static struct nvme_ctrlr *ctrlr = &ctrlr_storage;

static int bring_up(struct nvme_model *m)
{
    model_attach(m, ctrlr);
    return nvme_ctrlr_init(ctrlr);
}

/* Everything the driver allocated goes; the leak count is checked. */
static void tear_down(struct nvme_model *m, long allocs_before)
{
    model_release_ctrlr(ctrlr);
    model_free(m);
    CHECK_EQ(model_live_allocs, allocs_before);
}

static unsigned count_ns(struct nvme_ctrlr *c)
{
    unsigned n = 0;
    for (uint32_t id = nvme_ctrlr_get_first_active_ns(c); id;
         id = nvme_ctrlr_get_next_active_ns(c, id))
        n++;
    return n;
}

/* ---- finding 6: discovery ---- */

static void test_identify_failure_skips_one(void)
{
    long before = model_live_allocs;
    struct nvme_model m;
    model_init(&m);
    model_add_ns(&m, 2, 2048, 9, 0);
    model_add_ns(&m, 3, 4096, 12, 0);
    m.identify_fail_nsid = 2;
    CHECK_EQ(bring_up(&m), 0);
    CHECK_EQ(ctrlr->state, NVME_STATE_READY);
    CHECK(nvme_ctrlr_get_ns(ctrlr, 1) != NULL);
    CHECK(nvme_ctrlr_get_ns(ctrlr, 2) == NULL);
    CHECK(nvme_ctrlr_get_ns(ctrlr, 3) != NULL);
    CHECK_EQ(nvme_ns_get_sector_size(nvme_ctrlr_get_ns(ctrlr, 3)), 4096);
    tear_down(&m, before);

    /* The same through a 1..NN scan (no CNS 02h): the others still count. */
    model_init(&m);
    model_add_ns(&m, 2, 2048, 9, 0);
    model_add_ns(&m, 5, 2048, 9, 0);
    m.no_active_list = true;
    m.identify_fail_nsid = 2;
    m.nn = 8;
    CHECK_EQ(bring_up(&m), 0);
    CHECK_EQ(count_ns(ctrlr), 2);
    CHECK(nvme_ctrlr_get_ns(ctrlr, 5) != NULL);
    tear_down(&m, before);
}

static void test_junk_active_list(void)
{
    static const uint32_t decreasing[] = { 3, 1 };
    static const uint32_t repeated[] = { 1, 1, 3 };
    static const uint32_t above_nn[] = { 1, 300 };
    static const uint32_t zero_inside[] = { 1, 0, 3 };
    static const uint32_t lone_zero_start[] = { 0, 1, 3 };
    struct {
        const uint32_t *list;
        unsigned len;
    } cases[] = {
        { decreasing, 2 }, { repeated, 3 }, { above_nn, 2 }, { zero_inside, 3 },
        { lone_zero_start, 3 },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long before = model_live_allocs;
        struct nvme_model m;
        model_init(&m);
        model_add_ns(&m, 3, 2048, 9, 0);
        m.nn = 8; /* the scan fallback goes through 1..8 */
        m.active_list = cases[i].list;
        m.active_list_len = cases[i].len;
        unsigned admin_before = m.admin_cmds;
        CHECK_EQ(bring_up(&m), 0);
        /* Namespaces 1 and 3 exactly: the scan found them, nothing invented. */
        CHECK_EQ(count_ns(ctrlr), 2);
        CHECK(nvme_ctrlr_get_ns(ctrlr, 1) != NULL);
        CHECK(nvme_ctrlr_get_ns(ctrlr, 3) != NULL);
        CHECK(m.admin_cmds - admin_before < 40); /* bounded: NN=8 */
        tear_down(&m, before);
    }

    /* A valid list is still used as it is (no scan): NN=256, two Identifies. */
    long before = model_live_allocs;
    struct nvme_model m;
    model_init(&m);
    model_add_ns(&m, 3, 2048, 9, 0);
    CHECK_EQ(bring_up(&m), 0);
    CHECK_EQ(count_ns(ctrlr), 2);
    CHECK(m.admin_cmds < 40);
    tear_down(&m, before);
}

/* Steps the model and the admin queue until the rescan has run. */
static void deliver_events(struct nvme_model *m)
{
    uint64_t before = ctrlr->ns_rescans;
    for (int i = 0; i < 1000 && ctrlr->ns_rescans == before; i++) {
        model_step(m);
        nvme_ctrlr_process_admin_completions(ctrlr);
    }
}

static void write_done(void *arg, const struct nvme_cpl *cpl)
{
    *(int *)arg = cpl->err == 0 ? 1 : -1;
}

static void test_rescan(void)
{
    long before = model_live_allocs;
    struct nvme_model m;
    model_init(&m);
    CHECK_EQ(bring_up(&m), 0);
    CHECK_EQ(count_ns(ctrlr), 1);
    struct nvme_ns *ns1 = nvme_ctrlr_get_ns(ctrlr, 1);
    uint8_t *buf = aligned_alloc(4096, 4096);
    memset(model_bdev_changes, 0, sizeof(model_bdev_changes));
    model_step(&m); /* the device takes the Asynchronous Event Request init sent */

    /* Added: namespace 2 appears; namespace 1 grows. */
    model_add_ns(&m, 2, 1024, 9, 0);
    m.ns[1].nsze = 65536; /* smaller view of the same data: a resize */
    uint32_t changed[] = { 1, 2 };
    CHECK(model_ns_changed(&m, changed, 2));
    deliver_events(&m);
    CHECK_EQ(ctrlr->ns_rescans, 1);
    CHECK_EQ(count_ns(ctrlr), 2);
    struct nvme_ns *ns2 = nvme_ctrlr_get_ns(ctrlr, 2);
    CHECK(ns2 != NULL && nvme_ns_get_num_sectors(ns2) == 1024);
    CHECK(nvme_ctrlr_get_ns(ctrlr, 1) == ns1); /* updated in place */
    CHECK_EQ(nvme_ns_get_num_sectors(ns1), 65536);
    CHECK_EQ(model_bdev_changes[NVME_NS_ADDED], 1);
    CHECK_EQ(model_bdev_changes[NVME_NS_RESIZED], 1);
    CHECK_EQ(m.changed_ns_len, 0); /* the log page was read (RAE=0 re-arms) */
    CHECK_EQ(m.aer_outstanding, 1); /* and the next event asked for */

    /* I/O to the new namespace works. */
    struct nvme_qpair *qp = ctrlr->block_qp_poll;
    CHECK(qp != NULL && ns2 != NULL);
    if (qp == NULL || ns2 == NULL)
        return;
    memset(buf, 0x5a, 512);
    int done = 0;
    CHECK_EQ(nvme_ns_cmd_write(ns2, qp, buf, 7, 1, write_done, &done, 0), 0);
    for (int i = 0; i < 100 && !done; i++) {
        model_step(&m);
        nvme_qpair_process_completions(qp, 0);
    }
    CHECK_EQ(done, 1);
    CHECK_EQ(m.ns[2].data[7 * 512], 0x5a);

    /* Removed: namespace 2 goes; its struct stays valid for a block device. */
    model_remove_ns(&m, 2);
    uint32_t gone[] = { 2 };
    CHECK(model_ns_changed(&m, gone, 1));
    deliver_events(&m);
    CHECK_EQ(ctrlr->ns_rescans, 2);
    CHECK(nvme_ctrlr_get_ns(ctrlr, 2) == NULL);
    CHECK_EQ(count_ns(ctrlr), 1);
    CHECK(ns2->removed && ns2->unusable != NULL);
    CHECK_EQ(model_bdev_changes[NVME_NS_REMOVED], 1);

    /* And back again under the same NSID: a new namespace. */
    model_add_ns(&m, 2, 512, 9, 0);
    CHECK(model_ns_changed(&m, gone, 1));
    deliver_events(&m);
    CHECK(nvme_ctrlr_get_ns(ctrlr, 2) != NULL && nvme_ctrlr_get_ns(ctrlr, 2) != ns2);
    CHECK_EQ(model_bdev_changes[NVME_NS_ADDED], 2);
    free(buf);
    tear_down(&m, before + 1); /* the event log page buffer stays (nvme_admin.c) */
}

/* ---- item 6: Host Memory Buffer ---- */

static void test_hmb_not_requested(void)
{
    long before = model_live_allocs;
    struct nvme_model m;
    model_init(&m);
    CHECK_EQ(bring_up(&m), 0);
    const struct nvme_hmb_info *i = nvme_ctrlr_get_hmb_info(ctrlr);
    CHECK_EQ(i->preferred, 0);
    CHECK_EQ(i->given, 0);
    CHECK(!i->enabled);
    CHECK_STR_EQ(i->state, "not requested");
    CHECK_EQ(m.hmb_enables, 0);
    tear_down(&m, before);
}

static void test_hmb_preferred(void)
{
    long before = model_live_allocs;
    struct nvme_model m;
    model_init(&m);
    m.hmpre = 8192;  /* 32 MiB */
    m.hmmin = 1024;  /* 4 MiB */
    m.hmminds = 64;  /* 256 KiB */
    m.hmmaxd = 16;
    CHECK_EQ(bring_up(&m), 0);
    const struct nvme_hmb_info *i = nvme_ctrlr_get_hmb_info(ctrlr);
    CHECK(i->enabled);
    CHECK_EQ(i->given, 32u << 20);
    CHECK_EQ(i->entries, 16);           /* HMMAXD entries of 32 MiB / 16 */
    CHECK_EQ(i->chunk, 2u << 20);
    CHECK_EQ(m.hmb_enables, 1);
    CHECK(m.hmb_enabled);
    CHECK_EQ(m.hmb_size, 8192);         /* HSIZE in 4 KiB pages */
    CHECK_EQ(m.hmb_entries, 16);
    CHECK_EQ(m.hmb_desc[15].pages, 512);
    CHECK_EQ(m.hmb_bad_list, 0);

    /* HMMAXD small: chunks grow so the entries still reach the target. */
    tear_down(&m, before);
    model_init(&m);
    m.hmpre = 2048; /* 8 MiB */
    m.hmmin = 2048;
    m.hmmaxd = 4;
    CHECK_EQ(bring_up(&m), 0);
    CHECK(nvme_ctrlr_get_hmb_info(ctrlr)->enabled);
    CHECK_EQ(m.hmb_entries, 4);
    CHECK_EQ(m.hmb_desc[0].pages, 512); /* 2 MiB each */
    tear_down(&m, before);
}

static void test_hmb_fallback(void)
{
    long before = model_live_allocs;
    struct nvme_model m;

    /* No allocation above 1 MiB: chunks halve from 2 MiB (64 MiB / 32
     * entries) until they fit; 32 of them give 32 MiB, between HMMIN and HMPRE. */
    model_init(&m);
    m.hmpre = 16384; /* 64 MiB */
    m.hmmin = 1024;
    m.hmminds = 16; /* 64 KiB */
    m.hmmaxd = 32;
    model_dma_max_alloc = 1u << 20;
    CHECK_EQ(bring_up(&m), 0);
    const struct nvme_hmb_info *i = nvme_ctrlr_get_hmb_info(ctrlr);
    CHECK(i->enabled);
    CHECK_EQ(i->chunk, 1u << 20);
    CHECK_EQ(i->entries, 32);
    CHECK_EQ(i->given, 32u << 20);
    CHECK_EQ(m.hmb_size, 8192);
    model_dma_max_alloc = 0;
    tear_down(&m, before);

    /* Memory for 10 MiB only: less than HMPRE, at least HMMIN. */
    model_init(&m);
    m.hmpre = 8192; /* 32 MiB */
    m.hmmin = 1024; /* 4 MiB */
    model_dma_budget = model_dma_live + (10u << 20);
    CHECK_EQ(bring_up(&m), 0);
    i = nvme_ctrlr_get_hmb_info(ctrlr);
    CHECK(i->enabled);
    CHECK(i->given >= (4u << 20) && i->given < (32u << 20));
    CHECK_EQ(m.hmb_size * 4096ull, i->given);
    model_dma_budget = 0;
    tear_down(&m, before);

    /* Not even HMMIN: no HMB, and the controller still comes up. */
    model_init(&m);
    m.hmpre = 8192;
    m.hmmin = 4096; /* 16 MiB */
    model_dma_budget = model_dma_live + (6u << 20);
    CHECK_EQ(bring_up(&m), 0);
    i = nvme_ctrlr_get_hmb_info(ctrlr);
    CHECK(!i->enabled);
    CHECK_EQ(i->given, 0);
    CHECK_STR_EQ(i->state, "allocation failed");
    CHECK_EQ(m.hmb_enables, 0);
    CHECK_EQ(ctrlr->state, NVME_STATE_READY);
    model_dma_budget = 0;
    tear_down(&m, before);

    /* Refused by the controller: memory freed, reported, still up. */
    model_init(&m);
    m.hmpre = 1024;
    m.hmb_refuse = true;
    CHECK_EQ(bring_up(&m), 0);
    CHECK_STR_EQ(nvme_ctrlr_get_hmb_info(ctrlr)->state, "refused by the controller");
    CHECK(ctrlr->hmb == NULL);
    tear_down(&m, before);
}

static void test_hmb_reset_and_shutdown(void)
{
    long before = model_live_allocs;
    struct nvme_model m;
    model_init(&m);
    m.hmpre = 1024;
    m.hmmin = 256;
    CHECK_EQ(bring_up(&m), 0);
    CHECK(m.hmb_enabled);
    uint64_t addr0 = m.hmb_desc[0].addr;
    m.events[0] = '\0';

    /* Reset: disabled first (while admin works), re-enabled with MR=1 and
     * the same memory, whose contents the driver left alone. */
    CHECK_EQ(nvme_ctrlr_reset(ctrlr), 0);
    CHECK_EQ(m.hmb_enabled_at_reset, 0);
    CHECK_EQ(m.hmb_disables, 1);
    CHECK_EQ(m.hmb_mr_enables, 1);
    CHECK_EQ(m.hmb_mr_bad, 0);
    CHECK(m.hmb_enabled);
    CHECK_EQ(m.hmb_desc[0].addr, addr0);
    CHECK(strncmp(m.events, "H- R M+", 7) == 0);
    CHECK(nvme_ctrlr_get_hmb_info(ctrlr)->enabled);

    /* A reset the controller forced (CFS): no admin command possible; the
     * reset ends the HMB, and it comes back with MR=1. */
    m.csts |= NVME_SET(CSTS_CFS, 1);
    CHECK_EQ(nvme_ctrlr_reset(ctrlr), 0);
    CHECK_EQ(m.hmb_mr_enables, 2);
    CHECK(m.hmb_enabled);

    /* Shutdown: HMB off, then the queues deleted, then CC.SHN. */
    m.events[0] = '\0';
    nvme_ctrlr_shutdown(ctrlr);
    CHECK_EQ(m.hmb_enabled_at_shutdown, 0);
    CHECK(!m.hmb_enabled);
    const char *h = strstr(m.events, "H-"), *d = strstr(m.events, "D"), *s = strstr(m.events, "S");
    CHECK(h && d && s && h < d && d < s);
    tear_down(&m, before);
}

/* ---- item 6: APST and power state ---- */

static void set_apst_entry(struct nvme_model *m, unsigned ps, unsigned itps, uint32_t itpt_ms)
{
    uint64_t e = ((uint64_t)itpt_ms << 8) | ((uint64_t)itps << 3);
    memcpy(m->apst_table + ps * 8, &e, 8);
}

static void test_apst(void)
{
    long before = model_live_allocs;
    struct nvme_model m;

    /* Unsupported: reported as such, nothing set. */
    model_init(&m);
    CHECK_EQ(bring_up(&m), 0);
    const struct nvme_power_info *p = nvme_ctrlr_get_power_info(ctrlr);
    CHECK(!p->apst_supported && !p->apst_enabled && p->read);
    CHECK_EQ(m.apst_sets, 0);
    tear_down(&m, before);

    /* Left enabled by firmware: reported, kept. */
    model_init(&m);
    m.apsta = true;
    m.apste = true;
    m.npss = 4;
    m.ps = 2;
    set_apst_entry(&m, 0, 3, 100);
    set_apst_entry(&m, 1, 3, 100);
    set_apst_entry(&m, 2, 4, 2000);
    CHECK_EQ(bring_up(&m), 0);
    p = nvme_ctrlr_get_power_info(ctrlr);
    CHECK(p->apst_supported && p->apst_enabled && p->apst_was_enabled && !p->apst_disabled);
    CHECK_EQ(p->apst_entries, 3);
    CHECK_EQ(p->apst_deepest, 4);
    CHECK_EQ(p->ps, 2);
    CHECK_EQ(p->npss, 4);
    CHECK_EQ(m.apst_sets, 0);
    tear_down(&m, before);

    /* nvme.apst=off: disabled, the table given back unchanged; again after a reset. */
    model_init(&m);
    m.apsta = true;
    m.apste = true;
    set_apst_entry(&m, 0, 4, 50);
    uint8_t table[256];
    memcpy(table, m.apst_table, sizeof(table));
    model_attach(&m, ctrlr);
    ctrlr->apst_off = true;
    CHECK_EQ(nvme_ctrlr_init(ctrlr), 0);
    p = nvme_ctrlr_get_power_info(ctrlr);
    CHECK(!m.apste && p->apst_disabled && !p->apst_enabled && p->apst_was_enabled);
    CHECK_EQ(m.apst_sets, 1);
    CHECK(memcmp(table, m.apst_table, sizeof(table)) == 0);
    m.apste = true; /* as if the reset brought the firmware's setting back */
    CHECK_EQ(nvme_ctrlr_reset(ctrlr), 0);
    CHECK(!m.apste);
    CHECK_EQ(m.apst_sets, 2);
    tear_down(&m, before);
}

int main(void)
{
    test_identify_failure_skips_one();
    test_junk_active_list();
    test_rescan();
    test_hmb_not_requested();
    test_hmb_preferred();
    test_hmb_fallback();
    test_hmb_reset_and_shutdown();
    test_apst();
    return check_exit();
}
