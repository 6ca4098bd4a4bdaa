"""QEMU tests: the NVMe driver on QEMU's emulated controller.

Data integrity is always checked against the host: "blk sha256" against the
SHA-256 of the same bytes of the image file, "blk fill" by reading the image
after QEMU exits and comparing it with the pattern (lib/pattern.h), including
the blocks around the written range, which must be untouched.
"""
import hashlib
import os
import re

import pytest

from nvoslib.console import has
from nvoslib import disk as nvosdisk
from nvoslib import nvmetrace
from nvoslib.qemu import Disk, status_of


def blk_sha(m, dev, lba, count):
    out = m.command(f"blk sha256 {dev} {lba} {count}")
    mm = re.search(r"^([0-9a-f]{64})$", out, re.M)
    assert mm is not None, f"blk sha256 printed no hash:\n{out}"
    return mm.group(1)


def check_hashes(m, path, dev, bs, ranges):
    for lba, count in ranges:
        got = blk_sha(m, dev, lba, count)
        want = nvosdisk.sha256_range(path, lba, count, bs)
        assert got == want, f"blk sha256 {dev} {lba} {count}: {got}, host says {want}"


def check_fills(path, bs, fills, original):
    """After QEMU: each fill range holds the pattern, the blocks around it the original."""
    for lba, count, seed in fills:
        data = nvosdisk.read_range(path, lba, count, bs)
        want = nvosdisk.pattern(seed, lba * bs, count * bs)
        if data != want:
            bad = next(i for i in range(0, len(data), 8) if data[i:i + 8] != want[i:i + 8])
            pytest.fail(f"fill {lba}+{count} seed {seed}: first wrong byte at image offset "
                        f"{lba * bs + bad}")
        for edge in (lba - 1, lba + count):
            if edge >= 0 and not any(f[0] <= edge < f[0] + f[1] for f in fills):
                assert (nvosdisk.read_range(path, edge, 1, bs) ==
                        nvosdisk.read_range(original, edge, 1, bs)), \
                    f"block {edge} next to fill {lba}+{count} was modified"


# Ranges: single blocks, page-crossing, exactly MDTS (1024 x 512 B), more than
# one MDTS, odd starts and lengths.
RANGES_512 = [(0, 1), (7, 1), (1, 8), (100, 33), (1000, 1024), (2049, 3000), (131071, 1)]
FILLS_512 = [(3, 1, 11), (50, 9, 12), (4096, 1024, 13), (9000, 2500, 14), (130000, 1071, 15)]


@pytest.mark.case("nvme.data.{boot}.{machine}", timeout=300)
@pytest.mark.parametrize("machine", ("q35", "pc"))
@pytest.mark.parametrize("boot", ("kernel", "uefi"))
def test_data(nvos, boot, machine):
    path = nvos.image("disk")
    original = nvos.golden()
    fills = []
    with nvos.machine(boot=boot, machine=machine, disks=[Disk(path)]) as m:
        m.wait_ready()
        out = m.command("nvme list")
        assert has(r"^/dev/nvme0n1 +/dev/ng0n1 +nvos0 +QEMU NVMe Ctrl +1 +67\.11 +MB / +67\.11 +MB "
                   r"+512 +B \+ +0 B +7\.2", out), out
        out = m.command("blk list")
        assert has(r"^nvme0n1 +67108864 +512 +524288$", out), out
        check_hashes(m, original, "nvme0n1", 512, RANGES_512)
        # The same at buffer offsets that change the PRP shape: PRP1 with
        # an offset, PRP2 a page, lists whose entries start mid-page.
        for k, (off, seeds) in enumerate(((4, 20), (2048, 30), (4092, 40))):
            out = m.command(f"blk offset {off}")
            assert "data buffers now start" in out, out
            check_hashes(m, original, "nvme0n1", 512, [(5, 1), (8, 9), (600, 1030)])
            base = 20000 + 10000 * k  # disjoint from every other fill
            for i, (lba, count) in enumerate([(base + 3, 1), (base + 100, 17),
                                              (base + 1000, 2100)]):
                seed = seeds + i
                out = m.command(f"blk fill nvme0n1 {lba} {count} {seed}")
                assert f"wrote {count} blocks" in out, out
                fills.append((lba, count, seed))
        m.command("blk offset 0")
        for lba, count, seed in FILLS_512:
            out = m.command(f"blk fill nvme0n1 {lba} {count} {seed}")
            assert f"wrote {count} blocks at lba {lba}" in out, out
            fills.append((lba, count, seed))
        # Read back through the driver what was just written.
        for lba, count, seed in FILLS_512[2:4]:
            got = blk_sha(m, "nvme0n1", lba, count)
            want = hashlib.sha256(nvosdisk.pattern(seed, lba * 512, count * 512)).hexdigest()
            assert got == want, f"read-back of fill {lba}+{count} differs"
        assert m.poweroff() == status_of(0)
    check_fills(path, 512, fills, original)


