/*
 * Host test: the quirk table and nvme.quirks= (nvme_quirks.c), and each
 * quirk's effect against the in-memory controller model behaving as the
 * reported device does:
 *   Apple T2 (106b:2005): the model takes only 128-byte I/O SQEs
 *     (CC.IOSQES=7), counts CIDs outside admin 0..31 / I/O 32..depth-1 or
 *     with generation bits, and reads CNS as one bit (CNS 02h answers as
 *     Identify Namespace of NSID 0: an empty list);
 *   delay before checking ready (1bb1:0100): the model counts CSTS reads
 *     sooner than 2.3 s after CC.EN=0;
 *   broken Write Zeroes (1c5c:1504): the model corrupts and counts them.
 * Without the quirk each model run goes wrong in the way reported.
 */
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_quirks.h"
#include "lib/errno.h"
#include "tests/host/check.h"
#include "tests/host/nvme_model.h"
#include "tests/host/nvme_testlib.h"

#define APPLE_T2 (NVME_QUIRK_128_BYTES_SQES | NVME_QUIRK_SHARED_TAGS | NVME_QUIRK_SKIP_CID_GEN | \
                  NVME_QUIRK_IDENTIFY_CNS | NVME_QUIRK_SINGLE_VECTOR)

static void test_table(void)
{
    const char *what, *report;
    CHECK_EQ(nvme_quirks_lookup(0x106b, 0x2005, 0x018002, &what, &report), APPLE_T2);
    CHECK(what != NULL && strstr(what, "T2") != NULL);
    CHECK(report != NULL && report[0] != '\0');
    CHECK_EQ(nvme_quirks_lookup(0x106b, 0x2001, 0x018002, NULL, NULL), NVME_QUIRK_SINGLE_VECTOR);
    CHECK_EQ(nvme_quirks_lookup(0x106b, 0x2003, 0x018002, NULL, NULL), NVME_QUIRK_SINGLE_VECTOR);
    /* Another Apple function: by class 01/80 prog-if 02 only. */
    CHECK_EQ(nvme_quirks_lookup(0x106b, 0x2099, 0x018002, NULL, NULL), NVME_QUIRK_SINGLE_VECTOR);
    CHECK_EQ(nvme_quirks_lookup(0x106b, 0x2099, 0x010802, &what, &report), 0);
    CHECK(what == NULL && report == NULL);
    CHECK_EQ(nvme_quirks_lookup(0x1bb1, 0x0100, 0x010802, NULL, NULL),
             NVME_QUIRK_DELAY_BEFORE_CHK_RDY);
    CHECK_EQ(nvme_quirks_lookup(0x144d, 0xa822, 0x010802, NULL, NULL),
             NVME_QUIRK_DELAY_BEFORE_CHK_RDY);
    CHECK_EQ(nvme_quirks_lookup(0x1c5c, 0x1504, 0x010802, NULL, NULL),
             NVME_QUIRK_DISABLE_WRITE_ZEROES);
    CHECK_EQ(nvme_quirks_lookup(0x8086, 0x5845, 0x010802, NULL, NULL),
             NVME_QUIRK_IDENTIFY_CNS | NVME_QUIRK_DISABLE_WRITE_ZEROES);
    CHECK_EQ(nvme_quirks_lookup(0x1b36, 0x0010, 0x010802, NULL, NULL), 0); /* QEMU today */
}

