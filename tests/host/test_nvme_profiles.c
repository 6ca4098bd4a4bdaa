/*
 * Host test: real-drive profiles (issue 9, item 7). Each profile is a named
 * set of knobs of the in-memory controller (tests/host/nvme_model.c) that
 * makes it behave like a kind of drive QEMU never shows, and each runs the
 * driver's own code through the whole life of a controller:
 *
 *   init (from the state firmware leaves) -> I/O -> controller reset ->
 *   I/O -> shutdown -> everything freed,
 *
 * where "I/O" writes then reads several sizes (one block, one page, a
 * multi-page transfer from an unaligned buffer that needs a PRP list, and
 * one beyond MDTS that the driver must split), on every queue pair the
 * block layer uses, each checked against the model's namespace bytes, and
 * reads of bytes the model put there itself.
 *
 * Usage: test_nvme_profiles NAME (one ctest per profile,
 * host.nvme_profile.NAME); "test_nvme_profiles --list" prints the names.
 * A profile whose driver feature does not exist yet exits 77 (skipped) with
 * the feature named; none does today.
 */
#include <stdlib.h>

#include "drivers/nvme/nvme_internal.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "tests/host/check.h"
#include "tests/host/nvme_model.h"

#define SKIPPED 77

static void set_cap(struct nvme_model *m, uint64_t mask, unsigned shift, uint64_t v)
{
    m->cap = (m->cap & ~(mask << shift)) | ((v & mask) << shift);
}

#define SET_CAP(m, name, v) set_cap(m, NVME_CAP_##name##_MASK, NVME_CAP_##name##_SHIFT, v)

/* ---- the profiles ---- */

struct profile {
    const char *name;
    const char *what;                 /* the drive it stands for, and where that is reported */
    void (*setup)(struct nvme_model *m);
    void (*after_init)(struct nvme_model *m, struct nvme_ctrlr *c);
    void (*after_reset)(struct nvme_model *m, struct nvme_ctrlr *c);
    void (*after_shutdown)(struct nvme_model *m, struct nvme_ctrlr *c);
    const char *skip;                 /* the missing driver feature, or NULL */
};

static void dstrd16_setup(struct nvme_model *m)
{
    SET_CAP(m, DSTRD, 2);
}

static void dstrd256_setup(struct nvme_model *m)
{
    SET_CAP(m, DSTRD, 6);
}

static void dstrd_check(struct nvme_model *m, struct nvme_ctrlr *c)
{
    CHECK_EQ(c->dstrd, NVME_GET(m->cap, CAP_DSTRD));
    CHECK_EQ(model_scan_doorbells(m), 0); /* nothing rung off the stride grid */
}

static void mpsmin8k_setup(struct nvme_model *m)
{
    SET_CAP(m, MPSMIN, 1);
    SET_CAP(m, MPSMAX, 4);
}

static void mpsmin16k_setup(struct nvme_model *m)
{
    SET_CAP(m, MPSMIN, 2);
    SET_CAP(m, MPSMAX, 2);
}

static void mps_check(struct nvme_model *m, struct nvme_ctrlr *c)
{
    unsigned mps = NVME_GET(m->cc, CC_MPS);
    CHECK(mps >= NVME_GET(m->cap, CAP_MPSMIN) && mps <= NVME_GET(m->cap, CAP_MPSMAX));
    CHECK_EQ(c->page_size, 4096u << mps);
    CHECK_EQ(m->misaligned, 0);
    /* MDTS counts CAP.MPSMIN pages: 7 -> 128 of them, capped at 3 MiB. */
    uint64_t mdts = (4096ull << NVME_GET(m->cap, CAP_MPSMIN)) << m->mdts;
    CHECK_EQ(c->max_xfer, mdts < NVME_MAX_XFER_CAP ? mdts : NVME_MAX_XFER_CAP);
}

/* NVMe 1.0: no CNS 02h (1.1), no VER field or CRMS (1.2+); namespaces with
 * a gap, found by scanning 1..NN. */
static void nvme10_setup(struct nvme_model *m)
{
    m->vs = 0x00010000;
    m->no_active_list = true;
    m->nn = 4;
    model_add_ns(m, 3, 8192, 12, 0);
}

