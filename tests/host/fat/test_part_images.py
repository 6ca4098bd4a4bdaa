#!/usr/bin/env python3
"""Host test part_images: lib/part on disks partitioned by sfdisk and sgdisk,
and lib/fat on the FAT volumes inside them.

  - An MBR disk (sfdisk): primaries, an extended partition with seven
    logical ones in an EBR chain; nvfat's table must equal sfdisk --json's
    (numbers, starts, sizes, types, boot flags) and the FAT volumes in
    partitions 1, 5, 6 and 7 must hold what mtools put there.
  - A GPT disk (sgdisk): EFI System, basic data (named "Données"), Linux;
    the table must equal sfdisk --json's (GUIDs, names, attributes), sgdisk -v
    must agree the table is sound, and the FAT volumes must read back.
  - That disk damaged: primary header CRC, primary entry array CRC (the
    backup is used, with the warning, and the volumes still read back), the
    backup alone, both copies; and the disk grown after partitioning.
  - GPT on 4096-byte blocks, written by fatimg.write_gpt (which neither
    sfdisk 2.38 nor sgdisk 1.0.9 can make), whose 512-byte output is first
    checked with sgdisk -v and sfdisk --json; FAT volumes with 4096-byte
    sectors inside it.

usage: test_part_images.py --nvfat PATH --work DIR
"""

import argparse
import os
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import fatimg
from fatimg import Tree, Volume, basic_tree, rand_bytes, unicode_tree

ck = fatimg.Checker()


def part_lines(nv, *args):
    out = nv(*args, "part", check=False).stdout.decode().splitlines()
    rows = [l.split("\t") for l in out[1:] if not l.startswith(("warning: ", "error: "))]
    warnings = [l for l in out if l.startswith(("warning: ", "error: "))]
    return out[0] if out else "", rows, warnings


def check_fat_partition(nv, what, vol, tree, kib=None):
    got = nv.manifest(vol)
    ck.diff(f"{what} manifest vs host tree",
            sorted([(r[0], r[1], r[2], r[5]) for r in got], key=lambda r: r[3].encode()),
            tree.manifest())
    if kib:
        rc, out = fatimg.fsck_fat(vol.path, vol.offset, kib * 1024)
        ck.true(f"{what} fsck.fat -n clean", rc == 0, out)


def small_tree(seed, cluster=512):
    t = Tree()
    basic_tree(t, cluster)
    t.add(f"partition-{seed}.bin", rand_bytes(seed, 10000 + seed))
    return t


