#!/usr/bin/env python3
"""Host test text_oracles: lib/utf, lib/sha256 and lib/crc32 against
Python's own implementations.

  - utf_fold over U+0000..U+04FF against str.casefold(), keeping only
    single-character foldings (CaseFolding.txt's C and S statuses; full
    foldings such as ß -> ss are not ours) in the blocks lib/utf folds
    (ASCII, Latin-1, Latin Extended-A, Greek and Coptic, Cyrillic), and
    identity elsewhere;
  - cp850_to_unicode against Python's cp850 codec;
  - SHA-256 and CRC-32 of random files of many sizes (0 bytes to 1 MiB,
    around every block boundary) against hashlib and zlib.

usage: test_text_oracles.py --nvfat PATH --work DIR
"""

import argparse
import hashlib
import os
import random
import sys
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import fatimg

FOLDED = [(0x0000, 0x017F), (0x0370, 0x03FF), (0x0400, 0x04FF)]

ck = fatimg.Checker()


def expected_fold(cp):
    if not any(lo <= cp <= hi for lo, hi in FOLDED):
        return cp
    f = chr(cp).casefold()
    return ord(f) if len(f) == 1 else cp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nvfat", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    nv = fatimg.Nvfat(a.nvfat)

    bad = []
    for line in nv("fold").stdout.decode().splitlines():
        cp, f = (int(x, 16) for x in line.split())
        if f != expected_fold(cp):
            bad.append(f"U+{cp:04X} folds to U+{f:04X}, want U+{expected_fold(cp):04X}")
    ck.eq("utf_fold vs str.casefold", bad, [])

    bad = []
    for line in nv("cp850").stdout.decode().splitlines():
        b, cp = (int(x, 16) for x in line.split())
        want = ord(bytes([b]).decode("cp850"))
        if cp != want:
            bad.append(f"0x{b:02X} -> U+{cp:04X}, want U+{want:04X}")
    ck.eq("cp850_to_unicode vs the cp850 codec", bad, [])

    rng = random.Random(2024)
    sizes = [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 511, 512, 513, 4096, 65535,
             65536, 65537, 1 << 20] + [rng.randrange(1, 300000) for _ in range(20)]
    path = os.path.join(a.work, "random.bin")
    for n in sizes:
        data = rng.randbytes(n)
        with open(path, "wb") as f:
            f.write(data)
        ck.eq(f"sha256 of {n} random bytes", nv("sha256", path).stdout.decode().strip(),
              hashlib.sha256(data).hexdigest())
        ck.eq(f"crc32 of {n} random bytes", nv("crc32", path).stdout.decode().strip(),
              "%08x" % zlib.crc32(data))
    ck.exit()


if __name__ == "__main__":
    try:
        main()
    except fatimg.TestFailure as e:
        print(f"FAIL {e}")
        sys.exit(1)
