"""nvosqemu - boot nvos in QEMU and talk to its serial shell.

Used by `tools/nvos run` and by the QEMU tests (tests/qemu). Python standard
library only.

    with Machine(boot="kernel", machine="q35", disks=[Disk("build/disk.img")]) as m:
        m.wait_prompt()
        out = m.command("lspci")          # text between the echo and the next prompt
        status = m.poweroff(0)            # QEMU's exit status (2*code+1)

Boot paths ("boot="):
    kernel      SeaBIOS, QEMU -kernel build/nvos.elf (multiboot1)
    grub-bios   SeaBIOS, GRUB ISO (multiboot2)
    grub-uefi   OVMF, GRUB ISO (multiboot2)
    uefi        OVMF, ESP image with BOOTX64.EFI
Every QEMU run is under a hard timeout; the guest's serial console is QEMU's
stdin/stdout. All output is kept (ANSI escapes removed) and can be written to
a log file.
"""
import codecs
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROMPT = "nvos> "
ANSI = re.compile(r"\x1b(\[[0-9;=?]*[A-Za-z]|[()][A-Z0-9]|[=>c])")
OVMF_CANDIDATES = ["/usr/share/ovmf/OVMF.fd", "/usr/share/qemu/OVMF.fd"]
BOOTS = ("kernel", "grub-bios", "grub-uefi", "uefi")
QEMU_PANIC_STATUS = 2 * 0x70 + 1
QEMU_EXCEPTION_STATUS = 2 * 0x71 + 1


class QemuError(Exception):
    pass


class Disk:
    """An NVMe namespace backing: a file, or a raw -drive option string."""

    def __init__(self, path=None, drive_opts=None, serial=None, block_size=None,
                 nvme_opts="", ns_opts="", snapshot=False):
        self.path = path
        self.drive_opts = drive_opts
        self.serial = serial
        self.block_size = block_size
        self.nvme_opts = nvme_opts
        self.ns_opts = ns_opts
        self.snapshot = snapshot


def find_ovmf():
    for p in OVMF_CANDIDATES:
        if os.path.exists(p):
            return p
    raise QemuError("OVMF firmware not found (install the 'ovmf' package)")


def build_dir():
    return os.environ.get("NVOS_BUILD", os.path.join(ROOT, "build"))


