"""QEMU cases: the NVMe driver on QEMU's emulated controller.

Data integrity is always checked against the host: "blk sha256" against the
SHA-256 of the same bytes of the image file, "blk fill" by reading the image
after QEMU exits and comparing it with the pattern (lib/pattern.h), including
the blocks around the written range, which must be untouched.
"""
import os
import re
import shutil

from harness import case, check, check_in, check_re, check_status
from nvosqemu import Disk
import nvosdisk

MIB = 1 << 20


def image(ctx, name, size=64 * MIB, seed=None):
    """A fresh copy of a deterministic random image for this case."""
    os.makedirs(ctx.images, exist_ok=True)
    golden = os.path.join(ctx.images, f"random-{size // MIB}m-{seed or 'nvos'}.img")
    if not os.path.exists(golden):
        # Cases run in parallel: each writes its own temporary file and
        # renames it (atomic), so none reads or replaces a half-written one.
        tmp = f"{golden}.{os.getpid()}.tmp"
        nvosdisk.random_image(tmp, size, seed or "nvos")
        os.replace(tmp, golden)
    path = os.path.join(ctx.images, f"{ctx.name}.{name}.img")
    shutil.copyfile(golden, path)
    return path


def blk_sha(m, dev, lba, count):
    out = m.command(f"blk sha256 {dev} {lba} {count}")
    mm = re.search(r"^([0-9a-f]{64})$", out, re.M)
    check(mm is not None, f"blk sha256 printed no hash:\n{out}")
    return mm.group(1)


def check_hashes(m, path, dev, bs, ranges):
    for lba, count in ranges:
        got = blk_sha(m, dev, lba, count)
        want = nvosdisk.sha256_range(path, lba, count, bs)
        check(got == want, f"blk sha256 {dev} {lba} {count}: {got}, host says {want}")


def check_fills(path, bs, fills, original):
    """After QEMU: each fill range holds the pattern, the blocks around it the original."""
    for lba, count, seed in fills:
        data = nvosdisk.read_range(path, lba, count, bs)
        want = nvosdisk.pattern(seed, lba * bs, count * bs)
        if data != want:
            bad = next(i for i in range(0, len(data), 8) if data[i:i + 8] != want[i:i + 8])
            raise AssertionError(f"fill {lba}+{count} seed {seed}: first wrong byte at image "
                                 f"offset {lba * bs + bad}")
        for edge in (lba - 1, lba + count):
            if edge >= 0 and not any(f[0] <= edge < f[0] + f[1] for f in fills):
                check(nvosdisk.read_range(path, edge, 1, bs) ==
                      nvosdisk.read_range(original, edge, 1, bs),
                      f"block {edge} next to fill {lba}+{count} was modified")


# Ranges: single blocks, page-crossing, exactly MDTS (1024 x 512 B), more than
# one MDTS, odd starts and lengths.
RANGES_512 = [(0, 1), (7, 1), (1, 8), (100, 33), (1000, 1024), (2049, 3000), (131071, 1)]
FILLS_512 = [(3, 1, 11), (50, 9, 12), (4096, 1024, 13), (9000, 2500, 14), (130000, 1071, 15)]


