/*
 * drivers/input/i8042.c - the 8042 keyboard controller and its keyboard.
 *
 * Sources: IBM PS/2 Hardware Interface Technical Reference (1988),
 * "Keyboard/Auxiliary Device Controller" (ports 60h/64h, status register,
 * controller commands 20h/60h/AAh/ABh/ADh/AEh/A7h, command byte) and
 * "Keyboard" (keyboard commands F0h select scan code set, F4h enable,
 * acknowledge FAh); ACPI 6.4 §5.2.9.3 "IA-PC Boot Architecture Flags"
 * (bit 1 "8042": the machine has a keyboard controller).
 *
 * Sequence: believe ACPI when it says there is no controller (Linux does
 * the same; i8042=force overrides); a status register that reads FFh is an
 * empty bus. Disable both ports, drain, turn the controller's IRQs off,
 * self-test controller and port 1, keep (or ask for) set-1 translation,
 * enable the keyboard, route IRQ 1 through the I/O APIC, then let the
 * controller raise it. Every wait for the controller has a deadline.
 *
 * Keys arrive by interrupt; with interrupts off the console's poll reads
 * the controller instead. The keyboard repeats held keys itself, so no
 * software repeat here. The lock LEDs (keyboard command EDh) are set from
 * the console's poll when the lock state changed.
 */
#include "drivers/input/i8042.h"

#include "drivers/input/kbd_layout_opt.h"
#include "drivers/input/keyboard.h"
#include "drivers/input/ps2_set1.h"
#include "kernel/acpi/acpi.h"
#include "kernel/arch/x86.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/irq/irq.h"
#include "kernel/kernel.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"

#include <string.h>

#define I8042_DATA 0x60
#define I8042_STATUS 0x64 /* read */
#define I8042_COMMAND 0x64 /* write */

/* Status register */
#define STS_OBF 0x01  /* output buffer full: a byte waits at 60h */
#define STS_IBF 0x02  /* input buffer full: the controller has not taken the last write */
#define STS_AUX 0x20  /* the waiting byte is from port 2 (the mouse) */

/* Controller commands */
#define CMD_READ_CONFIG 0x20
#define CMD_WRITE_CONFIG 0x60
#define CMD_DISABLE_PORT2 0xA7
#define CMD_SELF_TEST 0xAA /* answers 55h */
#define CMD_TEST_PORT1 0xAB /* answers 00h */
#define CMD_DISABLE_PORT1 0xAD
#define CMD_ENABLE_PORT1 0xAE

/* Command ("configuration") byte */
#define CFG_IRQ1 0x01
#define CFG_IRQ12 0x02
#define CFG_PORT1_CLOCK_OFF 0x10
#define CFG_TRANSLATE 0x40

/* Keyboard commands and replies */
#define KBD_SET_LEDS 0xED
#define KBD_SET_SCANCODE 0xF0
#define KBD_ENABLE 0xF4
#define KBD_ACK 0xFA
#define KBD_RESEND 0xFE

#define WAIT_NS (100 * NSEC_PER_MSEC) /* per byte; controllers answer in microseconds */

static struct ps2_set1 decoder;
static struct kbd_state kbd;
static bool irq_routed;
static bool keyboard_ok;

static void i8042_poll(void *ctx);
static struct console_input_source ps2_input = {
    .name = "ps2", .poll = i8042_poll, .needs_poll = false,
};

static int wait_status(uint8_t mask, uint8_t want)
{
    struct deadline d = deadline_in_ns(WAIT_NS);
    while ((inb(I8042_STATUS) & mask) != want) {
        if (deadline_passed(d))
            return -ETIMEDOUT;
        cpu_pause();
    }
    return 0;
}

static int write_command(uint8_t cmd)
{
    if (wait_status(STS_IBF, 0) < 0)
        return -ETIMEDOUT;
    outb(I8042_COMMAND, cmd);
    return 0;
}

static int write_data(uint8_t v)
{
    if (wait_status(STS_IBF, 0) < 0)
        return -ETIMEDOUT;
    outb(I8042_DATA, v);
    return 0;
}

