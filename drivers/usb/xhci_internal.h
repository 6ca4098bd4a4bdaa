/*
 * drivers/usb/xhci_internal.h - what the two halves of the xHCI driver share
 * (xHCI 1.2, see xhci_regs.h; not for use outside drivers/usb).
 *
 *   xhci.c      the controller: register access, DMA memory, rings, event
 *               processing, commands, bring-up (BIOS handoff §4.22.1,
 *               halt/reset and initialization §4.2, scratchpad §4.20, event
 *               ring §4.9.4), interrupts (MSI-X/MSI, or the console's poll),
 *               attach and xhci_init().
 *   xhci_dev.c  the devices: control transfers (§4.11.2.2), enumeration
 *               (§4.3), hubs (USB 2.0 §11.24) and their polled ports, HID
 *               boot keyboard reports, halted endpoint recovery (§4.6.8,
 *               §4.6.10), lock LEDs, root-port enable and hot-plug (§4.19).
 *
 * Rules: a function used across the boundary is named xhci_* and declared
 * here; everything else stays static in its file. Events are consumed only
 * by xhci.c (process_events(), with interrupts off), which hands transfer
 * events for keyboard endpoints to xhci_kbd_report(). Commands and control
 * transfers wait on hc->wait, one at a time, and only outside interrupts.
 * Register access other than PORTSC and doorbells stays in xhci.c.
 */
#ifndef NVOS_DRIVERS_USB_XHCI_INTERNAL_H
#define NVOS_DRIVERS_USB_XHCI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/input/hid_boot.h"
#include "drivers/input/keyboard.h"
#include "drivers/usb/usb_halt.h"
#include "drivers/usb/xhci_regs.h"
#include "drivers/usb/xhci_ring.h"
#include "kernel/arch/mmio.h"
#include "kernel/console.h"
#include "kernel/mm/pmm.h"

#define RING_TRBS 256 /* one 4 KiB page per ring, the last TRB a Link */
#define MAX_KEYBOARDS 4

struct pci_device;

struct xhci;

struct usb_kbd {
    struct xhci *hc;
    unsigned slot, dci;
    uint8_t ep_address, interface;
    struct xhci_ring ring;
    uint8_t *report; /* DMA, 64 bytes */
    phys_addr_t report_phys;
    unsigned report_len;
    uint8_t prev[HID_BOOT_REPORT_SIZE];
    struct kbd_state kbd;
    struct usb_halt halt; /* written by the interrupt, recovered by the poll */
    bool gave_up_said;    /* the "stopped" line was printed */
    bool active;
};

struct xhci {
    char name[8];
    struct pci_device *pci;
    uint8_t *cap, *op, *rt, *db;
    unsigned max_slots, max_ports, ctx_size;
    bool ac64;
    uint8_t port_major[256]; /* USB major revision per port (Supported Protocol) */

    uint64_t *dcbaa;
    phys_addr_t dcbaa_phys;
    struct xhci_ring cmd;
    struct xhci_event_ring events;

    /* The one command or control transfer in flight during enumeration. */
    struct {
        phys_addr_t trb;      /* the TRB whose completion ends the wait */
        phys_addr_t data_trb; /* a Data Stage that may end short */
        bool done;
        uint8_t cc;
        uint8_t slot;
        uint32_t residual;
    } wait;

    struct usb_kbd kbds[MAX_KEYBOARDS]; /* in use while slot != 0 */
    struct console_input_source input;

    /* Every enabled device slot: where it is and what the controller may
     * still touch, so a disconnect can give it all back. */
    struct {
        uint8_t root_port; /* 0: slot not in use */
        struct usb_dev *dev;
    } slots[256];
    uint64_t next_hub_poll_ns;
    uint32_t port_change[8]; /* root ports with a Port Status Change event not yet handled */
    bool enumerating;
};

/* Where a device sits: its root-hub port, the hubs in between (the route
 * string, one nibble per tier [§8.9]) and the high-speed hub whose
 * transaction translator serves it if it is a low/full-speed device behind
 * one [§4.3.3, §6.2.2 Parent Hub Slot ID / Parent Port Number]. */
