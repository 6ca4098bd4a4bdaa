/*
 * drivers/usb/usb_desc.h - USB standard requests and descriptors, and the
 * search for a boot keyboard in a configuration.
 *
 * [USB 2.0 §9.3 "USB Device Requests", §9.4 "Standard Device Requests",
 * §9.6 "Standard USB Descriptor Definitions"; HID 1.11 §7.2 "Class-Specific
 * Requests" (SET_IDLE, SET_PROTOCOL), §4.2-4.3 boot interface subclass and
 * protocol.] Descriptors come from the device and are hostile: every length
 * is checked against what was received. Pure, host-tested.
 */
#ifndef NVOS_DRIVERS_USB_USB_DESC_H
#define NVOS_DRIVERS_USB_USB_DESC_H

#include <stddef.h>
#include <stdint.h>

/* [USB 2.0 §9.3 Table 9-2] Setup data */
struct usb_setup {
    uint8_t bmRequestType;
    uint8_t bRequest;
    uint16_t wValue;
    uint16_t wIndex;
    uint16_t wLength;
} __attribute__((packed));
_Static_assert(sizeof(struct usb_setup) == 8, "setup packet is 8 bytes [USB 2.0 §9.3]");

#define USB_DIR_IN 0x80
#define USB_TYPE_CLASS 0x20
#define USB_RECIP_INTERFACE 0x01
#define USB_RECIP_ENDPOINT 0x02
/* [USB 2.0 §9.4 Table 9-4] */
#define USB_REQ_CLEAR_FEATURE_STD 1
#define USB_REQ_GET_DESCRIPTOR 6
/* [USB 2.0 §9.4 Table 9-6] feature selectors */
#define USB_FEATURE_ENDPOINT_HALT 0
#define USB_REQ_SET_CONFIGURATION 9
/* [HID 1.11 §7.2 Table "Class-Specific Requests"] */
#define USB_HID_SET_REPORT 0x09
#define USB_HID_REPORT_OUTPUT 2 /* wValue high byte [HID 1.11 §7.2.1] */
#define USB_HID_SET_IDLE 0x0A
#define USB_HID_SET_PROTOCOL 0x0B
#define USB_HID_PROTOCOL_BOOT 0
/* [USB 2.0 §9.4 Table 9-5] descriptor types */
#define USB_DT_DEVICE 1
#define USB_DT_CONFIG 2
#define USB_DT_INTERFACE 4
#define USB_DT_ENDPOINT 5

/* [USB 2.0 §9.6.1 Table 9-8] */
struct usb_device_desc {
    uint8_t bLength;
    uint8_t bDescriptorType;
    uint16_t bcdUSB;
    uint8_t bDeviceClass;
    uint8_t bDeviceSubClass;
    uint8_t bDeviceProtocol;
    uint8_t bMaxPacketSize0;
    uint16_t idVendor;
    uint16_t idProduct;
    uint16_t bcdDevice;
    uint8_t iManufacturer;
    uint8_t iProduct;
    uint8_t iSerialNumber;
    uint8_t bNumConfigurations;
} __attribute__((packed));
_Static_assert(sizeof(struct usb_device_desc) == 18, "device descriptor is 18 bytes");
_Static_assert(offsetof(struct usb_device_desc, bMaxPacketSize0) == 7, "bMaxPacketSize0 at 7");

/* [USB 2.0 §9.6.3 Table 9-10] */
struct usb_config_desc {
    uint8_t bLength;
    uint8_t bDescriptorType;
    uint16_t wTotalLength;
    uint8_t bNumInterfaces;
    uint8_t bConfigurationValue;
    uint8_t iConfiguration;
    uint8_t bmAttributes;
    uint8_t bMaxPower;
} __attribute__((packed));
_Static_assert(sizeof(struct usb_config_desc) == 9, "configuration descriptor is 9 bytes");

/* [USB 2.0 §9.6.5 Table 9-12] */
struct usb_interface_desc {
    uint8_t bLength;
    uint8_t bDescriptorType;
    uint8_t bInterfaceNumber;
    uint8_t bAlternateSetting;
    uint8_t bNumEndpoints;
    uint8_t bInterfaceClass;
    uint8_t bInterfaceSubClass;
    uint8_t bInterfaceProtocol;
    uint8_t iInterface;
} __attribute__((packed));
_Static_assert(sizeof(struct usb_interface_desc) == 9, "interface descriptor is 9 bytes");

/* [USB 2.0 §9.6.6 Table 9-13] */
struct usb_endpoint_desc {
    uint8_t bLength;
    uint8_t bDescriptorType;
    uint8_t bEndpointAddress; /* bit 7: IN */
    uint8_t bmAttributes;     /* bits 1:0: 3 = interrupt */
    uint16_t wMaxPacketSize;  /* bits 10:0 size, 12:11 extra transactions (high speed) */
    uint8_t bInterval;
} __attribute__((packed));
_Static_assert(sizeof(struct usb_endpoint_desc) == 7, "endpoint descriptor is 7 bytes");

#define USB_CLASS_HID 3
#define USB_CLASS_HUB 9
#define USB_HID_SUBCLASS_BOOT 1
#define USB_HID_PROTOCOL_KEYBOARD 1

/* What the keyboard driver needs from a configuration. */
struct usb_boot_kbd {
    uint8_t config_value;
    uint8_t interface;
    uint8_t alt_setting;
    uint8_t ep_address; /* the interrupt IN endpoint */
    uint16_t max_packet; /* bits 10:0 of wMaxPacketSize */
    uint8_t mult;        /* bits 12:11: additional transactions per microframe */
    uint8_t interval;    /* bInterval */
};

/*
 * Walks a configuration descriptor set (len bytes as received) for the first
 * interface of class HID, subclass boot, protocol keyboard, and its first
 * interrupt IN endpoint. Returns 0, -ENOENT if there is none, -EINVAL if a
 * descriptor's length is inconsistent (shorter than 2 or its own minimum,
 * or running past the data or wTotalLength).
 */
int usb_find_boot_keyboard(const uint8_t *cfg, size_t len, struct usb_boot_kbd *out);

/*
 * [xHCI 1.2 §6.2.3.6] The Endpoint Context's Interval for an interrupt
 * endpoint: a period of 2^Interval x 125 us. Full/low speed bInterval is in
 * milliseconds (1-255), high and super speed in 2^(bInterval-1) microframes
 * (1-16). Out-of-range values are clamped. speed: PORTSC Port Speed ID.
 */
unsigned usb_xhci_interrupt_interval(unsigned speed, uint8_t bInterval);

#endif