static int read_data(void)
{
    if (wait_status(STS_OBF, STS_OBF) < 0)
        return -ETIMEDOUT;
    return inb(I8042_DATA);
}

/* Drops whatever the controller holds (keys typed at the firmware, replies). */
static void drain(void)
{
    for (int i = 0; i < 32 && (inb(I8042_STATUS) & STS_OBF); i++) {
        (void)inb(I8042_DATA);
        udelay(50);
    }
}

static int command_reply(uint8_t cmd)
{
    int err = write_command(cmd);
    return err < 0 ? err : read_data();
}

static int write_config(uint8_t cfg)
{
    int err = write_command(CMD_WRITE_CONFIG);
    return err < 0 ? err : write_data(cfg);
}

/* Sends a byte to the keyboard and waits for its acknowledge. */
static int keyboard_send(uint8_t v)
{
    int err = write_data(v);
    if (err < 0)
        return err;
    int r = read_data();
    if (r < 0)
        return r;
    return r == KBD_ACK ? 0 : -EIO;
}

static void key_byte(uint8_t byte)
{
    char out[KBD_MAX_BYTES];
    uint8_t usage;
    bool pressed;
    if (ps2_set1_feed(&decoder, byte, &usage, &pressed)) {
        size_t n = kbd_key(&kbd, usage, pressed, clock_ns(), out);
        console_input(out, n);
    }
}

/* Every byte waiting in the controller into the console. */
static void drain_keys(void)
{
    for (int i = 0; i < 16; i++) {
        uint8_t st = inb(I8042_STATUS);
        if (!(st & STS_OBF))
            break;
        uint8_t byte = inb(I8042_DATA);
        if (!(st & STS_AUX)) /* else a mouse: not ours */
            key_byte(byte);
    }
}

/* A byte to the keyboard while it may be typing: keys that arrive before
 * the acknowledge go to the console. -EAGAIN on Resend, -ETIMEDOUT when no
 * acknowledge comes within WAIT_NS. Interrupts off (the IRQ handler would
 * take the acknowledge). */
static int keyboard_send_live(uint8_t v)
{
    int err = write_data(v);
    if (err < 0)
        return err;
    struct deadline d = deadline_in_ns(WAIT_NS);
    while (!deadline_passed(d)) {
        uint8_t st = inb(I8042_STATUS);
        if (!(st & STS_OBF)) {
            cpu_pause();
            continue;
        }
        uint8_t byte = inb(I8042_DATA);
        if (st & STS_AUX)
            continue;
        if (byte == KBD_ACK)
            return 0;
        if (byte == KBD_RESEND)
            return -EAGAIN;
        key_byte(byte);
    }
    return -ETIMEDOUT;
}

/* [PS/2 Technical Reference, keyboard command EDh] The lock LEDs, when the
 * lock state changed: EDh, acknowledge, the LED byte, acknowledge. From the
 * poll, never from the interrupt (it waits). A keyboard that does not
 * acknowledge KBD_LED_TRIES times is left alone until the locks change. */
static void update_leds(void)
{
    uint8_t leds;
    bool on = irq_save();
    if (kbd_leds_due(&kbd, &leds)) {
        int err = keyboard_send_live(KBD_SET_LEDS);
        if (err == 0)
            err = keyboard_send_live(kbd_leds_ps2(leds));
        kbd_leds_done(&kbd, leds, err == 0);
        if (err < 0 && kbd.leds_shown == leds)
            kprintf("i8042: setting the keyboard LEDs failed (%s); given up until the "
                    "locks change\n", errno_name(err));
    }
    irq_restore(on);
}

static void i8042_irq(void *ctx)
{
    (void)ctx;
    drain_keys();
}

static void i8042_poll(void *ctx)
{
    (void)ctx;
    if (!irq_routed || !cpu_irqs_enabled())
        drain_keys();
    if (keyboard_ok)
        update_leds();
}