static void nvme10_check(struct nvme_model *m, struct nvme_ctrlr *c)
{
    CHECK_EQ(c->vs, 0x00010000);
    CHECK_EQ(m->cns2_on_10, 0);
    CHECK(nvme_ctrlr_get_ns(c, 1) != NULL);
    CHECK(nvme_ctrlr_get_ns(c, 3) != NULL);
    CHECK(nvme_ctrlr_get_ns(c, 2) == NULL);
    CHECK_EQ(c->id->ver, 0);
}

/* Apple (T2, 106b:2005, class 01/80 prog-if 02): 128-byte I/O SQEs while
 * Identify says 64 (Linux NVME_QUIRK_128_BYTES_SQES), one interrupt vector
 * (mbp-2016-linux #9), no CNS 02h (NVME_QUIRK_IDENTIFY_CNS). */
static void apple_setup(struct nvme_model *m)
{
    m->pci_vendor = 0x106b; /* the quirk table matches on these (nvme_quirks.c) */
    m->pci_device = 0x2005;
    m->pci_class = 0x018002;
    m->sqe128 = true;       /* CC.IOSQES must be 7 */
    m->cns_binary = true;   /* CNS read as one bit: 02h answers as 00h */
    m->irq_vectors = 1;
    m->irq_kind = MODEL_IRQ_MSIX;
}

static void apple_check(struct nvme_model *m, struct nvme_ctrlr *c)
{
    CHECK_EQ(c->irq_mode, NVME_IRQ_MSIX);
    CHECK_EQ(c->iosqes, 7);
    CHECK_EQ(m->iv_violations, 0);
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next)
        CHECK_EQ(qp->msix_index, 0);
}

/* DRAM-less: HMPRE 16 MiB, HMMIN 4 MiB; the model fails I/O without it. */
static void hmb_setup(struct nvme_model *m)
{
    m->hmpre = 4096;
    m->hmmin = 1024;
    m->hmb_required = true;
}

static void hmb_check(struct nvme_model *m, struct nvme_ctrlr *c)
{
    CHECK(m->hmb_enabled);
    CHECK((uint64_t)m->hmb_size * c->page_size >= (uint64_t)m->hmmin * 4096);
    CHECK_EQ(m->io_without_hmb, 0);
    CHECK_EQ(m->hmb_enabled_at_reset, 0); /* disabled before CC.EN=0 */
    const struct nvme_hmb_info *h = nvme_ctrlr_get_hmb_info(c);
    CHECK(h->enabled && h->given >= (uint64_t)m->hmmin * 4096); /* asked vs given, reported */
}

static void hmb_after_shutdown(struct nvme_model *m, struct nvme_ctrlr *c)
{
    (void)c;
    CHECK_EQ(m->hmb_enabled_at_shutdown, 0); /* disabled before CC.SHN [§5.27.1.10] */
    CHECK(!m->hmb_enabled);
}

/* CAP.TO = 255 (127.5 s) and a CRTO.CRWMT of 0xFFFF (9 hours): the ready
 * wait must stay below block_wait's 600 s (issue 9, finding 7). */
static void capto255_setup(struct nvme_model *m)
{
    SET_CAP(m, TO, 255);
    SET_CAP(m, CRMS, NVME_CAP_CRMS_CRWMS);
    m->crto = 0xFFFF | (0x00F0u << 16);
    m->ready_delay = 20;
}

static void capto255_check(struct nvme_model *m, struct nvme_ctrlr *c)
{
    (void)m;
    CHECK(c->ready_timeout_ns >= 128ull * NSEC_PER_SEC); /* at least CAP.TO's */
    CHECK(c->ready_timeout_ns < 600ull * NSEC_PER_SEC);
}

static void mqes15_setup(struct nvme_model *m)
{
    SET_CAP(m, MQES, 15);
}

static void mqes15_check(struct nvme_model *m, struct nvme_ctrlr *c)
{
    CHECK_EQ(c->io_queue_size_max, 16);
    CHECK_EQ(m->qsize_violations, 0);
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next)
        CHECK(qp->size <= 16);
}

