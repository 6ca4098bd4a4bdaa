"""nvoslib.qemu - boot nvos in QEMU with its serial console on a pexpect pty.

    with Machine(boot="kernel", machine="q35", disks=[Disk("build/disk.img")]) as m:
        m.wait_ready()                    # READY line, prompt, "set rc on"
        out = m.check("lspci")            # output; raises unless rc=0
        status = m.poweroff(0)            # QEMU's exit status (2*code+1)

Machine is a nvoslib.console.Console, so everything there works on it.
With qmp=True QEMU also listens on a QMP socket and m.qmp() is a connected
nvoslib.qmp.Qmp (keys, input events, screendump, quit). m.kill() ends QEMU
at once (SIGKILL), as a crash of the host process would.

Boot paths ("boot="):
    kernel      SeaBIOS, QEMU -kernel build/nvos.elf (multiboot1)
    grub-bios   SeaBIOS, GRUB ISO (multiboot2)
    grub-uefi   OVMF, GRUB ISO (multiboot2)
    uefi        OVMF, ESP image with BOOTX64.EFI
Every QEMU run is under a hard timeout; the guest's serial console is QEMU's
stdin/stdout, a pty. The transcript can be written to a log file on close.

serial= "stdio" (that pty, the default); "none" (-serial none: no COM1 at
all, the machine is driven over QMP, nvoslib.screen); "ringbuf" (COM1 kept by
QEMU in a 16 MiB ring, read with ringbuf_read(); needs qmp=True). With
debug_exit=False there is no isa-debug-exit device: poweroff and panics halt
the machine instead of ending QEMU.
"""
import base64
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pexpect

from nvoslib.console import Console, ConsoleError, CleanSpawn
from nvoslib.qmp import Qmp

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OVMF_CANDIDATES = ["/usr/share/ovmf/OVMF.fd", "/usr/share/qemu/OVMF.fd"]
BOOTS = ("kernel", "grub-bios", "grub-uefi", "uefi")
# What the kernel's READY line says for each boot path (boot=<method>).
BOOT_METHOD = {"kernel": "multiboot1", "grub-bios": "multiboot2", "grub-uefi": "multiboot2",
               "uefi": "UEFI"}
QEMU_PANIC_STATUS = 2 * 0x70 + 1
QEMU_EXCEPTION_STATUS = 2 * 0x71 + 1


class QemuError(ConsoleError):
    pass


def status_of(code):
    """QEMU's exit status for guest poweroff code `code` (isa-debug-exit)."""
    return 2 * code + 1


def guest_code(status):
    """The guest's poweroff code from QEMU's exit status, or None if not from isa-debug-exit."""
    if status is not None and status > 0 and status % 2 == 1:
        return (status - 1) // 2
    return None


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


