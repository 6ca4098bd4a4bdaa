#!/usr/bin/python3
"""bench_plot - turn the kernel's BENCH_JSON lines into PNG plots.

    tools/bench_plot.py [-o DIR] [--prefix P] LOG [LOG ...]     (LOG "-" is stdin)

LOG is a raw serial console capture (or bench_host output): every line that
is not a BENCH_JSON line is ignored, ANSI escapes and carriage returns are
stripped, and the "BENCH_JSON {...}" may follow anything on its line (a
prompt, a timestamp). A line whose JSON does not parse (a console that
dropped characters) is reported and skipped. fio's documents are read too:
the ones bench prints with output-format=json or json+ (between the lines
BENCH_FIO_JSON_BEGIN and BENCH_FIO_JSON_END; a job already given by the
BENCH_JSON line just before is not counted twice), and a LOG that is a whole
fio --output-format=json/json+ file (real fio's, for comparison).

Writes, into DIR (default bench-plots):
  NN-<job>-latency.png   per job: the completion-latency histogram (from
                         clat_ns.bins, fio's json+ layout) and its CDF, for
                         reads and writes, with the p50/p99/p99.9 markers
                         (jobs run with json_bins=0 get the CDF from their
                         percentiles only);
  iops-vs-iodepth.png    total IOPS and p99 latency against iodepth, one line
                         per group of jobs that differ only in iodepth (same
                         rw, bs, mode, queues, target and device).
Prints the files written. Exit status: 0, 1 if the logs hold no BENCH_JSON
line, 2 for bad usage. Needs python3-matplotlib (Debian).
"""
import argparse
import json
import os
import re
import sys

ANSI = re.compile(r"\x1b(\[[0-9;=?]*[A-Za-z]|[()][A-Z0-9]|[=>c])")
MARK = "BENCH_JSON "
DIRS = ("read", "write")
COLORS = {"read": "tab:blue", "write": "tab:orange"}


FIO_BEGIN, FIO_END = "BENCH_FIO_JSON_BEGIN", "BENCH_FIO_JSON_END"


def from_fio(doc):
    """A fio JSON document's jobs, in BENCH_JSON's shape (the keys the plots use)."""
    jobs = []
    glob = doc.get("global options", {})
    for j in doc.get("jobs", []):
        opts = dict(glob, **j.get("job options", {}))
        job = {"jobname": j.get("jobname", "job"), "rw": opts.get("rw"),
               "device": opts.get("filename"), "target": "fio"}
        for key in ("bs", "iodepth"):
            try:
                job[key] = int(opts[key])
            except (KeyError, ValueError):
                pass
        for d in DIRS:
            if isinstance(j.get(d), dict):
                job[d] = j[d]
        jobs.append(job)
    return jobs


def read_jobs(paths):
    """The decoded BENCH_JSON objects (and fio documents) of the logs, in order."""
    jobs = []
    for path in paths:
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8", errors="replace")
        with stream:
            text_all = stream.read()
        doc_lines, in_doc, paired = None, False, None
        found = False
        for lineno, raw in enumerate(text_all.split("\n"), 1):
            line = ANSI.sub("", raw).replace("\r", "")
            if line.strip() == FIO_BEGIN:
                doc_lines, in_doc, found = [], True, True
                continue
            if in_doc:
                if line.strip() != FIO_END:
                    doc_lines.append(line)
                    continue
                in_doc = False
                try:
                    fio_jobs = from_fio(json.loads("\n".join(doc_lines)))
                except json.JSONDecodeError as e:
                    print(f"bench_plot: {path}:{lineno}: skipping a damaged fio document ({e})",
                          file=sys.stderr)
                    continue
                for fj in fio_jobs:
                    if paired is not None and paired.get("jobname") == fj["jobname"]:
                        paired = None  # the BENCH_JSON line before already has this job
                        continue
                    jobs.append(fj)
                continue
            at = line.find(MARK)
            if at < 0:
                continue
            found = True
            text = line[at + len(MARK):].strip()
            try:
                job = json.loads(text)
            except json.JSONDecodeError as e:
                print(f"bench_plot: {path}:{lineno}: skipping a damaged BENCH_JSON line ({e})",
                      file=sys.stderr)
                continue
            if isinstance(job, dict) and "jobname" in job:
                jobs.append(job)
                paired = job
        if not found and text_all.lstrip().startswith("{"):
            try:
                doc = json.loads(text_all)
            except json.JSONDecodeError:
                doc = None
            if isinstance(doc, dict) and "jobs" in doc:
                jobs += from_fio(doc)
    return jobs


def safe_name(s):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(s))[:40] or "job"


def directions(job):
    """The directions that completed I/O."""
    return [d for d in DIRS if job.get(d, {}).get("total_ios", 0) > 0]


def pct_points(clat):
    """(percent, ns) pairs from the percentile map, sorted."""
    pts = sorted((float(k), v) for k, v in clat.get("percentile", {}).items())
    return [(p, v) for p, v in pts if v > 0]