/* Four pairs granted at first, one after a reset (issue 9, finding 7). */
static void fewer_setup(struct nvme_model *m)
{
    m->grant_queues = 4;
    m->grant_after_reset = 1;
    m->irq_vectors = 4;
    m->irq_kind = MODEL_IRQ_MSIX;
}

static void fewer_after_init(struct nvme_model *m, struct nvme_ctrlr *c)
{
    (void)m;
    CHECK_EQ(c->max_io_qpairs, 4);
    CHECK(c->block_qp_irq != c->block_qp_poll); /* two pairs: the reset must drop one */
}

static void fewer_after_reset(struct nvme_model *m, struct nvme_ctrlr *c)
{
    CHECK_EQ(c->state, NVME_STATE_READY);
    unsigned on_device = 0;
    for (unsigned q = 1; q < MODEL_MAX_QUEUES; q++)
        on_device += m->sq[q].exists;
    CHECK(on_device >= 1);
    CHECK(on_device <= 1); /* no more than granted */
}

static void apst_setup(struct nvme_model *m)
{
    m->apsta = true;
    m->apste = true;
    m->npss = 4;
    for (unsigned ps = 0; ps < 3; ps++) { /* PS 0-2 -> PS 4 after 100 ms idle */
        uint64_t e = (4u << 3) | (100ull << 8);
        memcpy(m->apst_table + ps * 8, &e, 8);
    }
}

static void apst_check(struct nvme_model *m, struct nvme_ctrlr *c)
{
    const struct nvme_power_info *p = nvme_ctrlr_get_power_info(c);
    CHECK(p->read && p->apst_supported && p->apst_enabled); /* read and reported */
    CHECK_EQ(p->apst_deepest, 4);
    CHECK(m->apste); /* left on: nvme.apst=off is what turns it off */
}

/* All ones from every register for a while after CC.EN=0 (real-hardware
 * notes, §2: "not device gone: retry with backoff up to CAP.TO"); firmware
 * left it enabled, so init disables it too. */
static void allones_setup(struct nvme_model *m)
{
    m->allones_reads = 5;
    m->start_enabled = true;
}

static void allones_check(struct nvme_model *m, struct nvme_ctrlr *c)
{
    CHECK_EQ(m->allones_left, 0);
    CHECK_EQ(c->state, NVME_STATE_READY);
}

static void msi_setup(struct nvme_model *m)
{
    m->irq_vectors = 1;
    m->irq_kind = MODEL_IRQ_MSI;
}

static void msi_check(struct nvme_model *m, struct nvme_ctrlr *c)
{
    CHECK_EQ(c->irq_mode, NVME_IRQ_MSI);
    CHECK_EQ(m->iv_violations, 0);
    CHECK(c->block_qp_irq != NULL && c->block_qp_irq->irq);
}

static const struct profile profiles[] = {
    { "dstrd16", "CAP.DSTRD=2: 16-byte doorbell stride", dstrd16_setup, dstrd_check,
      dstrd_check, NULL, NULL },
    { "dstrd256", "CAP.DSTRD=6: 256-byte doorbell stride", dstrd256_setup, dstrd_check,
      dstrd_check, NULL, NULL },
    { "mpsmin8k", "CAP.MPSMIN=1 (8 KiB pages; issue 9 finding 3)", mpsmin8k_setup, mps_check,
      mps_check, NULL, NULL },
    { "mpsmin16k", "CAP.MPSMIN=MPSMAX=2 (16 KiB pages only)", mpsmin16k_setup, mps_check,
      mps_check, NULL, NULL },
    { "nvme10", "an NVMe 1.0 controller", nvme10_setup, nvme10_check, NULL, NULL, NULL },
    { "apple", "Apple T2 (106b:2005, class 01/80)", apple_setup, apple_check, apple_check, NULL,
      NULL },
    { "hmb", "DRAM-less, HMB required (HMPRE/HMMIN)", hmb_setup, hmb_check, hmb_check,
      hmb_after_shutdown, NULL },
    { "capto255", "CAP.TO=255 with CRTO", capto255_setup, capto255_check, capto255_check, NULL,
      NULL },
    { "mqes15", "CAP.MQES=15 (16-entry queues)", mqes15_setup, mqes15_check, mqes15_check, NULL,
      NULL },
    { "fewer_queues_after_reset", "4 queue pairs granted, 1 after a reset", fewer_setup,
      fewer_after_init, fewer_after_reset, NULL, NULL },
    { "apst_on", "APST left enabled by firmware", apst_setup, apst_check, apst_check, NULL,
      NULL },
    { "allones_after_disable", "all-ones registers for a while after CC.EN=0", allones_setup,
      allones_check, allones_check, NULL, NULL },
    { "msi_only", "plain MSI, no MSI-X", msi_setup, msi_check, msi_check, NULL, NULL },
};

