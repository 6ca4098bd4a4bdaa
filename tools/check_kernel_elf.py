#!/usr/bin/env python3
"""Check nvos.elf after linking and print its size.

Checks what loaders rely on and the linker cannot assert by itself:
  - multiboot1 header within the first 8 KiB, 4-byte aligned, valid checksum,
    and its a.out-kludge addresses consistent with the file: QEMU's -kernel
    loads the file raw from (header offset - (header_addr - load_addr));
  - every PT_LOAD's file offset advances exactly as its physical address
    (the raw load is then identical to an ELF load);
  - multiboot2 header within the first 32 KiB, 8-byte aligned, valid checksum;
  - the nvos image header (for the UEFI loader) is present.
Then prints the loaded size per segment and fails past the size budget.
"""
import argparse
import struct
import sys

MB1_MAGIC = 0x1BADB002
MB2_MAGIC = 0xE85250D6
NVOS_MAGIC = b"nvosimag"


def fail(msg):
    print(f"check_kernel_elf: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("elf")
    ap.add_argument("--budget", type=int, default=1 << 20)
    args = ap.parse_args()
    data = open(args.elf, "rb").read()

    if data[:4] != b"\x7fELF" or data[4] != 2:
        fail("not an ELF64 file")
    (e_phoff,) = struct.unpack_from("<Q", data, 0x20)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 0x36)
    loads = []
    for i in range(e_phnum):
        p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, e_phoff + i * e_phentsize)
        if p_type == 1:
            loads.append((p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags))
    if not loads:
        fail("no PT_LOAD segments")
    delta = {p_offset - p_paddr for (p_offset, _, p_paddr, filesz, _, _) in loads if filesz}
    if len(delta) != 1:
        fail(f"PT_LOAD file offsets do not track physical addresses: {sorted(delta)}")
    delta = delta.pop()

    # Multiboot 1
    for off in range(0, min(8192, len(data)) - 32, 4):
        magic, flags, checksum = struct.unpack_from("<III", data, off)
        if magic == MB1_MAGIC and (magic + flags + checksum) & 0xFFFFFFFF == 0:
            break
    else:
        fail("no valid multiboot1 header in the first 8 KiB")
    header_addr, load_addr, load_end, bss_end, entry = struct.unpack_from("<IIIII", data, off + 12)
    if off - (header_addr - load_addr) != load_addr + delta:
        fail("multiboot1 header_addr/load_addr disagree with the file layout")
    if load_end - load_addr > len(data) - (load_addr + delta):
        fail("multiboot1 load_end_addr is past the end of the file")
    if not (load_addr <= entry < load_end) or bss_end < load_end:
        fail("multiboot1 entry or bss_end_addr out of range")

    # Multiboot 2
    for off2 in range(0, min(32768, len(data)) - 16, 8):
        magic, arch, length, checksum = struct.unpack_from("<IIII", data, off2)
        if magic == MB2_MAGIC and (magic + arch + length + checksum) & 0xFFFFFFFF == 0:
            break
    else:
        fail("no valid multiboot2 header in the first 32 KiB")

    if data.find(NVOS_MAGIC, 0, 32768) < 0:
        fail("no nvos image header in the first 32 KiB")

    names = {5: "text (r-x)", 4: "rodata (r--)", 6: "data+bss (rw-)", 7: "boot (rwx)"}
    total = 0
    print(f"nvos.elf: loads at {load_addr:#x}, entry {entry:#x}")
    for (_, vaddr, paddr, filesz, memsz, flags) in loads:
        print(f"  {names.get(flags, hex(flags)):16} {vaddr:#018x} {memsz:8} bytes"
              f" ({filesz} in file)")
        total += memsz
    print(f"  {'total':16} {'':18} {total:8} bytes (budget {args.budget})")
    if total > args.budget:
        fail(f"kernel is {total} bytes, over the budget of {args.budget}")


if __name__ == "__main__":
    main()
