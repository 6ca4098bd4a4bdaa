/*
 * drivers/usb/xhci.c - xHCI host controller driver, just enough USB for
 * keyboards: controller bring-up, root-hub ports, device enumeration, HID
 * boot keyboards on their interrupt IN endpoint.
 *
 * Spec: xHCI 1.2 (see xhci_regs.h). The order of xhci_attach() follows:
 *   §4.22.1  pre-OS to OS handoff (USBLEGSUP semaphores, SMIs off)
 *   §4.2     host controller initialization: halt (§5.4.1 R/S, HCH),
 *            reset (HCRST, CNR), MaxSlotsEn, DCBAAP (+ scratchpad buffers,
 *            §4.20), command ring (CRCR), event ring (§4.9.4: ERSTSZ, ERDP,
 *            ERSTBA), interrupter, Run
 *   §4.19    root hub ports: power, reset (USB2; USB3 ports train by
 *            themselves), speed
 *   §4.3     USB device initialization: Enable Slot (§4.3.2), Address Device
 *            (§4.3.3), default control endpoint packet size (§4.3.4 note,
 *            Evaluate Context §4.6.7), descriptors, Configure Endpoint
 *            (§4.3.5, §4.6.6), SET_CONFIGURATION
 *   HID 1.11 §7.2.5/§7.2.6  SET_PROTOCOL(boot), SET_IDLE(0), then 8-byte
 *            reports from the interrupt IN endpoint (Normal TRBs, §4.11.2.1)
 *
 * Events: one event ring segment on interrupter 0, consumed in
 * process_events() (§4.9.4: cycle bit, ERDP with EHB). During enumeration
 * the driver polls it; afterwards an MSI interrupt runs it when the
 * controller has MSI, and the console's poll does otherwise (and drives the
 * software key repeat either way: the console wakes every 10 ms while it
 * waits for input).
 *
 * Hubs (USB 2.0 §11.24) are walked, five deep at most. Root-hub ports are
 * hot-plug: Port Status Change events mark them, and the console's poll
 * enumerates what arrived and releases what left. Limits: hubs' own ports
 * are looked at once (their status endpoints are not watched); one
 * configuration; a keyboard endpoint that halts is dropped.
 * Every wait has a deadline; descriptors are bounds-checked (usb_desc.c).
 */
#include "drivers/usb/xhci.h"

#include <string.h>

#include "drivers/input/hid_boot.h"
#include "drivers/input/kbd_layout_opt.h"
#include "drivers/input/keyboard.h"
#include "drivers/pci/pci.h"
#include "drivers/usb/usb_desc.h"
#include "drivers/usb/xhci_regs.h"
#include "drivers/usb/xhci_ring.h"
#include "kernel/arch/mmio.h"
#include "kernel/arch/x86.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/irq/irq.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/vmm.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "lib/printf.h"

#define RING_TRBS 256            /* one 4 KiB page per ring, the last TRB a Link */
#define EVENT_TRBS 256
#define MAX_KEYBOARDS 4
#define CMD_TIMEOUT_NS (1500 * NSEC_PER_MSEC)
#define XFER_TIMEOUT_NS (1500 * NSEC_PER_MSEC)
#define HALT_TIMEOUT_NS (100 * NSEC_PER_MSEC)   /* §5.4.1: halts within 16 ms */
#define RESET_TIMEOUT_NS (1000 * NSEC_PER_MSEC)
#define HANDOFF_TIMEOUT_NS (1000 * NSEC_PER_MSEC)
#define PORT_RESET_TIMEOUT_NS (500 * NSEC_PER_MSEC)
#define CFG_BUF 512 /* configuration descriptors beyond this are cut (and parsed as cut) */

struct xhci;

struct usb_kbd {
    struct xhci *hc;
    unsigned slot, dci;
    struct xhci_ring ring;
    uint8_t *report; /* DMA, 64 bytes */
    phys_addr_t report_phys;
    unsigned report_len;
    uint8_t prev[HID_BOOT_REPORT_SIZE];
    struct kbd_state kbd;
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
        void *out_ctx;
        struct xhci_trb *ep0;
    } slots[256];
    uint32_t port_change[8]; /* root ports with a Port Status Change event not yet handled */
    bool enumerating;
};

/* ---- register access ------------------------------------------------------ */

static uint32_t op_rd(struct xhci *hc, uint32_t off)
{
    return mmio_read32(hc->op + off);
}
static void op_wr(struct xhci *hc, uint32_t off, uint32_t v)
{
    mmio_write32(hc->op + off, v);
}
/* 64-bit registers as two 32-bit writes, low dword first [§5.1 register
 * conventions]: CRCR and ERSTBA take effect when the high dword is written
 * (QEMU's model acts on the high write too). */
static void op_wr64(struct xhci *hc, uint32_t off, uint64_t v)
{
    mmio_write32(hc->op + off, (uint32_t)v);
    mmio_write32(hc->op + off + 4, (uint32_t)(v >> 32));
}
static uint32_t ir_rd(struct xhci *hc, uint32_t off)
{
    return mmio_read32(hc->rt + XHCI_IR0 + off);
}
static void ir_wr(struct xhci *hc, uint32_t off, uint32_t v)
{
    mmio_write32(hc->rt + XHCI_IR0 + off, v);
}
static void ir_wr64(struct xhci *hc, uint32_t off, uint64_t v)
{
    mmio_write32(hc->rt + XHCI_IR0 + off, (uint32_t)v);
    mmio_write32(hc->rt + XHCI_IR0 + off + 4, (uint32_t)(v >> 32));
}
static uint32_t portsc_rd(struct xhci *hc, unsigned port)
{
    return op_rd(hc, XHCI_PORT_REGS + (port - 1) * XHCI_PORT_REGS_SIZE + XHCI_PORTSC);
}
static void portsc_wr(struct xhci *hc, unsigned port, uint32_t v)
{
    op_wr(hc, XHCI_PORT_REGS + (port - 1) * XHCI_PORT_REGS_SIZE + XHCI_PORTSC, v);
}
static void ring_doorbell(struct xhci *hc, unsigned slot, unsigned target)
{
    mmio_write32(hc->db + slot * 4, target);
}

/* Waits until (read() & mask) == want; -ETIMEDOUT after ns. */
static int wait_op(struct xhci *hc, uint32_t off, uint32_t mask, uint32_t want, uint64_t ns)
{
    struct deadline d = deadline_in_ns(ns);
    while ((op_rd(hc, off) & mask) != want) {
        if (deadline_passed(d))
            return -ETIMEDOUT;
        udelay(10);
    }
    return 0;
}

/* ---- memory -------------------------------------------------------------- */

/* Zeroed DMA memory the controller can reach (below 4 GiB without AC64). */
static void *xhci_dma(struct xhci *hc, size_t size, phys_addr_t *phys)
{
    void *p = dma_alloc(size, 4096, phys);
    if (p != NULL && !hc->ac64 && *phys + size > (1ull << 32)) {
        dma_free(p, size);
        return NULL;
    }
    return p;
}

static int ring_init(struct xhci *hc, struct xhci_ring *r)
{
    phys_addr_t phys;
    struct xhci_trb *trbs = xhci_dma(hc, RING_TRBS * sizeof(struct xhci_trb), &phys);
    if (trbs == NULL)
        return -ENOMEM;
    xhci_ring_init(r, trbs, phys, RING_TRBS);
    return 0;
}

/* ---- events -------------------------------------------------------------- */

static void kbd_report(struct usb_kbd *k, uint32_t cc, uint32_t residual);

static struct usb_kbd *kbd_for(struct xhci *hc, unsigned slot, unsigned dci)
{
    for (unsigned i = 0; i < MAX_KEYBOARDS; i++)
        if (hc->kbds[i].active && hc->kbds[i].slot == slot && hc->kbds[i].dci == dci)
            return &hc->kbds[i];
    return NULL;
}

