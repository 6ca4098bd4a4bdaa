#!/bin/sh
# tools/mkesp.sh BOOTX64.EFI OUT.img [CMDLINE]
# Makes a FAT EFI system partition image holding EFI/BOOT/BOOTX64.EFI (the
# removable-media path every UEFI firmware boots without a boot entry).
# FAT16, 32 MiB: OVMF's FAT driver refuses FAT32 volumes with fewer than
# 65525 clusters, and FAT16 is what the UEFI spec allows for removable media.
# CMDLINE (optional) is stored as \nvos\cmdline.txt, which the loader reads
# when the firmware passed no load options.
set -eu
efi=$1
out=$2
cmdline=${3:-}
tmp="$out.tmp"
rm -f "$tmp"
mkfs.fat -F 16 -n NVOS-ESP --invariant -i 4e564f53 -C "$tmp" 32768 >/dev/null
export MTOOLS_SKIP_CHECK=1 SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
mmd -i "$tmp" ::/EFI ::/EFI/BOOT ::/nvos
mcopy -i "$tmp" "$efi" ::/EFI/BOOT/BOOTX64.EFI
if [ -n "$cmdline" ]; then
    printf '%s\n' "$cmdline" > "$tmp.cmdline"
    mcopy -i "$tmp" "$tmp.cmdline" ::/nvos/cmdline.txt
    rm -f "$tmp.cmdline"
fi
mv "$tmp" "$out"
