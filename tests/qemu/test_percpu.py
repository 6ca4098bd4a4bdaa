"""QEMU tests: a queue pair per CPU and the benchmark across CPUs (issue 13).

With -smp 4 under TCG every CPU writes and reads back verify stamps at once
(`bench verify=1 numjobs=4`) through the block layer (each CPU's own queue
pair, its interrupt on that CPU) and through the driver API (queue pairs of
each copy's own), with 0 mismatches; then the same with a controller reset
in the middle (the boot option bench.test_reset_ms resets the controller
from CPU 0 while the other three have I/O in flight). With -smp 1 and 2,
numjobs is refused beyond the CPUs and reported per copy, as a group total,
and in fio's JSON document otherwise.
"""
import json
import re

import pytest

from nvoslib.console import has
from nvoslib.qemu import Disk, status_of

MIB = 1 << 20
QUEUE_LINE = re.compile(r"^cpu (\d+): irq qid (\d+) \(vector on cpu (\d+), (\d+) interrupts, "
                        r"(\d+) on other CPUs\), poll qid (\d+)$", re.M)


def blank(nvos, name, size=32 * MIB):
    path = f"{nvos.images}/{nvos.name}.{name}.img"
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def lines(out, prefix):
    """The JSON objects of the lines starting with prefix, each checked to parse."""
    found = []
    for line in out.splitlines():
        if line.startswith(prefix + " "):
            try:
                found.append(json.loads(line[len(prefix) + 1:]))
            except ValueError as e:
                pytest.fail(f"{prefix} does not parse ({e}):\n{line}")
    return found


def check_group(out, numjobs, blocks):
    """Every copy ran without error and verified its blocks; the group line adds up."""
    jobs = lines(out, "BENCH_JSON")
    assert len(jobs) == numjobs, f"{len(jobs)} BENCH_JSON lines, want {numjobs}:\n{out}"
    for j in jobs:
        assert j["status"] == "ok", f"copy failed: {j['status']} {j['io_errors']}"
        assert j["verify"]["mismatches"] == 0, f"copy mismatches: {j['verify']}"
    group = lines(out, "BENCH_GROUP")
    assert len(group) == 1, f"{len(group)} BENCH_GROUP lines:\n{out}"
    g = group[0]
    assert g["numjobs"] == numjobs and g["jobs_run"] == numjobs and g["status"] == "ok", g
    assert g["errors"] == 0 and g["verify_mismatches"] == 0, f"group: {g}"
    assert g["verify_blocks_checked"] == blocks, f"blocks verified: {g}, want {blocks}"
    assert g["write_ios"] == sum(j["write"]["total_ios"] for j in jobs), f"write sum: {g}"
    assert g["read_ios"] == sum(j["read"]["total_ios"] for j in jobs), f"read sum: {g}"
    assert has(r"^Run status group 0 \(all jobs\):$", out), out
    assert has(r"^  WRITE: bw=\S+B/s \(\S+B/s\), \S+B/s-\S+B/s \(\S+B/s-\S+B/s\), io=\S+B "
               r"\(\S+B\), run=\d+-\d+msec$", out), out
    return jobs, g


def queue_table(m, ncpus):
    out = m.command("nvme queues nvme0")
    rows = [tuple(int(x) for x in r) for r in QUEUE_LINE.findall(out)]
    assert [r[0] for r in rows] == list(range(ncpus)), f"per-CPU lines:\n{out}"
    return rows


