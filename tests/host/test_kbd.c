/*
 * Host test: drivers/input - scan code set 1 decoding, key events to
 * terminal bytes in both layouts (modifiers, locks, Ctrl, Alt, AltGr, the
 * ESC sequences), software key repeat, HID boot report diffing.
 */
#include "drivers/input/hid_boot.h"
#include "drivers/input/keyboard.h"
#include "drivers/input/ps2_set1.h"
#include "tests/host/check.h"

#define MS 1000000ull

static char typed[256];
static size_t typed_len;

static void press(struct kbd_state *k, uint8_t usage, uint64_t now)
{
    char out[KBD_MAX_BYTES];
    size_t n = kbd_key(k, usage, true, now, out);
    CHECK(n <= KBD_MAX_BYTES);
    if (typed_len + n < sizeof(typed)) {
        memcpy(typed + typed_len, out, n);
        typed_len += n;
        typed[typed_len] = '\0';
    }
}

static void release(struct kbd_state *k, uint8_t usage)
{
    char out[KBD_MAX_BYTES];
    CHECK_EQ(kbd_key(k, usage, false, 0, out), 0);
}

static void tap(struct kbd_state *k, uint8_t usage)
{
    press(k, usage, 0);
    release(k, usage);
}

static void chord(struct kbd_state *k, uint8_t mod, uint8_t usage)
{
    press(k, mod, 0);
    tap(k, usage);
    release(k, mod);
}

static const char *take(void)
{
    static char copy[256];
    memcpy(copy, typed, typed_len + 1);
    typed_len = 0;
    typed[0] = '\0';
    return copy;
}

/* Feeds set-1 bytes through the decoder and the US layout. */
static const char *scancodes(struct kbd_state *k, const uint8_t *b, size_t n)
{
    struct ps2_set1 d = { 0 };
    for (size_t i = 0; i < n; i++) {
        uint8_t u;
        bool pressed;
        if (ps2_set1_feed(&d, b[i], &u, &pressed)) {
            if (pressed)
                press(k, u, 0);
            else
                release(k, u);
        }
    }
    return take();
}

static void test_set1(void)
{
    struct ps2_set1 d = { 0 };
    uint8_t u = 0;
    bool p = false;

    CHECK(ps2_set1_feed(&d, 0x1E, &u, &p)); /* a make */
    CHECK_EQ(u, HID_KEY_A);
    CHECK(p);
    CHECK(ps2_set1_feed(&d, 0x9E, &u, &p)); /* a break */
    CHECK_EQ(u, HID_KEY_A);
    CHECK(!p);
    CHECK(!ps2_set1_feed(&d, 0xE0, &u, &p));
    CHECK(ps2_set1_feed(&d, 0x48, &u, &p));
    CHECK_EQ(u, HID_KEY_UP);
    CHECK(!ps2_set1_feed(&d, 0xE0, &u, &p));
    CHECK(ps2_set1_feed(&d, 0xC8, &u, &p));
    CHECK_EQ(u, HID_KEY_UP);
    CHECK(!p);
    CHECK(ps2_set1_feed(&d, 0x48, &u, &p)); /* no prefix left over: keypad 8 */
    CHECK_EQ(u, 0x60);
    /* Replies and errors are not keys, and clear a dangling prefix. */
    static const uint8_t noise[] = { 0xFA, 0xFE, 0xEE, 0x00, 0xFF };
    for (size_t i = 0; i < sizeof(noise); i++)
        CHECK(!ps2_set1_feed(&d, noise[i], &u, &p));
    CHECK(!ps2_set1_feed(&d, 0xE0, &u, &p));
    CHECK(!ps2_set1_feed(&d, 0xFA, &u, &p));
    CHECK(ps2_set1_feed(&d, 0x1C, &u, &p));
    CHECK_EQ(u, HID_KEY_ENTER); /* not keypad Enter: the ACK dropped the E0 */
    /* Fake shifts around the gray keys are dropped. */
    CHECK(!ps2_set1_feed(&d, 0xE0, &u, &p));
    CHECK(!ps2_set1_feed(&d, 0x2A, &u, &p));
    /* Pause: six bytes, one press. */
    static const uint8_t pause[] = { 0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5 };
    int events = 0;
    for (size_t i = 0; i < sizeof(pause); i++)
        if (ps2_set1_feed(&d, pause[i], &u, &p)) {
            events++;
            CHECK_EQ(u, HID_KEY_PAUSE);
            CHECK(p);
        }
    CHECK_EQ(events, 1);
    /* Every byte, every prefix: never a usage outside the page, never a crash. */
    for (int pre = 0; pre < 3; pre++)
        for (int b = 0; b < 256; b++) {
            struct ps2_set1 x = { 0 };
            if (pre == 1)
                ps2_set1_feed(&x, 0xE0, &u, &p);
            if (pre == 2)
                ps2_set1_feed(&x, 0xE1, &u, &p);
            u = 0;
            if (ps2_set1_feed(&x, (uint8_t)b, &u, &p))
                CHECK(u >= HID_KEY_A);
        }
}

