/*
 * drivers/usb/usb_halt.h - recovering an interrupt endpoint that halted.
 *
 * [xHCI 1.2 §4.10.2] A Babble, USB Transaction Error, Split Transaction
 * Error or Stall completion leaves the endpoint Halted: the controller runs
 * none of its TRBs until software recovers it [§4.6.8 Reset Endpoint: Halted
 * to Stopped; §4.6.10 Set TR Dequeue Pointer: move past the failed TRB]. The
 * device's side: after a STALL its endpoint is halted too, and a Reset
 * Endpoint (TSP 0) sets the host's data toggle back to DATA0 whatever the
 * completion code; [USB 2.0 §9.4.5] CLEAR_FEATURE(ENDPOINT_HALT) clears the
 * device's halt and resets its toggle to DATA0 "regardless of whether an
 * endpoint has the Halt feature set", so it is sent after every recovery
 * and both sides start again in step.
 *
 * The steps need command and control-transfer waits, so the interrupt
 * handler only records the halt (usb_halt_note) and the driver's poll runs
 * usb_halt_recover() with the driver's four steps as function pointers (the
 * host test gives fakes). An endpoint that fails USB_HALT_TRIES recoveries
 * without one good transfer in between is given up. Pure, host-tested.
 */
#ifndef NVOS_DRIVERS_USB_USB_HALT_H
#define NVOS_DRIVERS_USB_USB_HALT_H

#include <stdbool.h>
#include <stdint.h>

#define USB_HALT_TRIES 3

enum usb_halt_state {
    USB_EP_RUNNING,
    USB_EP_HALTED,   /* recovery due (from the poll) */
    USB_EP_GAVE_UP,  /* not recoverable or kept halting: left alone */
};

struct usb_halt {
    enum usb_halt_state state;
    uint8_t cc;      /* the completion code that halted it */
    unsigned tries;  /* recoveries since the last good transfer */
    unsigned step;   /* the recovery's next step: a failed step is tried again, not the
                      * ones before it (a second Reset Endpoint on the Stopped endpoint
                      * would be a Context State Error) */
};

struct usb_halt_ops {
    int (*reset_endpoint)(void *ctx); /* [§4.6.8] Reset Endpoint, TSP 0 */
    int (*set_dequeue)(void *ctx);    /* [§4.6.10] dequeue = the ring's enqueue pointer */
    int (*clear_halt)(void *ctx);     /* [USB 2.0 §9.4.1] CLEAR_FEATURE(ENDPOINT_HALT) */
    void (*requeue)(void *ctx);       /* queue the next transfer, ring the doorbell */
};

/* Completion codes after which the endpoint is Halted [§4.10.2]. */
bool usb_halt_cc_halts(uint8_t cc);

/*
 * A transfer on the endpoint completed with cc (interrupt context). Returns
 * true when the transfer carries data (success or short packet): the caller
 * uses it and queues the next. Otherwise the endpoint is HALTED (recovery
 * due) or, for a completion code that does not halt it (a driver bug, a
 * stopped or removed endpoint), GAVE_UP.
 */
bool usb_halt_note(struct usb_halt *h, uint8_t cc);

/*
 * Recovers a HALTED endpoint: reset it, move its dequeue pointer, clear the
 * device's halt, queue a transfer. Returns 0 when it runs again, -EAGAIN
 * when a step failed and another try is due, -EIO when it was given up now
 * (USB_HALT_TRIES recoveries failed or halted again without data in
 * between); nothing done (0) when not HALTED.
 */
int usb_halt_recover(struct usb_halt *h, const struct usb_halt_ops *ops, void *ctx);

#endif