class Machine:
    def __init__(self, boot="kernel", machine="q35", disks=(), cmdline="", memory="512",
                 extra=(), timeout=120, log=None, trace_file=None, accel=None,
                 kernel=None, iso=None, esp=None, controllers=None, stream=None, prefix=()):
        if boot not in BOOTS:
            raise QemuError(f"unknown boot path '{boot}' (one of {', '.join(BOOTS)})")
        self.boot = boot
        self.machine = machine
        self.disks = list(disks)
        self.controllers = controllers
        self.cmdline = cmdline
        self.memory = memory
        self.extra = list(extra)
        self.timeout = timeout
        self.log_path = log
        self.trace_file = trace_file
        self.accel = accel or os.environ.get("NVOS_ACCEL", "tcg")
        b = build_dir()
        self.kernel = kernel or os.path.join(b, "nvos.elf")
        self.iso = iso or os.path.join(b, "nvos.iso")
        self.esp = esp or os.path.join(b, "nvos-esp.img")
        self.proc = None
        self.buf = ""
        self.pos = 0  # consumed up to here by expect()
        self.lock = threading.Condition()
        self.reader = None
        self.tmpdir = None
        self.deadline = None
        self.exit_status = None
        self.stream = stream  # file to echo all output to, as it arrives
        self.prefix = list(prefix)  # e.g. ["taskset", "-c", "1"]: run QEMU under this

    # ---- command line -------------------------------------------------------
    def qemu_args(self):
        a = ["qemu-system-x86_64", "-machine", self.machine, "-accel", self.accel,
             "-m", str(self.memory), "-display", "none", "-serial", "stdio",
             "-monitor", "none", "-nic", "none", "-no-reboot",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        if os.environ.get("NVOS_SMP"):  # e.g. NVOS_SMP=4: every run with 4 CPUs
            a += ["-smp", os.environ["NVOS_SMP"]]
        if self.boot == "kernel":
            a += ["-kernel", self.kernel]
            if self.cmdline:
                a += ["-append", self.cmdline]
        elif self.boot in ("grub-bios", "grub-uefi"):
            iso = self.iso
            if self.cmdline:
                iso = os.path.join(self.tmpdir, "nvos.iso")
                subprocess.run([os.path.join(ROOT, "tools", "mkiso.sh"), self.kernel, iso,
                                self.cmdline], check=True)
            # CD first: SeaBIOS would otherwise boot an NVMe disk whose block 0
            # carries 55 AA (any MBR or GPT disk, the demo disk included).
            a += ["-drive", f"file={iso},media=cdrom,if=ide,readonly=on", "-boot", "order=d"]
            if self.boot == "grub-uefi":
                a += ["-bios", find_ovmf()]
        else:
            esp = os.path.join(self.tmpdir, "esp.img")
            shutil.copyfile(self.esp, esp)
            if self.cmdline:
                f = os.path.join(self.tmpdir, "cmdline.txt")
                with open(f, "w") as fh:
                    fh.write(self.cmdline + "\n")
                env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
                subprocess.run(["mcopy", "-o", "-i", esp, f, "::/nvos/cmdline.txt"],
                               check=True, env=env)
            a += ["-bios", find_ovmf(), "-drive", f"file={esp},if=ide,format=raw"]
        a += self.nvme_args()
        if self.trace_file:
            a += ["-trace", "pci_nvme_*", "-D", self.trace_file]
        return a + self.extra

    def nvme_args(self):
        """One controller per disk unless `controllers` groups them."""
        a = []
        groups = self.controllers if self.controllers is not None else [[d] for d in self.disks]
        for ci, group in enumerate(groups):
            ctrl = f"nvme{ci}"
            serial = group[0].serial or f"nvos{ci}"
            opts = group[0].nvme_opts
            single = len(group) == 1 and not group[0].ns_opts and not group[0].block_size
            for ni, d in enumerate(group):
                did = f"d{ci}_{ni}"
                if d.drive_opts:
                    drive = f"{d.drive_opts},if=none,id={did}"
                else:
                    drive = f"file={d.path},if=none,id={did},format=raw"
                    if d.snapshot:
                        drive += ",snapshot=on"
                a += ["-drive", drive]
            if single:
                a += ["-device", f"nvme,id={ctrl},serial={serial},drive=d{ci}_0"
                      + (f",{opts}" if opts else "")]
            else:
                a += ["-device", f"nvme,id={ctrl},serial={serial}" + (f",{opts}" if opts else "")]
                for ni, d in enumerate(group):
                    ns = f"nvme-ns,bus={ctrl},drive=d{ci}_{ni}"
                    if "nsid=" not in d.ns_opts:
                        ns += f",nsid={ni + 1}"
                    if d.block_size:
                        ns += f",logical_block_size={d.block_size},physical_block_size={d.block_size}"
                    if d.ns_opts:
                        ns += "," + d.ns_opts
                    a += ["-device", ns]
        return a

    # ---- process ----------------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        self.tmpdir = tempfile.mkdtemp(prefix="nvos-qemu-")
        args = self.prefix + self.qemu_args()
        self.cmd = args
        self.deadline = time.monotonic() + self.timeout
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        fd = self.proc.stdout.fileno()
        # Incremental: a UTF-8 sequence (the citations' "§") may straddle reads.
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            text = pending + decoder.decode(chunk)
            # Keep an incomplete escape sequence for the next chunk.
            cut = len(text)
            esc = text.rfind("\x1b")
            if esc >= 0 and len(text) - esc < 16 and not ANSI.match(text, esc):
                cut = esc
            pending = text[cut:]
            clean = ANSI.sub("", text[:cut]).replace("\r\n", "\n").replace("\r", "")
            with self.lock:
                self.buf += clean
                self.lock.notify_all()
            if self.stream:
                self.stream.write(clean)
                self.stream.flush()
        with self.lock:
            self.buf += ANSI.sub("", pending + decoder.decode(b"", final=True))
            self.lock.notify_all()

    def remaining(self):
        return self.deadline - time.monotonic()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()

    def close(self):
        self.kill()
        if self.reader:
            self.reader.join(timeout=5)
        if self.log_path:
            os.makedirs(os.path.dirname(os.path.abspath(self.log_path)), exist_ok=True)
            with open(self.log_path, "w") as f:
                f.write("$ " + " ".join(self.cmd) + "\n")
                f.write(self.buf)
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    # ---- interaction ------------------------------------------------------------
    def expect(self, pattern, timeout=60):
        """Waits for regex `pattern` in output not yet consumed; returns the match.
        Consumes output up to the end of the match."""
        rx = re.compile(pattern)
        end = time.monotonic() + min(timeout, max(self.remaining(), 0))
        with self.lock:
            while True:
                m = rx.search(self.buf, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                if self.proc.poll() is not None and not self.reader.is_alive():
                    raise QemuError(f"QEMU exited (status {self.proc.returncode}) while "
                                    f"waiting for {pattern!r}; last output:\n{self.tail()}")
                left = end - time.monotonic()
                if left <= 0:
                    raise QemuError(f"timed out waiting for {pattern!r}; last output:\n"
                                    f"{self.tail()}")
                self.lock.wait(min(left, 0.2))

    def tail(self, n=2000):
        return self.buf[-n:]

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def wait_prompt(self, timeout=90):
        """Waits for the first prompt after boot."""
        self.expect(r"(^|\n)" + re.escape(PROMPT), timeout)

    def command(self, line, timeout=60):
        """Types `line`, waits for the next prompt, returns the output between."""
        self.send(line + "\r")
        self.expect(re.escape(line) + r"\n", timeout)
        start = self.pos
        self.expect(r"(^|\n)" + re.escape(PROMPT), timeout)
        with self.lock:
            out = self.buf[start:self.pos]
        return out[: -len(PROMPT)] if out.endswith(PROMPT) else out

    def wait_exit(self, timeout=60):
        end = time.monotonic() + min(timeout, max(self.remaining(), 0))
        while self.proc.poll() is None:
            if time.monotonic() > end:
                raise QemuError(f"QEMU did not exit; last output:\n{self.tail()}")
            time.sleep(0.05)
        self.reader.join(timeout=5)
        self.exit_status = self.proc.returncode
        return self.exit_status

    def poweroff(self, code=None, timeout=60):
        """Powers the guest off; returns QEMU's exit status (2*code+1)."""
        self.send(("poweroff" if code is None else f"poweroff {code}") + "\r")
        return self.wait_exit(timeout)


def guest_code(status):
    """The guest's poweroff code from QEMU's exit status, or None if not from isa-debug-exit."""
    if status is not None and status > 0 and status % 2 == 1:
        return (status - 1) // 2
    return None


def _cli():
    """`tools/nvos run` backend: interactive (a terminal) or demo (a pipe)."""
    import argparse
    import sys
    ap = argparse.ArgumentParser(prog="nvosqemu")
    ap.add_argument("mode", choices=("interactive", "demo"))
    ap.add_argument("--boot", default="kernel", choices=BOOTS)
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--disk", default=os.path.join(build_dir(), "disk.img"))
    ap.add_argument("--memory", default="512")
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--cmdline", default="")
    ap.add_argument("--demo-script", default=os.path.join(ROOT, "tools", "demo.nvos"))
    ap.add_argument("--timeout", type=int, default=600)
    argv = sys.argv[1:]
    qemu_args = argv[argv.index("--") + 1:] if "--" in argv else []
    a = ap.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    a.qemu_args = qemu_args
    disks = [Disk(a.disk)] if a.disk else []
    m = Machine(boot=a.boot, machine=a.machine, disks=disks, cmdline=a.cmdline, memory=a.memory,
                extra=a.qemu_args, accel=a.accel, timeout=a.timeout,
                stream=sys.stdout if a.mode == "demo" else None)
    if a.mode == "interactive":
        m.tmpdir = tempfile.mkdtemp(prefix="nvos-qemu-")
        args = m.qemu_args()
        # The serial port is the terminal; Ctrl-A X quits, Ctrl-A C is QEMU's monitor.
        args[args.index("-serial") + 1] = "mon:stdio"
        del args[args.index("-monitor"):args.index("-monitor") + 2]
        print("nvos: " + " ".join(args), file=sys.stderr)
        print("nvos: quit with Ctrl-A X", file=sys.stderr)
        return subprocess.call(args)
    commands = []
    # With boot commands (run=...) on the command line they are the demo: the
    # script is skipped, and "poweroff" is typed ahead; the shell reads it
    # once the boot commands are done, unless they power off first.
    boot_commands = any(w.startswith("run=") for w in a.cmdline.split())
    if not boot_commands:
        with open(a.demo_script) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    commands.append(line)
    with m:
        m.wait_prompt()
        for c in commands:
            m.command(c, timeout=300)
        m.send("poweroff\r")
        status = m.wait_exit(a.timeout if boot_commands else 120)
    code = guest_code(status)
    if code is None:
        print(f"\nnvos: QEMU exited with status {status}, not through poweroff", file=sys.stderr)
        return 125
    return code


if __name__ == "__main__":
    import sys
    sys.exit(_cli())