/* Consumes every event the controller has posted. Interrupts off. */
static void process_events(struct xhci *hc)
{
    struct xhci_trb e;
    unsigned handled = 0;
    for (; handled < EVENT_TRBS && xhci_event_next(&hc->events, &e); handled++) {
        unsigned type = XHCI_GET(e.control, XHCI_TRB_TYPE);
        uint8_t cc = (uint8_t)XHCI_GET(e.status, XHCI_TRB_COMPLETION_CODE);
        unsigned slot = XHCI_GET(e.control, XHCI_TRB_SLOT_ID);
        if (type == XHCI_TRB_PORT_STATUS_CHANGE_EVENT) {
            /* [§6.4.2.3] Looked at from xhci_service(), outside interrupts. */
            unsigned port = XHCI_EVENT_PORT_ID(e.parameter);
            hc->port_change[port / 32] |= 1u << (port % 32);
            continue;
        }
        if (type != XHCI_TRB_COMMAND_COMPLETION_EVENT && type != XHCI_TRB_TRANSFER_EVENT)
            continue;
        struct usb_kbd *k;
        if (e.parameter == hc->wait.trb && hc->wait.trb != 0) {
            hc->wait.done = true;
            hc->wait.cc = cc;
            hc->wait.slot = (uint8_t)slot;
            hc->wait.trb = 0;
        } else if (e.parameter == hc->wait.data_trb && hc->wait.data_trb != 0) {
            hc->wait.residual = e.status & XHCI_TRB_TRANSFER_LENGTH_MASK;
        } else if (type == XHCI_TRB_TRANSFER_EVENT &&
                   (k = kbd_for(hc, slot, XHCI_GET(e.control, XHCI_TRB_EP_ID))) != NULL) {
            kbd_report(k, cc, e.status & XHCI_TRB_TRANSFER_LENGTH_MASK);
        }
    }
    if (handled > 0)
        ir_wr64(hc, XHCI_ERDP, xhci_event_dequeue(&hc->events) | XHCI_ERDP_EHB);
}

/* Waits for hc->wait to complete, consuming events meanwhile. */
static int wait_completion(struct xhci *hc, uint64_t ns)
{
    struct deadline d = deadline_in_ns(ns);
    for (;;) {
        bool on = irq_save();
        process_events(hc);
        irq_restore(on);
        if (hc->wait.done)
            return 0;
        if (deadline_passed(d)) {
            hc->wait.trb = 0;
            hc->wait.data_trb = 0;
            return -ETIMEDOUT;
        }
        udelay(20);
    }
}

static const char *cc_name(uint8_t cc)
{
    switch (cc) {
    case XHCI_CC_SUCCESS: return "success";
    case XHCI_CC_DATA_BUFFER_ERROR: return "data buffer error";
    case XHCI_CC_BABBLE_DETECTED: return "babble";
    case XHCI_CC_USB_TRANSACTION_ERROR: return "USB transaction error";
    case XHCI_CC_TRB_ERROR: return "TRB error";
    case XHCI_CC_STALL_ERROR: return "stall";
    case XHCI_CC_RESOURCE_ERROR: return "resource error";
    case XHCI_CC_BANDWIDTH_ERROR: return "bandwidth error";
    case XHCI_CC_NO_SLOTS_AVAILABLE: return "no slots available";
    case XHCI_CC_SLOT_NOT_ENABLED: return "slot not enabled";
    case XHCI_CC_ENDPOINT_NOT_ENABLED: return "endpoint not enabled";
    case XHCI_CC_SHORT_PACKET: return "short packet";
    case XHCI_CC_PARAMETER_ERROR: return "parameter error";
    case XHCI_CC_CONTEXT_STATE_ERROR: return "context state error";
    case XHCI_CC_EVENT_RING_FULL: return "event ring full";
    default: return "other error";
    }
}

/* Runs one command; returns 0 and its Slot ID in *slot_out, or -EIO. */
static int command(struct xhci *hc, uint64_t param, uint32_t control, unsigned *slot_out,
                   const char *what)
{
    memset(&hc->wait, 0, sizeof(hc->wait));
    hc->wait.trb = xhci_ring_push(&hc->cmd, param, 0, control);
    ring_doorbell(hc, 0, XHCI_DB_HOST);
    int err = wait_completion(hc, CMD_TIMEOUT_NS);
    if (err < 0) {
        kprintf("%s: %s: no completion event within %llu ms\n", hc->name, what,
                (unsigned long long)(CMD_TIMEOUT_NS / NSEC_PER_MSEC));
        return err;
    }
    if (hc->wait.cc != XHCI_CC_SUCCESS) {
        kprintf("%s: %s failed: completion code %u (%s)\n", hc->name, what, hc->wait.cc,
                cc_name(hc->wait.cc));
        return -EIO;
    }
    if (slot_out != NULL)
        *slot_out = hc->wait.slot;
    return 0;
}

/* ---- controller bring-up ---------------------------------------------------- */

/* [§4.22.1] Ask the BIOS to let go of the controller and stop its SMIs. */
static void bios_handoff(struct xhci *hc)
{
    uint32_t hccparams1 = mmio_read32(hc->cap + XHCI_HCCPARAMS1);
    uint32_t off = XHCI_GET(hccparams1, XHCI_HCCPARAMS1_XECP) * 4;
    for (unsigned n = 0; off != 0 && n < 64; n++) {
        uint32_t v = mmio_read32(hc->cap + off);
        if (XHCI_XCAP_ID(v) == XHCI_XCAP_LEGACY) {
            if (v & XHCI_USBLEGSUP_BIOS_OWNED) {
                mmio_write8(hc->cap + off + 3, 1); /* HC OS Owned Semaphore */
                struct deadline d = deadline_in_ns(HANDOFF_TIMEOUT_NS);
                while (mmio_read32(hc->cap + off) & XHCI_USBLEGSUP_BIOS_OWNED) {
                    if (deadline_passed(d)) {
                        kprintf("%s: BIOS did not release the controller within %llu ms; "
                                "taking it\n", hc->name,
                                (unsigned long long)(HANDOFF_TIMEOUT_NS / NSEC_PER_MSEC));
                        mmio_write8(hc->cap + off + 2, 0);
                        break;
                    }
                    udelay(100);
                }
                kprintf("%s: taken over from the BIOS (USBLEGSUP)\n", hc->name);
            }
            uint32_t ctl = mmio_read32(hc->cap + off + XHCI_USBLEGCTLSTS);
            mmio_write32(hc->cap + off + XHCI_USBLEGCTLSTS,
                         (ctl & ~XHCI_USBLEGCTLSTS_SMI_ENABLES) | XHCI_USBLEGCTLSTS_SMI_EVENTS);
        } else if (XHCI_XCAP_ID(v) == XHCI_XCAP_PROTOCOL) {
            uint32_t dw2 = mmio_read32(hc->cap + off + 8);
            unsigned first = XHCI_PROTOCOL_PORT_OFFSET(dw2);
            unsigned count = XHCI_PROTOCOL_PORT_COUNT(dw2);
            for (unsigned p = first; p < first + count && p < 256; p++)
                hc->port_major[p] = (uint8_t)XHCI_PROTOCOL_MAJOR(v);
        }
        if (XHCI_XCAP_NEXT(v) == 0)
            break;
        off += XHCI_XCAP_NEXT(v) * 4;
    }
}

/*
 * Intel 7- to 9-series chipsets (2012-2015) have an EHCI controller next to
 * the xHCI one, and their USB 2 ports come up wired to EHCI: until software
 * moves them, the xHCI root hub shows those ports empty, whatever is plugged
 * in. Four configuration registers of the xHCI function do the switch
 * (offsets as Linux uses them, drivers/usb/host/pci-quirks.c
 * usb_enable_intel_xhci_ports: USB3_PSSEN = USB3PRM, XUSB2PR = USB2PRM, the
 * "PRM" registers saying which ports may be switched). Only done when an
 * Intel EHCI controller is present, which is where the registers exist.
 * Returns true when a port changed hands (and needs time to connect).
 */
