/*
 * drivers/usb/xhci_ring.c - producer and event rings (see xhci_ring.h).
 */
#include "drivers/usb/xhci_ring.h"

#include <string.h>

void xhci_ring_init(struct xhci_ring *r, struct xhci_trb *trbs, uint64_t phys, unsigned size)
{
    r->trbs = trbs;
    r->phys = phys;
    r->size = size;
    r->enq = 0;
    r->cycle = 1;
    struct xhci_trb *link = &trbs[size - 1];
    link->parameter = phys;
    link->status = 0;
    link->control = XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_LINK) | XHCI_TRB_TC;
}

uint64_t xhci_ring_push(struct xhci_ring *r, uint64_t param, uint32_t status, uint32_t control)
{
    struct xhci_trb *t = &r->trbs[r->enq];
    uint64_t at = r->phys + (uint64_t)r->enq * sizeof(struct xhci_trb);
    t->parameter = param;
    t->status = status;
    /* The controller may look at this TRB as soon as the cycle bit matches. */
    __atomic_store_n(&t->control, (control & ~XHCI_TRB_CYCLE) | r->cycle, __ATOMIC_RELEASE);
    if (++r->enq == r->size - 1) {
        struct xhci_trb *link = &r->trbs[r->size - 1];
        __atomic_store_n(&link->control, (link->control & ~XHCI_TRB_CYCLE) | r->cycle,
                         __ATOMIC_RELEASE);
        r->cycle ^= 1;
        r->enq = 0;
    }
    return at;
}

void xhci_event_ring_init(struct xhci_event_ring *e, const struct xhci_trb *trbs, uint64_t phys,
                          unsigned size)
{
    e->trbs = trbs;
    e->phys = phys;
    e->size = size;
    e->deq = 0;
    e->cycle = 1;
}

int xhci_event_next(struct xhci_event_ring *e, struct xhci_trb *out)
{
    const struct xhci_trb *t = &e->trbs[e->deq];
    /* Cycle bit first; the rest of the TRB only after it (acquire). */
    uint32_t control = __atomic_load_n(&t->control, __ATOMIC_ACQUIRE);
    if ((control & XHCI_TRB_CYCLE) != e->cycle)
        return 0;
    out->parameter = t->parameter;
    out->status = t->status;
    out->control = control;
    if (++e->deq == e->size) {
        e->deq = 0;
        e->cycle ^= 1;
    }
    return 1;
}

uint64_t xhci_event_dequeue(const struct xhci_event_ring *e)
{
    return e->phys + (uint64_t)e->deq * sizeof(struct xhci_trb);
}
