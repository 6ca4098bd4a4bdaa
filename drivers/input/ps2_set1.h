/*
 * drivers/input/ps2_set1.h - PC keyboard scan code set 1 to HID usages.
 *
 * Set 1 is what the i8042 delivers with translation on (its configuration
 * byte's bit 6), whatever set the keyboard itself speaks [IBM PS/2 Hardware
 * Interface Technical Reference, "Keyboard/Auxiliary Device Controller",
 * command byte bit 6; the code list follows Microsoft's "Keyboard Scan Code
 * Specification" rev. 1.3a, Appendix C, the set 1 column]. A make code is
 * the key's number; its break code is the same with bit 7 set; E0 prefixes
 * the keys added with the 101-key keyboard; Pause sends E1 1D 45 E1 9D C5
 * and no break. Pure, host-tested.
 */
#ifndef NVOS_DRIVERS_INPUT_PS2_SET1_H
#define NVOS_DRIVERS_INPUT_PS2_SET1_H

#include <stdbool.h>
#include <stdint.h>

struct ps2_set1 {
    uint8_t prefix; /* 0, 0xE0 or 0xE1 seen before this byte */
    uint8_t e1_left; /* bytes of the Pause sequence still to come */
};

/*
 * Feeds one byte from the controller. Returns true when it completes a key
 * event (its usage and whether it is a press); false for prefixes, the
 * controller's and keyboard's own replies (ACK FAh, resend FEh, echo EEh,
 * errors 00h/FFh; the self-test pass AAh reads as a harmless left Shift
 * release), the fake shifts E0 2A/E0 36 and keys without a usage.
 */
bool ps2_set1_feed(struct ps2_set1 *d, uint8_t byte, uint8_t *usage, bool *pressed);

#endif