class Machine(Console):
    def __init__(self, boot="kernel", machine="q35", disks=(), cmdline="", memory="512",
                 extra=(), timeout=120, log=None, trace_file=None, accel=None,
                 kernel=None, iso=None, esp=None, controllers=None, stream=None, prefix=(),
                 reboot=False, qmp=False, serial="stdio", debug_exit=True):
        if boot not in BOOTS:
            raise QemuError(f"unknown boot path '{boot}' (one of {', '.join(BOOTS)})")
        if serial not in ("stdio", "none", "ringbuf"):
            raise QemuError(f"serial={serial!r}: one of stdio, none, ringbuf")
        if serial == "ringbuf" and not qmp:
            raise QemuError("serial='ringbuf' is read over QMP: qmp=True")
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
        super().__init__()
        self.stream = stream  # file to echo all output to, as it arrives
        self.prefix = list(prefix)  # e.g. ["taskset", "-c", "1"]: run QEMU under this
        self.reboot = reboot  # False: a guest reboot ends QEMU (-no-reboot)
        self.qmp_enabled = qmp  # -qmp on a unix socket in tmpdir
        self.serial = serial
        self.debug_exit = debug_exit
        self.qmp_path = None
        self._qmp = None
        self.tmpdir = None
        self.cmd = None
        self.exit_status = None

    # ---- command line -------------------------------------------------------
    def qemu_args(self):
        a = ["qemu-system-x86_64", "-machine", self.machine, "-accel", self.accel,
             "-m", str(self.memory), "-display", "none", "-monitor", "none", "-nic", "none"]
        if self.serial == "stdio":
            # signal=off: a Ctrl-C typed to the guest must not stop QEMU.
            a += ["-chardev", "stdio,id=console,signal=off", "-serial", "chardev:console"]
        elif self.serial == "ringbuf":
            a += ["-chardev", "ringbuf,id=com1,size=16M", "-serial", "chardev:com1"]
        else:
            a += ["-serial", "none"]
        if self.debug_exit:
            a += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        if not self.reboot:
            a.append("-no-reboot")
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
        if self.qmp_enabled:
            self.qmp_path = os.path.join(self.tmpdir, "qmp.sock")
            a += ["-qmp", f"unix:{self.qmp_path},server=on,wait=off"]
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
        self.cmd = self.prefix + self.qemu_args()
        self.deadline = time.monotonic() + self.timeout
        self.spawn = CleanSpawn(self.cmd, stream=self.stream, timeout=self.timeout,
                                maxread=65536)

    def qmp(self, timeout=30):
        """The machine's QMP connection (Machine(qmp=True)), made at the first
        call; closed with the machine."""
        if not self.qmp_enabled:
            raise QemuError("no QMP socket: create the Machine with qmp=True")
        if self.spawn is None:
            raise QemuError("QMP before start()")
        if self._qmp is None:
            self._qmp = Qmp(self.qmp_path, timeout=timeout)
        return self._qmp

    def ringbuf_read(self):
        """What COM1 printed since the last call (serial="ringbuf"), as bytes."""
        if self.serial != "ringbuf":
            raise QemuError("ringbuf_read: the machine's serial is " + self.serial)
        data = self.qmp().execute("ringbuf-read", device="com1", size=16 << 20, format="base64")
        return base64.b64decode(data)

    def alive(self):
        """Whether QEMU is still running."""
        return self.spawn is not None and self.spawn.isalive()

    def kill(self, timeout=5):
        """Ends QEMU at once: SIGKILL to its process group, no orderly exit
        (what the guest wrote is in the image file as far as QEMU had passed
        it to the host). Returns what the guest printed that no expect had
        consumed yet, the console read to its end."""
        if self.spawn is None or self.spawn.closed:
            return ""
        if self.spawn.isalive():
            try:
                os.killpg(self.spawn.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.spawn.wait()
        # The pty still holds what QEMU wrote before it died: read it to EOF.
        try:
            self.spawn.expect(pexpect.EOF, timeout=timeout)
        except pexpect.TIMEOUT:
            pass
        rest = self.spawn.before if isinstance(self.spawn.before, str) else ""
        self.spawn.before = ""
        return rest

    def close(self):
        if self._qmp is not None:
            self._qmp.close()
            self._qmp = None
        self.kill()
        if self.spawn is not None:
            self.spawn.close(force=True)
        if self.log_path and self.cmd:
            os.makedirs(os.path.dirname(os.path.abspath(self.log_path)), exist_ok=True)
            with open(self.log_path, "w") as f:
                f.write("$ " + " ".join(self.cmd) + "\n")
                f.write(self.buf)
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def _exit_status(self):
        self.spawn.wait()
        st = self.spawn.exitstatus
        self.exit_status = st if st is not None else -self.spawn.signalstatus
        return self.exit_status

    def poweroff(self, code=None, timeout=60):
        """Powers the guest off; returns QEMU's exit status (2*code+1)."""
        self.send(("poweroff" if code is None else f"poweroff {code}") + "\r")
        return self.wait_exit(timeout)