@pytest.mark.case("nvme.data.4k-blocks", timeout=200)
def test_data_4k_blocks(nvos):
    path = nvos.image("disk")
    original = nvos.golden()
    disk = Disk(path, block_size=4096)
    fills = [(1, 1, 3), (10, 200, 4), (1000, 300, 5)]  # 300 x 4 KiB > MDTS (512 KiB)
    with nvos.machine(disks=[disk]) as m:
        m.wait_ready()
        out = m.command("nvme list")
        assert has(r"^/dev/nvme0n1 .* 4 KiB \+ +0 B", out), out
        out = m.command("blk list")
        assert has(r"^nvme0n1 +67108864 +4096 +524288$", out), out
        check_hashes(m, original, "nvme0n1", 4096, [(0, 1), (3, 2), (100, 128), (500, 1000)])
        m.command("blk offset 1024")
        check_hashes(m, original, "nvme0n1", 4096, [(7, 1), (16380, 4)])
        for lba, count, seed in fills:
            out = m.command(f"blk fill nvme0n1 {lba} {count} {seed}")
            assert f"wrote {count} blocks" in out, out
        assert m.poweroff() == status_of(0)
    check_fills(path, 4096, fills, original)


MDTS = [
    # mdts=1: 8 KiB per command, so every range is many commands.
    pytest.param(1, [(0, 16), (33, 100), (1000, 2048)], [(5, 31, 1), (700, 300, 2)], id="1"),
    # mdts=0: no device limit; nvos caps commands at 3 MiB, whose PRP list (769
    # entries with a buffer offset) chains from one list page to a second.
    pytest.param(0, [(0, 8192), (10000, 8192)], [(20000, 8192, 3), (40000, 9000, 4)], id="0"),
]


@pytest.mark.case("nvme.data.mdts-{mdts}", timeout=240)
@pytest.mark.parametrize("mdts,ranges,fills", MDTS)
def test_data_mdts(nvos, mdts, ranges, fills):
    path = nvos.image("disk")
    original = nvos.golden()
    with nvos.machine(disks=[Disk(path, nvme_opts=f"mdts={mdts}")]) as m:
        m.wait_ready()
        check_hashes(m, original, "nvme0n1", 512, ranges)
        m.command("blk offset 12")
        for lba, count, seed in fills:
            out = m.command(f"blk fill nvme0n1 {lba} {count} {seed}")
            assert f"wrote {count} blocks" in out, out
        m.command("nvme queues nvme0")
        assert m.poweroff() == status_of(0)
    check_fills(path, 512, fills, original)