static void test_us(void)
{
    struct kbd_state k;
    kbd_init(&k, kbd_layout_find("us"), false);

    /* "echo Hi!" typed as make/break codes, Shift held for H and !. */
    static const uint8_t echo[] = { 0x12, 0x92, 0x2E, 0xAE, 0x23, 0xA3, 0x18, 0x98, 0x39, 0xB9,
                                    0x2A, 0x23, 0xA3, 0xAA, 0x17, 0x97, 0x36, 0x02, 0x82, 0xB6,
                                    0x1C, 0x9C };
    CHECK_STR_EQ(scancodes(&k, echo, sizeof(echo)), "echo Hi!\r");
    /* Ctrl-C, as the PS/2 keyboard sends it. */
    static const uint8_t ctrl_c[] = { 0x1D, 0x2E, 0xAE, 0x9D };
    CHECK_STR_EQ(scancodes(&k, ctrl_c, sizeof(ctrl_c)), "\x03");
    /* Right Ctrl (E0 1D) works too; Ctrl is gone after its release. */
    static const uint8_t rctrl_c[] = { 0xE0, 0x1D, 0x2E, 0xAE, 0xE0, 0x9D, 0x2E, 0xAE };
    CHECK_STR_EQ(scancodes(&k, rctrl_c, sizeof(rctrl_c)), "\x03" "c");
    /* Cursor keys and keypad Enter. */
    static const uint8_t cursor[] = { 0xE0, 0x48, 0xE0, 0xC8, 0xE0, 0x4B, 0xE0, 0xCB,
                                      0xE0, 0x53, 0xE0, 0x1C };
    CHECK_STR_EQ(scancodes(&k, cursor, sizeof(cursor)), "\x1b[A\x1b[D\x1b[3~\r");

    for (uint8_t u = HID_KEY_A; u <= HID_KEY_Z; u++)
        tap(&k, u);
    CHECK_STR_EQ(take(), "abcdefghijklmnopqrstuvwxyz");
    for (uint8_t u = HID_KEY_1; u <= HID_KEY_0; u++)
        chord(&k, HID_KEY_RIGHT_SHIFT, u);
    CHECK_STR_EQ(take(), "!@#$%^&*()");
    for (uint8_t u = HID_KEY_MINUS; u <= HID_KEY_SLASH; u++)
        if (u != 0x32)
            tap(&k, u);
    CHECK_STR_EQ(take(), "-=[]\\;'`,./");

    /* Caps Lock: letters only, and Shift undoes it for them. */
    tap(&k, HID_KEY_CAPS_LOCK);
    tap(&k, HID_KEY_A);
    tap(&k, HID_KEY_1);
    chord(&k, HID_KEY_LEFT_SHIFT, HID_KEY_A);
    /* A PS/2 keyboard repeats the make code of a held Caps Lock: one toggle. */
    press(&k, HID_KEY_CAPS_LOCK, 0);
    press(&k, HID_KEY_CAPS_LOCK, 0);
    press(&k, HID_KEY_CAPS_LOCK, 0);
    release(&k, HID_KEY_CAPS_LOCK);
    tap(&k, HID_KEY_A);
    CHECK_STR_EQ(take(), "A1aa");

    /* Ctrl: letters and [ \ ] to control codes; Alt: an ESC first. */
    chord(&k, HID_KEY_LEFT_CTRL, 0x2F);
    chord(&k, HID_KEY_LEFT_CTRL, HID_KEY_Z);
    chord(&k, HID_KEY_LEFT_ALT, HID_KEY_A);
    chord(&k, HID_KEY_RIGHT_ALT, HID_KEY_A); /* no AltGr on "us": a second Alt */
    CHECK_STR_EQ(take(), "\x1b\x1a\x1b" "a\x1b" "a");

    /* Function and editing keys: xterm's sequences. */
    tap(&k, HID_KEY_F1);
    tap(&k, HID_KEY_F12);
    tap(&k, HID_KEY_HOME);
    tap(&k, HID_KEY_END);
    tap(&k, HID_KEY_PAGE_UP);
    tap(&k, HID_KEY_BACKSPACE);
    tap(&k, HID_KEY_TAB);
    chord(&k, HID_KEY_LEFT_SHIFT, HID_KEY_TAB);
    CHECK_STR_EQ(take(), "\x1bOP\x1b[24~\x1b[H\x1b[F\x1b[5~\x7f\t\x1b[Z");

    /* Keypad: digits with Num Lock (on at start), cursor keys without. */
    tap(&k, HID_KEY_KP_1);
    tap(&k, 0x60);
    tap(&k, HID_KEY_KP_DOT);
    tap(&k, HID_KEY_KP_STAR);
    tap(&k, HID_KEY_NUM_LOCK);
    tap(&k, 0x60);
    tap(&k, HID_KEY_KP_0);
    CHECK_STR_EQ(take(), "18.*\x1b[A\x1b[2~");

    /* Keys nothing is assigned to, and usages past the table, type nothing. */
    tap(&k, HID_KEY_PRINT_SCREEN);
    tap(&k, HID_KEY_MENU);
    tap(&k, 0x90);
    tap(&k, 0xFF);
    tap(&k, HID_KEY_NONE);
    CHECK_STR_EQ(take(), "");
    /* Every usage with every modifier combination stays within KBD_MAX_BYTES. */
    for (int mods = 0; mods < 256; mods++)
        for (int u = 0; u < 256; u++) {
            char out[KBD_MAX_BYTES];
            k.mods = (uint8_t)mods;
            k.repeat_usage = 0;
            CHECK(kbd_key(&k, (uint8_t)u, true, 0, out) <= KBD_MAX_BYTES);
        }
}

