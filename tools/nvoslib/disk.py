"""nvoslib.disk - host-side helpers for checking what nvos did to a disk image.

    random_image(path, size_bytes, seed)     deterministic random content
    sha256_range(path, lba, count, bs)       what "blk sha256" must print
    pattern(seed, byte_offset, length)       what "blk fill" must write
                                             (lib/pattern.h, splitmix64)
"""
import hashlib
import random
import struct

GOLDEN = 0x9E3779B97F4A7C15
M64 = (1 << 64) - 1


def random_image(path, size, seed):
    rng = random.Random(seed)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 8 << 20)
            f.write(rng.randbytes(n))
            left -= n


def sha256_range(path, lba, count, bs):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        f.seek(lba * bs)
        left = count * bs
        while left:
            chunk = f.read(min(left, 8 << 20))
            if not chunk:
                raise ValueError("range past the end of the image")
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()


def _mix(z):
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & M64
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & M64
    z ^= z >> 31
    return z


def pattern(seed, byte_offset, length):
    assert byte_offset % 8 == 0 and length % 8 == 0
    i = byte_offset // 8
    words = [_mix((seed + (i + k) * GOLDEN) & M64) for k in range(length // 8)]
    return struct.pack(f"<{len(words)}Q", *words)


def read_range(path, lba, count, bs):
    with open(path, "rb") as f:
        f.seek(lba * bs)
        return f.read(count * bs)
