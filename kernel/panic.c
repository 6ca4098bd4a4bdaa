/*
 * kernel/panic.c - the end of the line for broken invariants.
 */
#include "kernel/arch/x86.h"
#include "kernel/console.h"
#include "kernel/kernel.h"
#include "kernel/power.h"
#include "kernel/smp/smp.h"

extern char kernel_stack_bottom[], kernel_stack_top[];

void backtrace_print(uint64_t rbp)
{
    /* Frame pointers are kept (-fno-omit-frame-pointer): [rbp] = caller's
     * rbp, [rbp+8] = return address. Stop at anything implausible. */
    for (int depth = 0; depth < 32 && rbp != 0; depth++) {
        if (rbp % 8 != 0 || rbp < 0xffff800000000000ull)
            break;
        const uint64_t *frame = (const uint64_t *)rbp;
        uint64_t ret = frame[1];
        if (ret < 0xffffffff80000000ull)
            break;
        kprintf("    %016llx\n", (unsigned long long)ret);
        if (frame[0] <= rbp)
            break;
        rbp = frame[0];
    }
}

void panic(const char *fmt, ...)
{
    static bool panicking; /* only the CPU that got past smp_panic_enter() */
    cpu_cli();
    smp_panic_enter(); /* the other CPUs stop; this one owns the console */
    if (panicking)
        machine_stop(EXIT_CODE_PANIC); /* a panic while printing a panic */
    panicking = true;
    console_panic(); /* screens draw directly from here on */

    va_list ap;
    va_start(ap, fmt);
    kprintf("\nPANIC: ");
    kvprintf(fmt, ap);
    kprintf("\n");
    if (smp_cpu_count() > 1)
        kprintf("  on CPU %u (APIC id %u)\n", this_cpu_index(), this_cpu()->apic_id);
    kprintf("  backtrace (resolve with: addr2line -e build/nvos.elf ADDR):\n");
    va_end(ap);
    backtrace_print((uint64_t)__builtin_frame_address(0));
    machine_stop(EXIT_CODE_PANIC);
}
