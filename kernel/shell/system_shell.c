/*
 * kernel/shell/system_shell.c - the machine-level shell commands: mem,
 * uptime, poweroff, reboot, dmesg, irq, bootinfo, fault. Output formats are
 * documented in docs/shell.md.
 */
#include <string.h>

#include "kernel/arch/cpu.h"
#include "kernel/arch/x86.h"
#include "kernel/irq/irq.h"
#include "kernel/kernel.h"
#include "kernel/mm/memmap.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/vmm.h"
#include "kernel/power.h"
#include "kernel/shell/shell.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "lib/linefilter.h"
#include "lib/parse.h"

/* "512 MiB", "639 KiB", "1.5 GiB": binary units, at most one decimal. */
static void format_bytes(char *buf, size_t n, uint64_t bytes)
{
    static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    unsigned u = 0;
    uint64_t scaled = bytes * 10;
    while (u < 4 && bytes >= 1024) {
        scaled = bytes * 10 / 1024;
        bytes /= 1024;
        u++;
    }
    if (scaled % 10 == 0 || u == 0)
        ksnprintf(buf, n, "%llu %s", (unsigned long long)(u ? scaled / 10 : bytes), units[u]);
    else
        ksnprintf(buf, n, "%llu.%llu %s", (unsigned long long)(scaled / 10),
                  (unsigned long long)(scaled % 10), units[u]);
}

static int cmd_mem(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("mem");
    const struct mem_range *r;
    size_t n = pmm_memory_map(&r);
    uint64_t usable = 0;
    char size[32];
    kprintf("memory map (%zu ranges):\n", n);
    for (size_t i = 0; i < n; i++) {
        format_bytes(size, sizeof(size), r[i].end - r[i].base);
        kprintf("  %016llx-%016llx %10s %s\n", (unsigned long long)r[i].base,
                (unsigned long long)(r[i].end - 1), size, memmap_type_name(r[i].type));
        if (r[i].type == BOOT_MEM_USABLE)
            usable += r[i].end - r[i].base;
    }
    format_bytes(size, sizeof(size), usable);
    kprintf("usable: %s\n", size);
    char total[32], freeb[32];
    format_bytes(total, sizeof(total), pmm_total_pages() * PAGE_SIZE);
    format_bytes(freeb, sizeof(freeb), pmm_free_pages() * PAGE_SIZE);
    kprintf("page allocator: %llu of %llu pages free (%s of %s)\n",
            (unsigned long long)pmm_free_pages(), (unsigned long long)pmm_total_pages(), freeb,
            total);
    struct vmm_stats vs;
    vmm_get_stats(&vs);
    format_bytes(size, sizeof(size), vs.direct_map_bytes);
    kprintf("page tables: %llu pages; direct map %s; MMIO window %llu KiB used\n",
            (unsigned long long)vs.page_table_pages, size,
            (unsigned long long)(vs.mmio_window_used / 1024));
    if (boot_info->mem_truncated)
        kprintf("warning: the loader's map had %u more regions than fit\n",
                boot_info->mem_truncated);
    return 0;
}
SHELL_COMMAND(mem, "mem", "", "memory map and allocator summary", cmd_mem);

static int cmd_uptime(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("uptime");
    uint64_t ns = clock_ns();
    kprintf("uptime: %llu.%06llu s (TSC %llu kHz, calibrated against %s)\n",
            (unsigned long long)(ns / NSEC_PER_SEC),
            (unsigned long long)(ns % NSEC_PER_SEC / 1000),
            (unsigned long long)(clock_tsc_hz() / 1000), clock_source_name());
    return 0;
}
SHELL_COMMAND(uptime, "uptime", "", "time since boot", cmd_uptime);

static int cmd_poweroff(int argc, char **argv)
{
    uint32_t code = shell_failure_count() ? 1 : 0;
    if (argc > 2)
        return shell_usage("poweroff");
    if (argc == 2 && parse_u32(argv[1], &code) != 0)
        return shell_error(-EINVAL, "poweroff: '%s' is not a number", argv[1]);
    kprintf("poweroff: exit code %u\n", code);
    machine_poweroff(code);
}
SHELL_COMMAND(poweroff, "poweroff", "[CODE]",
              "shut devices down and power off; QEMU exits with 2*CODE+1 (default: 0, or 1 if a "
              "command failed)",
              cmd_poweroff);

