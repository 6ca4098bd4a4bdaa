#!/usr/bin/python3
"""Host tests of the benchmark through its command-line driver and tools.

    bench_cli_test.py CASE --root NVOS_ROOT --bench-host PATH --work DIR [--cc CC]

Cases:
  json          bench_host output: every BENCH_JSON line parses with json.loads
                and has fio's fields with consistent values (bytes, KiB/s,
                percentiles ordered and inside [min, max], bins summing to N),
                plus ours (driver cycles, mode, queues, verify, io_errors).
  persist       a file-backed device across separate processes ("boots"):
                write generation 5, read it back expecting 5, expecting 6
                (all stale), any generation; then injected lost/misdirected/
                torn writes, a zeroed and a garbage block, counted exactly.
  plot          tools/bench_plot.py on a raw console log (noise, ANSI escapes,
                a damaged line): one latency PNG per job and iops-vs-iodepth.
  fio_jsonplus  output-format=json+ prints fio's document between markers;
                fio's own fio_jsonplus_clat2csv (Debian's fio package; a
                missing tool is a failure) converts it and --validate accepts
                it, for a mixed randrw job and a read-only job; bins only where
                there are samples, read/write/trim, disk_util []; bench_plot
                reads a log of fio documents alone and does not count a job
                twice when both forms are there.
                helpers such as __udivti3, no floating point).
Python standard library only, except "plot", which runs the tool (matplotlib).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print(f"FAIL: {what}", file=sys.stderr)


def run_host(args, bench_host, expect_rc=0):
    p = subprocess.run([bench_host] + args, capture_output=True, text=True, timeout=120)
    check(p.returncode == expect_rc,
          f"bench_host {' '.join(args)}: exit {p.returncode}, expected {expect_rc}\n{p.stderr}")
    return p.stdout


def jsons(text):
    out = []
    for line in text.splitlines():
        at = line.find("BENCH_JSON ")
        if at >= 0:
            out.append(json.loads(line[at + len("BENCH_JSON "):]))
    return out


PCT_KEY = re.compile(r"^\d{1,3}\.\d{6}$")
FIO_PCTS = ["1.000000", "5.000000", "10.000000", "20.000000", "30.000000", "40.000000",
            "50.000000", "60.000000", "70.000000", "80.000000", "90.000000", "95.000000",
            "99.000000", "99.500000", "99.900000", "99.950000", "99.990000"]


def check_dir(job, d):
    name = f"{job['jobname']}.{d}"
    s = job[d]
    for k in ("io_bytes", "io_kbytes", "bw_bytes", "bw", "iops", "runtime", "total_ios",
              "short_ios", "drop_ios", "slat_ns", "clat_ns", "bw_min", "bw_max", "bw_agg",
              "bw_mean", "bw_dev", "bw_samples", "iops_min", "iops_max", "iops_mean",
              "iops_stddev", "iops_samples"):
        check(k in s, f"{name}: field {k}")
    check(s["io_kbytes"] == s["io_bytes"] // 1024, f"{name}: io_kbytes")
    check(s["bw"] == s["bw_bytes"] // 1024, f"{name}: bw is KiB/s")
    check(s["io_bytes"] == s["total_ios"] * job["bs"], f"{name}: io_bytes = total_ios * bs")
    c = s["clat_ns"]
    for k in ("min", "max", "mean", "stddev", "N", "percentile"):
        check(k in c, f"{name}: clat_ns.{k}")
    check(c["N"] == s["total_ios"], f"{name}: clat N")
    pct = c["percentile"]
    check(all(PCT_KEY.match(k) for k in pct), f"{name}: percentile keys look like fio's")
    if s["total_ios"]:
        check(c["min"] <= c["mean"] <= c["max"], f"{name}: min <= mean <= max")
        vals = [pct[k] for k in sorted(pct, key=float)]
        check(vals == sorted(vals), f"{name}: percentiles non-decreasing")
        check(all(c["min"] <= v <= c["max"] for v in vals), f"{name}: percentiles in [min,max]")
        # runtime is whole milliseconds (fio's unit): iops lies in the rounding band.
        lo = s["total_ios"] * 1000.0 / (s["runtime"] + 1)
        hi = s["total_ios"] * 1000.0 / s["runtime"] if s["runtime"] else float("inf")
        check(lo * 0.999 <= s["iops"] <= hi * 1.001,
              f"{name}: iops {s['iops']} outside [{lo}, {hi}] from total_ios/runtime")
        if "bins" in c:
            check(sum(c["bins"].values()) == c["N"], f"{name}: bins sum to N")


def case_json(a):
    out = run_host(["--latency", "bimodal:15us:300us", "--", "bs=4k", "runtime=300ms",
                    "progress=100ms",
                    "name=rr", "rw=randread", "iodepth=8",
                    "name=mix", "rw=randrw", "rwmixread=60", "iodepth=4",
                    "name=seqw", "rw=write", "verify=1", "size=2M", "iodepth=16",
                    "name=p", "rw=read", "ios=500", "percentile_list=50:99.999:100",
                    "json_bins=0"], a.bench_host)
    check("bench: 0.1s " in out or "bench: 0.2s " in out, "progress lines")
    check("  read: IOPS=" in out and "clat percentiles (usec):" in out, "human summary")
    jobs = jsons(out)
    check(len(jobs) == 4, f"4 BENCH_JSON lines, got {len(jobs)}")
    for job in jobs:
        for k in ("jobname", "groupid", "error", "elapsed", "device", "target", "rw", "bs",
                  "iodepth", "queues", "mode", "tsc_hz", "read", "write",
                  "driver_cycles_per_io", "driver_submit_cycles_per_io",
                  "driver_complete_cycles_per_io", "io_errors", "verify"):
            check(k in job, f"{job.get('jobname')}: field {k}")
        check(job["error"] == 0 and job["status"] == "ok", f"{job['jobname']}: no error")
        check(job["mode"] == "poll" and job["queues"] == 1, f"{job['jobname']}: mode/queues")
        check(isinstance(job["driver_cycles_per_io"], (int, float)), "driver cycles numeric")
        for d in ("read", "write"):
            check_dir(job, d)
    by = {j["jobname"]: j for j in jobs}
    check(by["rr"]["read"]["total_ios"] > 0 and by["rr"]["write"]["total_ios"] == 0, "rr: reads")
    check(by["rr"]["read"]["iops_samples"] >= 2, "rr: interval samples")
    check(list(by["rr"]["read"]["clat_ns"]["percentile"]) == FIO_PCTS, "fio's default list")
    r, w = by["mix"]["read"]["total_ios"], by["mix"]["write"]["total_ios"]
    check(0.5 < r / (r + w) < 0.7, "mix: rwmixread=60")
    v = by["seqw"]["verify"]
    check(v["enabled"] and v["blocks_verified"] == 4096 and v["mismatches"] == 0, "seqw: verify")
    check(by["seqw"]["read"]["total_ios"] == 512, "seqw: read-back pass")
    check(list(by["p"]["read"]["clat_ns"]["percentile"]) == ["50.000000", "99.999000",
                                                              "100.000000"], "percentile_list")
    check("bins" not in by["p"]["read"]["clat_ns"], "json_bins=0")
    check(by["p"]["read"]["total_ios"] == 500, "ios=500")

    # Errors, in JSON: an injected read error with its description.
    out = run_host(["--fault", "eio:77", "--", "bs=512", "size=64k"], a.bench_host, expect_rc=1)
    job = jsons(out)[0]
    check(job["error"] == 5 and job["status"] == "EIO" and job["stop"] == "error", "eio status")
    e = job["io_errors"]["first"][0]
    check(e["lba"] == 77 and e["errno"] == "EIO" and "Unrecovered Read Error" in e["desc"],
          f"io_errors entry {e}")
    # Interrupt mode.
    out = run_host(["--irq", "--", "rw=randread", "bs=4k", "iodepth=8", "ios=2000"], a.bench_host)
    job = jsons(out)[0]
    check(job["mode"] == "irq" and not job["driver_complete_measured"], "irq mode JSON")
    check(job["read"]["total_ios"] == 2000, "irq mode ios")


def case_persist(a):
    img = os.path.join(a.work, "persist.img")
    if os.path.exists(img):
        os.unlink(img)
    dev = ["--file", img, "--blocks", "4096"]
    out = run_host(dev + ["--", "rw=write", "bs=4k", "iodepth=8", "verify=1", "verify_gen=5",
                          "do_verify=0"], a.bench_host)
    check(os.path.getsize(img) == 4096 * 512, "image size")
    out = run_host(dev + ["--", "rw=randread", "bs=2k", "iodepth=4", "verify=1",
                          "verify_gen=5"], a.bench_host)
    v = jsons(out)[0]["verify"]
    check(v["blocks_verified"] == 4096 and v["mismatches"] == 0, f"boot 2 reads gen 5: {v}")
    out = run_host(dev + ["--", "rw=read", "verify=1", "verify_gen=6", "verify_print=3"],
                   a.bench_host, expect_rc=1)
    v = jsons(out)[0]["verify"]
    check(v["stale"] == 4096 and v["mismatches"] == 4096 and len(v["first"]) == 3,
          "expecting 6: all stale, three listed")
    check("... and 4093 more mismatches" in out, "bounded printing")
    out = run_host(dev + ["--", "rw=read", "verify=1"], a.bench_host)
    v = jsons(out)[0]["verify"]
    check(v["gen_check"] == "any" and v["generations"] == {"5": 4096}, "any generation: 5 seen")
    # Boot 3 writes generation 6 through a faulty device; boot 4 finds every fault.
    run_host(dev + ["--fault", "lost:10", "--fault", "misdirect:30:20", "--fault", "torn:40",
                    "--", "rw=write", "bs=512", "verify=1", "verify_gen=6", "do_verify=0"],
             a.bench_host)
    out = run_host(dev + ["--zero", "50", "--garbage", "60", "--", "rw=read", "bs=4k",
                          "verify=1", "verify_gen=6"], a.bench_host, expect_rc=1)
    v = jsons(out)[0]["verify"]
    want = {"stale": 2, "misplaced": 1, "torn": 1, "zeroed": 1, "garbage": 1, "newer": 0}
    check(all(v[k] == n for k, n in want.items()) and v["mismatches"] == 6,
          f"fault classes {v}")
    found = {(m["lba"], m["class"]) for m in v["first"]}
    check(found == {(10, "stale"), (30, "stale"), (20, "misplaced"), (40, "torn"),
                    (50, "zeroed"), (60, "garbage")}, f"mismatch list {found}")
    # Write refusal on a "file system" range, and force=1.
    out = run_host(dev + ["--protect", "100:50:partition 1 holds FAT", "--", "rw=write"],
                   a.bench_host, expect_rc=1)
    check("refusing to write LBAs 0..4095 of fake0: partition 1 holds FAT" in out, "refusal")
    out = run_host(dev + ["--protect", "100:50:partition 1 holds FAT", "--", "rw=write",
                          "force=1"], a.bench_host)
    check("warning: force=1" in out, "force=1 warning")


def case_plot(a):
    log = os.path.join(a.work, "console.log")
    outdir = os.path.join(a.work, "plots")
    shutil.rmtree(outdir, ignore_errors=True)
    with open(log, "w") as f:
        f.write("\x1b[2J\x1b[01;01HBdsDxe: loading Boot0001\r\nnvos> bench bs=4k ...\r\n")
        for depth in (1, 4, 16):
            f.write(run_host(["--latency", "uniform:20us:80us", "--", "rw=randread", "bs=4k",
                              "runtime=50ms", f"name=rr-qd{depth}", f"iodepth={depth}"],
                             a.bench_host).replace("\n", "\r\n"))
        f.write(run_host(["--", "rw=randwrite", "bs=4k", "runtime=50ms", "json_bins=0",
                          "name=w/1 qd", "iodepth=1", "name=w-qd8", "iodepth=8"],
                         a.bench_host))
        f.write("[  12.345] BENCH_JSON {\"jobname\": \"trunc\n")  # a damaged line
        f.write("nvos> poweroff\n")
    tool = os.path.join(a.root, "tools", "bench_plot.py")
    p = subprocess.run([a.python, tool, log, "-o", outdir], capture_output=True, text=True,
                       timeout=300)
    check(p.returncode == 0, f"bench_plot exit {p.returncode}: {p.stderr}")
    check("skipping a damaged BENCH_JSON line" in p.stderr, "damaged line reported")
    listed = p.stdout.split()
    want = ["01-rr-qd1-latency.png", "02-rr-qd4-latency.png", "03-rr-qd16-latency.png",
            "04-w_1_qd-latency.png", "05-w-qd8-latency.png", "iops-vs-iodepth.png"]
    for name in want:
        path = os.path.join(outdir, name)
        ok = os.path.exists(path) and os.path.getsize(path) > 1000
        if ok:
            with open(path, "rb") as f:
                ok = f.read(8) == b"\x89PNG\r\n\x1a\n"
        check(ok, f"PNG {name}")
        check(path in listed, f"{name} listed on stdout")
    empty = os.path.join(a.work, "empty.log")
    with open(empty, "w") as f:
        f.write("nvos> help\n")
    p = subprocess.run([a.python, tool, empty, "-o", outdir], capture_output=True, text=True)
    check(p.returncode == 1 and "no BENCH_JSON" in p.stderr, "no JSON: exit 1")


ALLOWED = {
    # lib/
    "memcpy", "memmove", "memset", "memcmp", "strlen", "strnlen", "strcmp", "strncmp",
    "strchr", "ksnprintf", "kvsnprintf", "kvformat", "errno_name", "parse_u64", "parse_u32",
    "parse_size", "parse_bool", "json_init", "json_object_begin", "json_object_end",
    "json_array_begin", "json_array_end", "json_u64", "json_i64", "json_bool", "json_str",
    "json_raw",
    # drivers/block/block.h
    "block_submit", "block_poll", "block_describe_status", "block_is_polled", "block_set_polled",
}


FIO_BEGIN, FIO_END = "BENCH_FIO_JSON_BEGIN", "BENCH_FIO_JSON_END"


def fio_docs(text):
    """The documents between the markers, decoded."""
    docs = []
    for m in re.finditer(FIO_BEGIN + r"\n(.*?)\n" + FIO_END + r"\n", text, re.S):
        docs.append(json.loads(m.group(1)))
    return docs


def check_fio_doc(doc, dirs_with_io):
    check(isinstance(doc.get("fio version"), str), "fio version")
    check(isinstance(doc.get("global options"), dict), "global options")
    check(doc.get("disk_util") == [], f"disk_util is an empty list: {doc.get('disk_util')}")
    jobs = doc.get("jobs", [])
    check(len(jobs) == 1, f"one job in the document, got {len(jobs)}")
    for job in jobs:
        for d in ("read", "write", "trim"):
            check(isinstance(job.get(d), dict), f"job has a {d} section")
            sec = job.get(d, {})
            for lat in ("slat_ns", "clat_ns", "lat_ns"):
                check(lat in sec, f"{d}.{lat}")
            clat = sec.get("clat_ns", {})
            if d in dirs_with_io:
                check(sec["total_ios"] > 0 and clat.get("N") == sec["total_ios"],
                      f"{d}: I/O counted in clat_ns")
                bins = clat.get("bins", {})
                check(bins and sum(bins.values()) == clat["N"], f"{d}: bins sum to N")
                check(all(k.isdigit() for k in bins), f"{d}: bin keys are ns values")
            else:
                check(sec["total_ios"] == 0, f"{d}: no I/O")
                check("bins" not in clat and "percentile" not in clat,
                      f"{d}: no bins or percentiles without samples: {clat}")
            check("bins" not in sec.get("slat_ns", {}) and "bins" not in sec.get("lat_ns", {}),
                  f"{d}: bins only in clat_ns")
        check(isinstance(job.get("sync"), dict), "sync section")


def case_fio_jsonplus(a):
    tool = shutil.which("fio_jsonplus_clat2csv")
    check(tool is not None, "fio_jsonplus_clat2csv on PATH (Debian package fio; "
                            "tools/nvos deps installs it)")
    if tool is None:
        return
    log_all = []
    for name, args, dirs in (
            ("randrw", ["rw=randrw", "rwmixread=70", "bs=4k", "iodepth=8", "ios=4000"],
             ("read", "write")),
            ("read", ["rw=read", "bs=8k", "iodepth=4", "ios=2000"], ("read",))):
        out = run_host(["--latency", "uniform:20us:300us", "--"] + args +
                       [f"name={name}", "output-format=json+"], a.bench_host)
        log_all.append(out)
        check(len(jsons(out)) == 1, f"{name}: the BENCH_JSON line is still printed")
        docs = fio_docs(out)
        check(len(docs) == 1, f"{name}: one fio document between the markers, got {len(docs)}")
        if not docs:
            continue
        check_fio_doc(docs[0], dirs)
        src = os.path.join(a.work, f"{name}.json")
        with open(src, "w") as f:
            json.dump(docs[0], f)
        dest = os.path.join(a.work, f"{name}.csv")
        for extra in ([], ["--validate"]):
            p = subprocess.run([a.python, tool, src, dest] + extra, capture_output=True,
                               text=True, timeout=120)
            check(p.returncode == 0, f"{name}: fio_jsonplus_clat2csv {' '.join(extra)} exit "
                                     f"{p.returncode}:\n{p.stdout}{p.stderr}")
        if extra and p.returncode == 0:
            check("validated" in p.stdout, f"{name}: --validate says validated: {p.stdout}")
        with open(os.path.join(a.work, f"{name}_job0.csv")) as f:
            rows = [r.split(",") for r in f.read().splitlines()[1:] if r.strip()]
        cols = [c.strip() for c in open(os.path.join(a.work, f"{name}_job0.csv")).readline()
                .split(",")]
        for d in ("read", "write"):
            i = cols.index(f"{d}_clat_ns_count")
            total = sum(int(r[i]) for r in rows if r[i].strip())
            want = docs[0]["jobs"][0][d]["total_ios"]
            check(total == want, f"{name}: CSV {d} counts {total}, the job did {want}")
    # output-format=json: the same document without bins.
    out = run_host(["--", "rw=randread", "ios=500", "output-format=json"], a.bench_host)
    docs = fio_docs(out)
    check(len(docs) == 1 and "bins" not in docs[0]["jobs"][0]["read"]["clat_ns"]
          and "percentile" in docs[0]["jobs"][0]["read"]["clat_ns"], "json: percentiles, no bins")
    run_host(["--", "output-format=xml"], a.bench_host, expect_rc=1)
    # bench_plot: fio documents alone, and both forms without double counting.
    tool_plot = os.path.join(a.root, "tools", "bench_plot.py")
    both = os.path.join(a.work, "both.log")
    only = os.path.join(a.work, "only-fio.log")
    with open(both, "w") as f:
        f.write("".join(log_all))
    with open(only, "w") as f:
        f.write("".join(re.sub(r"^.*BENCH_JSON .*\n", "", t, flags=re.M) for t in log_all))
    for log, what in ((both, "both forms"), (only, "fio documents only")):
        outdir = os.path.join(a.work, "plots-" + os.path.basename(log))
        shutil.rmtree(outdir, ignore_errors=True)
        p = subprocess.run([a.python, tool_plot, log, "-o", outdir], capture_output=True,
                           text=True, timeout=300)
        check(p.returncode == 0, f"bench_plot on {what}: exit {p.returncode}: {p.stderr}")
        pngs = [x for x in p.stdout.split() if x.endswith("-latency.png")]
        check(len(pngs) == 2, f"bench_plot on {what}: 2 latency plots, got {pngs}")


def case_freestanding(a):
    cc = a.cc or "gcc"
    inc = subprocess.run([cc, "-print-file-name=include"], capture_output=True, text=True,
                         check=True).stdout.strip()
    if not os.path.isdir(inc):  # clang answers with its resource directory instead
        inc = os.path.join(subprocess.run([cc, "-print-resource-dir"], capture_output=True,
                                          text=True, check=True).stdout.strip(), "include")
    flags = ["-std=c11", "-O2", "-ffreestanding", "-nostdinc", f"-isystem{inc}",
             f"-isystem{a.root}/lib/libc/include", "-fno-stack-protector", "-fno-pic",
             "-fno-pie", "-mcmodel=kernel", "-mno-red-zone", "-mgeneral-regs-only",
             "-fno-omit-frame-pointer", "-ffunction-sections", "-fdata-sections", "-Wall",
             "-Wextra", "-Werror", "-Wshadow", "-Wstrict-prototypes", "-Wmissing-prototypes",
             "-Wvla", f"-I{a.root}"]
    # The engine (bench/engine) and the block target (bench/bench_target_block.c).
    engine = os.path.join(a.root, "bench", "engine")
    sources = sorted(os.path.join(engine, f) for f in os.listdir(engine) if f.endswith(".c"))
    sources.append(os.path.join(a.root, "bench", "bench_target_block.c"))
    check(len(sources) >= 8, "bench engine and block target sources found")
    defined, undefined = set(), set()
    for src in sources:
        obj = os.path.join(a.work, os.path.basename(src)[:-2] + ".o")
        p = subprocess.run([cc] + flags + ["-c", src, "-o", obj], capture_output=True, text=True)
        check(p.returncode == 0, f"{os.path.relpath(src, a.root)} with kernel flags:\n{p.stderr}")
        if p.returncode:
            continue
        nm = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
        for line in nm.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "U":
                undefined.add(parts[1])
            elif len(parts) == 3 and parts[1] in "TDRB":
                defined.add(parts[2])
    missing = undefined - defined - ALLOWED
    check(not missing,
          f"the bench engine needs symbols outside lib/ and block.h: {sorted(missing)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=["json", "persist", "plot", "fio_jsonplus",
                                        "freestanding"])
    ap.add_argument("--root", required=True)
    ap.add_argument("--bench-host")
    ap.add_argument("--work", required=True)
    ap.add_argument("--cc")
    ap.add_argument("--python", default=sys.executable)
    a = ap.parse_args()
    a.work = os.path.join(a.work, a.case)
    os.makedirs(a.work, exist_ok=True)
    {"json": case_json, "persist": case_persist, "plot": case_plot,
     "fio_jsonplus": case_fio_jsonplus, "freestanding": case_freestanding}[a.case](a)
    if FAILURES:
        print(f"{len(FAILURES)} checks failed", file=sys.stderr)
        return 1
    print(f"{a.case}: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
