/*
 * drivers/usb/xhci_regs.h - the eXtensible Host Controller Interface, as the
 * spec defines it: registers, TRBs, contexts, extended capabilities.
 *
 * Spec: eXtensible Host Controller Interface for Universal Serial Bus (xHCI),
 * Revision 1.2 (May 2019). Names follow the spec; each group cites its
 * section. Host-compilable, no kernel includes: the host tests build rings
 * and contexts with it.
 */
#ifndef NVOS_DRIVERS_USB_XHCI_REGS_H
#define NVOS_DRIVERS_USB_XHCI_REGS_H

#include <stddef.h>
#include <stdint.h>

#define XHCI_GET(v, name) (((v) >> name##_SHIFT) & name##_MASK)
#define XHCI_SET(name, x) (((uint32_t)(x) & name##_MASK) << name##_SHIFT)

/* [xHCI 1.2 §5.3] Host Controller Capability Registers (offsets from BAR0) */
enum {
    XHCI_CAPLENGTH = 0x00, /* 8 bits: where the operational registers start */
    XHCI_HCIVERSION = 0x02, /* 16 bits, BCD */
    XHCI_HCSPARAMS1 = 0x04,
    XHCI_HCSPARAMS2 = 0x08,
    XHCI_HCSPARAMS3 = 0x0C,
    XHCI_HCCPARAMS1 = 0x10,
    XHCI_DBOFF = 0x14,
    XHCI_RTSOFF = 0x18,
    XHCI_HCCPARAMS2 = 0x1C,
};
/* [§5.3.3] HCSPARAMS1 */
#define XHCI_HCSPARAMS1_MAXSLOTS_SHIFT 0
#define XHCI_HCSPARAMS1_MAXSLOTS_MASK 0xFFu
#define XHCI_HCSPARAMS1_MAXINTRS_SHIFT 8
#define XHCI_HCSPARAMS1_MAXINTRS_MASK 0x7FFu
#define XHCI_HCSPARAMS1_MAXPORTS_SHIFT 24
#define XHCI_HCSPARAMS1_MAXPORTS_MASK 0xFFu
/* [§5.3.4] HCSPARAMS2: Max Scratchpad Buffers is split in two fields */
#define XHCI_HCSPARAMS2_ERST_MAX_SHIFT 4
#define XHCI_HCSPARAMS2_ERST_MAX_MASK 0xFu
#define XHCI_HCSPARAMS2_MAX_SPB_HI_SHIFT 21
#define XHCI_HCSPARAMS2_MAX_SPB_HI_MASK 0x1Fu
#define XHCI_HCSPARAMS2_MAX_SPB_LO_SHIFT 27
#define XHCI_HCSPARAMS2_MAX_SPB_LO_MASK 0x1Fu
static inline uint32_t xhci_max_scratchpad_bufs(uint32_t hcsparams2)
{
    return XHCI_GET(hcsparams2, XHCI_HCSPARAMS2_MAX_SPB_HI) << 5 |
           XHCI_GET(hcsparams2, XHCI_HCSPARAMS2_MAX_SPB_LO);
}
/* [§5.3.6] HCCPARAMS1 */
#define XHCI_HCCPARAMS1_AC64 (1u << 0) /* 64-bit addressing */
#define XHCI_HCCPARAMS1_CSZ (1u << 2)  /* contexts are 64 bytes */
#define XHCI_HCCPARAMS1_PPC (1u << 3)  /* port power control */
#define XHCI_HCCPARAMS1_XECP_SHIFT 16  /* extended capabilities, in dwords from BAR0 */
#define XHCI_HCCPARAMS1_XECP_MASK 0xFFFFu
/* [§5.3.7, §5.3.8] DBOFF and RTSOFF: reserved low bits */
#define XHCI_DBOFF_MASK 0xFFFFFFFCu
#define XHCI_RTSOFF_MASK 0xFFFFFFE0u

