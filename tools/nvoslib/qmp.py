"""nvoslib.qmp - QEMU's machine protocol (QMP) over a unix socket: keys,
input events, screen dumps, hot-plug, quit.

    with Machine(..., qmp=True) as m:      # adds -qmp unix:PATH,server=on,wait=off
        m.wait_ready()
        q = m.qmp()                        # a connected Qmp, closed with the machine
        q.send_key(["shift", "a"])         # PS/2 (the active keyboard), a chord
        kbd = Keyboard(q, usb=True)        # or per-key input-send-event
        kbd.type("echo hi\\r")
        q.screendump("screen.png")         # or .ppm; read_ppm() reads the latter
        q.quit()

The protocol is QEMU's docs/interop/qmp-spec.rst: a greeting, then
"qmp_capabilities", then one JSON object per line each way; replies carry
"return" or "error", asynchronous "event" objects may come in between (they
are kept in `events`). Every read has a deadline (the socket's timeout).
"""
import json
import socket
import time

# US-layout qcodes for the characters tests type: (qcode, shifted).
QCODES = {" ": ("spc", False), "\r": ("ret", False), "\n": ("ret", False),
          "\t": ("tab", False), "-": ("minus", False), "=": ("equal", False),
          ".": ("dot", False), ",": ("comma", False), "/": ("slash", False),
          ";": ("semicolon", False), "'": ("apostrophe", False), "[": ("bracket_left", False),
          "]": ("bracket_right", False), "\\": ("backslash", False), "`": ("grave_accent", False),
          "!": ("1", True), "@": ("2", True), "#": ("3", True), "$": ("4", True),
          "%": ("5", True), "^": ("6", True), "&": ("7", True), "*": ("8", True),
          "(": ("9", True), ")": ("0", True), "_": ("minus", True), "+": ("equal", True),
          ":": ("semicolon", True), '"': ("apostrophe", True), "?": ("slash", True),
          "<": ("comma", True), ">": ("dot", True), "{": ("bracket_left", True),
          "}": ("bracket_right", True), "|": ("backslash", True), "~": ("grave_accent", True)}
for _c in "abcdefghijklmnopqrstuvwxyz0123456789":
    QCODES[_c] = (_c, False)
    if _c.isalpha():
        QCODES[_c.upper()] = (_c, True)


class QmpError(Exception):
    """QMP failed: no socket, connection closed, timeout, or an error reply."""