static void test_names_and_override(void)
{
    char buf[160];
    CHECK_STR_EQ(nvme_quirk_names(0, buf, sizeof(buf)), "none");
    CHECK_STR_EQ(nvme_quirk_names(NVME_QUIRK_128_BYTES_SQES | NVME_QUIRK_DISABLE_WRITE_ZEROES, buf,
                                  sizeof(buf)),
                 "128_bytes_sqes,disable_write_zeroes");
    CHECK_STR_EQ(nvme_quirk_names(APPLE_T2, buf, sizeof(buf)),
                 "128_bytes_sqes,shared_tags,skip_cid_gen,identify_cns,single_vector");
    char small[12];
    nvme_quirk_names(APPLE_T2, small, sizeof(small));
    CHECK_EQ(strlen(small), sizeof(small) - 1); /* truncated, terminated */

    uint32_t bits = 0;
    const char *bad;
    CHECK_EQ(nvme_quirks_override("delay_before_chk_rdy", 1, 2, &bits, &bad), 0);
    CHECK_EQ(bits, NVME_QUIRK_DELAY_BEFORE_CHK_RDY);
    CHECK_EQ(nvme_quirks_override("-delay_before_chk_rdy,+single_vector", 1, 2, &bits, &bad), 0);
    CHECK_EQ(bits, NVME_QUIRK_SINGLE_VECTOR);
    bits = APPLE_T2;
    CHECK_EQ(nvme_quirks_override("106b:2005:none;106b:2001:disable_write_zeroes", 0x106b, 0x2005,
                                  &bits, &bad), 0);
    CHECK_EQ(bits, 0);
    bits = APPLE_T2;
    CHECK_EQ(nvme_quirks_override("106b:2001:none", 0x106b, 0x2005, &bits, &bad), 0);
    CHECK_EQ(bits, APPLE_T2); /* another device's entry */
    bits = 7;
    CHECK_EQ(nvme_quirks_override("single_vector,bogus", 0, 0, &bits, &bad), -EINVAL);
    CHECK_EQ(bits, 7); /* nothing applied */
    CHECK(bad != NULL && strncmp(bad, "bogus", 5) == 0);
    CHECK_EQ(nvme_quirks_override("", 0, 0, &bits, &bad), 0);
    CHECK_EQ(nvme_quirks_override(NULL, 0, 0, &bits, &bad), 0);
    CHECK_EQ(bits, 7);
    CHECK_EQ(nvme_quirks_override("zz:2005:none", 0, 0, &bits, &bad), -EINVAL);
}

static void apple_model(struct nvme_model *m)
{
    model_init(m);
    m->pci_vendor = 0x106b;
    m->pci_device = 0x2005;
    m->pci_class = 0x018002;
    m->sqe128 = true;
    m->shared_tags = true;
    m->cns_binary = true;
}

static void test_apple_t2(void)
{
    struct nvme_model m;
    int err;
    apple_model(&m);
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    CHECK_EQ(nvme_ctrlr_get_quirks(c), APPLE_T2);
    CHECK(nvme_ctrlr_quirk_source(c) != NULL);
    CHECK_EQ((m.cc >> 16) & 0xF, 7);      /* CC.IOSQES */
    CHECK_EQ(c->max_io_qpairs, 1);
    CHECK(nvme_ctrlr_get_ns(c, 1) != NULL); /* found by scanning, not CNS 02h */
    struct nvme_qpair *qp = c->block_qp_irq;
    CHECK(qp != NULL);
    if (qp) {
        CHECK_EQ(qp->sqe_shift, 7);
        CHECK_EQ(qp->cid_base, 32);
        CHECK(tl_polled_qpair(c, 16) == NULL); /* one I/O pair: CIDs stay unique */
        for (unsigned i = 0; i < 30; i++) {
            uint32_t count = 1 + (uint32_t)(tl_rnd() % 300);
            CHECK_EQ(tl_write_read_check(&m, c, qp, 1, tl_rnd() % 100000, count,
                                         (uint32_t)(tl_rnd() % 4096) & ~3u), 0);
        }
        CHECK_EQ(nvme_ctrlr_reset(c), 0);
        for (unsigned i = 0; i < 10; i++)
            CHECK_EQ(tl_write_read_check(&m, c, qp, 1, tl_rnd() % 100000, 64, 8), 0);
    }
    CHECK_EQ(m.cid_violations, 0);
    CHECK(m.io_cmds > 0);
    tl_tear_down(&m, c);

    /* The same device with the quirks turned off: the enable is refused
     * (64-byte SQEs), as on the Mac. */
    apple_model(&m);
    m.quirk_override = "106b:2005:none";
    c = tl_bring_up(&m, &err);
    CHECK(err != 0);
    tl_tear_down(&m, c);
    /* Only IDENTIFY_CNS off: no namespace (the CNS 02h "list" is empty). */
    apple_model(&m);
    m.quirk_override = "-identify_cns";
    c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    CHECK(nvme_ctrlr_get_ns(c, 1) == NULL);
    tl_tear_down(&m, c);
    /* Only the tag rules off: CIDs collide with the admin queue's. */
    apple_model(&m);
    m.quirk_override = "-shared_tags,-skip_cid_gen";
    c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    CHECK_EQ(tl_write_read_check(&m, c, c->block_qp_irq, 1, 0, 8, 0), 0);
    CHECK(m.cid_violations > 0);
    tl_tear_down(&m, c);
}