#define INTEL_XUSB2PR 0xD0
#define INTEL_USB2PRM 0xD4
#define INTEL_USB3_PSSEN 0xD8
#define INTEL_USB3PRM 0xDC
static bool intel_route_ports(struct xhci *hc)
{
    struct pci_device *pd = hc->pci;
    if (pd->vendor_id != 0x8086)
        return false;
    bool intel_ehci = false;
    for (struct pci_device *e = pci_find_class(0x0C, 0x03, 0x20, NULL); e != NULL;
         e = pci_find_class(0x0C, 0x03, 0x20, e))
        intel_ehci |= e->vendor_id == 0x8086;
    if (!intel_ehci)
        return false;
    uint32_t usb3 = pci_read32(pd, INTEL_USB3PRM), usb2 = pci_read32(pd, INTEL_USB2PRM);
    uint32_t old3 = pci_read32(pd, INTEL_USB3_PSSEN), old2 = pci_read32(pd, INTEL_XUSB2PR);
    pci_write32(pd, INTEL_USB3_PSSEN, usb3);
    pci_write32(pd, INTEL_XUSB2PR, usb2);
    if (old3 == usb3 && old2 == usb2)
        return false;
    kprintf("%s: Intel port routing: USB 3 ports %#x, USB 2 ports %#x moved from EHCI\n",
            hc->name, usb3 & ~old3, usb2 & ~old2);
    return true;
}

static int halt_and_reset(struct xhci *hc)
{
    /* [§4.2 note, §5.4.1] R/S=0 and HCH=1 before HCRST. */
    op_wr(hc, XHCI_USBCMD, op_rd(hc, XHCI_USBCMD) & ~(XHCI_USBCMD_RS | XHCI_USBCMD_INTE));
    if (wait_op(hc, XHCI_USBSTS, XHCI_USBSTS_HCH, XHCI_USBSTS_HCH, HALT_TIMEOUT_NS) < 0) {
        kprintf("%s: did not halt (USBSTS %#x)\n", hc->name, op_rd(hc, XHCI_USBSTS));
        return -ETIMEDOUT;
    }
    op_wr(hc, XHCI_USBCMD, XHCI_USBCMD_HCRST);
    if (wait_op(hc, XHCI_USBCMD, XHCI_USBCMD_HCRST, 0, RESET_TIMEOUT_NS) < 0 ||
        wait_op(hc, XHCI_USBSTS, XHCI_USBSTS_CNR, 0, RESET_TIMEOUT_NS) < 0) {
        kprintf("%s: reset did not finish (USBCMD %#x USBSTS %#x)\n", hc->name,
                op_rd(hc, XHCI_USBCMD), op_rd(hc, XHCI_USBSTS));
        return -ETIMEDOUT;
    }
    return 0;
}

/* [§4.20] Scratchpad: an array of page pointers in DCBAA entry 0. */
static int setup_scratchpad(struct xhci *hc)
{
    unsigned n = xhci_max_scratchpad_bufs(mmio_read32(hc->cap + XHCI_HCSPARAMS2));
    if (n == 0)
        return 0;
    phys_addr_t arr_phys;
    uint64_t *arr = xhci_dma(hc, n * sizeof(uint64_t), &arr_phys);
    if (arr == NULL)
        return -ENOMEM;
    for (unsigned i = 0; i < n; i++) {
        phys_addr_t p;
        if (xhci_dma(hc, 4096, &p) == NULL)
            return -ENOMEM; /* set-up memory; the controller is not used then */
        arr[i] = p;
    }
    hc->dcbaa[0] = arr_phys;
    return 0;
}

static int setup_event_ring(struct xhci *hc)
{
    phys_addr_t ring_phys, erst_phys;
    struct xhci_trb *ring = xhci_dma(hc, EVENT_TRBS * sizeof(struct xhci_trb), &ring_phys);
    struct xhci_erst_entry *erst = xhci_dma(hc, 4096, &erst_phys);
    if (ring == NULL || erst == NULL)
        return -ENOMEM;
    erst[0].ring_segment_base = ring_phys;
    erst[0].ring_segment_size = EVENT_TRBS;
    xhci_event_ring_init(&hc->events, ring, ring_phys, EVENT_TRBS);
    /* [§4.9.4] ERSTSZ, ERDP, then ERSTBA (which starts the ring). */
    ir_wr(hc, XHCI_ERSTSZ, 1);
    ir_wr64(hc, XHCI_ERDP, ring_phys);
    ir_wr64(hc, XHCI_ERSTBA, erst_phys);
    return 0;
}

/* ---- control transfers ------------------------------------------------------ */

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

struct usb_dev {
    unsigned slot, speed;
    const struct usb_loc *loc;
    struct xhci_ring ep0;
    uint8_t *in_ctx, *out_ctx;
    phys_addr_t in_phys, out_phys;
    uint8_t *buf; /* DMA, CFG_BUF bytes */
    phys_addr_t buf_phys;
};

static void *ctx_at(struct xhci *hc, uint8_t *base, unsigned index)
{
    return base + index * hc->ctx_size;
}

/* [§4.11.2.2] Setup, optional Data (IN into dev->buf), Status stage. */
static int control(struct xhci *hc, struct usb_dev *dev, uint8_t type, uint8_t req,
                   uint16_t value, uint16_t index, uint16_t length, size_t *actual,
                   const char *what)
{
    struct usb_setup s = { type, req, value, index, length };
    uint64_t setup;
    memcpy(&setup, &s, sizeof(setup));
    bool in = (type & USB_DIR_IN) != 0;
    uint32_t trt = length == 0 ? XHCI_TRT_NO_DATA : in ? XHCI_TRT_IN_DATA : XHCI_TRT_OUT_DATA;

    if (length > CFG_BUF)
        return -EINVAL;
    memset(&hc->wait, 0, sizeof(hc->wait));
    xhci_ring_push(&dev->ep0, setup, 8,
              XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_SETUP_STAGE) | XHCI_TRB_IDT |
                  XHCI_SET(XHCI_TRB_TRT, trt));
    if (length > 0)
        hc->wait.data_trb = xhci_ring_push(&dev->ep0, dev->buf_phys, length,
                                      XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_DATA_STAGE) |
                                          XHCI_TRB_ISP | (in ? XHCI_TRB_DIR_IN : 0));
    hc->wait.trb = xhci_ring_push(&dev->ep0, 0, 0,
                             XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_STATUS_STAGE) | XHCI_TRB_IOC |
                                 (length == 0 || !in ? XHCI_TRB_DIR_IN : 0));
    ring_doorbell(hc, dev->slot, 1);
    int err = wait_completion(hc, XFER_TIMEOUT_NS);
    if (err < 0) {
        kprintf("%s: port %s: %s: no answer within %llu ms\n", hc->name, dev->loc->name, what,
                (unsigned long long)(XFER_TIMEOUT_NS / NSEC_PER_MSEC));
        return err;
    }
    if (hc->wait.cc != XHCI_CC_SUCCESS && hc->wait.cc != XHCI_CC_SHORT_PACKET) {
        kprintf("%s: port %s: %s failed: completion code %u (%s)\n", hc->name, dev->loc->name, what,
                hc->wait.cc, cc_name(hc->wait.cc));
        return -EIO;
    }
    if (actual != NULL)
        *actual = hc->wait.residual <= length ? length - hc->wait.residual : 0;
    return 0;
}

static int get_descriptor(struct xhci *hc, struct usb_dev *dev, uint8_t dtype, uint16_t len,
                          size_t *actual, const char *what)
{
    return control(hc, dev, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, (uint16_t)(dtype << 8), 0, len,
                   actual, what);
}

/* ---- keyboards ---------------------------------------------------------- */

