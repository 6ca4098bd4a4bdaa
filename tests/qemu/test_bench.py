"""QEMU tests: the "bench" command.

Every workload in both completion modes on both targets, with the JSON line
of each job parsed and checked for consistency; verify across two boots with
blocks corrupted on the host in between; and the write guard that keeps
write jobs out of file systems and partition tables.
"""
import json
import os
import re
import subprocess
import sys

import fatimg
import pytest

from nvoslib.console import has
from nvoslib.qemu import Disk

MIB = 1 << 20
BASIC_DATA = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"


def bench_json(out):
    """The BENCH_JSON objects in a transcript, each checked to parse."""
    jobs = []
    for line in out.splitlines():
        if line.startswith("BENCH_JSON "):
            try:
                jobs.append(json.loads(line[len("BENCH_JSON "):]))
            except ValueError as e:
                pytest.fail(f"BENCH_JSON does not parse ({e}):\n{line}")
    return jobs


def check_job(j, rw, mode, target, ios):
    assert j["status"] == "ok" and j["error"] == 0, f"job failed: {j['status']}"
    assert j["rw"] == rw and j["mode"] == mode and j["target"] == target, \
        f"job shape: {j['rw']} {j['mode']} {j['target']}"
    total = j["read"]["total_ios"] + j["write"]["total_ios"]
    assert total == ios, f"{rw}/{mode}/{target}: {total} I/Os, asked for {ios}"
    for d in ("read", "write"):
        s = j[d]
        if s["total_ios"] == 0:
            continue
        assert s["iops"] > 0 and s["bw_bytes"] > 0, f"{d}: no throughput"
        pct = [v for _, v in sorted(s["clat_ns"]["percentile"].items(), key=lambda kv: float(kv[0]))]
        assert pct == sorted(pct), f"{d}: percentiles not monotonic: {pct}"
        assert s["clat_ns"]["min"] <= pct[0] and pct[-1] <= s["clat_ns"]["max"] * 1.01, \
            f"{d}: percentiles outside min..max"
        assert s["clat_ns"]["N"] == s["total_ios"], f"{d}: clat N != total_ios"
    if rw in ("rw", "randrw"):
        assert j["read"]["total_ios"] > 0 and j["write"]["total_ios"] > 0, "mixed job: one side"
    assert j["driver_cycles_per_io"] > 0, "driver cycles missing"


def blank(nvos, name, size=64 * MIB):
    os.makedirs(nvos.images, exist_ok=True)
    path = os.path.join(nvos.images, f"{nvos.name}.{name}.img")
    with open(path, "wb") as f:
        f.truncate(size)
    return path


WORKLOADS = ["read", "write", "randread", "randwrite", "randrw"]


