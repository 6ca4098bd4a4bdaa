/*
 * drivers/usb/xhci_dev.c - xHCI host controller driver, just enough USB for
 * keyboards: the device half. Control transfers, device enumeration, hubs,
 * HID boot keyboards on their interrupt IN endpoint, root-port enable and
 * hot-plug. (The controller is in xhci.c; what the two share, and the rules,
 * in xhci_internal.h.)
 *
 * Spec: xHCI 1.2 (see xhci_regs.h), USB 2.0, HID 1.11:
 *   §4.19    root hub ports: power, reset (USB2; USB3 ports train by
 *            themselves), speed
 *   §4.3     USB device initialization: Enable Slot (§4.3.2), Address Device
 *            (§4.3.3), default control endpoint packet size (§4.3.4 note,
 *            Evaluate Context §4.6.7), descriptors, Configure Endpoint
 *            (§4.3.5, §4.6.6), SET_CONFIGURATION
 *   §4.11.2.2 control transfers: Setup, Data, Status stage TRBs
 *   HID 1.11 §7.2.5/§7.2.6  SET_PROTOCOL(boot), SET_IDLE(0), then 8-byte
 *            reports from the interrupt IN endpoint (Normal TRBs, §4.11.2.1)
 *
 * Hubs (USB 2.0 §11.24) are walked, five deep at most. Root-hub ports are
 * hot-plug: Port Status Change events mark them, and the console's poll
 * enumerates what arrived and releases what left; hub ports are polled
 * (GET_STATUS, §11.24.2.7) from the same poll. Deferred to the poll too:
 * halted keyboard endpoints (§4.6.8 Reset Endpoint, §4.6.10 Set TR Dequeue
 * Pointer, USB 2.0 §9.4.5 CLEAR_FEATURE(ENDPOINT_HALT); usb_halt.c) and the
 * lock LEDs (HID 1.11 §7.2.2 SET_REPORT). Limits: one configuration; hubs'
 * status-change endpoints are not used.
 * Every wait has a deadline; descriptors are bounds-checked (usb_desc.c).
 */
#include <string.h>

#include "drivers/input/hid_boot.h"
#include "drivers/input/kbd_layout_opt.h"
#include "drivers/input/keyboard.h"
#include "drivers/usb/usb_desc.h"
#include "drivers/usb/xhci_internal.h"
#include "drivers/usb/xhci_regs.h"
#include "drivers/usb/xhci_ring.h"
#include "kernel/arch/x86.h"
#include "kernel/console.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "lib/printf.h"

#define XFER_TIMEOUT_NS (1500 * NSEC_PER_MSEC)
#define PORT_RESET_TIMEOUT_NS (500 * NSEC_PER_MSEC)
#define CFG_BUF 512 /* configuration descriptors beyond this are cut (and parsed as cut) */

/* ---- control transfers ------------------------------------------------------ */

static void *ctx_at(struct xhci *hc, uint8_t *base, unsigned index)
{
    return base + index * hc->ctx_size;
}

/* [§4.6.8, §4.6.10] A control endpoint that halted (a request the device
 * stalled, a transaction error): Reset Endpoint, then the dequeue pointer to
 * our enqueue pointer. The device needs nothing: a STALL on a control pipe
 * ends with the next SETUP [USB 2.0 §8.5.3.4]. */
static void ep0_unhalt(struct xhci *hc, struct usb_dev *dev)
{
    uint32_t target = XHCI_SET(XHCI_TRB_EP_ID, 1) | XHCI_SET(XHCI_TRB_SLOT_ID, dev->slot);
    uint64_t deq = (dev->ep0.phys + dev->ep0.enq * sizeof(struct xhci_trb)) | (dev->ep0.cycle & 1);
    if (xhci_command(hc, 0, XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_RESET_ENDPOINT) | target, NULL,
                     "Reset Endpoint (control)") == 0)
        (void)xhci_command(hc, deq, XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_SET_TR_DEQUEUE) | target,
                           NULL, "Set TR Dequeue Pointer (control)");
}

