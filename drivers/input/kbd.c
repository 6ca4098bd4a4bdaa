/*
 * drivers/input/kbd.c - key events to terminal bytes: layouts, modifiers,
 * locks, software key repeat (see keyboard.h for the contract).
 *
 * The byte sequences are xterm's, which is what a serial terminal sends to
 * the shell over COM1, so both kinds of console read the same input:
 * cursor keys ESC [ A-D, Home/End ESC [ H / ESC [ F, editing keys
 * ESC [ n ~, F1-F4 ESC O P-S, F5-F12 ESC [ 15~ ... 24~ [xterm ctlseqs,
 * "PC-Style Function Keys"]; Alt sends ESC before the key (xterm's
 * metaSendsEscape); Ctrl clears bits 5-6 of @, A-Z, [, \, ], ^, _.
 */
#include "drivers/input/keyboard.h"

#include <string.h>

/* One key of a layout: what it types plain, with Shift, with AltGr. */
struct keydef {
    const char *plain, *shift, *altgr;
    bool caps; /* Caps Lock acts on it as Shift (letters) */
};

struct kbd_layout {
    const char *name;
    bool has_altgr; /* right Alt is AltGr, not a second Alt */
    struct keydef keys[HID_KEY_NON_US_BACKSLASH + 1];
};

#define LETTER(u, lo, up) [u] = { lo, up, NULL, true }
#define KEY(u, p, s) [u] = { p, s, NULL, false }
#define KEY3(u, p, s, g) [u] = { p, s, g, false }

/* Letters in usage order (04h = a ... 1Dh = z) except e, m, q, y, z, which
 * differ between the layouts. */
#define COMMON_LETTERS                                                                       \
    LETTER(0x04, "a", "A"), LETTER(0x05, "b", "B"), LETTER(0x06, "c", "C"),                  \
    LETTER(0x07, "d", "D"), LETTER(0x09, "f", "F"),                                          \
    LETTER(0x0A, "g", "G"), LETTER(0x0B, "h", "H"), LETTER(0x0C, "i", "I"),                  \
    LETTER(0x0D, "j", "J"), LETTER(0x0E, "k", "K"), LETTER(0x0F, "l", "L"),                  \
    LETTER(0x11, "n", "N"), LETTER(0x12, "o", "O"),                                          \
    LETTER(0x13, "p", "P"), LETTER(0x15, "r", "R"),                                          \
    LETTER(0x16, "s", "S"), LETTER(0x17, "t", "T"), LETTER(0x18, "u", "U"),                  \
    LETTER(0x19, "v", "V"), LETTER(0x1A, "w", "W"), LETTER(0x1B, "x", "X")

static const struct kbd_layout layout_us = {
    .name = "us",
    .has_altgr = false,
    .keys = {
        COMMON_LETTERS, LETTER(0x08, "e", "E"), LETTER(0x10, "m", "M"), LETTER(0x14, "q", "Q"),
        LETTER(0x1C, "y", "Y"), LETTER(0x1D, "z", "Z"),
        KEY(0x1E, "1", "!"), KEY(0x1F, "2", "@"), KEY(0x20, "3", "#"), KEY(0x21, "4", "$"),
        KEY(0x22, "5", "%"), KEY(0x23, "6", "^"), KEY(0x24, "7", "&"), KEY(0x25, "8", "*"),
        KEY(0x26, "9", "("), KEY(0x27, "0", ")"),
        KEY(0x2C, " ", " "),
        KEY(0x2D, "-", "_"), KEY(0x2E, "=", "+"), KEY(0x2F, "[", "{"), KEY(0x30, "]", "}"),
        KEY(0x31, "\\", "|"), KEY(0x32, "\\", "|"), KEY(0x33, ";", ":"), KEY(0x34, "'", "\""),
        KEY(0x35, "`", "~"), KEY(0x36, ",", "<"), KEY(0x37, ".", ">"), KEY(0x38, "/", "?"),
        KEY(0x64, "<", ">"),
    },
};

/* German T1 (QWERTZ): Y and Z swapped, umlauts and ß on the US punctuation
 * keys, AltGr for @ € µ ² ³ { [ ] } \ ~ |. */
