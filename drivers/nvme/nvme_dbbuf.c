/*
 * drivers/nvme/nvme_dbbuf.c - shadow doorbells: the Doorbell Buffer Config
 * command and the pages it hands over [NVMe Base 1.3 §5.7, 1.4 §5.8,
 * 2.0 §5.8; OACS bit 8]. The doorbell updates themselves are nvme_dbbuf.h's.
 *
 * Life of the pages, per controller enable:
 *   - the init step (after Number of Queues, before any I/O queue exists,
 *     as Linux orders it) allocates a fresh Shadow Doorbell page and a fresh
 *     EventIdx page, one memory page (CC.MPS) each, and sends the command;
 *     every I/O queue created afterwards gets its slots, zeroed, before its
 *     Create commands (a QID used before may have left values there);
 *   - a reset retires them before it disables the controller: no queue
 *     writes them from then on, and they are freed only once the controller
 *     is disabled (it may read and write them until then) - when the next
 *     enable's step has its own new pages, or when an undo has disabled it.
 *     Pages of an earlier enable are never written again, and never given
 *     out again while the controller could still use them.
 * The slots mirror the doorbell registers' layout: SQ y's tail at
 * (2y) * (4 << CAP.DSTRD) bytes, CQ y's head at (2y + 1) * (4 << CAP.DSTRD)
 * [1.4 §5.8: buffers that "mirror the controller's doorbell registers"].
 * QEMU 7.2 computes them for DSTRD 0 only (qid << 3), which is what it
 * reports. The admin queue keeps its MMIO doorbells.
 *
 * Interrupt-driven CQs on INTx write their shadow slot and always the MMIO
 * head too: QEMU lowers the pin only on an MMIO CQ head write, so a skipped
 * one would leave a level-triggered line asserted.
 *
 * nvme.dbbuf=0 (c->dbbuf_off) leaves the command unsent; a controller
 * without OACS bit 8, or one that refuses the command, keeps MMIO doorbells
 * (reported, not an error).
 */
#include <string.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_dbbuf.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_spec_id.h"
#include "kernel/kernel.h"
#include "lib/errno.h"

void nvme_doorbell_update_slow(struct nvme_qpair *qp, struct nvme_doorbell *db, uint16_t new_idx,
                               bool sq)
{
    if (qp->clocks) {
        uint64_t t0 = rdtsc();
        doorbell_update(qp, db, new_idx);
        qp->stats.doorbell_tsc += rdtsc() - t0;
    } else {
        doorbell_update(qp, db, new_idx);
    }
    if (qp->trace)
        nvme_trace_doorbell(qp, sq, new_idx);
}

static void free_pages(struct nvme_ctrlr *c, uint32_t *shadow, uint32_t *eventidx)
{
    nvme_env_dma_free(shadow, c->page_size);
    nvme_env_dma_free(eventidx, c->page_size);
}

void nvme_dbbuf_free_retired(struct nvme_ctrlr *c)
{
    if (c->dbbuf_retired[0] == NULL)
        return;
    free_pages(c, c->dbbuf_retired[0], c->dbbuf_retired[1]);
    c->dbbuf_retired[0] = c->dbbuf_retired[1] = NULL;
}

static void detach(struct nvme_qpair *qp)
{
    struct nvme_qtoken tok = nvme_qpair_lock(qp);
    qp->sq_db.shadow = qp->sq_db.eventidx = NULL;
    qp->cq_db.shadow = qp->cq_db.eventidx = NULL;
    nvme_qpair_update_db_mode(qp);
    nvme_qpair_unlock(qp, tok);
}

/* Pages the controller may hold: kept until it is disabled. */
static void keep_until_disabled(struct nvme_ctrlr *c, uint32_t *shadow, uint32_t *eventidx)
{
    if (c->dbbuf_retired[0] != NULL) {
        /* Two enables' pages pending means a disable never completed: the
         * older ones stay allocated for good rather than risk DMA into
         * memory given out again. */
        kprintf("%s: shadow doorbell pages of an earlier enable are still pending; "
                "they stay allocated\n", c->name);
    }
    c->dbbuf_retired[0] = shadow;
    c->dbbuf_retired[1] = eventidx;
}

void nvme_dbbuf_retire(struct nvme_ctrlr *c)
{
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next)
        detach(qp);
    if (c->dbbuf_shadow == NULL)
        return;
    keep_until_disabled(c, c->dbbuf_shadow, c->dbbuf_eventidx);
    c->dbbuf_shadow = c->dbbuf_eventidx = NULL;
}