/* [§4.11.2.2] Setup, optional Data, Status stage. The data goes IN into
 * dev->buf, OUT from dev->buf or, when imm is given (at most 8 bytes), as
 * Immediate Data in the Data Stage TRB [§6.4.1.2.2 IDT]. */
static int control_xfer(struct xhci *hc, struct usb_dev *dev, uint8_t type, uint8_t req,
                        uint16_t value, uint16_t index, uint16_t length, const void *imm,
                        size_t *actual, const char *what)
{
    struct usb_setup s = { type, req, value, index, length };
    uint64_t setup, data = dev->buf_phys;
    memcpy(&setup, &s, sizeof(setup));
    bool in = (type & USB_DIR_IN) != 0;
    uint32_t trt = length == 0 ? XHCI_TRT_NO_DATA : in ? XHCI_TRT_IN_DATA : XHCI_TRT_OUT_DATA;

    if (length > CFG_BUF || (imm != NULL && (in || length > 8)))
        return -EINVAL;
    if (imm != NULL) {
        data = 0;
        memcpy(&data, imm, length);
    }
    memset(&hc->wait, 0, sizeof(hc->wait));
    xhci_ring_push(&dev->ep0, setup, 8,
              XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_SETUP_STAGE) | XHCI_TRB_IDT |
                  XHCI_SET(XHCI_TRB_TRT, trt));
    if (length > 0)
        hc->wait.data_trb = xhci_ring_push(&dev->ep0, data, length,
                                      XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_DATA_STAGE) |
                                          (imm != NULL ? XHCI_TRB_IDT : XHCI_TRB_ISP) |
                                          (in ? XHCI_TRB_DIR_IN : 0));
    hc->wait.trb = xhci_ring_push(&dev->ep0, 0, 0,
                             XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_STATUS_STAGE) | XHCI_TRB_IOC |
                                 (length == 0 || !in ? XHCI_TRB_DIR_IN : 0));
    xhci_doorbell(hc, dev->slot, 1);
    int err = xhci_wait_completion(hc, XFER_TIMEOUT_NS);
    if (err < 0) {
        kprintf("%s: port %s: %s: no answer within %llu ms\n", hc->name, dev->loc->name, what,
                (unsigned long long)(XFER_TIMEOUT_NS / NSEC_PER_MSEC));
        return err;
    }
    if (hc->wait.cc != XHCI_CC_SUCCESS && hc->wait.cc != XHCI_CC_SHORT_PACKET) {
        uint8_t cc = hc->wait.cc;
        kprintf("%s: port %s: %s failed: completion code %u (%s)\n", hc->name, dev->loc->name, what,
                cc, xhci_cc_name(cc));
        if (usb_halt_cc_halts(cc))
            ep0_unhalt(hc, dev);
        return -EIO;
    }
    if (actual != NULL)
        *actual = hc->wait.residual <= length ? length - hc->wait.residual : 0;
    return 0;
}

static int control(struct xhci *hc, struct usb_dev *dev, uint8_t type, uint8_t req,
                   uint16_t value, uint16_t index, uint16_t length, size_t *actual,
                   const char *what)
{
    return control_xfer(hc, dev, type, req, value, index, length, NULL, actual, what);
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
    xhci_doorbell(k->hc, k->slot, k->dci);
}

