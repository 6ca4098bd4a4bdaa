/*
 * Host test: drivers/usb - the boot keyboard search over configuration
 * descriptors (QEMU's usb-kbd, a composite keyboard, hostile lengths, every
 * truncation), the interrupt Interval conversion, and the xHCI rings (Link
 * TRB and cycle toggles on the producer side, cycle flips on the event side),
 * and halted endpoint recovery against a fake of the controller's command
 * and control-transfer completions (QEMU's usb-kbd never stalls its
 * interrupt endpoint, so this is where the recovery is tested).
 */
#include "drivers/usb/usb_desc.h"
#include "drivers/usb/usb_halt.h"
#include "drivers/usb/xhci_regs.h"
#include "drivers/usb/xhci_ring.h"
#include "lib/errno.h"
#include "tests/host/check.h"

/* Shaped like QEMU's usb-kbd (hw/usb/dev-hid.c): configuration 1, interface
 * 0 (class 3/1/1), HID descriptor, EP 81h interrupt IN, 8 bytes; bInterval 7. */
static const uint8_t qemu_kbd[] = {
    0x09, 0x02, 0x22, 0x00, 0x01, 0x01, 0x06, 0xA0, 0x32,
    0x09, 0x04, 0x00, 0x00, 0x01, 0x03, 0x01, 0x01, 0x00,
    0x09, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22, 0x3F, 0x00,
    0x07, 0x05, 0x81, 0x03, 0x08, 0x00, 0x07,
};

/* A keyboard with a vendor interface first, then a boot keyboard whose first
 * endpoint is OUT (LEDs), then its IN endpoint; configuration value 2. */
static const uint8_t composite[] = {
    0x09, 0x02, 0x3B, 0x00, 0x02, 0x02, 0x00, 0xA0, 0x32,
    0x09, 0x04, 0x00, 0x00, 0x01, 0xFF, 0x00, 0x00, 0x00,
    0x07, 0x05, 0x82, 0x03, 0x40, 0x00, 0x01, /* interrupt IN of the vendor interface */
    0x09, 0x04, 0x01, 0x00, 0x02, 0x03, 0x01, 0x01, 0x00,
    0x09, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22, 0x3F, 0x00,
    0x07, 0x05, 0x02, 0x03, 0x08, 0x00, 0x0A, /* interrupt OUT */
    0x07, 0x05, 0x83, 0x03, 0x08, 0x10, 0x0A, /* interrupt IN, 1 extra transaction */
};

static void test_find(void)
{
    struct usb_boot_kbd k;
    CHECK_EQ(usb_find_boot_keyboard(qemu_kbd, sizeof(qemu_kbd), &k), 0);
    CHECK_EQ(k.config_value, 1);
    CHECK_EQ(k.interface, 0);
    CHECK_EQ(k.ep_address, 0x81);
    CHECK_EQ(k.max_packet, 8);
    CHECK_EQ(k.interval, 7);

    CHECK_EQ(usb_find_boot_keyboard(composite, sizeof(composite), &k), 0);
    CHECK_EQ(k.config_value, 2);
    CHECK_EQ(k.interface, 1);
    CHECK_EQ(k.ep_address, 0x83);
    CHECK_EQ(k.max_packet, 8);
    CHECK_EQ(k.mult, 2);
    CHECK_EQ(k.interval, 10);

    /* Every truncation: -EINVAL, -ENOENT or a result, never a read past len
     * (ASan watches the exact-size copy). */
    for (size_t len = 0; len <= sizeof(composite); len++) {
        uint8_t *cut = malloc(len ? len : 1);
        memcpy(cut, composite, len);
        int r = usb_find_boot_keyboard(cut, len, &k);
        CHECK(r == 0 || r == -EINVAL || r == -ENOENT);
        if (len == sizeof(composite))
            CHECK_EQ(r, 0);
        free(cut);
    }

    uint8_t bad[sizeof(qemu_kbd)];
    /* A zero-length descriptor would loop forever. */
    memcpy(bad, qemu_kbd, sizeof(bad));
    bad[9] = 0;
    CHECK_EQ(usb_find_boot_keyboard(bad, sizeof(bad), &k), -EINVAL);
    /* A descriptor claiming more bytes than were received. */
    memcpy(bad, qemu_kbd, sizeof(bad));
    bad[27] = 0xFF;
    CHECK_EQ(usb_find_boot_keyboard(bad, sizeof(bad), &k), -EINVAL);
    /* An interface descriptor too short for its fields. */
    memcpy(bad, qemu_kbd, sizeof(bad));
    bad[9] = 5;
    CHECK_EQ(usb_find_boot_keyboard(bad, sizeof(bad), &k), -EINVAL);
    /* wTotalLength shorter than what came: the rest is not looked at. */
    memcpy(bad, qemu_kbd, sizeof(bad));
    bad[2] = 27;
    CHECK_EQ(usb_find_boot_keyboard(bad, sizeof(bad), &k), -ENOENT);
    /* Not a configuration descriptor at all. */
    memcpy(bad, qemu_kbd, sizeof(bad));
    bad[1] = USB_DT_DEVICE;
    CHECK_EQ(usb_find_boot_keyboard(bad, sizeof(bad), &k), -EINVAL);
    /* A mouse (protocol 2) is not a keyboard; an endpoint of size 0 is unusable. */
    memcpy(bad, qemu_kbd, sizeof(bad));
    bad[16] = 2;
    CHECK_EQ(usb_find_boot_keyboard(bad, sizeof(bad), &k), -ENOENT);
    memcpy(bad, qemu_kbd, sizeof(bad));
    bad[31] = 0;
    CHECK_EQ(usb_find_boot_keyboard(bad, sizeof(bad), &k), -ENOENT);
}

