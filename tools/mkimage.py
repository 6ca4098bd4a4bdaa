#!/usr/bin/env python3
"""Make nvos's disk images with the reference tools (sgdisk, mkfs.fat, mtools).

    tools/mkimage.py demo OUT.img      the demo disk (see below)
    tools/mkimage.py random OUT.img MIB [SEED]   MIB of deterministic random bytes

The demo disk (640 MiB, what `tools/nvos run` attaches as NVMe namespace 1):
    LBA 0..2047          protective MBR + primary GPT
    partition 1          "NVOS-DATA", Microsoft basic data, FAT32, 384 MiB with 4 KiB
                         clusters (above FAT32's 65525-cluster minimum, which
                         mtools and UEFI firmware insist on):
                           README.TXT, hello.txt, big.bin (64 MiB, contiguous),
                           medium.bin (5 MiB), nested directories, long and
                           non-ASCII names
    after partition 1    unpartitioned scratch space (about 255 MiB) that
                         write benchmarks may use without touching a file system
    last 33 sectors      backup GPT
Everything is deterministic (fixed volume ID, timestamps and file contents),
so two runs give identical images. A manifest OUT.manifest.json lists every
file with its size and SHA-256, for tests.
"""
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

EPOCH = "1700000000"
SECTOR = 512


def run(cmd, **kw):
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1", SOURCE_DATE_EPOCH=EPOCH, LC_ALL="C.UTF-8")
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    if r.returncode != 0:
        sys.exit(f"mkimage: {' '.join(cmd)} failed:\n{r.stdout.decode(errors='replace')}")
    return r.stdout.decode(errors="replace")


def det_bytes(seed, n):
    return random.Random(seed).randbytes(n)


def demo_files():
    """(path inside the volume, bytes) in creation order; big.bin first so it is contiguous."""
    readme = (b"nvos demo disk\r\n\r\nThis FAT32 volume lives on an NVMe namespace that nvos\r\n"
              b"reads with its own driver. Try: ls nvme0n1:1 /, cat nvme0n1:1 /hello.txt,\r\n"
              b"sha256 nvme0n1:1 /big.bin\r\n")
    return [
        ("big.bin", det_bytes("big", 64 << 20)),
        ("README.TXT", readme),
        ("hello.txt", b"Hello from a FAT32 file on an NVMe disk!\n"),
        ("medium.bin", det_bytes("medium", 5 << 20)),
        ("docs/Long file name with spaces.txt", b"A long VFAT name, stored in LFN entries.\n"),
        ("docs/\u00dcn\u00efc\u00f6d\u00e9 fa\u00e7ade.txt", "Non-ASCII name: \u00dcn\u00efc\u00f6d\u00e9.\n".encode()),
        ("docs/\u65e5\u672c\u8a9e.txt", "\u65e5\u672c\u8a9e (Japanese)\n".encode()),
        ("docs/\u6f22\u5b57.txt", "\u6f22\u5b57 (kanji: Chinese characters)\n".encode()),
        ("docs/nested/deeper/deepest/note.txt", b"Four levels down.\n"),
        ("docs/empty.txt", b""),
        ("Mixed.Case.Name.TXT", b"mixed case\n"),
    ]


def make_demo(out):
    size = 640 << 20
    part_start = 2048
    part_sectors = (384 << 20) // SECTOR
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.truncate(size)
    run(["sgdisk", "--clear", "--disk-guid=4E564F53-0000-4000-8000-000000000001",
         f"--new=1:{part_start}:{part_start + part_sectors - 1}", "--typecode=1:0700",
         "--change-name=1:NVOS-DATA",
         "--partition-guid=1:4E564F53-0000-4000-8000-000000000011", tmp])
    run(["mkfs.fat", "-F", "32", "-s", "8", "-n", "NVOS-DATA", "--invariant", "-i", "4e564f53",
         f"--offset={part_start}", tmp, str(part_sectors * SECTOR // 1024)])
    img = f"{tmp}@@{part_start * SECTOR}"
    manifest = []
    work = tempfile.mkdtemp(prefix="nvos-img-")
    try:
        made_dirs = set()
        for path, data in demo_files():
            parts = path.split("/")
            for i in range(1, len(parts)):
                d = "/".join(parts[:i])
                if d not in made_dirs:
                    run(["mmd", "-i", img, "::/" + d])
                    made_dirs.add(d)
            local = os.path.join(work, "f")
            with open(local, "wb") as f:
                f.write(data)
            run(["mcopy", "-i", img, local, "::/" + path])
            manifest.append({"path": "/" + path, "size": len(data),
                             "sha256": hashlib.sha256(data).hexdigest()})
    finally:
        shutil.rmtree(work)
    run(["sgdisk", "--verify", tmp])
    os.replace(tmp, out)
    with open(out + ".manifest.json", "w") as f:
        json.dump({"partition": 1, "partition_start_lba": part_start,
                   "partition_sectors": part_sectors,
                   "scratch_start_lba": part_start + part_sectors,
                   "files": manifest}, f, indent=1, ensure_ascii=False)


def make_random(out, mib, seed):
    with open(out, "wb") as f:
        f.write(det_bytes(seed, mib << 20))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "demo":
        make_demo(sys.argv[2])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "random":
        make_random(sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) == 5 else "nvos")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