@pytest.mark.case("nvme.data.one-queue-one-vector", timeout=120)
def test_one_queue_one_vector(nvos):
    path = nvos.image("disk")
    original = nvos.golden()
    fills = [(77, 500, 9)]
    with nvos.machine(disks=[Disk(path, nvme_opts="max_ioqpairs=1,msix_qsize=1")]) as m:
        m.wait_ready()
        assert "1 I/O queue pairs granted" in m.buf, "boot log"
        check_hashes(m, original, "nvme0n1", 512, [(0, 8), (3000, 2000)])
        m.command("blk fill nvme0n1 77 500 9")
        q = m.command("nvme queues nvme0")
        assert has(r"^1 +256 +irq +0 ", q), f"the I/O CQ shares vector 0 with admin:\n{q}"
        assert m.poweroff() == status_of(0)
    check_fills(path, 512, fills, original)


@pytest.mark.case("nvme.data.two-namespaces-two-controllers", timeout=150)
def test_two_namespaces_two_controllers(nvos):
    a = nvos.image("a")
    b = nvos.image("b")
    c = nvos.image("c", seed="other")
    original = nvos.golden()
    other = nvos.golden(seed="other")
    # nvme0: NSIDs 1 and 3 (a gap); nvme1: one namespace.
    with nvos.machine(controllers=[[Disk(a), Disk(b, ns_opts="nsid=3")], [Disk(c)]]) as m:
        m.wait_ready()
        out = m.command("blk list")
        for dev in ("nvme0n1", "nvme0n3", "nvme1n1"):
            assert has(rf"^{dev} +67108864 +512 ", out), out
        check_hashes(m, original, "nvme0n3", 512, [(0, 64), (99, 2000)])
        check_hashes(m, other, "nvme1n1", 512, [(0, 64), (99, 2000)])
        m.command("blk fill nvme0n1 10 10 1")
        m.command("blk fill nvme0n3 20 20 2")
        m.command("blk fill nvme1n1 30 30 3")
        assert m.poweroff() == status_of(0)
    check_fills(a, 512, [(10, 10, 1)], original)
    check_fills(b, 512, [(20, 20, 2)], original)
    check_fills(c, 512, [(30, 30, 3)], other)


COMPLETIONS = [("msix", "q35"), ("intx", "q35"), ("poll", "q35"), ("intx", "pc")]


@pytest.mark.case("nvme.completions.{mode}.{machine}", timeout=120)
@pytest.mark.parametrize("mode,machine", COMPLETIONS, ids=[f"{a}-{b}" for a, b in COMPLETIONS])
def test_completions(nvos, mode, machine):
    path = nvos.image("disk")
    original = nvos.golden()
    cmdline = {"msix": "", "intx": "nvme.irq=intx", "poll": "nvme.irq=poll"}[mode]
    with nvos.machine(machine=machine, disks=[Disk(path)], cmdline=cmdline) as m:
        m.wait_ready()
        want = {"msix": "MSI-X", "intx": "INTx", "poll": "polling"}[mode]
        check_hashes(m, original, "nvme0n1", 512, [(0, 8), (100, 3000)])
        m.command("blk fill nvme0n1 5000 2000 6")
        q = m.command("nvme queues nvme0")
        assert f"interrupts: {want};" in q, q
        row = re.search(r"^1 +256 +(\w+) +\d+ +0 +(\d+) +(\d+) .* (\d+)$", q, re.M)
        assert row is not None, f"no row for queue 1:\n{q}"
        submitted, completed, irqs = int(row.group(2)), int(row.group(3)), int(row.group(4))
        assert submitted == completed and submitted >= 6, f"queue 1 counters:\n{q}"
        if mode == "poll":
            assert row.group(1) == "poll" and irqs == 0, f"polled queue took interrupts:\n{q}"
        else:
            assert row.group(1) == "irq" and irqs > 0, f"no interrupts counted:\n{q}"
            # The same device switched to its polled queue pair and back.
            if mode == "msix":
                out = m.command("blk mode nvme0n1 poll")
                assert "polled completions" in out, out
                check_hashes(m, path, "nvme0n1", 512, [(5000, 2000)])
                q2 = m.command("nvme queues nvme0")
                # With several CPUs (NVOS_SMP) CPU 0's polled pair is named on its line.
                cpu0 = re.search(r"^cpu 0: irq qid \d+ .*, poll qid (\d+)", q2, re.M)
                pq = cpu0.group(1) if cpu0 else "2"
                assert has(rf"^{pq} +256 +poll +0 +0 +[1-9]", q2), \
                    f"nvme queues after blk mode:\n{q2}"
                out = m.command("blk mode nvme0n1 irq")
                assert "interrupt-driven" in out, out
        assert m.poweroff() == status_of(0)
    check_fills(path, 512, [(5000, 2000, 6)], original)


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


