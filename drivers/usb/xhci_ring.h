/*
 * drivers/usb/xhci_ring.h - xHCI transfer/command rings and the event ring,
 * as memory the controller shares with us.
 *
 * [xHCI 1.2 §4.9 "TRB Ring"] A producer writes TRBs with its cycle state in
 * the Cycle bit; the consumer owns every TRB whose Cycle bit equals its own
 * cycle state. [§4.11.5.1] Command and transfer rings end in a Link TRB with
 * Toggle Cycle set, pointing back to the start. [§4.9.4] The event ring is
 * produced by the controller; software follows the Cycle bit, flips its
 * cycle state at the end of the segment and reports progress through ERDP.
 * Pure (the caller provides zeroed memory and its physical address),
 * host-tested.
 */
#ifndef NVOS_DRIVERS_USB_XHCI_RING_H
#define NVOS_DRIVERS_USB_XHCI_RING_H

#include <stdint.h>

#include "drivers/usb/xhci_regs.h"

struct xhci_ring {
    struct xhci_trb *trbs;
    uint64_t phys;
    unsigned size; /* TRBs including the Link TRB */
    unsigned enq;
    uint32_t cycle; /* producer cycle state */
};

/* trbs: size zeroed TRBs at physical address phys; size >= 2. */
void xhci_ring_init(struct xhci_ring *r, struct xhci_trb *trbs, uint64_t phys, unsigned size);
/* Writes a TRB (control dword, with the cycle bit, last) at the enqueue
 * pointer and returns its physical address; steps over the Link TRB,
 * handing it to the controller and toggling the cycle state. */
uint64_t xhci_ring_push(struct xhci_ring *r, uint64_t param, uint32_t status, uint32_t control);

struct xhci_event_ring {
    const struct xhci_trb *trbs;
    uint64_t phys;
    unsigned size;
    unsigned deq;
    uint32_t cycle; /* consumer cycle state */
};

void xhci_event_ring_init(struct xhci_event_ring *e, const struct xhci_trb *trbs, uint64_t phys,
                          unsigned size);
/* The next event the controller has posted (copied to *out), or 0 if none. */
int xhci_event_next(struct xhci_event_ring *e, struct xhci_trb *out);
/* Physical address of the dequeue pointer, for ERDP. */
uint64_t xhci_event_dequeue(const struct xhci_event_ring *e);

#endif
