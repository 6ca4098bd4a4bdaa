#!/usr/bin/env python3
"""Host test fat_findings: the nvfat and lib/fat findings of issue 11 on
volumes made by mkfs.fat and patched here, judged against mtools (mcopy -s,
mdir) and fsck.fat -n, which share no code with us:

  - an empty volume: manifest prints nothing and exits 0 (it called
    qsort(NULL, 0), which UBSan reports);
  - short names that are not ASCII (11 CP850 characters are up to 34 bytes
    of UTF-8): manifest builds the short path of each entry and must look it
    up (its buffer held 16 bytes more than the parent's path), and the names
    and bytes agree with mcopy -s;
  - NT lower-case flags on a non-ASCII short name (NAÏVE.TXT, 0x18): the
    name agrees with mdir (naïve.txt; mcopy 4.0.32 lower-cases A-Z only and
    extracts naÏve.txt, so there only the bytes are compared);
  - a boot-sector label of non-ASCII characters: info prints all 11 (mtools
    reads only the root directory's label entry, so no oracle here);
  - a random differential: random trees (names of random case and length,
    8.3 or not, Latin-1 letters, nesting, sizes around the cluster size) put
    on FAT12, FAT16 and FAT32 volumes by mtools; our manifest must equal the
    host tree and mdir's names, mcopy -s's bytes, fsck.fat -n must find the
    volume clean; the seed is printed (--seed repeats a run);
  - a file of 4 GiB - 1 bytes on a sparse FAT32 image: cat prints all of it
    (the buffer of "size + 1" bytes wrapped to 0 and overflowed). Only
    stamps at known offsets are compared, so the test reads 4 GiB once.

usage: test_fat_findings.py --nvfat PATH --work DIR [--seed N]
"""

import argparse
import os
import random
import struct
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import fatimg  # noqa: E402  (this script's directory is on sys.path)
from fatimg import Volume, rand_bytes  # noqa: E402

ck = fatimg.Checker()


def raw_entry(sfn, attr, first, size, ntres=0):
    e = bytearray(32)
    e[0:11] = sfn
    e[11], e[12] = attr, ntres
    struct.pack_into("<HHHHHHHI", e, 14, fatimg.FAT_TIME, fatimg.FAT_DATE, fatimg.FAT_DATE,
                     first >> 16, fatimg.FAT_TIME, fatimg.FAT_DATE, first & 0xFFFF, size)
    return bytes(e)


def empty_volume(nv, work):
    path = os.path.join(work, "empty.img")
    fatimg.mkfs(path, 2048, ["-F", "12"])
    p = nv(path, "manifest", check=False)
    ck.eq("empty volume: manifest exit code", p.returncode, 0)
    ck.eq("empty volume: manifest output", p.stdout, b"")
    ck.true("empty volume: no sanitizer report", b"runtime error" not in p.stderr,
            p.stderr.decode(errors="replace"))


# Ä Ö Ü É È Ç Ñ Å . Æ Ø Å: 8 + 3 CP850 characters, 2 bytes of UTF-8 each.
WIDE = b"\x8E\x99\x9A\x90\xD4\x80\xA5\x8F\x92\x9D\x8F"
# ░ ▒ ▓ │ ┤ ╣ ║ ╗ . ╝ ┐ └: 3 bytes each.
BOXES = b"\xB0\xB1\xB2\xB3\xB4\xB9\xBA\xBB\xBC\xBF\xC0"
NAIVE = b"NA\xD8VE   TXT"  # with NTRes 0x18: naïve.txt