#define NPROFILES (sizeof(profiles) / sizeof(profiles[0]))

/* ---- the life of a controller ---- */

struct done {
    int calls;
    int err;
};

static void done_cb(void *arg, const struct nvme_cpl *cpl)
{
    struct done *d = arg;
    d->calls++;
    d->err = cpl->err;
}

/* Set at the first command that never completes: the rest of the I/O is
 * skipped (each would wait out its timeout too). */
static bool io_stuck;
/* The buffer and completion record of a command that never completed: the
 * device may still DMA into the one and the driver call back into the
 * other (after the reset resubmits it), so they are freed only at the end. */
static void *stuck_buf, *stuck_done;

/* Steps the model until d completes (at most 3 s): interrupts delivered by
 * the model for interrupt-driven pairs, polling for the others. */
static bool wait_done(struct nvme_model *m, struct nvme_qpair *qp, struct done *d)
{
    uint64_t give_up = clock_ns() + 3 * NSEC_PER_SEC;
    while (d->calls == 0 && clock_ns() < give_up) {
        model_step(m);
        model_deliver_irqs(m);
        if (!qp->irq)
            nvme_qpair_process_completions(qp, 0);
    }
    io_stuck |= d->calls == 0;
    return d->calls == 1;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint8_t rnd8(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint8_t)rng;
}

/* Writes then reads blocks [lba, lba+n) from buf + off; checks the model's
 * bytes after the write and the buffer after the read (of bytes the model
 * was given directly, so a read that moved nothing cannot pass). */
static void rw_check(struct nvme_model *m, struct nvme_ns *ns, struct nvme_qpair *qp,
                     uint64_t lba, uint32_t n, size_t off, const char *what)
{
    uint32_t bs = ns->block_size;
    size_t len = (size_t)n * bs;
    if (io_stuck) {
        fprintf(stderr, "%s: not run (an earlier command never completed)\n", what);
        CHECK(0);
        return;
    }
    uint8_t *mem = aligned_alloc(4096, (off + len + 4095) / 4096 * 4096);
    uint8_t *buf = mem + off;
    uint8_t *disk = m->ns[ns->nsid].data + lba * bs;
    for (size_t i = 0; i < len; i++)
        buf[i] = rnd8();
    struct done *d = calloc(1, sizeof(*d));
    CHECK_EQ(nvme_ns_cmd_write(ns, qp, buf, lba, n, done_cb, d, 0), 0);
    CHECK(wait_done(m, qp, d));
    CHECK_EQ(d->err, 0);
    if (memcmp(disk, buf, len) != 0) {
        fprintf(stderr, "write %s (lba %llu, %u blocks, qid %u): model's bytes differ (%s)\n",
                what, (unsigned long long)lba, n, qp->id, m->last_error);
        CHECK(0);
    }
    for (size_t i = 0; i < len; i++)
        disk[i] = rnd8();
    memset(buf, 0xA5, len);
    if (!io_stuck) {
        *d = (struct done){ 0, 0 };
        CHECK_EQ(nvme_ns_cmd_read(ns, qp, buf, lba, n, done_cb, d, 0), 0);
        CHECK(wait_done(m, qp, d));
        CHECK_EQ(d->err, 0);
    }
    if (memcmp(disk, buf, len) != 0) {
        fprintf(stderr, "read %s (lba %llu, %u blocks, qid %u): buffer differs (%s)\n", what,
                (unsigned long long)lba, n, qp->id, m->last_error);
        CHECK(0);
    }
    if (io_stuck && stuck_buf == NULL) {
        stuck_buf = mem;
        stuck_done = d;
    } else {
        free(mem);
        free(d);
    }
}