@pytest.mark.case("bench.workloads.{target}", timeout=400, cost=2)
@pytest.mark.parametrize("target", ("block", "nvme"))
def test_workloads(nvos, target):
    path = blank(nvos, "disk")
    with nvos.machine(boot="kernel", disks=[Disk(path)], timeout=400) as m:
        m.wait_ready()
        for mode in ("poll", "irq"):
            for rw in WORKLOADS:
                ios = 3000
                extra = " rwmixread=70" if rw == "randrw" else ""
                bs = "16k" if rw in ("read", "write") else "4k"
                out = m.command(f"bench target={target} dev=nvme0n1 rw={rw} bs={bs} "
                                f"iodepth=8 mode={mode} ios={ios} json_bins=0{extra}",
                                timeout=120)
                jobs = bench_json(out)
                assert len(jobs) == 1, f"{rw}/{mode}: {len(jobs)} JSON lines\n{out}"
                check_job(jobs[0], rw, mode, target, ios)
                assert has(r"^  (read|write): IOPS=", out), out
                assert has(r"clat percentiles \(", out), out
        # Several jobs in one command run one after another; several queues.
        queues = 2 if target == "nvme" else 1
        out = m.command(f"bench target={target} dev=nvme0n1 ios=2000 json_bins=0 "
                        f"queues={queues} name=a rw=randread iodepth=32 name=b rw=read "
                        f"bs=128k iodepth=4 name=c rw=randread bs=512 iodepth=1", timeout=120)
        jobs = bench_json(out)
        assert [j["jobname"] for j in jobs] == ["a", "b", "c"], f"jobs: {out}"
        for j in jobs:
            assert j["status"] == "ok" and j["queues"] == queues, f"job {j['jobname']}"
        assert jobs[1]["bs"] == 131072 and jobs[2]["bs"] == 512, "bs per job"
        # Out-of-range options are refused with the reason.
        out = m.command(f"bench target={target} dev=nvme0n1 iodepth=60000 ios=10")
        assert has(r"^bench: job 'bench': iodepth=60000: nvme0n1's queues take \d+", out), \
            f"iodepth refused:\n{out}"
        assert has(r"^error: bench: ERANGE", out), out
        out = m.command(f"bench target={target} dev=nvme0n1 iodepth=100000 ios=10")
        assert has(r"^bench: iodepth=100000: ", out), out
        assert has(r"^error: bench: EINVAL", out), out
        out = m.command("bench rw=sideways")
        assert has(r"^bench: rw=sideways", out), out
        if target == "nvme":
            # The emulator's floor, for comparison: reads only, its own queue pair.
            out = m.command("nvme rawloop nvme0n1 8 300", timeout=60)
            mm = re.search(r"^rawloop nvme0n1: qd 8, 300 ms: (\d+) IOPS", out, re.M)
            assert mm, f"rawloop:\n{out}"
            assert int(mm.group(1)) > 0, "rawloop did no I/O"
            q = m.command("nvme queues nvme0")
            qids = re.findall(r"^(\d+) +\d+ +(?:irq|poll) ", q, re.M)
            # The block layer's pairs: 1 and 2, or with several CPUs (NVOS_SMP)
            # those each CPU's line names.
            block = set(re.findall(r"^cpu \d+: irq qid (\d+) .*, poll qid (\d+)", q, re.M))
            want = sorted({"0"} | ({x for pair in block for x in pair} or {"1", "2"}))
            assert sorted(qids) == want, \
                f"after rawloop and the jobs only admin and block queues remain: {qids}"
        m.poweroff()


