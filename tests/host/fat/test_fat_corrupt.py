#!/usr/bin/env python3
"""Host test fat_corrupt: damaged FAT volumes give the right error and a
precise message, and nothing else (no crash, no hang, no sanitizer report).

Each case patches a fresh copy of a volume made by mkfs.fat and mtools:
cluster loops in files and directories, reserved, out-of-range, free and bad
values inside chains, a FAT too small for the cluster count, bad BPB fields
(bytes per sector 0 and 1000, sectors per cluster 3, no FATs, media byte,
FAT32 version), a directory entry pointing past the volume, a size larger
than the chain, a truncated image, a long name with a wrong checksum (which
falls back to the short name), and an exFAT boot sector. fsck.fat -n, which
shares no code with us, must find each FAT volume damaged too (exit code 1,
and the finding named), as in the notes' fsck.fat experiment.

usage: test_fat_corrupt.py --nvfat PATH --work DIR
"""

import argparse
import os
import shutil
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import fatimg
from fatimg import Tree, Volume, rand_bytes

ck = fatimg.Checker()


def base16(work):
    """A 16 MiB FAT16 like the notes' experiment: BIG.BIN (300000 bytes), a
    long name, a subdirectory with a file."""
    path = os.path.join(work, "base16.img")
    fatimg.mkfs(path, 16384, ["-F", "16"])
    tree = Tree()
    tree.add("BIG.BIN", rand_bytes(1, 300000))
    tree.add("A very long file name with spaces.data", rand_bytes(2, 3000))
    tree.add("SUB/INNER.TXT", b"inside\n")
    tree.add("SUB/MORE.TXT", b"more\n")
    fatimg.mtools_populate(Volume(path), tree, os.path.join(work, "base16.src"))
    return path, tree


def base32(work):
    path = os.path.join(work, "base32.img")
    fatimg.mkfs(path, 65536, ["-F", "32", "-s", "1"])
    tree = Tree()
    tree.add("FILE.TXT", b"file\n")
    tree.add("SUB/INNER.TXT", b"inside\n")
    fatimg.mtools_populate(Volume(path), tree, os.path.join(work, "base32.src"))
    return path


def copy(src, name, work):
    dst = os.path.join(work, name + ".img")
    shutil.copyfile(src, dst)
    return dst


