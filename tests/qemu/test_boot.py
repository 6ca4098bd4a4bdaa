"""QEMU tests: boot paths, PCI enumeration, the shell, boot commands, faults."""
import os
import re

import pytest

from nvoslib.qemu import BOOT_METHOD, QEMU_EXCEPTION_STATUS, QEMU_PANIC_STATUS, status_of

MACHINES = ("q35", "pc")
PATHS = ("kernel", "grub-bios", "grub-uefi", "uefi")
NVME_LINE = r"^(\S+) 1b36:0010 class 010802 NVMe controller$"
LSPCI_LINE = r"^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] [0-9a-f]{4}:[0-9a-f]{4} class [0-9a-f]{6} "


def lspci_file(nvos, path, machine):
    return os.path.join(nvos.logdir, f"lspci.{path}.{machine}.txt")


@pytest.mark.case("boot.{boot}.{machine}", timeout=120, setup="lspci_{machine}")
@pytest.mark.parametrize("machine", MACHINES)
@pytest.mark.parametrize("boot", PATHS)
def test_boot(nvos, boot, machine):
    with nvos.machine(boot=boot, machine=machine, disks=[nvos.blank_disk()]) as m:
        ready = m.wait_ready()
        assert ready.boot == BOOT_METHOD[boot], f"READY says boot={ready.boot} on {boot}"
        out = m.command("lspci")
        assert re.search(NVME_LINE, out, re.M), f"no NVMe controller in lspci:\n{out}"
        for line in out.strip().splitlines():
            assert re.search(LSPCI_LINE, line), f"an lspci line: {line!r}"
        with open(lspci_file(nvos, boot, machine), "w") as f:
            f.write(out)
        verbose = m.command("lspci -v")
        assert re.search(r"BAR0 memory 64-bit at 0x[0-9a-f]+, 16 KiB", verbose), verbose
        assert re.search(r"capability 0x40: MSI-X \(id 11\), 65 vectors, table BAR0\+0x2000",
                         verbose), verbose
        assert "PCI Express (id 10)" in verbose, verbose
        mem = m.command("mem")
        assert re.search(r"^usable: \d", mem, re.M), mem
        assert re.search(r"^  [0-9a-f]{16}-[0-9a-f]{16} +\S+ \S+ kernel$", mem, re.M), mem
        up = m.command("uptime")
        assert re.search(r"^uptime: \d+\.\d{6} s \(TSC \d+ kHz, calibrated against \w+", up,
                         re.M), up
        info = m.command("bootinfo")
        want = {"kernel": "multiboot1", "grub-bios": "multiboot2", "grub-uefi": "multiboot2",
                "uefi": "UEFI"}[boot]
        assert f"method: {want}" in info, info
        if machine == "q35":
            assert "pci: ECAM at 0xb0000000 (segment 0, buses 0-255)" in m.buf, "boot log"
        else:
            assert "pci: no MCFG table; using configuration mechanism #1" in m.buf, "boot log"
        assert m.poweroff(0) == status_of(0)
        assert m.buf.count("READY nvos ") == 1, "READY more than once in one boot"


@pytest.mark.case("lspci-same-on-all-paths.{machine}", timeout=30, requires="lspci_{machine}")
@pytest.mark.parametrize("machine", MACHINES)
def test_lspci_same_on_all_paths(nvos, machine):
    listings = {}
    for p in PATHS:
        f = lspci_file(nvos, p, machine)
        assert os.path.exists(f), f"{f} missing: boot.{p}.{machine} did not record lspci"
        with open(f) as fh:
            listings[p] = fh.read()
    ref = listings["kernel"]
    for p, text in listings.items():
        assert text == ref, f"lspci on {p} differs from -kernel on {machine}"


