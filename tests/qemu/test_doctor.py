"""QEMU test: `nvme doctor` (issue 9 item 8) on every boot path, both
machines and every interrupt mode the suite uses, each shape once.

Every check prints one line `doctor nvme0 CHECK RESULT: DETAIL` and the
command ends with `doctor nvme0: P pass, W warn, F fail` (docs/shell.md).
What each line says must be true of QEMU's controller: no VMD and no IOMMU
(QEMU has no DMAR/IVRS unless asked), no HMB requested (HMPRE 0), no APST
(APSTA 0), one 512-byte namespace found from the active list out of NN 256,
MPS 4 KiB of 4..64 KiB, the interrupt mode the boot asked for.
"""
import re

import pytest


CHECKS = ("platform", "bridges", "iommu", "inherited", "mps", "interrupts", "apst", "hmb",
          "lba-formats", "namespaces", "smart", "timeouts", "quirks")

# Every boot path once, both machines, each interrupt mode.
SHAPES = [("kernel", "q35", "msix"), ("grub-bios", "pc", "intx"),
          ("grub-uefi", "q35", "poll"), ("uefi", "pc", "msix")]

# What QEMU 7.2's controller must be reported as, per check: (results allowed, detail regex).
WANT = {
    "platform": ("pass", r"^no Intel VMD/RST RAID controller; 1b36:0010 class 01/08/02$"),
    # Firmware may or may not have left bus mastering on: either is reported truthfully.
    "bridges": ("pass|warn", r"^(memory decoding and bus mastering on: function and \d+ "
                             r"bridge\(s\) above it|on now; firmware had left them off .*)$"),
    "iommu": ("pass", r"^none \(no DMAR or IVRS table\)$"),
    "inherited": ("pass", r"^firmware left it (enabled \(CC\.EN=1, CSTS\.RDY=[01]\); disabled "
                          r"and re-initialized|disabled \(CC\.EN=0, CSTS\.RDY=0\))$"),
    "mps": ("pass", r"^CC\.MPS 4 KiB \(CAP\.MPSMIN 4 KiB, MPSMAX 64 KiB\)$"),
    "apst": ("pass", r"^not supported \(APSTA 0\); power state 0 of 1$"),
    "hmb": ("pass", r"^not requested \(HMPRE 0\)$"),
    "lba-formats": ("pass", r"^1 namespace\(s\), all usable; n1 512-byte blocks, metadata 0$"),
    "namespaces": ("pass", r"^NN 256, 1 active, from the active list \(CNS 02h\)$"),
    "smart": ("pass", r"^no critical warning, 0 unsafe shutdowns, \d+% used, \d+ K$"),
    "timeouts": ("pass", r"^CAP\.TO 15 \(7500 ms\), no CRTO; ready timeout 8000 ms$"),
    "quirks": ("pass", r"^0 applied$"),  # QEMU 1b36:0010 is in no quirk table entry
}
INTERRUPTS = {
    "msix": ("pass", r"^MSI-X, 65 entries in the table; [1-9]\d* of \d+ queue\(s\) "
                     r"interrupt-driven$"),
    "intx": ("pass", r"^INTx, GSI \d+; [1-9]\d* of \d+ queue\(s\) interrupt-driven$"),
    "poll": ("warn", r"^polling: no interrupts \(nvme\.irq=poll, or none available\); "
                     r"\d+ queue\(s\)$"),
}
LINE = re.compile(r"^doctor nvme0 (\S+) (pass|warn|fail): (.*)$", re.M)
SUMMARY = re.compile(r"^doctor nvme0: (\d+) pass, (\d+) warn, (\d+) fail$", re.M)


@pytest.mark.case("nvme.doctor.{boot}.{machine}.{irq}", timeout=180)
@pytest.mark.parametrize("boot,machine,irq", SHAPES, ids=["-".join(s) for s in SHAPES])
def test_doctor(nvos, boot, machine, irq):
    cmdline = {"msix": "", "intx": "nvme.irq=intx", "poll": "nvme.irq=poll"}[irq]
    with nvos.machine(boot=boot, machine=machine, disks=[nvos.blank_disk()],
                      cmdline=cmdline) as m:
        m.wait_ready()
        out = m.command("nvme doctor")
        lines = LINE.findall(out)
        names = [name for name, _, _ in lines]
        assert names == list(CHECKS), f"checks, in order:\n{out}"
        want = dict(WANT, interrupts=INTERRUPTS[irq])
        for name, result, detail in lines:
            results, pattern = want[name]
            assert re.fullmatch(results, result), f"{name}: {result}: {detail}\n{out}"
            assert re.search(pattern, detail), f"{name}: {detail!r} !~ {pattern!r}\n{out}"
        summary = SUMMARY.search(out)
        assert summary is not None, f"no summary line:\n{out}"
        counts = [int(summary.group(i)) for i in (1, 2, 3)]
        assert counts == [sum(r == k for _, r, _ in lines) for k in ("pass", "warn", "fail")], out
        assert counts[2] == 0, out
        # The same for one controller by name, and a name that is none.
        assert LINE.findall(m.command("nvme doctor nvme0")) == lines
        bad = m.command("nvme doctor nvme7")
        assert "nvme doctor: no device 'nvme7'" in bad, bad