static void test_interval(void)
{
    /* Full/low speed: 2^Interval * 125 us <= bInterval ms, within 3..10. */
    CHECK_EQ(usb_xhci_interrupt_interval(XHCI_SPEED_FULL, 1), 3);   /* 1 ms */
    CHECK_EQ(usb_xhci_interrupt_interval(XHCI_SPEED_FULL, 10), 6);  /* 8 ms */
    CHECK_EQ(usb_xhci_interrupt_interval(XHCI_SPEED_LOW, 255), 10); /* 128 ms, the cap */
    CHECK_EQ(usb_xhci_interrupt_interval(XHCI_SPEED_FULL, 0), 3);
    /* High/super speed: bInterval - 1, clamped to 0..15. */
    CHECK_EQ(usb_xhci_interrupt_interval(XHCI_SPEED_HIGH, 7), 6);
    CHECK_EQ(usb_xhci_interrupt_interval(XHCI_SPEED_HIGH, 0), 0);
    CHECK_EQ(usb_xhci_interrupt_interval(XHCI_SPEED_SUPER, 40), 15);
}

static void test_producer_ring(void)
{
    enum { N = 8 };
    struct xhci_trb trbs[N];
    memset(trbs, 0, sizeof(trbs));
    struct xhci_ring r;
    const uint64_t base = 0x10000;
    xhci_ring_init(&r, trbs, base, N);
    CHECK_EQ(XHCI_GET(trbs[N - 1].control, XHCI_TRB_TYPE), XHCI_TRB_LINK);
    CHECK(trbs[N - 1].control & XHCI_TRB_TC);
    CHECK_EQ(trbs[N - 1].parameter, base);

    /* Three laps: each TRB carries the lap's cycle state; the Link TRB is
     * handed over with the old state, then the state flips. */
    for (unsigned lap = 0; lap < 3; lap++) {
        uint32_t cycle = lap % 2 == 0 ? 1 : 0;
        for (unsigned i = 0; i < N - 1; i++) {
            uint64_t at = xhci_ring_push(&r, 0x1000 + i, i, XHCI_SET(XHCI_TRB_TYPE, 1) | 1);
            CHECK_EQ(at, base + i * 16);
            CHECK_EQ(trbs[i].control & XHCI_TRB_CYCLE, cycle);
            CHECK_EQ(trbs[i].parameter, 0x1000 + i);
        }
        CHECK_EQ(trbs[N - 1].control & XHCI_TRB_CYCLE, cycle);
        CHECK_EQ(r.cycle, cycle ^ 1);
        CHECK_EQ(r.enq, 0);
    }
}

static void test_event_ring(void)
{
    enum { N = 4 };
    struct xhci_trb ev[N];
    memset(ev, 0, sizeof(ev));
    struct xhci_event_ring e;
    struct xhci_trb out;
    xhci_event_ring_init(&e, ev, 0x20000, N);
    CHECK_EQ(xhci_event_next(&e, &out), 0); /* zeroed: nothing posted */

    /* The "controller" posts 10 events over 2.5 laps, flipping its cycle
     * state at each wrap; the consumer sees each exactly once, in order. */
    uint32_t pcs = 1;
    unsigned penq = 0, seen = 0;
    for (unsigned i = 0; i < 10; i++) {
        ev[penq].parameter = i;
        ev[penq].control = XHCI_SET(XHCI_TRB_TYPE, XHCI_TRB_TRANSFER_EVENT) | pcs;
        if (++penq == N) {
            penq = 0;
            pcs ^= 1;
        }
        if (i % 3 == 2) { /* consume in bursts */
            while (xhci_event_next(&e, &out)) {
                CHECK_EQ(out.parameter, seen);
                seen++;
            }
        }
    }
    while (xhci_event_next(&e, &out))
        CHECK_EQ(out.parameter, seen++);
    CHECK_EQ(seen, 10);
    CHECK_EQ(xhci_event_dequeue(&e), 0x20000 + (10 % N) * 16);
}

/* The fake: each step appends its letter to a log and fails while its
 * failure budget lasts. */
struct fake_hc {
    char log[64];
    unsigned n;
    int fail_reset, fail_dequeue, fail_clear;
};