def mbr_disk(nv, work):
    path = os.path.join(work, "mbr.img")
    if os.path.exists(path):
        os.unlink(path)
    with open(path, "wb") as f:
        f.truncate(170000 * 512)
    script = "\n".join([
        "label: dos", "label-id: 0x1234abcd", "unit: sectors",
        "start=2048, size=32768, type=e, bootable",
        "start=34816, size=8192, type=83",
        "start=43008, size=126976, type=f",
        "start=45056, size=8192, type=1",
        "start=55296, size=69632, type=c",
        "start=126976, size=20480, type=6, bootable",
    ] + [f"start={149504 + i * 4096}, size=2048, type=83" for i in range(4)]) + "\n"
    fatimg.run(["sfdisk", "-q", path], stdin=script.encode())

    # The table, against sfdisk's reading of it.
    head, rows, warnings = part_lines(nv, path)
    ck.eq("mbr table", head, "table mbr id 0x1234abcd")
    ck.eq("mbr warnings", warnings, [])
    want = []
    for p in fatimg.sfdisk_json(path)["partitions"]:
        number = p["node"][len(path):]
        want.append([number, str(p["start"]), str(p["size"]), "%02x" % int(p["type"], 16),
                     "boot" if p.get("bootable") else "-"])
    got = [[r[0], r[1], r[2], r[3], "boot" if "boot," in r[4] else "-"] for r in rows]
    ck.eq("mbr partitions vs sfdisk --json", got, want)
    ck.eq("mbr partition numbers", [r[0] for r in rows],
          ["1", "2", "3", "5", "6", "7", "8", "9", "10", "11"])
    ck.eq("mbr flags", [r[4] for r in rows],
          ["boot,", "", "ext,", "log,", "log,", "boot,log,", "log,", "log,", "log,", "log,"])

    # FAT in partitions 1 (FAT16), 5 (FAT12), 6 (FAT32), 7 (FAT16).
    for number, start, kib, opts in ((1, 2048, 16384, ["-F", "16"]),
                                     (5, 45056, 4096, ["-F", "12"]),
                                     (6, 55296, 34816, ["-F", "32", "-s", "1"]),
                                     (7, 126976, 10240, ["-F", "16"])):
        fatimg.mkfs(path, kib, opts, offset_sectors=start)
        tree = small_tree(number, 2048 if opts[1] == "16" or opts[1] == "12" else 512)
        vol = Volume(path, start * 512, part=number)
        fatimg.mtools_populate(vol, tree, os.path.join(work, f"mbr{number}.src"))
        check_fat_partition(nv, f"mbr partition {number}", vol, tree, kib)
    p = nv("-p", "2", path, "info", check=False)
    ck.eq("mbr partition 2 (no file system)", p.stdout.decode().strip(),
          "error: EMEDIUMTYPE: not a FAT volume: no boot jump and no 0x55AA signature")
    p = nv("-p", "4", path, "info", check=False)
    ck.eq("mbr partition 4 (none)", p.stdout.decode().strip(), "error: ENOENT: no such partition")


GPT_DISK = "096E6C9C-E5E2-4871-8E39-B11A39870E20"
GPT_UUIDS = ["F39D29CE-2775-475F-A4FB-4C455D6EF191", "8FB8A694-3DB2-455F-9E25-D4E64E6CECEE",
             "74258F25-EF91-4918-8059-108A1BBEA693"]
ATTR_NAMES = {0: "RequiredPartition", 1: "NoBlockIOProtocol", 2: "LegacyBIOSBootable"}


def gpt_want(path):
    """nvfat part rows as sfdisk --json sees the table."""
    rows = []
    for p in fatimg.sfdisk_json(path)["partitions"]:
        attrs = 0
        for word in p.get("attrs", "").split():
            attrs |= 1 << {v: k for k, v in ATTR_NAMES.items()}[word]
        rows.append([p["node"][len(path):], str(p["start"]), str(p["size"]), p["type"], p["uuid"],
                     hex(attrs), p.get("name", "")])
    return rows


def gpt_got(rows):
    return [[r[0], r[1], r[2], r[3], r[4], r[5], r[8]] for r in rows]


def gpt_disk(nv, work):
    path = os.path.join(work, "gpt.img")
    if os.path.exists(path):
        os.unlink(path)
    with open(path, "wb") as f:
        f.truncate(64 << 20)
    fatimg.run(["sgdisk", "-U", GPT_DISK,
                "-n", "1:2048:+34M", "-t", "1:ef00", "-c", "1:EFI system", "-u", f"1:{GPT_UUIDS[0]}",
                "-n", "2:0:+16M", "-t", "2:0700", "-c", "2:Données", "-u", f"2:{GPT_UUIDS[1]}",
                "-n", "3:0:+4M", "-t", "3:8300", "-c", "3:linux root", "-u", f"3:{GPT_UUIDS[2]}",
                "-A", "1:set:2", "-A", "3:set:0", path])
    ck.true("sgdisk -v on the gpt disk", b"No problems found" in fatimg.run(["sgdisk", "-v", path]).stdout)
    head, rows, warnings = part_lines(nv, path)
    ck.eq("gpt table", head, f"table gpt disk {GPT_DISK} header 1")
    ck.eq("gpt warnings", warnings, [])
    want = gpt_want(path)
    ck.eq("gpt partitions vs sfdisk --json", gpt_got(rows), want)
    ck.eq("gpt type names", [r[7] for r in rows],
          ["EFI System", "Microsoft basic data", "Linux filesystem"])
    ck.eq("gpt flags", [r[6] for r in rows], ["boot,", "", ""])

    trees = {}
    for number, start, kib, opts in ((1, 2048, 34816, ["-F", "32", "-s", "1"]),
                                     (2, 71680, 16384, ["-F", "16"])):
        fatimg.mkfs(path, kib, opts, offset_sectors=start)
        trees[number] = small_tree(10 + number, 512 if number == 1 else 2048)
        unicode_tree(trees[number])
        vol = Volume(path, start * 512, part=number)
        fatimg.mtools_populate(vol, trees[number], os.path.join(work, f"gpt{number}.src"))
        check_fat_partition(nv, f"gpt partition {number}", vol, trees[number], kib)
    return path, want, trees