static void io_round(struct nvme_model *m, struct nvme_ctrlr *c)
{
    struct nvme_qpair *pairs[2] = { c->block_qp_irq, c->block_qp_poll };
    CHECK(pairs[0] != NULL);
    for (uint32_t nsid = nvme_ctrlr_get_first_active_ns(c); nsid;
         nsid = nvme_ctrlr_get_next_active_ns(c, nsid)) {
        struct nvme_ns *ns = nvme_ctrlr_get_ns(c, nsid);
        if (ns == NULL || ns->unusable)
            continue;
        uint32_t bs = ns->block_size, split = ns->max_blocks + 8192 / bs + 1;
        for (int i = 0; i < 2; i++) {
            struct nvme_qpair *qp = pairs[i];
            if (qp == NULL || (i == 1 && qp == pairs[0]))
                continue;
            rw_check(m, ns, qp, 0, 1, 0, "one block");
            rw_check(m, ns, qp, 8, 4096 / bs ? 4096 / bs : 1, 0, "one page");
            rw_check(m, ns, qp, 100, 40960 / bs, 512, "multi-page, unaligned buffer");
            CHECK(split * (uint64_t)bs > c->max_xfer);
            rw_check(m, ns, qp, 1000, split, 8, "beyond MDTS (split)");
        }
    }
}

static void free_all(struct nvme_ctrlr *c)
{
    model_release_ctrlr(c);
    nvme_env_interrupts_teardown(c);
    nvme_env_unmap_registers(c);
}

static void run(const struct profile *p)
{
    static struct nvme_model m;
    static struct nvme_ctrlr c;
    model_init(&m);
    p->setup(&m);
    model_attach(&m, &c);

    printf("profile %s: %s\n", p->name, p->what);
    int err = nvme_ctrlr_init(&c);
    CHECK_EQ(err, 0);
    if (err) {
        fprintf(stderr, "init failed: %s (model: %s)\n", errno_name(err), m.last_error);
        free_all(&c);
        model_free(&m);
        return;
    }
    CHECK_EQ(m.misaligned, 0);
    if (p->after_init)
        p->after_init(&m, &c);
    io_round(&m, &c);

    err = nvme_ctrlr_reset(&c);
    CHECK_EQ(err, 0);
    CHECK_EQ(c.state, NVME_STATE_READY);
    if (err == 0) {
        if (p->after_reset)
            p->after_reset(&m, &c);
        io_round(&m, &c);
    } else {
        fprintf(stderr, "reset failed: %s (model: %s)\n", errno_name(err), m.last_error);
    }

    unsigned shutdowns = m.shutdowns;
    nvme_ctrlr_shutdown(&c);
    CHECK_EQ(m.shutdowns, shutdowns + (err == 0));
    if (err == 0) {
        for (unsigned q = 1; q < MODEL_MAX_QUEUES; q++)
            CHECK(!m.sq[q].exists && !m.cq[q].exists); /* deleted before CC.SHN */
    }
    if (p->after_shutdown)
        p->after_shutdown(&m, &c);
    CHECK_EQ(m.misaligned, 0);
    CHECK_EQ(m.iv_violations, 0);
    CHECK_EQ(m.bad_doorbells, 0);
    CHECK_EQ(model_scan_doorbells(&m), 0);
    free_all(&c);
    model_free(&m);
    free(stuck_buf);
    free(stuck_done);
    CHECK_EQ(model_live_allocs, 0);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < NPROFILES; i++)
            printf("%s\n", profiles[i].name);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s PROFILE | --list\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < NPROFILES; i++) {
        if (strcmp(profiles[i].name, argv[1]) != 0)
            continue;
        if (profiles[i].skip) {
            printf("SKIP: profile %s needs a driver feature nvos lacks: %s\n", argv[1],
                   profiles[i].skip);
            return SKIPPED;
        }
        run(&profiles[i]);
        return check_exit();
    }
    fprintf(stderr, "no profile named %s (--list)\n", argv[1]);
    return 2;
}
