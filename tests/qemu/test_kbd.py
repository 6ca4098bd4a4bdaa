"""QEMU tests: keyboards (issue 10): type on QEMU's PS/2 and USB keyboards
through QMP (nvoslib.qmp) and read the shell's answers on the serial port.

PS/2: QMP `send-key` (QEMU routes it to the i8042's keyboard when no other
keyboard is active). USB: `-device qemu-xhci -device usb-kbd,id=kbd0` and QMP
`input-send-event`. Each case boots one machine under the firmware its boot
path uses (SeaBIOS for -kernel and GRUB BIOS, OVMF for the UEFI loader and
GRUB EFI), since each firmware leaves the controllers in its own state.
"""
import os
import re
import time

import pytest

from nvoslib.console import PROMPT
from nvoslib.qmp import Keyboard
from nvoslib.qemu import status_of

TIMEOUT = 240  # per case (ctest)
BOOT_TIMEOUT = 180


def kbd_machine(nvos, boot, cmdline="", usb=False, hub=False, disks=(), extra=(),
                keyboard=True):
    ex = list(extra)
    if usb:
        ex += ["-device", "qemu-xhci,id=xhci"]
        if hub:
            ex += ["-device", "usb-hub,id=hub0,bus=xhci.0,port=1"]
            if keyboard:
                ex += ["-device", "usb-kbd,id=kbd0,bus=xhci.0,port=1.2"]
        elif keyboard:
            ex += ["-device", "usb-kbd,id=kbd0"]
    return nvos.machine(boot=boot, cmdline=cmdline, disks=list(disks), extra=ex,
                        timeout=TIMEOUT, qmp=True)


def typed_command(m, kbd, text, expect, timeout=60):
    """Types text + Enter on kbd and waits for the regex expect in what follows."""
    kbd.type(text + "\r")
    m.expect(expect, timeout)
    m.expect(re.escape(PROMPT), timeout)


def check_typing(m, kbd):
    """Plain and shifted characters; cursor keys are sent as ESC sequences the shell skips."""
    typed_command(m, kbd, "echo Hello, World! a+b=(c)", r"\nHello, World! a\+b=\(c\)\n")
    kbd.type("echo ab")
    kbd.keys(["left"])
    kbd.keys(["up"])
    kbd.type("c")
    kbd.keys(["ret"])
    m.expect(r"\nabc\n", 30)
    m.expect(re.escape(PROMPT))


def check_ctrl_c(m, kbd, type_on_serial=False):
    """Ctrl-C on the keyboard stops a running command (bench polls console_ctrl_c())."""
    line = "bench dev=nvme0n1 rw=randread iodepth=4 runtime=120s json_bins=0\r"
    if type_on_serial:  # the keyboard's layout is not the one Keyboard.type() assumes
        m.send(line)
    else:
        kbd.type(line)
    m.expect(r"bench dev=nvme0n1 rw=randread iodepth=4 runtime=120s json_bins=0\n", 30)
    time.sleep(2)
    t0 = time.monotonic()
    kbd.keys(["ctrl", "c"])
    m.expect(r"interrupted", 30)
    m.expect(re.escape(PROMPT), 30)
    assert time.monotonic() - t0 < 30, "bench did not stop promptly after Ctrl-C"


def check_layout_de(m, kbd):
    """German layout: Z and Y swapped, Shift+7 is /, AltGr+Q is @, the ; key is ö."""
    kbd.type("echo ")
    kbd.keys(["z"])
    kbd.keys(["y"])
    kbd.keys(["shift", "7"])
    kbd.keys(["alt_r", "q"])
    kbd.keys(["semicolon"])
    kbd.keys(["shift", "apostrophe"])
    kbd.keys(["ret"])
    m.expect("\nyz/@\u00f6\u00c4\n", 30)
    m.expect(re.escape(PROMPT))


