/*
 * kernel/main.c - kernel_main: bring the machine up, in order, then hand it
 * to the shell. One call per step, each depending only on those above it.
 */
#include "kernel/kernel.h"

#include "drivers/nvme/nvme.h"
#include "drivers/pci/pci.h"
#include "drivers/serial/uart16550.h"
#include "drivers/video/screen.h"
#include "kernel/acpi/acpi.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/x86.h"
#include "kernel/cmdline.h"
#include "kernel/irq/irq.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/vmm.h"
#include "kernel/shell/shell.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"

const struct boot_info *boot_info;

static const char *method_name(uint32_t m)
{
    switch (m) {
    case BOOT_METHOD_MULTIBOOT1:
        return "multiboot1";
    case BOOT_METHOD_MULTIBOOT2:
        return "multiboot2";
    case BOOT_METHOD_UEFI:
        return "UEFI";
    default:
        return "unknown";
    }
}

void kernel_main(struct boot_info *bi, int boot_parse_error)
{
    boot_info = bi;

    uart_init();             /* COM1: everything below can report */
    kprintf("\nnvos: booted by %s (%s)\n", method_name(bi->method),
            bi->loader_name[0] ? bi->loader_name : "loader did not say");
    if (boot_parse_error)
        kprintf("nvos: the loader's boot information was malformed (%s); using what was read\n",
                errno_name(boot_parse_error));
    cpu_init();              /* GDT, TSS, IDT: exceptions are reported from here on */
    if (cmdline_init(bi->cmdline) < 0)
        kprintf("nvos: unbalanced quotes in the command line; boot options ignored\n");
    console_set_color(cmdline_get_bool("console.color", true));
    pmm_init(bi);            /* physical pages from the memory map */
    vmm_init(bi);            /* own page tables: image W^X, direct map, MMIO window */
    pmm_release_loader_memory(); /* the loader's tables are no longer in use */
    screen_console_init(bi); /* framebuffer or VGA text: the boot log so far, then everything */
    acpi_init(bi);           /* MADT, MCFG, FADT, HPET, SPCR */
    uart_spcr_init(acpi_get()); /* the firmware's serial console, if not COM1 */
    clock_init();            /* TSC frequency */
    kprintf("clock: TSC %llu.%03llu MHz (calibrated against %s)%s\n",
            (unsigned long long)(clock_tsc_hz() / 1000000),
            (unsigned long long)(clock_tsc_hz() / 1000 % 1000), clock_source_name(),
            cpu_features.invariant_tsc ? ", invariant" : "");
    irq_init();              /* local APIC, I/O APICs, vector table */
    uart_enable_rx_irq();    /* console input by interrupt */
    cpu_sti();
    pci_init();              /* enumerate every bus */
    nvme_probe(NULL, NULL, NULL); /* bring up every NVMe controller; publish namespaces */
    kprintf("nvos: ready\n");
    shell_run(cmdline_get("run"));
}
