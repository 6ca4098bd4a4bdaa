#!/usr/bin/env python3
"""smpbench - the SMP scaling figure of nvos: IOPS with numjobs=N against numjobs=1.

    tools/smpbench.py [--cpus 2] [--pin 0,1] [--rounds 5] [--runtime 3] [--ramp 0.5]
                      [--configs nvme:poll,nvme:irq,block:poll,block:irq] [--qd 32]
                      [--out build/smpbench]

One QEMU (q35, 512 MiB, multi-threaded TCG: -accel tcg,thread=multi, -smp
--cpus), pinned to the host CPUs --pin with taskset, a null-co drive
(driver=null-co,read-zeroes=on: no host I/O at all), and on that one boot,
for each configuration TARGET:MODE ("nvme": queue pairs of each copy's own,
straight through the driver API; "block": the block layer on each CPU's own
pair, the device switched to MODE with "blk mode" first; MODE poll or irq),
4 KiB random reads at queue depth --qd per copy:
numjobs=1 and numjobs=--cpus, alternating (1 N N 1 1 N ...) for --rounds
rounds. Each figure is the median of its rounds; the ratio is median(N) /
median(1). The load average of the host is printed before and after (the
machine may be shared: say so with the figures). Output: --out/smpbench.md,
smpbench.json and console.log.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from nvoslib.qemu import Disk, Machine, build_dir  # noqa: E402


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def group_iops(out, numjobs):
    """Read IOPS of the run: BENCH_GROUP's aggregate, or the one job's."""
    key = "BENCH_GROUP " if numjobs > 1 else "BENCH_JSON "
    for line in out.splitlines():
        if line.startswith(key):
            j = json.loads(line[len(key):])
            if j.get("status") != "ok":
                raise RuntimeError(f"run failed: {line}")
            return j["read_iops"] if numjobs > 1 else j["read"]["iops"]
    raise RuntimeError(f"no {key.strip()} line in:\n{out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--pin", default="0,1", help="host CPUs for taskset ('' for none)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runtime", type=float, default=3)
    ap.add_argument("--ramp", type=float, default=0.5)
    ap.add_argument("--configs", default="nvme:poll,nvme:irq,block:poll,block:irq")
    ap.add_argument("--qd", type=int, default=32)
    ap.add_argument("--out", default=os.path.join(build_dir(), "smpbench"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    targets = a.configs.split(",")
    qemu_version = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                                  text=True).stdout.splitlines()[0]
    load_before = loadavg()
    disk = Disk(drive_opts="driver=null-co,read-zeroes=on,size=4G")
    prefix = ["taskset", "-c", a.pin] if a.pin else []
    runs = {(t, n): [] for t in targets for n in (1, a.cpus)}
    with open(os.path.join(a.out, "console.log"), "w") as logf:
        with Machine(disks=[disk], prefix=prefix, timeout=24 * 3600, stream=logf,
                     accel="tcg,thread=multi", extra=["-smp", str(a.cpus)]) as m:
            m.wait_prompt()
            for rnd in range(a.rounds):
                order = (1, a.cpus) if rnd % 2 == 0 else (a.cpus, 1)
                for cfg in targets:
                    t, mode = cfg.split(":")
                    if t == "block":
                        m.command(f"blk mode nvme0n1 {mode}")
                    for n in order:
                        cmd = (f"bench target={t} dev=nvme0n1 rw=randread bs=4k "
                               f"iodepth={a.qd} mode={mode} runtime={int(a.runtime * 1000)}ms "
                               f"ramp={int(a.ramp * 1000)}ms numjobs={n} progress=0 json_bins=0")
                        out = m.command(cmd, timeout=a.runtime * 10 + 60)
                        iops = group_iops(out, n)
                        runs[(cfg, n)].append(iops)
                        print(f"round {rnd + 1}: {cfg} numjobs={n}: {iops:.0f} IOPS",
                              flush=True)
            m.poweroff()
    load_after = loadavg()
    result = {"qemu": qemu_version, "cpus": a.cpus, "pin": a.pin, "qd": a.qd,
              "runtime_s": a.runtime, "ramp_s": a.ramp, "rounds": a.rounds,
              "load_before": load_before, "load_after": load_after, "targets": {}}
    lines = [f"# nvos SMP scaling ({qemu_version}, -smp {a.cpus}, multi-threaded TCG, "
             f"taskset -c {a.pin or '(none)'})", "",
             f"4 KiB randread, QD {a.qd} per copy, null-co drive (read-zeroes=on), "
             f"{a.runtime:g} s + {a.ramp:g} s ramp per run, median of {a.rounds} interleaved "
             f"rounds; host load average {load_before} before, {load_after} after.", "",
             f"| target:mode | numjobs=1 IOPS | numjobs={a.cpus} IOPS | ratio |",
             "|---|---|---|---|"]
    for t in targets:
        one, many = statistics.median(runs[(t, 1)]), statistics.median(runs[(t, a.cpus)])
        ratio = many / one if one else 0
        result["targets"][t] = {"numjobs_1": runs[(t, 1)], f"numjobs_{a.cpus}": runs[(t, a.cpus)],
                                "median_1": one, f"median_{a.cpus}": many, "ratio": ratio}
        lines.append(f"| {t} | {one:.0f} | {many:.0f} | {ratio:.2f} |")
    with open(os.path.join(a.out, "smpbench.json"), "w") as f:
        json.dump(result, f, indent=1)
    with open(os.path.join(a.out, "smpbench.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
