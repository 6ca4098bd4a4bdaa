"""nvoslib.screen - read nvos's screen console from QEMU screendumps.

    with nvos.machine(boot="uefi", serial="none", qmp=True) as m:
        scr = Screen(m)
        img, scale = scr.wait_text("nvos> ", 180)      # poll dumps until it is drawn
        find_text(img, "hello", scale)                 # [(row, col)] where it is, exactly
        decode(img, scale)                             # the screen back as text lines
        ocr_lines(save_png(img, "x.png"), scale)       # tesseract's reading, or
        check_ocr_row(img, row, scale, "hello")        # of one text row

Two ways to read text (issue 10's tests):
  - pixels: the expected text is rendered on the host with the kernel's own
    glyphs, GNU Unifont (/usr/share/unifont/unifont.hex, Debian `unifont`),
    and must appear exactly, ink for ink and cell-aligned, in the dump;
    decode() turns the whole screen back into text glyph by glyph, for
    failure messages;
  - OCR: tesseract (Debian `tesseract-ocr`) reads a dump, for whole lines.
On a BIOS boot without a framebuffer (QEMU -kernel) the screen is VGA text
mode, drawn by QEMU with its own font: vga_text() reads video memory
(0xB8000) instead, and OCR checks the picture.

Needs numpy and PIL (Debian python3-numpy, python3-pil).
"""
import os
import re
import subprocess
import tempfile
import time

import numpy as np
from PIL import Image, ImageFilter

UNIFONT = "/usr/share/unifont/unifont.hex"
FG = (0xAA, 0xAA, 0xAA)        # default foreground (VGA light grey), drivers/video/fb.c
PANIC_FG = (0xFF, 0xFF, 0xFF)  # panic text: bright white on red
VGA_FG = (0xA8, 0xA8, 0xA8)    # QEMU draws text mode's light grey through the 6-bit DAC: 0x2A << 2
PROMPT = "nvos> "
UNKNOWN = "\u2592"             # decode(): a cell that is no glyph in the colour asked for


class ScreenError(AssertionError):
    """The screen does not show what a test expected (an AssertionError, so
    pytest reports it as a failed check)."""


# ---- font ----------------------------------------------------------------------
_font = None
_reverse = None