def gpt_damage(nv, work, intact, want, trees):
    last = 64 * 2048 - 1

    def damaged(name, lba, offset):
        path = os.path.join(work, name + ".img")
        shutil.copyfile(intact, path)
        with open(path, "r+b") as f:
            f.seek(lba * 512 + offset)
            b = f.read(1)
            f.seek(lba * 512 + offset)
            f.write(bytes([b[0] ^ 0x01]))
        return path

    def sgdisk_says(path, finding):
        p = fatimg.run(["sgdisk", "-v", path], check=False)
        return finding.encode() in p.stdout + p.stderr

    # Primary header (its disk GUID): the backup, said so, same partitions.
    path = damaged("gpt_hdr", 1, 60)
    head, rows, warnings = part_lines(nv, path)
    ck.eq("primary header damaged: header", head, f"table gpt disk {GPT_DISK} header {last}")
    ck.eq("primary header damaged: warning", warnings,
          [f"warning: GPT header CRC mismatch; using backup at LBA {last}"])
    ck.eq("primary header damaged: partitions", gpt_got(rows), want)
    ck.true("primary header damaged: sgdisk -v agrees", sgdisk_says(path, "Main header: ERROR"))
    check_fat_partition(nv, "primary header damaged: partition 1", Volume(path, part=1), trees[1])

    # Primary entry array (partition 2's name).
    path = damaged("gpt_array", 2, 128 + 56)
    head, rows, warnings = part_lines(nv, path)
    ck.eq("primary array damaged: warning", warnings,
          [f"warning: GPT partition entry array CRC mismatch; using backup at LBA {last}"])
    ck.eq("primary array damaged: partitions", gpt_got(rows), want)
    ck.true("primary array damaged: sgdisk -v agrees",
            sgdisk_says(path, "Main partition table: ERROR"))
    check_fat_partition(nv, "primary array damaged: partition 2", Volume(path, part=2), trees[2])

    # The backup alone: the primary is used, the backup reported.
    path = damaged("gpt_backup", last, 60)
    head, rows, warnings = part_lines(nv, path)
    ck.eq("backup damaged: header", head, f"table gpt disk {GPT_DISK} header 1")
    ck.eq("backup damaged: warning", warnings,
          [f"warning: backup GPT at LBA {last} is unusable: header CRC mismatch"])
    ck.eq("backup damaged: partitions", gpt_got(rows), want)
    ck.true("backup damaged: sgdisk -v agrees", sgdisk_says(path, "Backup header: ERROR"))

    # Both: no table, and why.
    path = damaged("gpt_both", 1, 60)
    with open(path, "r+b") as f:
        f.seek(last * 512 + 60)
        b = f.read(1)
        f.seek(last * 512 + 60)
        f.write(bytes([b[0] ^ 1]))
    p = nv(path, "part", check=False)
    ck.eq("both headers damaged", p.stdout.decode().strip(),
          f"error: EUCLEAN: no valid GPT: primary at LBA 1: header CRC mismatch; backup at LBA "
          f"{last}: header CRC mismatch")

    # Grown by 1 MiB after partitioning: the backup is where the primary says.
    path = os.path.join(work, "gpt_grown.img")
    shutil.copyfile(intact, path)
    os.truncate(path, (64 << 20) + (1 << 20))
    head, rows, warnings = part_lines(nv, path)
    ck.eq("grown disk: warning", warnings,
          [f"warning: GPT primary header puts the backup at LBA {last}, not at the last LBA "
           f"{last + 2048}"])
    ck.eq("grown disk: partitions", gpt_got(rows), want)