static const struct kbd_layout layout_de = {
    .name = "de",
    .has_altgr = true,
    .keys = {
        COMMON_LETTERS, LETTER(0x1C, "z", "Z"), LETTER(0x1D, "y", "Y"),
        [0x14] = { "q", "Q", "@", true },
        [0x08] = { "e", "E", "\xE2\x82\xAC", true }, /* € */
        [0x10] = { "m", "M", "\xC2\xB5", true },     /* µ */
        KEY(0x1E, "1", "!"), KEY3(0x1F, "2", "\"", "\xC2\xB2"), KEY3(0x20, "3", "\xC2\xA7", "\xC2\xB3"),
        KEY(0x21, "4", "$"), KEY(0x22, "5", "%"), KEY(0x23, "6", "&"),
        KEY3(0x24, "7", "/", "{"), KEY3(0x25, "8", "(", "["), KEY3(0x26, "9", ")", "]"),
        KEY3(0x27, "0", "=", "}"),
        KEY(0x2C, " ", " "),
        KEY3(0x2D, "\xC3\x9F", "?", "\\"),                    /* ß ? \ */
        KEY(0x2E, "\xC2\xB4", "`"),                           /* ´ ` */
        [0x2F] = { "\xC3\xBC", "\xC3\x9C", NULL, true },      /* ü Ü */
        KEY3(0x30, "+", "*", "~"),
        KEY(0x31, "#", "'"), KEY(0x32, "#", "'"),
        [0x33] = { "\xC3\xB6", "\xC3\x96", NULL, true },      /* ö Ö */
        [0x34] = { "\xC3\xA4", "\xC3\x84", NULL, true },      /* ä Ä */
        KEY(0x35, "^", "\xC2\xB0"),                           /* ^ ° */
        KEY(0x36, ",", ";"), KEY(0x37, ".", ":"), KEY(0x38, "-", "_"),
        KEY3(0x64, "<", ">", "|"),
    },
};

static const struct kbd_layout *const layouts[] = { &layout_us, &layout_de };

const struct kbd_layout *kbd_layout_find(const char *name)
{
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
        if (strcmp(layouts[i]->name, name) == 0)
            return layouts[i];
    return NULL;
}

const char *kbd_layout_name(const struct kbd_layout *l)
{
    return l->name;
}

const char *kbd_layout_names(void)
{
    return "us de";
}

void kbd_init(struct kbd_state *k, const struct kbd_layout *layout, bool soft_repeat)
{
    memset(k, 0, sizeof(*k));
    k->layout = layout != NULL ? layout : &layout_us;
    k->num_lock = true;
    k->soft_repeat = soft_repeat;
    k->leds_shown = KBD_LEDS_UNKNOWN;
}

uint8_t kbd_leds(const struct kbd_state *k)
{
    return (uint8_t)((k->num_lock ? KBD_LED_NUM : 0) | (k->caps_lock ? KBD_LED_CAPS : 0) |
                     (k->scroll_lock ? KBD_LED_SCROLL : 0));
}

bool kbd_leds_due(const struct kbd_state *k, uint8_t *leds)
{
    *leds = kbd_leds(k);
    return *leds != k->leds_shown;
}

void kbd_leds_done(struct kbd_state *k, uint8_t leds, bool ok)
{
    if (ok || ++k->led_failures >= KBD_LED_TRIES)
        k->leds_shown = leds;
    if (ok || k->leds_shown == leds)
        k->led_failures = 0;
}

uint8_t kbd_leds_ps2(uint8_t leds)
{
    return (uint8_t)(((leds & KBD_LED_SCROLL) ? 0x01 : 0) | ((leds & KBD_LED_NUM) ? 0x02 : 0) |
                     ((leds & KBD_LED_CAPS) ? 0x04 : 0));
}

static size_t put(char *out, size_t n, const char *s)
{
    size_t len = strlen(s);
    if (n + len > KBD_MAX_BYTES)
        return n; /* cannot happen with the tables above; never overflow */
    memcpy(out + n, s, len);
    return n + len;
}