@pytest.mark.case("percpu.integrity", timeout=600, cost=2)
def test_integrity(nvos):
    """-smp 4: each CPU its own pair and vector; 4 copies write and read back
    stamps at once on both targets; every interrupt ran on its pair's CPU."""
    disk = Disk(blank(nvos, "disk"))
    with nvos.machine(boot="kernel", disks=[disk], extra=["-smp", "4"], timeout=600) as m:
        m.wait_ready()
        assert has(r"^nvme0: 4 CPU\(s\): 4 interrupt-driven and 4 polled I/O queue pairs for "
                   r"the block layer$", m.buf), f"boot log:\n{m.buf}"
        before = queue_table(m, 4)
        qids = [r[1] for r in before] + [r[5] for r in before]
        assert len(set(qids)) == 8, f"pairs not distinct per CPU: {before}"
        assert all(r[2] == r[0] for r in before), f"vectors not on their CPUs: {before}"
        # Block layer, interrupts: random writes with stamps, then the read-back,
        # 4 CPUs at once (each copy its quarter of the window).
        out = m.command("bench dev=nvme0n1 rw=randwrite bs=4k iodepth=8 size=8m verify=1 "
                        "numjobs=4 progress=0 json_bins=0", timeout=300)
        check_group(out, 4, 8 * MIB // 512)
        # Reads and writes mixed at once, each read checked against this job's writes.
        out = m.command("bench dev=nvme0n1 rw=randrw bs=4k iodepth=8 size=8m verify=1 "
                        "numjobs=4 progress=0 json_bins=0 offset=8m", timeout=300)
        jobs = lines(out, "BENCH_JSON")
        assert len(jobs) == 4 and all(j["status"] == "ok" for j in jobs), out
        assert all(j["read"]["total_ios"] and j["write"]["total_ios"] for j in jobs), out
        assert lines(out, "BENCH_GROUP")[0]["verify_mismatches"] == 0, out
        after = queue_table(m, 4)
        for b, a in zip(before, after):
            assert a[3] > b[3], f"CPU {a[0]}'s pair took no interrupts: {after}"
            assert a[4] == 0, f"CPU {a[0]}'s pair: interrupts on other CPUs: {after}"
        # The driver API, queue pairs of each copy's own (polled and by interrupt).
        for mode in ("poll", "irq"):
            out = m.command(f"bench target=nvme dev=nvme0n1 rw=randwrite bs=4k iodepth=8 "
                            f"size=8m offset=16m verify=1 numjobs=4 mode={mode} progress=0 "
                            f"json_bins=0", timeout=300)
            check_group(out, 4, 8 * MIB // 512)
        assert m.poweroff(0) == status_of(0)


@pytest.mark.case("percpu.reset-under-io", timeout=600, cost=2)
def test_reset_under_io(nvos):
    """-smp 4: a controller reset while all four CPUs have writes and reads in
    flight; what was in flight is resubmitted, nothing is lost or torn."""
    disk = Disk(blank(nvos, "disk"))
    with nvos.machine(boot="kernel", disks=[disk], extra=["-smp", "4"], timeout=600,
                      cmdline="bench.test_reset_ms=1500") as m:
        m.wait_ready()
        out = m.command("bench dev=nvme0n1 rw=randwrite bs=4k iodepth=16 size=16m verify=1 "
                        "norandommap=1 runtime=4 numjobs=4 progress=0 json_bins=0", timeout=400)
        assert has(r"^bench: test aid: resetting nvme0 \(bench.test_reset_ms\)$", out), out
        assert has(r"^bench: test aid: reset of nvme0: done$", out), out
        assert has(r"^nvme0: reset complete; outstanding commands resubmitted$", out), out
        jobs = lines(out, "BENCH_JSON")
        assert len(jobs) == 4, out
        for j in jobs:
            assert j["status"] == "ok", f"copy failed: {j['status']} {j['io_errors']}"
            assert j["write"]["total_ios"] > 0 and j["verify"]["blocks_verified"] > 0, j
        g = lines(out, "BENCH_GROUP")[0]
        assert g["errors"] == 0 and g["verify_mismatches"] == 0, f"group: {g}"
        assert g["verify_blocks_checked"] == sum(j["verify"]["blocks_verified"] for j in jobs)
        q = m.command("nvme queues nvme0")
        assert has(r"resets: 1;", q), q
        assert m.poweroff(0) == status_of(0)


@pytest.mark.case("percpu.numjobs.{ncpus}", timeout=300)
@pytest.mark.parametrize("ncpus", (1, 2))
def test_numjobs(nvos, ncpus):
    """numjobs up to the CPUs online; beyond, refused with the reason; the
    per-copy reports, the group total and fio's JSON document."""
    disk = Disk(blank(nvos, "disk"))
    with nvos.machine(boot="kernel", disks=[disk], extra=["-smp", str(ncpus)]) as m:
        m.wait_ready()
        out = m.command(f"bench dev=nvme0n1 rw=randread ios=500 numjobs={ncpus + 1}")
        assert has(rf"^bench: job 'bench': numjobs={ncpus + 1}: only {ncpus} CPU\(s\) online "
                   r"\(one copy per CPU\)$", out), out
        assert has(r"^error: bench: ERANGE", out), out
        out = m.command("bench dev=nvme0n1 rw=randwrite ios=400 size=4m verify=1 numjobs=1 "
                        "progress=0 json_bins=0")
        assert len(lines(out, "BENCH_JSON")) == 1 and not lines(out, "BENCH_GROUP"), out
        if ncpus == 1:
            assert m.poweroff(0) == status_of(0)
            return
        out = m.command("bench dev=nvme0n1 rw=randwrite size=4m verify=1 numjobs=2 progress=0 "
                        "json_bins=0 output-format=json")
        check_group(out, 2, 4 * MIB // 512)
        assert has(r"^bench: copy 1 of 2 \(numjobs=2\), on CPU 0$", out), out
        assert has(r"^bench: copy 2 of 2 \(numjobs=2\), on CPU 1$", out), out
        doc = out.split("BENCH_FIO_JSON_BEGIN\n", 1)[1].split("\nBENCH_FIO_JSON_END", 1)[0]
        fio = json.loads(doc)
        assert len(fio["jobs"]) == 2, f"fio jobs: {len(fio['jobs'])}"
        assert all(j["job options"]["numjobs"] == "2" for j in fio["jobs"]), fio["jobs"]
        # group_reporting: one merged entry with the sum of both.
        out = m.command("bench dev=nvme0n1 rw=randread ios=600 numjobs=2 group_reporting=1 "
                        "progress=0 json_bins=0 output-format=json")
        jobs = lines(out, "BENCH_JSON")
        assert len(jobs) == 1 and jobs[0]["read"]["total_ios"] == 1200, out
        doc = out.split("BENCH_FIO_JSON_BEGIN\n", 1)[1].split("\nBENCH_FIO_JSON_END", 1)[0]
        fio = json.loads(doc)
        assert len(fio["jobs"]) == 1 and fio["jobs"][0]["job_count"] == 2, fio["jobs"]
        assert fio["jobs"][0]["read"]["total_ios"] == 1200, fio["jobs"][0]["read"]
        # Copies of a block job run in the device's completion mode.
        out = m.command("bench dev=nvme0n1 rw=randread ios=100 numjobs=2 mode=poll")
        assert has(r"^bench: job 'bench' copy \d: mode=poll with numjobs=2: nvme0n1 is in mode "
                   r"irq", out), out
        assert m.poweroff(0) == status_of(0)