class Qmp:
    """One QMP connection. `path` may not exist yet (QEMU creates it while
    starting): connecting retries until `timeout`."""

    def __init__(self, path, timeout=30):
        self.path = path
        self.events = []
        end = time.monotonic() + timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except OSError as e:
                self.sock.close()
                if time.monotonic() > end:
                    raise QmpError(f"QMP socket {path}: {e.strerror} after {timeout} s") from None
                time.sleep(0.1)
        self.sock.settimeout(timeout)
        self.file = self.sock.makefile("rwb")
        greeting = self._read_message()
        if "QMP" not in greeting:
            raise QmpError(f"QMP socket {path}: no greeting, got {greeting}")
        self.version = greeting["QMP"].get("version", {}).get("qemu", {})
        self.execute("qmp_capabilities")

    def _read_message(self):
        try:
            line = self.file.readline()
        except socket.timeout:
            raise QmpError(f"QMP socket {self.path}: no reply within the timeout") from None
        except OSError as e:  # reset: QEMU exited while the request was on its way
            raise QmpError(f"QMP socket {self.path}: {e.strerror or e} (QEMU exited?)") from None
        if not line:
            raise QmpError(f"QMP socket {self.path}: connection closed (QEMU exited?)")
        try:
            return json.loads(line)
        except ValueError:
            raise QmpError(f"QMP socket {self.path}: not JSON: {line[:200]!r}") from None

    def _reply(self):
        while True:
            msg = self._read_message()
            if "event" in msg:
                self.events.append(msg)
            else:
                return msg

    def execute(self, cmd, **args):
        """Runs one command; returns its "return" value, raises QmpError on an
        "error" reply. Arguments with a dash in the name: pass **{"hold-time": 40}."""
        req = {"execute": cmd}
        if args:
            req["arguments"] = args
        try:
            self.file.write(json.dumps(req).encode() + b"\n")
            self.file.flush()
        except OSError as e:
            raise QmpError(f"QMP {cmd}: {e}") from None
        r = self._reply()
        if "error" in r:
            raise QmpError(f"QMP {cmd}: {r['error'].get('class')}: {r['error'].get('desc')}")
        return r.get("return")

    # ---- input --------------------------------------------------------------
    def send_key(self, qcodes, hold_time=None):
        """QMP send-key: presses qcodes in order and releases them (a chord),
        on the active keyboard; hold_time in ms (QEMU's default 100)."""
        args = {"keys": [{"type": "qcode", "data": q} for q in qcodes]}
        if hold_time is not None:
            args["hold-time"] = hold_time
        self.execute("send-key", **args)

    def input_events(self, events, device=None):
        """QMP input-send-event with a list of InputEvent objects, e.g.
        key_event("a", True); device: a device id, or None for the active one."""
        args = {"events": list(events)}
        if device is not None:
            args["device"] = device
        self.execute("input-send-event", **args)

    # ---- display and machine ------------------------------------------------
    def screendump(self, path, fmt=None, device=None, head=None):
        """Writes the display to `path` (QEMU writes the file itself, so the
        path is the QEMU host's): fmt "png" or "ppm", by default from the
        file name's extension."""
        fmt = fmt or ("png" if path.lower().endswith(".png") else "ppm")
        if fmt not in ("png", "ppm"):
            raise QmpError(f"screendump format {fmt}: png or ppm")
        args = {"filename": path, "format": fmt}
        if device is not None:
            args["device"] = device
        if head is not None:
            args["head"] = head
        self.execute("screendump", **args)
        return path

    def quit(self):
        """QMP quit: QEMU exits at once (status 0); the connection then closes."""
        try:
            self.execute("quit")
        except QmpError:
            pass  # QEMU may close the socket before its reply arrives

    def close(self):
        try:
            self.file.close()
        except OSError:
            pass  # a request still buffered for a QEMU that has exited
        finally:
            self.sock.close()


def key_event(qcode, down):
    """An InputEvent for input_events(): key `qcode` pressed or released."""
    return {"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": qcode}}}


class Keyboard:
    """Types on a keyboard through QMP. usb=False: send-key (QEMU gives the
    keys to the active keyboard, the PS/2 one when it is the only one);
    usb=True: one input-send-event per key press and release, with a pause
    after each, as a USB keyboard's host polls it (device None: the active
    handler)."""

    def __init__(self, qmp, device=None, usb=False):
        self.qmp = qmp
        self.device = device
        self.usb = usb

    def down(self, qcode):
        self.qmp.input_events([key_event(qcode, True)], self.device)

    def up(self, qcode):
        self.qmp.input_events([key_event(qcode, False)], self.device)

    def keys(self, qcodes):
        """Presses qcodes in order, then releases them in reverse (a chord)."""
        if not self.usb:
            self.qmp.send_key(qcodes, hold_time=40)
            time.sleep(0.06)
            return
        for q in qcodes:
            self.down(q)
            time.sleep(0.02)
        for q in reversed(qcodes):
            self.up(q)
            time.sleep(0.02)

    def type(self, text):
        """Types text on a US layout (QCODES), shifting where needed."""
        for ch in text:
            if ch not in QCODES:
                raise ValueError(f"no US-layout key for {ch!r}")
            q, shifted = QCODES[ch]
            self.keys(["shift", q] if shifted else [q])


def read_ppm(path):
    """A binary PPM (P6, maxval 255, as QEMU's screendump writes it):
    returns (width, height, rgb bytes, 3 per pixel, row by row)."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while end < len(data) and not data[end:end + 1].isspace():
            end += 1
        if end == pos:
            raise ValueError(f"{path}: truncated PPM header")
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6":
        raise ValueError(f"{path}: not a binary PPM (magic {fields[0]!r})")
    w, h, maxval = (int(x) for x in fields[1:])
    if maxval != 255:
        raise ValueError(f"{path}: maxval {maxval}, expected 255")
    pixels = data[pos + 1:pos + 1 + 3 * w * h]
    if len(pixels) != 3 * w * h:
        raise ValueError(f"{path}: {len(pixels)} pixel bytes for {w}x{h}")
    return w, h, pixels


__all__ = ["Qmp", "QmpError", "Keyboard", "QCODES", "key_event", "read_ppm"]
