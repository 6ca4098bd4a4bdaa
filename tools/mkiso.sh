#!/bin/sh
# tools/mkiso.sh KERNEL OUT.iso [CMDLINE]
# Makes the GRUB rescue ISO: hybrid BIOS (i386-pc) + UEFI (x86_64-efi) when
# both GRUB platforms are installed, as grub-mkrescue does. The menu's default
# entry boots nvos.elf by multiboot2; the second by multiboot (version 1).
# GRUB talks on the serial port as well as the screen, and hands the kernel a
# linear framebuffer (gfxpayload; 1280x800 when the firmware has it) on BIOS
# and UEFI alike: without one GRUB EFI warns "no console will be available
# to OS" and the screen stays dark. CMDLINE (optional)
# becomes the kernel command line of both entries (tests use it for run=); it
# is written into grub.cfg as is, so it follows GRUB's quoting, which for
# double quotes is nvos's own: run="lspci; mem" arrives as one option.
set -eu
kernel=$1
out=$2
cmdline=${3:-}
work=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$work" "$log"' EXIT
mkdir -p "$work/boot/grub"
cp "$kernel" "$work/boot/nvos.elf"
cat > "$work/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
insmod all_video
set gfxpayload=1280x800x32,1280x800,1024x768x32,auto
menuentry "nvos (multiboot2)" {
    multiboot2 /boot/nvos.elf $cmdline
    boot
}
menuentry "nvos (multiboot)" {
    multiboot /boot/nvos.elf $cmdline
    boot
}
CFG
# Reproducible: fixed timestamps in the ISO and the embedded FAT image.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000} \
    grub-mkrescue -o "$out" "$work" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