static void test_de(void)
{
    struct kbd_state k;
    CHECK(kbd_layout_find("de") != NULL);
    CHECK(kbd_layout_find("xx") == NULL);
    kbd_init(&k, kbd_layout_find("de"), false);
    CHECK_STR_EQ(kbd_layout_name(k.layout), "de");

    tap(&k, HID_KEY_Z);  /* the key labelled Z on a US keyboard */
    tap(&k, 0x1C);       /* ... and Y */
    chord(&k, HID_KEY_LEFT_SHIFT, 0x24);
    chord(&k, HID_KEY_LEFT_SHIFT, 0x1F);
    chord(&k, HID_KEY_RIGHT_ALT, 0x14);
    chord(&k, HID_KEY_RIGHT_ALT, 0x08);
    chord(&k, HID_KEY_RIGHT_ALT, 0x25);
    chord(&k, HID_KEY_RIGHT_ALT, HID_KEY_MINUS);
    chord(&k, HID_KEY_RIGHT_ALT, HID_KEY_NON_US_BACKSLASH);
    CHECK_STR_EQ(take(), "yz/\"@\xE2\x82\xAC[\\|");
    tap(&k, 0x33);
    tap(&k, 0x34);
    tap(&k, 0x2F);
    tap(&k, HID_KEY_MINUS);
    chord(&k, HID_KEY_LEFT_SHIFT, 0x34);
    CHECK_STR_EQ(take(), "\xC3\xB6\xC3\xA4\xC3\xBC\xC3\x9F\xC3\x84");
    /* Caps Lock covers the umlauts but not ß. */
    tap(&k, HID_KEY_CAPS_LOCK);
    tap(&k, 0x33);
    tap(&k, HID_KEY_MINUS);
    tap(&k, HID_KEY_CAPS_LOCK);
    CHECK_STR_EQ(take(), "\xC3\x96\xC3\x9F");
    /* Ctrl follows the layout's letters; left Alt is still Alt. */
    chord(&k, HID_KEY_LEFT_CTRL, 0x1C);
    chord(&k, HID_KEY_LEFT_ALT, HID_KEY_Z);
    CHECK_STR_EQ(take(), "\x1a\x1by");
    /* AltGr on a key without a third level types the plain character. */
    chord(&k, HID_KEY_RIGHT_ALT, HID_KEY_A);
    CHECK_STR_EQ(take(), "a");
}