/* A report arrived (or the transfer failed). Interrupts off. */
void xhci_kbd_report(struct usb_kbd *k, uint32_t cc, uint32_t residual)
{
    if (!usb_halt_note(&k->halt, (uint8_t)cc)) {
        /* Halted (the poll recovers it) or given up (the poll says so). No
         * report comes meanwhile, so no release either: stop repeating. */
        k->kbd.repeat_usage = HID_KEY_NONE;
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

/* ---- keyboards: deferred work (the console's poll) ------------------------ */

static struct usb_dev *kbd_dev(struct usb_kbd *k)
{
    return k->slot != 0 && k->slot < 256 ? k->hc->slots[k->slot].dev : NULL;
}

/* [§4.6.8] Reset Endpoint with TSP 0: Halted to Stopped. */
static int kbd_reset_endpoint(void *ctx)
{
    struct usb_kbd *k = ctx;
    return xhci_command(k->hc, 0,
                        XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_RESET_ENDPOINT) |
                            XHCI_SET(XHCI_TRB_EP_ID, k->dci) | XHCI_SET(XHCI_TRB_SLOT_ID, k->slot),
                        NULL, "Reset Endpoint");
}

/* [§4.6.10, §6.4.3.9] Set TR Dequeue Pointer to our enqueue pointer and its
 * cycle state: the failed TRB and anything after it are skipped. */
static int kbd_set_dequeue(void *ctx)
{
    struct usb_kbd *k = ctx;
    bool on = irq_save();
    uint64_t deq = (k->ring.phys + k->ring.enq * sizeof(struct xhci_trb)) | (k->ring.cycle & 1);
    irq_restore(on);
    return xhci_command(k->hc, deq,
                        XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_SET_TR_DEQUEUE) |
                            XHCI_SET(XHCI_TRB_EP_ID, k->dci) | XHCI_SET(XHCI_TRB_SLOT_ID, k->slot),
                        NULL, "Set TR Dequeue Pointer");
}

/* [USB 2.0 §9.4.1] CLEAR_FEATURE(ENDPOINT_HALT) to the endpoint. */
static int kbd_clear_halt(void *ctx)
{
    struct usb_kbd *k = ctx;
    struct usb_dev *dev = kbd_dev(k);
    if (dev == NULL)
        return -ENODEV;
    return control(k->hc, dev, USB_RECIP_ENDPOINT, USB_REQ_CLEAR_FEATURE_STD,
                   USB_FEATURE_ENDPOINT_HALT, k->ep_address, 0, NULL,
                   "CLEAR_FEATURE(ENDPOINT_HALT)");
}

static void kbd_requeue(void *ctx)
{
    struct usb_kbd *k = ctx;
    bool on = irq_save();
    kbd_queue_report(k);
    irq_restore(on);
}

static const struct usb_halt_ops kbd_halt_ops = {
    kbd_reset_endpoint, kbd_set_dequeue, kbd_clear_halt, kbd_requeue,
};

/* [HID 1.11 §7.2.2] SET_REPORT(Output, ID 0) with the lock bits [Appendix
 * B.1: the boot keyboard's 1-byte output report]. The byte goes as
 * Immediate Data in the Data Stage TRB [§4.11.2.2, §6.4.1.2.2: IDT for OUT
 * data of up to 8 bytes]. */
static int kbd_set_leds(struct usb_kbd *k, uint8_t leds)
{
    struct usb_dev *dev = kbd_dev(k);
    if (dev == NULL)
        return -ENODEV;
    return control_xfer(k->hc, dev, USB_TYPE_CLASS | USB_RECIP_INTERFACE, USB_HID_SET_REPORT,
                        USB_HID_REPORT_OUTPUT << 8, k->interface, 1, &leds, NULL,
                        "SET_REPORT(LEDs)");
}

