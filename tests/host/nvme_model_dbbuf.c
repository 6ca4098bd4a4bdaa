/*
 * tests/host/nvme_model_dbbuf.c - the in-memory controller's shadow
 * doorbells (see struct nvme_model's "Shadow doorbells" fields): the
 * Doorbell Buffer Config command [NVMe 1.4 §5.8], MMIO writes to shadowed
 * queues' registers seen and counted, and the pages watched after the
 * controller gives them back. The fetch loop and the CQ head that use the
 * slots are nvme_model.c's (model_step, cq_full).
 */
#include <stdlib.h>
#include <string.h>

#include "tests/host/nvme_model.h"

#define SC(sct, sc) ((uint16_t)(((sct) << 8) | (sc)))
#define DNR 0x4000u

/* Shadow doorbell pages handed to a model: current ones (which must not be
 * freed while the controller is enabled) and retired ones (poisoned at the
 * disable; still poisoned when the driver frees them, or it wrote them). */
static struct dbbuf_page {
    void *p;
    struct nvme_model *m;
    bool retired;
    uint32_t size; /* poisoned bytes (a CC.MPS page) */
} pages[32];

#define NPAGES (sizeof(pages) / sizeof(pages[0]))

static void page_add(struct nvme_model *m, uint64_t addr)
{
    for (unsigned i = 0; i < NPAGES; i++)
        if (pages[i].p == NULL) {
            pages[i] = (struct dbbuf_page){ (void *)(uintptr_t)addr, m, false, 0 };
            return;
        }
    abort(); /* the tests never have this many */
}

void model_dbbuf_freed(void *p)
{
    for (unsigned i = 0; i < NPAGES; i++) {
        struct dbbuf_page *d = &pages[i];
        if (d->p != p)
            continue;
        if (!d->retired && (d->m->cc & 1) && d->m->dbbuf_dbs)
            d->m->dbbuf_freed_in_use++;
        if (d->retired)
            for (unsigned k = 0; k < d->size; k++)
                if (((uint8_t *)p)[k] != MODEL_DB_POISON) {
                    d->m->dbbuf_stale_writes++;
                    break;
                }
        d->p = NULL;
    }
}

void model_dbbuf_reset(struct nvme_model *m, uint32_t page_size)
{
    if (m->dbbuf_dbs == 0)
        return;
    /* The pages are the host's again [1.4 §5.8: "not retained across a
     * Controller Level Reset"], and ours to watch. */
    model_dbbuf_check(m);
    for (unsigned i = 0; i < NPAGES; i++)
        if (pages[i].m == m && pages[i].p && !pages[i].retired) {
            memset(pages[i].p, MODEL_DB_POISON, page_size);
            pages[i].size = page_size;
            pages[i].retired = true;
        }
    m->dbbuf_dbs = m->dbbuf_eis = 0;
}

void model_dbbuf_forget(struct nvme_model *m)
{
    for (unsigned i = 0; i < NPAGES; i++)
        if (pages[i].m == m)
            pages[i].p = NULL;
}

/* Where queue qid's SQ tail (cq false) or CQ head sits, from the start of
 * the doorbell registers and of the shadow and EventIdx pages alike:
 * (2y (+1)) * (4 << CAP.DSTRD) [1.4 §3.1.10/§3.1.11, §5.8]. QEMU 7.2 uses
 * qid << 3, the same for the DSTRD 0 it reports. */
static uint64_t slot_offset(const struct nvme_model *m, unsigned qid, bool cq)
{
    uint64_t stride = 4ull << NVME_GET(m->cap, CAP_DSTRD);
    return (2ull * qid + (cq ? 1 : 0)) * stride;
}

bool model_dbbuf_covers(const struct nvme_model *m, unsigned qid)
{
    return m->dbbuf_dbs != 0 && slot_offset(m, qid, true) + 4 <= m->dbbuf_page_size;
}

uint32_t *model_dbbuf_slot(struct nvme_model *m, unsigned qid, bool cq, bool eventidx)
{
    uint64_t page = eventidx ? m->dbbuf_eis : m->dbbuf_dbs;
    return (uint32_t *)(uintptr_t)(page + slot_offset(m, qid, cq));
}