def check_repeat(m, kbd):
    """Holding a key repeats it after ~500 ms at ~30/s (software typematic)."""
    kbd.type("echo ")
    kbd.down("x")
    time.sleep(1.5)
    kbd.up("x")
    time.sleep(0.1)
    kbd.keys(["ret"])
    mm = m.expect(r"\n(x+)\n", 30)
    n = len(mm.group(1))
    m.expect(re.escape(PROMPT))
    # 1 + (1500 - 500) / 33 = 31 on an idle machine; QMP and TCG add jitter.
    assert 8 <= n <= 60, f"holding x for 1.5 s gave {n} characters, expected about 31"
    return n


PS2 = [pytest.param("kernel", None, id="kernel"),
       pytest.param("grub-bios", "de", id="grub-bios"),
       pytest.param("uefi", None, id="uefi")]


@pytest.mark.case("kbd.ps2.{boot}", timeout=TIMEOUT, cost=0)
@pytest.mark.parametrize("boot,layout", PS2)
def test_ps2(nvos, boot, layout):
    cmd = f"kbd.layout={layout}" if layout else ""
    with kbd_machine(nvos, boot, cmdline=cmd, disks=[nvos.blank_disk()]) as m:
        m.wait_ready(BOOT_TIMEOUT)
        assert "i8042: keyboard on port 1" in m.buf, "no i8042 line in the boot log"
        kbd = Keyboard(m.qmp())
        if layout == "de":
            check_layout_de(m, kbd)
        else:
            check_typing(m, kbd)
        check_ctrl_c(m, kbd, type_on_serial=layout is not None)
        assert m.poweroff(0) == status_of(0)


# OVMF boots are the slow ones: the UEFI case puts the keyboard behind a hub,
# GRUB EFI has it on a root port.
# variant: the case name's suffix, "-hub" and/or "-poll".
USB = [pytest.param("uefi", "-hub", None, True, True, False, id="hub.uefi"),
       pytest.param("grub-uefi", "", "de", False, False, False, id="grub-uefi"),
       pytest.param("kernel", "", None, True, False, False, id="kernel"),
       pytest.param("kernel", "-poll", None, True, False, True, id="poll.kernel")]


@pytest.mark.case("kbd.usb{variant}.{boot}", timeout=TIMEOUT, cost=0)
@pytest.mark.parametrize("boot,variant,layout,repeat,hub,poll", USB)
def test_usb(nvos, boot, variant, layout, repeat, hub, poll):
    assert variant == ("-hub" if hub else "") + ("-poll" if poll else "")
    # i8042=off: whatever QEMU does with the key events, only the USB
    # keyboard can deliver them to the shell.
    cmd = "i8042=off" + (f" kbd.layout={layout}" if layout else "")
    if poll:
        cmd += " xhci.irq=poll"
    with kbd_machine(nvos, boot, cmdline=cmd, usb=True, hub=hub,
                     disks=[nvos.blank_disk()]) as m:
        m.wait_ready(BOOT_TIMEOUT)
        assert re.search(r"^xhci0: port \d+%s: USB keyboard 0627:0001" % (r"\.2" if hub else ""),
                         m.buf, re.M) is not None, "no USB keyboard line in the boot log"
        assert ("events by polling" in m.buf) == poll, "interrupt mode not as asked"
        if hub:
            assert re.search(r"^xhci0: port \d+: USB hub 0409:55aa, 8 ports", m.buf, re.M) \
                is not None, "no USB hub line in the boot log"
        # input-send-event without a device: QEMU gives the events to the
        # active keyboard handler, the USB one (aiming at "kbd0" needs it
        # bound to a display console).
        kbd = Keyboard(m.qmp(), usb=True)
        if layout == "de":
            check_layout_de(m, kbd)
        else:
            check_typing(m, kbd)
        if repeat:
            print(f"key repeat: {check_repeat(m, kbd)} characters for 1.5 s held")
        check_ctrl_c(m, kbd, type_on_serial=layout is not None)
        assert m.poweroff(0) == status_of(0)


