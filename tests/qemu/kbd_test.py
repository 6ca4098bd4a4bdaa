#!/usr/bin/env python3
"""Keyboard tests (issue 10): type on QEMU's PS/2 and USB keyboards through QMP
and read the shell's answers on the serial port.

    kbd_test.py --list          one "name|timeout" line per case (tests.cmake)
    kbd_test.py CASE...         run cases; exit status 0 when all passed

PS/2: QMP `send-key` (QEMU routes it to the i8042's keyboard when no other
keyboard is active). USB: `-device qemu-xhci -device usb-kbd,id=kbd0` and QMP
`input-send-event` aimed at device kbd0. Each case boots one machine under the
firmware its boot path uses (SeaBIOS for -kernel and GRUB BIOS, OVMF for the
UEFI loader and GRUB EFI), since each firmware leaves the controllers in its
own state.
"""
import json
import os
import re
import socket
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import nvosqemu  # noqa: E402

# US-layout qcodes for the characters the tests type: (qcode, shifted).
QCODES = {" ": ("spc", False), "\r": ("ret", False), "-": ("minus", False),
          "=": ("equal", False), ".": ("dot", False), ",": ("comma", False),
          "/": ("slash", False), ";": ("semicolon", False), "'": ("apostrophe", False),
          "!": ("1", True), "@": ("2", True), "#": ("3", True), "$": ("4", True),
          "%": ("5", True), "^": ("6", True), "&": ("7", True), "*": ("8", True),
          "(": ("9", True), ")": ("0", True), "_": ("minus", True), "+": ("equal", True),
          ":": ("semicolon", True), '"': ("apostrophe", True), "?": ("slash", True),
          "<": ("comma", True), ">": ("dot", True)}
for _c in "abcdefghijklmnopqrstuvwxyz0123456789":
    QCODES[_c] = (_c, False)
    if _c.isalpha():
        QCODES[_c.upper()] = (_c, True)


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


class Qmp:
    """A minimal QMP client over a unix socket (QEMU's docs/interop/qmp-spec)."""

    def __init__(self, path, timeout=30):
        end = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > end:
                    raise Failure(f"QMP socket {path} did not appear")
                time.sleep(0.1)
        self.sock.settimeout(timeout)
        self.file = self.sock.makefile("rwb")
        self._read()  # greeting
        self.execute("qmp_capabilities")

    def _read(self):
        while True:
            line = self.file.readline()
            if not line:
                raise Failure("QMP connection closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def execute(self, cmd, **args):
        req = {"execute": cmd}
        if args:
            req["arguments"] = args
        self.file.write(json.dumps(req).encode() + b"\n")
        self.file.flush()
        r = self._read()
        if "error" in r:
            raise Failure(f"QMP {cmd}: {r['error']}")
        return r.get("return")

    def close(self):
        self.sock.close()


class Keyboard:
    """Types on the PS/2 keyboard (device None) or on a USB keyboard (its id)."""

    def __init__(self, qmp, device=None, usb=False):
        self.qmp = qmp
        self.device = device
        self.usb = usb

    def _event(self, qcode, down):
        ev = {"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": qcode}}}
        args = {"events": [ev]}
        if self.device is not None:
            args["device"] = self.device
        self.qmp.execute("input-send-event", **args)

    def down(self, qcode):
        self._event(qcode, True)

    def up(self, qcode):
        self._event(qcode, False)

    def keys(self, qcodes):
        """Presses qcodes in order, then releases them in reverse (a chord)."""
        if not self.usb:
            self.qmp.execute("send-key", keys=[{"type": "qcode", "data": q} for q in qcodes],
                             **{"hold-time": 40})
            time.sleep(0.06)
            return
        for q in qcodes:
            self.down(q)
            time.sleep(0.02)
        for q in reversed(qcodes):
            self.up(q)
            time.sleep(0.02)

    def type(self, text):
        for ch in text:
            q, shifted = QCODES[ch]
            self.keys(["shift", q] if shifted else [q])