static int cmd_reboot(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("reboot");
    kprintf("reboot: resetting\n");
    machine_reboot();
}
SHELL_COMMAND(reboot, "reboot", "", "shut devices down and reset the machine", cmd_reboot);

static void replay_out(const char *s, size_t n)
{
    /* Straight to the outputs: not back into the log being replayed. */
    console_write_unlogged(s, n);
}

static struct linefilter dmesg_filter; /* the shell runs one command at a time */

static void filter_in(const char *s, size_t n)
{
    linefilter_feed(&dmesg_filter, s, n);
}

/* dmesg [TEXT]: the log, or its lines containing TEXT (on a screen, the
 * boot lines scrolled away long ago). */
static int cmd_dmesg(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage("dmesg");
    if (argc == 1) {
        console_log_replay(replay_out);
        return 0;
    }
    linefilter_init(&dmesg_filter, argv[1], replay_out);
    console_log_replay(filter_in);
    linefilter_end(&dmesg_filter);
    return 0;
}
SHELL_COMMAND(dmesg, "dmesg", "[TEXT]",
              "print the console log since boot (last 64 KiB), or its lines containing TEXT",
              cmd_dmesg);

static int cmd_irq(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("irq");
    irq_print_table();
    return 0;
}
SHELL_COMMAND(irq, "irq", "", "interrupt vectors in use and their counts", cmd_irq);

static int cmd_bootinfo(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return shell_usage("bootinfo");
    const struct boot_info *bi = boot_info;
    kprintf("method: %s\n", boot_method_name(bi->method));
    kprintf("loader: %s\n", bi->loader_name[0] ? bi->loader_name : "(not given)");
    kprintf("cmdline: %s\n", bi->cmdline);
    kprintf("kernel: %#llx-%#llx\n", (unsigned long long)bi->kernel_phys_start,
            (unsigned long long)bi->kernel_phys_end);
    kprintf("rsdp: %s\n", bi->rsdp_size ? "from the loader" : "searched in the BIOS area");
    if (bi->framebuffer.phys)
        kprintf("framebuffer: %ux%u, %u bpp, pitch %u, at %#llx\n", bi->framebuffer.width,
                bi->framebuffer.height, bi->framebuffer.bpp, bi->framebuffer.pitch,
                (unsigned long long)bi->framebuffer.phys);
    else
        kprintf("framebuffer: none\n");
    kprintf("cpu: %s%s%s\n", cpu_features.brand[0] ? cpu_features.brand : cpu_features.vendor,
            cpu_features.nx ? ", NX" : "", cpu_features.invariant_tsc ? ", invariant TSC" : "");
    return 0;
}
SHELL_COMMAND(bootinfo, "bootinfo", "", "what the boot loader handed over", cmd_bootinfo);

static int cmd_fault(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage("fault");
    if (strcmp(argv[1], "ud") == 0) {
        __asm__ volatile("ud2");
    } else if (strcmp(argv[1], "pf") == 0) {
        uint64_t unmapped = 0x10; /* the low half is not mapped */
        __asm__ volatile("movq (%0), %%rax" : : "r"(unmapped) : "rax");
    } else if (strcmp(argv[1], "gp") == 0) {
        uint64_t noncanonical = 0x8000000000000000ull;
        __asm__ volatile("movq (%0), %%rax" : : "r"(noncanonical) : "rax");
    } else if (strcmp(argv[1], "de") == 0) {
        __asm__ volatile("xorl %%ecx, %%ecx; divl %%ecx" : : : "eax", "ecx", "edx");
    } else if (strcmp(argv[1], "stack") == 0) {
        /* Overflow the kernel stack into its guard page: a double fault. */
        __asm__ volatile("1: pushq $0; jmp 1b");
    } else if (strcmp(argv[1], "panic") == 0) {
        panic("deliberate panic from the shell");
    } else {
        return shell_error(-EINVAL, "fault: unknown kind '%s' (ud, pf, gp, de, stack, panic)",
                           argv[1]);
    }
    return shell_error(-EINVAL, "fault: the CPU did not fault");
}
SHELL_COMMAND(fault, "fault", "ud|pf|gp|de|stack|panic",
              "raise an exception on purpose (tests the fault handler)", cmd_fault);
