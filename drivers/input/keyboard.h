/*
 * drivers/input/keyboard.h - what every keyboard driver shares: key codes,
 * layouts, modifier state, the bytes a terminal sends, software key repeat.
 *
 * Key codes are USB HID usages of the Keyboard/Keypad page (07h) [HID Usage
 * Tables 1.5 §10 "Keyboard/Keypad Page (0x07)"] for every keyboard: the USB
 * driver takes them straight from boot reports, the PS/2 driver translates
 * scan code set 1 into them (ps2_set1.c). A press or release goes through
 * kbd_key(), which keeps the modifier and lock state and turns the key into
 * the bytes an xterm-like terminal sends: UTF-8 text, control characters
 * (Ctrl-C = 03h, Enter = CR, Backspace = DEL), ESC sequences for the cursor,
 * editing and function keys, ESC before a key held with Alt.
 *
 * Layouts: "us" (ANSI US) and "de" (German QWERTZ T1, DIN 2137-1 without dead
 * keys: ^ ´ ` are plain characters; AltGr is the right Alt key), chosen with
 * the kbd.layout= boot option.
 *
 * Pure: no kernel headers, compiled for the host tests. Time comes in as a
 * parameter (nanoseconds of any monotonic clock).
 */
#ifndef NVOS_DRIVERS_INPUT_KEYBOARD_H
#define NVOS_DRIVERS_INPUT_KEYBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* [HID Usage Tables 1.5 §10] the usages this code names */
enum hid_key {
    HID_KEY_NONE = 0x00,
    HID_KEY_ERR_ROLLOVER = 0x01, /* "ErrorRollOver": too many keys down */
    HID_KEY_POST_FAIL = 0x02,
    HID_KEY_ERR_UNDEFINED = 0x03,
    HID_KEY_A = 0x04,
    HID_KEY_Z = 0x1D,
    HID_KEY_1 = 0x1E,
    HID_KEY_0 = 0x27,
    HID_KEY_ENTER = 0x28,
    HID_KEY_ESCAPE = 0x29,
    HID_KEY_BACKSPACE = 0x2A,
    HID_KEY_TAB = 0x2B,
    HID_KEY_SPACE = 0x2C,
    HID_KEY_MINUS = 0x2D,
    HID_KEY_SLASH = 0x38,
    HID_KEY_CAPS_LOCK = 0x39,
    HID_KEY_F1 = 0x3A,
    HID_KEY_F12 = 0x45,
    HID_KEY_PRINT_SCREEN = 0x46,
    HID_KEY_SCROLL_LOCK = 0x47,
    HID_KEY_PAUSE = 0x48,
    HID_KEY_INSERT = 0x49,
    HID_KEY_HOME = 0x4A,
    HID_KEY_PAGE_UP = 0x4B,
    HID_KEY_DELETE = 0x4C,
    HID_KEY_END = 0x4D,
    HID_KEY_PAGE_DOWN = 0x4E,
    HID_KEY_RIGHT = 0x4F,
    HID_KEY_LEFT = 0x50,
    HID_KEY_DOWN = 0x51,
    HID_KEY_UP = 0x52,
    HID_KEY_NUM_LOCK = 0x53,
    HID_KEY_KP_SLASH = 0x54,
    HID_KEY_KP_STAR = 0x55,
    HID_KEY_KP_MINUS = 0x56,
    HID_KEY_KP_PLUS = 0x57,
    HID_KEY_KP_ENTER = 0x58,
    HID_KEY_KP_1 = 0x59, /* ... KP_9 = 0x61 */
    HID_KEY_KP_0 = 0x62,
    HID_KEY_KP_DOT = 0x63,
    HID_KEY_NON_US_BACKSLASH = 0x64, /* the ISO key between left Shift and Z */
    HID_KEY_MENU = 0x65,             /* "Application" */
    HID_KEY_LEFT_CTRL = 0xE0,        /* 0xE0-0xE7: the modifiers, in boot-report bit order */
    HID_KEY_LEFT_SHIFT = 0xE1,
    HID_KEY_LEFT_ALT = 0xE2,
    HID_KEY_LEFT_GUI = 0xE3,
    HID_KEY_RIGHT_CTRL = 0xE4,
    HID_KEY_RIGHT_SHIFT = 0xE5,
    HID_KEY_RIGHT_ALT = 0xE6,
    HID_KEY_RIGHT_GUI = 0xE7,
};

