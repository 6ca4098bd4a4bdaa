"""QEMU tests: what a machine puts in front of the drive (docs/real-hardware.md).

- Four NVMe controllers in INTx mode on i440FX, where SeaBIOS routes the
  four PCI interrupt links onto two ISA lines: controllers share a line,
  every handler on it runs, and data read and written on every controller
  matches the host.
- A root port above the drive with bus mastering and memory decoding
  switched off: the driver turns them back on, says so, and I/O works.
- Intel VT-d and AMD-Vi IOMMUs (QEMU's intel-iommu, amd-iommu): the ACPI
  DMAR/IVRS tables are parsed and each unit's translation state reported
  from its own register (off: nvos programs no IOMMU, and QEMU's boot
  firmware leaves them off).
- nvme.irq=msi on QEMU's NVMe, which has MSI-X and no plain MSI: the forced
  mode is refused in one line, and the queues are polled.
- MSI delivered end to end on QEMU's edu device (MSI, no MSI-X), programmed
  by the code the NVMe driver uses (pci_msi_program).
"""
import re

import pytest

from nvoslib import disk as nvosdisk
from nvoslib.qemu import Disk, status_of

from test_nvme import check_fills, check_hashes


def boot_log(m):
    """What the machine printed up to now (the boot, after wait_ready)."""
    return m.buf


@pytest.mark.case("pci.intx_shared.pc", timeout=240)
def test_intx_shared_four_controllers(nvos):
    original = nvos.golden()
    paths = [nvos.image(f"disk{i}") for i in range(4)]
    with nvos.machine(machine="pc", disks=[Disk(p) for p in paths], cmdline="nvme.irq=intx") as m:
        m.wait_ready()
        log = boot_log(m)
        lines = {}
        for i in range(4):
            mm = re.search(rf"^nvme{i}: INTx pin A, line (\d+) -> GSI (\d+) \(level, [a-z ]+\), "
                           rf"kernel vector (0x[0-9a-f]+)(, shared)?$", log, re.M)
            assert mm is not None, f"nvme{i} is not in INTx mode:\n{log}"
            lines[i] = (int(mm.group(2)), mm.group(3))
        gsis = [g for g, _ in lines.values()]
        shared = [g for g in set(gsis) if gsis.count(g) > 1]
        assert shared, f"no two controllers share a line: {lines}"
        for g in shared:  # one vector per line, whoever asked first
            assert len({v for gg, v in lines.values() if gg == g}) == 1, lines
        table = m.command("irq")
        for g in shared:
            assert re.search(rf"^0x[0-9a-f]+ +{g} .*\(shared\)$", table, re.M), table
        for i in range(4):
            dev = f"nvme{i}n1"
            check_hashes(m, original, dev, 512, [(0, 8), (1000 + i, 1500)])
            m.command(f"blk fill {dev} {3000 + 100 * i} {700 + i} {20 + i}")
        for i in range(4):
            q = m.command(f"nvme queues nvme{i}")
            assert "interrupts: INTx;" in q, q
            row = re.search(r"^1 +\d+ +irq +0 +0 +(\d+) +(\d+) .* (\d+)$", q, re.M)
            assert row is not None, f"no interrupt-driven queue 1 on nvme{i}:\n{q}"
            assert row.group(1) == row.group(2) and int(row.group(3)) > 0, q
        assert m.poweroff() == status_of(0)
    for i, p in enumerate(paths):
        check_fills(p, 512, [(3000 + 100 * i, 700 + i, 20 + i)], original)


@pytest.mark.case("pci.bridge_bme.q35", timeout=180)
def test_bridge_bus_master_restored(nvos):
    path = nvos.image("disk")
    original = nvos.golden()
    extra = ["-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1,addr=0x1c",
             "-drive", f"file={path},if=none,id=dx,format=raw",
             "-device", "nvme,serial=behind,drive=dx,bus=rp1"]
    with nvos.machine(machine="q35", extra=extra) as m:
        m.wait_ready()
        out = m.command("lspci")
        assert re.search(r"^01:00\.0 1b36:0010 class 010802", out, re.M), out
        cmd = int(m.command("pci read 00:1c.0 4 2").split()[-1], 16)
        assert cmd & 0x6 == 0x6, f"root port command {cmd:#x} after boot"
        check_hashes(m, original, "nvme0n1", 512, [(0, 8)])
        # Firmware-style DMA protection: the root port forwards nothing.
        m.command(f"pci write 00:1c.0 4 {cmd & ~0x6:#x} 2")
        out = m.command("nvme reset nvme0")
        assert re.search(r"^pci: bridge 00:1c\.0 above nvme0 had memory decoding and bus "
                         r"mastering off \(firmware\); enabled$", out, re.M), out
        cmd2 = int(m.command("pci read 00:1c.0 4 2").split()[-1], 16)
        assert cmd2 & 0x6 == 0x6, f"root port command {cmd2:#x} after the reset"
        check_hashes(m, original, "nvme0n1", 512, [(100, 2000)])
        m.command("blk fill nvme0n1 5000 300 9")
        assert m.poweroff() == status_of(0)
    check_fills(path, 512, [(5000, 300, 9)], original)


IOMMUS = [("intel", ["-device", "intel-iommu"], "Intel VT-d \\(DMAR\\)", "0xfed90000"),
          ("amd", ["-device", "amd-iommu"], "AMD-Vi \\(IVRS\\)", None)]


