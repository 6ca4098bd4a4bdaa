/*
 * kernel/cmdline.h - boot options: "key=value" words on the kernel command
 * line (multiboot: GRUB or -append; UEFI: load options or \nvos\cmdline.txt),
 * quoted as lib/args.h describes. Options in use:
 *   run="cmd; cmd"      shell commands to run at boot, as if typed
 *   nvme.trace=1        print every NVMe register access and queue entry
 *   kbd.layout=us|de    keyboard layout (docs/keyboards.md)
 *   i8042=off|force     xhci=off  xhci.irq=poll   (docs/keyboards.md)
 *   smp=0, smp.timeout_ms=N, smp.test_hang=N, apic.x2apic=1  (kernel/smp/smp.h)
 *   (drivers document their own: grep for cmdline_get in the source)
 */
#ifndef NVOS_KERNEL_CMDLINE_H
#define NVOS_KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

/* Parses the boot command line; returns -EINVAL if its quoting is broken. */
int cmdline_init(const char *cmdline);

/* Value of key, "" for a bare "key", NULL when absent (last one wins). */
const char *cmdline_get(const char *key);
bool cmdline_get_bool(const char *key, bool fallback);
uint64_t cmdline_get_u64(const char *key, uint64_t fallback);

#endif