def font():
    """{code point: bool array 16 x (8|16)} from Unifont's .hex file."""
    global _font, _reverse
    if _font is None:
        glyphs, reverse = {}, {}
        with open(UNIFONT, encoding="ascii") as f:
            for line in f:
                cp_s, _, bits = line.strip().partition(":")
                cp = int(cp_s, 16)
                w = len(bits) // 16 * 4  # 8 or 16 pixels
                rows = [int(bits[i:i + w // 4], 16) for i in range(0, len(bits), w // 4)]
                a = np.array([[(r >> (w - 1 - x)) & 1 for x in range(w)] for r in rows],
                             dtype=bool)
                glyphs[cp] = a
                reverse.setdefault((w, a.tobytes()), cp)
        _font, _reverse = glyphs, reverse
    return _font


def render(text, scale=1):
    """The ink mask of text drawn with Unifont at scale (cells of 8x16 pixels);
    anything Unifont lacks is U+FFFD, as the kernel draws it."""
    f = font()
    parts = [f.get(ord(ch), f[0xFFFD]) for ch in text]
    a = np.concatenate(parts, axis=1) if parts else np.zeros((16, 0), dtype=bool)
    return np.repeat(np.repeat(a, scale, axis=0), scale, axis=1)


def ink(img, fg=FG):
    """The pixels of an RGB image (numpy H x W x 3) that are exactly colour fg."""
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
    """The screen as text lines, cell by cell (a wide glyph is tried after a
    narrow one); cells that are no glyph in colour fg read as UNKNOWN."""
    font()
    mask = ink(img, fg)
    ch, cw = 16 * scale, 8 * scale
    rows, cols = mask.shape[0] // ch, mask.shape[1] // cw
    lines = []
    for r in range(rows):
        out = []
        c = 0
        while c < cols:
            for n in (1, 2):
                if c + n > cols:
                    continue
                cell = mask[r * ch:(r + 1) * ch:scale, c * cw:(c + n) * cw:scale]
                cp = _reverse.get((8 * n, cell.tobytes()))
                if cp is not None:
                    out.append(chr(cp))
                    c += n
                    break
            else:
                out.append(UNKNOWN)
                c += 1
        lines.append("".join(out).rstrip())
    return lines


def screen_text(img, scale, fg=FG):
    return "\n".join(decode(img, scale, fg))


def auto_scale(width, height):
    """The kernel's choice of glyph scale (drivers/video/fb.c auto_scale)."""
    return max(1, min(width // 1280, height // 720, 8))


# ---- OCR ------------------------------------------------------------------------
def _tesseract(mask, scale, psm, margin=0):
    """tesseract's reading of an ink mask. The text is drawn black on white
    (with a margin of blank pixels), enlarged and smoothed first: tesseract
    reads a bitmap font at 8x16 poorly otherwise."""
    bw = Image.fromarray(np.where(mask, 0, 255).astype(np.uint8))
    framed = Image.new("L", (bw.width + 2 * margin, bw.height + 2 * margin), 255)
    framed.paste(bw, (margin, margin))
    factor = max(2, 4 // scale)
    big = framed.resize((framed.width * factor, framed.height * factor), Image.BICUBIC)
    big = big.filter(ImageFilter.GaussianBlur(factor / 2))
    with tempfile.NamedTemporaryFile(suffix=".png") as tmp:
        big.save(tmp.name)
        r = subprocess.run(["tesseract", tmp.name, "-", "--psm", str(psm)], capture_output=True,
                           timeout=120)
    return [" ".join(line.split()) for line in r.stdout.decode(errors="replace").splitlines()]


def ocr_lines(png, scale, fg=FG):
    """tesseract's reading of a whole dump (a PNG file), as lines with runs
    of blanks made one (pixels of colour fg are the text)."""
    with Image.open(png) as im:
        img = np.array(im.convert("RGB"))
    return _tesseract(ink(img, fg), scale, 6)


def ocr_row(img, row, scale, fg=FG):
    """tesseract's reading of one text row of a dump (numpy RGB), read as a
    single line: more reliable than the whole screen for a short line."""
    ch = 16 * scale
    lines = [l for l in _tesseract(ink(img[row * ch:(row + 1) * ch], fg), scale, 7, 8 * scale)
             if l]
    return " ".join(lines)


def check_ocr(png, scale, want, fg=FG):
    """Raises ScreenError unless OCR reads the whole line `want` (blanks
    normalised) somewhere in the dump `png`."""
    lines = ocr_lines(png, scale, fg)
    if " ".join(want.split()) not in lines:
        raise ScreenError(f"OCR did not read the line {want!r} in {png}; it read:\n"
                          + "\n".join(lines))


def check_ocr_row(img, row, scale, want, fg=FG):
    """Raises ScreenError unless OCR reads text row `row` of the dump as
    exactly `want` (blanks normalised)."""
    got = ocr_row(img, row, scale, fg)
    if got != " ".join(want.split()):
        raise ScreenError(f"OCR read row {row} as {got!r}, expected {want!r}")


def save_png(img, path):
    """Writes an RGB dump (numpy array) as PNG; returns path."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    Image.fromarray(img).save(path)
    return path


# ---- a machine's screen -----------------------------------------------------------
class Screen:
    """The display of a nvoslib.qemu.Machine started with qmp=True (usually
    serial="none"), read through QMP screendump."""

    def __init__(self, machine, poll=1.0):
        self.m = machine
        self.poll = poll
        self.path = os.path.join(machine.tmpdir, "dump.ppm")

    def dump(self):
        """The display now, as an RGB numpy array (height x width x 3)."""
        self.m.qmp().screendump(self.path)
        with Image.open(self.path) as im:
            return np.array(im.convert("RGB"))

    def vga_text(self):
        """VGA text memory at 0xB8000 as 25 lines of 80 (printable ASCII; the
        rest as blanks), read with the monitor's `xp` over QMP."""
        out = self.m.qmp().execute("human-monitor-command", **{"command-line": "xp /2000hx 0xb8000"})
        words = [int(w, 16) for w in re.findall(r"0x([0-9a-f]{4})\b", out)]
        chars = "".join(chr(w & 0xFF) if 0x20 <= (w & 0xFF) < 0x7F else " " for w in words)
        return [chars[i:i + 80].rstrip() for i in range(0, len(chars), 80)]

    def wait_for(self, read, predicate, timeout, what, show):
        """Calls read() every poll seconds until predicate(value) holds, and
        returns that value; past the deadline raises ScreenError with
        show(last value)."""
        deadline = time.monotonic() + timeout
        value = None
        while True:
            if not self.m.alive():
                raise ScreenError(f"QEMU exited before {what}")
            value = read()
            if predicate(value):
                return value
            if time.monotonic() > deadline:
                raise ScreenError(f"timed out after {timeout} s waiting for {what}; the screen "
                                  f"reads:\n{show(value)}")
            time.sleep(self.poll)

    def wait_text(self, text, timeout, scale=None, fg=FG, count=1):
        """Waits until text is drawn (count times, exactly, cell-aligned);
        returns (dump, scale). scale None: the kernel's automatic one."""
        def sc(img):
            return scale or auto_scale(img.shape[1], img.shape[0])

        img = self.wait_for(self.dump, lambda i: len(find_text(i, text, sc(i), fg)) >= count,
                            timeout, f"{text!r} x{count}",
                            lambda i: f"({i.shape[1]}x{i.shape[0]}, x{sc(i)})\n"
                            + screen_text(i, sc(i), fg))
        return img, sc(img)

    def wait_vga(self, predicate, timeout, what):
        """Waits until predicate(vga_text() lines) holds; returns the lines."""
        return self.wait_for(self.vga_text, predicate, timeout, what, "\n".join)


__all__ = ["Screen", "ScreenError", "font", "render", "ink", "find_text", "decode",
           "screen_text", "auto_scale", "ocr_lines", "ocr_row", "check_ocr", "check_ocr_row",
           "save_png", "FG", "PANIC_FG", "VGA_FG", "PROMPT", "UNIFONT"]
