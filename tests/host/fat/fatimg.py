"""FAT and partition test images, made at test time, and the oracles that
judge lib/fat and lib/part on them.

Images come from the real tools: mkfs.fat (dosfstools), mtools, sfdisk
(util-linux) and sgdisk (gdisk), run reproducibly (mkfs.fat --invariant, a
fixed volume id, SOURCE_DATE_EPOCH, TZ=UTC). Two things those tools cannot
make are written here in Python:
  - FatWriter populates FAT volumes that mtools refuses: FAT32 with fewer
    than 65525 clusters ("No directory slots"), and long names outside the
    BMP (mtools 4.0.32 drops characters that need surrogate pairs);
  - write_gpt() makes GPT disks with 4096-byte blocks (neither sfdisk 2.38
    nor sgdisk 1.0.9 can set a logical block size for an image file); the
    same code with 512-byte blocks is checked against sgdisk -v and sfdisk.
Their output is checked with fsck.fat -n, which knows nothing of our code.

The oracles: the host tree the image was made from (paths, sizes, SHA-256),
mtools' own view of the image (mdir -/ -a listing, mcopy -s extraction),
fsck.fat -n, and sfdisk --json for partition tables.
"""

import hashlib
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import uuid
import zlib

SOURCE_DATE_EPOCH = "1700000000"
ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1", SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, TZ="UTC",
           LC_ALL="C.UTF-8", LANG="C.UTF-8")
# A private mtools configuration, so that a user's ~/.mtoolsrc cannot change results.
ENV["MTOOLSRC"] = os.devnull

TOOLS = {
    "mkfs.fat": "dosfstools", "fsck.fat": "dosfstools", "mcopy": "mtools", "mmd": "mtools",
    "mdir": "mtools", "mdel": "mtools", "mlabel": "mtools", "sfdisk": "fdisk", "sgdisk": "gdisk",
}


class TestFailure(Exception):
    pass


def find_tool(name):
    for d in os.environ.get("PATH", "").split(os.pathsep) + ["/usr/sbin", "/sbin"]:
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    raise TestFailure(f"missing tool {name} (Debian package {TOOLS.get(name, '?')})")


def run(cmd, check=True, stdin=None):
    cmd = [find_tool(cmd[0])] + [str(c) for c in cmd[1:]]
    p = subprocess.run(cmd, input=stdin, capture_output=True, env=ENV)
    if check and p.returncode != 0:
        raise TestFailure(f"{' '.join(cmd)} failed ({p.returncode}):\n"
                          f"{p.stdout.decode(errors='replace')}{p.stderr.decode(errors='replace')}")
    return p


# ---------------------------------------------------------------- trees

class Tree:
    """The files of a volume as the host sees them: path -> bytes, plus dirs."""

    def __init__(self):
        self.files = {}
        self.dirs = set()

    def add(self, path, data):
        parts = path.split("/")
        for i in range(1, len(parts)):
            self.dirs.add("/".join(parts[:i]))
        self.files[path] = data

    def mkdir(self, path):
        parts = path.split("/")
        for i in range(1, len(parts) + 1):
            self.dirs.add("/".join(parts[:i]))

    def write_to(self, root):
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        for d in sorted(self.dirs):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        for p, data in self.files.items():
            with open(os.path.join(root, p), "wb") as f:
                f.write(data)

    def manifest(self):
        """(type, size, sha256, path) sorted by path, as nvfat prints them."""
        rows = [("dir", "-", "-", "/" + d) for d in self.dirs]
        rows += [("file", str(len(b)), hashlib.sha256(b).hexdigest(), "/" + p)
                 for p, b in self.files.items()]
        return sorted(rows, key=lambda r: r[3].encode())


def rand_bytes(seed, n):
    return random.Random(seed).randbytes(n)


