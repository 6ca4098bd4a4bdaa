"""QEMU tests: NVMe capture and replay (docs/capture.md).

Boots with nvme.capture=1 (the initialization is captured), types
`nvme capture on` (a reset is captured), takes the NVCAP lines from the
console and replays them on the host with build/host/nvme_replay, which runs
the driver's own code against them: the transcript must be reproduced. Then
the capture is edited - CAP.MQES made 15 - and the replay must report the
divergence where the driver's behaviour changes (the size of the first I/O
completion queue), naming the line and the step.

The fresh capture must also equal the one shipped in
tests/host/data/captures (which the host tests replay): when a driver change
alters the transcript on purpose, rerun with NVOS_UPDATE_CAPTURES=1 to
rewrite the shipped file, and review its diff.
"""
import os
import re
import subprocess

import pytest

from nvoslib.qemu import status_of

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHAPES = {
    "q35-msix": ("q35", "nvme.capture=1"),
    "pc-intx": ("pc", "nvme.capture=1 nvme.irq=intx"),
}


def replay(nvos, path, *args):
    tool = os.path.join(nvos.build, "host", "nvme_replay")
    assert os.path.exists(tool), f"{tool} is missing: build the target host_tests first"
    r = subprocess.run([tool, *args, path], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


@pytest.mark.case("nvme.capture.{shape}", timeout=240)
@pytest.mark.parametrize("shape", tuple(SHAPES))
def test_capture(nvos, shape):
    machine, cmdline = SHAPES[shape]
    # One CPU, whatever NVOS_SMP says: the shipped captures are of one-CPU
    # boots (the queue pairs asked for and created follow the CPU count).
    with nvos.machine(machine=machine, disks=[nvos.blank_disk()], cmdline=cmdline,
                      extra=["-smp", "1"]) as m:
        m.wait_ready()
        out = m.check("nvme capture on", timeout=120)
        assert "nvme0: capture complete" in out, out
        console = m.buf
        assert m.poweroff() == status_of(0)

    lines = [ln.rstrip() for ln in console.splitlines() if ln.startswith("NVCAP ")]
    assert [ln.split()[1:4] for ln in lines if " begin " in ln] == \
        [["begin", "v1", "init"], ["begin", "v1", "reset"]], lines[:3]
    irq = "msix" if shape == "q35-msix" else "intx"
    assert sum(ln.startswith(f"NVCAP irq {irq} ") for ln in lines) == 2, \
        [ln for ln in lines if " irq " in ln]
    path = os.path.join(nvos.images, f"{nvos.name}.nvcap")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")

    # 1. The capture as taken: every line reproduced by the driver on the host.
    rc, out = replay(nvos, path)
    assert rc == 0 and re.search(r"2 section\(s\), \d+ lines reproduced", out), out

    # 2. Edited: CAP.MQES (bits 15:0 of the first CAP read) 2047 -> 15.
    edited = list(lines)
    k = next(i for i, ln in enumerate(edited) if ln.startswith("NVCAP r 000 "))
    cap = int(edited[k].split()[3], 16)
    edited[k] = f"NVCAP r 000 {cap & ~0xFFFF | 15:08x}"
    want_line = 1 + next(i for i, ln in enumerate(edited)
                         if re.match(r"NVCAP s 0 [0-9a-f]{4} 05 ", ln))
    epath = path + ".edited"
    with open(epath, "w") as f:
        f.write("\n".join(edited) + "\n")
    rc, out = replay(nvos, epath)
    assert rc == 1, out
    assert "edited or damaged" in out, out
    assert f"first divergence at capture line {want_line} " in out, (want_line, out)
    assert re.search(r"step \d+/\d+ create I/O completion", out), out
    assert re.search(r"capture: s 0 \S+ 05 \S+ 00ff0001 .*QSIZE=256", out), out
    assert re.search(r"driver:  s 0 \S+ 05 \S+ 000f0001 .*QSIZE=16", out), out
    os.remove(epath)

    # 3. The shipped capture is this one (the host tests replay it).
    shipped = os.path.join(ROOT, "tests", "host", "data", "captures", f"{shape}.nvcap")
    if os.environ.get("NVOS_UPDATE_CAPTURES") == "1":
        with open(shipped, "w") as f:
            f.write("\n".join(lines) + "\n")
    with open(shipped) as f:
        want = f.read().splitlines()
    os.remove(path)

    def shape_of(line):
        # What the device answered (register reads, completions, data
        # pages) must match exactly; what the driver wrote and sent is
        # compared by kind, register and queue only: its DMA addresses follow
        # the heap's layout, which any unrelated change to the kernel shifts
        # (and with them the end line's CRC).
        t = line.split()
        return line if t[1:2] in (["r"], ["c"], ["d"]) else " ".join(t[:3])
    if [shape_of(x) for x in want] != [shape_of(x) for x in lines]:
        first = next((i for i, (a, b) in enumerate(zip(want, lines))
                      if shape_of(a) != shape_of(b)), min(len(want), len(lines)))
        pytest.fail(f"{shipped} differs from this capture at line {first + 1}: "
                    f"{want[first] if first < len(want) else '(end)'!r} vs "
                    f"{lines[first] if first < len(lines) else '(end)'!r}; if the driver's "
                    f"transcript changed on purpose, rerun with NVOS_UPDATE_CAPTURES=1")
