"""QEMU test: nvme-cli fidelity (issue 12): the same nvme-cli commands on the
same QEMU device, run by Linux (Debian's kernel and nvme-cli 2.3) and by nvos,
compared field by field, text and JSON.

Linux boots from Debian's linux-image-cloud-amd64 kernel with an initramfs
built here from the host's own nvme binary, the shared libraries ldd lists
and busybox-static; its /init runs COMMANDS between markers and powers off
(LinuxGuest: its serial console on pexpect, like nvos's). nvos boots
build/nvos.elf. Both get exactly the same -drive and -device nvme options
(device_args) and run under TCG (a Linux guest does not boot under this
machine's kvm_pvm).

Fields that legitimately differ between the two boots are named in VARIES:
counters of the I/O each host did (Linux reads the partition table, nvos
its own probes), the controller's clock, and the features each host
configures for itself. Everything else must match exactly, key order and
value types included.

Missing packages are a failure, not a skip: `tools/nvos deps` installs them.
Both transcripts, command by command, are written to
<build>/test-logs/nvmecli.compare.{linux,nvos}.txt.
"""
import glob
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import time

import pytest

from nvoslib.console import CleanSpawn, Console, ConsoleError
from nvoslib.qemu import status_of as qemu_status_of

NVME_CLI = "/usr/sbin/nvme"
BUSYBOX = "/bin/busybox"
PACKAGES = "nvme-cli linux-image-cloud-amd64 busybox-static"

# The commands, in nvme-cli's spelling; nvos takes them as they are.
COMMANDS = [
    "nvme list",
    "nvme list -o json",
    "nvme list -v",
    "nvme list -v -o json",
    "nvme id-ctrl /dev/nvme0",
    "nvme id-ctrl /dev/nvme0 -o json",
    "nvme id-ctrl /dev/nvme0 -v",
    "nvme id-ctrl /dev/nvme0 -H",
    "nvme id-ns /dev/nvme0n1",
    "nvme id-ns /dev/nvme0n1 -o json",
    "nvme id-ns /dev/nvme0n1 -H",
    "nvme id-ns /dev/ng0n1",
    "nvme id-ns /dev/nvme0 -n 1 -o json",
    "nvme smart-log /dev/nvme0",
    "nvme smart-log /dev/nvme0 -o json",
    "nvme smart-log /dev/nvme0 -H",
    "nvme smart-log /dev/nvme0 -H -o json",
    "nvme error-log /dev/nvme0",
    "nvme error-log /dev/nvme0 -o json",
] + [f"nvme get-feature /dev/nvme0 -f {fid:#x}" for fid in
     (0x1, 0x2, 0x4, 0x6, 0x7, 0x8, 0xa, 0xb, 0xe, 0x16)] + [
    "nvme get-feature /dev/nvme0 -f 4 -H",
    "nvme get-feature /dev/nvme0 -f 4 -s 1 -H",
    "nvme get-feature /dev/nvme0 -f 7 -s 3",
    "nvme get-feature /dev/nvme0 -f 9 -c 1 -H",
    "nvme get-feature /dev/nvme0n1 -f 5 -H",
    "nvme get-feature /dev/nvme0 --feature-id=6 --human-readable",
    "nvme get-feature /dev/nvme0 -f 1 -H",
    "nvme get-feature /dev/nvme0 -f 2 -H",
    "nvme get-feature /dev/nvme0 -f 8 -H",
    "nvme get-feature /dev/nvme0 -f 0xa -H",
    "nvme get-feature /dev/nvme0 -f 7 -H",
]
# Commands whose failure is the expected result: both must fail with the same
# NVMe status (nvme-cli's "(0x400b)", nvos's "sct=0x0 sc=0x0b dnr=1").
FAILS = [
    "nvme get-feature /dev/nvme0 -f 0xf",  # Keep Alive Timer: not in QEMU 7.2
    "nvme get-feature /dev/nvme0 -f 0x5",  # Error Recovery is per namespace: NSID FFFFFFFFh
]