@pytest.mark.case("nvme.errors.blkdebug", timeout=120)
def test_errors_blkdebug(nvos):
    path = nvos.image("disk")
    original = nvos.golden()
    conf = os.path.join(nvos.images, f"{nvos.name}.conf")
    with open(conf, "w") as f:
        f.write(BLKDEBUG)
    disk = Disk(drive_opts=f"file=blkdebug:{conf}:{path},format=raw")
    with nvos.machine(disks=[disk]) as m:
        m.wait_ready()
        out, rc = m.run("blk sha256 nvme0n1 96 8")
        assert has(r"^error: read nvme0n1 lba 96\+8: Unrecovered Read Error \(sct=0x2 sc=0x81 "
                   r"dnr=0\) ENODATA$", out), out
        assert rc == 1, f"a failed read ends with rc=1, not rc={rc}"
        # The next command succeeds; so do reads next to the bad sector.
        check_hashes(m, original, "nvme0n1", 512, [(0, 8), (101, 50)])
        out = m.command("blk fill nvme0n1 200 1 1")
        assert has(r"^error: write nvme0n1 lba 200\+1: Write Fault \(sct=0x2 sc=0x80 dnr=0\) "
                   r"ENODATA$", out), out
        out = m.command("blk fill nvme0n1 201 1 2")
        assert "wrote 1 blocks" in out, out
        q = m.command("nvme queues nvme0")
        # Each failed command was retried (no DNR), a bounded number of times.
        row = re.search(r"^1 +256 +irq +\d+ +0 +\d+ +\d+ +\d+ +\d+ +(\d+) +0 +0 ", q, re.M)
        assert row is not None and int(row.group(1)) == 6, f"expected 3 retries per failure:\n{q}"
        assert m.poweroff() == status_of(1)  # two commands failed


@pytest.mark.case("nvme.errors.retry-succeeds", timeout=120)
def test_errors_retry_succeeds(nvos):
    path = nvos.image("disk")
    original = nvos.golden()
    conf = os.path.join(nvos.images, f"{nvos.name}.conf")
    with open(conf, "w") as f:
        f.write('[inject-error]\nevent = "read_aio"\niotype = "read"\nerrno = "5"\n'
                'sector = "300"\nonce = "on"\n')
    with nvos.machine(disks=[Disk(drive_opts=f"file=blkdebug:{conf}:{path},format=raw")]) as m:
        m.wait_ready()
        check_hashes(m, original, "nvme0n1", 512, [(296, 16)])
        q = m.command("nvme queues nvme0")
        assert has(r"^1 +256 +irq +\d+ +0 +\d+ +\d+ +\d+ +\d+ +1 +0 +0 ", q), f"one retry:\n{q}"
        assert m.poweroff() == status_of(0)


