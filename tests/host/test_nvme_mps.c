/*
 * Host test: the memory page size (CC.MPS) chosen within CAP.MPSMIN..MPSMAX
 * and used everywhere the controller reads memory [NVMe Base 2.0 §3.1.3.5,
 * §4.1.1]. The model refuses queue bases that are not on a CC.MPS page and
 * walks PRPs with that page size; its plain DMA allocations are 4 KiB but
 * never 8 KiB aligned, so only memory asked for with the page's alignment
 * works. For MPSMIN 4, 8 and 16 KiB: init, reads and writes of odd sizes at
 * odd buffer offsets (PRP1 mid-page, PRP2, PRP lists), a reset, more I/O;
 * MPSMIN 32 KiB is refused with one line; 4 KiB is preferred when allowed.
 */
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_limits.h"
#include "lib/errno.h"
#include "tests/host/check.h"
#include "tests/host/nvme_model.h"
#include "tests/host/nvme_testlib.h"

#define CAP_MPSMIN_SHIFT 48
#define CAP_MPSMAX_SHIFT 52

static void set_mps(struct nvme_model *m, unsigned min, unsigned max)
{
    m->cap &= ~((0xFull << CAP_MPSMIN_SHIFT) | (0xFull << CAP_MPSMAX_SHIFT));
    m->cap |= ((uint64_t)min << CAP_MPSMIN_SHIFT) | ((uint64_t)max << CAP_MPSMAX_SHIFT);
}

static void io_round(struct nvme_model *m, struct nvme_ctrlr *c, struct nvme_qpair *qp,
                     unsigned rounds)
{
    for (unsigned i = 0; i < rounds; i++) {
        /* 1..600 blocks of 512 B (up to 300 KiB: PRP lists at 4 KiB pages,
         * PRP2 or a short list at 16 KiB), anywhere, at a dword offset. */
        uint32_t count = 1 + (uint32_t)(tl_rnd() % 600);
        uint64_t lba = tl_rnd() % (131072 - count);
        uint32_t off = (uint32_t)(tl_rnd() % 16384) & ~3u;
        int err = tl_write_read_check(m, c, qp, 1, lba, count, off);
        if (err) {
            fprintf(stderr, "round %u: %u blocks at LBA %llu, offset %u: %d\n", i, count,
                    (unsigned long long)lba, off, err);
            CHECK_EQ(err, 0);
            return;
        }
    }
}

static void test_page_size(unsigned mpsmin, unsigned mpsmax, uint32_t want_page)
{
    struct nvme_model m;
    int err;
    model_init(&m);
    set_mps(&m, mpsmin, mpsmax);
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, 0);
    CHECK_EQ(c->page_size, want_page);
    CHECK_EQ((m.cc >> 7) & 0xF, c->mps);
    CHECK_EQ(m.misaligned, 0);
    /* MDTS 7 is in MPSMIN pages: (4 KiB << MPSMIN) << 7, capped at 3 MiB. */
    uint64_t mdts = (4096ull << mpsmin) << 7;
    CHECK_EQ(c->max_xfer, mdts < (3u << 20) ? mdts : (3u << 20));
    struct nvme_qpair *qp = tl_polled_qpair(c, 32);
    CHECK(qp != NULL);
    if (qp) {
        CHECK_EQ(qp->sq_phys % want_page, 0);
        CHECK_EQ(qp->cq_phys % want_page, 0);
        CHECK_EQ(qp->trackers[0].prp_phys % want_page, 0);
        io_round(&m, c, qp, 40);
        CHECK_EQ(nvme_ctrlr_reset(c), 0);
        CHECK_EQ(c->state, NVME_STATE_READY);
        io_round(&m, c, qp, 20);
        /* The block layer's pair, created at init, works too. */
        io_round(&m, c, c->block_qp_irq, 5);
    }
    CHECK_EQ(m.misaligned, 0);
    tl_tear_down(&m, c);
}

static void test_refused(void)
{
    struct nvme_model m;
    int err;
    model_init(&m);
    set_mps(&m, 3, 4); /* 32 KiB minimum */
    struct nvme_ctrlr *c = tl_bring_up(&m, &err);
    CHECK_EQ(err, -EOPNOTSUPP);
    CHECK_EQ(c->state, NVME_STATE_FAILED);
    CHECK_EQ(m.enables, 0);   /* refused before touching CC */
    CHECK(!m.mapped);         /* and the registers given back */
    tl_tear_down(&m, c);
}

int main(void)
{
    test_page_size(0, 4, 4096);   /* QEMU: 4 KiB allowed, preferred */
    test_page_size(1, 4, 8192);   /* MPSMIN 8 KiB */
    test_page_size(2, 4, 16384);  /* MPSMIN 16 KiB */
    test_page_size(2, 2, 16384);
    test_refused();
    CHECK_EQ(model_live_allocs, 0);
    return check_exit();
}