static int fake_step(struct fake_hc *f, char c, int *fail)
{
    if (f->n + 1 < sizeof(f->log)) {
        f->log[f->n++] = c;
        f->log[f->n] = '\0';
    }
    if (*fail > 0) {
        (*fail)--;
        return -EIO;
    }
    return 0;
}
static int fake_reset(void *c)
{
    struct fake_hc *f = c;
    return fake_step(f, 'R', &f->fail_reset);
}
static int fake_dequeue(void *c)
{
    struct fake_hc *f = c;
    return fake_step(f, 'D', &f->fail_dequeue);
}
static int fake_clear(void *c)
{
    struct fake_hc *f = c;
    return fake_step(f, 'C', &f->fail_clear);
}
static void fake_requeue(void *c)
{
    int none = 0;
    (void)fake_step(c, 'Q', &none);
}
static const struct usb_halt_ops fake_ops = { fake_reset, fake_dequeue, fake_clear, fake_requeue };

static void test_halt(void)
{
    struct usb_halt h = { 0 };
    struct fake_hc f = { 0 };

    /* Data flows; nothing to recover. */
    CHECK(usb_halt_note(&h, XHCI_CC_SUCCESS));
    CHECK(usb_halt_note(&h, XHCI_CC_SHORT_PACKET));
    CHECK_EQ(usb_halt_recover(&h, &fake_ops, &f), 0);
    CHECK_STR_EQ(f.log, "");

    /* A STALL: reset, dequeue, clear halt, requeue, in that order. */
    CHECK(!usb_halt_note(&h, XHCI_CC_STALL_ERROR));
    CHECK_EQ(h.state, USB_EP_HALTED);
    CHECK(!usb_halt_note(&h, XHCI_CC_SUCCESS)); /* a late event while halted is not data */
    CHECK_EQ(usb_halt_recover(&h, &fake_ops, &f), 0);
    CHECK_STR_EQ(f.log, "RDCQ");
    CHECK_EQ(h.state, USB_EP_RUNNING);
    CHECK(usb_halt_note(&h, XHCI_CC_SUCCESS));

    /* A transaction error whose Set TR Dequeue Pointer fails once: the next
     * try resumes there, without a second Reset Endpoint. */
    f = (struct fake_hc){ .fail_dequeue = 1 };
    CHECK(!usb_halt_note(&h, XHCI_CC_USB_TRANSACTION_ERROR));
    CHECK_EQ(usb_halt_recover(&h, &fake_ops, &f), -EAGAIN);
    CHECK_STR_EQ(f.log, "RD");
    CHECK_EQ(usb_halt_recover(&h, &fake_ops, &f), 0);
    CHECK_STR_EQ(f.log, "RDDCQ");
    CHECK(usb_halt_note(&h, XHCI_CC_SUCCESS)); /* data again: the count starts over */
    CHECK_EQ(h.tries, 0);

    /* A device that answers nothing: USB_HALT_TRIES tries, then given up. */
    f = (struct fake_hc){ .fail_clear = 100 };
    CHECK(!usb_halt_note(&h, XHCI_CC_BABBLE_DETECTED));
    for (int i = 0; i < USB_HALT_TRIES - 1; i++)
        CHECK_EQ(usb_halt_recover(&h, &fake_ops, &f), -EAGAIN);
    CHECK_EQ(usb_halt_recover(&h, &fake_ops, &f), -EIO);
    CHECK_EQ(h.state, USB_EP_GAVE_UP);
    CHECK_STR_EQ(f.log, "RDCCC");
    CHECK_EQ(usb_halt_recover(&h, &fake_ops, &f), 0); /* given up: nothing more */
    CHECK(!usb_halt_note(&h, XHCI_CC_SUCCESS));
    CHECK_STR_EQ(f.log, "RDCCC");

    /* A device that halts again after each recovery, never sending data. */
    h = (struct usb_halt){ 0 };
    f = (struct fake_hc){ 0 };
    unsigned recovered = 0;
    for (int i = 0; i < 10 && !usb_halt_note(&h, XHCI_CC_STALL_ERROR) &&
                    h.state == USB_EP_HALTED; i++)
        recovered += usb_halt_recover(&h, &fake_ops, &f) == 0;
    CHECK_EQ(recovered, USB_HALT_TRIES);
    CHECK_EQ(h.state, USB_EP_GAVE_UP);

    /* Completion codes that do not halt the endpoint are not recovered. */
    h = (struct usb_halt){ 0 };
    f = (struct fake_hc){ 0 };
    CHECK(!usb_halt_note(&h, XHCI_CC_TRB_ERROR));
    CHECK_EQ(h.state, USB_EP_GAVE_UP);
    CHECK_EQ(usb_halt_recover(&h, &fake_ops, &f), 0);
    CHECK_STR_EQ(f.log, "");
    CHECK(usb_halt_cc_halts(XHCI_CC_SPLIT_TRANSACTION_ERROR));
    CHECK(!usb_halt_cc_halts(XHCI_CC_STOPPED));
}

int main(void)
{
    test_find();
    test_interval();
    test_producer_ring();
    test_event_ring();
    test_halt();
    return check_exit();
}
