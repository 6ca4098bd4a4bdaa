/*
 * drivers/usb/usb_halt.c - halted interrupt endpoint recovery (xHCI 1.2
 * §4.10.2, §4.6.8, §4.6.10; USB 2.0 §9.4.5); see usb_halt.h.
 */
#include "drivers/usb/usb_halt.h"

#include "drivers/usb/xhci_regs.h"
#include "lib/errno.h"

bool usb_halt_cc_halts(uint8_t cc)
{
    return cc == XHCI_CC_BABBLE_DETECTED || cc == XHCI_CC_USB_TRANSACTION_ERROR ||
           cc == XHCI_CC_STALL_ERROR || cc == XHCI_CC_SPLIT_TRANSACTION_ERROR;
}

bool usb_halt_note(struct usb_halt *h, uint8_t cc)
{
    if (h->state != USB_EP_RUNNING)
        return false; /* a late event for a halted or abandoned endpoint */
    if (cc == XHCI_CC_SUCCESS || cc == XHCI_CC_SHORT_PACKET) {
        h->tries = 0;
        return true;
    }
    h->cc = cc;
    if (!usb_halt_cc_halts(cc) || h->tries >= USB_HALT_TRIES)
        h->state = USB_EP_GAVE_UP;
    else
        h->state = USB_EP_HALTED;
    h->step = 0;
    return false;
}

int usb_halt_recover(struct usb_halt *h, const struct usb_halt_ops *ops, void *ctx)
{
    if (h->state != USB_EP_HALTED)
        return 0;
    h->tries++;
    /* Each step needs the one before: a Set TR Dequeue Pointer on a Halted
     * endpoint is a Context State Error, a doorbell before it re-runs the
     * failed TRB. The device's halt is cleared last, once the controller
     * holds no transfer for the endpoint. */
    int (*const steps[])(void *) = { ops->reset_endpoint, ops->set_dequeue, ops->clear_halt };
    while (h->step < 3 && steps[h->step](ctx) == 0)
        h->step++;
    if (h->step == 3) {
        h->state = USB_EP_RUNNING;
        ops->requeue(ctx);
        return 0;
    }
    if (h->tries >= USB_HALT_TRIES) {
        h->state = USB_EP_GAVE_UP;
        return -EIO;
    }
    return -EAGAIN;
}