/* [§5.4] Host Controller Operational Registers (offsets from CAPLENGTH) */
enum {
    XHCI_USBCMD = 0x00,
    XHCI_USBSTS = 0x04,
    XHCI_PAGESIZE = 0x08,
    XHCI_DNCTRL = 0x14,
    XHCI_CRCR = 0x18,   /* 64 bits */
    XHCI_DCBAAP = 0x30, /* 64 bits */
    XHCI_CONFIG = 0x38,
    XHCI_PORT_REGS = 0x400, /* [§5.4.8] port register set n at 0x400 + 0x10 * (n - 1) */
    XHCI_PORT_REGS_SIZE = 0x10,
    XHCI_PORTSC = 0x00, /* within a port register set */
};
/* [§5.4.1] USBCMD */
#define XHCI_USBCMD_RS (1u << 0)    /* Run/Stop */
#define XHCI_USBCMD_HCRST (1u << 1) /* Host Controller Reset */
#define XHCI_USBCMD_INTE (1u << 2)  /* Interrupter Enable */
#define XHCI_USBCMD_HSEE (1u << 3)  /* Host System Error Enable */
/* [§5.4.2] USBSTS */
#define XHCI_USBSTS_HCH (1u << 0)  /* HCHalted */
#define XHCI_USBSTS_HSE (1u << 2)  /* Host System Error (RW1C) */
#define XHCI_USBSTS_EINT (1u << 3) /* Event Interrupt (RW1C) */
#define XHCI_USBSTS_PCD (1u << 4)  /* Port Change Detect (RW1C) */
#define XHCI_USBSTS_CNR (1u << 11) /* Controller Not Ready */
#define XHCI_USBSTS_HCE (1u << 12) /* Host Controller Error */
/* [§5.4.5] CRCR */
#define XHCI_CRCR_RCS (1ull << 0) /* Ring Cycle State */
#define XHCI_CRCR_CS (1ull << 1)
#define XHCI_CRCR_CA (1ull << 2)
#define XHCI_CRCR_CRR (1ull << 3) /* Command Ring Running */
/* [§5.4.7] CONFIG */
#define XHCI_CONFIG_MAXSLOTSEN_MASK 0xFFu
/* [§5.4.8] PORTSC */
#define XHCI_PORTSC_CCS (1u << 0) /* Current Connect Status */
#define XHCI_PORTSC_PED (1u << 1) /* Port Enabled/Disabled: RW1C, writing 1 disables */
#define XHCI_PORTSC_OCA (1u << 3)
#define XHCI_PORTSC_PR (1u << 4)  /* Port Reset */
#define XHCI_PORTSC_PLS_SHIFT 5   /* Port Link State */
#define XHCI_PORTSC_PLS_MASK 0xFu
#define XHCI_PORTSC_PP (1u << 9)  /* Port Power */
#define XHCI_PORTSC_SPEED_SHIFT 10
#define XHCI_PORTSC_SPEED_MASK 0xFu
#define XHCI_PORTSC_CSC (1u << 17) /* the change bits, all RW1C */
#define XHCI_PORTSC_PEC (1u << 18)
#define XHCI_PORTSC_WRC (1u << 19)
#define XHCI_PORTSC_OCC (1u << 20)
#define XHCI_PORTSC_PRC (1u << 21)
#define XHCI_PORTSC_PLC (1u << 22)
#define XHCI_PORTSC_CEC (1u << 23)
#define XHCI_PORTSC_CHANGE_BITS                                                             \
    (XHCI_PORTSC_CSC | XHCI_PORTSC_PEC | XHCI_PORTSC_WRC | XHCI_PORTSC_OCC |                \
     XHCI_PORTSC_PRC | XHCI_PORTSC_PLC | XHCI_PORTSC_CEC)
/* Bits a read-modify-write must not write back as read (RW1C and RW1S ones):
 * PED, PR, the change bits, LWS (16) and WPR (31). */
#define XHCI_PORTSC_PRESERVE_MASK 0x0E00C3E0u /* PLS, PP, PIC, WCE/WDE/WOE */

/* [§7.2.1 Table 7-13, default Protocol Speed IDs] PORTSC.Port Speed */
enum xhci_speed {
    XHCI_SPEED_FULL = 1,
    XHCI_SPEED_LOW = 2,
    XHCI_SPEED_HIGH = 3,
    XHCI_SPEED_SUPER = 4,
    XHCI_SPEED_SUPER_PLUS = 5,
};