static void test_repeat(void)
{
    struct kbd_state k;
    char out[KBD_MAX_BYTES];
    kbd_init(&k, NULL, true); /* NULL: US */

    press(&k, HID_KEY_A, 1000 * MS);
    CHECK_STR_EQ(take(), "a");
    CHECK_EQ(kbd_tick(&k, 1000 * MS + KBD_REPEAT_DELAY_NS - 1, out), 0);
    /* Held 1.5 s, polled every 10 ms: the first repeat at 500 ms, then ~30/s. */
    int repeats = 0;
    for (uint64_t t = 1000 * MS; t <= 2500 * MS; t += 10 * MS) {
        size_t n = kbd_tick(&k, t, out);
        if (n > 0) {
            CHECK_EQ(n, 1);
            CHECK_EQ(out[0], 'a');
            repeats++;
        }
    }
    CHECK(repeats >= 29 && repeats <= 31);
    /* A modifier pressed meanwhile applies to later repeats. */
    press(&k, HID_KEY_LEFT_SHIFT, 2500 * MS);
    CHECK_EQ(kbd_tick(&k, 2600 * MS, out), 1);
    CHECK_EQ(out[0], 'A');
    release(&k, HID_KEY_LEFT_SHIFT);
    /* Polled late: one repeat, not a burst. */
    CHECK_EQ(kbd_tick(&k, 9000 * MS, out), 1);
    CHECK_EQ(kbd_tick(&k, 9000 * MS, out), 0);
    /* A second key takes over; releasing the first then changes nothing. */
    press(&k, HID_KEY_1, 9000 * MS);
    release(&k, HID_KEY_A);
    CHECK_EQ(kbd_tick(&k, 9600 * MS, out), 1);
    CHECK_EQ(out[0], '1');
    release(&k, HID_KEY_1);
    CHECK_EQ(kbd_tick(&k, 20000 * MS, out), 0);
    /* Modifiers and lock keys do not repeat. */
    press(&k, HID_KEY_LEFT_CTRL, 0);
    press(&k, HID_KEY_CAPS_LOCK, 0);
    CHECK_EQ(kbd_tick(&k, 5000 * MS, out), 0);
    take();
    /* Without soft repeat (PS/2 repeats by itself) ticks do nothing. */
    kbd_init(&k, NULL, false);
    press(&k, HID_KEY_A, 0);
    CHECK_EQ(kbd_tick(&k, 5000 * MS, out), 0);
    take();
}

static int diff(const uint8_t *prev, const uint8_t *cur, struct hid_key_event *ev)
{
    return hid_boot_diff(prev, cur, HID_BOOT_REPORT_SIZE, ev);
}

static void test_hid_boot(void)
{
    struct hid_key_event ev[HID_BOOT_MAX_EVENTS];
    const uint8_t none[8] = { 0 };
    const uint8_t shift_a[8] = { 0x02, 0, HID_KEY_A, 0, 0, 0, 0, 0 };
    const uint8_t a_b[8] = { 0x00, 0, HID_KEY_A, 0x05, 0, 0, 0, 0 };
    const uint8_t b_only[8] = { 0x00, 0, 0x00, 0x05, 0, 0, 0, 0 };
    const uint8_t rollover[8] = { 0x02, 0, 1, 1, 1, 1, 1, 1 };

    /* Shift+a in one report: Shift goes down before a. */
    CHECK_EQ(diff(none, shift_a, ev), 2);
    CHECK_EQ(ev[0].usage, HID_KEY_LEFT_SHIFT);
    CHECK(ev[0].pressed);
    CHECK_EQ(ev[1].usage, HID_KEY_A);
    CHECK(ev[1].pressed);
    /* ... and both up in one report: a up, then Shift up. */
    CHECK_EQ(diff(shift_a, none, ev), 2);
    CHECK_EQ(ev[0].usage, HID_KEY_A);
    CHECK(!ev[0].pressed);
    CHECK_EQ(ev[1].usage, HID_KEY_LEFT_SHIFT);
    CHECK(!ev[1].pressed);
    /* Slots move: b stays held when a leaves slot 0. */
    CHECK_EQ(diff(a_b, b_only, ev), 1);
    CHECK_EQ(ev[0].usage, HID_KEY_A);
    CHECK(!ev[0].pressed);
    CHECK_EQ(diff(b_only, a_b, ev), 1);
    CHECK(ev[0].pressed);
    CHECK_EQ(diff(a_b, a_b, ev), 0);
    /* Rollover and short reports: ignored, the caller keeps its state. */
    CHECK_EQ(diff(a_b, rollover, ev), -1);
    CHECK_EQ(hid_boot_diff(none, shift_a, 7, ev), -1);
    /* Hostile reports: duplicates and modifier usages in key slots. */
    const uint8_t dup[8] = { 0xFF, 0, HID_KEY_A, HID_KEY_A, 0xE1, 0xE1, HID_KEY_A, HID_KEY_A };
    int n = diff(none, dup, ev);
    CHECK_EQ(n, 9); /* 8 modifiers + a once */
    n = diff(dup, none, ev);
    CHECK_EQ(n, 9);
    /* Six keys and eight modifiers changing at once fit the event array. */
    const uint8_t full[8] = { 0xFF, 0, 4, 5, 6, 7, 8, 9 };
    const uint8_t full2[8] = { 0x00, 0, 10, 11, 12, 13, 14, 15 };
    CHECK_EQ(diff(full, full2, ev), 8 + 6 + 6);
}