static void kbd_queue_report(struct usb_kbd *k)
{
    xhci_ring_push(&k->ring, k->report_phys, k->report_len,
              XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_NORMAL) | XHCI_TRB_IOC | XHCI_TRB_ISP);
    ring_doorbell(k->hc, k->slot, k->dci);
}

/* A report arrived (or the transfer failed). Interrupts off. */
static void kbd_report(struct usb_kbd *k, uint32_t cc, uint32_t residual)
{
    if (cc != XHCI_CC_SUCCESS && cc != XHCI_CC_SHORT_PACKET) {
        /* The endpoint is halted now; recovering it is not implemented. */
        kprintf("%s: keyboard in slot %u stopped: completion code %u (%s)\n", k->hc->name,
                k->slot, cc, cc_name((uint8_t)cc));
        k->active = false;
        return;
    }
    size_t len = residual <= k->report_len ? k->report_len - residual : 0;
    struct hid_key_event ev[HID_BOOT_MAX_EVENTS];
    int n = hid_boot_diff(k->prev, k->report, len, ev);
    if (n >= 0) {
        uint64_t now = clock_ns();
        for (int i = 0; i < n; i++) {
            char out[KBD_MAX_BYTES];
            size_t m = kbd_key(&k->kbd, ev[i].usage, ev[i].pressed, now, out);
            console_input(out, m);
        }
        memcpy(k->prev, k->report, HID_BOOT_REPORT_SIZE);
    }
    kbd_queue_report(k);
}

static void hotplug(struct xhci *hc);

static void xhci_service(struct xhci *hc)
{
    bool on = irq_save();
    process_events(hc);
    uint64_t now = clock_ns();
    for (unsigned i = 0; i < MAX_KEYBOARDS; i++) {
        if (!hc->kbds[i].active)
            continue;
        char out[KBD_MAX_BYTES];
        size_t m = kbd_tick(&hc->kbds[i].kbd, now, out);
        console_input(out, m);
    }
    irq_restore(on);
    if (!hc->enumerating)
        hotplug(hc);
}

static void xhci_poll(void *ctx)
{
    xhci_service(ctx);
}

static void xhci_irq(void *ctx)
{
    struct xhci *hc = ctx;
    /* [§4.17.5] IP is RW1C; EINT too (§5.4.2). */
    ir_wr(hc, XHCI_IMAN, ir_rd(hc, XHCI_IMAN) | XHCI_IMAN_IP);
    op_wr(hc, XHCI_USBSTS, XHCI_USBSTS_EINT);
    process_events(hc);
}

/* [PCI 3.0 §6.8.2] MSI-X: entry 0 (interrupter 0) to this CPU, the rest masked. */
static bool setup_msix(struct xhci *hc, int vec)
{
    struct pci_device *pd = hc->pci;
    struct pci_msix_info mi;
    if (!pci_msix_info(pd, &mi) || mi.table_bir > 5)
        return false;
    const struct pci_bar *bar = &pd->bars[mi.table_bir];
    if (bar->size == 0 || bar->is_io || mi.table_size == 0 ||
        mi.table_offset + (uint64_t)mi.table_size * PCI_MSIX_ENTRY_SIZE > bar->size)
        return false;
    uint8_t *table = vmm_map_mmio(bar->base + mi.table_offset,
                                  (size_t)mi.table_size * PCI_MSIX_ENTRY_SIZE);
    if (table == NULL)
        return false;
    pci_msix_control(pd, true, true); /* function-masked while the table is written */
    for (unsigned i = 0; i < mi.table_size; i++) {
        uint8_t *e = table + i * PCI_MSIX_ENTRY_SIZE;
        uint32_t vc = mmio_read32(e + PCI_MSIX_ENTRY_VECTOR_CONTROL);
        /* Only the mask bit: the rest is reserved (and not always zero). */
        mmio_write32(e + PCI_MSIX_ENTRY_VECTOR_CONTROL, vc | PCI_MSIX_ENTRY_CTRL_MASKBIT);
    }
    uint64_t addr = irq_msi_address();
    mmio_write32(table + PCI_MSIX_ENTRY_ADDR_LO, (uint32_t)addr);
    mmio_write32(table + PCI_MSIX_ENTRY_ADDR_HI, (uint32_t)(addr >> 32));
    mmio_write32(table + PCI_MSIX_ENTRY_DATA, irq_msi_data(vec));
    uint32_t vc = mmio_read32(table + PCI_MSIX_ENTRY_VECTOR_CONTROL);
    mmio_write32(table + PCI_MSIX_ENTRY_VECTOR_CONTROL, vc & ~PCI_MSIX_ENTRY_CTRL_MASKBIT);
    pci_msix_control(pd, true, false);
    return true;
}

/* [PCI 3.0 §6.8.1] MSI: one message to this CPU. */
static bool setup_msi(struct xhci *hc, int vec)
{
    struct pci_device *pd = hc->pci;
    uint8_t cap = pd->cap_msi;
    if (cap == 0)
        return false;
    uint16_t ctl = pci_read16(pd, cap + 2);
    bool is64 = (ctl & (1u << 7)) != 0;
    uint64_t addr = irq_msi_address();
    pci_write32(pd, cap + 4, (uint32_t)addr);
    if (is64) {
        pci_write32(pd, cap + 8, (uint32_t)(addr >> 32));
        pci_write16(pd, cap + 12, (uint16_t)irq_msi_data(vec));
    } else {
        pci_write16(pd, cap + 8, (uint16_t)irq_msi_data(vec));
    }
    pci_write16(pd, cap + 2, (uint16_t)((ctl & ~(7u << 4)) | 1u)); /* one vector, enable */
    return true;
}

/* MSI-X, else MSI; NULL when neither (the console's poll then serves). */
static const char *setup_interrupt(struct xhci *hc)
{
    struct pci_device *pd = hc->pci;
    if (pd->cap_msix == 0 && pd->cap_msi == 0)
        return NULL;
    int vec = irq_alloc_vector(xhci_irq, hc, hc->name);
    if (vec < 0)
        return NULL;
    const char *how = NULL;
    if (pd->cap_msix != 0 && setup_msix(hc, vec))
        how = "MSI-X";
    else if (setup_msi(hc, vec))
        how = "MSI";
    if (how == NULL) {
        irq_free_vector(vec);
        return NULL;
    }
    pci_set_intx_disable(pd, true);
    return how;
}

/* [§6.2.2] The Slot Context fields that say where the device is. */
static void slot_ctx_fill(struct xhci_slot_ctx *sc, const struct usb_loc *loc, unsigned speed,
                          unsigned entries)
{
    sc->dw0 = (loc->route & XHCI_SLOT_ROUTE_STRING_MASK) |
              (uint32_t)speed << XHCI_SLOT_SPEED_SHIFT |
              (uint32_t)entries << XHCI_SLOT_CONTEXT_ENTRIES_SHIFT;
    sc->dw1 = (uint32_t)loc->root_port << XHCI_SLOT_ROOT_HUB_PORT_SHIFT;
    sc->dw2 = (uint32_t)loc->tt_slot << XHCI_SLOT_PARENT_HUB_SLOT_SHIFT |
              (uint32_t)loc->tt_port << XHCI_SLOT_PARENT_PORT_SHIFT;
}

static int enumerate(struct xhci *hc, const struct usb_loc *loc, unsigned speed);
static void release_kbd(struct xhci *hc, unsigned slot);
static unsigned port_enable(struct xhci *hc, unsigned port);

