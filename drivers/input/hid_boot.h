/*
 * drivers/input/hid_boot.h - HID boot protocol keyboard reports to key events.
 *
 * [HID 1.11 Appendix B.1 "Protocol 1 (Keyboard)"] The 8-byte input report:
 * byte 0 the modifier keys (bit n = usage E0h+n), byte 1 reserved, bytes
 * 2-7 the usages of up to six other keys held, in no particular order,
 * 00h in unused slots. With too many keys down the six slots all read
 * ErrorRollOver (01h) [HID Usage Tables 1.5 §10]: such a report says nothing
 * about which keys are held and is ignored. A report is the whole state, so
 * presses and releases come from comparing it with the previous one.
 * Pure, host-tested.
 */
#ifndef NVOS_DRIVERS_INPUT_HID_BOOT_H
#define NVOS_DRIVERS_INPUT_HID_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HID_BOOT_REPORT_SIZE 8
/* 8 modifiers + 6 releases + 6 presses */
#define HID_BOOT_MAX_EVENTS 20

struct hid_key_event {
    uint8_t usage;
    bool pressed;
};

/*
 * Events that turn state prev into report cur, in the order a user's
 * fingers imply: modifier presses, key releases, key presses, modifier
 * releases (so "Shift+a" in one report types "A"). len: bytes received;
 * shorter than 8 or an ErrorRollOver/POSTFail/ErrorUndefined report gives
 * -1 and prev must be kept. Otherwise returns the event count.
 */
int hid_boot_diff(const uint8_t prev[HID_BOOT_REPORT_SIZE], const uint8_t *cur, size_t len,
                  struct hid_key_event ev[HID_BOOT_MAX_EVENTS]);

#endif