def make_data_case(boot, machine):
    @case(f"nvme.data.{boot}.{machine}", timeout=300)
    def run(ctx):
        path = image(ctx, "disk")
        original = image(ctx, "original")
        fills = []
        with ctx.machine(boot=boot, machine=machine, disks=[Disk(path)]) as m:
            m.wait_prompt()
            out = m.command("nvme list")
            check_re(r"^/dev/nvme0n1 +/dev/ng0n1 +nvos0 +QEMU NVMe Ctrl +1 +67\.11 +MB / +67\.11 +MB "
                     r"+512 +B \+ +0 B +7\.2",
                     out, "nvme list")
            check_re(r"^nvme0n1 +67108864 +512 +524288$", m.command("blk list"), "blk list")
            check_hashes(m, original, "nvme0n1", 512, RANGES_512)
            # The same at buffer offsets that change the PRP shape: PRP1 with
            # an offset, PRP2 a page, lists whose entries start mid-page.
            for k, (off, seeds) in enumerate(((4, 20), (2048, 30), (4092, 40))):
                check_in("data buffers now start", m.command(f"blk offset {off}"))
                check_hashes(m, original, "nvme0n1", 512, [(5, 1), (8, 9), (600, 1030)])
                base = 20000 + 10000 * k  # disjoint from every other fill
                for i, (lba, count) in enumerate([(base + 3, 1), (base + 100, 17),
                                                  (base + 1000, 2100)]):
                    seed = seeds + i
                    check_in(f"wrote {count} blocks", m.command(
                        f"blk fill nvme0n1 {lba} {count} {seed}"))
                    fills.append((lba, count, seed))
            m.command("blk offset 0")
            for lba, count, seed in FILLS_512:
                check_in(f"wrote {count} blocks at lba {lba}",
                         m.command(f"blk fill nvme0n1 {lba} {count} {seed}"))
                fills.append((lba, count, seed))
            # Read back through the driver what was just written.
            for lba, count, seed in FILLS_512[2:4]:
                got = blk_sha(m, "nvme0n1", lba, count)
                want = nvosdisk.hashlib.sha256(nvosdisk.pattern(seed, lba * 512, count * 512))
                check(got == want.hexdigest(), f"read-back of fill {lba}+{count} differs")
            check_status(m.poweroff(), 0)
        check_fills(path, 512, fills, original)
    return run


for b in ("kernel", "uefi"):
    for mach in ("q35", "pc"):
        make_data_case(b, mach)


@case("nvme.data.4k-blocks", timeout=200)
def nvme_4k(ctx):
    path = image(ctx, "disk")
    original = image(ctx, "original")
    disk = Disk(path, block_size=4096)
    fills = [(1, 1, 3), (10, 200, 4), (1000, 300, 5)]  # 300 x 4 KiB > MDTS (512 KiB)
    with ctx.machine(disks=[disk]) as m:
        m.wait_prompt()
        check_re(r"^/dev/nvme0n1 .* 4 KiB \+ +0 B", m.command("nvme list"), "nvme list")
        check_re(r"^nvme0n1 +67108864 +4096 +524288$", m.command("blk list"), "blk list")
        check_hashes(m, original, "nvme0n1", 4096, [(0, 1), (3, 2), (100, 128), (500, 1000)])
        m.command("blk offset 1024")
        check_hashes(m, original, "nvme0n1", 4096, [(7, 1), (16380, 4)])
        for lba, count, seed in fills:
            check_in(f"wrote {count} blocks", m.command(f"blk fill nvme0n1 {lba} {count} {seed}"))
        check_status(m.poweroff(), 0)
    check_fills(path, 4096, fills, original)


def make_mdts_case(mdts, label, ranges, fills):
    @case(f"nvme.data.mdts-{label}", timeout=240)
    def run(ctx):
        path = image(ctx, "disk")
        original = image(ctx, "original")
        with ctx.machine(disks=[Disk(path, nvme_opts=f"mdts={mdts}")]) as m:
            m.wait_prompt()
            check_hashes(m, original, "nvme0n1", 512, ranges)
            m.command("blk offset 12")
            for lba, count, seed in fills:
                check_in(f"wrote {count} blocks",
                         m.command(f"blk fill nvme0n1 {lba} {count} {seed}"))
            out = m.command("nvme queues nvme0")
            check_status(m.poweroff(), 0)
        check_fills(path, 512, fills, original)
        return out
    return run


# mdts=1: 8 KiB per command, so every range is many commands.
make_mdts_case(1, "1", [(0, 16), (33, 100), (1000, 2048)], [(5, 31, 1), (700, 300, 2)])
# mdts=0: no device limit; nvos caps commands at 3 MiB, whose PRP list (769
# entries with a buffer offset) chains from one list page to a second.
make_mdts_case(0, "0", [(0, 8192), (10000, 8192)], [(20000, 8192, 3), (40000, 9000, 4)])