/* [§5.5] Runtime Registers (offsets from RTSOFF) */
enum {
    XHCI_IR0 = 0x20, /* [§5.5.2] interrupter n at 0x20 + 32 * n */
    XHCI_IR_SIZE = 0x20,
    XHCI_IMAN = 0x00, /* within an interrupter register set */
    XHCI_IMOD = 0x04,
    XHCI_ERSTSZ = 0x08,
    XHCI_ERSTBA = 0x10, /* 64 bits */
    XHCI_ERDP = 0x18,   /* 64 bits */
};
#define XHCI_IMAN_IP (1u << 0) /* Interrupt Pending, RW1C */
#define XHCI_IMAN_IE (1u << 1) /* Interrupt Enable */
#define XHCI_ERDP_EHB (1ull << 3) /* Event Handler Busy, RW1C */

/* [§5.6] Doorbell Registers: 0 is the host controller's (command ring),
 * n the device slot's, with the DB Target = the endpoint's Device Context Index. */
#define XHCI_DB_HOST 0u

/* [§6.4] Transfer Request Block: 16 bytes in every ring */
struct xhci_trb {
    uint64_t parameter;
    uint32_t status;
    uint32_t control;
} __attribute__((aligned(16))); /* naturally packed; accessed atomically by the rings */
_Static_assert(sizeof(struct xhci_trb) == 16, "TRB is 16 bytes [xHCI 1.2 §6.4]");
_Static_assert(offsetof(struct xhci_trb, status) == 8, "TRB status at byte 8");
_Static_assert(offsetof(struct xhci_trb, control) == 12, "TRB control at byte 12");

/* TRB control dword fields [§6.4.1-6.4.4] */
#define XHCI_TRB_CYCLE (1u << 0)
#define XHCI_TRB_ENT (1u << 1)  /* Evaluate Next TRB */
#define XHCI_TRB_TC (1u << 1)   /* Link TRB: Toggle Cycle */
#define XHCI_TRB_ISP (1u << 2)  /* Interrupt on Short Packet */
#define XHCI_TRB_CH (1u << 4)   /* Chain */
#define XHCI_TRB_IOC (1u << 5)  /* Interrupt On Completion */
#define XHCI_TRB_IDT (1u << 6)  /* Immediate Data */
#define XHCI_TRB_BSR (1u << 9)  /* Address Device: Block Set Address Request */
#define XHCI_TRB_TYPE_SHIFT 10
#define XHCI_TRB_TYPE_MASK 0x3Fu
#define XHCI_TRB_TRT_SHIFT 16 /* Setup Stage: Transfer Type */
#define XHCI_TRB_TRT_MASK 0x3u
#define XHCI_TRB_DIR_IN (1u << 16) /* Data/Status Stage: direction */
#define XHCI_TRB_EP_ID_SHIFT 16    /* commands and transfer events: endpoint DCI */
#define XHCI_TRB_EP_ID_MASK 0x1Fu
#define XHCI_TRB_SLOT_ID_SHIFT 24
#define XHCI_TRB_SLOT_ID_MASK 0xFFu
/* Status dword of event TRBs [§6.4.2] */
#define XHCI_TRB_COMPLETION_CODE_SHIFT 24
#define XHCI_TRB_COMPLETION_CODE_MASK 0xFFu
#define XHCI_TRB_TRANSFER_LENGTH_MASK 0xFFFFFFu
/* Transfer TRB status: TRB Transfer Length [§6.4.1.1] */
#define XHCI_TRB_LENGTH_MASK 0x1FFFFu
/* Setup Stage TRT values [§6.4.1.2.1] */
#define XHCI_TRT_NO_DATA 0u
#define XHCI_TRT_OUT_DATA 2u
#define XHCI_TRT_IN_DATA 3u
/* Port Status Change Event: Port ID in bits 31:24 of the parameter's low dword */
#define XHCI_EVENT_PORT_ID(param) ((uint32_t)((param) >> 24) & 0xFFu)

