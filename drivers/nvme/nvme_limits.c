/*
 * drivers/nvme/nvme_limits.c - limits derived from the controller (see
 * nvme_limits.h), each bounded and printed once at init.
 */
#include "drivers/nvme/nvme_limits.h"

#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_quirks.h"
#include "kernel/kernel.h"
#include "lib/errno.h"

uint64_t nvme_ready_timeout_ns(uint64_t cap, uint32_t crto, int *capped)
{
    /* [§3.1.3.1] CAP.TO in 500 ms units; one unit more so that TO=0 still
     * waits (U-Boot failed at once). [§3.1.3.21] CRWMT applies with
     * CC.CRIME=0, and Linux takes the larger of the two. */
    uint64_t t = ((uint64_t)NVME_GET(cap, CAP_TO) + 1) * 500 * NSEC_PER_MSEC;
    if (NVME_GET(cap, CAP_CRMS) & NVME_CAP_CRMS_CRWMS) {
        uint64_t crwmt = ((uint64_t)NVME_GET(crto, CRTO_CRWMT) + 1) * 500 * NSEC_PER_MSEC;
        if (crwmt > t)
            t = crwmt;
    }
    *capped = t > NVME_READY_TIMEOUT_MAX_NS;
    return *capped ? NVME_READY_TIMEOUT_MAX_NS : t;
}

int nvme_limits_from_cap(struct nvme_ctrlr *c, uint32_t crto)
{
    int capped;
    c->ready_timeout_ns = nvme_ready_timeout_ns(c->cap, crto, &capped);
    if (capped)
        kprintf("%s: CRTO.CRWMT %u (%u s) capped: waiting at most %llu s for CSTS.RDY\n",
                c->name, (unsigned)NVME_GET(crto, CRTO_CRWMT),
                ((unsigned)NVME_GET(crto, CRTO_CRWMT) + 1) / 2,
                (unsigned long long)(NVME_READY_TIMEOUT_MAX_NS / NSEC_PER_SEC));
    /* [§3.1.3.5] CC.MPS within CAP.MPSMIN..MPSMAX: 4 KiB (the kernel's
     * page, and every buffer's alignment) when allowed, else MPSMIN, the
     * smallest the controller takes; served up to NVME_MPS_SERVED_MAX. */
    unsigned mpsmin = (unsigned)NVME_GET(c->cap, CAP_MPSMIN);
    unsigned mpsmax = (unsigned)NVME_GET(c->cap, CAP_MPSMAX);
    if (mpsmin > mpsmax) {
        kprintf("%s: CAP.MPSMIN %u > MPSMAX %u\n", c->name, mpsmin, mpsmax);
        return -EINVAL;
    }
    if (mpsmin > NVME_MPS_SERVED_MAX) {
        kprintf("%s: refused: the controller's smallest memory page is %u KiB (CAP.MPSMIN %u); "
                "nvos serves pages of at most %u KiB\n", c->name, 4u << mpsmin, mpsmin,
                4u << NVME_MPS_SERVED_MAX);
        return -EOPNOTSUPP;
    }
    c->mps = mpsmin;
    c->page_size = 4096u << c->mps;
    kprintf("%s: memory page size %u KiB (CC.MPS %u; controller allows %u..%u KiB)\n", c->name,
            c->page_size / 1024, c->mps, 4u << mpsmin, 4u << mpsmax);
    uint32_t mqes = (uint32_t)NVME_GET(c->cap, CAP_MQES) + 1;
    c->io_queue_size_max = (uint16_t)(mqes > NVME_MAX_QUEUE_SIZE ? NVME_MAX_QUEUE_SIZE : mqes);
    if (c->io_queue_size_max < 2) {
        /* MQES=0 is invalid (Linux sees it on the Samsung PM1725 and uses 64). */
        kprintf("%s: CAP.MQES is 0; assuming 64 entries\n", c->name);
        c->io_queue_size_max = 64;
    }
    return 0;
}

void nvme_limits_from_identify(struct nvme_ctrlr *c)
{
    /* [§5.17.2.1] MAXCMD: commands processed at one time per queue; 0 means
     * not reported (it is required only of fabrics controllers), and then
     * the queue size is the only limit - no number is made up. */
    c->max_cmds = c->id->maxcmd;
    if (c->max_cmds)
        kprintf("%s: MAXCMD %u: at most %u commands in flight per I/O queue\n", c->name,
                c->max_cmds, c->max_cmds);
}

uint16_t nvme_qpair_tracker_count(const struct nvme_ctrlr *c, uint16_t id, uint16_t size)
{
    /* One slot always stays empty: a full SQ has tail + 1 == head. */
    uint32_t n = (uint32_t)size - 1;
    if (id != 0 && (c->quirks & NVME_QUIRK_SHARED_TAGS)) {
        /* CIDs NVME_ADMIN_QUEUE_SIZE.. below the queue depth (Apple T2). */
        n = size > NVME_ADMIN_QUEUE_SIZE + 1 ? (uint32_t)size - 1 - NVME_ADMIN_QUEUE_SIZE : 0;
    }
    if (id != 0 && c->max_cmds && n > c->max_cmds)
        n = c->max_cmds;
    return (uint16_t)n;
}

uint32_t nvme_aec_events(const struct nvme_ctrlr *c)
{
    /* [§5.27.1.11] bits 7:0 mirror the SMART Critical Warning bits: 4:0
     * always defined, bit 5 (PMR read-only) only with a PMR (CAP.PMRS),
     * 7:6 reserved. Bit 8 (Namespace Attribute Notices) only if OAES says
     * the controller sends them. */
    uint32_t events = 0x1Fu;
    if (NVME_GET(c->cap, CAP_PMRS))
        events |= 1u << 5;
    if (c->id->oaes & (1u << 8))
        events |= NVME_SET(FEAT_AEC_NAN, 1);
    return events;
}

uint64_t nvme_ctrlr_recovery_worst_ns(const struct nvme_ctrlr *c)
{
    uint32_t pairs = 0;
    for (const struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next)
        pairs++;
    uint64_t admin_cmds = 2 + 2ull * pairs; /* Number of Queues, AEC, create CQ + SQ each */
    uint64_t t = c->io_timeout_ns + c->admin_timeout_ns; /* the timeout, then Abort */
    t += 3 * c->ready_timeout_ns;                        /* RDY=1 first, RDY=0, RDY=1 */
    if (c->quirks & NVME_QUIRK_DELAY_BEFORE_CHK_RDY)
        t += (uint64_t)NVME_QUIRK_DELAY_MS * NSEC_PER_MSEC;
    return t + admin_cmds * c->admin_timeout_ns;
}

void nvme_limits_fewer_queues(struct nvme_ctrlr *c, uint32_t granted)
{
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next) {
        if (qp->id <= granted || qp->orphaned)
            continue;
        kprintf("%s: queue pair %u not re-created (the controller now grants %u); its "
                "commands fail with ENODEV\n", c->name, qp->id, granted);
        qp->orphaned = true;
        qp->created = false;
        if (c->block_qp_poll == qp)
            c->block_qp_poll = c->block_qp_irq;
    }
}
