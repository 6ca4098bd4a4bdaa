#!/usr/bin/env python3
"""Host test fat_images: lib/fat on volumes made by mkfs.fat and mtools.

Every FAT type, cluster sizes from 512 B to 128 KiB, 512- and 4096-byte
sectors (read through 4096- and 512-byte device blocks), one and two FATs,
FAT32 below 65525 clusters, mirroring disabled, a fake MBR, long, non-ASCII
and non-BMP names, NT case flags, deep trees, a directory of thousands of
entries, empty files, sizes at cluster multiples and files in more
fragments than a file handle remembers.

For each volume, nvfat's manifest (every path, its type, size and SHA-256;
each path also looked up in other spellings) must equal the host tree the
volume was made from, mtools' extraction of it (mcopy -s) and mtools'
listing (mdir: short names, long names, sizes); fsck.fat -n must find the
volume clean. A large contiguous file must be read with about one device
read per transfer limit.

usage: test_fat_images.py --nvfat PATH --work DIR
"""

import argparse
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import fatimg
from fatimg import Tree, Volume, basic_tree, deep_tree, many_tree, rand_bytes, unicode_tree

ck = fatimg.Checker()


def parse_info(text):
    info = {}
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        info[k] = v
    return info


def our_rows(manifest):
    return sorted([(r[0], r[1], r[2], r[5]) for r in manifest], key=lambda r: r[3].encode())


def mdir_rows_from_manifest(manifest):
    """What mdir -/ -a should show for our entries."""
    rows = set()
    for typ, size, _, lfn, short_path, path in manifest:
        parent, _, name = path.rpartition("/")
        short = short_path.rpartition("/")[2]
        rows.add((parent or "/", name if lfn == "-" else short, typ == "dir",
                  None if typ == "dir" else int(size), name if lfn == "L" else None))
    return rows


def check_volume(nv, name, vol, tree, *, fat_type, cluster, sector=512, label="",
                 mtools=True, fsck=True, warning=None, blocks=(None,)):
    """All the oracles on one volume; blocks lists extra device block sizes."""
    print(f"--- {name}: {fat_type}, {cluster}-byte clusters, {sector}-byte sectors", flush=True)
    want = tree.manifest()
    for block in blocks:
        v = Volume(vol.path, vol.offset, block or vol.block, vol.part)
        tag = f"{name} (blocks of {v.block})"
        info = parse_info(nv(*(v.nvfat_args() + ["info"])).stdout.decode())
        ck.eq(f"{tag} type", info.get("type"), fat_type)
        ck.eq(f"{tag} cluster size", info.get("cluster_size"), str(cluster))
        ck.eq(f"{tag} sector size", info.get("bytes_per_sector"), str(sector))
        ck.eq(f"{tag} label", info.get("label"), label)
        ck.eq(f"{tag} warning", info.get("warning:"), warning)
        manifest = nv.manifest(v)
        ck.diff(f"{tag} manifest vs host tree", our_rows(manifest), want)
        if info.get("free", "unknown") != "unknown":
            counted = nv(*(v.nvfat_args() + ["free"])).stdout.decode().split()[1]
            ck.eq(f"{tag} FSInfo free count vs counted", info["free"], counted)
    if mtools:
        ck.diff(f"{name} manifest vs mcopy -s", our_rows(manifest),
                fatimg.mcopy_extract(vol, vol.path + ".extract"))
        ck.diff(f"{name} names vs mdir", mdir_rows_from_manifest(manifest), fatimg.mdir_listing(vol))
    if fsck:
        rc, out = fatimg.fsck_fat(vol.path)
        ck.true(f"{name} fsck.fat -n clean", rc == 0, out)
    return manifest


def extents(vol, path):
    img = fatimg.FatImage(vol.path, vol.offset)
    try:
        chain = img.chain(img.first_cluster(img.find(path)[1]))
    finally:
        img.close()
    return 1 + sum(1 for a, b in zip(chain, chain[1:]) if b != a + 1)