/* [§6.4.6 Table 6-91] TRB Type IDs */
enum xhci_trb_type {
    XHCI_TRB_NORMAL = 1,
    XHCI_TRB_SETUP_STAGE = 2,
    XHCI_TRB_DATA_STAGE = 3,
    XHCI_TRB_STATUS_STAGE = 4,
    XHCI_TRB_LINK = 6,
    XHCI_TRB_NO_OP = 8,
    XHCI_TRB_ENABLE_SLOT = 9,
    XHCI_TRB_DISABLE_SLOT = 10,
    XHCI_TRB_ADDRESS_DEVICE = 11,
    XHCI_TRB_CONFIGURE_ENDPOINT = 12,
    XHCI_TRB_EVALUATE_CONTEXT = 13,
    XHCI_TRB_RESET_ENDPOINT = 14,
    XHCI_TRB_STOP_ENDPOINT = 15,
    XHCI_TRB_SET_TR_DEQUEUE = 16,
    XHCI_TRB_NO_OP_COMMAND = 23,
    XHCI_TRB_TRANSFER_EVENT = 32,
    XHCI_TRB_COMMAND_COMPLETION_EVENT = 33,
    XHCI_TRB_PORT_STATUS_CHANGE_EVENT = 34,
    XHCI_TRB_HOST_CONTROLLER_EVENT = 37,
};

/* [§6.4.5 Table 6-90] TRB Completion Codes (the ones named in messages) */
enum xhci_completion_code {
    XHCI_CC_SUCCESS = 1,
    XHCI_CC_DATA_BUFFER_ERROR = 2,
    XHCI_CC_BABBLE_DETECTED = 3,
    XHCI_CC_USB_TRANSACTION_ERROR = 4,
    XHCI_CC_TRB_ERROR = 5,
    XHCI_CC_STALL_ERROR = 6,
    XHCI_CC_RESOURCE_ERROR = 7,
    XHCI_CC_BANDWIDTH_ERROR = 8,
    XHCI_CC_NO_SLOTS_AVAILABLE = 9,
    XHCI_CC_SLOT_NOT_ENABLED = 11,
    XHCI_CC_ENDPOINT_NOT_ENABLED = 12,
    XHCI_CC_SHORT_PACKET = 13,
    XHCI_CC_PARAMETER_ERROR = 17,
    XHCI_CC_CONTEXT_STATE_ERROR = 19,
    XHCI_CC_EVENT_RING_FULL = 21,
    XHCI_CC_STOPPED = 26,
    XHCI_CC_SPLIT_TRANSACTION_ERROR = 36,
};

/* [§6.5] Event Ring Segment Table entry */
struct xhci_erst_entry {
    uint64_t ring_segment_base; /* 64-byte aligned */
    uint32_t ring_segment_size; /* TRBs, 16-4096 (bits 15:0) */
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct xhci_erst_entry) == 16, "ERST entry is 16 bytes [xHCI 1.2 §6.5]");

/* [§6.2.2] Slot Context (32 bytes; 64 with CSZ=1, the rest reserved) */
struct xhci_slot_ctx {
    uint32_t dw0; /* Route String 19:0, Speed 23:20, MTT 25, Hub 26, Context Entries 31:27 */
    uint32_t dw1; /* Max Exit Latency 15:0, Root Hub Port Number 23:16, Number of Ports 31:24 */
    uint32_t dw2; /* Parent Hub Slot ID 7:0, Parent Port Number 15:8, TTT 17:16, Interrupter Target 31:22 */
    uint32_t dw3; /* USB Device Address 7:0, Slot State 31:27 */
    uint32_t reserved[4];
} __attribute__((packed));
_Static_assert(sizeof(struct xhci_slot_ctx) == 32, "Slot Context is 32 bytes [xHCI 1.2 §6.2.2]");
#define XHCI_SLOT_ROUTE_STRING_MASK 0xFFFFFu
#define XHCI_SLOT_SPEED_SHIFT 20
#define XHCI_SLOT_MTT (1u << 25)
#define XHCI_SLOT_HUB (1u << 26)
#define XHCI_SLOT_CONTEXT_ENTRIES_SHIFT 27
#define XHCI_SLOT_ROOT_HUB_PORT_SHIFT 16
#define XHCI_SLOT_NUM_PORTS_SHIFT 24
#define XHCI_SLOT_PARENT_HUB_SLOT_SHIFT 0
#define XHCI_SLOT_PARENT_PORT_SHIFT 8
#define XHCI_SLOT_TTT_SHIFT 16
#define XHCI_SLOT_STATE_SHIFT 27