@pytest.mark.case("pci.iommu.{kind}", timeout=180)
@pytest.mark.parametrize("kind,extra,name,base", IOMMUS, ids=[i[0] for i in IOMMUS])
def test_iommu_reported(nvos, kind, extra, name, base):
    path = nvos.image("disk")
    original = nvos.golden()
    with nvos.machine(machine="q35", disks=[Disk(path)], extra=extra,
                      cmdline="nvme.irq=msi") as m:
        m.wait_ready()
        log = boot_log(m)
        mm = re.search(rf"^iommu: {name} unit at (0x[0-9a-f]+) \(segment 0\): DMA translation "
                       rf"off$", log, re.M)
        assert mm is not None, f"no IOMMU line:\n{log}"
        if base:
            assert mm.group(1) == base, mm.group(0)
        assert len(re.findall(r"^iommu: ", log, re.M)) == 1, log
        assert re.search(r"^nvme0: nvme\.irq=msi is not usable on this device; every queue is "
                         r"polled$", log, re.M), log
        check_hashes(m, original, "nvme0n1", 512, [(0, 8), (500, 1200)])
        m.command("blk fill nvme0n1 7000 64 4")
        q = m.command("nvme queues nvme0")
        assert "interrupts: polling;" in q, q
        assert m.poweroff() == status_of(0)
    check_fills(path, 512, [(7000, 64, 4)], original)


@pytest.mark.case("pci.msi_edu.{machine}", timeout=120)
@pytest.mark.parametrize("machine", ("q35", "pc"))
def test_msi_delivery_edu(nvos, machine):
    """MSI end to end: QEMU's edu device has MSI (64-bit, one vector) and no
    MSI-X; the capability is programmed by pci_msi_program(), the device is
    told to raise its interrupt, and the kernel's vector must count it."""
    with nvos.machine(machine=machine, extra=["-device", "edu,addr=0x9"]) as m:
        m.wait_ready()
        out = m.command("lspci -v")
        assert re.search(r"^00:09\.0 1234:11e8 ", out, re.M), out
        assert re.search(r"capability 0x[0-9a-f]+: MSI \(id 05\), 64-bit address, 1 vector\(s\) "
                         r"capable, disabled$", out, re.M), out
        out, rc = m.run("pci msi-test 00:09.0")
        assert rc == 0 and re.search(r"^MSI: 3 of 3 messages delivered to vector 0x[0-9a-f]+ "
                                     r"\(64-bit address, 1 vector\(s\) capable\)$", out, re.M), out
        out = m.command("lspci -v")  # MSI off again afterwards
        assert re.search(r": MSI \(id 05\), .*, disabled$", out, re.M), out
        # Only the edu device can be told to raise an interrupt.
        out, rc = m.run("pci msi-test 00:00.0")
        assert rc != 0 and "only on QEMU's edu device" in out, out
        assert m.poweroff() == status_of(1)  # one command failed, as it had to


@pytest.mark.case("pci.intx_failed_init.{failing}", timeout=180)
@pytest.mark.parametrize("failing", ("nvme0", "nvme1"))
def test_intx_shared_line_after_failed_init(nvos, failing):
    """Two controllers on one INTx line (-M pc); one fails its initialization
    after its handler joined the line (nvme.fail_step: step 9, Identify).
    Its unwind must take off its own handler only: the other controller's
    completions still arrive by interrupt, and no handler reads the freed
    controller's queues."""
    original = nvos.golden()
    paths = [nvos.image(f"disk{i}") for i in range(2)]
    survivor = "nvme1" if failing == "nvme0" else "nvme0"
    with nvos.machine(machine="pc", disks=[Disk(p) for p in paths],
                      cmdline=f"nvme.irq=intx nvme.fail_step={failing}:9") as m:
        m.wait_ready()
        log = boot_log(m)
        assert re.search(rf"^{failing}: step 4/\d+ set up interrupts", log, re.M), log
        assert re.search(rf"^{failing}: INTx pin A, line 11 -> GSI 11 ", log, re.M), log
        assert re.search(rf"^{failing}: failing step 9 \(nvme\.fail_step\)$", log, re.M), log
        assert re.search(rf"^{failing}: not attached \(EIO\)$", log, re.M), log
        assert re.search(rf"^{survivor}: INTx pin A, line 11 -> GSI 11 ", log, re.M), log
        table = m.command("irq")
        row = re.search(r"^0x[0-9a-f]+ +11 +\d+ +(.*)$", table, re.M)
        assert row is not None and row.group(1) == survivor, table
        dev = f"{survivor}n1"
        check_hashes(m, original, dev, 512, [(0, 8), (300, 2500)])
        m.command(f"blk fill {dev} 4000 900 31")
        q = m.command(f"nvme queues {survivor}")
        row = re.search(r"^1 +\d+ +irq +0 +0 +(\d+) +(\d+) +\d+ +\d+ +\d+ +(\d+) +\d+ +(\d+)$",
                        q, re.M)
        assert row is not None, q
        assert row.group(1) == row.group(2) and int(row.group(4)) > 0, q
        assert int(row.group(3)) == 0, f"I/O timed out (missed interrupts):\n{q}"
        assert m.poweroff() == status_of(0)
    check_fills(paths[1 if failing == "nvme0" else 0], 512, [(4000, 900, 31)], original)