def expect(nv, what, img, args, error, fsck_finding=None, fsck=True):
    """nvfat fails with exactly `error`; fsck.fat -n reports damage."""
    p = nv(img, *args, check=False)
    ck.eq(f"{what}: exit code", p.returncode, 1)
    ck.eq(f"{what}: message", p.stdout.decode().strip(), error)
    if fsck:
        rc, out = fatimg.fsck_fat(img)
        ck.true(f"{what}: fsck.fat -n finds damage", rc == 1, f"(exit {rc})\n{out}")
        if fsck_finding:
            ck.true(f"{what}: fsck.fat -n says '{fsck_finding}'", fsck_finding in out, "\n" + out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nvfat", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    nv = fatimg.Nvfat(a.nvfat)

    base, tree = base16(a.work)
    img = fatimg.FatImage(base)
    big_off, big = img.find("BIG.BIN")
    chain = img.chain(img.first_cluster(big))
    last = img.clusters + 1
    sub_chain = img.chain(img.first_cluster(img.find("SUB")[1]))
    img.close()
    ck.eq("BIG.BIN clusters", len(chain), (300000 + 2047) // 2048)
    ck.true("base16 is clean", fatimg.fsck_fat(base)[0] == 0)
    c = chain[16]

    def patch_fat(name, value):
        path = copy(base, name, a.work)
        im = fatimg.FatImage(path)
        im.set_entry(c, value)
        im.close()
        return path

    def patch(name, offset, data):
        path = copy(base, name, a.work)
        with open(path, "r+b") as f:
            f.seek(offset)
            f.write(data)
        return path

    cat = ["cat", "/BIG.BIN"]
    expect(nv, "cluster loop", patch_fat("loop", chain[1]), cat,
           f"error: EUCLEAN: cluster chain of /BIG.BIN loops at cluster {c} (back to {chain[1]})",
           "Circular cluster chain")
    expect(nv, "reserved value", patch_fat("reserved", 0xFFF0), cat,
           f"error: EUCLEAN: cluster chain of /BIG.BIN: cluster {c} links to 65520, outside 2..{last}",
           "out of range")
    expect(nv, "out-of-range link", patch_fat("range", 60000), cat,
           f"error: EUCLEAN: cluster chain of /BIG.BIN: cluster {c} links to 60000, outside 2..{last}",
           "out of range")
    expect(nv, "free cluster in chain", patch_fat("free", 0), cat,
           f"error: EUCLEAN: cluster chain of /BIG.BIN: cluster {c} is marked free",
           "free cluster")
    expect(nv, "bad cluster in chain", patch_fat("bad", 0xFFF7), cat,
           f"error: EUCLEAN: cluster chain of /BIG.BIN: cluster {c} is marked bad")

    # A directory whose chain loops (SUB has one cluster: make it its own next).
    path = copy(base, "dirloop", a.work)
    im = fatimg.FatImage(path)
    im.set_entry(sub_chain[-1], sub_chain[0])
    im.close()
    expect(nv, "directory loop", path, ["ls", "/sub"],
           f"error: EUCLEAN: cluster chain of /sub loops at cluster {sub_chain[-1]} (back to "
           f"{sub_chain[0]})")

    # Directory entry fields: start cluster past the volume, size past the chain.
    expect(nv, "entry past the end", patch("past", big_off + 26, struct.pack("<H", 60000)), cat,
           f"error: EUCLEAN: directory entry of /BIG.BIN points to cluster 60000, outside 2..{last}",
           "beyond")
    big_size = 300000 + 10 * 2048
    expect(nv, "size past the chain", patch("size", big_off + 28, struct.pack("<I", big_size)), cat,
           f"error: EUCLEAN: cluster chain of /BIG.BIN ends after {len(chain)} of the "
           f"{len(chain) + 10} clusters its size needs", "cluster chain length")

    # BPB fields.
    fatsz = 32
    small = 16
    data_start = 1 + 2 * small + 32
    clusters = (32768 - data_start) // 4
    expect(nv, "FAT too small", patch("fatsz", 22, struct.pack("<H", small)), ["info"],
           f"error: EUCLEAN: BPB: FAT of {small} sectors has room for {small * 512 // 2} entries, "
           f"but {clusters} clusters need {clusters + 2}")
    ck.eq("base16 FAT size", fatimg.u16(open(base, "rb").read(32), 22), fatsz)
    expect(nv, "bytes per sector 0", patch("bps0", 11, b"\0\0"), ["info"],
           "error: EUCLEAN: BPB: bytes per sector 0 is not a power of two in 512..4096",
           "Logical sector size is zero")
    expect(nv, "bytes per sector 1000", patch("bps1000", 11, struct.pack("<H", 1000)), ["info"],
           "error: EUCLEAN: BPB: bytes per sector 1000 is not a power of two in 512..4096")
    expect(nv, "sectors per cluster 3", patch("spc3", 13, b"\x03"), ["info"],
           "error: EUCLEAN: BPB: sectors per cluster 3 is not a power of two")
    expect(nv, "no FATs", patch("nfats0", 16, b"\0"), ["info"],
           "error: EUCLEAN: BPB: number of FATs is 0")
    # fsck.fat does not check the media byte (Linux, U-Boot and EDK2 do).
    expect(nv, "media byte", patch("media", 21, b"\x00"), ["info"],
           "error: EUCLEAN: BPB: media descriptor 0x00 is not 0xF0 or 0xF8..0xFF", fsck=False)
    path = copy(base, "truncated", a.work)
    os.truncate(path, 8 << 20)
    expect(nv, "truncated image", path, ["info"],
           "error: EUCLEAN: BPB: volume of 32768 sectors of 512 bytes is larger than the device "
           "(16384 blocks of 512 bytes)")

    # A long name whose checksum is wrong: the short name, no error.
    path = copy(base, "lfnsum", a.work)
    im = fatimg.FatImage(path)
    off, _ = im.find("A very long file name with spaces.data")
    k = off - 32
    while im.pread(k, 32)[11] == 0x0F:
        e = bytearray(im.pread(k, 32))
        e[13] ^= 0x55
        im.pwrite(k, bytes(e))
        k -= 32
    im.close()
    got = nv(path, "manifest").stdout.decode().splitlines()
    names = sorted(line.split("\t")[5] for line in got)
    ck.eq("bad LFN checksum: short name used", names,
          ["/AVERYL~1.DAT", "/BIG.BIN", "/SUB", "/SUB/INNER.TXT", "/SUB/MORE.TXT"])
    # fsck.fat -n reports it (exit code 0: it would not repair it anyway).
    rc, out = fatimg.fsck_fat(path)
    ck.true("bad LFN checksum: fsck.fat -n finds it", "Wrong checksum for long file name" in out,
            out)

    # FAT32: version and a looping root directory.
    b32 = base32(a.work)
    path = copy(b32, "fsver", a.work)
    with open(path, "r+b") as f:
        f.seek(42)
        f.write(b"\x00\x01")
    expect(nv, "FAT32 version", path, ["info"], "error: EUCLEAN: BPB: FAT32 version 1.0 is not 0.0",
           fsck=False)
    path = copy(b32, "rootloop", a.work)
    im = fatimg.FatImage(path)
    root = im.chain(im.root_cluster)
    im.set_entry(root[-1], root[0])
    im.close()
    expect(nv, "FAT32 root loop", path, ["ls", "/"],
           f"error: EUCLEAN: cluster chain of / loops at cluster {root[-1]} (back to {root[0]})")

    # exFAT: a boot sector as mkfs.exfat writes it (exFAT spec §3.1): jump,
    # "EXFAT   ", 53 zero bytes where a BPB would be, then its own fields.
    path = os.path.join(a.work, "exfat.img")
    vbr = bytearray(512)
    vbr[0:3] = b"\xEB\x76\x90"
    vbr[3:11] = b"EXFAT   "
    struct.pack_into("<QQIIIIIIHHBBBB", vbr, 64, 0, 2048, 128, 1024, 2048, 512, 4, 0x1234,
                     0x0100, 0, 9, 3, 1, 0x80)
    vbr[510:512] = b"\x55\xAA"
    with open(path, "wb") as f:
        f.write(bytes(vbr).ljust(1 << 20, b"\0"))
    expect(nv, "exFAT", path, ["info"], "error: EMEDIUMTYPE: exFAT is not supported", fsck=False)
    # And no file system at all.
    path = os.path.join(a.work, "zeros.img")
    with open(path, "wb") as f:
        f.truncate(1 << 20)
    expect(nv, "zeros", path, ["info"],
           "error: EMEDIUMTYPE: not a FAT volume: no boot jump and no 0x55AA signature", fsck=False)

    ck.exit()


if __name__ == "__main__":
    try:
        main()
    except fatimg.TestFailure as e:
        print(f"FAIL {e}")
        sys.exit(1)