def plot_latency(plt, job, path):
    fig, (ax_h, ax_c) = plt.subplots(1, 2, figsize=(12, 4.5))
    title = (f"{job['jobname']}: {job.get('rw')} bs={job.get('bs')} iodepth={job.get('iodepth')} "
             f"queues={job.get('queues')} mode={job.get('mode')} on {job.get('device')}")
    fig.suptitle(title, fontsize=10)
    for d in directions(job):
        clat = job[d]["clat_ns"]
        color = COLORS[d]
        bins = sorted((int(k), c) for k, c in clat.get("bins", {}).items())
        n = clat.get("N") or sum(c for _, c in bins) or 1
        if bins:
            xs = [v / 1000.0 for v, _ in bins]
            ys = [100.0 * c / n for _, c in bins]
            ax_h.vlines(xs, 0, ys, colors=color, linewidth=1.5, label=d)
            ax_h.plot(xs, ys, ".", color=color, markersize=3)
            cum, cdf = 0, []
            for _, c in bins:
                cum += c
                cdf.append(cum / n)
            ax_c.step(xs, cdf, where="post", color=color, label=f"{d} (bins)")
        else:
            pts = pct_points(clat)
            ax_c.plot([v / 1000.0 for _, v in pts], [p / 100.0 for p, _ in pts], "o-",
                      color=color, label=f"{d} (percentiles)")
        for p, style in (("50.000000", ":"), ("99.000000", "--"), ("99.900000", "-.")):
            v = clat.get("percentile", {}).get(p)
            if v:
                ax_c.axvline(v / 1000.0, color=color, linestyle=style, linewidth=0.8)
                ax_c.text(v / 1000.0, 0.02, f" p{float(p):g}", rotation=90, fontsize=7,
                          color=color, va="bottom")
    for ax in (ax_h, ax_c):
        ax.set_xscale("log")
        ax.set_xlabel("completion latency (us)")
        ax.grid(True, which="both", alpha=0.3)
    ax_h.set_ylabel("I/Os in bucket (%)")
    ax_h.set_title("histogram: fio buckets, 64 per power of two (width doubles each)", fontsize=9)
    ax_c.set_ylabel("fraction of I/Os at or below")
    ax_c.set_ylim(0, 1.02)
    ax_c.set_title("CDF", fontsize=9)
    for ax, loc in ((ax_h, "upper right"), (ax_c, "lower right")):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc=loc)
    if not directions(job):
        ax_h.text(0.5, 0.5, "no completed I/O", transform=ax_h.transAxes, ha="center")
    elif not ax_h.get_legend_handles_labels()[0]:
        ax_h.text(0.5, 0.5, "no bins in the JSON (json_bins=0)", transform=ax_h.transAxes,
                  ha="center")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def group_key(job):
    return (job.get("rw"), job.get("bs"), job.get("mode"), job.get("queues"),
            job.get("target"), job.get("device"))


def plot_iops_vs_depth(plt, jobs, path):
    groups = {}
    for job in jobs:
        if "iodepth" in job:
            groups.setdefault(group_key(job), []).append(job)
    fig, (ax_i, ax_l) = plt.subplots(1, 2, figsize=(12, 4.5))
    for key, members in sorted(groups.items(), key=lambda kv: str(kv[0])):
        rw, bs, mode, queues, target, device = key
        by_depth = {}
        for job in members:
            iops = sum(float(job.get(d, {}).get("iops", 0)) for d in DIRS)
            p99 = max((job[d]["clat_ns"].get("percentile", {}).get("99.000000", 0)
                       for d in directions(job)), default=0)
            by_depth.setdefault(job["iodepth"], []).append((iops, p99))
        depths = sorted(by_depth)
        label = f"{rw} bs={bs} {mode} q={queues} {target}:{device}"
        mean_iops = [sum(i for i, _ in by_depth[q]) / len(by_depth[q]) for q in depths]
        mean_p99 = [sum(p for _, p in by_depth[q]) / len(by_depth[q]) / 1000.0 for q in depths]
        ax_i.plot(depths, mean_iops, "o-", label=label)
        ax_l.plot(depths, mean_p99, "o-", label=label)
    for ax in (ax_i, ax_l):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("iodepth (per queue)")
        ax.grid(True, which="both", alpha=0.3)
    ax_i.set_ylabel("IOPS (read + write)")
    ax_i.set_title("throughput", fontsize=9)
    ax_l.set_ylabel("p99 completion latency (us)")
    ax_l.set_yscale("log")
    ax_l.set_title("tail latency", fontsize=9)
    if groups:
        ax_i.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("logs", nargs="+", help="console logs ('-' for stdin)")
    ap.add_argument("-o", "--outdir", default="bench-plots")
    ap.add_argument("--prefix", default="", help="prepended to every file name")
    args = ap.parse_args(argv)

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench_plot: needs matplotlib (Debian: apt-get install python3-matplotlib)",
              file=sys.stderr)
        return 2
    try:
        jobs = read_jobs(args.logs)
    except OSError as e:
        print(f"bench_plot: {e}", file=sys.stderr)
        return 2
    if not jobs:
        print("bench_plot: no BENCH_JSON lines found", file=sys.stderr)
        return 1
    os.makedirs(args.outdir, exist_ok=True)
    written = []
    for i, job in enumerate(jobs, 1):
        path = os.path.join(args.outdir, f"{args.prefix}{i:02d}-{safe_name(job['jobname'])}-latency.png")
        plot_latency(plt, job, path)
        written.append(path)
    path = os.path.join(args.outdir, f"{args.prefix}iops-vs-iodepth.png")
    plot_iops_vs_depth(plt, jobs, path)
    written.append(path)
    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