struct usb_loc {
    unsigned root_port;
    uint32_t route;
    unsigned depth; /* hubs between the root port and the device */
    unsigned tt_slot, tt_port;
    char name[24];  /* "5" or "5.2.1", for messages */
};

/* A device with an address: its default control endpoint and where it is.
 * Kept (in hc->slots) while the device is there: keyboard LEDs, endpoint
 * halts and hub port polling use its control endpoint. */
struct usb_dev {
    unsigned slot, speed;
    const struct usb_loc *loc; /* &where once kept */
    struct usb_loc where;
    struct xhci_ring ep0;
    uint8_t *in_ctx, *out_ctx;
    phys_addr_t in_phys, out_phys;
    uint8_t *buf; /* DMA, CFG_BUF bytes */
    phys_addr_t buf_phys;
    unsigned hub_ports; /* a hub's downstream ports, 0 if not a hub */
    unsigned hub_poll_failures;
};

/* ---- register access (PORTSC and doorbells: both files use them) ---------- */

static inline uint32_t xhci_portsc_rd(struct xhci *hc, unsigned port)
{
    return mmio_read32(hc->op + XHCI_PORT_REGS + (port - 1) * XHCI_PORT_REGS_SIZE + XHCI_PORTSC);
}
static inline void xhci_portsc_wr(struct xhci *hc, unsigned port, uint32_t v)
{
    mmio_write32(hc->op + XHCI_PORT_REGS + (port - 1) * XHCI_PORT_REGS_SIZE + XHCI_PORTSC, v);
}
static inline void xhci_doorbell(struct xhci *hc, unsigned slot, unsigned target)
{
    mmio_write32(hc->db + slot * 4, target);
}

/* ---- xhci.c ---------------------------------------------------------------- */

/* Zeroed DMA memory the controller can reach (below 4 GiB without AC64). */
void *xhci_dma(struct xhci *hc, size_t size, phys_addr_t *phys);
/* A transfer or command ring of RING_TRBS TRBs in one DMA page; -ENOMEM. */
int xhci_ring_alloc(struct xhci *hc, struct xhci_ring *r);
/* Waits for hc->wait to complete, consuming events meanwhile; -ETIMEDOUT. */
int xhci_wait_completion(struct xhci *hc, uint64_t ns);
/* A completion code's name, for messages [§6.4.5]. */
const char *xhci_cc_name(uint8_t cc);
/* Runs one command; returns 0 and its Slot ID in *slot_out, or -E (one line
 * printed, naming `what`). */
int xhci_command(struct xhci *hc, uint64_t param, uint32_t control, unsigned *slot_out,
                 const char *what);

/* ---- xhci_dev.c ------------------------------------------------------------ */

/* A report arrived on a keyboard's interrupt endpoint (or the transfer
 * failed): keys to the console, the next report queued. Interrupts off. */
void xhci_kbd_report(struct usb_kbd *k, uint32_t cc, uint32_t residual);
/* [§4.19] Enables a connected root port (a reset for USB2); its speed or 0. */
unsigned xhci_port_enable(struct xhci *hc, unsigned port);
/* [§4.3] Enumerates the device at loc (and behind it, for a hub); returns the
 * keyboards started, or -E with everything the controller no longer uses freed. */
int xhci_enumerate(struct xhci *hc, const struct usb_loc *loc, unsigned speed);
/* Root ports with a Port Status Change: enumerates arrivals, releases
 * departures. Outside interrupts (it waits for commands). */
void xhci_hotplug(struct xhci *hc);
/* Hub ports (polled, at most every XHCI_HUB_POLL_NS): arrivals and departures
 * behind hubs. Outside interrupts. */
#define XHCI_HUB_POLL_NS (250 * 1000000ull)
void xhci_hub_poll(struct xhci *hc);
/* Keyboards' deferred work: halted endpoints recovered (usb_halt.h), lock
 * LEDs sent (HID SET_REPORT). Outside interrupts. */
void xhci_kbd_service(struct xhci *hc);

#endif
