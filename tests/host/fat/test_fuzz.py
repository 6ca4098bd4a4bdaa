#!/usr/bin/env python3
"""Host test fuzz_fat: runs the libFuzzer target tests/host/fat/fuzz_fat.c
for a bounded time from a seed corpus made here: small FAT12/16/32
volumes (512- and 4096-byte sectors) with long names, a subdirectory, a
fragmented and a looping file, an MBR disk with an extended partition and a
GPT disk. Fails on any crash, sanitizer report, leak, or input that runs
longer than -timeout.

usage: test_fuzz.py --nvfat PATH --work DIR --fuzzer PATH [--seconds N]
"""

import argparse
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import fatimg
from fatimg import Tree, Volume

# Control byte bits, as fuzz_fat.c reads them.
BLOCK_4096, EXACT_SIZE = 0x01, 0x20


def small_tree():
    t = Tree()
    t.add("hello.txt", b"hello\n")
    t.add("A long file name.text", fatimg.rand_bytes(1, 3000))
    t.add("Ünïcödé.txt", b"u\n")
    t.add("sub/inner.bin", fatimg.rand_bytes(2, 1500))
    t.add("sub/deeper/x", b"x")
    t.add("empty", b"")
    return t


def seed(dest, name, ctl, image, strip=True):
    with open(image, "rb") as f:
        data = f.read()
    if strip:
        data = data.rstrip(b"\0")
    with open(os.path.join(dest, name), "wb") as f:
        f.write(bytes([ctl]) + data)


def make_seeds(work, dest):
    os.makedirs(dest)
    for name, kib, opts, ctl in (("f12", 64, ["-F", "12"], 0x00),
                                 ("f12_4k", 256, ["-F", "12", "-S", "4096"], BLOCK_4096),
                                 ("f16", 2200, ["-F", "16", "-s", "1", "-r", "64"], 0x04),
                                 ("f32", 600, ["-F", "32"], 0x16)):
        path = os.path.join(work, name + ".img")
        fatimg.mkfs(path, kib, opts)
        img = fatimg.FatImage(path)
        img.populate(small_tree())
        img.close()
        seed(dest, name, ctl, path)
    # A loop and a broken long name, for the error paths.
    path = os.path.join(work, "f12.img")
    img = fatimg.FatImage(path)
    off, e = img.find("sub/inner.bin")
    chain = img.chain(img.first_cluster(e))
    img.set_entry(chain[-1], chain[0])
    lfn_off = img.find("A long file name.text")[0] - 32
    img.pwrite(lfn_off + 13, b"\x00")
    img.close()
    seed(dest, "f12_damaged", 0x00, path)

    # MBR with a primary and a logical FAT12, GPT with one FAT12.
    path = os.path.join(work, "mbr.img")
    with open(path, "wb") as f:
        f.truncate(600 * 512)
    fatimg.run(["sfdisk", "-q", path], stdin=b"label: dos\nunit: sectors\n"
               b"start=1, size=160, type=1\nstart=161, size=439, type=5\n"
               b"start=162, size=160, type=1\nstart=323, size=100, type=83\n")
    for start in (1, 162):
        fatimg.mkfs(path, 80, ["-F", "12"], offset_sectors=start)
        fatimg.mtools_populate(Volume(path, start * 512), small_tree(), work + f"/mbr{start}.src")
    seed(dest, "mbr", EXACT_SIZE, path, strip=False)
    path = os.path.join(work, "gpt.img")
    with open(path, "wb") as f:
        f.truncate(256 << 10)
    fatimg.run(["sgdisk", "-a", "1", "-n", "1:34:233", "-t", "1:ef00", "-c", "1:ESP", path])
    fatimg.mkfs(path, 100, ["-F", "12"], offset_sectors=34)
    fatimg.mtools_populate(Volume(path, 34 * 512), small_tree(), work + "/gpt.src")
    seed(dest, "gpt", EXACT_SIZE, path, strip=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nvfat", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--fuzzer", required=True)
    ap.add_argument("--seconds", type=int, default=45)
    a = ap.parse_args()
    if a.fuzzer == "none":
        print("SKIP: no clang, so no libFuzzer target")
        return 77
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    seeds, corpus = os.path.join(a.work, "seeds"), os.path.join(a.work, "corpus")
    try:
        make_seeds(a.work, seeds)
    except fatimg.TestFailure as e:
        print(f"FAIL {e}")
        return 1
    os.makedirs(corpus)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    cmd = [a.fuzzer, f"-max_total_time={a.seconds}", "-timeout=10", "-rss_limit_mb=2048",
           "-seed=1", "-print_final_stats=1", f"-artifact_prefix={a.work}/", corpus, seeds]
    print(" ".join(cmd), flush=True)
    p = subprocess.run(cmd, env=env, capture_output=True, timeout=a.seconds + 120)
    out = p.stderr.decode(errors="replace")
    lines = out.splitlines()
    print("\n".join(lines[-40:] if p.returncode else [l for l in lines if l.startswith(("#", "stat::"))][-12:]))
    if p.returncode != 0:
        print(f"FAIL fuzz_fat exited with {p.returncode}; reproducer saved under {a.work}/")
        return 1
    print("fuzz_fat: no crash, leak or timeout")
    return 0


if __name__ == "__main__":
    sys.exit(main())
