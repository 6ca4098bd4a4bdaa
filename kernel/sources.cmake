# kernel/sources.cmake - the core the drivers use: memory, interrupts, time,
# console, shell registry, ACPI (tools/cmake/modules.cmake).
nvos_module(
    HOST
        mm/memmap.c acpi/acpi.c
    KERNEL
        printk.c console.c panic.c power.c cmdline.c
        arch/cpu.c arch/isr.S
        mm/pmm.c mm/vmm.c mm/heap.c
        acpi/acpi_kernel.c acpi/acpi_shell.c
        time/clock.c
        irq/irq.c
        shell/shell.c shell/system_shell.c shell/rig.c shell/selftest.c
        smp/spinlock.c smp/smp.c smp/trampoline.S smp/smp_shell.c
)
