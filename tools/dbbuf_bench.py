#!/usr/bin/env python3
"""dbbuf_bench - IOPS with shadow doorbells against without (README figures).

    tools/dbbuf_bench.py [--accel kvm,tcg] [--rounds 5] [--runtime 2] [--cpu 1]
                         [--depths 1,32] [--targets block,nvme] [--ioeventfd]
                         [--out build/dbbuf-bench]

For each accelerator, rounds of: one boot with shadow doorbells (the
default) and one with nvme.dbbuf=0, in alternating order (on, off, off, on,
...), each running 4 KiB randread at every depth on each target, interrupt-driven
(bench target=block|nvme mode=irq: the block layer's queue pair, whose saved
MMIO writes "nvme queues" then shows, and the benchmark's own queue pair
straight through the driver API), on a null-co drive (read-zeroes=on: no
host I/O), QEMU q35 with 512 MiB pinned with taskset to
one host CPU. Each figure is the median of its rounds. --ioeventfd adds a
third configuration: shadow doorbells with the controller's ioeventfd=on
(QEMU then takes I/O queue doorbell writes through eventfds, which it only
does once Doorbell Buffer Config has been sent).

Writes <out>/dbbuf.md (the table, with QEMU version, host CPU and load) and
<out>/dbbuf.json (every round). A benchmark, not a test: figures vary with
the host's load, which the table states.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nvoslib.qemu import Disk, Machine, build_dir  # noqa: E402


def bench(m, target, qd, runtime):
    out = m.command(f"bench target={target} dev=nvme0n1 rw=randread bs=4k iodepth={qd} mode=irq "
                    f"runtime={int(runtime * 1000)}ms ramp=500ms progress=0",
                    timeout=runtime * 20 + 120)
    line = next((l for l in out.splitlines() if l.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"no BENCH_JSON:\n{out}")
    j = json.loads(line[len("BENCH_JSON "):])
    if j["status"] != "ok":
        raise RuntimeError(f"bench failed: {j['status']}\n{out}")
    return j["read"]["iops"]


def saved(m):
    q = m.command("nvme queues nvme0")
    mm = re.search(r"MMIO writes saved:(.*)$", q, re.M)
    return sum(int(v) for v in re.findall(r"q\d+ (\d+)", mm.group(1))) if mm else 0


def one_boot(a, accel, config, log):
    cmdline = "nvme.dbbuf=0" if config == "off" else ""
    opts = "ioeventfd=on" if config == "ioeventfd" else ""
    disk = Disk(drive_opts="driver=null-co,read-zeroes=on,size=4G", nvme_opts=opts)
    prefix = ["taskset", "-c", str(a.cpu)] if a.cpu >= 0 else []
    res = {}
    with Machine(disks=[disk], cmdline=cmdline, accel=accel, prefix=prefix, timeout=3600,
                 stream=log) as m:
        m.wait_prompt()
        for target in a.targets:
            for qd in a.depths:
                res[f"{target} {qd}"] = bench(m, target, qd, a.runtime)
        res["saved"] = saved(m)
        m.poweroff()
    return res


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accel", default="kvm,tcg")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runtime", type=float, default=2)
    ap.add_argument("--cpu", type=int, default=1)
    ap.add_argument("--depths", default="1,32")
    ap.add_argument("--targets", default="block,nvme")
    ap.add_argument("--ioeventfd", action="store_true")
    ap.add_argument("--out", default=os.path.join(build_dir(), "dbbuf-bench"))
    a = ap.parse_args()
    a.depths = [int(d) for d in a.depths.split(",")]
    a.targets = a.targets.split(",")
    keys = [f"{t} {qd}" for t in a.targets for qd in a.depths]
    os.makedirs(a.out, exist_ok=True)
    configs = ["on", "off"] + (["ioeventfd"] if a.ioeventfd else [])
    results = {}
    loads = [loadavg()]
    for accel in a.accel.split(","):
        rounds = {c: [] for c in configs}
        with open(os.path.join(a.out, f"console-{accel}.log"), "w") as log:
            for r in range(a.rounds):
                order = configs if r % 2 == 0 else list(reversed(configs))
                for c in order:
                    res = one_boot(a, accel, c, log)
                    rounds[c].append(res)
                    print(f"{accel} round {r + 1}/{a.rounds} dbbuf={c:9s} " +
                          " ".join(f"{k.replace(' ', ' qd')}={res[k]:.0f}" for k in keys) +
                          f" saved={res['saved']} load={loadavg()}", flush=True)
                    loads.append(loadavg())
        results[accel] = rounds
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                          text=True).stdout.splitlines()[0]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), platform.processor())
    lines = [f"QEMU: {qemu}; host CPU: {cpu} ({os.cpu_count()} CPUs); "
             f"load average during the run (1/5/15 min): {loads[0]} at start, "
             f"{loads[len(loads) // 2]} midway, {loads[-1]} at the end",
             "",
             "| accel | target | QD | " +
             " | ".join(f"dbbuf={c} IOPS (median; rounds)" for c in configs) +
             " | on/off |",
             "|---|---|---|" + "---|" * len(configs) + "---|"]
    for accel, rounds in results.items():
        for k in keys:
            med = {c: statistics.median(x[k] for x in rounds[c]) for c in configs}
            cells = [f"{med[c]:.0f} ({', '.join(f'{x[k]:.0f}' for x in rounds[c])})"
                     for c in configs]
            target, qd = k.split()
            lines.append(f"| {accel} | {target} | {qd} | " + " | ".join(cells) +
                         f" | {med['on'] / med['off']:.2f}x |")
    md = "\n".join(lines) + "\n"
    with open(os.path.join(a.out, "dbbuf.md"), "w") as f:
        f.write(md)
    with open(os.path.join(a.out, "dbbuf.json"), "w") as f:
        json.dump({"args": vars(a), "qemu": qemu, "cpu": cpu, "loads": loads,
                   "results": results, "time": time.strftime("%Y-%m-%d %H:%M:%S UTC",
                                                             time.gmtime())},
                  f, indent=1, default=str)
    print(md)


if __name__ == "__main__":
    main()