static bool acpi_says_absent(void)
{
    const struct acpi_info *a = acpi_get();
    if (a == NULL || !a->have_fadt)
        return false;
    for (unsigned i = 0; i < a->table_count; i++)
        /* IAPC_BOOT_ARCH is defined from FADT revision 3 (ACPI 2.0) on. */
        if (memcmp(a->tables[i].signature, "FACP", 4) == 0 && a->tables[i].revision < 3)
            return false;
    return (a->boot_arch_flags & ACPI_BOOT_ARCH_8042) == 0;
}

int i8042_init(void)
{
    const char *opt = cmdline_get("i8042");
    bool force = opt != NULL && strcmp(opt, "force") == 0;
    if (opt != NULL && strcmp(opt, "off") == 0) {
        kprintf("i8042: off (boot option)\n");
        return -ENODEV;
    }
    if (!force && acpi_says_absent()) {
        kprintf("i8042: none (ACPI FADT boot flags say no 8042; i8042=force probes anyway)\n");
        return -ENODEV;
    }
    if (inb(I8042_STATUS) == 0xFF) {
        kprintf("i8042: none (status port reads FFh)\n");
        return -ENODEV;
    }

    const char *what = "disable ports";
    int err = write_command(CMD_DISABLE_PORT1);
    if (err == 0)
        err = write_command(CMD_DISABLE_PORT2);
    if (err < 0)
        goto fail;
    drain();

    what = "read configuration";
    int cfg = command_reply(CMD_READ_CONFIG);
    if (cfg < 0) {
        err = cfg;
        goto fail;
    }
    cfg = (cfg & ~(CFG_IRQ1 | CFG_IRQ12 | CFG_PORT1_CLOCK_OFF)) | CFG_TRANSLATE;
    what = "write configuration";
    if ((err = write_config((uint8_t)cfg)) < 0)
        goto fail;

    what = "controller self-test";
    int r = command_reply(CMD_SELF_TEST);
    if (r != 0x55) {
        err = r < 0 ? r : -EIO;
        goto fail;
    }
    /* Some controllers reset themselves during the self-test. */
    what = "write configuration";
    if ((err = write_config((uint8_t)cfg)) < 0)
        goto fail;
    what = "port 1 test";
    r = command_reply(CMD_TEST_PORT1);
    if (r != 0x00) {
        err = r < 0 ? r : -EIO;
        goto fail;
    }
    what = "read configuration";
    int readback = command_reply(CMD_READ_CONFIG);
    if (readback < 0) {
        err = readback;
        goto fail;
    }
    bool translating = (readback & CFG_TRANSLATE) != 0;

    what = "enable port 1";
    if ((err = write_command(CMD_ENABLE_PORT1)) < 0)
        goto fail;
    drain();
    /* Set 2 translated to set 1 by the controller; without translation,
     * ask the keyboard for set 1 itself. */
    keyboard_ok = keyboard_send(KBD_SET_SCANCODE) == 0 &&
                       keyboard_send(translating ? 2 : 1) == 0 &&
                       keyboard_send(KBD_ENABLE) == 0;
    drain();

    kbd_init(&kbd, kbd_boot_layout(), false);
    what = "route IRQ 1";
    err = irq_route_isa(1, i8042_irq, NULL, "i8042");
    if (err < 0)
        goto fail;
    irq_routed = true;
    what = "enable IRQ 1";
    if ((err = write_config((uint8_t)(cfg | CFG_IRQ1))) < 0)
        goto fail;
    console_register_input(&ps2_input);
    kprintf("i8042: keyboard on port 1, scan code set 1%s, layout %s%s\n",
            translating ? " (translated)" : "", kbd_layout_name(kbd.layout),
            keyboard_ok ? "" : "; the keyboard did not acknowledge (none attached?)");
    return 0;

fail:
    /* Leave it quiet: ports off, IRQs off; nothing else was set up. */
    if (irq_routed) {
        enum irq_trigger t;
        enum irq_polarity p;
        irq_gsi_mask(irq_isa_to_gsi(1, &t, &p), true);
    }
    irq_routed = false;
    kprintf("i8042: %s failed (%s); no PS/2 keyboard\n", what, errno_name(err));
    return err;
}