@pytest.mark.case("shell.line-editing", timeout=90)
def test_line_editing(nvos):
    with nvos.machine(boot="kernel", disks=[nvos.blank_disk()]) as m:
        m.wait_ready(rc=False)
        # Input is echoed once; backspace erases; quotes and escapes group words.
        m.send('echo "a  b" c\\ d \'e;f\' gX\x7f\r')
        m.expect(r"\n" + re.escape('a  b c d e;f g') + r"\n")
        m.expect(r"nvos> ")
        # LF alone, CRLF, and several commands on one line.
        m.send("echo one\n")
        m.expect(r"\none\nnvos> ")
        m.send("echo two; echo three\r\n")
        m.expect(r"\ntwo\nthree\nnvos> ")
        # The LF of the CRLF above must not have produced an empty command line.
        m.send("echo four\r")
        m.expect(r"^echo four\nfour\nnvos> ")
        # Ctrl-U kills the line; Ctrl-C abandons it.
        m.send("garbage\x15echo five\r")
        m.expect(r"\nfive\nnvos> ")
        # UTF-8 is text: echoed, and erased a whole character per backspace.
        m.send("echo Ünï日\x7f本\r")
        m.expect(r"\nÜnï本\nnvos> ")
        m.send("half a line\x03")
        m.expect(r"\^C\nnvos> ")
        # Errors: one line, starting "error:"; the shell stays usable.
        out = m.command("nosuchcommand arg")
        assert re.search(r"^error: unknown command 'nosuchcommand' \(try 'help'\)$", out,
                         re.M), out
        out = m.command('echo "unterminated')
        assert re.search(r"^error: unterminated quote", out, re.M), out
        out = m.command("lspci --bogus")
        assert re.search(r"^error: usage: lspci \[-v\]$", out, re.M), out
        out = m.command("help")
        for cmd in ("help", "lspci", "mem", "uptime", "poweroff", "reboot"):
            assert re.search(rf"^  {cmd} ", out, re.M), f"{cmd} not in help:\n{out}"
        # poweroff without a code reports that commands failed: code 1.
        assert m.poweroff() == status_of(1)


@pytest.mark.case("boot-commands.{boot}", timeout=120)
@pytest.mark.parametrize("boot", PATHS)
def test_boot_commands(nvos, boot):
    cmdline = 'run="echo hello world; lspci; echo \\"quoted; semicolon\\"; poweroff 7"'
    with nvos.machine(boot=boot, machine="q35", disks=[nvos.blank_disk()], cmdline=cmdline) as m:
        st = m.wait_exit(90)
        assert "nvos> echo hello world\nhello world\n" in m.buf, m.buf
        assert re.search(r"nvos> lspci\n(.*\n)*00:[0-9a-f]{2}\.0 1b36:0010 class 010802", m.buf)
        assert 'quoted; semicolon\n' in m.buf, m.buf
        assert "nvos> poweroff 7\n" in m.buf, m.buf
        assert st == status_of(7)
        assert m.buf.count("READY nvos ") == 1, "READY once, before the boot commands"


PF = (r"FATAL: unexpected exception 14 \(#PF page fault\), error code 0x0\n"
      r"  page fault: not-present page on read in kernel mode")
FAULTS = [
    pytest.param("kernel", "pf", PF, QEMU_EXCEPTION_STATUS, id="pf.kernel"),
    pytest.param("kernel", "ud", r"FATAL: unexpected exception 6 \(#UD invalid opcode\)",
                 QEMU_EXCEPTION_STATUS, id="ud.kernel"),
    pytest.param("kernel", "gp", r"FATAL: unexpected exception 13 \(#GP general protection\)",
                 QEMU_EXCEPTION_STATUS, id="gp.kernel"),
    pytest.param("kernel", "de", r"FATAL: unexpected exception 0 \(#DE divide error\)",
                 QEMU_EXCEPTION_STATUS, id="de.kernel"),
    pytest.param("kernel", "stack", r"FATAL: unexpected exception 8 \(#DF double fault\)",
                 QEMU_EXCEPTION_STATUS, id="stack.kernel"),
    pytest.param("kernel", "panic", r"PANIC: deliberate panic from the shell", QEMU_PANIC_STATUS,
                 id="panic.kernel"),
    pytest.param("uefi", "pf", r"FATAL: unexpected exception 14 \(#PF page fault\)",
                 QEMU_EXCEPTION_STATUS, id="pf.uefi"),
    pytest.param("grub-uefi", "ud", r"FATAL: unexpected exception 6 \(#UD invalid opcode\)",
                 QEMU_EXCEPTION_STATUS, id="ud.grub-uefi"),
]


@pytest.mark.case("fault.{kind}.{boot}", timeout=120)
@pytest.mark.parametrize("boot,kind,pattern,want", FAULTS)
def test_fault(nvos, boot, kind, pattern, want):
    with nvos.machine(boot=boot, machine="q35", disks=[nvos.blank_disk()]) as m:
        m.wait_ready()
        m.send(f"fault {kind}\r")
        st = m.wait_exit(60)
        assert re.search(pattern, m.buf), f"fault report:\n{m.tail()}"
        if kind != "panic":
            assert re.search(r"RIP=[0-9a-f]{16} CS=0008", m.buf), "register dump"
            assert re.search(r"CR2=[0-9a-f]{16}", m.buf), "register dump"
        assert "backtrace" in m.buf, "fault report"
        assert st == want, f"QEMU exit status {st}, expected {want}"
