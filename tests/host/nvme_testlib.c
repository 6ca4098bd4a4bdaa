/*
 * tests/host/nvme_testlib.c - shared helpers of the issue 9 model tests
 * (see nvme_testlib.h).
 */
#include "tests/host/nvme_testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/nvme_dbbuf.h"
#include "kernel/mm/heap.h"
#include "kernel/time/clock.h"

void tl_done_cb(void *arg, const struct nvme_cpl *cpl)
{
    struct done *d = arg;
    d->calls++;
    d->err = cpl->err;
    d->cpl = *cpl;
    if (d->model)
        d->bme = d->model->bme;
}

bool tl_run_until(struct nvme_model *m, struct nvme_qpair *qp, struct done *ds, int n)
{
    uint64_t give_up = clock_ns() + 10 * NSEC_PER_SEC;
    while (clock_ns() < give_up) {
        bool all = true;
        for (int i = 0; i < n; i++)
            all &= ds[i].calls > 0;
        if (all)
            return true;
        model_step(m);
        nvme_qpair_process_completions(qp, 0);
    }
    return false;
}

struct nvme_ctrlr *tl_bring_up(struct nvme_model *m, int *err)
{
    static struct nvme_ctrlr c;
    model_attach(m, &c);
    *err = nvme_ctrlr_init(&c);
    return &c;
}

void tl_tear_down(struct nvme_model *m, struct nvme_ctrlr *c)
{
    model_release_ctrlr(c);
    model_free(m);
}

struct nvme_qpair *tl_polled_qpair(struct nvme_ctrlr *c, unsigned size)
{
    struct nvme_io_qpair_opts o = { .io_queue_size = size, .interrupts = false };
    return nvme_ctrlr_alloc_io_qpair(c, &o);
}

uint8_t *tl_pages(size_t bytes)
{
    return aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

uint64_t tl_rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

int tl_write_read_check(struct nvme_model *m, struct nvme_ctrlr *c, struct nvme_qpair *qp,
                        uint32_t nsid, uint64_t lba, uint32_t count, uint32_t off)
{
    struct nvme_ns *ns = nvme_ctrlr_get_ns(c, nsid);
    if (ns == NULL)
        return -1000;
    size_t bytes = (size_t)count * ns->block_size;
    uint8_t *w = tl_pages(bytes + off), *r = tl_pages(bytes + off + 4096);
    for (size_t i = 0; i < bytes; i++)
        w[off + i] = (uint8_t)tl_rnd();
    struct done d[2];
    memset(d, 0, sizeof(d));
    int err = nvme_ns_cmd_write(ns, qp, w + off, lba, count, tl_done_cb, &d[0], 0);
    if (err == 0 && !tl_run_until(m, qp, &d[0], 1))
        err = -1001;
    if (err == 0)
        err = d[0].err;
    if (err == 0 && memcmp(m->ns[nsid].data + lba * ns->block_size, w + off, bytes) != 0)
        err = -1002; /* the media does not hold what was written */
    uint32_t roff = (off * 3 + 4) % 4096 & ~3u;
    if (err == 0)
        err = nvme_ns_cmd_read(ns, qp, r + roff, lba, count, tl_done_cb, &d[1], 0);
    if (err == 0 && !tl_run_until(m, qp, &d[1], 1))
        err = -1003;
    if (err == 0)
        err = d[1].err;
    if (err == 0 && memcmp(r + roff, w + off, bytes) != 0)
        err = -1004;
    free(w);
    free(r);
    return err;
}
