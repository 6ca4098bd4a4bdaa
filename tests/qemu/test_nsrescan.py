"""QEMU test: namespaces attached and detached at run time (issue 9 finding 6).

QEMU's controller in an NVMe subsystem holds namespace 2 detached; `nvme
attach-ns` / `detach-ns` (Namespace Attachment, 15h) make the controller
raise a Namespace Attribute Changed event, and nvos's rescan must publish
nvme0n2 as a block device, make it fail with ENODEV once detached (the
device stays registered: the block layer never unregisters), and serve it
again, with the same data, once re-attached. Namespace 1 keeps working
throughout.
"""
import os
import re

import pytest

DISK_MIB = 16


def rescan_says(m, *lines):
    """The rescan runs from the shell's idle loop once the controller's
    event has arrived, and prints while the shell waits at its prompt: the
    lines are expected there, in order."""
    m.expect(r"nvme0: rescanning namespaces \(Namespace Attribute Changed\)", timeout=30)
    for line in lines:
        m.expect(re.escape(line), timeout=30)


def sha(m, dev):
    out = m.command(f"blk sha256 {dev} 0 64")
    found = re.search(r"^([0-9a-f]{64})$", out, re.M)
    assert found, out
    return found.group(1)


@pytest.mark.case("nvme.ns-rescan", timeout=180)
def test_ns_rescan(nvos):
    drives = []
    for n in (1, 2):
        path = os.path.join(nvos.images, f"ns{n}.img")
        with open(path, "wb") as f:
            f.truncate(DISK_MIB << 20)
        drives += ["-drive", f"file={path},if=none,id=nsd{n},format=raw"]
    extra = drives + [
        "-device", "nvme-subsys,id=subsys0,nqn=nvos-rescan",
        "-device", "nvme,id=nvme0,serial=nvosrescan,subsys=subsys0",
        "-device", "nvme-ns,drive=nsd1,bus=nvme0,nsid=1",
        "-device", "nvme-ns,drive=nsd2,bus=nvme0,nsid=2,detached=on",
    ]
    with nvos.machine(disks=[], extra=extra) as m:
        m.wait_ready()
        out = m.command("blk list")
        assert re.search(rf"^nvme0n1 +{DISK_MIB << 20} +512 +\d+$", out, re.M), out
        assert "nvme0n2" not in out, out

        out = m.command("nvme attach-ns nvme0 -n 2")
        assert "attach-ns: Success, nsid:2" in out, out
        rescan_says(m, "nvme0n2: 32768 blocks of 512 bytes (16 MiB)",
                    "nvme0n2: block device, interrupt-driven completions")
        out = m.command("blk list")
        assert re.search(rf"^nvme0n2 +{DISK_MIB << 20} +512 +\d+$", out, re.M), out
        out = m.command("nvme list")
        assert re.search(r"^/dev/nvme0n2 ", out, re.M), out
        m.command("blk fill nvme0n2 0 64 7")
        before = sha(m, "nvme0n2")

        out = m.command("nvme detach-ns nvme0 -n 2")
        assert "detach-ns: Success, nsid:2" in out, out
        rescan_says(m, "nvme0n2: namespace removed",
                    "nvme0n2: block device kept; it fails with ENODEV until the namespace returns")
        out = m.command("blk sha256 nvme0n2 0 8")
        assert "error: read nvme0n2 lba 0+8: ENODEV" in out, out
        out = m.command("nvme list")
        assert re.search(r"^/dev/nvme0n1 ", out, re.M), out
        assert not re.search(r"^/dev/nvme0n2 ", out, re.M), out
        sha(m, "nvme0n1")  # the other namespace still serves

        out = m.command("nvme attach-ns nvme0 -n 2")
        assert "attach-ns: Success, nsid:2" in out, out
        rescan_says(m, "nvme0n2: block device now 32768 blocks of 512 bytes")
        out = m.command("nvme list")
        assert re.search(r"^/dev/nvme0n2 ", out, re.M), out
        assert sha(m, "nvme0n2") == before  # the same device, the same data