/* [USB 2.0 §11.24.2] Hub class requests, §11.24.2.7 port status bits. */
#define USB_DT_HUB 0x29
#define USB_REQ_GET_STATUS 0
#define USB_REQ_CLEAR_FEATURE 1
#define USB_REQ_SET_FEATURE 3
#define USB_RT_PORT 0x23 /* class, other (the port) */
#define USB_PORT_FEAT_RESET 4
#define USB_PORT_FEAT_POWER 8
#define USB_PORT_FEAT_C_CONNECTION 16
#define USB_PORT_FEAT_C_RESET 20
#define USB_PORT_STAT_CONNECTION 0x0001
#define USB_PORT_STAT_ENABLE 0x0002
#define USB_PORT_STAT_LOW_SPEED 0x0200
#define USB_PORT_STAT_HIGH_SPEED 0x0400
#define USB_PORT_STAT_C_RESET 0x0010
#define USB_MAX_HUB_DEPTH 5 /* [USB 2.0 §4.1.1] five hubs at most; route string nibbles */

static int hub_port_status(struct xhci *hc, struct usb_dev *hub, unsigned port, uint16_t *status,
                           uint16_t *change)
{
    size_t got = 0;
    int err = control(hc, hub, USB_DIR_IN | USB_RT_PORT, USB_REQ_GET_STATUS, 0, (uint16_t)port, 4,
                      &got, "GET_STATUS(port)");
    if (err < 0)
        return err;
    if (got < 4)
        return -EPROTO;
    *status = (uint16_t)(hub->buf[0] | hub->buf[1] << 8);
    *change = (uint16_t)(hub->buf[2] | hub->buf[3] << 8);
    return 0;
}

static int hub_port_feature(struct xhci *hc, struct usb_dev *hub, uint8_t req, unsigned feature,
                            unsigned port)
{
    return control(hc, hub, USB_RT_PORT, req, (uint16_t)feature, (uint16_t)port, 0, NULL,
                   req == USB_REQ_SET_FEATURE ? "SET_FEATURE(port)" : "CLEAR_FEATURE(port)");
}

/* [USB 2.0 §11.24] A hub: configure it, tell the controller (§4.3.5: Slot
 * Context Hub, Number of Ports, TT Think Time), power and reset each port
 * with a device, enumerate what is there. Returns keyboards found. */
static int hub_attach(struct xhci *hc, struct usb_dev *hub, uint8_t config_value,
                      const struct usb_device_desc *dd)
{
    const char *what = "SET_CONFIGURATION";
    int err = control(hc, hub, 0, USB_REQ_SET_CONFIGURATION, config_value, 0, 0, NULL, what);
    if (err < 0)
        return err;
    size_t got = 0;
    what = "GET_DESCRIPTOR(hub)";
    err = control(hc, hub, USB_DIR_IN | USB_TYPE_CLASS, USB_REQ_GET_DESCRIPTOR,
                  USB_DT_HUB << 8, 0, 16, &got, what);
    if (err < 0)
        return err;
    if (got < 7 || hub->buf[1] != USB_DT_HUB) {
        kprintf("%s: port %s: hub descriptor malformed (%zu bytes)\n", hc->name,
                hub->loc->name, got);
        return -EPROTO;
    }
    unsigned nports = hub->buf[2];
    uint16_t characteristics = (uint16_t)(hub->buf[3] | hub->buf[4] << 8);
    unsigned pwr_good_ms = hub->buf[5] * 2u;
    if (nports > 15)
        nports = 15; /* a route string nibble holds ports 1-15 */

    memset(hub->in_ctx, 0, 4096);
    struct xhci_input_ctrl_ctx *icc = ctx_at(hc, hub->in_ctx, 0);
    struct xhci_slot_ctx *sc = ctx_at(hc, hub->in_ctx, 1);
    icc->add_flags = 1u << 0;
    slot_ctx_fill(sc, hub->loc, hub->speed, 1);
    sc->dw0 |= XHCI_SLOT_HUB;
    sc->dw1 |= nports << XHCI_SLOT_NUM_PORTS_SHIFT;
    if (hub->speed == XHCI_SPEED_HIGH)
        sc->dw2 |= (uint32_t)((characteristics >> 5) & 3) << XHCI_SLOT_TTT_SHIFT;
    if ((err = command(hc, hub->in_phys,
                       XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_CONFIGURE_ENDPOINT) |
                           XHCI_SET(XHCI_TRB_SLOT_ID, hub->slot),
                       NULL, "Configure Endpoint (hub)")) < 0)
        return err;
    kprintf("%s: port %s: USB hub %04x:%04x, %u ports\n", hc->name, hub->loc->name,
            dd->idVendor, dd->idProduct, nports);

    for (unsigned p = 1; p <= nports; p++)
        if ((err = hub_port_feature(hc, hub, USB_REQ_SET_FEATURE, USB_PORT_FEAT_POWER, p)) < 0)
            return err;
    udelay((pwr_good_ms + 10) * 1000ull);

    int found = 0;
    for (unsigned p = 1; p <= nports; p++) {
        uint16_t st, ch;
        if (hub_port_status(hc, hub, p, &st, &ch) < 0 || !(st & USB_PORT_STAT_CONNECTION))
            continue;
        if (hub_port_feature(hc, hub, USB_REQ_SET_FEATURE, USB_PORT_FEAT_RESET, p) < 0)
            continue;
        struct deadline d = deadline_in_ns(PORT_RESET_TIMEOUT_NS);
        bool reset_done = false;
        while (!deadline_passed(d)) {
            if (hub_port_status(hc, hub, p, &st, &ch) < 0)
                break;
            if (ch & USB_PORT_STAT_C_RESET) {
                reset_done = true;
                break;
            }
            udelay(10000);
        }
        (void)hub_port_feature(hc, hub, USB_REQ_CLEAR_FEATURE, USB_PORT_FEAT_C_RESET, p);
        (void)hub_port_feature(hc, hub, USB_REQ_CLEAR_FEATURE, USB_PORT_FEAT_C_CONNECTION, p);
        if (!reset_done || !(st & USB_PORT_STAT_ENABLE)) {
            kprintf("%s: port %s.%u: reset did not enable it (status %#x)\n", hc->name,
                    hub->loc->name, p, st);
            continue;
        }
        udelay(10000); /* TRSTRCY [USB 2.0 §7.1.7.5] */
        unsigned speed = (st & USB_PORT_STAT_LOW_SPEED)    ? XHCI_SPEED_LOW
                         : (st & USB_PORT_STAT_HIGH_SPEED) ? XHCI_SPEED_HIGH
                                                           : XHCI_SPEED_FULL;
        struct usb_loc child = *hub->loc;
        child.route |= (uint32_t)p << (4 * hub->loc->depth);
        child.depth = hub->loc->depth + 1;
        if (hub->speed == XHCI_SPEED_HIGH && speed != XHCI_SPEED_HIGH) {
            child.tt_slot = hub->slot;
            child.tt_port = p;
        }
        ksnprintf(child.name, sizeof(child.name), "%s.%u", hub->loc->name, p);
        int r = enumerate(hc, &child, speed);
        if (r > 0)
            found += r;
    }
    return found;
}

/* Address Device, descriptors, then a hub or a keyboard: Configure Endpoint,
 * SET_CONFIGURATION, boot protocol. Returns keyboards started, or -E. */