@pytest.mark.case("nvme.shell-commands", timeout=120)
def test_shell_commands(nvos):
    path = nvos.image("disk")
    with nvos.machine(disks=[Disk(path)]) as m:
        m.wait_ready()
        # nvme-cli 2.x: strings untrimmed, two-line power states (docs/shell.md)
        out = m.command("nvme id-ctrl nvme0")
        for line in (r"^NVME Identify Controller:$", r"^vid +: 0x1b36$", r"^sn +: nvos0 {15}$",
                     r"^mn +: QEMU NVMe Ctrl {26}$", r"^fr +: 7\.2\.\d+ *$", r"^rrls +: 0$",
                     r"^mdts +: 7$", r"^nn +: 256$", r"^sqes +: 0x66$",
                     r"^cqes +: 0x44$", r"^oncs +: 0x15d$", r"^subnqn +: nqn\.2019-08\.org\.qemu:nvos0$",
                     r"^ps +0 : mp:25\.00W operational enlat:16 exlat:4 rrt:0 rrl:0$",
                     r"^ +rwt:0 rwl:0 idle_power:- active_power:-$"):
            assert has(line, out), f"/{line}/ not in nvme id-ctrl:\n{out}"
        out = m.command("nvme id-ns nvme0n1")
        for line in (r"^NVME Identify Namespace 1:$", r"^nsze +: 0x20000$", r"^nlbaf +: 7$",
                     r"^lbaf +0 : ms:0 +lbads:9 +rp:0 \(in use\)$",
                     r"^lbaf +4 : ms:0 +lbads:12 "):
            assert has(line, out), f"/{line}/ not in nvme id-ns:\n{out}"
        out = m.command("nvme smart-log nvme0")
        assert has(r"^Smart Log for NVME device:nvme0 namespace-id:ffffffff$", out), out
        assert has(r"^temperature\s+: 50\u00b0C \(323 Kelvin\)$", out), out
        assert has(r"^host_read_commands\s+: [1-9]\d*$", out), out
        assert has(r"^endurance group critical warning summary: 0$", out), out
        out = m.command("nvme error-log nvme0")
        assert has(r"^Error Log Entries for device:nvme0 entries:\d+$", out), out
        assert has(r"^error_count\s+: 0$", out), out
        assert has(r"^phase_tag\s+: 0$", out), out
        out = m.command("nvme get-feature /dev/nvme0 -f 7")
        assert has(r"^get-feature:0x07 \(Number of Queues\), Current value:0x003f003f$", out), out
        out = m.command("nvme get-feature nvme0 --feature-id=0x0f")
        assert has(r"^error: nvme get-feature: Get Features 0x0f \(Keep Alive Timer\): "
                   r"Invalid Field in Command \(sct=0x0 sc=0x02 dnr=1\) EOPNOTSUPP$", out), out
        out = m.command("nvme id-ns nvme0n9")
        assert has(r"^error: nvme id-ns: no device 'nvme0n9'", out), out
        # Zero prints as nvme-cli prints it (not 0000000000); unknown ids are "Unknown".
        out = m.command("nvme get-feature /dev/nvme0n1 -f 5")
        assert has(r"^get-feature:0x05 \(Error Recovery\), Current value:00000000$", out), out
        out = m.command("nvme get-feature nvme0 -f 7 -H")
        assert has(r"^\tNumber of IO Completion Queues Allocated \(NCQA\): 64$", out), out
        out = m.command("nvme get-feature nvme0 -f 0xc0")
        assert has(r"^error: nvme get-feature: Get Features 0xc0 \(Unknown\): ", out), out
        out = m.command("nvme list -o json")
        assert has(r"^\s+\"SerialNumber\":\"nvos0\",$", out), out
        out = m.command("help nvme")
        assert has(r"nvme list \[-v\] \[-o json\] .*rawloop NS \[QD\] \[MS\] +NVMe", out), out
        # A reset in the middle: the block device keeps working.
        out = m.command("nvme reset nvme0")
        assert "nvme0: reset complete" in out, out
        check_hashes(m, path, "nvme0n1", 512, [(0, 2000)])
        assert m.poweroff() == status_of(1)