# Per command prefix: (pattern, why). In a text line matching the pattern,
# what follows group 1 is replaced before comparing; in JSON, a key equal to
# the pattern is skipped.
VARIES = {
    "nvme smart-log": [
        (r"(data_units_read)", "I/O the host did since the controller was created"),
        (r"(data_units_written)", "I/O the host did"),
        (r"(Data Units Read\s*:)", "I/O the host did"),
        (r"(Data Units Written\s*:)", "I/O the host did"),
        (r"(host_read_commands\s*:?)", "I/O the host did"),
        (r"(host_write_commands\s*:?)", "I/O the host did"),
        (r"(controller_busy_time\s*:?)", "time the host kept it busy"),
        (r"(power_on_hours\s*:?)", "virtual time since the controller was created"),
        (r"(temperature\s*:?)", "a real drive's temperature changes (QEMU: a constant 323 K)"),
    ],
    "nvme get-feature /dev/nvme0 -f 0xb": [
        (r"(get-feature:.*value:)", "Asynchronous Event Configuration: what each host enabled"),
    ],
    "nvme get-feature /dev/nvme0 -f 0xe": [
        (r"(get-feature:.*value:)", "Timestamp: the controller's clock"),
        (r"(0000:)", "Timestamp: the controller's clock (data)"),
    ],
    "nvme get-feature /dev/nvme0 -f 0x16": [
        (r"(0000:)", "Host Behavior Support: Linux sets LBAFEE (extended LBA formats)"),
    ],
}

# Deliberate differences, documented in docs/shell.md: (command prefix,
# pattern, why). As VARIES, but not about the boot.
DIFFERS = [
    ("nvme error-log", r"(status_field\s*: 0x[0-9a-f]+|status_field\s*: 0)\(",
     "libnvme's prose description of the status; nvos prints the spec's name"),
]

# Deliberate JSON differences, documented in docs/shell.md: (command, path
# pattern, key, why): Linux has the key at that path, nvos has not.
JSON_ABSENT = [
    ("nvme list -v -o json", r"/Devices\[\d+\]", "HostNQN",
     "nvos has no host NQN (it names a host to fabrics targets); Linux's is generated "
     "from the DMI product UUID"),
]


def json_absent(cmd, path):
    return {key for c, pat, key, _ in JSON_ABSENT if c == cmd and re.fullmatch(pat, path)}


def need(path, what):
    if not os.path.exists(path):
        raise AssertionError(f"{what} ({path}) is missing: install {PACKAGES} "
                      f"(tools/nvos deps does)")


def linux_kernel():
    kernels = sorted(glob.glob("/boot/vmlinuz-*-cloud-amd64"))
    if not kernels:
        raise AssertionError(f"no /boot/vmlinuz-*-cloud-amd64: install {PACKAGES} "
                      f"(tools/nvos deps does)")
    return kernels[-1]


INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
i=0
while [ ! -e /dev/nvme0n1 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
while read -r line; do
  echo "@@@CMD $line"
  $line 2>&1
  echo "@@@RC $?"
done < /commands
echo "@@@END"
poweroff -f
"""


def libs_of(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    return sorted(set(re.findall(r"(/\S+\.so[^\s]*)", out)))


def newc_entry(name, data=b"", mode=0o100644):
    """One cpio 'newc' record (the initramfs format)."""
    name_b = name.encode() + b"\0"
    fields = [0, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0]
    hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
    pad = lambda n: b"\0" * ((4 - n % 4) % 4)  # noqa: E731
    return hdr + name_b + pad(len(hdr) + len(name_b)) + data + pad(len(data))


def initramfs(build):
    """build/nvmecli-initramfs.cpio.gz, rebuilt when an input changes."""
    need(NVME_CLI, "nvme-cli")
    need(BUSYBOX, "busybox-static")
    files = {"/bin/busybox": BUSYBOX, "/bin/nvme": NVME_CLI}
    for lib in libs_of(NVME_CLI):
        files[lib] = lib
    key = hashlib.sha256(INIT.encode() + "\n".join(COMMANDS + FAILS).encode())
    for dst, src in sorted(files.items()):
        key.update(dst.encode())
        with open(src, "rb") as f:
            key.update(hashlib.sha256(f.read()).digest())
    path = os.path.join(build, "nvmecli-initramfs.cpio.gz")
    if os.path.exists(path) and open(path + ".key").read() == key.hexdigest():
        return path
    out = io.BytesIO()
    dirs = set()
    for dst in list(files) + ["/init", "/commands", "/proc/", "/sys/", "/dev/", "/tmp/"]:
        parts = dst.strip("/").split("/")
        for i in range(1, len(parts) + (dst.endswith("/") and 1 or 0)):
            dirs.add("/".join(parts[:i]))
    for d in sorted(dirs):
        out.write(newc_entry(d, mode=0o040755))
    for dst, src in sorted(files.items()):
        with open(src, "rb") as f:
            out.write(newc_entry(dst.lstrip("/"), f.read(), 0o100755))
    out.write(newc_entry("init", INIT.encode(), 0o100755))
    out.write(newc_entry("commands", ("\n".join(COMMANDS + FAILS) + "\n").encode()))
    out.write(newc_entry("TRAILER!!!"))
    with gzip.open(path + ".tmp", "wb", compresslevel=1) as f:
        f.write(out.getvalue())
    os.replace(path + ".tmp", path)
    with open(path + ".key", "w") as f:
        f.write(key.hexdigest())
    return path


def device_args(disk):
    """The one NVMe device both guests get."""
    return ["-drive", f"file={disk},if=none,id=nvm,format=raw,snapshot=on",
            "-device", "nvme,id=nvme0,serial=nvmecli-0042,drive=nvm"]


class LinuxGuest(Console):
    """Linux in QEMU running the initramfs's /init: its serial console on
    pexpect (nvoslib.console), under a hard deadline."""

    def __init__(self, kernel, initrd, extra, log, timeout=240):
        super().__init__()
        self.args = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-m", "512",
                     "-display", "none", "-chardev", "stdio,id=console,signal=off",
                     "-serial", "chardev:console", "-monitor", "none", "-nic", "none",
                     "-no-reboot", "-kernel", kernel, "-initrd", initrd,
                     "-append", "console=ttyS0 quiet loglevel=3 panic=-1"] + list(extra)
        self.log_path = log
        self.timeout = timeout

    def __enter__(self):
        self.deadline = time.monotonic() + self.timeout
        self.spawn = CleanSpawn(self.args, timeout=self.timeout, maxread=65536)
        return self

    def __exit__(self, *exc):
        if self.spawn.isalive():
            self.spawn.terminate(force=True)
        self.spawn.close(force=True)
        with open(self.log_path, "w") as f:
            f.write("$ " + " ".join(self.args) + "\n" + self.buf)

    def _exit_status(self):
        self.spawn.wait()
        return self.spawn.exitstatus

    def results(self):
        """Waits for /init's end marker and poweroff; returns {command: (output, rc)}."""
        try:
            self.expect(r"@@@END\n", self.timeout, fatal=False)
        except ConsoleError as e:
            raise AssertionError(f"Linux did not finish the commands; see {self.log_path}\n"
                                 f"{e}") from None
        self.wait_exit(30)
        results = {}
        for m in re.finditer(r"^@@@CMD ([^\n]*)\n(.*?)^@@@RC (\d+)$", self.buf, re.M | re.S):
            results[m.group(1)] = (m.group(2), int(m.group(3)))
        return results


def run_linux(build, disk, log):
    rd = initramfs(build)
    t0 = time.monotonic()
    with LinuxGuest(linux_kernel(), rd, device_args(disk), log) as g:
        results = g.results()
    print(f"linux: {time.monotonic() - t0:.1f} s", flush=True)
    return results


def run_nvos(nvos, disk):
    results = {}
    t0 = time.monotonic()
    with nvos.machine(boot="kernel", disks=[], extra=device_args(disk), timeout=240,
                      log=os.path.join(nvos.logdir, "nvmecli.compare.nvos.log")) as m:
        m.wait_ready()
        for cmd in COMMANDS + FAILS:
            out, rc = m.run(cmd, timeout=60)
            # Failed: rc=1 and one error: line; either alone is also a failure.
            results[cmd] = (out, 1 if rc != 0 or re.search(r"^error: ", out, re.M) else 0)
        assert m.poweroff(0) == qemu_status_of(0)
    print(f"nvos: {time.monotonic() - t0:.1f} s", flush=True)
    return results


def varying(cmd):
    pats = []
    for prefix, ps in VARIES.items():
        if cmd.startswith(prefix):
            pats += [p for p, _ in ps]
    pats += [p for prefix, p, _ in DIFFERS if cmd.startswith(prefix)]
    return pats


def text_fields(cmd, text):
    """Lines, with the values of varying fields masked."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = []
    for line in lines:
        for p in varying(cmd):
            m = re.match(r"^\s*" + p, line)
            if m:
                line = line[:m.end(1)] + " <masked>"
                break
        out.append(line)
    return out


def json_skipped(cmd):
    """JSON keys not compared: the VARIES patterns that are plain names."""
    return {re.sub(r"\\s\*:?\??", "", p).strip("()") for p in varying(cmd)}


def status_of(text):
    """The NVMe status value in a failure line, from either system."""
    m = re.search(r"\((0x[0-9a-f]+)\)\s*$", text)
    if m:
        return int(m.group(1), 16)
    m = re.search(r"sct=0x([0-9a-f]+) sc=0x([0-9a-f]+) dnr=(\d)", text)
    if m:
        return int(m.group(3)) << 14 | int(m.group(1), 16) << 8 | int(m.group(2), 16)
    return None


def compare_json(cmd, a, b, path="", errors=None):
    """Linux's a against nvos's b: keys, order, types, values."""
    errors = [] if errors is None else errors
    skip = json_skipped(cmd)
    if type(a) is not type(b):
        errors.append(f"{path or '/'}: type {type(a).__name__} (Linux) vs "
                      f"{type(b).__name__} (nvos)")
    elif isinstance(a, dict):
        absent = json_absent(cmd, path or "/")
        if [k for k in a if k not in absent] != list(b):
            errors.append(f"{path or '/'}: keys differ\n  Linux: {list(a)}\n  nvos:  {list(b)}")
        for k in a:
            if k in b and k not in skip and k not in absent:
                compare_json(cmd, a[k], b[k], f"{path}/{k}", errors)
    elif isinstance(a, list):
        if len(a) != len(b):
            errors.append(f"{path}: {len(a)} items (Linux) vs {len(b)} (nvos)")
        for i, (x, y) in enumerate(zip(a, b)):
            compare_json(cmd, x, y, f"{path}[{i}]", errors)
    elif a != b:
        errors.append(f"{path}: {a!r} (Linux) vs {b!r} (nvos)")
    return errors


def compare(linux, nvos):
    errors = []
    checked = 0
    for cmd in COMMANDS:
        if cmd not in linux:
            errors.append(f"{cmd}: Linux printed no result")
            continue
        (lt, lrc), (nt, nrc) = linux[cmd], nvos[cmd]
        if lrc != 0:
            errors.append(f"{cmd}: failed under Linux (rc {lrc}):\n{lt}")
            continue
        if nrc != 0:
            errors.append(f"{cmd}: failed under nvos:\n{nt}")
            continue
        if "-o json" in cmd:
            try:
                lj, nj = json.loads(lt), json.loads(nt)
            except ValueError as e:
                errors.append(f"{cmd}: not JSON ({e}):\nLinux:\n{lt}\nnvos:\n{nt}")
                continue
            errs = compare_json(cmd, lj, nj)
            errors += [f"{cmd}: {e}" for e in errs]
            # The layout too: json-c's pretty printing, masked values aside
            # (and the lines of scalar keys nvos deliberately has not).
            gone = tuple(f'"{key}":' for c, _, key, _ in JSON_ABSENT if c == cmd)
            lt = "".join(ln for ln in lt.splitlines(True) if not gone or
                         not ln.strip().startswith(gone))
            if not errs and not varying(cmd) and lt != nt:
                errors.append(f"{cmd}: same JSON, different layout:\nLinux:\n{lt}\nnvos:\n{nt}")
            checked += 1
            continue
        la, na = text_fields(cmd, lt), text_fields(cmd, nt)
        for i in range(max(len(la), len(na))):
            x = la[i] if i < len(la) else "<none>"
            y = na[i] if i < len(na) else "<none>"
            if x != y:
                errors.append(f"{cmd}: line {i + 1}:\n  Linux: {x!r}\n  nvos:  {y!r}")
                break
        checked += 1
    for cmd in FAILS:
        (lt, lrc), (nt, nrc) = linux.get(cmd, ("", 0)), nvos[cmd]
        if lrc == 0 or nrc == 0:
            errors.append(f"{cmd}: expected to fail on both:\nLinux (rc {lrc}): {lt}"
                          f"nvos (rc {nrc}): {nt}")
        elif status_of(lt) is None or status_of(lt) != status_of(nt):
            errors.append(f"{cmd}: different status:\n  Linux: {lt.strip()}\n  nvos:  {nt.strip()}")
        else:
            checked += 1
    return checked, errors


def write_transcript(path, results):
    with open(path, "w") as f:
        for cmd in COMMANDS + FAILS:
            out, rc = results.get(cmd, ("<missing>\n", -1))
            f.write(f"$ {cmd}  (rc {rc})\n{out}")


@pytest.mark.case("nvmecli.compare", timeout=300, cost=3)
def test_nvmecli_compare(nvos):
    disk = os.path.join(nvos.images, "nvmecli.compare.img")
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
    try:
        linux = run_linux(nvos.build, disk, os.path.join(nvos.logdir, "nvmecli.compare.linux.log"))
        results = run_nvos(nvos, disk)
    finally:
        os.unlink(disk)
    for name, res in (("linux", linux), ("nvos", results)):
        write_transcript(os.path.join(nvos.logdir, f"nvmecli.compare.{name}.txt"), res)
    checked, errors = compare(linux, results)
    summary = (f"nvmecli.compare: {checked} outputs compared, {len(errors)} differences; "
               f"masked: {sum(len(v) for v in VARIES.values())} varying fields, {len(DIFFERS)} "
               f"documented differences, {len(JSON_ABSENT)} JSON keys nvos has not")
    print(summary)
    assert not errors, "\n".join(["FAIL " + e for e in errors] + [summary])