/* Lock keys to LED bits, what is due when, bounded retries, the PS/2 order. */
static void test_leds(void)
{
    struct kbd_state k;
    uint8_t leds;
    kbd_init(&k, kbd_layout_find("us"), true);
    /* Unknown at first: Num Lock (on by default) is due. */
    CHECK(kbd_leds_due(&k, &leds));
    CHECK_EQ(leds, KBD_LED_NUM);
    kbd_leds_done(&k, leds, true);
    CHECK(!kbd_leds_due(&k, &leds));

    tap(&k, HID_KEY_CAPS_LOCK);
    CHECK(kbd_leds_due(&k, &leds));
    CHECK_EQ(leds, KBD_LED_NUM | KBD_LED_CAPS);
    kbd_leds_done(&k, leds, true);
    tap(&k, HID_KEY_SCROLL_LOCK);
    tap(&k, HID_KEY_NUM_LOCK);
    CHECK(kbd_leds_due(&k, &leds));
    CHECK_EQ(leds, KBD_LED_CAPS | KBD_LED_SCROLL);
    /* A held lock key (PS/2 repeats its make code) toggles once. */
    press(&k, HID_KEY_SCROLL_LOCK, 0);
    press(&k, HID_KEY_SCROLL_LOCK, 10 * MS);
    press(&k, HID_KEY_SCROLL_LOCK, 20 * MS);
    release(&k, HID_KEY_SCROLL_LOCK);
    CHECK(kbd_leds_due(&k, &leds));
    CHECK_EQ(leds, KBD_LED_CAPS);

    /* Failed sends stay due, KBD_LED_TRIES of them give the state up... */
    for (int i = 0; i < KBD_LED_TRIES - 1; i++) {
        kbd_leds_done(&k, leds, false);
        CHECK(kbd_leds_due(&k, &leds));
    }
    kbd_leds_done(&k, leds, false);
    CHECK(!kbd_leds_due(&k, &leds));
    /* ...until the locks change again; a success resets the count. */
    tap(&k, HID_KEY_CAPS_LOCK);
    CHECK(kbd_leds_due(&k, &leds));
    CHECK_EQ(leds, 0);
    kbd_leds_done(&k, leds, false);
    kbd_leds_done(&k, leds, true);
    CHECK(!kbd_leds_due(&k, &leds));
    tap(&k, HID_KEY_CAPS_LOCK);
    for (int i = 0; i < KBD_LED_TRIES - 1; i++)
        kbd_leds_done(&k, KBD_LED_CAPS, false);
    CHECK(kbd_leds_due(&k, &leds));

    /* Caps Lock still types capitals; Scroll Lock types nothing. */
    (void)take();
    tap(&k, 0x04);
    tap(&k, HID_KEY_SCROLL_LOCK);
    CHECK_STR_EQ(take(), "A");

    /* PS/2 EDh byte: Scroll bit 0, Num bit 1, Caps bit 2. */
    CHECK_EQ(kbd_leds_ps2(KBD_LED_SCROLL), 0x01);
    CHECK_EQ(kbd_leds_ps2(KBD_LED_NUM), 0x02);
    CHECK_EQ(kbd_leds_ps2(KBD_LED_CAPS), 0x04);
    CHECK_EQ(kbd_leds_ps2(KBD_LED_NUM | KBD_LED_CAPS | KBD_LED_SCROLL), 0x07);
}

int main(void)
{
    test_set1();
    test_us();
    test_de();
    test_repeat();
    test_hid_boot();
    test_leds();
    return check_exit();
}
