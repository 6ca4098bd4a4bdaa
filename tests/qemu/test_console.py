"""QEMU tests: the screen console (issue 10), checked on the screen.

Every machine here has no serial port (-serial none): it is given commands
through the run="..." boot option or typed on its keyboard over QMP, and
read with QMP `screendump` (nvoslib.screen). Text is checked two ways:
pixels (the expected text rendered on the host with the same GNU Unifont
glyphs must appear exactly, cell-aligned, in the dump) and OCR (tesseract
must read whole lines). On the -kernel path the display is VGA text mode,
drawn by QEMU with its own font: there the text is read from video memory
(0xB8000) and OCR checks the picture.

The dumps are kept in build/test-logs/console.*.png; docs/screen-console.png
is console.kanji.png (README, "The screen console").
"""
import os
import shutil
import subprocess
import tempfile

import pytest

from nvoslib.qemu import Disk
from nvoslib.screen import (PANIC_FG, PROMPT, VGA_FG, Screen, check_ocr, decode, find_text,
                            save_png, screen_text)

TIMEOUT = 240      # per case (ctest)
BOOT_TIMEOUT = 180
PATHS = [pytest.param("uefi", "uefi", id="uefi"),
         pytest.param("grub-uefi", "grub_uefi", id="grub-uefi"),
         pytest.param("grub-bios", "grub_bios", id="grub-bios")]
LONG = "long line {:04d} of 400: scrolling text on the screen console"


def screen_machine(nvos, boot, cmdline="", disks=(), **kw):
    """A machine with no serial port, read (and typed on) over QMP."""
    return nvos.machine(boot=boot, cmdline=cmdline, disks=list(disks), serial="none", qmp=True,
                        timeout=TIMEOUT, **kw)


def screen_disk(nvos):
    """A 16 MiB FAT16 volume (no partition table): /kanji/漢字.txt and
    /long.txt (400 lines), made once per build directory (snapshot=on)."""
    path = os.path.join(nvos.images, "screen.img")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}"
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1", SOURCE_DATE_EPOCH="1700000000")
        subprocess.run(["mkfs.fat", "-C", "-F", "16", "-n", "SCREEN", "--invariant",
                        "-i", "5c2ee000", tmp, str(16 * 1024)], check=True, capture_output=True)
        work = tempfile.mkdtemp()
        try:
            kanji = os.path.join(work, "漢字.txt")
            with open(kanji, "w", encoding="utf-8") as f:
                f.write("漢字\n")
            long = os.path.join(work, "long.txt")
            with open(long, "w") as f:
                for i in range(400):
                    f.write(LONG.format(i) + "\n")
            subprocess.run(["mmd", "-i", tmp, "::/kanji"], check=True, env=env)
            subprocess.run(["mcopy", "-i", tmp, kanji, "::/kanji/"], check=True, env=env)
            subprocess.run(["mcopy", "-i", tmp, long, "::/"], check=True, env=env)
        finally:
            shutil.rmtree(work)
        os.replace(tmp, path)
    return Disk(path, snapshot=True)


def artifact(nvos, img, name):
    return save_png(img, os.path.join(nvos.logdir, name))


# ---- run= commands on the screen ------------------------------------------------
@pytest.mark.case("console.prompt.{name}", timeout=TIMEOUT, cost=2)
@pytest.mark.parametrize("boot,name", PATHS)
def test_prompt(nvos, boot, name):
    cmd = "echo screen-check on " + boot
    with screen_machine(nvos, boot, f'run="{cmd}"', [screen_disk(nvos)]) as m:
        scr = Screen(m)
        img, scale = scr.wait_text(PROMPT + cmd, BOOT_TIMEOUT)
        # The command's output on a line of its own, and a fresh prompt.
        scr.wait_text("screen-check on " + boot, 30, scale, count=2)
        img, _ = scr.wait_text(PROMPT, 30, scale, count=2)
        png = artifact(nvos, img, f"console.prompt.{boot}.png")
        check_ocr(png, scale, PROMPT + cmd)