def basic_tree(tree, cluster):
    """Short and long names, NT case flags, empty files, sizes around cluster multiples."""
    tree.add("hello.txt", b"hello, world\n")             # HELLO   TXT + NTRes 0x18
    tree.add("lower.TXT", b"base lower\n")               # NTRes 0x08
    tree.add("UPPER.txt", b"extension lower\n")          # NTRes 0x10
    tree.add("Mixed.Txt", b"mixed case: needs a long name\n")
    tree.add("A very long file name with spaces.data", rand_bytes(1, 5000))
    tree.add("empty.txt", b"")
    tree.add("README", b"no extension\n")
    tree.add("sub/inner.bin", rand_bytes(2, 3 * cluster + 17))
    tree.add("Sub Dir With Long Name/file.TXT", b"in a long-named directory\n")
    tree.mkdir("empty dir")
    tree.add("sizes/one_cluster.bin", rand_bytes(3, cluster))
    tree.add("sizes/two_clusters.bin", rand_bytes(4, 2 * cluster))
    tree.add("sizes/cluster_minus_1.bin", rand_bytes(5, cluster - 1))
    tree.add("sizes/cluster_plus_1.bin", rand_bytes(6, cluster + 1))
    tree.add("sizes/one_byte.bin", b"x")


def unicode_tree(tree):
    """BMP names mtools can write: Latin-1, CJK, Greek, Cyrillic."""
    tree.add("Ünïcödé façade.txt", "Ünïcödé façade\n".encode())
    tree.add("日本語のファイル名.txt", "日本語\n".encode())
    tree.add("Ελληνικά.txt", "Ελληνικά\n".encode())
    tree.add("Кириллица.txt", "Кириллица\n".encode())
    tree.add("naïve café/crème brûlée.md", b"# dessert\n")


def deep_tree(tree, levels=16):
    path = "/".join(f"d{i:02d}" for i in range(1, levels + 1))
    tree.add(path + "/leaf.txt", b"deep\n")
    path = "/".join(f"deep long directory name {i}" for i in range(1, 7))
    tree.add(path + "/x.txt", b"deep and long\n")


def many_tree(tree, n_short, n_long, d="many"):
    """A large directory. Long names get distinct 6-character prefixes, so
    mtools finds a free numeric tail at once (shared prefixes make it quadratic)."""
    for i in range(n_short):
        tree.add(f"{d}/f{i:04d}.txt", f"{i}\n".encode())
    for i in range(n_long):
        tree.add(f"{d}/{i:05d}x with a long name.txt", f"long {i}\n".encode())


# ---------------------------------------------------------------- making volumes

class Volume:
    """A FAT volume inside an image file: whole file, or at a byte offset."""

    def __init__(self, path, offset=0, block=512, part=None):
        self.path, self.offset, self.block, self.part = path, offset, block, part

    @property
    def mspec(self):
        return f"{self.path}@@{self.offset}" if self.offset else self.path

    def nvfat_args(self):
        args = ["-b", str(self.block)]
        if self.part:
            args += ["-p", str(self.part)]
        return args + [self.path]


def mkfs(path, kib, opts, offset_sectors=None):
    """mkfs.fat, reproducibly. With offset_sectors the file must exist."""
    cmd = ["mkfs.fat", "--invariant", "-i", "12345678"] + list(opts)
    if offset_sectors is None:
        if os.path.exists(path):
            os.unlink(path)
        cmd += ["-C", path, kib]
    else:
        cmd += [f"--offset={offset_sectors}", path, kib]
    return run(cmd).stdout.decode()


