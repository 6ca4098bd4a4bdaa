#!/usr/bin/env python3
"""tools/screen_figures.py - the screen console's figures for the README.

Boots the UEFI path with the demo disk (build/disk.img) twice per round:
serial only (-vga none: no display, so no screen console) and serial plus
the framebuffer console, and times the same commands in both through
`uptime` (kernel TSC) around each: sha256 and cat of /big.bin (64 MiB) and a
2-second randread bench (IOPS). Then `screen bench` at 1280x800 and
3840x2160 (OVMF GOP mode chosen with the loader's video= option on a QEMU VGA
with xres/yres). Prints a Markdown table.

    tools/screen_figures.py [ROUNDS]
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "qemu"))
import console_screen as cs  # noqa: E402  (re-execs under /usr/bin/python3 if needed)

BUILD = cs.nvosqemu.build_dir()
DISK = os.path.join(BUILD, "disk.img")
JOB = "bench dev=nvme0n1 rw=randread bs=4k iodepth=32 mode=irq runtime=2 target=nvme json_bins=0"
SCRIPT = ("uptime; sha256 nvme0n1:1 /big.bin; uptime; cat nvme0n1:1 /big.bin; uptime; "
          + JOB + "; echo figures-done")  # cat: 64 MiB of output, control bytes as '.'


def run(cmdline, extra, timeout=1200):
    """Boots, lets the run= script finish (it powers off), returns the lines
    of COM1 output that matter (uptime, bench, screen; not cat's bytes)."""
    keep = re.compile(rb"^(uptime:|screen bench:|\s*read: IOPS=|bench: \d|figures-done).*$", re.M)
    scr = cs.Screen("uefi", cmdline=cmdline, disk=DISK, extra=extra, serial_ring=True,
                    memory="1024")
    lines, carry = [], b""
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                data = carry + scr.ring_read()
            except (cs.Failure, OSError):
                break  # QEMU powered off
            cut = data.rfind(b"\n") + 1
            lines += [m.group(0).decode(errors="replace").rstrip() for m in keep.finditer(data[:cut])]
            carry = data[cut:][-4096:]
            if scr.proc.poll() is not None or "figures-done" in lines:
                break
            time.sleep(0.2)
    finally:
        scr.close()
    return "\n".join(lines)


def seconds(out):
    return [float(m) for m in re.findall(r"^uptime: (\d+\.\d+) s", out, re.M)]


def costs(out):
    t = seconds(out)
    iops = re.search(r"read: IOPS=([\d.]+k?)", out)
    if len(t) < 3 or not iops:
        raise SystemExit("run incomplete:\n" + out[-3000:])
    v = iops.group(1)
    n = float(v[:-1]) * 1000 if v.endswith("k") else float(v)
    return t[1] - t[0], t[2] - t[1], n


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    serial, screen = [], []
    for _ in range(rounds):
        serial.append(costs(run(f'run="{SCRIPT}"', ["-vga", "none"])))
        screen.append(costs(run(f'run="{SCRIPT}"', [])))
    rows = []
    for i, name in enumerate(("sha256 /big.bin (s)", "cat /big.bin (s)", "bench randread 4k qd32 (IOPS)")):
        a = min(r[i] for r in serial) if i < 2 else max(r[i] for r in serial)
        b = min(r[i] for r in screen) if i < 2 else max(r[i] for r in screen)
        rows.append((name, a, b, (b - a) / a * 100))
    print("| | serial only | serial + screen | difference |")
    print("|---|---|---|---|")
    for name, a, b, d in rows:
        print(f"| {name} | {a:.3f} | {b:.3f} | {d:+.1f} % |")
    for res, extra in (("1280x800", []),
                       ("3840x2160", ["-vga", "none", "-device",
                                      "VGA,xres=3840,yres=2160,vgamem_mb=64"])):
        out = run(f'video={res} run="screen bench 5000; echo figures-done"', extra)
        m = re.search(r"^screen bench: .*$", out, re.M)
        print(m.group(0) if m else "screen bench did not run:\n" + out[-2000:])


if __name__ == "__main__":
    main()