@case("nvme.data.one-queue-one-vector", timeout=120)
def nvme_one_queue(ctx):
    path = image(ctx, "disk")
    original = image(ctx, "original")
    fills = [(77, 500, 9)]
    with ctx.machine(disks=[Disk(path, nvme_opts="max_ioqpairs=1,msix_qsize=1")]) as m:
        m.wait_prompt()
        check_in("1 I/O queue pairs granted", m.buf)
        check_hashes(m, original, "nvme0n1", 512, [(0, 8), (3000, 2000)])
        m.command("blk fill nvme0n1 77 500 9")
        q = m.command("nvme queues nvme0")
        check_re(r"^1 +256 +irq +0 ", q, "nvme queues: the I/O CQ shares vector 0 with admin")
        check_status(m.poweroff(), 0)
    check_fills(path, 512, fills, original)


@case("nvme.data.two-namespaces-two-controllers", timeout=150)
def nvme_multi(ctx):
    a = image(ctx, "a")
    b = image(ctx, "b")
    c = image(ctx, "c", seed="other")
    original = image(ctx, "original")
    other = os.path.join(ctx.images, "random-64m-other.img")
    # nvme0: NSIDs 1 and 3 (a gap); nvme1: one namespace.
    with ctx.machine(controllers=[[Disk(a), Disk(b, ns_opts="nsid=3")], [Disk(c)]]) as m:
        m.wait_prompt()
        out = m.command("blk list")
        for dev in ("nvme0n1", "nvme0n3", "nvme1n1"):
            check_re(rf"^{dev} +67108864 +512 ", out, "blk list")
        check_hashes(m, original, "nvme0n3", 512, [(0, 64), (99, 2000)])
        check_hashes(m, other, "nvme1n1", 512, [(0, 64), (99, 2000)])
        m.command("blk fill nvme0n1 10 10 1")
        m.command("blk fill nvme0n3 20 20 2")
        m.command("blk fill nvme1n1 30 30 3")
        check_status(m.poweroff(), 0)
    check_fills(a, 512, [(10, 10, 1)], original)
    check_fills(b, 512, [(20, 20, 2)], original)
    check_fills(c, 512, [(30, 30, 3)], other)


def make_irq_case(mode, machine):
    @case(f"nvme.completions.{mode}.{machine}", timeout=120)
    def run(ctx):
        path = image(ctx, "disk")
        original = image(ctx, "original")
        cmdline = {"msix": "", "intx": "nvme.irq=intx", "poll": "nvme.irq=poll"}[mode]
        with ctx.machine(machine=machine, disks=[Disk(path)], cmdline=cmdline) as m:
            m.wait_prompt()
            want = {"msix": "MSI-X", "intx": "INTx", "poll": "polling"}[mode]
            check_hashes(m, original, "nvme0n1", 512, [(0, 8), (100, 3000)])
            m.command("blk fill nvme0n1 5000 2000 6")
            q = m.command("nvme queues nvme0")
            check_in(f"interrupts: {want};", q, "nvme queues")
            row = re.search(r"^1 +256 +(\w+) +\d+ +0 +(\d+) +(\d+) .* (\d+)$", q, re.M)
            check(row is not None, f"no row for queue 1:\n{q}")
            submitted, completed, irqs = int(row.group(2)), int(row.group(3)), int(row.group(4))
            check(submitted == completed and submitted >= 6, f"queue 1 counters:\n{q}")
            if mode == "poll":
                check(row.group(1) == "poll" and irqs == 0, f"polled queue took interrupts:\n{q}")
            else:
                check(row.group(1) == "irq" and irqs > 0, f"no interrupts counted:\n{q}")
                # The same device switched to its polled queue pair and back.
                if mode == "msix":
                    check_in("polled completions", m.command("blk mode nvme0n1 poll"))
                    check_hashes(m, path, "nvme0n1", 512, [(5000, 2000)])
                    q2 = m.command("nvme queues nvme0")
                    check_re(r"^2 +256 +poll +0 +0 +[1-9]", q2, "nvme queues after blk mode")
                    check_in("interrupt-driven", m.command("blk mode nvme0n1 irq"))
            check_status(m.poweroff(), 0)
        check_fills(path, 512, [(5000, 2000, 6)], original)
    return run