/* [§6.2.3] Endpoint Context (32 bytes; 64 with CSZ=1) */
struct xhci_ep_ctx {
    uint32_t dw0; /* EP State 2:0, Mult 9:8, MaxPStreams 14:10, LSA 15, Interval 23:16, Max ESIT Payload Hi 31:24 */
    uint32_t dw1; /* CErr 2:1, EP Type 5:3, HID 7, Max Burst Size 15:8, Max Packet Size 31:16 */
    uint64_t tr_dequeue; /* TR Dequeue Pointer 63:4, DCS 0 */
    uint32_t dw4; /* Average TRB Length 15:0, Max ESIT Payload Lo 31:16 */
    uint32_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct xhci_ep_ctx) == 32, "Endpoint Context is 32 bytes [xHCI 1.2 §6.2.3]");
_Static_assert(offsetof(struct xhci_ep_ctx, tr_dequeue) == 8, "TR Dequeue Pointer at byte 8");
#define XHCI_EP_STATE_MASK 0x7u
#define XHCI_EP_INTERVAL_SHIFT 16
#define XHCI_EP_MAX_ESIT_HI_SHIFT 24
#define XHCI_EP_CERR_SHIFT 1
#define XHCI_EP_TYPE_SHIFT 3
#define XHCI_EP_MAX_BURST_SHIFT 8
#define XHCI_EP_MAX_PACKET_SHIFT 16
#define XHCI_EP_DCS 1ull
#define XHCI_EP_AVG_TRB_LENGTH_MASK 0xFFFFu
#define XHCI_EP_MAX_ESIT_LO_SHIFT 16
/* [§6.2.3 Table 6-9] EP Type */
enum xhci_ep_type {
    XHCI_EP_ISOCH_OUT = 1,
    XHCI_EP_BULK_OUT = 2,
    XHCI_EP_INTERRUPT_OUT = 3,
    XHCI_EP_CONTROL = 4,
    XHCI_EP_ISOCH_IN = 5,
    XHCI_EP_BULK_IN = 6,
    XHCI_EP_INTERRUPT_IN = 7,
};

/* [§6.2.5.1] Input Control Context (32 bytes; 64 with CSZ=1) */
struct xhci_input_ctrl_ctx {
    uint32_t drop_flags; /* D2-D31 */
    uint32_t add_flags;  /* A0-A31 */
    uint32_t reserved[6];
} __attribute__((packed));
_Static_assert(sizeof(struct xhci_input_ctrl_ctx) == 32, "Input Control Context is 32 bytes");

/* [§6.2.1] Device Context: Slot Context then 31 Endpoint Contexts, indexed by
 * Device Context Index (DCI): 1 = the default control endpoint, 2n = OUT
 * endpoint n, 2n+1 = IN endpoint n. [§6.2.5] The Input Context puts the
 * Input Control Context first, so entry i of it is DCI i - 1. */
#define XHCI_MAX_DCI 31
#define XHCI_CTX_ENTRIES 32
static inline unsigned xhci_dci(unsigned ep_number, int in)
{
    return ep_number == 0 ? 1 : ep_number * 2 + (in ? 1 : 0);
}

/* [§7] eXtended Capabilities: dword 0 = ID 7:0, Next (dwords) 15:8 */
#define XHCI_XCAP_ID(v) ((v) & 0xFFu)
#define XHCI_XCAP_NEXT(v) (((v) >> 8) & 0xFFu)
#define XHCI_XCAP_LEGACY 1    /* [§7.1] USB Legacy Support */
#define XHCI_XCAP_PROTOCOL 2  /* [§7.2] Supported Protocol */
/* [§7.1.1] USBLEGSUP */
#define XHCI_USBLEGSUP_BIOS_OWNED (1u << 16)
#define XHCI_USBLEGSUP_OS_OWNED (1u << 24)
/* [§7.1.2] USBLEGCTLSTS at +4: SMI enables 0, 4, 13-15; RW1C SMI events 29-31 */
#define XHCI_USBLEGCTLSTS 4
#define XHCI_USBLEGCTLSTS_SMI_ENABLES 0x0000E011u
#define XHCI_USBLEGCTLSTS_SMI_EVENTS 0xE0000000u
/* [§7.2] Supported Protocol: Revision Major in 31:24 of dword 0; dword 2:
 * Compatible Port Offset 7:0, Compatible Port Count 15:8 */
#define XHCI_PROTOCOL_MAJOR(dw0) ((dw0) >> 24)
#define XHCI_PROTOCOL_PORT_OFFSET(dw2) ((dw2) & 0xFFu)
#define XHCI_PROTOCOL_PORT_COUNT(dw2) (((dw2) >> 8) & 0xFFu)

#endif