def mtools_populate(vol, tree, srcroot, frag=None):
    """Copies tree into vol with mtools: directories first, then each
    directory's files in one mcopy. frag = (dir, name, hole_size, holes,
    size, fat32): makes that file fragmented by filling the volume with
    alternating hole and keeper files, deleting the holes, and copying the
    file into them."""
    tree.write_to(srcroot)
    for d in sorted(tree.dirs, key=lambda s: (s.count("/"), s)):
        run(["mmd", "-i", vol.mspec, "::/" + d])
    by_dir = {}
    for p in sorted(tree.files):
        if frag and p == f"{frag[0]}/{frag[1]}":
            continue
        d, _, _ = p.rpartition("/")
        by_dir.setdefault(d, []).append(os.path.join(srcroot, p))
    for d, files in sorted(by_dir.items()):
        run(["mcopy", "-i", vol.mspec] + files + ["::/" + d + ("/" if d else "")])
    if frag:
        fdir, fname, hole, holes, _, fat32 = frag
        tmp = srcroot + ".frag"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        for i in range(holes):
            for kind in ("h", "k"):
                p = os.path.join(tmp, f"{kind}{i:03d}.bin")
                with open(p, "wb") as f:
                    f.write(rand_bytes(1000 + i, hole))
                tree.add(f"{fdir}/{kind}{i:03d}.bin", rand_bytes(1000 + i, hole))
                run(["mcopy", "-i", vol.mspec, p, f"::/{fdir}/"])
        for i in range(holes):
            run(["mdel", "-i", vol.mspec, f"::/{fdir}/h{i:03d}.bin"])
            del tree.files[f"{fdir}/h{i:03d}.bin"]
        if fat32:
            # mtools allocates from FSInfo's next-free hint; point it at the
            # start so that the holes are reused.
            fsinfo_set_next_free(vol, 0xFFFFFFFF)
        run(["mcopy", "-i", vol.mspec, os.path.join(srcroot, fdir, fname), f"::/{fdir}/"])
        shutil.rmtree(tmp)
        tree.write_to(srcroot)


def fsinfo_set_next_free(vol, value):
    with open(vol.path, "r+b") as f:
        f.seek(vol.offset)
        bs = f.read(512)
        bps = struct.unpack_from("<H", bs, 11)[0]
        fsinfo = struct.unpack_from("<H", bs, 48)[0]
        f.seek(vol.offset + fsinfo * bps + 492)
        f.write(struct.pack("<I", value))


# ---------------------------------------------------------------- a small FAT writer

def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


FAT_DATE = ((2023 - 1980) << 9) | (11 << 5) | 14
FAT_TIME = (12 << 11) | (34 << 5) | 28


def lfn_checksum(sfn):
    s = 0
    for c in sfn:
        s = (((s & 1) << 7) + (s >> 1) + c) & 0xFF
    return s


