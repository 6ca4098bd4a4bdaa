/*
 * drivers/nvme/nvme_dbbuf.h - every doorbell update of an I/O or admin
 * queue, with shadow doorbells and event indexes when the controller has
 * them [NVMe Base 1.3 §5.7, 1.4 §5.8, 2.0 §5.8 Doorbell Buffer Config;
 * 1.3 §7.13 "Updating Controller Doorbell Properties using a Shadow
 * Doorbell Buffer"].
 *
 * After a Doorbell Buffer Config command (nvme_dbbuf.c) the controller reads
 * each I/O queue's SQ tail and CQ head from the Shadow Doorbell page and
 * writes, in the EventIdx page, the value at which it wants the next MMIO
 * doorbell write. A doorbell update is then: the new value into the shadow
 * slot, a full barrier (the store must be visible before the EventIdx load:
 * x86 may reorder a store with a later load), the EventIdx read, and the
 * MMIO write only when the update moved past the event index - the test of
 * virtio's vring_need_event and Linux's nvme_dbbuf_need_event:
 *
 *     (u16)(new - event_idx - 1) < (u16)(new - old)
 *
 * i.e. event_idx lies in [old, new) modulo 2^16. Every skipped MMIO write is
 * one VM exit saved under a hypervisor; the count is qp->stats.doorbells_saved.
 *
 * The admin queue never has shadow slots (the spec leaves it to MMIO and
 * Linux never shadows it); its pointers stay NULL and it takes the plain path.
 */
#ifndef NVOS_DRIVERS_NVME_NVME_DBBUF_H
#define NVOS_DRIVERS_NVME_NVME_DBBUF_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_mmio.h"

/* Does moving the index from old to new pass event_idx? (modulo 2^16) */
static inline bool nvme_dbbuf_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

/* A queue with shadow slots (both of its doorbells have them, or neither). */
static NVME_ALWAYS_INLINE void shadow_update(struct nvme_qpair *qp, struct nvme_doorbell *db,
                                             uint16_t new_idx)
{
    uint16_t old_idx = db->told;
    db->told = new_idx;
    __atomic_store_n(db->shadow, (uint32_t)new_idx, __ATOMIC_RELAXED);
    if (db->eventidx != NULL) {
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        uint16_t ei = (uint16_t)__atomic_load_n(db->eventidx, __ATOMIC_RELAXED);
        if (!nvme_dbbuf_need_event(ei, new_idx, old_idx)) {
            qp->stats.doorbells_saved++;
            return;
        }
    }
    nvme_ring_doorbell(db->mmio, new_idx);
}

static NVME_ALWAYS_INLINE void doorbell_update(struct nvme_qpair *qp, struct nvme_doorbell *db,
                                               uint16_t new_idx)
{
    if (db->shadow != NULL)
        shadow_update(qp, db, new_idx);
    else
        nvme_ring_doorbell(db->mmio, new_idx);
}

/* Clocks and/or the trace on (benchmarks, nvme.trace, capture): the update
 * timed, then traced (nvme_dbbuf.c). */
void nvme_doorbell_update_slow(struct nvme_qpair *qp, struct nvme_doorbell *db, uint16_t new_idx,
                               bool sq);

/*
 * Tells the controller the queue's index (SQ tail, sq true, or CQ head) is
 * now new_idx: shadow slot, barrier, event index, and the MMIO write only
 * when needed (the old index is the one last written to the shadow slot,
 * db->told). One byte, qp->db_mode, says whether anything but the plain
 * MMIO write is to be done, so the MMIO-only path costs one test more than
 * the write. Queue entries must already be published
 * (nvme_publish_before_doorbell). The trace (nvme_trace_doorbell, after
 * the update) tells a skipped MMIO write by the doorbells_saved count.
 */
static NVME_ALWAYS_INLINE void nvme_doorbell_update(struct nvme_qpair *qp,
                                                    struct nvme_doorbell *db, uint16_t new_idx,
                                                    bool sq)
{
    uint8_t mode = qp->db_mode;
    if (likely(mode == 0))
        nvme_ring_doorbell(db->mmio, new_idx);
    else if (likely(mode == NVME_DB_SHADOW))
        shadow_update(qp, db, new_idx);
    else
        nvme_doorbell_update_slow(qp, db, new_idx, sq);
}

/* ---- nvme_dbbuf.c ---- */

/* The init step (after Number of Queues, before the I/O queues): fresh
 * pages, the command, and the pages of the previous enable freed. */
int nvme_dbbuf_configure(struct nvme_ctrlr *c);
/* Before a controller reset or when undoing the step: stop writing the
 * pages (every queue back to MMIO); the controller may still read them
 * until it is disabled, so they are kept until nvme_dbbuf_free_retired. */
void nvme_dbbuf_retire(struct nvme_ctrlr *c);
/* Once the controller is disabled: frees pages retired earlier. */
void nvme_dbbuf_free_retired(struct nvme_ctrlr *c);
/* Before Create I/O CQ/SQ: points the queue at its zeroed slots (or at
 * none when shadow doorbells are off). */
void nvme_dbbuf_attach_qpair(struct nvme_ctrlr *c, struct nvme_qpair *qp);

#endif
