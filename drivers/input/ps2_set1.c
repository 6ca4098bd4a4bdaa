/*
 * drivers/input/ps2_set1.c - scan code set 1 decoder (see ps2_set1.h).
 */
#include "drivers/input/ps2_set1.h"

#include "drivers/input/keyboard.h"

/* Set 1 make codes 01h-58h without prefix -> HID usage (0: none). */
static const uint8_t plain[0x59] = {
    [0x01] = HID_KEY_ESCAPE,
    [0x02] = 0x1E, [0x03] = 0x1F, [0x04] = 0x20, [0x05] = 0x21, [0x06] = 0x22, /* 1-5 */
    [0x07] = 0x23, [0x08] = 0x24, [0x09] = 0x25, [0x0A] = 0x26, [0x0B] = 0x27, /* 6-0 */
    [0x0C] = 0x2D, [0x0D] = 0x2E, [0x0E] = HID_KEY_BACKSPACE, [0x0F] = HID_KEY_TAB,
    [0x10] = 0x14, [0x11] = 0x1A, [0x12] = 0x08, [0x13] = 0x15, [0x14] = 0x17, /* q w e r t */
    [0x15] = 0x1C, [0x16] = 0x18, [0x17] = 0x0C, [0x18] = 0x12, [0x19] = 0x13, /* y u i o p */
    [0x1A] = 0x2F, [0x1B] = 0x30, [0x1C] = HID_KEY_ENTER, [0x1D] = HID_KEY_LEFT_CTRL,
    [0x1E] = 0x04, [0x1F] = 0x16, [0x20] = 0x07, [0x21] = 0x09, [0x22] = 0x0A, /* a s d f g */
    [0x23] = 0x0B, [0x24] = 0x0D, [0x25] = 0x0E, [0x26] = 0x0F,                /* h j k l */
    [0x27] = 0x33, [0x28] = 0x34, [0x29] = 0x35, [0x2A] = HID_KEY_LEFT_SHIFT, [0x2B] = 0x31,
    [0x2C] = 0x1D, [0x2D] = 0x1B, [0x2E] = 0x06, [0x2F] = 0x19, [0x30] = 0x05, /* z x c v b */
    [0x31] = 0x11, [0x32] = 0x10, [0x33] = 0x36, [0x34] = 0x37, [0x35] = 0x38, /* n m , . / */
    [0x36] = HID_KEY_RIGHT_SHIFT, [0x37] = HID_KEY_KP_STAR, [0x38] = HID_KEY_LEFT_ALT,
    [0x39] = HID_KEY_SPACE, [0x3A] = HID_KEY_CAPS_LOCK,
    [0x3B] = 0x3A, [0x3C] = 0x3B, [0x3D] = 0x3C, [0x3E] = 0x3D, [0x3F] = 0x3E, /* F1-F5 */
    [0x40] = 0x3F, [0x41] = 0x40, [0x42] = 0x41, [0x43] = 0x42, [0x44] = 0x43, /* F6-F10 */
    [0x45] = HID_KEY_NUM_LOCK, [0x46] = HID_KEY_SCROLL_LOCK,
    [0x47] = 0x5F, [0x48] = 0x60, [0x49] = 0x61, [0x4A] = HID_KEY_KP_MINUS,   /* KP 7 8 9 - */
    [0x4B] = 0x5C, [0x4C] = 0x5D, [0x4D] = 0x5E, [0x4E] = HID_KEY_KP_PLUS,    /* KP 4 5 6 + */
    [0x4F] = 0x59, [0x50] = 0x5A, [0x51] = 0x5B, [0x52] = HID_KEY_KP_0,       /* KP 1 2 3 0 */
    [0x53] = HID_KEY_KP_DOT, [0x56] = HID_KEY_NON_US_BACKSLASH,
    [0x57] = 0x44, [0x58] = 0x45, /* F11 F12 */
};

/* After E0. */
static uint8_t extended(uint8_t code)
{
    switch (code) {
    case 0x1C: return HID_KEY_KP_ENTER;
    case 0x1D: return HID_KEY_RIGHT_CTRL;
    case 0x35: return HID_KEY_KP_SLASH;
    case 0x37: return HID_KEY_PRINT_SCREEN;
    case 0x38: return HID_KEY_RIGHT_ALT;
    case 0x47: return HID_KEY_HOME;
    case 0x48: return HID_KEY_UP;
    case 0x49: return HID_KEY_PAGE_UP;
    case 0x4B: return HID_KEY_LEFT;
    case 0x4D: return HID_KEY_RIGHT;
    case 0x4F: return HID_KEY_END;
    case 0x50: return HID_KEY_DOWN;
    case 0x51: return HID_KEY_PAGE_DOWN;
    case 0x52: return HID_KEY_INSERT;
    case 0x53: return HID_KEY_DELETE;
    case 0x5B: return HID_KEY_LEFT_GUI;
    case 0x5C: return HID_KEY_RIGHT_GUI;
    case 0x5D: return HID_KEY_MENU;
    default: return HID_KEY_NONE; /* 2Ah/36h: the fake shifts around the added keys */
    }
}

bool ps2_set1_feed(struct ps2_set1 *d, uint8_t byte, uint8_t *usage, bool *pressed)
{
    if (d->e1_left > 0) {
        /* Pause: E1 1D 45 E1 9D C5, reported once as a press. */
        d->e1_left--;
        if (d->e1_left == 0) {
            *usage = HID_KEY_PAUSE;
            *pressed = true;
            return true;
        }
        return false;
    }
    switch (byte) {
    case 0x00: /* key detection error / buffer overrun */
    case 0xFF:
    case 0xEE: /* echo */
    case 0xFA: /* acknowledge */
    case 0xFE: /* resend */
        d->prefix = 0;
        return false;
    case 0xE0:
        d->prefix = 0xE0;
        return false;
    case 0xE1:
        d->prefix = 0;
        d->e1_left = 5;
        return false;
    default:
        break;
    }
    uint8_t code = byte & 0x7F;
    uint8_t u = d->prefix == 0xE0 ? extended(code) : code < sizeof(plain) ? plain[code] : 0;
    d->prefix = 0;
    if (u == HID_KEY_NONE)
        return false;
    *usage = u;
    *pressed = (byte & 0x80) == 0;
    return true;
}
