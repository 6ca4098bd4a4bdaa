/*
 * drivers/usb/usb_desc.c - configuration parsing (see usb_desc.h).
 */
#include "drivers/usb/usb_desc.h"

#include <stdbool.h>

#include "drivers/usb/xhci_regs.h"
#include "lib/errno.h"

int usb_find_boot_keyboard(const uint8_t *cfg, size_t len, struct usb_boot_kbd *out)
{
    if (len < sizeof(struct usb_config_desc) || cfg[1] != USB_DT_CONFIG ||
        cfg[0] < sizeof(struct usb_config_desc))
        return -EINVAL;
    size_t total = (size_t)cfg[2] | (size_t)cfg[3] << 8;
    if (total < len)
        len = total; /* what follows wTotalLength is not part of the set */
    bool in_kbd = false;
    out->config_value = cfg[5];
    for (size_t off = cfg[0]; off < len;) {
        if (len - off < 2)
            return -EINVAL;
        uint8_t blen = cfg[off], type = cfg[off + 1];
        if (blen < 2 || blen > len - off)
            return -EINVAL;
        if (type == USB_DT_INTERFACE) {
            if (blen < sizeof(struct usb_interface_desc))
                return -EINVAL;
            const uint8_t *d = cfg + off;
            in_kbd = d[5] == USB_CLASS_HID && d[6] == USB_HID_SUBCLASS_BOOT &&
                     d[7] == USB_HID_PROTOCOL_KEYBOARD;
            if (in_kbd) {
                out->interface = d[2];
                out->alt_setting = d[3];
            }
        } else if (type == USB_DT_ENDPOINT && in_kbd) {
            if (blen < sizeof(struct usb_endpoint_desc))
                return -EINVAL;
            const uint8_t *d = cfg + off;
            uint16_t mps = (uint16_t)(d[4] | d[5] << 8);
            if ((d[2] & USB_DIR_IN) && (d[3] & 3) == 3 && (mps & 0x7FF) != 0) {
                out->ep_address = d[2];
                out->max_packet = mps & 0x7FF;
                out->mult = (uint8_t)((mps >> 11) & 3);
                out->interval = d[6];
                return 0;
            }
        }
        off += blen;
    }
    return -ENOENT;
}

unsigned usb_xhci_interrupt_interval(unsigned speed, uint8_t bInterval)
{
    if (speed == XHCI_SPEED_FULL || speed == XHCI_SPEED_LOW) {
        /* bInterval ms = bInterval * 8 microframes; round down to a power of
         * two, within the spec's 3-10 for these speeds. */
        unsigned frames = bInterval ? bInterval : 1;
        unsigned iv = 0;
        while ((2u << iv) <= frames * 8)
            iv++;
        return iv < 3 ? 3 : iv > 10 ? 10 : iv;
    }
    unsigned b = bInterval < 1 ? 1 : bInterval > 16 ? 16 : bInterval;
    return b - 1;
}
