"""QEMU tests: partitions and the FAT reader on the NVMe disk.

Disks are generated at test time with the real tools (mkfs.fat, mtools,
sfdisk; GPTs with 4096-byte blocks by tests/host/fat/fatimg.write_gpt, which
the host tests check against sgdisk and sfdisk). The oracle is the host tree
each volume was filled from: every directory's listing (names, types,
sizes) and every file's SHA-256 as the shell reports them must match it.
"""
import hashlib
import json
import os
import re
import shutil

import fatimg
import pytest
from fatimg import Tree, Volume, rand_bytes

from nvoslib.console import has
from nvoslib.qemu import Disk

MIB = 1 << 20
BASIC_DATA = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"
ESP = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"


def quote(s):
    """A shell word for s (lib/args.h rules)."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fill_tree_big(tree, cluster):
    fatimg.basic_tree(tree, cluster)
    fatimg.unicode_tree(tree)
    fatimg.deep_tree(tree, levels=8)
    fatimg.many_tree(tree, 60, 30)
    tree.add("big/three MiB.bin", rand_bytes(31, 3 * MIB + 123))
    # FAT forbids " * / : < > ? \\ | in names; the shell's own specials are allowed.
    tree.add("odd names/semi;colon 'single' & $dollar #hash.txt", b"shell-hostile name\n")
    tree.add("frag/frag.bin", rand_bytes(77, 40 * cluster + 5))


def fill_tree_small(tree, cluster):
    fatimg.basic_tree(tree, cluster)


def make_volume(work, name, kib, opts, fill, frag_holes=0):
    """A FAT volume file, filled by mtools from a host tree; returns (path, tree)."""
    path = os.path.join(work, name + ".vol")
    fatimg.mkfs(path, kib, opts)
    out = fatimg.run(["fsck.fat", "-n", "-v", path], check=False).stdout.decode()
    cluster = int(re.search(r"(\d+) bytes per cluster", out).group(1))
    tree = Tree()
    fill(tree, cluster)
    frag = None
    if frag_holes:
        fat32 = "-F" in opts and opts[opts.index("-F") + 1] == "32"
        frag = ("frag", "frag.bin", 2 * cluster, frag_holes, 0, fat32)
    fatimg.mtools_populate(Volume(path), tree, os.path.join(work, name + ".src"), frag=frag)
    return path, tree


def copy_sparse(src, dst, offset):
    """Writes the file src into dst at byte offset, skipping zero runs."""
    with open(src, "rb") as s, open(dst, "r+b") as d:
        pos = 0
        while True:
            chunk = s.read(MIB)
            if not chunk:
                break
            if chunk.count(0) != len(chunk):
                d.seek(offset + pos)
                d.write(chunk)
            pos += len(chunk)


def tree_json(tree):
    return {"dirs": sorted(tree.dirs),
            "files": {p: [len(b), hashlib.sha256(b).hexdigest()] for p, b in tree.files.items()}}


def gpt_disk(nvos, block):
    """A GPT disk: p1 FAT32 (a large tree, a fragmented file), p2 FAT16.
    Built once per block size; returns (image path, layout)."""
    os.makedirs(nvos.cache, exist_ok=True)
    path = os.path.join(nvos.cache, f"fs-gpt-{block}.img")
    meta = path + ".json"
    if os.path.exists(path) and os.path.exists(meta):
        with open(meta) as f:
            return path, json.load(f)
    work = os.path.join(nvos.cache, f"fs-gpt-{block}.{os.getpid()}.work")
    os.makedirs(work, exist_ok=True)
    # FAT32 wants >= 65525 clusters for mtools: 512-byte clusters on 512-byte
    # sectors, 4 KiB clusters (272 MiB) on 4096-byte sectors.
    if block == 512:
        v1, t1 = make_volume(work, "p1", 48 * 1024, ["-F", "32", "-s", "1", "-n", "NVOS P1"],
                             fill_tree_big, frag_holes=24)
    else:
        v1, t1 = make_volume(work, "p1", 272 * 1024,
                             ["-F", "32", "-S", "4096", "-s", "1", "-n", "NVOS P1"],
                             fill_tree_big, frag_holes=24)
    # FAT16 needs >= 4085 clusters: one sector each.
    v2, t2 = make_volume(work, "p2", 24 * 1024,
                         ["-F", "16", "-S", str(block), "-s", "1", "-n", "NVOS P2"],
                         fill_tree_small)
    size1, size2 = os.path.getsize(v1), os.path.getsize(v2)
    first1 = MIB // block
    last1 = first1 + size1 // block - 1
    first2 = last1 + 1 + MIB // block
    last2 = first2 + size2 // block - 1
    total = (last2 + 1) * block + 2 * MIB
    tmp = path + f".{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.truncate(total)
    fatimg.write_gpt(tmp, block, total // block, [
        (first1, last1, BASIC_DATA, "11111111-2222-4333-8444-555555555555", "nvos data", 0),
        (first2, last2, ESP, "11111111-2222-4333-8444-666666666666", "nvos esp", 0),
    ])
    copy_sparse(v1, tmp, first1 * block)
    copy_sparse(v2, tmp, first2 * block)
    layout = {"block": block, "parts": [[first1, last1], [first2, last2]],
              "trees": [tree_json(t1), tree_json(t2)], "labels": ["NVOS P1", "NVOS P2"],
              "types": ["FAT32", "FAT16"]}
    with open(meta + f".{os.getpid()}.tmp", "w") as f:
        json.dump(layout, f)
    os.replace(tmp, path)
    os.replace(meta + f".{os.getpid()}.tmp", meta)
    shutil.rmtree(work, ignore_errors=True)
    return path, layout


LS_LINE = re.compile(r"^([d-]) +(\d+)  (.*)$")


def check_volume(m, spec, tree):
    """ls of every directory and sha256 of every file against the host tree."""
    dirs = [""] + tree["dirs"]
    for d in dirs:
        out = m.command(f"ls {spec} {quote('/' + d)}", timeout=60)
        got = {}
        for line in out.splitlines():
            mm = LS_LINE.match(line)
            if mm:
                got[mm.group(3)] = (mm.group(1) == "d", int(mm.group(2)))
        assert has(r"^\d+ file\(s\), \d+ dir\(s\), \d+ bytes$", out), out
        want = {}
        prefix = d + "/" if d else ""
        for p, (size, _) in tree["files"].items():
            if p.startswith(prefix) and "/" not in p[len(prefix):]:
                want[p[len(prefix):]] = (False, size)
        for sub in tree["dirs"]:
            if sub.startswith(prefix) and "/" not in sub[len(prefix):] and sub != d:
                want[sub[len(prefix):]] = (True, 0)
        assert got == want, (f"ls {spec} /{d}: differs from the host\n"
                             f"only nvos: {sorted(set(got.items()) - set(want.items()))}\n"
                             f"only host: {sorted(set(want.items()) - set(got.items()))}")
    for p, (size, sha) in sorted(tree["files"].items()):
        out = m.command(f"sha256 {spec} {quote('/' + p)}", timeout=120)
        mm = re.search(r"^([0-9a-f]{64})  (.*)$", out, re.M)
        assert mm is not None, f"sha256 {spec} /{p}: no hash\n{out}"
        assert mm.group(1) == sha, f"sha256 {spec} /{p}: {mm.group(1)}, host says {sha}"


# Both ways nvos boots: multiboot (QEMU's -kernel, and GRUB's multiboot2 from
# the ISO) and UEFI (BOOTX64.EFI under OVMF).
@pytest.mark.case("fs.gpt.{boot}.{block}", timeout=600, cost=2)
@pytest.mark.parametrize("block", (512, 4096))
@pytest.mark.parametrize("boot", ("kernel", "grub-bios", "uefi"))
def test_gpt(nvos, boot, block):
    path, layout = gpt_disk(nvos, block)
    disk = Disk(path, block_size=block, snapshot=True)
    with nvos.machine(boot=boot, disks=[disk], timeout=600) as m:
        m.wait_ready()
        out = m.command("part nvme0n1")
        assert has(rf"^nvme0n1: gpt, \d+ blocks of {block} bytes", out), out
        for i, (first, last) in enumerate(layout["parts"], 1):
            assert has(rf"^ +{i} +{first} +{last} +{last - first + 1} ", out), out
        assert "Microsoft basic data" in out, out
        assert "EFI System" in out, out
        out = m.command("blk list")
        assert has(r"^nvme0n1p1 ", out), out
        assert has(r"^nvme0n1p2 ", out), out
        for i in (1, 2):
            out = m.command(f"fsinfo nvme0n1:{i}")
            assert f"type: {layout['types'][i - 1]}" in out, out
            assert f"label: {layout['labels'][i - 1]}" in out, out
            assert f"sector size: {block}" in out, out
        # DEV alone is its first FAT partition; a partition's own name works too.
        a = m.command("ls nvme0n1 /")
        assert a == m.command("ls nvme0n1:1 /") == m.command("ls nvme0n1p1 /"), \
            "nvme0n1, nvme0n1:1 and nvme0n1p1 list differently"
        check_volume(m, "nvme0n1:1", layout["trees"][0])
        check_volume(m, "nvme0n1p2", layout["trees"][1])
        # Case-insensitive lookup, long and short names, stat of a fragmented file.
        out = m.command("stat nvme0n1:1 /FRAG/FRAG.BIN")
        assert has(r"^clusters: \d+ in (at least )?\d+ extent\(s\)$", out), out
        ext = int(re.search(r"in (?:at least )?(\d+) extent", out).group(1))
        assert ext > 1, f"frag.bin should be fragmented:\n{out}"
        out = m.command("cat nvme0n1:1 /hello.txt")
        assert out.strip() == "hello, world", f"cat: {out!r}"
        out = m.command('cat nvme0n1:1 "/ünïcödé FAÇADE.TXT"')
        assert out.strip() == "Ünïcödé façade", f"cat (case folding): {out!r}"
        # Ctrl-C typed ahead stops a long file command between pieces.
        m.send('sha256 nvme0n1:1 "/big/three MiB.bin"\r\x03')
        m.expect(r"\nnvos> ")
        assert has(r"error: nvme0n1p1: /big/three MiB\.bin: interrupted at byte 1048576 of "
                   r"3145851", m.buf), m.tail()
        # fsbench on the largest file: both sides read it, a JSON line says how fast.
        out = m.command('fsbench nvme0n1:1 "/big/three MiB.bin" chunk=1m rounds=3',
                        timeout=120)
        mm = re.search(r"^FSBENCH_JSON (\{.*\})$", out, re.M)
        assert mm is not None, f"fsbench printed no JSON:\n{out}"
        fb = json.loads(mm.group(1))
        assert fb["bytes"] == 3 * MIB + 123 and fb["rounds"] == 3 and fb["ratio"] > 0, \
            f"fsbench: {fb}"
        m.poweroff()


@pytest.mark.case("fs.mbr-logical-and-errors", timeout=300)
def test_mbr_logical_and_errors(nvos):
    """An MBR with a primary and two logical FAT partitions; then the errors."""
    os.makedirs(nvos.images, exist_ok=True)
    work = os.path.join(nvos.images, f"{nvos.name}.work")
    os.makedirs(work, exist_ok=True)
    v1, t1 = make_volume(work, "p1", 8 * 1024, ["-F", "16", "-s", "1", "-n", "PRIMARY"], fill_tree_small)
    v5, t5 = make_volume(work, "p5", 4 * 1024, ["-F", "12", "-n", "LOGICAL5"],
                         lambda t, c: t.add("five.txt", b"five\n"))
    v6, t6 = make_volume(work, "p6", 40 * 1024, ["-F", "32", "-s", "1", "-n", "LOGICAL6"],
                         lambda t, c: t.add("six/six.txt", b"six\n"))
    path = os.path.join(nvos.images, f"{nvos.name}.img")
    with open(path, "wb") as f:
        f.truncate(64 * MIB)
    # sfdisk: 1 primary FAT16, 2 extended, 5 and 6 logical (FAT12, FAT32 LBA).
    script = ("label: dos\n"
              "start=2048, size=16384, type=6\n"
              "start=18432, size=112640, type=f\n"
              "start=20480, size=8192, type=1\n"
              "start=30720, size=81920, type=c\n")
    fatimg.run(["sfdisk", "--no-reread", "--no-tell-kernel", path], stdin=script.encode())
    layout = fatimg.sfdisk_json(path)["partitions"]
    starts = {int(p["node"].rsplit("img", 1)[1]): p["start"] for p in layout}
    copy_sparse(v1, path, starts[1] * 512)
    copy_sparse(v5, path, starts[5] * 512)
    copy_sparse(v6, path, starts[6] * 512)
    with nvos.machine(boot="kernel", disks=[Disk(path)]) as m:
        m.wait_ready()
        out = m.command("part nvme0n1")
        assert has(r"^nvme0n1: mbr, ", out), out
        assert has(r"^ +2 .*\[extended\]", out), out
        assert has(r"^ +5 .*\[logical\]", out), out
        assert has(r"^ +6 .*\[logical\]", out), out
        check_volume(m, "nvme0n1:1", tree_json(t1))
        check_volume(m, "nvme0n1:5", tree_json(t5))
        check_volume(m, "nvme0n1p6", tree_json(t6))
        out = m.command("fsinfo nvme0n1:5")
        assert "type: FAT12" in out, out
        out = m.command("fsinfo nvme0n1:6")
        assert "type: FAT32" in out, out
        # Errors: one line each, starting "error:", and the shell goes on.
        for cmd, pattern in [
            ("ls nvme0n1:2", r"^error: nvme0n1: partition 2 is an extended partition"),
            ("ls nvme0n1:3", r"^error: nvme0n1 has no partition 3"),
            ("ls nvme0n1:x", r"^error: 'x': partition numbers start at 1"),
            ("ls nvme9n1", r"^error: no block device 'nvme9n1'"),
            ("ls nvme0n1p1:1", r"^error: nvme0n1p1 is a partition already"),
            ("ls nvme0n1 /nope", r"^error: nvme0n1p1: .*/nope"),
            ("cat nvme0n1 /sub", r"^error: nvme0n1p1: .*is a directory"),
            ("ls nvme0n1 /hello.txt/x", r"^error: nvme0n1p1: .*not a directory"),
            ("sha256 nvme0n1", r"^error: usage: sha256 "),
            ("part nvme0n1p1", r"^error: nvme0n1p1 is a partition of nvme0n1"),
        ]:
            out, rc = m.run(cmd)
            assert has(pattern, out), out
            assert rc == 1, f"{cmd}: rc={rc}, expected 1"
            assert len(out.strip().splitlines()) == 1, f"{cmd}: more than one line:\n{out}"
        # Benchmark writes stay out of the MBR and the boot loader gap after it.
        out = m.command("bench dev=nvme0n1 rw=write offset=512 size=4k")
        assert has(r"^bench: job 'bench': refusing to write LBAs 1\.\.8 of nvme0n1: nvme0n1: "
                   r"blocks 0-2047 hold the MBR and the gap before the first partition", out), out
        m.poweroff()


@pytest.mark.case("fs.corrupt-volume", timeout=200)
def test_corrupt_volume(nvos):
    """A volume whose file chain loops: the read fails with a message naming the
    file and the cluster, the rest of the volume stays readable."""
    os.makedirs(nvos.images, exist_ok=True)
    work = os.path.join(nvos.images, f"{nvos.name}.work")
    os.makedirs(work, exist_ok=True)
    vol, tree = make_volume(work, "v", 8 * 1024, ["-F", "16", "-s", "1", "-n", "BROKEN"],
                            lambda t, c: (t.add("good.txt", b"good\n"),
                                          t.add("loop.bin", rand_bytes(5, 4 * c))))
    img = fatimg.FatImage(vol)
    try:
        first = img.first_cluster(img.find("loop.bin")[1])
        chain = img.chain(first)
        img.set_entry(chain[1], chain[0])  # the second cluster points back to the first
    finally:
        img.close()
    with nvos.machine(boot="kernel", disks=[Disk(vol)]) as m:
        m.wait_ready()
        out = m.command("part nvme0n1")
        assert has(r"^nvme0n1: no partition table, .*a whole-disk file system: FAT$", out), \
            f"part (a superfloppy):\n{out}"
        out = m.command("sha256 nvme0n1 /loop.bin")
        assert has(r"^error: nvme0n1: .*loop", out), out
        assert str(chain[0]) in out, f"the message names the cluster:\n{out}"
        out = m.command("sha256 nvme0n1 /good.txt")
        assert hashlib.sha256(b"good\n").hexdigest() in out, out
        m.poweroff()
