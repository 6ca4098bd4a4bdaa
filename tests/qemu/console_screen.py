#!/usr/bin/env python3
"""tests/qemu/console_screen.py - the screen console, checked on the screen.

Boots nvos with no serial port (-serial none) on each boot path, gives it
commands through the run="..." boot option, and reads the screen with QMP
`screendump`. Text is checked two ways:
  - pixels: the expected text is rendered on the host with the same GNU
    Unifont glyphs (/usr/share/unifont/unifont.hex) and must appear exactly,
    cell-aligned, in the dump; the whole screen is also decoded back to text
    glyph by glyph, which the failure messages print;
  - OCR: tesseract (Debian tesseract-ocr) reads the dump, and whole lines
    must come out as expected.
On the -kernel path the display is VGA text mode, drawn by QEMU with its own
font: there the text is read from video memory (0xB8000, through the
monitor's `xp`) and OCR checks the picture.

    console_screen.py CASE        run one case (see --list)
    console_screen.py --list      the cases, one per line
    console_screen.py shot BOOT OUT.png [CMDLINE]   boot, wait for the prompt, save a dump
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    from PIL import Image, ImageFilter
except ImportError:
    # Debian's python3-numpy / python3-pil serve the system interpreter; a
    # python3 earlier on PATH (pyenv, a venv) may lack them.
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and \
            os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import nvosqemu  # noqa: E402

UNIFONT = "/usr/share/unifont/unifont.hex"
FG = (0xAA, 0xAA, 0xAA)      # default foreground (VGA light grey), drivers/video/fb.c
PANIC_FG = (0xFF, 0xFF, 0xFF)  # panic text: bright white on red
PROMPT = "nvos> "


class Failure(Exception):
    pass


# ---- font --------------------------------------------------------------------
_font = None
_reverse = None


def font():
    """{code point: bool array 16 x (8|16)} from Unifont's .hex file."""
    global _font, _reverse
    if _font is None:
        _font = {}
        _reverse = {}
        with open(UNIFONT, encoding="ascii") as f:
            for line in f:
                cp_s, _, bits = line.strip().partition(":")
                cp = int(cp_s, 16)
                w = len(bits) // 16 * 4  # 8 or 16 pixels
                rows = [int(bits[i:i + w // 4], 16) for i in range(0, len(bits), w // 4)]
                a = np.array([[(r >> (w - 1 - x)) & 1 for x in range(w)] for r in rows], dtype=bool)
                _font[cp] = a
                _reverse.setdefault((w, a.tobytes()), cp)
    return _font


def render(text, scale=1):
    """The ink mask of text drawn with Unifont at scale (cells of 8x16 pixels)."""
    f = font()
    parts = [f.get(ord(ch), f[0xFFFD]) for ch in text]
    a = np.concatenate(parts, axis=1) if parts else np.zeros((16, 0), dtype=bool)
    return np.repeat(np.repeat(a, scale, axis=0), scale, axis=1)


def ink(img, fg=FG):
    return np.all(img == np.array(fg, dtype=img.dtype), axis=2)


def find_text(img, text, scale, fg=FG):
    """Cell-aligned (row, col) positions where text appears exactly, ink for ink."""
    mask = ink(img, fg)
    pat = render(text, scale)
    ch, cw = 16 * scale, 8 * scale
    h, w = pat.shape
    found = []
    for y in range(0, mask.shape[0] - h + 1, ch):
        band = mask[y:y + h]
        for x in range(0, mask.shape[1] - w + 1, cw):
            if np.array_equal(band[:, x:x + w], pat):
                found.append((y // ch, x // cw))
    return found


def decode(img, scale, fg=FG):
    """The screen as text lines, cell by cell (wide glyphs tried after narrow)."""
    font()
    mask = ink(img, fg)
    ch, cw = 16 * scale, 8 * scale
    rows, cols = mask.shape[0] // ch, mask.shape[1] // cw
    lines = []
    for r in range(rows):
        out = []
        c = 0
        while c < cols:
            for n in (1, 2):  # a narrow glyph, else a wide one over two cells
                if c + n > cols:
                    continue
                cell = mask[r * ch:(r + 1) * ch:scale, c * cw:(c + n) * cw:scale]
                cp = _reverse.get((8 * n, cell.tobytes()))
                if cp is not None:
                    out.append(chr(cp))
                    c += n
                    break
            else:
                out.append("\u2592")  # not a glyph in this colour (cursor, other colours)
                c += 1
        lines.append("".join(out).rstrip())
    return lines


def auto_scale(width, height):
    """The kernel's choice (drivers/video/fb.c auto_scale)."""
    return max(1, min(width // 1280, height // 720, 8))


def ocr(png, scale, fg=FG):
    """tesseract's reading of a dump, as lines. The text (pixels of colour fg)
    is drawn black on white, enlarged and smoothed first: tesseract reads a
    bitmap font at 8x16 poorly otherwise."""
    img = np.array(Image.open(png).convert("RGB"))
    im = Image.fromarray(np.where(ink(img, fg), 0, 255).astype(np.uint8))
    factor = max(2, 4 // scale)
    im = im.resize((im.width * factor, im.height * factor), Image.BICUBIC)
    im = im.filter(ImageFilter.GaussianBlur(factor / 2))
    tmp = png + ".ocr.png"
    im.save(tmp)
    r = subprocess.run(["tesseract", tmp, "-", "--psm", "6"], capture_output=True, timeout=120)
    os.unlink(tmp)
    return [" ".join(l.split()) for l in r.stdout.decode(errors="replace").splitlines()]


def check_ocr(lines, want):
    norm = " ".join(want.split())
    if norm not in lines:
        raise Failure(f"OCR did not read the line {want!r}; it read:\n" + "\n".join(lines))


# ---- QEMU with QMP -------------------------------------------------------------
class Screen:
    """A QEMU machine with no serial port (unless serial_log), driven over QMP."""

    def __init__(self, boot, cmdline="", disk=None, debug_exit=True, extra=(), memory="512",
                 serial_log=None, serial_ring=False, name="screen"):
        self.tmp = tempfile.mkdtemp(prefix="nvos-screen-")
        disks = [nvosqemu.Disk(disk, snapshot=True)] if disk else []
        m = nvosqemu.Machine(boot=boot, cmdline=cmdline, disks=disks, memory=memory,
                             extra=list(extra))
        m.tmpdir = self.tmp
        args = m.qemu_args()
        i = args.index("-serial")
        args[i + 1] = f"file:{serial_log}" if serial_log else "none"
        if serial_ring:
            # A COM1 whose output QEMU keeps in memory (read with ring_read):
            # a file backend costs one write() per byte, which would dominate.
            args[i + 1] = "chardev:ser"
            args += ["-chardev", "ringbuf,id=ser,size=16M"]
        if not debug_exit:
            i = args.index("isa-debug-exit,iobase=0xf4,iosize=0x04")
            del args[i - 1:i + 1]
        self.sock = os.path.join(self.tmp, "qmp.sock")
        args += ["-qmp", f"unix:{self.sock},server=on,wait=off"]
        self.name = name
        self.log = open(os.path.join(self.tmp, "qemu.log"), "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.conn = None
        self.buf = b""
        deadline = time.time() + 30
        while True:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(self.sock)
                self.conn = s
                break
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise Failure(f"QMP socket never appeared: {self.qemu_output()}")
                time.sleep(0.1)
        self._recv()  # greeting
        self.qmp("qmp_capabilities")

    def qemu_output(self):
        self.log.flush()
        with open(self.log.name, "rb") as f:
            return f.read().decode(errors="replace")

    def _recv(self):
        while b"\n" not in self.buf:
            chunk = self.conn.recv(65536)
            if not chunk:
                raise Failure("QMP connection closed (QEMU exited?)\n" + self.qemu_output())
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def qmp(self, cmd, **args):
        self.conn.sendall(json.dumps({"execute": cmd, "arguments": args}).encode() + b"\n")
        while True:
            r = self._recv()
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise Failure(f"QMP {cmd}: {r['error']}")

    def ring_read(self):
        """What COM1 printed since the last call (serial_ring machines)."""
        import base64
        data = self.qmp("ringbuf-read", device="ser", size=16 << 20, format="base64")
        return base64.b64decode(data)

    def dump(self, path=None):
        path = path or os.path.join(self.tmp, "dump.ppm")
        self.qmp("screendump", filename=path)
        with Image.open(path) as im:
            return np.array(im.convert("RGB"))

    def vga_text(self):
        """VGA text memory at 0xB8000 as lines (80x25)."""
        out = self.qmp("human-monitor-command", **{"command-line": "xp /2000hx 0xb8000"})
        words = [int(w, 16) for w in re.findall(r"0x([0-9a-f]{4})\b", out)]
        chars = "".join(chr(w & 0xFF) if 0x20 <= (w & 0xFF) < 0x7F else " " for w in words)
        return [chars[i:i + 80].rstrip() for i in range(0, len(chars), 80)]

    def wait_for(self, predicate, timeout, what):
        """Dumps the screen until predicate(img) is true; returns the last dump."""
        deadline = time.time() + timeout
        img = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Failure(f"QEMU exited ({self.proc.returncode}) before {what}\n"
                              + self.qemu_output())
            img = self.dump()
            if predicate(img):
                return img
            time.sleep(1.0)
        raise Failure(f"timed out after {timeout} s waiting for {what}")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.conn:
            self.conn.close()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def screen_text(img, scale, fg=FG):
    return "\n".join(decode(img, scale, fg))


def wait_text(scr, text, timeout, scale=None, fg=FG, count=1):
    """Waits until text shows up (count times); returns (img, scale)."""
    found = {}

    def pred(img):
        s = scale or auto_scale(img.shape[1], img.shape[0])
        found["scale"] = s
        return len(find_text(img, text, s, fg)) >= count

    try:
        img = scr.wait_for(pred, timeout, repr(text))
    except Failure as e:
        img = scr.dump()
        s = scale or auto_scale(img.shape[1], img.shape[0])
        raise Failure(f"{e}\nscreen ({img.shape[1]}x{img.shape[0]}, x{s}) reads:\n"
                      + screen_text(img, s, fg)) from None
    return img, found["scale"]


# ---- test disks -----------------------------------------------------------------
def make_disk(path):
    """A 16 MiB FAT16 volume (no partition table): /kanji/漢字.txt, a long file."""
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1", SOURCE_DATE_EPOCH="1700000000")
    subprocess.run(["mkfs.fat", "-C", "-F", "16", "-n", "SCREEN", "--invariant", "-i", "5c2ee000",
                    path, str(16 * 1024)], check=True, capture_output=True)
    work = tempfile.mkdtemp()
    try:
        kanji = os.path.join(work, "漢字.txt")
        with open(kanji, "w", encoding="utf-8") as f:
            f.write("漢字\n")
        long = os.path.join(work, "long.txt")
        with open(long, "w") as f:
            for i in range(400):
                f.write(f"long line {i:04d} of 400: scrolling text on the screen console\n")
        subprocess.run(["mmd", "-i", path, "::/kanji"], check=True, env=env)
        subprocess.run(["mcopy", "-i", path, kanji, "::/kanji/"], check=True, env=env)
        subprocess.run(["mcopy", "-i", path, long, "::/"], check=True, env=env)
    finally:
        shutil.rmtree(work)


def test_disk(tmpdir):
    path = os.path.join(tmpdir, "screen.img")
    make_disk(path)
    return path


def save_artifact(img, name):
    d = os.path.join(nvosqemu.build_dir(), "test-logs")
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, name)
    Image.fromarray(img).save(p)
    return p


# ---- cases ------------------------------------------------------------------------
CASES = {}


def case(name, timeout=240):
    def wrap(fn):
        CASES[name] = (fn, timeout)
        return fn
    return wrap


def prompt_case(boot):
    def run(tmpdir):
        disk = test_disk(tmpdir)
        cmd = 'run="echo screen-check on ' + boot + '"'
        with Screen(boot, cmdline=cmd, disk=disk, name=boot) as scr:
            img, scale = wait_text(scr, PROMPT + "echo screen-check on " + boot, 180)
            # The command's output on a line of its own, and a fresh prompt.
            wait_text(scr, "screen-check on " + boot, 30, scale, count=2)
            img, _ = wait_text(scr, PROMPT, 30, scale, count=2)
            png = save_artifact(img, f"console.prompt.{boot}.png")
            check_ocr(ocr(png, scale), "nvos> echo screen-check on " + boot)
    return run


for _boot in ("uefi", "grub-uefi", "grub-bios"):
    case(f"prompt.{_boot.replace('-', '_')}")(prompt_case(_boot))


@case("prompt.kernel")
def prompt_kernel(tmpdir):
    """-kernel: multiboot1, no framebuffer, VGA text mode."""
    disk = test_disk(tmpdir)
    with Screen("kernel", cmdline='run="echo screen-check on kernel"', disk=disk) as scr:
        deadline = time.time() + 180
        lines = []
        while time.time() < deadline:
            lines = scr.vga_text()
            if sum(1 for l in lines if l.startswith(PROMPT.rstrip())) >= 2 and \
                    "screen-check on kernel" in lines:
                break
            time.sleep(1.0)
        else:
            raise Failure("VGA text never showed the prompt and the output; it reads:\n"
                          + "\n".join(lines))
        if "nvos> echo screen-check on kernel" not in lines:
            raise Failure("the typed command is not on the screen:\n" + "\n".join(lines))
        img = scr.dump()
        png = save_artifact(img, "console.prompt.kernel.png")
        # QEMU draws text mode's light grey through the 6-bit DAC: 0x2A << 2.
        check_ocr(ocr(png, 1, fg=(0xA8, 0xA8, 0xA8)), "nvos> echo screen-check on kernel")


@case("kanji")
def kanji(tmpdir):
    """ls of a directory holding 漢字.txt draws both characters with Unifont's glyphs."""
    disk = test_disk(tmpdir)
    with Screen("uefi", cmdline='run="ls nvme0n1 /kanji -l; cat nvme0n1 /kanji/漢字.txt"',
                disk=disk) as scr:
        img, scale = wait_text(scr, "漢字.txt", 180)
        wait_text(scr, PROMPT, 30, scale, count=2)
        img = scr.dump()
        # The listing's line (size 7: "漢字\n"), each glyph on its own where
        # the listing puts it; the typed command line holds the name too.
        pos = find_text(img, "7  漢字.txt", scale)
        if len(pos) != 1:
            raise Failure(f"the listing line '7  漢字.txt' found {len(pos)} times:\n"
                          + screen_text(img, scale))
        row, col = pos[0][0], pos[0][1] + 3
        for i, ch in enumerate("漢字"):
            if (row, col + 2 * i) not in find_text(img, ch, scale):
                raise Failure(f"{ch} (U+{ord(ch):04X}) is not drawn with its Unifont glyph")
        lines = decode(img, scale)
        if "漢字" not in lines:
            raise Failure("cat of 漢字.txt did not draw its contents on a line:\n"
                          + "\n".join(lines))
        save_artifact(img, "console.kanji.png")


@case("panic")
def panic(tmpdir):
    """A panic on a framebuffer-only machine shows its diagnosis on the screen."""
    with Screen("uefi", cmdline='run="fault panic"', debug_exit=False) as scr:
        img, scale = wait_text(scr, "PANIC: ", 180, fg=PANIC_FG)
        img, _ = wait_text(scr, "nvos: stopped (exit code 112); the machine is halted", 30,
                           scale, fg=PANIC_FG)
        text = screen_text(img, scale, PANIC_FG)
        if "backtrace" not in text:
            raise Failure("no backtrace on the panic screen:\n" + text)
        png = save_artifact(img, "console.panic.png")
        lines = [l for l in text.splitlines() if l.startswith("PANIC: ")]
        check_ocr(ocr(png, scale, PANIC_FG), lines[0].strip())


@case("scroll")
def scroll(tmpdir):
    """A long cat scrolls: the last lines and the prompt at the bottom, the first gone."""
    disk = test_disk(tmpdir)
    with Screen("uefi", cmdline='run="cat nvme0n1 /long.txt"', disk=disk) as scr:
        last = "long line 0399 of 400: scrolling text on the screen console"
        img, scale = wait_text(scr, last, 240)
        img, _ = wait_text(scr, PROMPT, 30, scale, count=1)
        lines = decode(img, scale)
        rows = len(lines)
        (lrow, lcol), = find_text(img, last, scale)
        if lrow != rows - 2 or lcol != 0:
            raise Failure(f"last line at row {lrow} col {lcol}, expected row {rows - 2}:\n"
                          + "\n".join(lines))
        if not lines[rows - 1].startswith(PROMPT):
            raise Failure("no prompt on the bottom row:\n" + "\n".join(lines))
        if find_text(img, "long line 0000 of 400", scale):
            raise Failure("the first line is still on the screen: nothing scrolled")
        # Every row above the last holds the line before it: no torn scrolling.
        for k in range(1, rows - 2):
            want = f"long line {399 - k:04d} of 400: scrolling text on the screen console"
            if lines[rows - 2 - k] != want:
                raise Failure(f"row {rows - 2 - k} reads {lines[rows - 2 - k]!r}, "
                              f"expected {want!r}")
        png = save_artifact(img, "console.scroll.png")
        check_ocr(ocr(png, scale), "long line 0398 of 400: scrolling text on the screen console")


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--list":
        for name, (_, timeout) in CASES.items():
            print(f"{name}|{timeout}")
        return 0
    if len(sys.argv) >= 4 and sys.argv[1] == "shot":
        with Screen(sys.argv[2], cmdline=sys.argv[4] if len(sys.argv) > 4 else "",
                    disk=os.environ.get("NVOS_SCREEN_DISK")) as scr:
            img, scale = wait_text(scr, PROMPT, 240)
            time.sleep(float(os.environ.get("NVOS_SCREEN_SETTLE", "2")))
            img = scr.dump()
            Image.fromarray(img).save(sys.argv[3])
            print("\n".join(decode(img, scale)))
        return 0
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print(__doc__, file=sys.stderr)
        return 2
    fn, _ = CASES[sys.argv[1]]
    tmpdir = tempfile.mkdtemp(prefix="nvos-screen-case-")
    try:
        fn(tmpdir)
    except Failure as e:
        print(f"FAIL console.{sys.argv[1]}: {e}")
        return 1
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    print(f"PASS console.{sys.argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
