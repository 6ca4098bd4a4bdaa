/*
 * drivers/usb/xhci.c - xHCI host controller driver, just enough USB for
 * keyboards: the controller half (the devices are in xhci_dev.c; what the
 * two share, and the rules, in xhci_internal.h).
 *
 * Spec: xHCI 1.2 (see xhci_regs.h). The order of xhci_attach() follows:
 *   §4.22.1  pre-OS to OS handoff (USBLEGSUP semaphores, SMIs off)
 *   §4.2     host controller initialization: halt (§5.4.1 R/S, HCH),
 *            reset (HCRST, CNR), MaxSlotsEn, DCBAAP (+ scratchpad buffers,
 *            §4.20), command ring (CRCR), event ring (§4.9.4: ERSTSZ, ERDP,
 *            ERSTBA), interrupter, Run
 *   §4.19.4  root hub port power; then each port is enabled and its device
 *            enumerated (xhci_dev.c: §4.19, §4.3, HID 1.11 boot keyboards)
 *   §4.17    interrupter 0 by MSI-X or MSI [PCI 3.0 §6.8], else polling
 *
 * Events: one event ring segment on interrupter 0, consumed in
 * process_events() (§4.9.4: cycle bit, ERDP with EHB). During enumeration
 * the driver polls it; afterwards an MSI interrupt runs it when the
 * controller has MSI, and the console's poll does otherwise (and drives the
 * software key repeat either way: the console wakes every 10 ms while it
 * waits for input). Commands (§4.6) run one at a time, waited for with a
 * deadline.
 */
#include "drivers/usb/xhci.h"

#include <string.h>

#include "drivers/input/keyboard.h"
#include "drivers/pci/pci.h"
#include "drivers/usb/xhci_internal.h"
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

#define EVENT_TRBS 256
#define CMD_TIMEOUT_NS (1500 * NSEC_PER_MSEC)
#define HALT_TIMEOUT_NS (100 * NSEC_PER_MSEC)   /* §5.4.1: halts within 16 ms */
#define RESET_TIMEOUT_NS (1000 * NSEC_PER_MSEC)
#define HANDOFF_TIMEOUT_NS (1000 * NSEC_PER_MSEC)

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
void *xhci_dma(struct xhci *hc, size_t size, phys_addr_t *phys)
{
    void *p = dma_alloc(size, 4096, phys);
    if (p != NULL && !hc->ac64 && *phys + size > (1ull << 32)) {
        dma_free(p, size);
        return NULL;
    }
    return p;
}

int xhci_ring_alloc(struct xhci *hc, struct xhci_ring *r)
{
    phys_addr_t phys;
    struct xhci_trb *trbs = xhci_dma(hc, RING_TRBS * sizeof(struct xhci_trb), &phys);
    if (trbs == NULL)
        return -ENOMEM;
    xhci_ring_init(r, trbs, phys, RING_TRBS);
    return 0;
}

/* ---- events -------------------------------------------------------------- */

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
            if (cc != XHCI_CC_SUCCESS && cc != XHCI_CC_SHORT_PACKET) {
                /* [§4.10.2] A Data Stage that fails (a STALL) halts the
                 * endpoint: no event comes for the Status Stage. */
                hc->wait.done = true;
                hc->wait.cc = cc;
                hc->wait.slot = (uint8_t)slot;
                hc->wait.trb = 0;
            }
        } else if (type == XHCI_TRB_TRANSFER_EVENT &&
                   (k = kbd_for(hc, slot, XHCI_GET(e.control, XHCI_TRB_EP_ID))) != NULL) {
            xhci_kbd_report(k, cc, e.status & XHCI_TRB_TRANSFER_LENGTH_MASK);
        }
    }
    if (handled > 0)
        ir_wr64(hc, XHCI_ERDP, xhci_event_dequeue(&hc->events) | XHCI_ERDP_EHB);
}

/* Waits for hc->wait to complete, consuming events meanwhile. */
int xhci_wait_completion(struct xhci *hc, uint64_t ns)
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

const char *xhci_cc_name(uint8_t cc)
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
int xhci_command(struct xhci *hc, uint64_t param, uint32_t control, unsigned *slot_out,
                 const char *what)
{
    memset(&hc->wait, 0, sizeof(hc->wait));
    hc->wait.trb = xhci_ring_push(&hc->cmd, param, 0, control);
    xhci_doorbell(hc, 0, XHCI_DB_HOST);
    int err = xhci_wait_completion(hc, CMD_TIMEOUT_NS);
    if (err < 0) {
        kprintf("%s: %s: no completion event within %llu ms\n", hc->name, what,
                (unsigned long long)(CMD_TIMEOUT_NS / NSEC_PER_MSEC));
        return err;
    }
    if (hc->wait.cc != XHCI_CC_SUCCESS) {
        kprintf("%s: %s failed: completion code %u (%s)\n", hc->name, what, hc->wait.cc,
                xhci_cc_name(hc->wait.cc));
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
    if (hc->enumerating)
        return; /* a command wait further up the stack polls the events */
    hc->enumerating = true;
    xhci_hotplug(hc);
    if (clock_ns() >= hc->next_hub_poll_ns) {
        xhci_hub_poll(hc);
        hc->next_hub_poll_ns = clock_ns() + XHCI_HUB_POLL_NS;
    }
    xhci_kbd_service(hc);
    hc->enumerating = false;
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
    if (hc->dcbaa == NULL || setup_scratchpad(hc) < 0 || xhci_ring_alloc(hc, &hc->cmd) < 0 ||
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
            uint32_t sc = xhci_portsc_rd(hc, p);
            if (!(sc & XHCI_PORTSC_PP)) {
                xhci_portsc_wr(hc, p, (sc & XHCI_PORTSC_PRESERVE_MASK) | XHCI_PORTSC_PP);
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
        unsigned speed = xhci_port_enable(hc, p);
        if (speed == 0)
            continue;
        struct usb_loc loc = { .root_port = p };
        ksnprintf(loc.name, sizeof(loc.name), "%u", p);
        int r = xhci_enumerate(hc, &loc, speed);
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
