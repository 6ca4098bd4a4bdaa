"""QEMU test qemu.crash.<cache>: no acknowledged, flushed write is lost and no
block is torn or foreign when QEMU is killed in the middle of writing.

One NVMe namespace on a raw image file, the drive opened with cache=<cache>
(writeback: the host page cache; none: O_DIRECT, checked first, skipped where
the file system refuses it). A window of 8 MiB at 1 MiB is written as 2048
units of 4 KiB, each 512-byte block carrying the benchmark's verify stamp
(bench/engine/bench_verify.h: magic and generation, LBA, size, a 64-bit check
over the block, a pattern from LBA and generation):

  boot 0   fills the window with generation 1, a Flush every 16 writes, and
           reads it back (0 mismatches);
  boot k   (k = 1..N, generation k + 1) first verifies in nvos what boot k - 1
           left ("bench rw=read verify=1": every block intact, of a generation
           written before; the previous boot's durable units of its generation
           exactly), then writes sequentially from unit 0 with "fsync=F"
           (a Flush after every F writes; nvos prints "bench: flush K done:
           W writes durable (gen G)" when a Flush has completed) and is killed
           (SIGKILL) a random 0.2..2 s after the job started. F, the queue depth
           and the completion mode are drawn per boot.

After each kill the image is checked on the host, block by block, with the
same stamp arithmetic (a Python copy of bench_verify.c): the units the last
"flush ... done" line received before the kill names (writes 0..W-1 of the
job, unit w mod 2048) must hold generation k + 1; every unit must hold a
generation no older than the last one made durable there, none newer than
k + 1; no block may be zero, unstamped, torn (check wrong) or stamped for
another LBA. A line lost in the serial buffers at the kill only makes the
check weaker, never wrong.

What this shows: the driver issues writes and Flushes so that what it
acknowledged as flushed really reached QEMU's backing file, across cache
modes, queue depths and interrupt/poll completion. A QEMU kill is not a
power cut: with cache=writeback the host page cache survives it, so
unflushed writes usually survive too (reported as "landed unflushed").

QEMU runs under nvoslib (Machine, killed with Machine.kill()). The kill
points are drawn from a seed printed at the start; repeat a run with
NVOS_CRASH_SEED=0x... (and NVOS_CRASH_BOOTS=N for another number of kills).
cache=none is skipped (ctest: exit 77) where the file system of the test
images refuses O_DIRECT (tmpfs did before Linux 6.6).
"""

import json
import mmap
import os
import random
import re
import struct
import time

import pytest

from nvoslib.qemu import Disk

BOOTS = int(os.environ.get("NVOS_CRASH_BOOTS", "20"))
BLOCK = 512                 # the namespace's LBA size (QEMU's default), checked
BS = 4096                   # bytes per write
OFFSET = 1 << 20            # window start, bytes
UNITS = 2048                # window: 8 MiB
BLOCKS_PER_UNIT = BS // BLOCK
FIRST_LBA = OFFSET // BLOCK
IMAGE_SIZE = 16 << 20
FLUSH_LINE = re.compile(r"bench: flush (\d+) done: (\d+) writes durable \(gen (\d+)\)")

# ---- the stamp (bench/engine/bench_verify.c) ---------------------------------

M64 = (1 << 64) - 1
MAGIC = 0x5642564E
K1, K2, K3 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
CHECK_SEED = 0x6E766F7362656E63


def mix64(z):
    z = ((z ^ (z >> 30)) * K2) & M64
    z = ((z ^ (z >> 27)) * K3) & M64
    return z ^ (z >> 31)


def block_check(w):
    h = CHECK_SEED ^ len(w)
    for i, x in enumerate(w):
        h = ((h ^ (0 if i == 3 else x)) * K1) & M64
        h ^= h >> 29
    return mix64(h)


def classify(raw, lba):
    """('zeroed'|'garbage'|'torn'|'misplaced', None) or ('ok', generation)."""
    w = struct.unpack(f"<{len(raw) // 8}Q", raw)
    if w[0] & 0xFFFFFFFF != MAGIC:
        return ("zeroed" if not any(w) else "garbage"), None
    if w[2] != len(raw) or block_check(w) != w[3]:
        return "torn", None
    if w[1] != lba:
        return "misplaced", None
    return "ok", w[0] >> 32