/* Keys that are not text: the same on every layout. NULL if not one. */
static const char *special_key(const struct kbd_state *k, uint8_t usage, bool shift)
{
    static const char *const fkeys[12] = {
        "\x1bOP", "\x1bOQ", "\x1bOR", "\x1bOS", "\x1b[15~", "\x1b[17~",
        "\x1b[18~", "\x1b[19~", "\x1b[20~", "\x1b[21~", "\x1b[23~", "\x1b[24~",
    };
    /* Keypad 1-9, 0, . without Num Lock: the keys printed under the digits. */
    static const char *const kp_nav[11] = {
        "\x1b[F", "\x1b[B", "\x1b[6~", "\x1b[D", "", "\x1b[C",
        "\x1b[H", "\x1b[A", "\x1b[5~", "\x1b[2~", "\x1b[3~",
    };
    static const char *const kp_digit[11] = { "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "." };

    if (usage >= HID_KEY_F1 && usage <= HID_KEY_F12)
        return fkeys[usage - HID_KEY_F1];
    if (usage >= HID_KEY_KP_1 && usage <= HID_KEY_KP_DOT) {
        unsigned i = usage - HID_KEY_KP_1;
        return k->num_lock != shift ? kp_digit[i] : kp_nav[i];
    }
    switch (usage) {
    case HID_KEY_ENTER:
    case HID_KEY_KP_ENTER:
        return "\r";
    case HID_KEY_ESCAPE:
        return "\x1b";
    case HID_KEY_BACKSPACE:
        return "\x7f";
    case HID_KEY_TAB:
        return shift ? "\x1b[Z" : "\t";
    case HID_KEY_INSERT:
        return "\x1b[2~";
    case HID_KEY_HOME:
        return "\x1b[H";
    case HID_KEY_PAGE_UP:
        return "\x1b[5~";
    case HID_KEY_DELETE:
        return "\x1b[3~";
    case HID_KEY_END:
        return "\x1b[F";
    case HID_KEY_PAGE_DOWN:
        return "\x1b[6~";
    case HID_KEY_RIGHT:
        return "\x1b[C";
    case HID_KEY_LEFT:
        return "\x1b[D";
    case HID_KEY_DOWN:
        return "\x1b[B";
    case HID_KEY_UP:
        return "\x1b[A";
    case HID_KEY_KP_SLASH:
        return "/";
    case HID_KEY_KP_STAR:
        return "*";
    case HID_KEY_KP_MINUS:
        return "-";
    case HID_KEY_KP_PLUS:
        return "+";
    default:
        return NULL;
    }
}

/* The bytes one press of usage produces with the current modifiers. */
static size_t translate(const struct kbd_state *k, uint8_t usage, char *out)
{
    bool shift = (k->mods & KBD_MOD_SHIFT) != 0;
    bool ctrl = (k->mods & KBD_MOD_CTRL) != 0;
    bool altgr = k->layout->has_altgr && (k->mods & KBD_MOD_RALT);
    bool alt = (k->mods & KBD_MOD_LALT) || (!k->layout->has_altgr && (k->mods & KBD_MOD_RALT));
    size_t n = 0;

    const char *s = special_key(k, usage, shift);
    if (s == NULL) {
        if (usage > HID_KEY_NON_US_BACKSLASH)
            return 0;
        const struct keydef *d = &k->layout->keys[usage];
        if (d->plain == NULL)
            return 0;
        bool upper = shift != (d->caps && k->caps_lock);
        s = altgr && d->altgr != NULL ? d->altgr : upper ? d->shift : d->plain;
        if (ctrl && s[0] != '\0' && s[1] == '\0') {
            char c = s[0];
            char ctl[2] = { 0, 0 };
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '[' && c <= '_'))
                ctl[0] = (char)(c & 0x1F);
            else if (c == '?')
                ctl[0] = 0x7F;
            if (ctl[0] != 0) {
                if (alt)
                    n = put(out, n, "\x1b");
                return put(out, n, ctl);
            }
        }
    }
    if (s[0] == '\0')
        return 0;
    if (alt)
        n = put(out, n, "\x1b");
    return put(out, n, s);
}

size_t kbd_key(struct kbd_state *k, uint8_t usage, bool pressed, uint64_t now_ns, char *out)
{
    if (usage >= HID_KEY_LEFT_CTRL && usage <= HID_KEY_RIGHT_GUI) {
        uint8_t bit = (uint8_t)(1u << (usage - HID_KEY_LEFT_CTRL));
        k->mods = pressed ? (uint8_t)(k->mods | bit) : (uint8_t)(k->mods & ~bit);
        return 0;
    }
    if (!pressed) {
        if (usage == k->repeat_usage)
            k->repeat_usage = HID_KEY_NONE;
        return 0;
    }
    bool *lock = usage == HID_KEY_CAPS_LOCK     ? &k->caps_lock
                 : usage == HID_KEY_NUM_LOCK    ? &k->num_lock
                 : usage == HID_KEY_SCROLL_LOCK ? &k->scroll_lock
                                                : NULL;
    if (lock != NULL) {
        /* A PS/2 keyboard repeats make codes while the key is held: only a
         * press after a release toggles (the repeat check below). */
        if (k->repeat_usage != usage)
            *lock = !*lock;
        k->repeat_usage = usage;
        k->repeat_next_ns = UINT64_MAX; /* tracked as "held", never repeated */
        return 0;
    }
    size_t n = translate(k, usage, out);
    if (n > 0 && k->soft_repeat) {
        k->repeat_usage = usage;
        k->repeat_next_ns = now_ns + KBD_REPEAT_DELAY_NS;
    } else if (n > 0) {
        k->repeat_usage = usage; /* for the lock keys' held check only */
        k->repeat_next_ns = UINT64_MAX;
    }
    return n;
}

size_t kbd_tick(struct kbd_state *k, uint64_t now_ns, char *out)
{
    if (!k->soft_repeat || k->repeat_usage == HID_KEY_NONE || now_ns < k->repeat_next_ns)
        return 0;
    k->repeat_next_ns += KBD_REPEAT_PERIOD_NS;
    if (k->repeat_next_ns <= now_ns) /* polled late: no catching up */
        k->repeat_next_ns = now_ns + KBD_REPEAT_PERIOD_NS;
    return translate(k, k->repeat_usage, out);
}