def machine(name, boot, cmdline="", usb=False, hub=False, disks=(), timeout=240, extra=(),
            keyboard=True):
    build = nvosqemu.build_dir()
    logdir = os.path.join(build, "test-logs")
    os.makedirs(logdir, exist_ok=True)
    sock = os.path.join("/tmp", f"nvos-kbd-{os.getpid()}-{name}.qmp")
    if os.path.exists(sock):
        os.unlink(sock)
    ex = ["-qmp", f"unix:{sock},server=on,wait=off"] + list(extra)
    if usb:
        ex += ["-device", "qemu-xhci,id=xhci"]
        if hub:
            ex += ["-device", "usb-hub,id=hub0,bus=xhci.0,port=1",
                   "-device", "usb-kbd,id=kbd0,bus=xhci.0,port=1.2"]
        elif keyboard:
            ex += ["-device", "usb-kbd,id=kbd0"]
    m = nvosqemu.Machine(boot=boot, cmdline=cmdline, disks=list(disks), extra=ex,
                         timeout=timeout, log=os.path.join(logdir, f"kbd.{name}.log"))
    m.qmp_path = sock
    return m


def blank_disk(name, size=64 << 20):
    d = os.path.join(nvosqemu.build_dir(), "test-images")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"kbd.{name}.img")
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def typed_command(m, kbd, text, expect, timeout=60):
    """Types text + Enter on kbd and waits for the regex expect in what follows."""
    kbd.type(text + "\r")
    m.expect(expect, timeout)
    m.expect(re.escape(nvosqemu.PROMPT), timeout)


def check_typing(m, kbd):
    """Plain and shifted characters; cursor keys are sent as ESC sequences the shell skips."""
    typed_command(m, kbd, "echo Hello, World! a+b=(c)", r"\nHello, World! a\+b=\(c\)\n")
    kbd.type("echo ab")
    kbd.keys(["left"])
    kbd.keys(["up"])
    kbd.type("c")
    kbd.keys(["ret"])
    m.expect(r"\nabc\n", 30)
    m.expect(re.escape(nvosqemu.PROMPT))


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
    m.expect(re.escape(nvosqemu.PROMPT), 30)
    check(time.monotonic() - t0 < 30, "bench did not stop promptly after Ctrl-C")


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
    m.expect(re.escape(nvosqemu.PROMPT))


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
    m.expect(re.escape(nvosqemu.PROMPT))
    # 1 + (1500 - 500) / 33 = 31 on an idle machine; QMP and TCG add jitter.
    check(8 <= n <= 60, f"holding x for 1.5 s gave {n} characters, expected about 31")
    return n


CASES = {}


def case(name, timeout=240):
    def wrap(fn):
        CASES[name] = (fn, timeout)
        return fn
    return wrap


def ps2_case(boot, layout=None):
    @case(f"kbd.ps2.{boot}")
    def run(name):
        cmd = f"kbd.layout={layout}" if layout else ""
        disk = nvosqemu.Disk(blank_disk(name), snapshot=True)
        with machine(name, boot, cmdline=cmd, disks=[disk]) as m:
            m.wait_prompt(180)
            check("i8042: keyboard on port 1" in m.buf, "no i8042 line in the boot log")
            kbd = Keyboard(Qmp(m.qmp_path))
            if layout == "de":
                check_layout_de(m, kbd)
            else:
                check_typing(m, kbd)
            check_ctrl_c(m, kbd, type_on_serial=layout is not None)
            m.poweroff(0)


ps2_case("kernel")
ps2_case("grub-bios", layout="de")
ps2_case("uefi")


