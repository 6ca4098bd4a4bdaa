"""QEMU cases: boot paths, PCI enumeration, the shell, boot commands, faults."""
import os
import re

from harness import case, check, check_in, check_not_in, check_re, check_status
from nvosqemu import Disk

MACHINES = ("q35", "pc")
PATHS = ("kernel", "grub-bios", "grub-uefi", "uefi")
NVME_LINE = r"^(\S+) 1b36:0010 class 010802 NVMe controller$"


def blank_disk(ctx, size_mib=64):
    path = os.path.join(ctx.images, "blank.img")
    os.makedirs(ctx.images, exist_ok=True)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.truncate(size_mib << 20)
    return Disk(path, snapshot=True)


def lspci_file(ctx, path, machine):
    return os.path.join(ctx.logdir, f"lspci.{path}.{machine}.txt")


def make_boot_case(path, machine):
    @case(f"boot.{path}.{machine}", timeout=120, setup=f"lspci_{machine}")
    def run(ctx):
        with ctx.machine(boot=path, machine=machine, disks=[blank_disk(ctx)]) as m:
            m.wait_prompt()
            out = m.command("lspci")
            check_re(NVME_LINE, out, "lspci")
            for line in out.strip().splitlines():
                check_re(r"^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] [0-9a-f]{4}:[0-9a-f]{4} class [0-9a-f]{6} ",
                         line, "an lspci line")
            with open(lspci_file(ctx, path, machine), "w") as f:
                f.write(out)
            verbose = m.command("lspci -v")
            check_re(r"BAR0 memory 64-bit at 0x[0-9a-f]+, 16 KiB", verbose, "lspci -v")
            check_re(r"capability 0x40: MSI-X \(id 11\), 65 vectors, table BAR0\+0x2000", verbose,
                     "lspci -v")
            check_in("PCI Express (id 10)", verbose, "lspci -v")
            mem = m.command("mem")
            check_re(r"^usable: \d", mem, "mem")
            check_re(r"^  [0-9a-f]{16}-[0-9a-f]{16} +\S+ \S+ kernel$", mem, "mem")
            up = m.command("uptime")
            check_re(r"^uptime: \d+\.\d{6} s \(TSC \d+ kHz, calibrated against \w+", up, "uptime")
            info = m.command("bootinfo")
            want = {"kernel": "multiboot1", "grub-bios": "multiboot2", "grub-uefi": "multiboot2",
                    "uefi": "UEFI"}[path]
            check_in(f"method: {want}", info, "bootinfo")
            if machine == "q35":
                check_in("pci: ECAM at 0xb0000000 (segment 0, buses 0-255)", m.buf, "boot log")
            else:
                check_in("pci: no MCFG table; using configuration mechanism #1", m.buf, "boot log")
            check_status(m.poweroff(0), 0)
    return run


for p in PATHS:
    for mach in MACHINES:
        make_boot_case(p, mach)


def make_consistency_case(machine):
    @case(f"lspci-same-on-all-paths.{machine}", timeout=30, requires=f"lspci_{machine}")
    def run(ctx):
        listings = {}
        for p in PATHS:
            f = lspci_file(ctx, p, machine)
            check(os.path.exists(f), f"{f} missing: boot.{p}.{machine} did not record lspci")
            listings[p] = open(f).read()
        ref = listings["kernel"]
        for p, text in listings.items():
            check(text == ref, f"lspci on {p} differs from -kernel on {machine}:\n{text}\nvs\n{ref}")
    return run


for mach in MACHINES:
    make_consistency_case(mach)


@case("shell.line-editing", timeout=90)
def shell_line_editing(ctx):
    with ctx.machine(boot="kernel", disks=[blank_disk(ctx)]) as m:
        m.wait_prompt()
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
        out = m.expect(r"echo four\nfour\nnvos> ")
        check(out is not None, "CRLF handling")
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
        check_re(r"^error: unknown command 'nosuchcommand' \(try 'help'\)$", out)
        out = m.command('echo "unterminated')
        check_re(r"^error: unterminated quote", out)
        out = m.command("lspci --bogus")
        check_re(r"^error: usage: lspci \[-v\]$", out)
        out = m.command("help")
        for cmd in ("help", "lspci", "mem", "uptime", "poweroff", "reboot"):
            check_re(rf"^  {cmd} ", out, "help")
        # poweroff without a code reports that commands failed: code 1.
        check_status(m.poweroff(), 1)


def make_run_case(path):
    @case(f"boot-commands.{path}", timeout=120)
    def run(ctx):
        cmdline = 'run="echo hello world; lspci; echo \\"quoted; semicolon\\"; poweroff 7"'
        with ctx.machine(boot=path, machine="q35", disks=[blank_disk(ctx)], cmdline=cmdline) as m:
            status = m.wait_exit(90)
            check_in("nvos> echo hello world\nhello world\n", m.buf, "transcript")
            check_re(r"nvos> lspci\n(.*\n)*00:[0-9a-f]{2}\.0 1b36:0010 class 010802", m.buf,
                     "transcript")
            check_in('quoted; semicolon\n', m.buf, "transcript")
            check_in("nvos> poweroff 7\n", m.buf, "transcript")
            check_status(status, 7)
    return run


for p in PATHS:
    make_run_case(p)


def make_fault_case(path, kind, pattern, status):
    @case(f"fault.{kind}.{path}", timeout=120)
    def run(ctx):
        with ctx.machine(boot=path, machine="q35", disks=[blank_disk(ctx)]) as m:
            m.wait_prompt()
            m.send(f"fault {kind}\r")
            st = m.wait_exit(60)
            check_re(pattern, m.buf, "fault report")
            if kind != "panic":
                check_re(r"RIP=[0-9a-f]{16} CS=0008", m.buf, "register dump")
                check_re(r"CR2=[0-9a-f]{16}", m.buf, "register dump")
            check_in("backtrace", m.buf, "fault report")
            check(st == status, f"QEMU exit status {st}, expected {status}")
    return run


EXC = 2 * 0x71 + 1
PANIC = 2 * 0x70 + 1
make_fault_case("kernel", "pf", r"FATAL: unexpected exception 14 \(#PF page fault\), error code 0x0\n"
                r"  page fault: not-present page on read in kernel mode", EXC)
make_fault_case("kernel", "ud", r"FATAL: unexpected exception 6 \(#UD invalid opcode\)", EXC)
make_fault_case("kernel", "gp", r"FATAL: unexpected exception 13 \(#GP general protection\)", EXC)
make_fault_case("kernel", "de", r"FATAL: unexpected exception 0 \(#DE divide error\)", EXC)
make_fault_case("kernel", "stack", r"FATAL: unexpected exception 8 \(#DF double fault\)", EXC)
make_fault_case("kernel", "panic", r"PANIC: deliberate panic from the shell", PANIC)
make_fault_case("uefi", "pf", r"FATAL: unexpected exception 14 \(#PF page fault\)", EXC)
make_fault_case("grub-uefi", "ud", r"FATAL: unexpected exception 6 \(#UD invalid opcode\)", EXC)