def gpt_4k(nv, work):
    """GPT with 4096-byte blocks, and FAT with 4096-byte sectors inside."""
    blocks = 8000
    parts = [(6, 5005, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "AAAAAAAA-0000-4000-8000-000000000001",
              "ESP 4K", 4),
             (5006, 7005, "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "AAAAAAAA-0000-4000-8000-000000000002",
              "Ελληνικά", 0)]

    # The writer, checked with the tools on 512-byte blocks first.
    path = os.path.join(work, "gpt512w.img")
    with open(path, "wb") as f:
        f.truncate(blocks * 4096)
    fatimg.write_gpt(path, 512, blocks * 8, [(p[0] * 8, p[1] * 8 + 7) + p[2:] for p in parts])
    ck.true("write_gpt: sgdisk -v", b"No problems found" in fatimg.run(["sgdisk", "-v", path]).stdout)
    head, rows, warnings = part_lines(nv, path)
    ck.eq("write_gpt 512: partitions vs sfdisk --json", gpt_got(rows), gpt_want(path))
    ck.eq("write_gpt 512: warnings", warnings, [])

    path = os.path.join(work, "gpt4k.img")
    with open(path, "wb") as f:
        f.truncate(blocks * 4096)
    fatimg.write_gpt(path, 4096, blocks, parts)
    head, rows, warnings = part_lines(nv, "-b", "4096", path)
    ck.eq("gpt 4k: header", head, "table gpt disk 5D3B1F2E-6A7C-4B8D-9E0F-1A2B3C4D5E6F header 1")
    ck.eq("gpt 4k: warnings", warnings, [])
    ck.eq("gpt 4k: partitions", gpt_got(rows),
          [[str(i + 1), str(p[0]), str(p[1] - p[0] + 1), p[2], p[3], hex(p[5]), p[4]]
           for i, p in enumerate(parts)])
    # Read with the wrong block size, the table is not found, and it says why.
    p = nv(path, "part", check=False)
    ck.eq("gpt 4k read as 512", p.stdout.decode().strip(),
          f"error: EUCLEAN: no valid GPT: primary at LBA 1: header signature missing; backup at "
          f"LBA {blocks * 8 - 1}: header signature missing")

    # FAT volumes made apart and copied in at their partitions.
    for number, (first, last, *_rest) in enumerate(parts, 1):
        kib = (last - first + 1) * 4
        fs = os.path.join(work, f"gpt4k_p{number}.img")
        fatimg.mkfs(fs, kib, ["-S", "4096", "-s", "1", "-F", "16" if number == 1 else "12"])
        tree = small_tree(20 + number, 4096)
        unicode_tree(tree)
        fatimg.mtools_populate(Volume(fs), tree, os.path.join(work, f"gpt4k{number}.src"))
        with open(fs, "rb") as src, open(path, "r+b") as dst:
            dst.seek(first * 4096)
            dst.write(src.read())
        check_fat_partition(nv, f"gpt 4k partition {number}", Volume(path, block=4096, part=number),
                            tree)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nvfat", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    nv = fatimg.Nvfat(a.nvfat)

    # A plain superfloppy has no table.
    path = os.path.join(a.work, "floppy.img")
    fatimg.mkfs(path, 1440, ["-F", "12"])
    ck.eq("superfloppy", part_lines(nv, path)[0], "table none")

    mbr_disk(nv, a.work)
    intact, want, trees = gpt_disk(nv, a.work)
    gpt_damage(nv, a.work, intact, want, trees)
    gpt_4k(nv, a.work)
    ck.exit()


if __name__ == "__main__":
    try:
        main()
    except fatimg.TestFailure as e:
        print(f"FAIL {e}")
        sys.exit(1)