int nvme_dbbuf_configure(struct nvme_ctrlr *c)
{
    /* Every run of this step follows a disable (the init sequence's, or the
     * reset's): what an earlier enable used can go once the new pages are
     * taken, so the two never share an address. */
    if (c->dbbuf_off || !(c->id->oacs & NVME_OACS_DBBUF_CONFIG) || c->max_io_qpairs == 0) {
        nvme_dbbuf_free_retired(c);
        if (c->trace)
            kprintf("%s: shadow doorbells not used (%s)\n", c->name,
                    c->dbbuf_off ? "nvme.dbbuf=0"
                    : c->max_io_qpairs == 0 ? "no I/O queues"
                                            : "OACS bit 8 clear: no Doorbell Buffer Config");
        return 0;
    }
    nvme_phys_t shadow_phys = 0, eventidx_phys = 0;
    /* "a single physical memory page as defined by the CC.MPS field" */
    uint32_t *shadow = nvme_env_dma_alloc_aligned(c->page_size, c->page_size, &shadow_phys);
    uint32_t *eventidx = nvme_env_dma_alloc_aligned(c->page_size, c->page_size, &eventidx_phys);
    if (shadow == NULL || eventidx == NULL) {
        free_pages(c, shadow, eventidx);
        nvme_dbbuf_free_retired(c);
        kprintf("%s: no memory for the shadow doorbell pages; doorbells stay MMIO\n", c->name);
        return 0;
    }
    struct nvme_sqe cmd;
    struct nvme_cpl cpl;
    nvme_cmd_dbbuf_config(&cmd, shadow_phys, eventidx_phys);
    int err = nvme_admin_sync(c, &cmd, NULL, 0, &cpl);
    nvme_dbbuf_free_retired(c);
    if (err) {
        nvme_admin_failed(c, "Doorbell Buffer Config", &cpl);
        kprintf("%s: doorbells stay MMIO\n", c->name);
        if (err == -ETIMEDOUT || err == -ENODEV) /* it may have taken them */
            keep_until_disabled(c, shadow, eventidx);
        else /* refused, or never sent */
            free_pages(c, shadow, eventidx);
        return 0;
    }
    c->dbbuf_shadow = shadow;
    c->dbbuf_eventidx = eventidx;
    c->dbbuf_configs++;
    kprintf("%s: shadow doorbells on (Doorbell Buffer Config %llu: shadow page %#llx, "
            "event index page %#llx)\n",
            c->name, (unsigned long long)c->dbbuf_configs, (unsigned long long)shadow_phys,
            (unsigned long long)eventidx_phys);
    return 0;
}

void nvme_dbbuf_attach_qpair(struct nvme_ctrlr *c, struct nvme_qpair *qp)
{
    detach(qp);
    if (c->dbbuf_shadow == NULL || qp->id == 0)
        return;
    size_t stride = (size_t)4 << c->dstrd;
    size_t sq_off = 2 * (size_t)qp->id * stride, cq_off = sq_off + stride;
    if (cq_off + sizeof(uint32_t) > c->page_size)
        return; /* past the page: this queue keeps MMIO doorbells */
    uint32_t *sq_shadow = (uint32_t *)((uint8_t *)c->dbbuf_shadow + sq_off);
    uint32_t *cq_shadow = (uint32_t *)((uint8_t *)c->dbbuf_shadow + cq_off);
    uint32_t *sq_ei = (uint32_t *)((uint8_t *)c->dbbuf_eventidx + sq_off);
    uint32_t *cq_ei = (uint32_t *)((uint8_t *)c->dbbuf_eventidx + cq_off);
    /* The queue does not exist on the device yet: nothing reads these. */
    *sq_shadow = *cq_shadow = *sq_ei = *cq_ei = 0;
    struct nvme_qtoken tok = nvme_qpair_lock(qp);
    qp->sq_db.told = qp->sq_tail; /* the queue is new: both are 0 */
    qp->cq_db.told = qp->cq_head;
    qp->sq_db.shadow = sq_shadow;
    qp->sq_db.eventidx = sq_ei;
    qp->cq_db.shadow = cq_shadow;
    qp->cq_db.eventidx = qp->irq && c->irq_mode == NVME_IRQ_INTX ? NULL : cq_ei;
    nvme_qpair_update_db_mode(qp);
    nvme_qpair_unlock(qp, tok);
}
