#!/usr/bin/env python3
"""benchmatrix - the standard benchmark matrix of nvos in QEMU, as a table and plots.

    tools/benchmatrix.py [--backends null,file] [--targets block,nvme] [--rounds 3]
                         [--runtime 2] [--ramp 0.5] [--cpu 1] [--out build/bench-matrix]
                         [--quick] [--no-fsbench] [--file-image PATH] [--file-size MIB]

For each backend - a null-co drive (read-zeroes=on: no host I/O at all) and a
file-backed one (a 1 GiB preallocated image, build/bench-file.img unless
--file-image/--file-size say otherwise) - one
QEMU (TCG, q35, 512 MiB) is booted, pinned to one host CPU with taskset, and
the guest's "bench" command runs the matrix:

    4 KiB randread   QD 1, 8, 32   mode poll and irq
    4 KiB randwrite  QD 1, 8, 32   mode poll and irq
    128 KiB read     QD 8          mode poll and irq

on each target: "block" (through the block layer, what the FAT reader and the
shell use) and "nvme" (one queue pair of its own, straight through the
driver API), so that the two together show what the block layer costs. The
whole list runs --rounds times, in alternating order (A B ... B A ...), and
each figure is the median of its rounds. With the demo disk built, the FAT
reader's fsbench (a 64 MiB file through FAT against the same blocks raw) runs
on it too.

Output, in --out: matrix.md (the tables, with the QEMU version and the host
CPU), matrix.json (every median and the rounds behind it), console-*.log (the
guest's output), and plots from tools/bench_plot.py of the median runs.
Figures from unpinned runs vary up to 5x; never compare them with pinned ones.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from nvoslib.qemu import Disk, Machine, build_dir

FILE_IMAGE_SIZE = 1 << 30
RAWLOOP_DEPTHS = (1, 32)


def matrix_jobs(targets, quick):
    jobs = []
    depths = (1, 32) if quick else (1, 8, 32)
    for target in targets:
        for rw in ("randread", "randwrite"):
            for qd in depths:
                for mode in ("poll", "irq"):
                    jobs.append(dict(target=target, rw=rw, bs="4k", iodepth=qd, mode=mode))
        for mode in ("poll", "irq"):
            jobs.append(dict(target=target, rw="read", bs="128k", iodepth=8, mode=mode))
    return jobs


def job_key(j):
    return f"{j['target']}-{j['rw']}-{j['bs']}-qd{j['iodepth']}-{j['mode']}"


def parse_bench(out):
    for line in out.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    raise RuntimeError(f"no BENCH_JSON in:\n{out}")


def summary(r):
    d = r["read"] if r["read"]["total_ios"] else r["write"]
    pct = d["clat_ns"]["percentile"]
    iops = d["iops"]
    share = r["driver_cycles_per_io"] * iops / r["tsc_hz"] if r["tsc_hz"] else 0
    software = r.get("driver_software_cycles_per_io", r["driver_cycles_per_io"])
    return dict(iops=iops, mib_s=d["bw_bytes"] / (1 << 20), p50_us=pct["50.000000"] / 1000,
                p99_us=pct["99.000000"] / 1000, drv_cycles=r["driver_cycles_per_io"],
                drv_doorbell=r.get("driver_doorbell_cycles_per_io", 0), drv_software=software,
                software_share=software * iops / r["tsc_hz"] if r["tsc_hz"] else 0,
                drv_submit=r["driver_submit_cycles_per_io"],
                drv_complete=r["driver_complete_cycles_per_io"],
                complete_measured=r["driver_complete_measured"], driver_share=share,
                status=r["status"])


def ensure_file_image(path, size):
    if os.path.exists(path) and os.path.getsize(path) == size:
        return
    with open(path + ".tmp", "wb") as f:
        os.posix_fallocate(f.fileno(), 0, size)
    os.replace(path + ".tmp", path)


def run_backend(a, backend, jobs, log):
    if backend == "null":
        disk = Disk(drive_opts="driver=null-co,read-zeroes=on,size=4G")
    else:
        path = a.file_image or os.path.join(build_dir(), "bench-file.img")
        ensure_file_image(path, a.file_size << 20)
        disk = Disk(path)
    prefix = ["taskset", "-c", str(a.cpu)] if a.cpu >= 0 else []
    rounds = {job_key(j): [] for j in jobs}
    raws = {job_key(j): [] for j in jobs}
    floor = {qd: [] for qd in RAWLOOP_DEPTHS}
    with open(log, "w") as logf:
        with Machine(disks=[disk], prefix=prefix, timeout=24 * 3600, stream=logf) as m:
            m.wait_prompt()
            for rnd in range(a.rounds):
                # The floor first: the raw polled loop, no driver (nvme rawloop).
                for qd in RAWLOOP_DEPTHS:
                    out = m.command(f"nvme rawloop nvme0n1 {qd} {int(a.runtime * 1000)}",
                                    timeout=a.runtime * 10 + 60)
                    mm = re.search(r"^rawloop \S+: qd \d+, \d+ ms: (\d+) IOPS", out, re.M)
                    if not mm:
                        raise RuntimeError(f"nvme rawloop failed:\n{out}")
                    floor[qd].append(int(mm.group(1)))
                    print(f"  {backend:4s} round {rnd + 1}/{a.rounds} rawloop qd{qd:<28d} "
                          f"{int(mm.group(1)):10d} IOPS", flush=True)
                order = jobs if rnd % 2 == 0 else list(reversed(jobs))
                for j in order:
                    k = job_key(j)
                    cmd = (f"bench name={k} target={j['target']} dev=nvme0n1 rw={j['rw']} "
                           f"bs={j['bs']} iodepth={j['iodepth']} mode={j['mode']} "
                           f"runtime={int(a.runtime * 1000)}ms ramp={int(a.ramp * 1000)}ms progress=0")
                    out = m.command(cmd, timeout=a.runtime * 10 + 60)
                    r = parse_bench(out)
                    s = summary(r)
                    rounds[k].append(s)
                    raws[k].append(r)
                    print(f"  {backend:4s} round {rnd + 1}/{a.rounds} {k:34s} "
                          f"{s['iops']:10.0f} IOPS  {s['mib_s']:8.1f} MiB/s  "
                          f"p50 {s['p50_us']:7.1f} us  driver {s['drv_cycles']:8.0f} cyc/IO",
                          flush=True)
            m.poweroff()
    medians = {}
    for k, rs in rounds.items():
        med = {f: statistics.median(r[f] for r in rs)
               for f in ("iops", "mib_s", "p50_us", "p99_us", "drv_cycles", "drv_submit",
                         "drv_complete", "drv_doorbell", "drv_software", "driver_share",
                         "software_share")}
        med["complete_measured"] = rs[0]["complete_measured"]
        med["rounds"] = rs
        # The run closest to the median IOPS stands for the job in the plots.
        med["median_run"] = min(raws[k], key=lambda r: abs(summary(r)["iops"] - med["iops"]))
        medians[k] = med
    medians["rawloop"] = {qd: statistics.median(v) for qd, v in floor.items()}
    return medians


def run_fsbench(a, log):
    img = os.path.join(build_dir(), "disk.img")
    if not os.path.exists(img):
        return None
    prefix = ["taskset", "-c", str(a.cpu)] if a.cpu >= 0 else []
    with open(log, "w") as logf:
        with Machine(disks=[Disk(img, snapshot=True)], prefix=prefix, timeout=3600,
                     stream=logf) as m:
            m.wait_prompt()
            out = m.command("fsbench nvme0n1:1 /big.bin rounds=7", timeout=600)
            m.poweroff()
    for line in out.splitlines():
        if line.startswith("FSBENCH_JSON "):
            return json.loads(line[len("FSBENCH_JSON "):])
    raise RuntimeError(f"no FSBENCH_JSON in:\n{out}")


def host_facts():
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                          text=True).stdout.splitlines()[0]
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            cpu = m.group(1) if m else cpu
    except OSError:
        pass
    return dict(qemu=qemu, cpu=cpu, cpus=os.cpu_count(), kernel=platform.release())


def table(backend, med, jobs):
    rows = ["| target | workload | QD | mode | IOPS | MiB/s | p50 µs | p99 µs | "
            "driver cycles/IO: all (doorbells) | software share |",
            "|---|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for j in jobs:
        k = job_key(j)
        s = med[k]
        wl = f"{j['bs'].replace('k', ' KiB')} {j['rw']}"
        partial = "" if s["complete_measured"] else " (submit only)"
        share = f"{100 * s['software_share']:.1f} %" + ("" if s["complete_measured"] else " (≥)")
        rows.append(f"| {j['target']} | {wl} | {j['iodepth']} | {j['mode']} | "
                    f"{s['iops']:,.0f} | {s['mib_s']:,.1f} | {s['p50_us']:.1f} | "
                    f"{s['p99_us']:.1f} | {s['drv_cycles']:,.0f} ({s['drv_doorbell']:,.0f}){partial} "
                    f"| {share} |")
    raw = med["rawloop"]
    rows.append("")
    rows.append("Raw polled loop on the same drive in the same boot (`nvme rawloop`, 4 KiB "
                "randread, no driver bookkeeping): " +
                ", ".join(f"QD {qd}: {v:,.0f} IOPS" for qd, v in raw.items()) + ".")
    for target in sorted({j["target"] for j in jobs}):
        parts = []
        for qd in raw:
            for mode in ("poll", "irq"):
                k = f"{target}-randread-4k-qd{qd}-{mode}"
                if k in med and raw[qd]:
                    parts.append(f"QD {qd} {mode} {100 * med[k]['iops'] / raw[qd]:.0f} %")
        rows.append(f"`bench target={target}` 4 KiB randread against it: " + ", ".join(parts) + ".")
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backends", default="null,file")
    ap.add_argument("--targets", default="block,nvme")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runtime", type=float, default=2.0)
    ap.add_argument("--ramp", type=float, default=0.5)
    ap.add_argument("--cpu", type=int, default=1 if (os.cpu_count() or 1) > 1 else 0,
                    help="host CPU to pin QEMU to; -1: do not pin (figures then vary a lot)")
    ap.add_argument("--out", default=os.path.join(build_dir(), "bench-matrix"))
    ap.add_argument("--quick", action="store_true", help="QD 1 and 32 only, one round")
    ap.add_argument("--no-fsbench", action="store_true")
    ap.add_argument("--file-image", help="the file-backed drive's image "
                    "(default: bench-file.img in the build directory)")
    ap.add_argument("--file-size", type=int, default=FILE_IMAGE_SIZE >> 20, metavar="MIB",
                    help="its size, preallocated (default 1024)")
    a = ap.parse_args()
    if a.quick:
        a.rounds = 1
    if a.cpu >= 0 and not shutil.which("taskset"):
        sys.exit("benchmatrix: taskset (util-linux) is needed to pin QEMU")
    if not os.path.exists(os.path.join(build_dir(), "nvos.elf")):
        sys.exit("benchmatrix: build first (tools/nvos build)")
    os.makedirs(a.out, exist_ok=True)
    jobs = matrix_jobs(a.targets.split(","), a.quick)
    facts = host_facts()
    started = time.time()
    result = dict(facts=facts, rounds=a.rounds, runtime=a.runtime, ramp=a.ramp, cpu=a.cpu,
                  backends={})
    md = [f"QEMU: {facts['qemu']}, TCG, q35, 512 MiB, pinned to host CPU {a.cpu} with taskset"
          if a.cpu >= 0 else f"QEMU: {facts['qemu']}, TCG, q35, 512 MiB, NOT pinned",
          f"Host: {facts['cpu']}, {facts['cpus']} CPUs, Linux {facts['kernel']}",
          f"Each figure: median of {a.rounds} interleaved rounds of {a.runtime} s "
          f"(after {a.ramp} s of ramp).", ""]
    for backend in a.backends.split(","):
        print(f"benchmatrix: backend {backend}", flush=True)
        log = os.path.join(a.out, f"console-{backend}.log")
        med = run_backend(a, backend, jobs, log)
        result["backends"][backend] = {k: ({f: v for f, v in s.items() if f != "median_run"}
                                           if k != "rawloop" else s)
                                       for k, s in med.items()}
        with open(os.path.join(a.out, f"median-{backend}.log"), "w") as f:
            for k in med:
                if k != "rawloop":
                    f.write("BENCH_JSON " + json.dumps(med[k]["median_run"]) + "\n")
        subprocess.run([os.path.join(ROOT, "tools", "bench_plot.py"), "-o",
                        os.path.join(a.out, f"plots-{backend}"),
                        os.path.join(a.out, f"median-{backend}.log")], check=False)
        name = {"null": "null-co drive (read-zeroes=on)",
                "file": "file-backed drive (1 GiB preallocated raw image)"}[backend]
        md += [f"### {name}", "", table(backend, med, jobs), ""]
    if not a.no_fsbench:
        fs = run_fsbench(a, os.path.join(a.out, "console-fsbench.log"))
        if fs:
            result["fsbench"] = fs
            md += ["### FAT reader against raw reads (demo disk, file-backed)", "",
                   f"{fs['path']} on {fs['dev']}: {fs['bytes'] >> 20} MiB in chunks of "
                   f"{fs['chunk'] >> 20} MiB, {fs['rounds']} rounds: raw "
                   f"{fs['raw_bw_median'] / (1 << 20):,.0f} MiB/s, through FAT "
                   f"{fs['fat_bw_median'] / (1 << 20):,.0f} MiB/s, ratio {fs['ratio']}", ""]
    md.append(f"(benchmatrix took {time.time() - started:.0f} s)")
    with open(os.path.join(a.out, "matrix.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    with open(os.path.join(a.out, "matrix.json"), "w") as f:
        json.dump(result, f, indent=1)
    print("\n".join(md))
    print(f"benchmatrix: wrote {a.out}/matrix.md, matrix.json and plots-*/")


if __name__ == "__main__":
    main()