static int setup_device(struct xhci *hc, struct usb_dev *devp)
{
    struct usb_dev dev = *devp;
    const struct usb_loc *loc = dev.loc;
    unsigned speed = dev.speed;
    const char *what = "Enable Slot";
    int err;

    if ((err = command(hc, 0, XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_ENABLE_SLOT), &dev.slot,
                       "Enable Slot")) < 0)
        goto fail;
    if (dev.slot == 0 || dev.slot > hc->max_slots) {
        err = -EIO;
        goto fail;
    }
    devp->slot = dev.slot;
    hc->dcbaa[dev.slot] = dev.out_phys;

    /* [§4.3.3] Input context: add the Slot and EP0 contexts. Default packet
     * size by speed [§4.3, USB 2.0 §5.5.3]; full speed is read back below. */
    unsigned mps0 = speed == XHCI_SPEED_LOW || speed == XHCI_SPEED_FULL ? 8
                    : speed == XHCI_SPEED_HIGH ? 64 : 512;
    struct xhci_input_ctrl_ctx *icc = ctx_at(hc, dev.in_ctx, 0);
    struct xhci_slot_ctx *sc = ctx_at(hc, dev.in_ctx, 1);
    struct xhci_ep_ctx *ep0 = ctx_at(hc, dev.in_ctx, 2);
    icc->add_flags = (1u << 0) | (1u << 1);
    slot_ctx_fill(sc, loc, speed, 1);
    ep0->dw1 = 3u << XHCI_EP_CERR_SHIFT | (uint32_t)XHCI_EP_CONTROL << XHCI_EP_TYPE_SHIFT |
               mps0 << XHCI_EP_MAX_PACKET_SHIFT;
    ep0->tr_dequeue = dev.ep0.phys | XHCI_EP_DCS;
    ep0->dw4 = 8; /* Average TRB Length: control transfers [§4.14.1.1] */
    what = "Address Device";
    if ((err = command(hc, dev.in_phys,
                       XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_ADDRESS_DEVICE) |
                           XHCI_SET(XHCI_TRB_SLOT_ID, dev.slot),
                       NULL, "Address Device")) < 0)
        goto fail;

    size_t got = 0;
    what = "GET_DESCRIPTOR(device, 8)";
    if ((err = get_descriptor(hc, &dev, USB_DT_DEVICE, 8, &got, what)) < 0)
        goto fail;
    if (got < 8) {
        err = -EPROTO;
        goto fail;
    }
    uint8_t real_mps0 = dev.buf[7];
    if (speed == XHCI_SPEED_FULL && real_mps0 != mps0 &&
        (real_mps0 == 8 || real_mps0 == 16 || real_mps0 == 32 || real_mps0 == 64)) {
        /* [§4.6.7] Evaluate Context with only EP0 added. */
        memset(dev.in_ctx, 0, 4096);
        icc->add_flags = 1u << 1;
        ep0->dw1 = 3u << XHCI_EP_CERR_SHIFT | (uint32_t)XHCI_EP_CONTROL << XHCI_EP_TYPE_SHIFT |
                   (uint32_t)real_mps0 << XHCI_EP_MAX_PACKET_SHIFT;
        what = "Evaluate Context";
        if ((err = command(hc, dev.in_phys,
                           XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_EVALUATE_CONTEXT) |
                               XHCI_SET(XHCI_TRB_SLOT_ID, dev.slot),
                           NULL, what)) < 0)
            goto fail;
    }
    what = "GET_DESCRIPTOR(device)";
    if ((err = get_descriptor(hc, &dev, USB_DT_DEVICE, sizeof(struct usb_device_desc), &got,
                              what)) < 0)
        goto fail;
    if (got < sizeof(struct usb_device_desc)) {
        err = -EPROTO;
        goto fail;
    }
    struct usb_device_desc dd;
    memcpy(&dd, dev.buf, sizeof(dd));

    what = "GET_DESCRIPTOR(configuration, 9)";
    if ((err = get_descriptor(hc, &dev, USB_DT_CONFIG, 9, &got, what)) < 0)
        goto fail;
    if (got < 9) {
        err = -EPROTO;
        goto fail;
    }
    uint16_t total = (uint16_t)(dev.buf[2] | dev.buf[3] << 8);
    if (total > CFG_BUF)
        total = CFG_BUF;
    what = "GET_DESCRIPTOR(configuration)";
    if ((err = get_descriptor(hc, &dev, USB_DT_CONFIG, total, &got, what)) < 0)
        goto fail;
    if (dd.bDeviceClass == USB_CLASS_HUB) {
        if (loc->depth >= USB_MAX_HUB_DEPTH) {
            kprintf("%s: port %s: hub nested too deep; ignored\n", hc->name, loc->name);
            return 0;
        }
        return hub_attach(hc, &dev, got >= 9 ? dev.buf[5] : 1, &dd);
    }
    struct usb_boot_kbd bk;
    err = usb_find_boot_keyboard(dev.buf, got, &bk);
    if (err == -ENOENT) {
        kprintf("%s: port %s: USB device %04x:%04x (class %02x), not a boot keyboard; "
                "left unconfigured\n", hc->name, loc->name, dd.idVendor, dd.idProduct,
                dd.bDeviceClass);
        return 0;
    }
    what = "parse the configuration";
    struct usb_kbd *k = NULL;
    for (unsigned i = 0; i < MAX_KEYBOARDS && k == NULL; i++)
        if (hc->kbds[i].slot == 0)
            k = &hc->kbds[i];
    if (err < 0 || k == NULL) {
        err = err < 0 ? err : -ENOSPC;
        goto fail;
    }
    memset(k, 0, sizeof(*k));
    k->hc = hc;
    k->slot = dev.slot; /* the entry is taken; enumerate() gives it back on failure */
    k->dci = xhci_dci(bk.ep_address & 0x0F, 1);
    k->report_len = bk.max_packet < 64 ? bk.max_packet : 64;
    k->report = xhci_dma(hc, 4096, &k->report_phys);
    what = "allocate memory";
    if (k->report == NULL || ring_init(hc, &k->ring) < 0) {
        err = -ENOMEM;
        goto fail;
    }

    /* [§4.3.5, §6.2.3] Configure Endpoint: Slot (Context Entries) + the
     * interrupt IN endpoint. */
    memset(dev.in_ctx, 0, 4096);
    icc->add_flags = (1u << 0) | (1u << k->dci);
    slot_ctx_fill(sc, loc, speed, k->dci);
    struct xhci_ep_ctx *ep = ctx_at(hc, dev.in_ctx, 1 + k->dci);
    unsigned burst = speed == XHCI_SPEED_HIGH ? bk.mult : 0;
    uint32_t esit = bk.max_packet * (burst + 1);
    ep->dw0 = usb_xhci_interrupt_interval(speed, bk.interval) << XHCI_EP_INTERVAL_SHIFT;
    ep->dw1 = 3u << XHCI_EP_CERR_SHIFT | (uint32_t)XHCI_EP_INTERRUPT_IN << XHCI_EP_TYPE_SHIFT |
              burst << XHCI_EP_MAX_BURST_SHIFT |
              (uint32_t)bk.max_packet << XHCI_EP_MAX_PACKET_SHIFT;
    ep->tr_dequeue = k->ring.phys | XHCI_EP_DCS;
    ep->dw4 = (esit & 0xFFFF) << XHCI_EP_MAX_ESIT_LO_SHIFT | 8;
    what = "Configure Endpoint";
    if ((err = command(hc, dev.in_phys,
                       XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_CONFIGURE_ENDPOINT) |
                           XHCI_SET(XHCI_TRB_SLOT_ID, dev.slot),
                       NULL, what)) < 0)
        goto fail;
    what = "SET_CONFIGURATION";
    if ((err = control(hc, &dev, 0, USB_REQ_SET_CONFIGURATION, bk.config_value, 0, 0, NULL,
                       what)) < 0)
        goto fail;
    what = "SET_PROTOCOL(boot)";
    if ((err = control(hc, &dev, USB_TYPE_CLASS | USB_RECIP_INTERFACE, USB_HID_SET_PROTOCOL,
                       USB_HID_PROTOCOL_BOOT, bk.interface, 0, NULL, what)) < 0)
        goto fail;
    /* Reports only on change; repeat is ours. A stall here is allowed
     * [HID 1.11 §7.2.4: devices may not support SET_IDLE]; EP0 is not
     * used afterwards, so its halted state does not matter. */
    (void)control(hc, &dev, USB_TYPE_CLASS | USB_RECIP_INTERFACE, USB_HID_SET_IDLE, 0,
                  bk.interface, 0, NULL, "SET_IDLE(0)");

    kbd_init(&k->kbd, kbd_boot_layout(), true);
    k->active = true;
    bool on = irq_save();
    kbd_queue_report(k);
    irq_restore(on);
    static const char *const speeds[] = { "?", "full", "low", "high", "super", "super+" };
    kprintf("%s: port %s: USB keyboard %04x:%04x, %s speed, slot %u, endpoint %02x "
            "(boot protocol, layout %s)\n", hc->name, loc->name, dd.idVendor, dd.idProduct,
            speeds[speed <= 5 ? speed : 0], dev.slot, bk.ep_address,
            kbd_layout_name(k->kbd.layout));
    return 1;

