/*
 * drivers/nvme/nvme_rawloop.c - the device's (or emulator's) floor, a driver
 * self-test ("nvme rawloop"): 4 KiB random Reads [NVM Command Set 1.0
 * §3.2.4] at a fixed queue depth on a polled queue pair of its own, with
 * SQEs written straight into the ring, one CQ and one SQ doorbell per batch
 * of completions [NVMe Base 2.0 §3.3.1], and none of the driver's
 * bookkeeping (no trackers, timeouts, retries, callbacks). Comparing it
 * with "bench" shows what the driver and the layers above it cost.
 *
 * The SQE and its data pointer come from the same builders as every other
 * command (nvme_cmd_rw, nvme_prp_short); the CID is the buffer slot.
 */
#include "drivers/nvme/nvme_dbbuf.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_status.h"
#include "kernel/kernel.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"

#define RAW_IO_BYTES 4096u

/* xorshift64*: the raw loop's LBAs, with no state beyond one word. */
static uint64_t raw_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

struct raw_loop {
    struct nvme_qpair *qp;
    struct nvme_ns *ns;
    nvme_phys_t buf_phys;
    uint32_t blocks;    /* per read */
    uint64_t units;     /* 4 KiB units in the namespace */
    uint64_t seed;
    uint16_t tail;
};

/* Writes slot's next read at the SQ tail (the doorbell comes later). */
static void raw_queue_read(struct raw_loop *r, uint16_t slot)
{
    struct nvme_qpair *qp = r->qp;
    struct nvme_sqe *e =
        (struct nvme_sqe *)((uint8_t *)qp->sq + ((size_t)r->tail << qp->sqe_shift));
    nvme_cmd_rw(e, NVME_IO_READ, r->ns->nsid, raw_next(&r->seed) % r->units * r->blocks,
                r->blocks, 0);
    nvme_prp_short(r->buf_phys + (nvme_phys_t)slot * RAW_IO_BYTES, RAW_IO_BYTES,
                   qp->ctrlr->page_size, &e->dptr.prp1, &e->dptr.prp2);
    e->cid = (uint16_t)(qp->cid_base + slot);
    r->tail = (uint16_t)((r->tail + 1) % qp->size);
}

int nvme_ns_rawloop(struct nvme_ns *ns, unsigned qd, uint64_t ms, uint64_t *iops_out)
{
    struct nvme_ctrlr *c = ns->ctrlr;
    /* Only a namespace the block layer could use: a made-up block size of
     * 0, no blocks or metadata would make the loop divide by zero or send
     * reads the device refuses. */
    if (ns->unusable || ns->block_size == 0 || ns->block_size > RAW_IO_BYTES || ns->md_size)
        return -EOPNOTSUPP;
    uint32_t blocks = RAW_IO_BYTES / ns->block_size;
    if (ns->nsze < blocks)
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
    struct raw_loop r = { qp, ns, 0, blocks, ns->nsze / blocks, 0x6e766f73726177ull, qp->sq_tail };
    uint8_t *buf = nvme_env_dma_alloc((size_t)qd * RAW_IO_BYTES, &r.buf_phys);
    if (buf == NULL) {
        nvme_ctrlr_free_io_qpair(qp);
        return -ENOMEM;
    }
    uint64_t ios = 0;
    uint16_t head = qp->cq_head, inflight = 0;
    uint8_t phase = qp->phase;
    int err = 0;
    uint16_t told = r.tail; /* the tail the device was last told */
    for (uint16_t i = 0; i < qd; i++, inflight++)
        raw_queue_read(&r, i);
    nvme_publish_before_doorbell();
    nvme_doorbell_update(qp, &qp->sq_db, r.tail, true);
    told = r.tail;
    uint64_t tsc_hz = clock_tsc_hz(), start = rdtsc();
    uint64_t end = start + ms * (tsc_hz / 1000), last = start;
    bool stopping = false;
    /* Reap, resubmit in place, one CQ and one SQ doorbell per batch: nothing else. */
    while (inflight) {
        const struct nvme_cqe *e = &qp->cq[head];
        uint64_t now = rdtsc();
        if ((__atomic_load_n(&e->status, __ATOMIC_RELAXED) & NVME_STATUS_P_MASK) != phase) {
            if (now - last > 5 * tsc_hz) {
                err = -ETIMEDOUT; /* the queue pair is leaked: the device may still write */
                break;
            }
            stopping |= now >= end;
            continue;
        }
        last = now;
        stopping |= now >= end;
        while ((__atomic_load_n(&qp->cq[head].status, __ATOMIC_RELAXED) & NVME_STATUS_P_MASK) ==
               phase) {
            nvme_read_barrier();
            uint16_t cid = (uint16_t)(qp->cq[head].cid - qp->cid_base);
            if (nvme_status_is_error(qp->cq[head].status))
                err = -EIO;
            if (++head == qp->size) {
                head = 0;
                phase ^= 1;
            }
            inflight--;
            ios++;
            if (!stopping && cid < qd) {
                raw_queue_read(&r, cid);
                inflight++;
            }
        }
        nvme_doorbell_update(qp, &qp->cq_db, head, false);
        if (r.tail != told) {
            nvme_publish_before_doorbell();
            nvme_doorbell_update(qp, &qp->sq_db, r.tail, true);
            told = r.tail;
        }
    }
    uint64_t elapsed = rdtsc() - start;
    if (err == -ETIMEDOUT)
        return err;
    nvme_env_dma_free(buf, (size_t)qd * RAW_IO_BYTES);
    /* The driver's view of the rings no longer matters: the pair goes. */
    nvme_ctrlr_free_io_qpair(qp);
    *iops_out = elapsed ? ios * tsc_hz / elapsed : 0; /* per second */
    return err;
}