def short_names(nv, work):
    path = os.path.join(work, "short.img")
    fatimg.mkfs(path, 16384, ["-F", "16"])
    im = fatimg.FatImage(path)
    data = {name: rand_bytes(50 + i, 3000 + 700 * i)
            for i, name in enumerate(("wide", "boxes", "naive", "inner"))}
    clusters = {}
    for name, blob in data.items():
        clusters[name] = im.alloc((len(blob) + im.cs - 1) // im.cs)
        im.write_clusters(clusters[name], blob)
    sub = im.alloc(1)[0]
    dots = raw_entry(b".          ", 0x10, sub, 0) + raw_entry(b"..         ", 0x10, 0, 0)
    inner = raw_entry(BOXES, 0x20, clusters["inner"][0], len(data["inner"]))
    im.write_clusters([sub], dots + inner)
    root = im.dir_slots(0)
    for slot, ent in zip(root, [
            raw_entry(WIDE, 0x20, clusters["wide"][0], len(data["wide"])),
            raw_entry(BOXES, 0x20, clusters["boxes"][0], len(data["boxes"])),
            raw_entry(NAIVE, 0x20, clusters["naive"][0], len(data["naive"]), ntres=0x18),
            raw_entry(WIDE[:8] + b"   ", 0x10, sub, 0)]):
        im.pwrite(slot, ent)
    im.close()
    vol = Volume(path)
    rc, out = fatimg.fsck_fat(path)
    ck.true("short names: fsck.fat -n clean", rc == 0, out)
    p = nv(path, "manifest", check=False)
    ck.eq("short names: manifest exit code", p.returncode, 0)
    if p.returncode:
        print(p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"))
        return
    rows = [tuple(line.split("\t")) for line in p.stdout.decode().splitlines()]
    wide, boxes, dirname = "ÄÖÜÉÈÇÑÅ.ÆØÅ", "░▒▓│┤╣║╗.╝┐└", "ÄÖÜÉÈÇÑÅ"
    ck.eq("short names: paths", sorted(r[5] for r in rows),
          sorted(["/" + wide, "/" + boxes, "/naïve.txt", "/" + dirname,
                  f"/{dirname}/{boxes}"]))
    ck.true("short names: short path of the nested file",
            f"/{dirname}/{boxes}" in [r[4] for r in rows], str(rows))
    # mdir lower-cases NAÏVE.TXT as we do; mcopy 4.0.32 extracts it as
    # naÏve.txt (A-Z only), so its name is compared with mdir's alone.
    ours = sorted([(r[0], r[1], r[2], r[5].replace("naïve", "naÏve")) for r in rows],
                  key=lambda r: r[3].encode())
    ck.diff("short names: manifest vs mcopy -s", ours,
            fatimg.mcopy_extract(vol, path + ".extract"))
    mdir = {(d, short) for d, short, _, _, _ in fatimg.mdir_listing(vol)}
    want = {(os.path.dirname(r[5]), os.path.basename(r[5])) for r in rows}
    ck.eq("short names: names vs mdir", mdir, want)


def label(nv, work):
    path = os.path.join(work, "label.img")
    fatimg.mkfs(path, 2048, ["-F", "12"])
    with open(path, "r+b") as f:
        f.seek(43)
        f.write(BOXES)
    info = nv(path, "info").stdout.decode()
    ck.true("boot sector label of 11 non-ASCII characters", "label ░▒▓│┤╣║╗╝┐└\n" in info, info)


# Letters mtools writes in short names (code page 850) and in long names.
# No "~": mtools 4.0.32 then writes long names whose checksum does not match
# their short name (fsck.fat -n: "Wrong checksum for long file name"; we
# show the short name, as fatgen103 says) or cannot find the directory again.
NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_- " \
             "éèüöäïçñåæøÉÜÖÄÏÇÑÅ"


def random_name(rng, taken):
    while True:
        kind = rng.random()
        if kind < 0.3:  # fits 8.3: upper, lower or mixed case
            base = "".join(rng.choice(NAME_CHARS.replace(" ", ""))
                           for _ in range(rng.randint(1, 8)))
            ext = "".join(rng.choice("abcXYZ019éÉ") for _ in range(rng.randint(0, 3)))
            name = base + ("." + ext if ext else "")
            case = rng.random()
            name = name.upper() if case < 0.3 else name.lower() if case < 0.6 else name
        else:
            name = "".join(rng.choice(NAME_CHARS) for _ in range(rng.randint(1, 40)))
            if rng.random() < 0.5:
                name += "." + "".join(rng.choice(NAME_CHARS[:26]) for _ in range(rng.randint(1, 5)))
        name = name.strip(" .")
        if name and name.casefold() not in taken and name.upper() not in taken:
            taken.add(name.casefold())
            taken.add(name.upper())
            return name


def random_differential(nv, work, seed):
    rng = random.Random(seed)
    print(f"random differential: seed {seed}", flush=True)
    for fat, kib, opts in (("FAT12", 2048, ["-F", "12"]), ("FAT16", 16384, ["-F", "16"]),
                           ("FAT32", 34816, ["-F", "32", "-s", "1"])):
        path = os.path.join(work, f"random-{fat}.img")
        fatimg.mkfs(path, kib, opts)
        tree, dirs, names = fatimg.Tree(), [""], {"": set()}
        cluster = {"FAT12": 2048, "FAT16": 2048, "FAT32": 512}[fat]
        for i in range(rng.randint(20, 40)):
            parent = rng.choice(dirs)
            name = random_name(rng, names[parent])
            full = f"{parent}/{name}" if parent else name
            if rng.random() < 0.2 and full.count("/") < 4:
                tree.mkdir(full)
                dirs.append(full)
                names[full] = set()
            else:
                size = rng.choice((0, 1, cluster - 1, cluster, cluster + 1, rng.randint(2, 20000)))
                tree.add(full, rand_bytes(rng.getrandbits(32), size))
        vol = Volume(path)
        fatimg.mtools_populate(vol, tree, path + ".src")
        rows = nv.manifest(vol)
        ours = sorted([(r[0], r[1], r[2], r[5]) for r in rows], key=lambda r: r[3].encode())
        ck.diff(f"random {fat}: manifest vs host tree", ours, tree.manifest())
        # mcopy 4.0.32 lower-cases A-Z only when it extracts a short name
        # with NT flags; mdir and we lower-case every letter: compare paths
        # without case here, and names exactly against mdir below.
        fold = lambda rs: sorted((r[0], r[1], r[2], r[3].casefold()) for r in rs)  # noqa: E731
        ck.diff(f"random {fat}: manifest vs mcopy -s", fold(ours),
                fold(fatimg.mcopy_extract(vol, path + ".extract")))
        # mdir's "Directory for" headers have the mcopy rule too (ØZ.Y with
        # NT flags is "Øz.y" there and "øz.y" in its listing): the directory
        # part without case, each entry's own name exactly.
        mdir = {(d.casefold(), long or short) for d, short, _, _, long in fatimg.mdir_listing(vol)}
        want = {(os.path.dirname(r[5]).casefold(), os.path.basename(r[5])) for r in rows}
        ck.diff(f"random {fat}: names vs mdir", want, mdir)
        rc, out = fatimg.fsck_fat(path)
        ck.true(f"random {fat}: fsck.fat -n clean", rc == 0, out)


STAMPS = (0, 1 << 20, (1 << 31) + 12345, (1 << 32) - 1 - 32)


def four_gib(nv, work):
    """A FAT32 volume of 32 KiB clusters holding BIG.BIN of 2^32 - 1 bytes:
    mostly holes in a sparse image, with 32-byte stamps at STAMPS."""
    path = os.path.join(work, "4g.img")
    fatimg.mkfs(path, 4200000, ["-F", "32", "-s", "64"])
    im = fatimg.FatImage(path)
    size = (1 << 32) - 1
    n = (size + im.cs - 1) // im.cs
    first = 3  # cluster 2 is the root directory
    if first + n - 1 > im.clusters + 1:
        raise fatimg.TestFailure("image too small")
    table = struct.pack(f"<{n - 1}I", *range(first + 1, first + n)) + struct.pack("<I", 0x0FFFFFFF)
    for k in range(im.nfats):
        im.pwrite((im.fat_start + k * im.fatsz) * im.bps + 4 * first, table)
    for off in STAMPS:
        c = first + off // im.cs
        im.pwrite(im.cluster_off(c) + off % im.cs, rand_bytes(off, 32))
    im.pwrite(im.dir_slots(im.root_cluster)[0], raw_entry(b"BIG     BIN", 0x20, first, size))
    im.close()
    proc = subprocess.Popen([nv.exe, path, "cat", "/BIG.BIN"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    got, pos, want = {}, 0, {off: rand_bytes(off, 32) for off in STAMPS}
    while True:
        chunk = proc.stdout.read(1 << 22)
        if not chunk:
            break
        for off in STAMPS:
            if pos <= off < pos + len(chunk):
                got[off] = chunk[off - pos:off - pos + 32]
            elif pos <= off + 31 < pos + len(chunk) and off in got:
                got[off] += chunk[:off + 32 - pos]
        pos += len(chunk)
    err = proc.stderr.read()
    rc = proc.wait()
    ck.eq("4 GiB - 1 file: cat exit code", rc, 0)
    ck.true("4 GiB - 1 file: no sanitizer report", b"Sanitizer" not in err and
            b"runtime error" not in err, err.decode(errors="replace")[:2000])
    ck.eq("4 GiB - 1 file: bytes", pos, size)
    ck.eq("4 GiB - 1 file: stamps", got, want)
    os.unlink(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nvfat", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    nv = fatimg.Nvfat(a.nvfat)
    seed = a.seed if a.seed is not None else random.SystemRandom().getrandbits(32)
    for case in (empty_volume, short_names, label, four_gib,
                 lambda nv, work: random_differential(nv, work, seed)):
        try:
            case(nv, a.work)
        except fatimg.TestFailure as e:
            ck.true(getattr(case, "__name__", "random_differential"), False, str(e))
    ck.exit()


if __name__ == "__main__":
    main()  # each case catches its own TestFailure