@pytest.mark.case("bench.verify-across-boots", timeout=300)
def test_verify_across_boots(nvos):
    """Write stamps in one boot; corrupt four blocks on the host; the read pass
    of the next boot names each one, with what it found."""
    path = blank(nvos, "disk")
    bs = 512
    window = (8 * MIB // bs, 4 * MIB // bs)  # LBAs 16384..24575
    spec = f"dev=nvme0n1 offset={8 * MIB} size={4 * MIB} verify=1 verify_gen=7 json_bins=0"
    with nvos.machine(boot="kernel", disks=[Disk(path)]) as m:
        m.wait_ready()
        out = m.command(f"bench {spec} rw=randwrite bs=4k iodepth=16", timeout=120)
        j = bench_json(out)[0]
        assert j["status"] == "ok", f"write pass: {j['status']}\n{out}"
        v = j["verify"]
        assert v["enabled"] and v["mismatches"] == 0 and v["blocks_verified"] == window[1], \
            f"write job's read-back: {v}"
        m.poweroff()
    with open(path, "r+b") as f:
        def blk(lba):
            f.seek(lba * bs)
            return bytearray(f.read(bs))

        def put(lba, data):
            f.seek(lba * bs)
            f.write(data)
        first = window[0]
        b = blk(first + 10)
        b[100] ^= 0x01                            # one flipped bit: torn
        put(first + 10, b)
        put(first + 20, bytes(bs))                # zeroed
        put(first + 30, blk(first + 31))          # another block's stamp: misplaced
        put(first + 40, bytes(range(256)) * (bs // 256))  # not a stamp at all: garbage
    expect = {first + 10: "torn", first + 20: "zeroed", first + 30: "misplaced",
              first + 40: "garbage"}
    with nvos.machine(boot="kernel", disks=[Disk(path)]) as m:
        m.wait_ready()
        out = m.command(f"bench {spec} rw=read bs=4k iodepth=8", timeout=120)
        j = bench_json(out)[0]
        v = j["verify"]
        assert j["status"] == "EBADMSG", f"read pass status {j['status']}"
        assert (v["mismatches"] == 4 and v["blocks_verified"] == window[1]
                and v["blocks_ok"] == window[1] - 4), f"read pass: {v}"
        found = {e["lba"]: e["class"] for e in v["first"]}
        assert found == expect, f"mismatches {found}, expected {expect}"
        for lba, cls in expect.items():
            assert has(rf"\b{lba}\b.*{cls}|{cls}.*\b{lba}\b", out), out
        assert has(rf"verify: {window[1]} blocks verified, {window[1] - 4} ok, 4 mismatches",
                   out), f"verify summary:\n{out}"
        m.poweroff()


def gpt_with_fat(nvos):
    """A 64 MiB GPT disk: p1 (LBA 2048..67583) holds FAT32; beyond it, scratch."""
    path = blank(nvos, "gpt")
    vol = path + ".vol"
    fatimg.mkfs(vol, 32 * 1024, ["-F", "32", "-s", "1", "-n", "KEEP"])
    fatimg.write_gpt(path, 512, 64 * MIB // 512, [
        (2048, 67583, BASIC_DATA, "11111111-2222-4333-8444-555555555555", "keep", 0),
        (67584, 75775, BASIC_DATA, "11111111-2222-4333-8444-666666666666", "blank", 0)])
    with open(vol, "rb") as s, open(path, "r+b") as d:
        d.seek(2048 * 512)
        d.write(s.read())
    os.unlink(vol)
    return path


@pytest.mark.case("bench.write-guard", timeout=200)
def test_write_guard(nvos):
    path = gpt_with_fat(nvos)
    with nvos.machine(boot="kernel", disks=[Disk(path, snapshot=True)]) as m:
        m.wait_ready()
        common = "dev=nvme0n1 rw=write bs=4k ios=64 json_bins=0"
        # The FAT32 partition, and the partition seen as its own device.
        out = m.command(f"bench {common} offset={2048 * 512} size=1m")
        assert has(r"refusing to write LBAs 2048\.\.4095 of nvme0n1: nvme0n1p1 \(blocks "
                   r"2048-67583\) holds a FAT file system \(force=1 overrides\)", out), out
        assert has(r"^error: bench: EPERM", out), out
        out = m.command("bench dev=nvme0n1p1 rw=randwrite bs=4k ios=64 size=1m")
        assert "holds a FAT file system" in out, out
        # The GPT itself: the header at LBA 1 and the backup at the end.
        out = m.command(f"bench {common} offset=0 size=64k")
        assert "hold the GPT and its backup" in out, out
        out = m.command(f"bench {common} offset={64 * MIB - 4096} size=4k")
        assert "hold the GPT and its backup" in out, out
        # A blank partition and unpartitioned space are fair game ...
        out = m.command(f"bench {common} offset={67584 * 512} size=1m verify=1")
        assert bench_json(out)[0]["status"] == "ok", f"blank partition refused:\n{out}"
        # ... and stay so once they hold the benchmark's own stamps.
        out = m.command(f"bench {common} offset={67584 * 512} size=1m")
        assert bench_json(out)[0]["status"] == "ok", f"stamped partition refused:\n{out}"
        # force=1 writes anyway, and says so.
        out = m.command(f"bench {common} offset={4096 * 512} size=64k force=1")
        assert has(r"^bench: warning: force=1: writing LBAs 4096\.\.4223 of nvme0n1 although: "
                   r"nvme0n1p1 .* holds a FAT file system", out), out
        assert bench_json(out)[0]["status"] == "ok", "forced job"
        # Reads are never refused.
        out = m.command(f"bench dev=nvme0n1 rw=randread ios=64 offset={2048 * 512} size=1m")
        assert bench_json(out)[0]["status"] == "ok", "read job"
        m.poweroff()


@pytest.mark.case("bench.demo-disk-scratch", timeout=200)
def test_demo_disk_scratch(nvos):
    """On the demo disk: a verify write-then-read job over the scratch region
    after the FAT partition has no mismatch; the partition itself is refused."""
    img = os.path.join(nvos.build, "disk.img")
    with open(img + ".manifest.json") as f:
        manifest = json.load(f)
    start = manifest["scratch_start_lba"]
    with nvos.machine(boot="kernel", disks=[Disk(img, snapshot=True)]) as m:
        m.wait_ready()
        out = m.command(f"bench dev=nvme0n1 offset={start * 512} size=8m verify=1 rw=randwrite "
                        f"bs=4k iodepth=8 json_bins=0", timeout=120)
        j = bench_json(out)[0]
        v = j["verify"]
        assert j["status"] == "ok" and v["mismatches"] == 0 and v["blocks_verified"] == 16384, \
            f"scratch verify: {j['status']} {v}"
        assert has(r"verify: 16384 blocks verified, 16384 ok, 0 mismatches", out), out
        out = m.command(f"bench dev=nvme0n1 offset={manifest['partition_start_lba'] * 512} "
                        f"size=1m rw=write")
        assert has(r"holds a FAT file system \(force=1 overrides\)", out), out
        m.poweroff()


@pytest.mark.case("bench.matrix-tool", timeout=400)
def test_matrix_tool(nvos):
    """tools/benchmatrix.py end to end, cut short: the tables, the JSON and the plots."""
    out = os.path.join(nvos.build, "test-bench-matrix")
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    p = subprocess.run([sys.executable, os.path.join(root, "tools", "benchmatrix.py"),
                        "--quick", "--runtime", "0.2", "--ramp", "0", "--out", out,
                        "--file-image", os.path.join(nvos.images, "file.img"),
                        "--file-size", "64"],
                       capture_output=True, text=True, timeout=380)
    assert p.returncode == 0, f"benchmatrix failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    with open(os.path.join(out, "matrix.md")) as f:
        md = f.read()
    for backend in ("null-co drive", "file-backed drive"):
        assert backend in md, md
    assert has(r"^\| nvme \| 4 KiB randread \| 32 \| irq \| [\d,]+ \|", md), md
    assert has(r"^Raw polled loop on the same drive", md), md
    assert has(r"ratio \d+\.\d+", md), md
    with open(os.path.join(out, "matrix.json")) as f:
        data = json.load(f)
    assert data["backends"]["null"]["block-randread-4k-qd32-irq"]["iops"] > 0, "matrix.json"
    for backend in ("null", "file"):
        plot = os.path.join(out, f"plots-{backend}", "iops-vs-iodepth.png")
        assert os.path.getsize(plot) > 1000, f"{plot}: no plot"


@pytest.mark.case("bench.fio-jsonplus", timeout=200)
def test_fio_jsonplus(nvos):
    """output-format=json+ in the kernel: fio's own fio_jsonplus_clat2csv reads
    and --validate accepts the document of a mixed job on the NVMe driver."""
    import shutil
    tool = shutil.which("fio_jsonplus_clat2csv")
    assert tool is not None, "fio_jsonplus_clat2csv missing: install Debian's fio (tools/nvos deps does)"
    path = blank(nvos, "disk")
    with nvos.machine(boot="kernel", disks=[Disk(path)]) as m:
        m.wait_ready()
        out = m.command("bench target=nvme dev=nvme0n1 rw=randrw rwmixread=60 bs=4k iodepth=8 "
                        "ios=3000 output-format=json+", timeout=120)
        m.poweroff()
    assert len(bench_json(out)) == 1, "BENCH_JSON still printed"
    mm = re.search(r"^BENCH_FIO_JSON_BEGIN\n(.*?)\nBENCH_FIO_JSON_END$", out, re.M | re.S)
    assert mm is not None, f"no fio document between the markers:\n{out}"
    doc = json.loads(mm.group(1))
    job = doc["jobs"][0]
    assert doc["disk_util"] == [] and "global options" in doc, "document header/footer"
    for d in ("read", "write"):
        assert sum(job[d]["clat_ns"]["bins"].values()) == job[d]["total_ios"] > 0, f"{d} bins"
    assert "bins" not in job["trim"]["clat_ns"], "no bins without samples"
    src = os.path.join(nvos.logdir, f"{nvos.name}.json")
    with open(src, "w") as f:
        f.write(mm.group(1))
    dest = os.path.join(nvos.logdir, f"{nvos.name}.csv")
    for extra in ([], ["--validate"]):
        p = subprocess.run([tool, src, dest] + extra, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, f"fio_jsonplus_clat2csv {extra}: {p.stdout}{p.stderr}"
    assert "validated" in p.stdout, f"--validate: {p.stdout}"