fail:
    kprintf("%s: port %s: %s failed (%s); device ignored\n", hc->name, loc->name, what,
            errno_name(err));
    return err;
}

/*
 * One device: its memory, setup_device(), and on failure [§4.6.4] Disable
 * Slot, after which the controller no longer touches the device's contexts,
 * rings and buffers. The input context and descriptor buffer are only used
 * while commands and control transfers run, so they go in any case, unless
 * the slot could not be disabled (a late transfer could still land there).
 */
static int enumerate(struct xhci *hc, const struct usb_loc *loc, unsigned speed)
{
    struct usb_dev dev = { .loc = loc, .speed = speed };
    int r = -ENOMEM;

    dev.in_ctx = xhci_dma(hc, 4096, &dev.in_phys);
    dev.out_ctx = xhci_dma(hc, 4096, &dev.out_phys);
    dev.buf = xhci_dma(hc, 4096, &dev.buf_phys);
    if (dev.in_ctx != NULL && dev.out_ctx != NULL && dev.buf != NULL &&
        ring_init(hc, &dev.ep0) == 0)
        r = setup_device(hc, &dev);
    else
        kprintf("%s: port %s: out of DMA memory; device ignored\n", hc->name, loc->name);

    bool released = true;
    if (r < 0 && dev.slot != 0) {
        released = command(hc, 0,
                           XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_DISABLE_SLOT) |
                               XHCI_SET(XHCI_TRB_SLOT_ID, dev.slot),
                           NULL, "Disable Slot") == 0;
        if (released)
            hc->dcbaa[dev.slot] = 0;
    }
    if (!released)
        return r; /* everything stays allocated: the controller may still use it */
    if (r < 0) {
        release_kbd(hc, dev.slot);
        dma_free(dev.out_ctx, 4096);
        dma_free(dev.ep0.trbs, RING_TRBS * sizeof(struct xhci_trb));
    } else if (dev.slot != 0) {
        hc->slots[dev.slot].root_port = (uint8_t)loc->root_port;
        hc->slots[dev.slot].out_ctx = dev.out_ctx;
        hc->slots[dev.slot].ep0 = dev.ep0.trbs;
    }
    dma_free(dev.in_ctx, 4096);
    dma_free(dev.buf, 4096);
    return r;
}

/* ---- hot-plug (root-hub ports) ------------------------------------------ */

/* The keyboard entry of a slot the controller no longer uses, and its memory. */
static void release_kbd(struct xhci *hc, unsigned slot)
{
    for (unsigned i = 0; i < MAX_KEYBOARDS; i++) {
        struct usb_kbd *k = &hc->kbds[i];
        if (k->slot != slot || slot == 0)
            continue;
        bool on = irq_save();
        k->active = false;
        irq_restore(on);
        dma_free(k->report, 4096);
        dma_free(k->ring.trbs, RING_TRBS * sizeof(struct xhci_trb));
        memset(k, 0, sizeof(*k));
    }
}

/* Everything on a root port that went away: [§4.6.4] Disable Slot each. */
static void port_disconnect(struct xhci *hc, unsigned port)
{
    unsigned n = 0;
    for (unsigned s = 1; s < 256; s++) {
        if (hc->slots[s].root_port != port)
            continue;
        n++;
        if (command(hc, 0,
                    XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_DISABLE_SLOT) | XHCI_SET(XHCI_TRB_SLOT_ID, s),
                    NULL, "Disable Slot") < 0)
            continue; /* memory stays: the controller may still use it */
        hc->dcbaa[s] = 0;
        release_kbd(hc, s);
        dma_free(hc->slots[s].out_ctx, 4096);
        dma_free(hc->slots[s].ep0, RING_TRBS * sizeof(struct xhci_trb));
        hc->slots[s].root_port = 0;
    }
    kprintf("%s: port %u: disconnected (%u device%s released)\n", hc->name, port, n,
            n == 1 ? "" : "s");
}

static bool port_in_use(struct xhci *hc, unsigned port)
{
    for (unsigned s = 1; s < 256; s++)
        if (hc->slots[s].root_port == port)
            return true;
    return false;
}

/*
 * Root ports that changed: a new connection is enumerated, a lost one
 * released. Runs from the console's poll, not from the interrupt: it waits
 * for commands. Our own port resets also post changes; a port with devices
 * and a connection, or without a new connection (CSC), is left alone.
 */
static void hotplug(struct xhci *hc)
{
    hc->enumerating = true;
    for (unsigned port = 1; port <= hc->max_ports && port < 256; port++) {
        bool on = irq_save();
        bool changed = (hc->port_change[port / 32] >> (port % 32)) & 1;
        hc->port_change[port / 32] &= ~(1u << (port % 32));
        irq_restore(on);
        if (!changed)
            continue;
        uint32_t sc = portsc_rd(hc, port);
        portsc_wr(hc, port, (sc & XHCI_PORTSC_PRESERVE_MASK) | (sc & XHCI_PORTSC_CHANGE_BITS));
        bool in_use = port_in_use(hc, port);
        if (!(sc & XHCI_PORTSC_CCS) && in_use) {
            port_disconnect(hc, port);
        } else if ((sc & XHCI_PORTSC_CCS) && (sc & XHCI_PORTSC_CSC) && !in_use) {
            unsigned speed = port_enable(hc, port);
            if (speed == 0)
                continue;
            struct usb_loc loc = { .root_port = port };
            ksnprintf(loc.name, sizeof(loc.name), "%u", port);
            (void)enumerate(hc, &loc, speed);
        }
    }
    hc->enumerating = false;
}

/* [§4.19.1.1 / §4.19.5] A connected USB2 port needs a reset to be enabled;
 * a USB3 port enables itself after link training. Returns the speed or 0. */
static unsigned port_enable(struct xhci *hc, unsigned port)
{
    uint32_t sc = portsc_rd(hc, port);
    if (!(sc & XHCI_PORTSC_CCS))
        return 0;
    if (hc->port_major[port] != 3) {
        portsc_wr(hc, port, (sc & XHCI_PORTSC_PRESERVE_MASK) | XHCI_PORTSC_PR);
        struct deadline d = deadline_in_ns(PORT_RESET_TIMEOUT_NS);
        while (!(portsc_rd(hc, port) & XHCI_PORTSC_PRC)) {
            if (deadline_passed(d)) {
                kprintf("%s: port %u: reset did not complete (PORTSC %#x)\n", hc->name, port,
                        portsc_rd(hc, port));
                return 0;
            }
            udelay(100);
        }
        udelay(10000); /* TRSTRCY: 10 ms recovery [USB 2.0 §7.1.7.5] */
    } else {
        struct deadline d = deadline_in_ns(PORT_RESET_TIMEOUT_NS);
        while (!(portsc_rd(hc, port) & XHCI_PORTSC_PED) && !deadline_passed(d))
            udelay(100);
    }
    sc = portsc_rd(hc, port);
    portsc_wr(hc, port, (sc & XHCI_PORTSC_PRESERVE_MASK) | (sc & XHCI_PORTSC_CHANGE_BITS));
    if (!(sc & XHCI_PORTSC_PED)) {
        kprintf("%s: port %u: connected but not enabled (PORTSC %#x)\n", hc->name, port, sc);
        return 0;
    }
    return XHCI_GET(sc, XHCI_PORTSC_SPEED);
}