def make(work, name, kib, opts, tree_fn, frag=None, offset=None):
    path = os.path.join(work, name + ".img")
    out = fatimg.mkfs(path, kib, opts)
    cluster = int(re.search(r"(\d+) bytes per cluster", fatimg.run(
        ["fsck.fat", "-n", "-v", path], check=False).stdout.decode()).group(1))
    tree = Tree()
    tree_fn(tree, cluster)
    vol = Volume(path)
    if frag:
        hole, holes, size, fat32 = frag
        tree.add(f"frag/frag.bin", rand_bytes(77, size))
    fatimg.mtools_populate(vol, tree, os.path.join(work, name + ".src"),
                           frag=("frag", "frag.bin") + frag if frag else None)
    return vol, tree, cluster, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nvfat", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    nv = fatimg.Nvfat(a.nvfat)

    # FAT12, 2 KiB clusters; a file in 21 fragments (past FAT_FILE_EXTENTS).
    def t12(t, c):
        basic_tree(t, c)
        unicode_tree(t)
    vol, tree, c, _ = make(a.work, "f12", 2048, ["-F", "12", "-n", "F12VOL"], t12,
                           frag=(2048, 20, 30 * 2048, False))
    ck.eq("f12 fragments of frag.bin", extents(vol, "frag/frag.bin") > 16, True)
    check_volume(nv, "f12", vol, tree, fat_type="FAT12", cluster=c, label="F12VOL")

    # FAT12, 512-byte clusters.
    vol, tree, c, _ = make(a.work, "f12_512", 1024, ["-F", "12", "-s", "1"], basic_tree)
    check_volume(nv, "f12_512", vol, tree, fat_type="FAT12", cluster=512)

    # FAT16: everything, and reading with an odd transfer limit and alignment.
    def t16(t, c):
        basic_tree(t, c)
        unicode_tree(t)
        deep_tree(t)
        many_tree(t, 200, 100)
        t.add("big.bin", rand_bytes(9, 1 << 20))
    vol, tree, c, _ = make(a.work, "f16", 16384, ["-F", "16", "-n", "NVOS TEST"], t16,
                           frag=(2048, 24, 40 * 2048, False))
    ck.eq("f16 fragments of frag.bin", extents(vol, "frag/frag.bin") > 16, True)
    m = check_volume(nv, "f16", vol, tree, fat_type="FAT16", cluster=c, label="NVOS TEST")
    odd = nv("-m", "3", "-a", "8", vol.path, "manifest").stdout.decode()
    ck.eq("f16 manifest with max 3 blocks per read, 8-byte alignment",
          [tuple(l.split("\t")) for l in odd.splitlines()], m)

    # FAT16 with 64 KiB clusters (a sparse 272 MiB image).
    def t64k(t, c):
        basic_tree(t, c)
        t.add("big.bin", rand_bytes(10, (1 << 20) + 3))
    vol, tree, c, _ = make(a.work, "f16_64k", 278528, ["-F", "16", "-s", "128"], t64k)
    check_volume(nv, "f16_64k", vol, tree, fat_type="FAT16", cluster=65536)

    # FAT16 with 4096-byte sectors, through 4096- and 512-byte device blocks.
    def t4k(t, c):
        basic_tree(t, c)
        unicode_tree(t)
    vol, tree, c, _ = make(a.work, "f16_4k", 131072, ["-F", "16", "-S", "4096"], t4k,
                           frag=(16384, 18, 20 * 16384, False))
    vol.block = 4096
    check_volume(nv, "f16_4k", vol, tree, fat_type="FAT16", cluster=c, sector=4096,
                 blocks=(4096, 512))

    # FAT12 with 128 KiB clusters (4096-byte sectors, 32 per cluster):
    # beyond the 64 KiB the spec recommends, but mkfs.fat and Linux accept it.
    vol, tree, c, _ = make(a.work, "f12_128k", 262144, ["-S", "4096", "-s", "32"], basic_tree)
    vol.block = 4096
    check_volume(nv, "f12_128k", vol, tree, fat_type="FAT12", cluster=131072, sector=4096,
                 blocks=(4096, 512))

    # FAT32, 512-byte clusters, 129022 of them: a big directory, a big
    # contiguous file, a file in 21 fragments.
    def t32(t, c):
        basic_tree(t, c)
        unicode_tree(t)
        deep_tree(t)
        many_tree(t, 2000, 1000)
        t.add("big.bin", rand_bytes(11, 4 << 20))
    vol, tree, c, _ = make(a.work, "f32", 65536, ["-F", "32", "-s", "1", "-n", "BIGDIR"], t32,
                           frag=(512, 20, 30 * 512, True))
    ck.eq("f32 fragments of frag.bin", extents(vol, "frag/frag.bin") > 16, True)
    check_volume(nv, "f32", vol, tree, fat_type="FAT32", cluster=512, label="BIGDIR")
    # One read per 128 KiB of the contiguous 4 MiB file, plus a few for
    # metadata (boot sector, FSInfo, directory, FAT windows).
    p = nv("-m", "256", "-s", vol.path, "cat", "/big.bin")
    ck.eq("f32 /big.bin content", p.stdout, tree.files["big.bin"])
    reads = int(re.search(rb"reads (\d+)", p.stderr).group(1))
    ck.true("f32 /big.bin read calls", reads <= (4 << 20) // (256 * 512) + 8, f"({reads} reads)")

    # FAT32 with 4096-byte sectors and 4 KiB clusters, >= 65525 of them.
    def t32k(t, c):
        basic_tree(t, c)
        t.add("big.bin", rand_bytes(12, 1 << 20))
    vol, tree, c, _ = make(a.work, "f32_4k", 307200, ["-F", "32", "-S", "4096", "-s", "1"], t32k)
    vol.block = 4096
    check_volume(nv, "f32_4k", vol, tree, fat_type="FAT32", cluster=4096, sector=4096,
                 blocks=(4096, 512))
    # A FAT sector smaller than the device block is refused, with a reason.
    p = nv("-b", "4096", os.path.join(a.work, "f32.img"), "info", check=False)
    ck.eq("512-byte sectors on 4096-byte blocks", p.stdout.decode().strip(),
          "error: EOPNOTSUPP: BPB: 512-byte sectors on a device with 4096-byte blocks are "
          "not supported")

    # FAT32 with one FAT and 64 reserved sectors.
    vol, tree, c, _ = make(a.work, "f32_1fat", 65536, ["-F", "32", "-f", "1", "-R", "64"],
                           basic_tree)
    check_volume(nv, "f32_1fat", vol, tree, fat_type="FAT32", cluster=c)

    # FAT32 with mirroring disabled and FAT 1 active: FAT 0 is wiped, so a
    # reader that ignores BPB_ExtFlags finds every chain broken.
    vol, tree, c, _ = make(a.work, "f32_nomirror", 65536, ["-F", "32"], basic_tree)
    img = fatimg.FatImage(vol.path)
    img.pwrite(40, b"\x81\x00")
    img.pwrite(img.fat_start * img.bps + 8 * 4, bytes(64 * 4))
    img.close()
    check_volume(nv, "f32_nomirror", vol, tree, fat_type="FAT32", cluster=c, mtools=False,
                 fsck=False)

    # FAT32 with 32232 clusters (mkfs.fat -F 32 on 16 MiB), which mtools
    # cannot populate: written by FatWriter, with names outside the BMP.
    path = os.path.join(a.work, "f32_small.img")
    fatimg.mkfs(path, 16384, ["-F", "32"])
    tree = Tree()
    basic_tree(tree, 512)
    unicode_tree(tree)
    deep_tree(tree, 6)
    tree.add("😀 smile 🎉.txt", "emoji\n".encode())
    tree.add("𝄞 music/𝒜𝓁𝓅𝒽𝒶.txt", b"math script\n")
    tree.add("mixed 😀 ü 日本.bin", rand_bytes(13, 3000))
    img = fatimg.FatImage(path)
    img.populate(tree)
    img.close()
    check_volume(nv, "f32_small", Volume(path), tree, fat_type="FAT32", cluster=512, mtools=False,
                 warning="FAT32 with 32232 clusters, fewer than the 65525 the spec requires")

    # A superfloppy whose boot sector also carries a partition entry from
    # LBA 0 (mkfs.fat --mbr): not a partition table, and a mountable volume.
    vol, tree, c, _ = make(a.work, "fakembr", 16384, ["-F", "16", "--mbr=y"], basic_tree)
    out = nv(vol.path, "part").stdout.decode().splitlines()
    ck.eq("fakembr partition table", out, [
        "table none",
        "warning: LBA 0 is a FAT boot sector whose partition entry covers the disk from LBA 0 "
        "(mkfs.fat --mbr); no partition table"])
    check_volume(nv, "fakembr", vol, tree, fat_type="FAT16", cluster=c)

    ck.exit()


if __name__ == "__main__":
    try:
        main()
    except fatimg.TestFailure as e:
        print(f"FAIL {e}")
        sys.exit(1)