def usb_case(boot, layout=None, repeat=False, hub=False, poll=False):
    @case(f"kbd.usb{'-hub' if hub else ''}{'-poll' if poll else ''}.{boot}")
    def run(name):
        # i8042=off: whatever QEMU does with the key events, only the USB
        # keyboard can deliver them to the shell.
        cmd = "i8042=off" + (f" kbd.layout={layout}" if layout else "")
        if poll:
            cmd += " xhci.irq=poll"
        disk = nvosqemu.Disk(blank_disk(name), snapshot=True)
        with machine(name, boot, cmdline=cmd, usb=True, hub=hub, disks=[disk]) as m:
            m.wait_prompt(180)
            check(re.search(r"^xhci0: port \d+%s: USB keyboard 0627:0001" % (r"\.2" if hub else ""),
                            m.buf, re.M) is not None, "no USB keyboard line in the boot log")
            check(("events by polling" in m.buf) == poll, "interrupt mode not as asked")
            if hub:
                check(re.search(r"^xhci0: port \d+: USB hub 0409:55aa, 8 ports", m.buf, re.M)
                      is not None, "no USB hub line in the boot log")
            # input-send-event without a device: QEMU gives the events to the
            # active keyboard handler, the USB one (aiming at "kbd0" needs it
            # bound to a display console).
            kbd = Keyboard(Qmp(m.qmp_path), usb=True)
            if layout == "de":
                check_layout_de(m, kbd)
            else:
                check_typing(m, kbd)
            if repeat:
                print(f"key repeat: {check_repeat(m, kbd)} characters for 1.5 s held")
            check_ctrl_c(m, kbd, type_on_serial=layout is not None)
            m.poweroff(0)


# OVMF boots are the slow ones: the UEFI case puts the keyboard behind a hub,
# GRUB EFI has it on a root port.
usb_case("uefi", repeat=True, hub=True)
usb_case("grub-uefi", layout="de")
usb_case("kernel", repeat=True)
usb_case("kernel", repeat=True, poll=True)


@case("kbd.usb-hotplug.kernel")
def usb_hotplug(name):
    """A keyboard plugged in after boot works; unplugged, its slot is released; plugged again, works."""
    disk = nvosqemu.Disk(blank_disk(name), snapshot=True)
    with machine(name, "kernel", cmdline="i8042=off", usb=True, keyboard=False,
                 disks=[disk]) as m:
        m.wait_prompt(180)
        check(re.search(r"^xhci0: 0 keyboards", m.buf, re.M) is not None, "expected no keyboard at boot")
        qmp = Qmp(m.qmp_path)
        kbd = Keyboard(qmp, usb=True)
        for round_ in range(2):
            qmp.execute("device_add", driver="usb-kbd", id=f"hot{round_}", bus="xhci.0", port="1")
            m.expect(r"xhci0: port \d+: USB keyboard 0627:0001", 30)
            typed_command(m, kbd, f"echo plugged {round_}", rf"\nplugged {round_}\n")
            qmp.execute("device_del", id=f"hot{round_}")
            m.expect(r"xhci0: port \d+: disconnected \(1 device released\)", 30)
        m.poweroff(0)


@case("kbd.ps2.absent")
def ps2_absent(name):
    """No i8042 (QEMU's i8042=off, which also clears the FADT's 8042 flag): one line, no wait."""
    with machine(name, "kernel", extra=["-machine", "q35,i8042=off"]) as m:
        m.wait_prompt(180)
        check(len(re.findall(r"^i8042: none \(ACPI FADT", m.buf, re.M)) == 1,
              "expected one 'i8042: none' line")
        m.poweroff(0)
    # Told to probe anyway, it finds the empty port and says so, without waiting.
    with machine(name + ".force", "kernel", cmdline="i8042=force",
                 extra=["-machine", "q35,i8042=off"]) as m:
        m.wait_prompt(180)
        check(re.search(r"^i8042: none \(status port reads FFh\)", m.buf, re.M) is not None,
              "expected 'i8042: none (status port reads FFh)'")
        m.poweroff(0)





def main(argv):
    if argv[:1] == ["--list"]:
        for n, (_, t) in CASES.items():
            print(f"{n}|{t}")
        return 0
    failed = 0
    for n in argv:
        if n not in CASES:
            print(f"unknown case {n}", file=sys.stderr)
            return 2
        t0 = time.monotonic()
        try:
            CASES[n][0](n)
            print(f"PASS {n} ({time.monotonic() - t0:.1f} s)")
        except (Failure, nvosqemu.QemuError) as e:
            failed += 1
            print(f"FAIL {n}: {e}")
        except Exception:
            failed += 1
            traceback.print_exc()
            print(f"FAIL {n} (exception in the test)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