@pytest.mark.case("nvme.metadata-format-refused", timeout=90)
def test_metadata_format_refused(nvos):
    path = nvos.image("disk")
    disk = Disk(path, ns_opts="ms=8,mset=1")
    with nvos.machine(disks=[disk]) as m:
        m.wait_ready()
        assert has(r"nvme0n1: \d+ blocks of 512 bytes .*metadata 8; not a block device: LBA "
                   r"format with metadata interleaved", m.buf), "boot log"
        out = m.command("blk list")
        assert not has(r"^nvme0n1 ", out), f"a metadata namespace was published:\n{out}"
        out = m.command("nvme list")
        assert has(r"^/dev/nvme0n1 .* 512 +B \+ +8 B", out), out
        assert m.poweroff() == status_of(0)


@pytest.mark.case("nvme.shutdown-on-poweroff-and-reboot", timeout=90)
def test_shutdown_on_poweroff_and_reboot(nvos):
    path = nvos.image("disk")
    trace = os.path.join(nvos.logdir, f"{nvos.name}.qemu-trace")
    with nvos.machine(disks=[Disk(path)], trace_file=trace) as m:
        m.wait_ready()
        assert m.poweroff() == status_of(0)
        assert "nvme0: shutdown complete" in m.buf, m.tail()
    with open(trace) as f:
        log = f.read()
    # The device saw its I/O queues deleted, then CC.SHN set.
    assert "pci_nvme_del_sq" in log, "QEMU trace"
    assert "pci_nvme_mmio_shutdown_set" in log, "QEMU trace"
    assert log.rfind("pci_nvme_del_sq") < log.rfind("pci_nvme_mmio_shutdown_set"), \
        "queues must be deleted before the shutdown notification"
    with nvos.machine(disks=[Disk(path)], extra=["-no-reboot"]) as m:
        m.wait_ready()
        m.send("reboot\r")
        st = m.wait_exit(60)
        assert "nvme0: shutdown complete" in m.buf, m.tail()
        assert st == 0, f"QEMU exit status {st} after reboot with -no-reboot (expected 0)"


@pytest.mark.case("nvme.recovery.timeout-abort-reset", timeout=180)
def test_recovery_timeout_abort_reset(nvos):
    """Throttled to 2 commands/s with a 200 ms I/O deadline: a long read times
    out, is aborted (QEMU never aborts), the controller is reset, the other
    commands are resubmitted and the timed-out one fails with ETIMEDOUT.
    With a longer deadline the device works again."""
    path = nvos.image("disk")
    original = nvos.golden()
    disk = Disk(drive_opts=f"file={path},format=raw,throttling.iops-total=2")
    with nvos.machine(disks=[disk],
                      cmdline="nvme.io_timeout_ms=200 nvme.admin_timeout_ms=500") as m:
        m.wait_ready()
        out = m.command("blk sha256 nvme0n1 0 16384", timeout=120)
        assert has(r"nvme0: timeout on queue 1: Read NSID=1 .*; sending Abort", out), out
        assert has(r"nvme0: Abort completed: command not aborted", out), out
        assert has(r"nvme0: timeout on queue 1: Read .* \(also after Abort\)", out), out
        assert has(r"nvme0: reset complete; outstanding commands resubmitted", out), out
        assert has(r"^error: read nvme0n1 lba \d+\+\d+: Command Abort Requested \(sct=0x0 "
                   r"sc=0x07 dnr=0\) ETIMEDOUT$", out), f"the timed-out request's error:\n{out}"
        q = m.command("nvme queues nvme0")
        assert has(r"resets: [1-9]", q), q
        # Generous: the throttle's bucket still holds the drained backlog (2/s).
        out = m.command("nvme timeout nvme0 io 30000")
        assert "I/O command timeout 30000 ms" in out, out
        check_hashes(m, original, "nvme0n1", 512, [(0, 8), (12345, 100)])
        assert m.poweroff() == status_of(1)