static void test_delay_before_check_ready(void)
{
    for (int quirk = 1; quirk >= 0; quirk--) {
        struct nvme_model m;
        int err;
        model_init(&m);
        m.pci_vendor = 0x1bb1;
        m.pci_device = 0x0100;
        m.pci_class = 0x010802;
        m.start_enabled = true; /* firmware left it on: init clears CC.EN */
        m.delay_chk_rdy_ms = 2300;
        m.quirk_override = quirk ? NULL : "-delay_before_chk_rdy";
        struct nvme_ctrlr *c = tl_bring_up(&m, &err);
        CHECK_EQ(err, 0);
        CHECK_EQ(c->quirks, quirk ? NVME_QUIRK_DELAY_BEFORE_CHK_RDY : 0);
        if (quirk)
            CHECK_EQ(m.early_csts_reads, 0);
        else
            CHECK(m.early_csts_reads > 0);
        tl_tear_down(&m, c);
    }
}

static void test_write_zeroes_disabled(void)
{
    struct nvme_model m;
    int err;
    model_init(&m);
    m.pci_vendor = 0x1c5c;
    m.pci_device = 0x1504;
    m.pci_class = 0x010802;
    m.write_zeroes_broken = true;
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    CHECK_EQ(c->quirks, NVME_QUIRK_DISABLE_WRITE_ZEROES);
    struct nvme_qpair *qp = tl_polled_qpair(c, 16);
    CHECK_EQ(tl_write_read_check(&m, c, qp, 1, 100, 8, 0), 0);
    uint8_t before[4096];
    memcpy(before, m.ns[1].data + 100 * 512, sizeof(before));
    struct done d = { 0 };
    CHECK_EQ(nvme_ns_cmd_write_zeroes(nvme_ctrlr_get_ns(c, 1), qp, 100, 8, tl_done_cb, &d, 0),
             -EOPNOTSUPP);
    CHECK_EQ(d.calls, 0);
    CHECK_EQ(m.write_zeroes_cmds, 0);
    CHECK(memcmp(before, m.ns[1].data + 100 * 512, sizeof(before)) == 0);
    tl_tear_down(&m, c);
}

/* A typo in nvme.quirks= is reported and ignored: the table's quirks apply. */
static void test_bad_override_ignored(void)
{
    struct nvme_model m;
    int err;
    model_init(&m);
    m.pci_vendor = 0x1c5c;
    m.pci_device = 0x1504;
    m.quirk_override = "single_vector,no_such_quirk";
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    CHECK_EQ(c->quirks, NVME_QUIRK_DISABLE_WRITE_ZEROES);
    tl_tear_down(&m, c);
}

int main(void)
{
    test_table();
    test_names_and_override();
    test_apple_t2();
    test_delay_before_check_ready();
    test_write_zeroes_disabled();
    test_bad_override_ignored();
    CHECK_EQ(model_live_allocs, 0);
    return check_exit();
}
