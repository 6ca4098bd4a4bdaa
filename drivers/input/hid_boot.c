/*
 * drivers/input/hid_boot.c - boot keyboard report diffing (see hid_boot.h).
 */
#include "drivers/input/hid_boot.h"

#include "drivers/input/keyboard.h"

static bool holds(const uint8_t *r, uint8_t usage)
{
    for (int i = 2; i < HID_BOOT_REPORT_SIZE; i++)
        if (r[i] == usage)
            return true;
    return false;
}

/* Usages below 04h are error codes, E0h-E7h belong in byte 0. */
static bool key_usage(uint8_t u)
{
    return u >= HID_KEY_A && !(u >= HID_KEY_LEFT_CTRL && u <= HID_KEY_RIGHT_GUI);
}

/* Appends an event for each key usage in "from" that "to" does not hold
 * (each usage once, however often the slots repeat it). */
static int key_changes(const uint8_t *from, const uint8_t *to, bool pressed,
                       struct hid_key_event *ev, int n)
{
    for (int i = 2; i < HID_BOOT_REPORT_SIZE; i++) {
        uint8_t u = from[i];
        bool dup = false;
        for (int j = 2; j < i; j++)
            dup |= from[j] == u;
        if (key_usage(u) && !dup && !holds(to, u))
            ev[n++] = (struct hid_key_event){ u, pressed };
    }
    return n;
}

int hid_boot_diff(const uint8_t prev[HID_BOOT_REPORT_SIZE], const uint8_t *cur, size_t len,
                  struct hid_key_event ev[HID_BOOT_MAX_EVENTS])
{
    if (len < HID_BOOT_REPORT_SIZE)
        return -1;
    for (int i = 2; i < HID_BOOT_REPORT_SIZE; i++)
        if (cur[i] >= HID_KEY_ERR_ROLLOVER && cur[i] <= HID_KEY_ERR_UNDEFINED)
            return -1;

    int n = 0;
    uint8_t down = (uint8_t)(cur[0] & ~prev[0]);
    uint8_t up = (uint8_t)(prev[0] & ~cur[0]);
    for (int b = 0; b < 8; b++)
        if (down & (1u << b))
            ev[n++] = (struct hid_key_event){ (uint8_t)(HID_KEY_LEFT_CTRL + b), true };
    n = key_changes(prev, cur, false, ev, n); /* in prev, not in cur: released */
    n = key_changes(cur, prev, true, ev, n);  /* in cur, not in prev: pressed */
    for (int b = 0; b < 8; b++)
        if (up & (1u << b))
            ev[n++] = (struct hid_key_event){ (uint8_t)(HID_KEY_LEFT_CTRL + b), false };
    return n;
}