for mode in ("msix", "intx", "poll"):
    make_irq_case(mode, "q35")
make_irq_case("intx", "pc")


BLKDEBUG = """
[inject-error]
event = "read_aio"
iotype = "read"
errno = "5"
sector = "100"

[inject-error]
event = "write_aio"
iotype = "write"
errno = "5"
sector = "200"
"""


@case("nvme.errors.blkdebug", timeout=120)
def nvme_errors(ctx):
    path = image(ctx, "disk")
    original = image(ctx, "original")
    conf = os.path.join(ctx.images, f"{ctx.name}.conf")
    with open(conf, "w") as f:
        f.write(BLKDEBUG)
    disk = Disk(drive_opts=f"file=blkdebug:{conf}:{path},format=raw")
    with ctx.machine(disks=[disk]) as m:
        m.wait_prompt()
        out = m.command("blk sha256 nvme0n1 96 8")
        check_re(r"^error: read nvme0n1 lba 96\+8: Unrecovered Read Error \(sct=0x2 sc=0x81 dnr=0\) "
                 r"ENODATA$", out, "read error line")
        # The next command succeeds; so do reads next to the bad sector.
        check_hashes(m, original, "nvme0n1", 512, [(0, 8), (101, 50)])
        out = m.command("blk fill nvme0n1 200 1 1")
        check_re(r"^error: write nvme0n1 lba 200\+1: Write Fault \(sct=0x2 sc=0x80 dnr=0\) ENODATA$",
                 out, "write error line")
        check_in("wrote 1 blocks", m.command("blk fill nvme0n1 201 1 2"))
        q = m.command("nvme queues nvme0")
        # Each failed command was retried (no DNR), a bounded number of times.
        row = re.search(r"^1 +256 +irq +\d+ +0 +\d+ +\d+ +\d+ +\d+ +(\d+) +0 +0 ", q, re.M)
        check(row is not None and int(row.group(1)) == 6, f"expected 3 retries per failure:\n{q}")
        check_status(m.poweroff(), 1)  # two commands failed


@case("nvme.errors.retry-succeeds", timeout=120)
def nvme_retry(ctx):
    path = image(ctx, "disk")
    original = image(ctx, "original")
    conf = os.path.join(ctx.images, f"{ctx.name}.conf")
    with open(conf, "w") as f:
        f.write('[inject-error]\nevent = "read_aio"\niotype = "read"\nerrno = "5"\n'
                'sector = "300"\nonce = "on"\n')
    with ctx.machine(disks=[Disk(drive_opts=f"file=blkdebug:{conf}:{path},format=raw")]) as m:
        m.wait_prompt()
        check_hashes(m, original, "nvme0n1", 512, [(296, 16)])
        q = m.command("nvme queues nvme0")
        check_re(r"^1 +256 +irq +\d+ +0 +\d+ +\d+ +\d+ +\d+ +1 +0 +0 ", q, "one retry counted")
        check_status(m.poweroff(), 0)