void model_dbbuf_check(struct nvme_model *m)
{
    if (m->dbbuf_dbs == 0)
        return;
    for (unsigned cq = 0; cq < 2; cq++)
        if (*model_dbbuf_slot(m, 0, cq, false) != MODEL_DB_ADMIN_MARK ||
            *model_dbbuf_slot(m, 0, cq, true) != MODEL_DB_ADMIN_MARK)
            m->dbbuf_admin_writes++;
}

static uint32_t *reg(struct nvme_model *m, unsigned qid, bool cq)
{
    return (uint32_t *)(void *)(m->bar + 0x1000 + slot_offset(m, qid, cq));
}

bool model_mmio_kick(struct nvme_model *m, unsigned qid, bool cq)
{
    uint32_t v;
    memcpy(&v, reg(m, qid, cq), 4);
    if (v == MODEL_DB_IDLE)
        return false;
    m->mmio_doorbells++;
    uint32_t idle = MODEL_DB_IDLE;
    memcpy(reg(m, qid, cq), &idle, 4);
    return true;
}

uint16_t model_dbbuf_config(struct nvme_model *m, uint64_t dbs, uint64_t eis, uint32_t page_size)
{
    m->dbbuf_cmds++;
    if (m->no_dbbuf)
        return SC(0, 0x01) | DNR;
    /* "a single physical memory page as defined by the CC.MPS field" */
    if (m->refuse_dbbuf || dbs == 0 || eis == 0 || (dbs & (page_size - 1)) ||
        (eis & (page_size - 1)))
        return SC(0, 0x02) | DNR;
    m->dbbuf_dbs = dbs;
    m->dbbuf_eis = eis;
    m->dbbuf_page_size = page_size;
    m->dbbuf_configs++;
    page_add(m, dbs);
    page_add(m, eis);
    for (unsigned cq = 0; cq < 2; cq++)
        *model_dbbuf_slot(m, 0, cq, false) = *model_dbbuf_slot(m, 0, cq, true) =
            MODEL_DB_ADMIN_MARK;
    /* Queues that exist already take the shadow page from now on, their
     * slots primed with what the registers said (as QEMU does). */
    for (unsigned q = 1; q < MODEL_MAX_QUEUES && model_dbbuf_covers(m, q); q++) {
        uint32_t v;
        if (m->sq[q].exists) {
            memcpy(&v, reg(m, q, false), 4);
            *model_dbbuf_slot(m, q, false, false) = v;
            m->sq[q].shadow = true;
        }
        if (m->cq[q].exists) {
            memcpy(&v, reg(m, q, true), 4);
            *model_dbbuf_slot(m, q, true, false) = v;
            m->cq[q].head = v;
            m->cq[q].shadow = true;
        }
        uint32_t idle = MODEL_DB_IDLE;
        memcpy(reg(m, q, false), &idle, 4);
        memcpy(reg(m, q, true), &idle, 4);
    }
    return 0;
}

uint32_t model_dbbuf_cq_head(struct nvme_model *m, unsigned cqid)
{
    struct model_queue *q = &m->cq[cqid];
    /* QEMU 7.2.x's order (its fix fa5db2aa, in the 7.2 stable series): the
     * event index gets the head known, then the shadow head is read. */
    *model_dbbuf_slot(m, cqid, true, true) = q->head;
    q->head = *model_dbbuf_slot(m, cqid, true, false);
    return q->head;
}

bool model_dbbuf_sq_kicked(struct nvme_model *m, unsigned qid)
{
    if (m->cq[qid].exists && m->cq[qid].shadow)
        model_mmio_kick(m, qid, true); /* counted; the head comes from the shadow page */
    return model_mmio_kick(m, qid, false) || m->sq[qid].active;
}

bool model_dbbuf_sq_next(struct nvme_model *m, unsigned qid, uint32_t *tail, unsigned *fetched)
{
    struct model_queue *q = &m->sq[qid];
    /* QEMU's loop: the event index gets the tail seen, then the tail is
     * read again from the shadow page. */
    *model_dbbuf_slot(m, qid, false, true) = *tail;
    *tail = *model_dbbuf_slot(m, qid, false, false);
    if (*tail >= q->size) {
        m->bad_doorbells++;
        return false;
    }
    return !(q->head != *tail && m->dbbuf_burst && (*fetched)++ == m->dbbuf_burst);
}
