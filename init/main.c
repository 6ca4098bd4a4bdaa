/*
 * init/main.c - kernel_main: bring the machine up, in order, then hand it
 * to the shell. One call per step, each depending only on those above it.
 *
 * The one file that knows every layer (boot, kernel core, drivers, shell),
 * as Linux's init/main.c does: it sits above them all, so kernel/ itself
 * never includes drivers/. The order is a chain of real dependencies
 * (nothing prints before the console, nothing maps before the page
 * allocator, no device before its interrupts), which is why it is a list
 * read top to bottom and not a link-time table sorted by priorities.
 */
#include "kernel/kernel.h"

#include "drivers/input/i8042.h"
#include "drivers/nvme/nvme.h"
#include "drivers/usb/xhci.h"
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
#include "kernel/smp/smp.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"

const struct boot_info *boot_info;

void kernel_main(struct boot_info *bi, int boot_parse_error)
{
    boot_info = bi;

    smp_init_boot_cpu();     /* %gs: this_cpu() and spinlocks work from here */
    uart_init();             /* COM1: everything below can report */
    kprintf("\nnvos: booted by %s (%s)\n", boot_method_name(bi->method),
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
    smp_init();              /* start the other CPUs; they idle until called */
    uart_enable_rx_irq();    /* console input by interrupt */
    cpu_sti();
    pci_init();              /* enumerate every bus */
    xhci_init();             /* USB keyboards; ends the firmware's PS/2 emulation on USB */
    i8042_init();            /* PS/2 keyboard (the real one, now): console input by IRQ 1 */
    nvme_probe(NULL, NULL, NULL); /* bring up every NVMe controller; publish namespaces */
    kprintf("nvos: ready\n");
    shell_run(cmdline_get("run"));
}
