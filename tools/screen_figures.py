#!/usr/bin/python3
"""tools/screen_figures.py - the screen console's figures for the README.

Boots the UEFI path with the demo disk (build/disk.img) and, alternating
`screen off` (COM1 only) and `screen on` (COM1 and the framebuffer), twice
each, times the same commands through `uptime` (kernel TSC) around each: sha256 and cat of /big.bin (64 MiB) and a
2-second randread bench (IOPS). Then `screen bench` at 1280x800 and
3840x2160 (OVMF GOP mode chosen with the loader's video= option on a QEMU VGA
with xres/yres). Prints a Markdown table.

    tools/screen_figures.py
"""
import os
import re
import time

from nvoslib.qemu import Disk, Machine, build_dir
from nvoslib.qmp import QmpError

BUILD = build_dir()
DISK = os.path.join(BUILD, "disk.img")
JOB = "bench dev=nvme0n1 rw=randread bs=4k iodepth=32 mode=irq runtime=2 target=nvme json_bins=0"
ONE = ("uptime; sha256 nvme0n1:1 /big.bin; uptime; cat nvme0n1:1 /big.bin; uptime; "
       + JOB)  # cat: 64 MiB of output, control bytes as '.'
# In one boot, alternating: the machine's load changes less within a boot
# than between boots. "screen off" makes the console COM1 only.
SCRIPT = "; ".join(["screen off; " + ONE + "; screen on; " + ONE + "; screen"] * 2) \
    + "; echo figures-done"


def run(cmdline, extra, timeout=1200):
    """Boots, lets the run= script finish (it powers off), returns the lines
    of COM1 output that matter (uptime, bench, screen; not cat's bytes)."""
    keep = re.compile(rb"^(uptime:|screen bench:|screen: \d|\s*read: IOPS=|bench: \d|figures-done).*$",
                      re.M)
    # COM1 in a ring QEMU keeps in memory: a pty or file backend costs a
    # write per byte, which would dominate cat's 64 MiB.
    m = Machine("uefi", cmdline=cmdline, disks=[Disk(DISK, snapshot=True)], extra=extra,
                serial="ringbuf", qmp=True, memory="1024", timeout=timeout)
    lines, carry = [], b""
    with m:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                data = carry + m.ringbuf_read()
            except (QmpError, OSError):
                break  # QEMU powered off
            cut = data.rfind(b"\n") + 1
            lines += [x.group(0).decode(errors="replace").rstrip() for x in keep.finditer(data[:cut])]
            carry = data[cut:][-4096:]
            if not m.alive() or "figures-done" in lines:
                break
            time.sleep(0.2)
    return "\n".join(lines)


def seconds(out):
    return [float(m) for m in re.findall(r"^uptime: (\d+\.\d+) s", out, re.M)]


def costs(out):
    """[(sha256 s, cat s, IOPS)] per ONE in the order run."""
    t = seconds(out)
    iops = []
    for v in re.findall(r"read: IOPS=([\d.]+k?)", out):
        iops.append(float(v[:-1]) * 1000 if v.endswith("k") else float(v))
    if len(t) % 3 or len(t) // 3 != len(iops) or not iops:
        raise SystemExit("run incomplete:\n" + out[-3000:])
    return [(t[3 * i + 1] - t[3 * i], t[3 * i + 2] - t[3 * i + 1], iops[i])
            for i in range(len(iops))]


def main():
    out = run(f'run="{SCRIPT}"', [])
    runs = costs(out)
    serial, screen = runs[0::2], runs[1::2]
    print("| | serial only (screen off) | serial + screen | difference |")
    print("|---|---|---|---|")
    for i, name in enumerate(("sha256 /big.bin (s, best)", "cat /big.bin (s, best)",
                              "bench randread 4k qd32 (IOPS, best)")):
        pick = min if i < 2 else max
        a, b = pick(r[i] for r in serial), pick(r[i] for r in screen)
        print(f"| {name} | {a:.3f} | {b:.3f} | {(b - a) / a * 100:+.1f} % |")
    print("all runs (sha256 s, cat s, IOPS), off/on alternating:", runs)
    print("\n".join(l for l in out.splitlines() if l.startswith("screen: ")))
    for res, extra in (("1280x800", []),
                       ("3840x2160", ["-vga", "none", "-device",
                                      "VGA,xres=3840,yres=2160,vgamem_mb=64"])):
        out = run(f'video={res} run="screen bench 5000; echo figures-done"', extra)
        m = re.search(r"^screen bench: .*$", out, re.M)
        print(m.group(0) if m else "screen bench did not run:\n" + out[-2000:])


if __name__ == "__main__":
    main()