@pytest.mark.case("nvme.recovery.fatal-status", timeout=120)
def test_recovery_fatal_status(nvos):
    """Bus mastering switched off under the driver: QEMU cannot fetch the
    next command and raises CSTS.CFS. The driver notices (it reads CSTS while
    commands are outstanding), resets the controller, which turns bus
    mastering back on, and resubmits the command, which then succeeds."""
    path = nvos.image("disk")
    original = nvos.golden()
    with nvos.machine(disks=[Disk(path)], cmdline="nvme.io_timeout_ms=5000") as m:
        m.wait_ready()
        bdf = re.search(r"^(\S+) 1b36:0010", m.command("lspci"), re.M).group(1)
        cmd = int(re.search(r"0x([0-9a-f]{4})$", m.command(f"pci read {bdf} 4 2"), re.M).group(1),
                  16)
        m.command(f"pci write {bdf} 4 {cmd & ~4:#x} 2")
        out = m.command("blk sha256 nvme0n1 0 8")
        assert has(r"nvme0: controller fatal status \(CFS=1\) with Read .* outstanding; resetting",
                   out), out
        assert has(r"nvme0: reset complete", out), out
        want = nvosdisk.sha256_range(original, 0, 8, 512)
        assert has(rf"^{want}$", out), f"the resubmitted read's result:\n{out}"
        out = m.command(f"pci read {bdf} 4 2")
        assert has(r"0x0*[0-9a-f]*[4-7]$", out), f"bus master back on:\n{out}"
        assert m.poweroff() == status_of(0)


@pytest.mark.case("nvme.trace-matches-device", timeout=180)
def test_trace_matches_device(nvos):
    """nvos's teaching trace agrees with what the device received."""
    path = nvos.image("disk")
    qlog = os.path.join(nvos.logdir, f"{nvos.name}.qemu-trace")
    with nvos.machine(disks=[Disk(path)], cmdline="nvme.trace=1", trace_file=qlog) as m:
        m.wait_ready()
        for cmd in ("blk fill nvme0n1 100 3000 7", "blk sha256 nvme0n1 0 2100",
                    "blk offset 4092", "blk sha256 nvme0n1 5 9", "nvme smart-log nvme0",
                    "nvme get-feature nvme0 -f 7", "blk zero nvme0n1 0 8", "blk flush nvme0n1"):
            m.command(cmd)
        assert m.poweroff() == status_of(0)
        console = m.buf
    ours = nvmetrace.ours(console)
    assert ours and ours[0][0] == "CC", "no CC write in nvos's trace"
    # nvos's first CC write is the disable of what the firmware left running.
    assert ours[0][1] & 1 == 0, f"first CC write does not clear EN: {ours[0]}"
    with open(qlog) as f:
        dev = nvmetrace.device(f.read(), ours[0][1])
    kinds = {e[0] for e in ours}
    for k in ("CC", "AQA", "ASQ", "ACQ", "ADMIN", "IO", "CQE", "SQDB", "CQDB", "SHN"):
        assert k in kinds, f"nvos's trace has no {k} events"
    problems = nvmetrace.compare(ours, dev)
    assert not problems, "nvos's trace and QEMU's disagree:\n  " + "\n  ".join(problems)
    # The init sequence, in the spec's order, as the device saw it.
    order = [e[0] for e in dev if e[0] in ("CC", "AQA", "ASQ", "ACQ")][:6]
    assert order == ["CC", "AQA", "ASQ", "ACQ", "CC", "CC"], f"register writes out of order: {order}"
    admin = [e[2] for e in dev if e[0] == "ADMIN"][:9]
    identify, set_features, create_cq, create_sq = 0x06, 0x09, 0x05, 0x01
    dbbuf_config = 0x7C  # QEMU offers it (OACS bit 8): before the I/O queues
    assert admin == [identify] * 3 + [set_features, dbbuf_config] + [create_cq, create_sq] * 2, \
        (f"admin command order {admin}: expected Identify x3, Set Features, Doorbell Buffer "
         f"Config, Create CQ/SQ x2")