@case("nvme.shell-commands", timeout=120)
def nvme_shell(ctx):
    path = image(ctx, "disk")
    with ctx.machine(disks=[Disk(path)]) as m:
        m.wait_prompt()
        # nvme-cli 2.x: strings untrimmed, two-line power states (docs/shell.md)
        out = m.command("nvme id-ctrl nvme0")
        for line in (r"^NVME Identify Controller:$", r"^vid +: 0x1b36$", r"^sn +: nvos0 {15}$",
                     r"^mn +: QEMU NVMe Ctrl {26}$", r"^fr +: 7\.2\.\d+ *$", r"^rrls +: 0$", r"^mdts +: 7$", r"^nn +: 256$", r"^sqes +: 0x66$",
                     r"^cqes +: 0x44$", r"^oncs +: 0x15d$", r"^subnqn +: nqn\.2019-08\.org\.qemu:nvos0$",
                     r"^ps +0 : mp:25\.00W operational enlat:16 exlat:4 rrt:0 rrl:0$",
                     r"^ +rwt:0 rwl:0 idle_power:- active_power:-$"):
            check_re(line, out, "nvme id-ctrl")
        out = m.command("nvme id-ns nvme0n1")
        for line in (r"^NVME Identify Namespace 1:$", r"^nsze +: 0x20000$", r"^nlbaf +: 7$",
                     r"^lbaf +0 : ms:0 +lbads:9 +rp:0 \(in use\)$",
                     r"^lbaf +4 : ms:0 +lbads:12 "):
            check_re(line, out, "nvme id-ns")
        out = m.command("nvme smart-log nvme0")
        check_re(r"^Smart Log for NVME device:nvme0 namespace-id:ffffffff$", out)
        check_re(r"^temperature\s+: 50\u00b0C \(323 Kelvin\)$", out, "smart-log")
        check_re(r"^host_read_commands\s+: [1-9]\d*$", out, "smart-log")
        check_re(r"^endurance group critical warning summary: 0$", out, "smart-log")
        out = m.command("nvme error-log nvme0")
        check_re(r"^Error Log Entries for device:nvme0 entries:\d+$", out)
        check_re(r"^error_count\s+: 0$", out, "error-log")
        check_re(r"^phase_tag\s+: 0$", out, "error-log")
        out = m.command("nvme get-feature /dev/nvme0 -f 7")
        check_re(r"^get-feature:0x07 \(Number of Queues\), Current value:0x003f003f$", out)
        out = m.command("nvme get-feature nvme0 --feature-id=0x0f")
        check_re(r"^error: nvme get-feature: Get Features 0x0f \(Keep Alive Timer\): "
                 r"Invalid Field in Command \(sct=0x0 sc=0x02 dnr=1\) EOPNOTSUPP$", out)
        out = m.command("nvme id-ns nvme0n9")
        check_re(r"^error: nvme id-ns: no device 'nvme0n9'", out)
        # Zero prints as nvme-cli prints it (not 0000000000); unknown ids are "Unknown".
        check_re(r"^get-feature:0x05 \(Error Recovery\), Current value:00000000$",
                 m.command("nvme get-feature /dev/nvme0n1 -f 5"))
        out = m.command("nvme get-feature nvme0 -f 7 -H")
        check_re(r"^\tNumber of IO Completion Queues Allocated \(NCQA\): 64$", out)
        check_re(r"^error: nvme get-feature: Get Features 0xc0 \(Unknown\): ",
                 m.command("nvme get-feature nvme0 -f 0xc0"))
        check_re(r"^\s+\"SerialNumber\":\"nvos0\",$", m.command("nvme list -o json"))
        check_re(r"nvme list \[-v\] \[-o json\] .*rawloop NS \[QD\] \[MS\] +NVMe", m.command("help nvme"))
        # A reset in the middle: the block device keeps working.
        out = m.command("nvme reset nvme0")
        check_in("nvme0: reset complete", out)
        check_hashes(m, path, "nvme0n1", 512, [(0, 2000)])
        check_status(m.poweroff(), 1)


@case("nvme.metadata-format-refused", timeout=90)
def nvme_metadata(ctx):
    path = image(ctx, "disk")
    disk = Disk(path, ns_opts="ms=8,mset=1")
    with ctx.machine(disks=[disk]) as m:
        m.wait_prompt()
        check_re(r"nvme0n1: \d+ blocks of 512 bytes .*metadata 8; not a block device: LBA format "
                 r"with metadata interleaved", m.buf, "boot log")
        check(not re.search(r"^nvme0n1 ", m.command("blk list"), re.M),
              "a metadata namespace was published as a block device")
        check_re(r"^/dev/nvme0n1 .* 512 +B \+ +8 B", m.command("nvme list"), "nvme list")
        check_status(m.poweroff(), 0)