/* Modifier bits: bit n is usage 0xE0 + n [HID 1.11 Appendix B.1, byte 0]. */
#define KBD_MOD_LCTRL 0x01u
#define KBD_MOD_LSHIFT 0x02u
#define KBD_MOD_LALT 0x04u
#define KBD_MOD_LGUI 0x08u
#define KBD_MOD_RCTRL 0x10u
#define KBD_MOD_RSHIFT 0x20u
#define KBD_MOD_RALT 0x40u
#define KBD_MOD_RGUI 0x80u
#define KBD_MOD_CTRL (KBD_MOD_LCTRL | KBD_MOD_RCTRL)
#define KBD_MOD_SHIFT (KBD_MOD_LSHIFT | KBD_MOD_RSHIFT)

/* The most bytes one key event produces (Alt + "ESC [ 2 4 ~"). */
#define KBD_MAX_BYTES 8

/* Software key repeat, as a PC keyboard's default typematic setting. */
#define KBD_REPEAT_DELAY_NS 500000000ull /* 500 ms before the first repeat */
#define KBD_REPEAT_PERIOD_NS 33333333ull /* then 30 per second */

struct kbd_layout;

/* The layout called name ("us", "de"), or NULL. */
const struct kbd_layout *kbd_layout_find(const char *name);
const char *kbd_layout_name(const struct kbd_layout *l);
/* Names of every layout, separated by spaces (for messages). */
const char *kbd_layout_names(void);

struct kbd_state {
    const struct kbd_layout *layout;
    uint8_t mods; /* KBD_MOD_* currently held */
    bool caps_lock;
    bool num_lock;
    bool scroll_lock;
    bool soft_repeat;     /* the keyboard does not repeat by itself (USB) */
    uint8_t repeat_usage; /* key being repeated, HID_KEY_NONE if none */
    uint64_t repeat_next_ns;
    uint8_t leds_shown; /* KBD_LED_* the keyboard shows; KBD_LEDS_UNKNOWN at first */
    uint8_t led_failures; /* failed sends in a row */
};

/* Fresh state: no modifiers, Num Lock on, Caps and Scroll Lock off, the
 * keyboard's LEDs unknown (so the first kbd_leds_due() sends them). */
void kbd_init(struct kbd_state *k, const struct kbd_layout *layout, bool soft_repeat);

/*
 * A key went down (pressed) or up. Writes the bytes the press produces to
 * out (KBD_MAX_BYTES), returns how many (0 for releases and modifiers).
 */
size_t kbd_key(struct kbd_state *k, uint8_t usage, bool pressed, uint64_t now_ns, char *out);

/*
 * Software key repeat: when the held key's next repeat is due at now_ns,
 * writes its bytes to out (KBD_MAX_BYTES) and returns how many. At most one
 * repeat per call; a caller that polls late gets no burst of old repeats.
 */
size_t kbd_tick(struct kbd_state *k, uint64_t now_ns, char *out);

/*
 * Lock indicators. The driver sends the state from outside interrupts (the
 * console's poll): kbd_leds_due() says whether the keyboard shows something
 * else than the lock state and what to send; kbd_leds_done() records the
 * outcome. After KBD_LED_TRIES failed sends in a row the state is given up
 * (until the locks change again), so a keyboard without LEDs costs a few tries only.
 * Bits as in a HID boot keyboard's output report [HID 1.11 Appendix B.1;
 * HID Usage Tables 1.5 §11 LED page: 01h Num Lock, 02h Caps Lock, 03h
 * Scroll Lock]; kbd_leds_ps2() reorders them for the PS/2 command EDh.
 */
#define KBD_LED_NUM 0x01u
#define KBD_LED_CAPS 0x02u
#define KBD_LED_SCROLL 0x04u
#define KBD_LEDS_UNKNOWN 0xFFu
#define KBD_LED_TRIES 3

uint8_t kbd_leds(const struct kbd_state *k);
bool kbd_leds_due(const struct kbd_state *k, uint8_t *leds);
void kbd_leds_done(struct kbd_state *k, uint8_t leds, bool ok);
/* [IBM PS/2 Hardware Interface Technical Reference, Keyboard command EDh
 * "Set/Reset Mode Indicators"] bit 0 Scroll Lock, 1 Num Lock, 2 Caps Lock. */
uint8_t kbd_leds_ps2(uint8_t leds);

#endif