static int xhci_attach(struct pci_device *pd, unsigned index)
{
    char bdf[16];
    struct pci_bar *bar = &pd->bars[0];
    if (bar->size == 0 || bar->is_io) {
        kprintf("xhci: %s: BAR0 is not a memory BAR; skipped\n", pci_name(pd, bdf, sizeof(bdf)));
        return -ENODEV;
    }
    struct xhci *hc = kzalloc(sizeof(*hc));
    if (hc == NULL)
        return -ENOMEM;
    hc->pci = pd;
    ksnprintf(hc->name, sizeof(hc->name), "xhci%u", index);
    pci_enable_memory(pd);
    pci_enable_bus_master(pd);
    hc->cap = vmm_map_mmio(bar->base, bar->size);
    if (hc->cap == NULL) {
        kprintf("%s: cannot map BAR0\n", hc->name);
        kfree(hc);
        return -ENOMEM;
    }
    /* CAPLENGTH and HCIVERSION as one dword: some controllers answer only
     * dword reads there (and QEMU's answers a 16-bit read of HCIVERSION with 0). */
    uint32_t dw0 = mmio_read32(hc->cap + XHCI_CAPLENGTH);
    uint8_t caplength = (uint8_t)dw0;
    uint16_t version = (uint16_t)(dw0 >> 16);
    uint32_t hcs1 = mmio_read32(hc->cap + XHCI_HCSPARAMS1);
    uint32_t hcc1 = mmio_read32(hc->cap + XHCI_HCCPARAMS1);
    uint32_t dboff = mmio_read32(hc->cap + XHCI_DBOFF) & XHCI_DBOFF_MASK;
    uint32_t rtsoff = mmio_read32(hc->cap + XHCI_RTSOFF) & XHCI_RTSOFF_MASK;
    if (caplength < 0x20 || caplength == 0xFF || dboff >= bar->size || rtsoff >= bar->size) {
        kprintf("%s: capability registers make no sense (CAPLENGTH %#x DBOFF %#x RTSOFF %#x)\n",
                hc->name, caplength, dboff, rtsoff);
        goto err_free;
    }
    hc->op = hc->cap + caplength;
    hc->rt = hc->cap + rtsoff;
    hc->db = hc->cap + dboff;
    hc->max_slots = XHCI_GET(hcs1, XHCI_HCSPARAMS1_MAXSLOTS);
    hc->max_ports = XHCI_GET(hcs1, XHCI_HCSPARAMS1_MAXPORTS);
    hc->ctx_size = (hcc1 & XHCI_HCCPARAMS1_CSZ) ? 64 : 32;
    hc->ac64 = (hcc1 & XHCI_HCCPARAMS1_AC64) != 0;
    if (caplength + XHCI_PORT_REGS + hc->max_ports * XHCI_PORT_REGS_SIZE > bar->size) {
        kprintf("%s: %u ports do not fit in BAR0\n", hc->name, hc->max_ports);
        goto err_free;
    }
    kprintf("%s: %s %04x:%04x, xHCI %x.%02x, %u slots, %u ports, %u-byte contexts\n", hc->name,
            pci_name(pd, bdf, sizeof(bdf)), pd->vendor_id, pd->device_id, version >> 8,
            version & 0xFF, hc->max_slots, hc->max_ports, hc->ctx_size);

    bios_handoff(hc);
    bool rerouted = intel_route_ports(hc);
    if (halt_and_reset(hc) < 0)
        goto err_free;
    if (!(op_rd(hc, XHCI_PAGESIZE) & 1)) {
        kprintf("%s: no 4 KiB page size (PAGESIZE %#x); skipped\n", hc->name,
                op_rd(hc, XHCI_PAGESIZE));
        goto err_free;
    }

    hc->dcbaa = xhci_dma(hc, 4096, &hc->dcbaa_phys);
    if (hc->dcbaa == NULL || setup_scratchpad(hc) < 0 || ring_init(hc, &hc->cmd) < 0 ||
        setup_event_ring(hc) < 0) {
        kprintf("%s: out of DMA memory%s\n", hc->name, hc->ac64 ? "" : " below 4 GiB");
        goto err_reset;
    }
    op_wr(hc, XHCI_CONFIG, hc->max_slots & XHCI_CONFIG_MAXSLOTSEN_MASK);
    op_wr64(hc, XHCI_DCBAAP, hc->dcbaa_phys);
    op_wr64(hc, XHCI_CRCR, hc->cmd.phys | XHCI_CRCR_RCS);
    ir_wr(hc, XHCI_IMAN, XHCI_IMAN_IP); /* interrupts stay off while enumerating */
    op_wr(hc, XHCI_USBCMD, XHCI_USBCMD_RS);
    if (wait_op(hc, XHCI_USBSTS, XHCI_USBSTS_HCH, 0, HALT_TIMEOUT_NS) < 0) {
        kprintf("%s: did not start (USBSTS %#x)\n", hc->name, op_rd(hc, XHCI_USBSTS));
        goto err_reset;
    }

    /* [§4.19.4] Ports without power when the controller controls it. */
    if (hcc1 & XHCI_HCCPARAMS1_PPC) {
        bool powered = false;
        for (unsigned p = 1; p <= hc->max_ports; p++) {
            uint32_t sc = portsc_rd(hc, p);
            if (!(sc & XHCI_PORTSC_PP)) {
                portsc_wr(hc, p, (sc & XHCI_PORTSC_PRESERVE_MASK) | XHCI_PORTSC_PP);
                powered = true;
            }
        }
        if (powered)
            udelay(20000); /* 2 x bPwrOn2PwrGood, as root hubs report it [§5.4.8 PP] */
    }
    if (rerouted)
        udelay(200000); /* devices moved over from EHCI connect again (a guess: 200 ms) */
    unsigned found = 0;
    hc->enumerating = true;
    for (unsigned p = 1; p <= hc->max_ports && p < 256; p++) {
        unsigned speed = port_enable(hc, p);
        if (speed == 0)
            continue;
        struct usb_loc loc = { .root_port = p };
        ksnprintf(loc.name, sizeof(loc.name), "%u", p);
        int r = enumerate(hc, &loc, speed);
        if (r > 0)
            found += (unsigned)r;
    }
    hc->enumerating = false;

    const char *irq_opt = cmdline_get("xhci.irq");
    const char *irq = irq_opt != NULL && strcmp(irq_opt, "poll") == 0 ? NULL : setup_interrupt(hc);
    if (irq != NULL) {
        ir_wr(hc, XHCI_IMOD, 4000); /* at most one interrupt per ms (250 ns units) */
        ir_wr(hc, XHCI_IMAN, XHCI_IMAN_IP | XHCI_IMAN_IE);
        op_wr(hc, XHCI_USBCMD, op_rd(hc, XHCI_USBCMD) | XHCI_USBCMD_INTE);
    }
    hc->input.name = hc->name;
    hc->input.poll = xhci_poll;
    hc->input.ctx = hc;
    hc->input.needs_poll = false; /* the console's 10 ms wake polls without MSI too */
    console_register_input(&hc->input);
    kprintf("%s: %u keyboard%s; events by %s\n", hc->name, found, found == 1 ? "" : "s",
            irq != NULL ? irq : "polling");
    pd->driver = "xhci";
    return (int)found;

err_reset:
    /* A reset drops the controller's pointers into our memory. The memory
     * itself (a few pages of set-up data) is not tracked for freeing. */
    (void)halt_and_reset(hc);
err_free:
    pd->driver = NULL;
    kfree(hc);
    return -EIO;
}

int xhci_init(void)
{
    const char *opt = cmdline_get("xhci");
    if (opt != NULL && strcmp(opt, "off") == 0) {
        kprintf("xhci: off (boot option)\n");
        return 0;
    }
    int total = 0;
    unsigned index = 0;
    for (struct pci_device *pd = pci_find_class(0x0C, 0x03, 0x30, NULL); pd != NULL;
         pd = pci_find_class(0x0C, 0x03, 0x30, pd)) {
        int r = xhci_attach(pd, index++);
        if (r > 0)
            total += r;
    }
    return total;
}