def self_test():
    """The Python copy must agree with the C stamp: a block stamped here is
    recognised, and so is the one nvos wrote in boot 0 (checked later)."""
    w = [0] * (BLOCK // 8)
    lba, gen = 1234, 7
    w[0], w[1], w[2] = MAGIC | gen << 32, lba, BLOCK
    x = mix64(lba ^ (gen << 40) ^ K3)
    for i in range(4, len(w)):
        x = (x + K1) & M64
        w[i] = ((x ^ (x >> 31)) * K2) & M64
    w[3] = block_check(w)
    raw = struct.pack(f"<{len(w)}Q", *w)
    assert classify(raw, lba) == ("ok", gen)
    assert classify(raw, lba + 1)[0] == "misplaced"
    bad = bytearray(raw)
    bad[100] ^= 1
    assert classify(bytes(bad), lba)[0] == "torn"



# QEMU: nvoslib.qemu.Machine

def bench_json(out):
    m = re.search(r"^BENCH_JSON (\{.*\})$", out, re.M)
    if not m:
        raise RuntimeError(f"no BENCH_JSON line in:\n{out[-3000:]}")
    return json.loads(m.group(1))


def all_json(out):
    return [json.loads(m.group(1)) for m in re.finditer(r"^BENCH_JSON (\{.*\})$", out, re.M)]


# ---- the host-side check --------------------------------------------------

def read_window(image):
    with open(image, "rb") as f:
        f.seek(OFFSET)
        return f.read(UNITS * BS)


def check_data(data, required, newest):
    """Every block of the window against required[u] (the oldest generation
    allowed in unit u: the last one made durable there) and newest. Returns
    the counts and the first few findings."""
    counts = dict(blocks=0, newest=0, older=0, lost=0, torn=0, foreign=0)
    bad = []
    for u in range(UNITS):
        for b in range(BLOCKS_PER_UNIT):
            lba = FIRST_LBA + u * BLOCKS_PER_UNIT + b
            off = (u * BLOCKS_PER_UNIT + b) * BLOCK
            cls, gen = classify(data[off:off + BLOCK], lba)
            counts["blocks"] += 1
            what = None
            if cls == "torn":
                what = "torn"
            elif cls in ("garbage", "misplaced"):
                what = "foreign"
            elif cls == "zeroed":
                what = "lost"
            elif gen > newest or gen < 1:
                what = "foreign"
            elif gen < required[u]:
                what = "lost"
            elif gen == newest:
                counts["newest"] += 1
            else:
                counts["older"] += 1
            if what:
                counts[what] += 1
                if len(bad) < 10:
                    bad.append(f"unit {u} LBA {lba}: {cls} gen {gen}, need {required[u]}..{newest}")
    return counts, bad


def check_image(image, required, newest):
    return check_data(read_window(image), required, newest)


def checker_self_test(data, required, newest):
    """The check must see damage: on copies of a window that passed, a zeroed
    durable block is lost, a flipped bit torn, another LBA's block foreign, an
    older generation in a durable unit lost. Returns what went unnoticed."""
    u = next(i for i in range(UNITS) if required[i] == newest)
    older_unit = u
    off = u * BS
    missed = []
    cases = {
        "lost": data[:off] + bytes(BLOCK) + data[off + BLOCK:],
        "torn": data[:off + 77] + bytes([data[off + 77] ^ 0x10]) + data[off + 78:],
        "foreign": data[:off] + data[off + BS:off + BS + BLOCK] + data[off + BLOCK:],
    }
    for want, d in cases.items():
        counts, _ = check_data(d, required, newest)
        if counts[want] != 1:
            missed.append(f"{want}: {counts}")
    # A durable unit holding the previous generation (a lost write).
    stale = list(required)
    stale[older_unit] = newest + 1
    counts, _ = check_data(data, stale, newest + 1)
    if counts["lost"] != BLOCKS_PER_UNIT:
        missed.append(f"stale: {counts}")
    return missed


def durable_units(writes):
    return range(min(writes, UNITS))  # writes 0..W-1 went to units w mod UNITS


def nvos_verify(g, durable, gen):
    """What the previous boot left, read by nvos: every block intact, of a
    generation 1..gen; the first `durable` units of generation gen exactly.
    Returns (blocks verified, mismatches, generations seen, good)."""
    cmd = (f"bench dev=nvme0n1 rw=read bs={BS} verify=1 progress=0 iodepth=4 "
           f"name=all offset={OFFSET} size={UNITS * BS}")
    if durable:
        cmd += f" name=durable offset={OFFSET} size={durable * BS} verify_gen={gen}"
    out = g.command(cmd, 120)
    jobs = all_json(out)
    blocks = sum(x["verify"]["blocks_verified"] for x in jobs)
    mism = sum(x["verify"]["mismatches"] for x in jobs)
    gens = {int(x) for x in jobs[0]["verify"]["generations"]} if jobs else set()
    good = (len(jobs) == (2 if durable else 1) and mism == 0 and gens and min(gens) >= 1
            and max(gens) <= gen)
    if not good:
        print(out[-3000:])
    return blocks, mism, gens, good


def odirect_ok(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    except OSError:
        return False
    try:
        buf = mmap.mmap(-1, 4096)
        os.readv(fd, [buf])
        return True
    except OSError:
        return False
    finally:
        os.close(fd)



def guest(nvos, image, cache):
    """One boot of nvos on the image (cache=<cache>), at its prompt; the
    boots are logged as crash.<cache>.log, crash.<cache>.2.log, ..."""
    m = nvos.machine(boot="kernel", memory="256", timeout=300,
                     disks=[Disk(drive_opts=f"file={image},format=raw,cache={cache}",
                                 serial="crash0")])
    m.start()
    m.wait_ready(120)
    return m


def fill_pass(nvos, image, cache, window):
    """Boot 0: fill with generation 1, every write flushed, read back."""
    g = guest(nvos, image, cache)
    try:
        out = g.command(f"bench dev=nvme0n1 rw=write {window} verify=1 verify_gen=1 fsync=16 "
                        f"iodepth=4 progress=0", 120)
    finally:
        g.kill()
    j = bench_json(out)
    assert j["block_size"] == BLOCK and j["status"] == "ok" and j["verify"]["mismatches"] == 0, \
        (f"the fill pass: block size {j['block_size']}, status {j['status']}, "
         f"{j['verify']['mismatches']} mismatches")
    assert f"flush {UNITS // 16} done: {UNITS} writes durable (gen 1)" in out, \
        f"the fill pass did not report its last Flush:\n{out[-2000:]}"


@pytest.mark.case("crash.{cache}", timeout=400, cost=80)
@pytest.mark.parametrize("cache", ("writeback", "none"))
def test_crash(nvos, cache):
    seed = os.environ.get("NVOS_CRASH_SEED")
    seed = int(seed, 0) if seed else int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    tag = f"cache={cache}"
    print(f"crash consistency, {tag}: seed 0x{seed:08x} (repeat with "
          f"NVOS_CRASH_SEED=0x{seed:08x}), {BOOTS} kills", flush=True)
    self_test()

    image = os.path.join(nvos.images, f"crash-{cache}.img")
    with open(image, "wb") as f:
        f.truncate(IMAGE_SIZE)
    if cache == "none" and not odirect_ok(image):
        os.unlink(image)
        pytest.skip(f"the file system of {nvos.images} does not take O_DIRECT (cache=none)")
    window = f"offset={OFFSET} size={UNITS * BS} bs={BS}"

    fill_pass(nvos, image, cache, window)
    required = [1] * UNITS
    counts, bad = check_image(image, required, 1)
    assert counts["newest"] == UNITS * BLOCKS_PER_UNIT, \
        f"after the fill pass the host sees {counts} {bad}"

    totals = dict(blocks=0, lost=0, torn=0, foreign=0, flushes=0, nvos_blocks=0,
                  nvos_mismatches=0, landed=0, mixed=0)
    delays = []
    prev_durable, failures = UNITS, []
    for k in range(1, BOOTS + 1):
        gen = k + 1
        fsync = rng.choice((1, 2, 4, 8, 16, 32))
        depth = rng.choice((1, 2, 4, 8))
        mode = rng.choice(("poll", "irq"))
        delay = rng.uniform(0.2, 2.0)
        delays.append(delay)
        g = guest(nvos, image, cache)
        try:
            nvos_blocks, nvos_mism, gens, nvos_good = nvos_verify(g, prev_durable, gen - 1)
            # The write job, killed part-way.
            g.send(f"bench dev=nvme0n1 rw=write {window} verify=1 verify_gen={gen} "
                   f"fsync={fsync} iodepth={depth} mode={mode} runtime=120s do_verify=0 "
                   f"progress=0 name=crash\r")
            g.expect(r"bench: job 'crash' \(1/1\)", 60)
            time.sleep(delay)
        finally:
            rest = g.kill()
        # What this boot made durable, as far as the console got it out.
        flushes = [(int(n), int(w), int(gg)) for n, w, gg in FLUSH_LINE.findall(rest)]
        flushes = [f for f in flushes if f[2] == gen]
        durable = flushes[-1][1] if flushes else 0
        for u in durable_units(durable):
            required[u] = gen
        data = read_window(image)
        counts, bad = check_data(data, required, gen)
        if k == 1 and not (counts["lost"] or counts["torn"] or counts["foreign"]):
            missed = checker_self_test(data, required, gen)
            print(f"checker self-test on boot 1's image (a zeroed durable block, a flipped "
                  f"bit, another LBA's block, a stale unit): "
                  f"{'all found' if not missed else 'MISSED ' + '; '.join(missed)}", flush=True)
            if missed:
                failures.append(f"the checker missed: {'; '.join(missed)}")
        landed = counts["newest"] - min(durable, UNITS) * BLOCKS_PER_UNIT
        ok = nvos_good and not (counts["lost"] or counts["torn"] or counts["foreign"])
        for key in ("blocks", "lost", "torn", "foreign"):
            totals[key] += counts[key]
        totals["flushes"] += len(flushes)
        totals["nvos_blocks"] += nvos_blocks
        totals["nvos_mismatches"] += nvos_mism
        totals["landed"] += max(landed, 0)
        totals["mixed"] += counts["older"] > 0  # killed within the first pass
        line = (f"boot {k:2}/{BOOTS} {tag}: fsync={fsync} iodepth={depth} mode={mode}, "
                f"killed {delay:.3f} s into the job after {len(flushes)} Flushes, "
                f"{durable} writes durable (gen {gen}); host: {counts['blocks']} blocks, "
                f"{counts['newest']} of gen {gen}, {counts['older']} older, lost {counts['lost']}, "
                f"torn {counts['torn']}, foreign {counts['foreign']}; nvos read of boot {k - 1}: "
                f"{nvos_blocks} blocks, {nvos_mism} mismatches, generations "
                f"{sorted(gens)[:3]}{'...' if len(gens) > 3 else ''}")
        print(line + ("" if ok else "  <-- FAIL"), flush=True)
        for b in bad:
            print("    " + b)
        if not ok:
            failures.append("\n    ".join([line] + bad))
        prev_durable = min(durable, UNITS)

    # The last boot's state, read by nvos too.
    g = guest(nvos, image, cache)
    try:
        nvos_blocks, nvos_mism, _, nvos_good = nvos_verify(g, prev_durable, BOOTS + 1)
    finally:
        g.kill()
    totals["nvos_blocks"] += nvos_blocks
    totals["nvos_mismatches"] += nvos_mism
    if not nvos_good:
        failures.append(f"nvos's read after the last kill: {nvos_blocks} blocks, "
                        f"{nvos_mism} mismatches")
    summary = (f"crash consistency, {tag}, seed 0x{seed:08x}: {BOOTS} kills at "
               f"{min(delays):.2f}..{max(delays):.2f} s (mean {sum(delays) / len(delays):.2f} s), "
               f"{totals['mixed']} of them within the first pass (two generations on disk), "
               f"{totals['flushes']} Flushes acknowledged; host checked {totals['blocks']} blocks: "
               f"lost {totals['lost']}, torn {totals['torn']}, foreign {totals['foreign']} "
               f"({totals['landed']} blocks landed unflushed); nvos verified "
               f"{totals['nvos_blocks']} blocks: {totals['nvos_mismatches']} mismatches"
               f" -> {'PASS' if not failures else f'FAIL ({len(failures)} boots)'}")
    print(summary, flush=True)
    assert not failures, "\n".join(failures + [summary])
    os.unlink(image)
