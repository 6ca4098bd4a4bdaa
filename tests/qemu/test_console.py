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
import re
import shutil
import subprocess
import tempfile

import pytest

from nvoslib.qemu import Disk, status_of
from nvoslib.qmp import Keyboard, QmpError
from nvoslib.screen import (FG, PANIC_FG, PROMPT, VGA_FG, Screen, check_ocr, check_ocr_row,
                            decode, find_text, save_png, screen_text)

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
    path = os.path.join(nvos.cache, "screen.img")
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


# ---- typed on a keyboard, read on the screen -----------------------------------------
NVME_LINE = r"^\S+ 1b36:0010 class 010802 NVMe controller$"


def rows_at(lines, want):
    """Rows r where want[i] is the whole of lines[r + i] for every i."""
    return [r for r in range(len(lines) - len(want) + 1)
            if all(lines[r + i] == w for i, w in enumerate(want))]


def fb_lines_at(img, scale, want):
    """Rows r where the framebuffer shows want[i] as the whole of row r + i
    for every i, drawn pixel for pixel from column 0, and then a prompt on
    row r + len(want) (the cursor follows it: only the prompt is matched)."""
    lines = decode(img, scale)
    prompts = {pos for pos in find_text(img, PROMPT, scale) if pos[1] == 0}
    found = []
    for r in rows_at(lines, want):
        if (r + len(want), 0) in prompts and \
                all((r + i, 0) in find_text(img, w, scale) for i, w in enumerate(want)):
            found.append(r)
    return found


def typed(scr, kbd, command, output, timeout, vga, scale):
    """Types command + Enter on kbd and waits until the screen shows the
    command line, the output lines (whole lines) and a fresh prompt, one
    under the other. Returns the dump and the command's row (the last such
    place on the screen)."""
    kbd.type(command + "\r")
    want = [PROMPT + command] + list(output)
    if vga:
        lines = scr.wait_vga(lambda ls: rows_at(ls, want + [PROMPT.rstrip()]), timeout,
                             f"{want} and a prompt in VGA text")
        return scr.dump(), rows_at(lines, want + [PROMPT.rstrip()])[-1]
    img = scr.wait_for(scr.dump, lambda i: fb_lines_at(i, scale, want), timeout,
                       f"{want} and a prompt on the screen", lambda i: screen_text(i, scale))
    return img, fb_lines_at(img, scale, want)[-1]


def command_output(scr, kbd, command, ready, timeout, vga, scale):
    """Types command; returns the dump, the command's row and its output
    lines as the screen shows them, once ready(lines) holds and a prompt
    follows."""
    kbd.type(command + "\r")

    def block(lines):
        # The last command line whose output is ready (dmesg replays the
        # console, its own command line included: that copy ends a block).
        for start in reversed([r for r, l in enumerate(lines) if l == PROMPT + command]):
            r = start + 1
            out = []
            while r < len(lines) and not lines[r].startswith(PROMPT.rstrip()):
                out.append(lines[r])
                r += 1
            if r < len(lines) and ready(out):
                return start, out
        return None

    if vga:
        row, out = block(scr.wait_vga(block, timeout, f"{command}'s output in VGA text"))
        return scr.dump(), row, out
    img = scr.wait_for(scr.dump, lambda i: block(decode(i, scale)), timeout,
                       f"{command}'s output and a prompt", lambda i: screen_text(i, scale))
    row, out = block(decode(img, scale))
    # decode() matched every glyph exactly; the whole lines once more, by pixels.
    for i, l in enumerate([PROMPT + command] + out):
        assert (row + i, 0) in find_text(img, l, scale), f"{l!r} not drawn at row {row + i}"
    return img, row, out


def lspci_output(scr, kbd, timeout, vga, scale):
    """Types lspci (command_output), until the NVMe controller's line shows."""
    return command_output(scr, kbd, "lspci", lambda out: any(re.match(NVME_LINE, l) for l in out),
                          timeout, vga, scale)


def last_enter(kbd):
    """Enter for a command that ends QEMU: the guest may power off on the
    key press, before QMP delivers the release."""
    try:
        kbd.keys(["ret"])
    except QmpError:
        pass


KEYBOARDS = [pytest.param("ps2", boot, name, id=f"ps2-{boot}")
             for boot, name in (("uefi", "uefi"), ("grub-uefi", "grub_uefi"),
                                ("grub-bios", "grub_bios"), ("kernel", "kernel"))] + \
            [pytest.param("usb", boot, name, id=f"usb-{boot}")
             for boot, name in (("uefi", "uefi"), ("grub-uefi", "grub_uefi"))]


@pytest.mark.case("console.keyboard.{kbd}.{name}", timeout=TIMEOUT, cost=2)
@pytest.mark.parametrize("kbd,boot,name", KEYBOARDS)
def test_keyboard(nvos, kbd, boot, name):
    """Issue 10, done means 1 and 2: no serial port; wait for the prompt on
    the screen, type commands on the keyboard (PS/2: QMP send-key; USB: a
    usb-kbd on qemu-xhci with QEMU's i8042 switched off, QMP
    input-send-event), read their output on the screen (pixels and OCR),
    power off from the keyboard."""
    usb = kbd == "usb"
    extra = ["-device", "qemu-xhci,id=xhci", "-device", "usb-kbd,id=kbd0"] if usb else []
    vga = boot == "kernel"  # multiboot1: VGA text mode, QEMU's font
    with screen_machine(nvos, boot, disks=[nvos.blank_disk()], extra=extra,
                        machine="q35,i8042=off" if usb else "q35") as m:
        scr = Screen(m)
        if vga:
            scr.wait_vga(lambda ls: any(l == PROMPT.rstrip() for l in ls), BOOT_TIMEOUT,
                         "the prompt in VGA text")
            scale = 1
        else:
            img, scale = scr.wait_text(PROMPT, BOOT_TIMEOUT)
        keys = Keyboard(m.qmp(), usb=usb)
        if usb:  # only the USB keyboard can deliver: the log says so (asked on it)
            command_output(
                scr, keys, "dmesg i8042",
                lambda o: any(l.startswith("i8042: none (ACPI FADT") for l in o), 60, vga, scale)
            command_output(
                scr, keys, "dmesg xhci0:",
                lambda o: any(re.match(r"xhci0: port \d+: USB keyboard 0627:0001", l) for l in o),
                60, vga, scale)
        fg = VGA_FG if vga else FG
        word = f"hello-from-{kbd}"
        img, row = typed(scr, keys, f"echo {word}", [word], 60, vga, scale)
        artifact(nvos, img, f"console.keyboard.{kbd}.{boot}.echo.png")
        check_ocr_row(img, row, scale, f"{PROMPT}echo {word}", fg)
        check_ocr_row(img, row + 1, scale, word, fg)
        img, row, out = lspci_output(scr, keys, 60, vga, scale)
        artifact(nvos, img, f"console.keyboard.{kbd}.{boot}.lspci.png")
        nvme = [l for l in out if re.match(NVME_LINE, l)]
        assert len(nvme) == 1, "one NVMe controller expected in lspci:\n" + "\n".join(out)
        if usb:
            assert any(" 1b36:000d class 0c0330 USB controller" in l for l in out), \
                "no xHCI controller in lspci:\n" + "\n".join(out)
        if not vga:  # QEMU's VGA font: tesseract reads its l as I ("Ispci")
            check_ocr_row(img, row, scale, PROMPT + "lspci", fg)
        keys.type("poweroff 0")
        last_enter(keys)
        assert m.wait_exit(60) == status_of(0), "poweroff 0 typed on the keyboard"