class FatImage:
    """Just enough of FAT12/16/32 to read directories and chains, write
    files and patch structures. Follows mkfs.fat's layouts."""

    def __init__(self, path, offset=0):
        self.path, self.offset = path, offset
        self.f = open(path, "r+b")
        bs = self.pread(0, 512)
        self.bps, self.spc, self.rsvd, self.nfats = u16(bs, 11), bs[13], u16(bs, 14), bs[16]
        self.root_entries = u16(bs, 17)
        total = u16(bs, 19) or u32(bs, 32)
        self.fat32 = u16(bs, 22) == 0
        self.fatsz = u32(bs, 36) if self.fat32 else u16(bs, 22)
        root_secs = (self.root_entries * 32 + self.bps - 1) // self.bps
        self.fat_start = self.rsvd
        self.root_start = self.rsvd + self.nfats * self.fatsz
        self.data_start = self.root_start + root_secs
        self.clusters = (total - self.data_start) // self.spc
        self.bits = 32 if self.fat32 else (12 if self.clusters < 4085 else 16)
        self.cs = self.bps * self.spc
        self.root_cluster = u32(bs, 44) if self.fat32 else 0
        self.fsinfo = u16(bs, 48) if self.fat32 else 0
        raw = self.pread(self.fat_start * self.bps, self.fatsz * self.bps)
        self.fat = [self._decode(raw, n) for n in range(self.clusters + 2)]
        self.eoc = {12: 0xFFF, 16: 0xFFFF, 32: 0x0FFFFFFF}[self.bits]

    def close(self):
        self.f.close()

    def pread(self, off, n):
        self.f.seek(self.offset + off)
        return self.f.read(n)

    def pwrite(self, off, data):
        self.f.seek(self.offset + off)
        self.f.write(data)

    def _decode(self, raw, n):
        if self.bits == 12:
            v = u16(raw, n + n // 2)
            return v >> 4 if n & 1 else v & 0xFFF
        if self.bits == 16:
            return u16(raw, 2 * n)
        return u32(raw, 4 * n) & 0x0FFFFFFF

    def set_entry(self, n, value, fats=None):
        """Sets FAT entry n in memory and on disk, in every FAT (or those listed)."""
        self.fat[n] = value
        for k in (range(self.nfats) if fats is None else fats):
            base = (self.fat_start + k * self.fatsz) * self.bps
            if self.bits == 12:
                o = n + n // 2
                old = u16(self.pread(base + o, 2), 0)
                new = (old & 0x000F) | (value << 4) if n & 1 else (old & 0xF000) | value
                self.pwrite(base + o, struct.pack("<H", new))
            elif self.bits == 16:
                self.pwrite(base + 2 * n, struct.pack("<H", value))
            else:
                old = u32(self.pread(base + 4 * n, 4), 0)
                self.pwrite(base + 4 * n, struct.pack("<I", (old & 0xF0000000) | value))

    def cluster_off(self, c):
        return (self.data_start + (c - 2) * self.spc) * self.bps

    def chain(self, c):
        out = []
        while 2 <= c <= self.clusters + 1 and len(out) <= self.clusters:
            out.append(c)
            c = self.fat[c]
        return out

    def dir_slots(self, first):
        """Byte offsets of every entry slot of a directory (first 0 = fixed root)."""
        if first == 0:
            return [self.root_start * self.bps + 32 * i for i in range(self.root_entries)]
        return [self.cluster_off(c) + 32 * i for c in self.chain(first)
                for i in range(self.cs // 32)]

    def entries(self, first):
        """(slot offset, raw 32 bytes) of used short and long entries, until 0x00."""
        out = []
        for off in self.dir_slots(first):
            e = self.pread(off, 32)
            if e[0] == 0:
                break
            out.append((off, e))
        return out

    def find(self, path):
        """(slot offset, entry) of the short entry for path; names compared
        with the long name or the short name, ignoring case."""
        cur, found = self.root_cluster, None
        for comp in [c for c in path.split("/") if c]:
            found, lfn = None, {}
            for off, e in self.entries(cur):
                if e[0] == 0xE5:
                    lfn = {}
                    continue
                if e[11] & 0x3F == 0x0F:
                    units = e[1:11] + e[14:26] + e[28:32]
                    lfn[e[0] & 0x3F] = units
                    continue
                long = b"".join(lfn[k] for k in sorted(lfn)).decode("utf-16-le", "replace")
                long = long.split("\0")[0]
                lfn = {}
                short = e[0:8].decode("cp850").rstrip() + (
                    "." + e[8:11].decode("cp850").rstrip() if e[8:11].strip() else "")
                if comp.lower() in (long.lower(), short.lower()):
                    found = (off, e)
                    break
            if not found:
                raise KeyError(path)
            cur = u16(found[1], 26) | (u16(found[1], 20) << 16 if self.fat32 else 0)
        return found

    def first_cluster(self, entry):
        return u16(entry, 26) | (u16(entry, 20) << 16 if self.fat32 else 0)

    # ---- writing ----

    def alloc(self, n):
        got = []
        for c in range(2, self.clusters + 2):
            if len(got) == n:
                break
            if self.fat[c] == 0:
                got.append(c)
        if len(got) < n:
            raise TestFailure("volume full")
        for a, b in zip(got, got[1:] + [None]):
            self.set_entry(a, b if b else self.eoc)
        return got

    def write_clusters(self, clusters, data):
        for i, c in enumerate(clusters):
            chunk = data[i * self.cs:(i + 1) * self.cs]
            self.pwrite(self.cluster_off(c), chunk.ljust(self.cs, b"\0"))

    def _free_run(self, first, k):
        """k consecutive free slots in the directory, growing its chain if needed."""
        while True:
            slots = self.dir_slots(first)
            run = []
            for off in slots:
                b = self.pread(off, 1)[0]
                run = run + [off] if b in (0, 0xE5) else []
                if len(run) == k:
                    return run
            if first == 0:
                raise TestFailure("fixed root directory full")
            last = self.chain(first)[-1]
            new = self.alloc(1)[0]
            self.set_entry(last, new)
            self.write_clusters([new], b"")

    @staticmethod
    def _short_name(name, taken):
        if re.fullmatch(r"[A-Z0-9_]{1,8}(\.[A-Z0-9_]{1,3})?", name):
            base, _, ext = name.partition(".")
            return (base.ljust(8) + ext.ljust(3)).encode(), False
        base, dot, ext = name.rpartition(".")
        if not dot or not base:
            base, ext = name, ""

        def clean(s):
            return "".join(c if c.isascii() and (c.isalnum() or c == "_") else
                           ("" if c in " ." else "_") for c in s.upper())
        b, e = clean(base) or "_", clean(ext)[:3]
        for n in range(1, 1000000):
            tail = f"~{n}"
            sfn = (b[:8 - len(tail)] + tail).ljust(8).encode() + e.ljust(3).encode()
            if sfn not in taken:
                return sfn, True
        raise TestFailure("no short name")

    def add_entry(self, dirc, name, attr, first, size):
        taken = {e[:11] for _, e in self.entries(dirc) if e[0] != 0xE5 and e[11] & 0x3F != 0x0F}
        sfn, need_lfn = self._short_name(name, taken)
        raw = []
        if need_lfn:
            units = list(struct.unpack(f"<{len(name.encode('utf-16-le')) // 2}H",
                                       name.encode("utf-16-le")))
            if len(units) > 255:
                raise TestFailure("name too long")
            if len(units) % 13:
                units.append(0)
                units += [0xFFFF] * (-len(units) % 13)
            n, chk = len(units) // 13, lfn_checksum(sfn)
            for ordinal in range(n, 0, -1):
                u = units[(ordinal - 1) * 13:ordinal * 13]
                e = bytearray(32)
                e[0] = ordinal | (0x40 if ordinal == n else 0)
                struct.pack_into("<5H", e, 1, *u[0:5])
                e[11], e[12], e[13] = 0x0F, 0, chk
                struct.pack_into("<6H", e, 14, *u[5:11])
                struct.pack_into("<2H", e, 28, *u[11:13])
                raw.append(bytes(e))
        e = bytearray(32)
        e[0:11] = sfn
        e[11] = attr
        struct.pack_into("<HHHHHHHI", e, 14, FAT_TIME, FAT_DATE, FAT_DATE, first >> 16,
                         FAT_TIME, FAT_DATE, first & 0xFFFF, size)
        raw.append(bytes(e))
        for off, ent in zip(self._free_run(dirc, len(raw)), raw):
            self.pwrite(off, ent)

    def _dir_of(self, path):
        parent, _, name = path.rpartition("/")
        dirc = self.root_cluster
        if parent:
            dirc = self.first_cluster(self.find(parent)[1])
        return dirc, name

    def mkdir(self, path):
        dirc, name = self._dir_of(path)
        c = self.alloc(1)[0]
        dot = bytearray(64)
        dot[0:11], dot[11] = b".          ", 0x10
        struct.pack_into("<HH", dot, 20, c >> 16, 0)
        struct.pack_into("<H", dot, 26, c & 0xFFFF)
        dot[32:43], dot[43] = b"..         ", 0x10
        parent = 0 if dirc == self.root_cluster else dirc
        struct.pack_into("<H", dot, 32 + 20, parent >> 16)
        struct.pack_into("<H", dot, 32 + 26, parent & 0xFFFF)
        self.write_clusters([c], bytes(dot))
        self.add_entry(dirc, name, 0x10, c, 0)

    def write_file(self, path, data):
        dirc, name = self._dir_of(path)
        clusters = self.alloc((len(data) + self.cs - 1) // self.cs) if data else []
        self.write_clusters(clusters, data)
        self.add_entry(dirc, name, 0x20, clusters[0] if clusters else 0, len(data))

    def populate(self, tree):
        for d in sorted(tree.dirs, key=lambda s: (s.count("/"), s)):
            self.mkdir(d)
        for p in sorted(tree.files):
            self.write_file(p, tree.files[p])
        self.update_fsinfo()

    def update_fsinfo(self):
        if not self.fsinfo:
            return
        free = sum(1 for c in range(2, self.clusters + 2) if self.fat[c] == 0)
        self.pwrite(self.fsinfo * self.bps + 488, struct.pack("<II", free, 0xFFFFFFFF))


# ---------------------------------------------------------------- GPT writer

def guid_bytes(text):
    return uuid.UUID(text).bytes_le


def write_gpt(path, block, blocks, parts, entries=128, entry_size=128):
    """A protective MBR and primary and backup GPT (UEFI 2.9 §5.2.3, §5.3).
    parts: (first_lba, last_lba, type_guid, unique_guid, name, attributes)."""
    array = bytearray(entries * entry_size)
    for i, (first, last, tguid, ug, name, attrs) in enumerate(parts):
        e = memoryview(array)[i * entry_size:]
        e[0:16] = guid_bytes(tguid)
        e[16:32] = guid_bytes(ug)
        struct.pack_into("<QQQ", e, 32, first, last, attrs)
        n = name.encode("utf-16-le")[:72]
        e[56:56 + len(n)] = n
    ablocks = (len(array) + block - 1) // block
    last = blocks - 1
    first_usable, last_usable = 2 + ablocks, last - 1 - ablocks
    array_crc = zlib.crc32(array)

    def header(my, alt, array_lba):
        h = bytearray(block)
        struct.pack_into("<8sIIIIQQQQ16sQIII", h, 0, b"EFI PART", 0x00010000, 92, 0, 0, my, alt,
                         first_usable, last_usable, guid_bytes("5D3B1F2E-6A7C-4B8D-9E0F-1A2B3C4D5E6F"),
                         array_lba, entries, entry_size, array_crc)
        struct.pack_into("<I", h, 16, zlib.crc32(h[:92]))
        return bytes(h)

    mbr = bytearray(block)
    struct.pack_into("<BBBBBBBBII", mbr, 446, 0, 0, 2, 0, 0xEE, 0xFF, 0xFF, 0xFF, 1,
                     min(blocks - 1, 0xFFFFFFFF))
    mbr[510:512] = b"\x55\xAA"
    padded = bytes(array).ljust(ablocks * block, b"\0")
    with open(path, "r+b") as f:
        f.seek(0)
        f.write(mbr)
        f.write(header(1, last, 2))
        f.write(padded)
        f.seek((last - ablocks) * block)
        f.write(padded)
        f.write(header(last, 1, last - ablocks))
    return first_usable, last_usable


# ---------------------------------------------------------------- oracles

def sfdisk_json(path):
    return json.loads(run(["sfdisk", "--json", path]).stdout)["partitiontable"]


MDIR_ENTRY = re.compile(r"^(.{8}) (.{3}) +(<DIR>|\d+) +\d{4}-\d\d-\d\d +\d+:\d\d ?(?: (.*))?$")


def mdir_listing(vol):
    """{(dir, short as mdir shows it, is_dir, size or None, long name or None)}"""
    out = run(["mdir", "-/", "-a", "-i", vol.mspec, "::/"]).stdout.decode("utf-8")
    rows, cur = set(), None
    for line in out.splitlines():
        if line.startswith("Directory for ::"):
            cur = line[len("Directory for ::"):]
            continue
        m = MDIR_ENTRY.match(line)
        if not m or cur is None:
            continue
        base, ext, size, long = m.group(1).rstrip(), m.group(2).rstrip(), m.group(3), m.group(4)
        short = base + ("." + ext if ext else "")
        if short in (".", ".."):
            continue
        rows.add((cur, short, size == "<DIR>", None if size == "<DIR>" else int(size),
                  long.rstrip() if long else None))
    return rows


def mcopy_extract(vol, dest):
    """Every file of the volume, copied out by mtools: its manifest rows."""
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    run(["mcopy", "-s", "-n", "-i", vol.mspec, "::/*", dest + "/"])
    rows = []
    for root, dirs, files in os.walk(dest):
        rel = os.path.relpath(root, dest)
        for d in dirs:
            rows.append(("dir", "-", "-", "/" + os.path.normpath(os.path.join(rel, d))))
        for fn in files:
            with open(os.path.join(root, fn), "rb") as f:
                data = f.read()
            rows.append(("file", str(len(data)), hashlib.sha256(data).hexdigest(),
                         "/" + os.path.normpath(os.path.join(rel, fn))))
    return sorted(rows, key=lambda r: r[3].encode())


def fsck_fat(path, offset=0, length=None):
    """fsck.fat -n: (exit code, output). It has no offset option, so a
    partition is copied out first."""
    target = path
    if offset or length:
        target = path + ".fsck"
        with open(path, "rb") as src, open(target, "wb") as dst:
            src.seek(offset)
            left = length
            while left:
                chunk = src.read(min(left, 1 << 20))
                if not chunk:
                    break
                dst.write(chunk)
                left -= len(chunk)
    p = run(["fsck.fat", "-n", target], check=False)
    if target != path:
        os.unlink(target)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


class Nvfat:
    def __init__(self, exe):
        self.exe = exe

    def __call__(self, *args, check=True):
        p = subprocess.run([self.exe] + [str(a) for a in args], capture_output=True)
        if check and p.returncode != 0:
            raise TestFailure(f"nvfat {' '.join(map(str, args))} failed ({p.returncode}):\n"
                              f"{p.stdout.decode(errors='replace')}"
                              f"{p.stderr.decode(errors='replace')}")
        if b"ERROR: AddressSanitizer" in p.stderr or b"runtime error:" in p.stderr:
            raise TestFailure(f"sanitizer report from nvfat {' '.join(map(str, args))}:\n"
                              f"{p.stderr.decode(errors='replace')}")
        return p

    def manifest(self, vol):
        out = self(*(vol.nvfat_args() + ["manifest"])).stdout.decode()
        return [tuple(line.split("\t")) for line in out.splitlines()]


class Checker:
    """Collects failures so one run reports all of them."""

    def __init__(self):
        self.failures = 0
        self.checks = 0

    def eq(self, what, got, want):
        self.checks += 1
        if got != want:
            self.failures += 1
            print(f"FAIL {what}:\n  got  {got!r}\n  want {want!r}", flush=True)
            return False
        return True

    def true(self, what, cond, detail=""):
        self.checks += 1
        if not cond:
            self.failures += 1
            print(f"FAIL {what} {detail}", flush=True)
        return cond

    def diff(self, what, got, want):
        """Set difference, shown line by line."""
        self.checks += 1
        g, w = set(got), set(want)
        if g != w:
            self.failures += 1
            print(f"FAIL {what}:")
            for x in sorted(g - w, key=str)[:20]:
                print(f"  extra   {x}")
            for x in sorted(w - g, key=str)[:20]:
                print(f"  missing {x}")
            return False
        return True

    def exit(self):
        if self.failures:
            print(f"{self.failures} of {self.checks} checks failed")
            sys.exit(1)
        print(f"all {self.checks} checks passed")
        sys.exit(0)