@pytest.mark.case("kbd.usb-hotplug.kernel", timeout=TIMEOUT, cost=0)
def test_usb_hotplug(nvos):
    """A keyboard plugged in after boot works; unplugged, its slot is released; plugged again, works."""
    with kbd_machine(nvos, "kernel", cmdline="i8042=off", usb=True, keyboard=False,
                     disks=[nvos.blank_disk()]) as m:
        m.wait_ready(BOOT_TIMEOUT)
        assert re.search(r"^xhci0: 0 keyboards", m.buf, re.M) is not None, \
            "expected no keyboard at boot"
        qmp = m.qmp()
        kbd = Keyboard(qmp, usb=True)
        for round_ in range(2):
            qmp.execute("device_add", driver="usb-kbd", id=f"hot{round_}", bus="xhci.0", port="1")
            m.expect(r"xhci0: port \d+: USB keyboard 0627:0001", 30)
            typed_command(m, kbd, f"echo plugged {round_}", rf"\nplugged {round_}\n")
            qmp.execute("device_del", id=f"hot{round_}")
            m.expect(r"xhci0: port \d+: disconnected \(1 device released\)", 30)
        assert m.poweroff(0) == status_of(0)


@pytest.mark.case("kbd.ps2.absent", timeout=TIMEOUT, cost=0)
def test_ps2_absent(nvos):
    """No i8042 (QEMU's i8042=off, which also clears the FADT's 8042 flag): one line, no wait."""
    with kbd_machine(nvos, "kernel", extra=["-machine", "q35,i8042=off"]) as m:
        m.wait_ready(BOOT_TIMEOUT)
        assert len(re.findall(r"^i8042: none \(ACPI FADT", m.buf, re.M)) == 1, \
            "expected one 'i8042: none' line"
        assert m.poweroff(0) == status_of(0)
    # Told to probe anyway, it finds the empty port and says so, without waiting.
    with kbd_machine(nvos, "kernel", cmdline="i8042=force",
                     extra=["-machine", "q35,i8042=off"]) as m:
        m.wait_ready(BOOT_TIMEOUT)
        assert re.search(r"^i8042: none \(status port reads FFh\)", m.buf, re.M) is not None, \
            "expected 'i8042: none (status port reads FFh)'"
        assert m.poweroff(0) == status_of(0)


