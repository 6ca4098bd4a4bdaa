/*
 * drivers/nvme/nvme_rawloop.c - the emulator's floor (see nvme_rawloop.h):
 * 4 KiB random Reads [NVM Command Set 1.0 §3.2.4] written straight into an
 * I/O submission queue of its own and reaped straight from its completion
 * queue [NVMe Base 2.0 §3.3.1 (circular queues, Phase Tag)], with none of
 * the driver's bookkeeping.
 * A driver self-test ("nvme rawloop"), not part of the benchmark: it works
 * on the queue pair's rings, which only the driver may touch.
 */
#include <string.h>

#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_rawloop.h"
#include "drivers/nvme/nvme_status.h"
#include "kernel/kernel.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"

/* xorshift64*: the raw loop's LBAs, with no state beyond one word. */
static uint64_t raw_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static void raw_read_sqe(struct nvme_sqe *e, uint16_t cid, uint32_t nsid, nvme_phys_t buf,
                         uint64_t lba, uint32_t blocks)
{
    memset(e, 0, sizeof(*e));
    e->opc = NVME_IO_READ;
    e->cid = cid;
    e->nsid = nsid;
    e->dptr.prp1 = buf;
    e->cdw10 = (uint32_t)lba;
    e->cdw11 = (uint32_t)(lba >> 32);
    e->cdw12 = NVME_SET(RW_CDW12_NLB, blocks - 1);
}

int nvme_bench_rawloop(struct nvme_ns *ns, unsigned qd, uint64_t ms, uint64_t *ios_out)
{
    struct nvme_ctrlr *c = ns->ctrlr;
    uint32_t blocks = 4096 / ns->block_size ? 4096 / ns->block_size : 1;
    if (ns->md_size || ns->block_size > 4096 || ns->nsze < blocks)
        return -EOPNOTSUPP;
    struct nvme_io_qpair_opts o;
    nvme_ctrlr_get_default_io_qpair_opts(c, &o);
    o.interrupts = false;
    if (qd + 1 > o.io_queue_size)
        o.io_queue_size = qd + 1;
    struct nvme_qpair *qp = nvme_ctrlr_alloc_io_qpair(c, &o);
    if (qp == NULL)
        return -ENOSPC;
    if (qd == 0 || qd >= qp->size) {
        nvme_ctrlr_free_io_qpair(qp);
        return -ERANGE;
    }
    nvme_phys_t phys;
    uint8_t *buf = nvme_env_dma_alloc((size_t)qd * 4096, &phys);
    int err = 0;
    if (buf == NULL) {
        nvme_ctrlr_free_io_qpair(qp);
        return -ENOMEM;
    }
    uint64_t units = ns->nsze / blocks, seed = 0x6e766f73726177ull, ios = 0;
    uint16_t tail = qp->sq_tail, head = qp->cq_head, inflight = 0;
    uint8_t phase = qp->phase;
    for (uint16_t i = 0; i < qd; i++) {
        raw_read_sqe(&qp->sq[tail], i, ns->nsid, phys + (nvme_phys_t)i * 4096,
                     raw_next(&seed) % units * blocks, blocks);
        tail = (uint16_t)((tail + 1) % qp->size);
        inflight++;
    }
    nvme_publish_before_doorbell();
    nvme_ring_doorbell(qp->sq_db, tail);
    uint64_t tsc_hz = clock_tsc_hz(), start = rdtsc();
    uint64_t end = start + ms * (tsc_hz / 1000), last = start;
    bool stopping = false;
    /* Reap, resubmit in place, one CQ and one SQ doorbell per batch: nothing else. */
    while (inflight) {
        const struct nvme_cqe *e = &qp->cq[head];
        uint64_t now = rdtsc();
        if ((__atomic_load_n(&e->status, __ATOMIC_RELAXED) & 1) != phase) {
            if (now - last > 5 * tsc_hz) {
                err = -ETIMEDOUT; /* the queue pair is leaked: the device may still write */
                break;
            }
            stopping |= now >= end;
            continue;
        }
        last = now;
        stopping |= now >= end;
        while ((__atomic_load_n(&qp->cq[head].status, __ATOMIC_RELAXED) & 1) == phase) {
            nvme_read_barrier();
            uint16_t cid = qp->cq[head].cid;
            if (nvme_status_is_error(qp->cq[head].status))
                err = -EIO;
            if (++head == qp->size) {
                head = 0;
                phase ^= 1;
            }
            inflight--;
            ios++;
            if (!stopping && cid < qd) {
                raw_read_sqe(&qp->sq[tail], cid, ns->nsid, phys + (nvme_phys_t)cid * 4096,
                             raw_next(&seed) % units * blocks, blocks);
                tail = (uint16_t)((tail + 1) % qp->size);
                inflight++;
            }
        }
        nvme_ring_doorbell(qp->cq_db, head);
        nvme_publish_before_doorbell();
        nvme_ring_doorbell(qp->sq_db, tail);
    }
    uint64_t elapsed = rdtsc() - start;
    if (err == -ETIMEDOUT)
        return err;
    nvme_env_dma_free(buf, (size_t)qd * 4096);
    /* The driver's view of the rings no longer matters: the pair goes. */
    nvme_ctrlr_free_io_qpair(qp);
    *ios_out = elapsed ? ios * tsc_hz / elapsed : 0; /* per second */
    return err;
}