void xhci_kbd_service(struct xhci *hc)
{
    for (unsigned i = 0; i < MAX_KEYBOARDS; i++) {
        struct usb_kbd *k = &hc->kbds[i];
        bool on = irq_save();
        bool active = k->active;
        enum usb_halt_state st = k->halt.state;
        irq_restore(on);
        if (!active)
            continue;
        if (st == USB_EP_HALTED) {
            uint8_t cc = k->halt.cc;
            int r = usb_halt_recover(&k->halt, &kbd_halt_ops, k);
            if (r == 0)
                kprintf("%s: keyboard in slot %u: endpoint halted (%s), recovered\n", hc->name,
                        k->slot, xhci_cc_name(cc));
            st = k->halt.state;
        }
        if (st == USB_EP_GAVE_UP) {
            if (!k->gave_up_said)
                kprintf("%s: keyboard in slot %u stopped: completion code %u (%s)%s\n",
                        hc->name, k->slot, k->halt.cc, xhci_cc_name(k->halt.cc),
                        usb_halt_cc_halts(k->halt.cc) ? ", recovery failed" : "");
            k->gave_up_said = true;
            continue;
        }
        on = irq_save();
        uint8_t leds;
        bool due = kbd_leds_due(&k->kbd, &leds);
        irq_restore(on);
        if (due) {
            bool ok = kbd_set_leds(k, leds) == 0;
            on = irq_save();
            kbd_leds_done(&k->kbd, leds, ok);
            irq_restore(on);
        }
    }
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

static void release_kbd(struct xhci *hc, unsigned slot);

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
#define USB_PORT_STAT_C_CONNECTION 0x0001 /* in the change word */
#define HUB_POLL_FAILURES 3
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

/* [USB 2.0 §11.24.2.13, §11.5.1.5] A hub port with a device: reset it,
 * then enumerate what is there. Returns keyboards found, 0 if none, or -E. */
static int hub_port_attach(struct xhci *hc, struct usb_dev *hub, unsigned p)
{
    uint16_t st, ch;
    int err = hub_port_status(hc, hub, p, &st, &ch);
    if (err < 0)
        return err;
    if (!(st & USB_PORT_STAT_CONNECTION))
        return 0;
    if ((err = hub_port_feature(hc, hub, USB_REQ_SET_FEATURE, USB_PORT_FEAT_RESET, p)) < 0)
        return err;
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
        return -EIO;
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
    return xhci_enumerate(hc, &child, speed);
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
    if ((err = xhci_command(hc, hub->in_phys,
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

    hub->hub_ports = nports;
    int found = 0;
    for (unsigned p = 1; p <= nports; p++) {
        int r = hub_port_attach(hc, hub, p);
        if (r > 0)
            found += r;
    }
    return found;
}

/* Address Device, descriptors, then a hub or a keyboard: Configure Endpoint,
 * SET_CONFIGURATION, boot protocol. Returns keyboards started, or -E. */
static int setup_device(struct xhci *hc, struct usb_dev *dev)
{
    const struct usb_loc *loc = dev->loc;
    unsigned speed = dev->speed;
    const char *what = "Enable Slot";
    int err;

    if ((err = xhci_command(hc, 0, XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_ENABLE_SLOT), &dev->slot,
                            "Enable Slot")) < 0)
        goto fail;
    if (dev->slot == 0 || dev->slot > hc->max_slots) {
        err = -EIO;
        goto fail;
    }
        hc->dcbaa[dev->slot] = dev->out_phys;

    /* [§4.3.3] Input context: add the Slot and EP0 contexts. Default packet
     * size by speed [§4.3, USB 2.0 §5.5.3]; full speed is read back below. */
    unsigned mps0 = speed == XHCI_SPEED_LOW || speed == XHCI_SPEED_FULL ? 8
                    : speed == XHCI_SPEED_HIGH ? 64 : 512;
    struct xhci_input_ctrl_ctx *icc = ctx_at(hc, dev->in_ctx, 0);
    struct xhci_slot_ctx *sc = ctx_at(hc, dev->in_ctx, 1);
    struct xhci_ep_ctx *ep0 = ctx_at(hc, dev->in_ctx, 2);
    icc->add_flags = (1u << 0) | (1u << 1);
    slot_ctx_fill(sc, loc, speed, 1);
    ep0->dw1 = 3u << XHCI_EP_CERR_SHIFT | (uint32_t)XHCI_EP_CONTROL << XHCI_EP_TYPE_SHIFT |
               mps0 << XHCI_EP_MAX_PACKET_SHIFT;
    ep0->tr_dequeue = dev->ep0.phys | XHCI_EP_DCS;
    ep0->dw4 = 8; /* Average TRB Length: control transfers [§4.14.1.1] */
    what = "Address Device";
    if ((err = xhci_command(hc, dev->in_phys,
                            XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_ADDRESS_DEVICE) |
                                XHCI_SET(XHCI_TRB_SLOT_ID, dev->slot),
                            NULL, "Address Device")) < 0)
        goto fail;

    size_t got = 0;
    what = "GET_DESCRIPTOR(device, 8)";
    if ((err = get_descriptor(hc, dev, USB_DT_DEVICE, 8, &got, what)) < 0)
        goto fail;
    if (got < 8) {
        err = -EPROTO;
        goto fail;
    }
    uint8_t real_mps0 = dev->buf[7];
    if (speed == XHCI_SPEED_FULL && real_mps0 != mps0 &&
        (real_mps0 == 8 || real_mps0 == 16 || real_mps0 == 32 || real_mps0 == 64)) {
        /* [§4.6.7] Evaluate Context with only EP0 added. */
        memset(dev->in_ctx, 0, 4096);
        icc->add_flags = 1u << 1;
        ep0->dw1 = 3u << XHCI_EP_CERR_SHIFT | (uint32_t)XHCI_EP_CONTROL << XHCI_EP_TYPE_SHIFT |
                   (uint32_t)real_mps0 << XHCI_EP_MAX_PACKET_SHIFT;
        what = "Evaluate Context";
        if ((err = xhci_command(hc, dev->in_phys,
                                XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_EVALUATE_CONTEXT) |
                                    XHCI_SET(XHCI_TRB_SLOT_ID, dev->slot),
                                NULL, what)) < 0)
            goto fail;
    }
    what = "GET_DESCRIPTOR(device)";
    if ((err = get_descriptor(hc, dev, USB_DT_DEVICE, sizeof(struct usb_device_desc), &got,
                              what)) < 0)
        goto fail;
    if (got < sizeof(struct usb_device_desc)) {
        err = -EPROTO;
        goto fail;
    }
    struct usb_device_desc dd;
    memcpy(&dd, dev->buf, sizeof(dd));

    what = "GET_DESCRIPTOR(configuration, 9)";
    if ((err = get_descriptor(hc, dev, USB_DT_CONFIG, 9, &got, what)) < 0)
        goto fail;
    if (got < 9) {
        err = -EPROTO;
        goto fail;
    }
    uint16_t total = (uint16_t)(dev->buf[2] | dev->buf[3] << 8);
    if (total > CFG_BUF)
        total = CFG_BUF;
    what = "GET_DESCRIPTOR(configuration)";
    if ((err = get_descriptor(hc, dev, USB_DT_CONFIG, total, &got, what)) < 0)
        goto fail;
    if (dd.bDeviceClass == USB_CLASS_HUB) {
        if (loc->depth >= USB_MAX_HUB_DEPTH) {
            kprintf("%s: port %s: hub nested too deep; ignored\n", hc->name, loc->name);
            return 0;
        }
        return hub_attach(hc, dev, got >= 9 ? dev->buf[5] : 1, &dd);
    }
    struct usb_boot_kbd bk;
    err = usb_find_boot_keyboard(dev->buf, got, &bk);
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
    k->slot = dev->slot; /* the entry is taken; xhci_enumerate() gives it back on failure */
    k->dci = xhci_dci(bk.ep_address & 0x0F, 1);
    k->ep_address = bk.ep_address;
    k->interface = bk.interface;
    k->report_len = bk.max_packet < 64 ? bk.max_packet : 64;
    k->report = xhci_dma(hc, 4096, &k->report_phys);
    what = "allocate memory";
    if (k->report == NULL || xhci_ring_alloc(hc, &k->ring) < 0) {
        err = -ENOMEM;
        goto fail;
    }

    /* [§4.3.5, §6.2.3] Configure Endpoint: Slot (Context Entries) + the
     * interrupt IN endpoint. */
    memset(dev->in_ctx, 0, 4096);
    icc->add_flags = (1u << 0) | (1u << k->dci);
    slot_ctx_fill(sc, loc, speed, k->dci);
    struct xhci_ep_ctx *ep = ctx_at(hc, dev->in_ctx, 1 + k->dci);
    unsigned burst = speed == XHCI_SPEED_HIGH ? bk.mult : 0;
    uint32_t esit = bk.max_packet * (burst + 1);
    ep->dw0 = usb_xhci_interrupt_interval(speed, bk.interval) << XHCI_EP_INTERVAL_SHIFT;
    ep->dw1 = 3u << XHCI_EP_CERR_SHIFT | (uint32_t)XHCI_EP_INTERRUPT_IN << XHCI_EP_TYPE_SHIFT |
              burst << XHCI_EP_MAX_BURST_SHIFT |
              (uint32_t)bk.max_packet << XHCI_EP_MAX_PACKET_SHIFT;
    ep->tr_dequeue = k->ring.phys | XHCI_EP_DCS;
    ep->dw4 = (esit & 0xFFFF) << XHCI_EP_MAX_ESIT_LO_SHIFT | 8;
    what = "Configure Endpoint";
    if ((err = xhci_command(hc, dev->in_phys,
                            XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_CONFIGURE_ENDPOINT) |
                                XHCI_SET(XHCI_TRB_SLOT_ID, dev->slot),
                            NULL, what)) < 0)
        goto fail;
    what = "SET_CONFIGURATION";
    if ((err = control(hc, dev, 0, USB_REQ_SET_CONFIGURATION, bk.config_value, 0, 0, NULL,
                       what)) < 0)
        goto fail;
    what = "SET_PROTOCOL(boot)";
    if ((err = control(hc, dev, USB_TYPE_CLASS | USB_RECIP_INTERFACE, USB_HID_SET_PROTOCOL,
                       USB_HID_PROTOCOL_BOOT, bk.interface, 0, NULL, what)) < 0)
        goto fail;
    /* Reports only on change; repeat is ours. A stall here is allowed
     * [HID 1.11 §7.2.4: devices may not support SET_IDLE]; control()
     * recovers the halted control endpoint (LEDs use it later). */
    (void)control(hc, dev, USB_TYPE_CLASS | USB_RECIP_INTERFACE, USB_HID_SET_IDLE, 0,
                  bk.interface, 0, NULL, "SET_IDLE(0)");

    kbd_init(&k->kbd, kbd_boot_layout(), true);
    k->active = true;
    bool on = irq_save();
    kbd_queue_report(k);
    irq_restore(on);
    static const char *const speeds[] = { "?", "full", "low", "high", "super", "super+" };
    kprintf("%s: port %s: USB keyboard %04x:%04x, %s speed, slot %u, endpoint %02x "
            "(boot protocol, layout %s)\n", hc->name, loc->name, dd.idVendor, dd.idProduct,
            speeds[speed <= 5 ? speed : 0], dev->slot, bk.ep_address,
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
int xhci_enumerate(struct xhci *hc, const struct usb_loc *loc, unsigned speed)
{
    struct usb_dev *dev = kzalloc(sizeof(*dev));
    int r = -ENOMEM;
    if (dev == NULL) {
        kprintf("%s: port %s: out of memory; device ignored\n", hc->name, loc->name);
        return r;
    }
    dev->where = *loc;
    dev->loc = &dev->where;
    dev->speed = speed;
    dev->in_ctx = xhci_dma(hc, 4096, &dev->in_phys);
    dev->out_ctx = xhci_dma(hc, 4096, &dev->out_phys);
    dev->buf = xhci_dma(hc, 4096, &dev->buf_phys);
    if (dev->in_ctx != NULL && dev->out_ctx != NULL && dev->buf != NULL &&
        xhci_ring_alloc(hc, &dev->ep0) == 0)
        r = setup_device(hc, dev);
    else
        kprintf("%s: port %s: out of DMA memory; device ignored\n", hc->name, loc->name);

    bool released = true;
    if (r < 0 && dev->slot != 0) {
        released = xhci_command(hc, 0,
                                XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_DISABLE_SLOT) |
                                    XHCI_SET(XHCI_TRB_SLOT_ID, dev->slot),
                                NULL, "Disable Slot") == 0;
        if (released)
            hc->dcbaa[dev->slot] = 0;
    }
    if (!released)
        return r; /* everything stays allocated: the controller may still use it */
    dma_free(dev->in_ctx, 4096);
    dev->in_ctx = NULL;
    if (r < 0 || dev->slot == 0) {
        release_kbd(hc, dev->slot);
        dma_free(dev->out_ctx, 4096);
        dma_free(dev->ep0.trbs, RING_TRBS * sizeof(struct xhci_trb));
        dma_free(dev->buf, 4096);
        kfree(dev);
        return r;
    }
    hc->slots[dev->slot].root_port = (uint8_t)loc->root_port;
    hc->slots[dev->slot].dev = dev;
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

/* [§4.6.4] Disable Slot, then everything the slot held. false if the
 * controller did not answer (the memory stays: it may still use it). */
static bool release_slot(struct xhci *hc, unsigned s)
{
    if (xhci_command(hc, 0,
                     XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_DISABLE_SLOT) |
                         XHCI_SET(XHCI_TRB_SLOT_ID, s),
                     NULL, "Disable Slot") < 0)
        return false;
    hc->dcbaa[s] = 0;
    release_kbd(hc, s);
    struct usb_dev *dev = hc->slots[s].dev;
    if (dev != NULL) {
        dma_free(dev->out_ctx, 4096);
        dma_free(dev->ep0.trbs, RING_TRBS * sizeof(struct xhci_trb));
        dma_free(dev->buf, 4096);
        kfree(dev);
    }
    hc->slots[s].dev = NULL;
    hc->slots[s].root_port = 0;
    return true;
}

/* Everything on a root port that went away. */
static void port_disconnect(struct xhci *hc, unsigned port)
{
    unsigned n = 0;
    for (unsigned s = 1; s < 256; s++) {
        if (hc->slots[s].root_port != port)
            continue;
        n++;
        (void)release_slot(hc, s);
    }
    kprintf("%s: port %u: disconnected (%u device%s released)\n", hc->name, port, n,
            n == 1 ? "" : "s");
}

/* Whether the device at d sits behind port p of hub (at any depth). */
static bool behind_hub_port(const struct usb_loc *d, const struct usb_loc *hub, unsigned p)
{
    uint32_t mask = hub->depth == 0 ? 0 : (1u << (4 * hub->depth)) - 1;
    return d->root_port == hub->root_port && d->depth > hub->depth &&
           ((d->route ^ hub->route) & mask) == 0 && ((d->route >> (4 * hub->depth)) & 0xF) == p;
}

/*
 * [USB 2.0 §11.24.2.7] Hub ports that changed, found by GET_STATUS(port)
 * from the console's poll (at most every XHCI_HUB_POLL_NS; a hub's
 * status-change endpoint is not used): a port whose connection changed
 * loses the devices behind it and enumerates what is there now. A hub that
 * fails HUB_POLL_FAILURES polls in a row is no longer polled (one line).
 */
void xhci_hub_poll(struct xhci *hc)
{
    for (unsigned s = 1; s < 256; s++) {
        struct usb_dev *hub = hc->slots[s].dev;
        if (hub == NULL || hub->hub_ports == 0 || hub->hub_poll_failures >= HUB_POLL_FAILURES)
            continue;
        for (unsigned p = 1; p <= hub->hub_ports; p++) {
            uint16_t st, ch;
            if (hub_port_status(hc, hub, p, &st, &ch) < 0) {
                if (++hub->hub_poll_failures >= HUB_POLL_FAILURES)
                    kprintf("%s: port %s: hub does not answer; its ports are no longer "
                            "watched\n", hc->name, hub->loc->name);
                break;
            }
            hub->hub_poll_failures = 0;
            if (!(ch & USB_PORT_STAT_C_CONNECTION))
                continue;
            (void)hub_port_feature(hc, hub, USB_REQ_CLEAR_FEATURE, USB_PORT_FEAT_C_CONNECTION, p);
            unsigned n = 0;
            for (unsigned t = 1; t < 256; t++) {
                struct usb_dev *d = hc->slots[t].dev;
                if (d != NULL && t != s && behind_hub_port(&d->where, &hub->where, p)) {
                    n++;
                    (void)release_slot(hc, t);
                }
            }
            if (n > 0)
                kprintf("%s: port %s.%u: disconnected (%u device%s released)\n", hc->name,
                        hub->loc->name, p, n, n == 1 ? "" : "s");
            if (st & USB_PORT_STAT_CONNECTION)
                (void)hub_port_attach(hc, hub, p);
        }
    }
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
void xhci_hotplug(struct xhci *hc)
{
    for (unsigned port = 1; port <= hc->max_ports && port < 256; port++) {
        bool on = irq_save();
        bool changed = (hc->port_change[port / 32] >> (port % 32)) & 1;
        hc->port_change[port / 32] &= ~(1u << (port % 32));
        irq_restore(on);
        if (!changed)
            continue;
        uint32_t sc = xhci_portsc_rd(hc, port);
        xhci_portsc_wr(hc, port, (sc & XHCI_PORTSC_PRESERVE_MASK) | (sc & XHCI_PORTSC_CHANGE_BITS));
        bool in_use = port_in_use(hc, port);
        if (!(sc & XHCI_PORTSC_CCS) && in_use) {
            port_disconnect(hc, port);
        } else if ((sc & XHCI_PORTSC_CCS) && (sc & XHCI_PORTSC_CSC) && !in_use) {
            unsigned speed = xhci_port_enable(hc, port);
            if (speed == 0)
                continue;
            struct usb_loc loc = { .root_port = port };
            ksnprintf(loc.name, sizeof(loc.name), "%u", port);
            (void)xhci_enumerate(hc, &loc, speed);
        }
    }
}

/* [§4.19.1.1 / §4.19.5] A connected USB2 port needs a reset to be enabled;
 * a USB3 port enables itself after link training. Returns the speed or 0. */
unsigned xhci_port_enable(struct xhci *hc, unsigned port)
{
    uint32_t sc = xhci_portsc_rd(hc, port);
    if (!(sc & XHCI_PORTSC_CCS))
        return 0;
    if (hc->port_major[port] != 3) {
        xhci_portsc_wr(hc, port, (sc & XHCI_PORTSC_PRESERVE_MASK) | XHCI_PORTSC_PR);
        struct deadline d = deadline_in_ns(PORT_RESET_TIMEOUT_NS);
        while (!(xhci_portsc_rd(hc, port) & XHCI_PORTSC_PRC)) {
            if (deadline_passed(d)) {
                kprintf("%s: port %u: reset did not complete (PORTSC %#x)\n", hc->name, port,
                        xhci_portsc_rd(hc, port));
                return 0;
            }
            udelay(100);
        }
        udelay(10000); /* TRSTRCY: 10 ms recovery [USB 2.0 §7.1.7.5] */
    } else {
        struct deadline d = deadline_in_ns(PORT_RESET_TIMEOUT_NS);
        while (!(xhci_portsc_rd(hc, port) & XHCI_PORTSC_PED) && !deadline_passed(d))
            udelay(100);
    }
    sc = xhci_portsc_rd(hc, port);
    xhci_portsc_wr(hc, port, (sc & XHCI_PORTSC_PRESERVE_MASK) | (sc & XHCI_PORTSC_CHANGE_BITS));
    if (!(sc & XHCI_PORTSC_PED)) {
        kprintf("%s: port %u: connected but not enabled (PORTSC %#x)\n", hc->name, port, sc);
        return 0;
    }
    return XHCI_GET(sc, XHCI_PORTSC_SPEED);
}