@pytest.mark.case("console.prompt.kernel", timeout=TIMEOUT, cost=2)
def test_prompt_kernel(nvos):
    """-kernel: multiboot1, no framebuffer, VGA text mode."""
    with screen_machine(nvos, "kernel", 'run="echo screen-check on kernel"',
                        [screen_disk(nvos)]) as m:
        scr = Screen(m)
        lines = scr.wait_vga(
            lambda ls: sum(1 for l in ls if l.startswith(PROMPT.rstrip())) >= 2
            and "screen-check on kernel" in ls,
            BOOT_TIMEOUT, "the prompt and the output in VGA text")
        assert "nvos> echo screen-check on kernel" in lines, \
            "the typed command is not on the screen:\n" + "\n".join(lines)
        png = artifact(nvos, scr.dump(), "console.prompt.kernel.png")
        check_ocr(png, 1, "nvos> echo screen-check on kernel", fg=VGA_FG)


@pytest.mark.case("console.kanji", timeout=TIMEOUT, cost=2)
def test_kanji(nvos):
    """ls of a directory holding 漢字.txt draws both characters with Unifont's glyphs."""
    with screen_machine(nvos, "uefi", 'run="ls nvme0n1 /kanji -l; cat nvme0n1 /kanji/漢字.txt"',
                        [screen_disk(nvos)]) as m:
        scr = Screen(m)
        img, scale = scr.wait_text("漢字.txt", BOOT_TIMEOUT)
        scr.wait_text(PROMPT, 30, scale, count=2)
        img = scr.dump()
        # The listing's line (size 7: "漢字\n"), each glyph on its own where
        # the listing puts it; the typed command line holds the name too.
        pos = find_text(img, "7  漢字.txt", scale)
        assert len(pos) == 1, (f"the listing line '7  漢字.txt' found {len(pos)} times:\n"
                               + screen_text(img, scale))
        row, col = pos[0][0], pos[0][1] + 3
        for i, ch in enumerate("漢字"):
            assert (row, col + 2 * i) in find_text(img, ch, scale), \
                f"{ch} (U+{ord(ch):04X}) is not drawn with its Unifont glyph"
        lines = decode(img, scale)
        assert "漢字" in lines, \
            "cat of 漢字.txt did not draw its contents on a line:\n" + "\n".join(lines)
        artifact(nvos, img, "console.kanji.png")


@pytest.mark.case("console.panic", timeout=TIMEOUT, cost=2)
def test_panic(nvos):
    """A panic on a framebuffer-only machine shows its diagnosis on the screen."""
    with screen_machine(nvos, "uefi", 'run="fault panic"', debug_exit=False) as m:
        scr = Screen(m)
        img, scale = scr.wait_text("PANIC: ", BOOT_TIMEOUT, fg=PANIC_FG)
        img, _ = scr.wait_text("nvos: stopped (exit code 112); the machine is halted", 30,
                               scale, fg=PANIC_FG)
        text = screen_text(img, scale, PANIC_FG)
        assert "backtrace" in text, "no backtrace on the panic screen:\n" + text
        png = artifact(nvos, img, "console.panic.png")
        lines = [l for l in text.splitlines() if l.startswith("PANIC: ")]
        check_ocr(png, scale, lines[0].strip(), fg=PANIC_FG)


@pytest.mark.case("console.scroll", timeout=TIMEOUT, cost=2)
def test_scroll(nvos):
    """A long cat scrolls: the last lines and the prompt at the bottom, the first gone."""
    with screen_machine(nvos, "uefi", 'run="cat nvme0n1 /long.txt"', [screen_disk(nvos)]) as m:
        scr = Screen(m)
        last = LONG.format(399)
        img, scale = scr.wait_text(last, 240)
        img, _ = scr.wait_text(PROMPT, 30, scale, count=1)
        lines = decode(img, scale)
        rows = len(lines)
        where = find_text(img, last, scale)
        assert len(where) == 1, f"the last line found {len(where)} times:\n" + "\n".join(lines)
        (lrow, lcol), = where
        assert lrow == rows - 2 and lcol == 0, \
            f"last line at row {lrow} col {lcol}, expected row {rows - 2}:\n" + "\n".join(lines)
        assert lines[rows - 1].startswith(PROMPT), "no prompt on the bottom row:\n" + \
            "\n".join(lines)
        assert not find_text(img, "long line 0000 of 400", scale), \
            "the first line is still on the screen: nothing scrolled"
        # Every row above the last holds the line before it: no torn scrolling.
        for k in range(1, rows - 2):
            want = LONG.format(399 - k)
            assert lines[rows - 2 - k] == want, \
                f"row {rows - 2 - k} reads {lines[rows - 2 - k]!r}, expected {want!r}"
        png = artifact(nvos, img, "console.scroll.png")
        check_ocr(png, scale, LONG.format(398))