def wait_trace(path, pattern, timeout=30):
    """Waits until QEMU's trace log at path has a match of pattern; returns all matches."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path, errors="replace") as f:
                found = re.findall(pattern, f.read(), re.M)
        except FileNotFoundError:
            found = []
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def ps2_leds(path):
    return [int(v) for v in re.findall(r"ps2_set_ledstate .*ledstate (\d+)", open(path).read())]


@pytest.mark.case("kbd.leds.ps2", timeout=TIMEOUT, cost=0)
def test_leds_ps2(nvos):
    """The lock LEDs follow the locks on a PS/2 keyboard: EDh + the LED byte
    (QEMU's trace ps2_set_ledstate: bit 0 Scroll, 1 Num, 2 Caps)."""
    trace = os.path.join(nvos.images, "trace.log")
    with kbd_machine(nvos, "kernel", extra=["-trace", "ps2_set_ledstate", "-D", trace]) as m:
        m.wait_ready(BOOT_TIMEOUT)
        kbd = Keyboard(m.qmp())
        # Num Lock is on from boot: shown at the first poll.
        assert wait_trace(trace, r"ledstate 2$"), "Num Lock LED never set"
        for key, want in (("caps_lock", 6), ("scroll_lock", 7), ("num_lock", 5), ("caps_lock", 1)):
            kbd.keys([key])
            assert wait_trace(trace, rf"ledstate {want}$"), \
                f"after {key}: LEDs {ps2_leds(trace)}, expected {want} last"
            assert ps2_leds(trace)[-1] == want
        # The keyboard still types (Caps Lock off again; the LED bytes were
        # not taken for keys).
        check_typing(m, kbd)
        assert m.poweroff(0) == status_of(0)


# [HID 1.11 §7.2.2] SET_REPORT(Output) to interface 0, 1 byte: the Setup
# Stage TRB's immediate data (bmRequestType 21h, bRequest 09h, wValue 0200h,
# wIndex 0, wLength 1) as QEMU's usb_xhci_fetch_trb prints the parameter; the
# Data Stage TRB after it carries the LED byte as immediate data.
SET_REPORT_SETUP = "0001000002000921"


def usb_leds(path):
    with open(path, errors="replace") as f:
        params = re.findall(r"usb_xhci_fetch_trb .*p 0x([0-9a-f]{16})", f.read())
    return [int(params[i + 1], 16) for i, p in enumerate(params[:-1]) if p == SET_REPORT_SETUP]


@pytest.mark.case("kbd.leds.usb", timeout=TIMEOUT, cost=0)
def test_leds_usb(nvos):
    """The lock LEDs on a USB keyboard: HID SET_REPORT(Output) on its control
    endpoint, seen in QEMU's xHCI TRB trace."""
    trace = os.path.join(nvos.images, "trace.log")
    with kbd_machine(nvos, "kernel", cmdline="i8042=off", usb=True,
                     extra=["-trace", "usb_xhci_fetch_trb", "-D", trace]) as m:
        m.wait_ready(BOOT_TIMEOUT)
        kbd = Keyboard(m.qmp(), usb=True)
        deadline = time.monotonic() + 30
        while usb_leds(trace)[-1:] != [0x01] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert usb_leds(trace)[-1:] == [0x01], f"Num Lock LED not set: {usb_leds(trace)}"
        # HID order: bit 0 Num, 1 Caps, 2 Scroll.
        for key, want in (("caps_lock", 0x03), ("scroll_lock", 0x07), ("caps_lock", 0x05)):
            kbd.keys([key])
            deadline = time.monotonic() + 30
            while usb_leds(trace)[-1:] != [want] and time.monotonic() < deadline:
                time.sleep(0.2)
            assert usb_leds(trace)[-1:] == [want], \
                f"after {key}: LEDs {usb_leds(trace)}, expected {want:#x} last"
        typed_command(m, kbd, "echo leds ok", r"\nleds ok\n")
        assert "SET_REPORT(LEDs) failed" not in m.buf
        assert m.poweroff(0) == status_of(0)


@pytest.mark.case("kbd.usb-hub-hotplug.kernel", timeout=TIMEOUT, cost=0)
def test_usb_hub_hotplug(nvos):
    """A keyboard plugged into a hub's port after boot works (the hub's ports
    are polled); unplugged, its slot is released; plugged again, works."""
    with kbd_machine(nvos, "kernel", cmdline="i8042=off", usb=True, hub=True, keyboard=False,
                     disks=[nvos.blank_disk()]) as m:
        m.wait_ready(BOOT_TIMEOUT)
        hub = re.search(r"^xhci0: port (\d+): USB hub 0409:55aa, 8 ports", m.buf, re.M)
        assert hub, "no USB hub line in the boot log"
        root = hub.group(1)  # QEMU's USB 2 port 1 is behind the USB 3 ports in xHCI numbering
        assert re.search(r"^xhci0: 0 keyboards", m.buf, re.M), "expected no keyboard at boot"
        qmp = m.qmp()
        kbd = Keyboard(qmp, usb=True)
        for round_, port in enumerate(("1.1", "1.5")):
            qmp.execute("device_add", driver="usb-kbd", id=f"hot{round_}", bus="xhci.0",
                        port=port)
            ours = root + port[1:]  # "1.5" on QEMU's bus is "<root>.5" in the kernel's names
            m.expect(rf"xhci0: port {re.escape(ours)}: USB keyboard 0627:0001", 30)
            typed_command(m, kbd, f"echo hub plugged {round_}", rf"\nhub plugged {round_}\n")
            qmp.execute("device_del", id=f"hot{round_}")
            m.expect(rf"xhci0: port {re.escape(ours)}: disconnected \(1 device released\)", 30)
        assert m.poweroff(0) == status_of(0)