@case("nvme.shutdown-on-poweroff-and-reboot", timeout=90)
def nvme_shutdown(ctx):
    path = image(ctx, "disk")
    trace = os.path.join(ctx.logdir, f"{ctx.name}.qemu-trace")
    with ctx.machine(disks=[Disk(path)], trace_file=trace) as m:
        m.wait_prompt()
        check_status(m.poweroff(), 0)
        check_in("nvme0: shutdown complete", m.buf)
    log = open(trace).read()
    # The device saw its I/O queues deleted, then CC.SHN set.
    check_re(r"pci_nvme_del_sq", log, "QEMU trace")
    check_re(r"pci_nvme_mmio_shutdown_set", log, "QEMU trace")
    check(log.rfind("pci_nvme_del_sq") < log.rfind("pci_nvme_mmio_shutdown_set"),
          "queues must be deleted before the shutdown notification")
    with ctx.machine(disks=[Disk(path)], extra=["-no-reboot"]) as m:
        m.wait_prompt()
        m.send("reboot\r")
        st = m.wait_exit(60)
        check_in("nvme0: shutdown complete", m.buf)
        check(st == 0, f"QEMU exit status {st} after reboot with -no-reboot (expected 0)")


@case("nvme.recovery.timeout-abort-reset", timeout=180)
def nvme_timeout(ctx):
    """Throttled to 2 commands/s with a 200 ms I/O deadline: a long read times
    out, is aborted (QEMU never aborts), the controller is reset, the other
    commands are resubmitted and the timed-out one fails with ETIMEDOUT.
    With a longer deadline the device works again."""
    path = image(ctx, "disk")
    original = image(ctx, "original")
    disk = Disk(drive_opts=f"file={path},format=raw,throttling.iops-total=2")
    with ctx.machine(disks=[disk], cmdline="nvme.io_timeout_ms=200 nvme.admin_timeout_ms=500") as m:
        m.wait_prompt()
        out = m.command("blk sha256 nvme0n1 0 16384", timeout=120)
        check_re(r"nvme0: timeout on queue 1: Read NSID=1 .*; sending Abort", out)
        check_re(r"nvme0: Abort completed: command not aborted", out)
        check_re(r"nvme0: timeout on queue 1: Read .* \(also after Abort\)", out)
        check_re(r"nvme0: reset complete; outstanding commands resubmitted", out)
        check_re(r"^error: read nvme0n1 lba \d+\+\d+: Command Abort Requested \(sct=0x0 sc=0x07 "
                 r"dnr=0\) ETIMEDOUT$", out, "the timed-out request's error line")
        q = m.command("nvme queues nvme0")
        check_re(r"resets: [1-9]", q, "nvme queues")
        # Generous: the throttle's bucket still holds the drained backlog (2/s).
        check_in("I/O command timeout 30000 ms", m.command("nvme timeout nvme0 io 30000"))
        check_hashes(m, original, "nvme0n1", 512, [(0, 8), (12345, 100)])
        check_status(m.poweroff(), 1)


@case("nvme.recovery.fatal-status", timeout=120)
def nvme_cfs(ctx):
    """Bus mastering switched off under the driver: QEMU cannot fetch the
    next command and raises CSTS.CFS. The driver notices (it reads CSTS while
    commands are outstanding), resets the controller, which turns bus
    mastering back on, and resubmits the command, which then succeeds."""
    path = image(ctx, "disk")
    original = image(ctx, "original")
    with ctx.machine(disks=[Disk(path)], cmdline="nvme.io_timeout_ms=5000") as m:
        m.wait_prompt()
        bdf = re.search(r"^(\S+) 1b36:0010", m.command("lspci"), re.M).group(1)
        cmd = int(re.search(r"0x([0-9a-f]{4})$", m.command(f"pci read {bdf} 4 2"), re.M).group(1), 16)
        m.command(f"pci write {bdf} 4 {cmd & ~4:#x} 2")
        out = m.command("blk sha256 nvme0n1 0 8")
        check_re(r"nvme0: controller fatal status \(CFS=1\) with Read .* outstanding; resetting",
                 out)
        check_re(r"nvme0: reset complete", out)
        want = nvosdisk.sha256_range(original, 0, 8, 512)
        check_re(rf"^{want}$", out, "the resubmitted read's result")
        check_re(r"0x0*[0-9a-f]*[4-7]$", m.command(f"pci read {bdf} 4 2"), "bus master back on")
        check_status(m.poweroff(), 0)
