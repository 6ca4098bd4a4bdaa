/*
 * kernel/power.c - power off, reset, and the shutdown hooks run before them.
 *
 * Power off: QEMU's isa-debug-exit port (so a test run ends with a status),
 * then ACPI S5: SLP_TYPx from \_S5 with SLP_EN into PM1a/PM1b_CNT [ACPI 6.4
 * §4.8.3.2.1, §7.4.2, §16.1.7]. Reset: the FADT reset register when it
 * offers one [§4.8.3.6], then the PCI reset control port 0xCF9, then the
 * 8042 keyboard controller's pulse-reset command, then a triple fault.
 * Every path first stops the other CPUs (kernel/smp: an NMI parks them), so
 * no AP touches a device while it is shut down or prints over the end.
 */
#include "kernel/power.h"

#include "kernel/acpi/acpi.h"
#include "kernel/arch/mmio.h"
#include "kernel/arch/x86.h"
#include "kernel/kernel.h"
#include "kernel/mm/vmm.h"
#include "kernel/smp/smp.h"
#include "kernel/time/clock.h"

#define DEBUG_EXIT_PORT 0xF4
#define MAX_HOOKS 16

static struct {
    const char *name;
    void (*fn)(void *);
    void *ctx;
} hooks[MAX_HOOKS];
static unsigned hook_count;
static bool hooks_ran;

void power_register_shutdown_hook(const char *name, void (*fn)(void *ctx), void *ctx)
{
    if (hook_count >= MAX_HOOKS)
        panic("too many shutdown hooks (registering %s)", name);
    hooks[hook_count].name = name;
    hooks[hook_count].fn = fn;
    hooks[hook_count].ctx = ctx;
    hook_count++;
}

void power_run_shutdown_hooks(void)
{
    if (hooks_ran)
        return;
    hooks_ran = true;
    for (unsigned i = hook_count; i-- > 0;)
        hooks[i].fn(hooks[i].ctx);
}

static void debug_exit(uint32_t code)
{
    /* Nothing listens on this port on a PC; under QEMU the device ends the run. */
    outl(DEBUG_EXIT_PORT, code);
}

static noreturn void halt_forever(void)
{
    for (;;) {
        cpu_cli();
        __asm__ volatile("hlt");
    }
}

void machine_stop(uint32_t code)
{
    cpu_cli();
    smp_stop_others();
    debug_exit(code);
    kprintf("nvos: stopped (exit code %u); the machine is halted\n", code);
    console_flush(true);
    halt_forever();
}

static void acpi_poweroff(void)
{
    const struct acpi_info *a = acpi_get();
    if (a == NULL || !a->s5_valid || a->pm1a_cnt_port == 0)
        return;
    /* SLP_TYPx in bits 12:10, SLP_EN bit 13 of PM1x_CNT. */
    uint16_t v = inw((uint16_t)a->pm1a_cnt_port);
    v = (uint16_t)((v & ~(7u << 10)) | ((uint16_t)a->slp_typa << 10) | (1u << 13));
    outw((uint16_t)a->pm1a_cnt_port, v);
    if (a->pm1b_cnt_port) {
        v = inw((uint16_t)a->pm1b_cnt_port);
        v = (uint16_t)((v & ~(7u << 10)) | ((uint16_t)a->slp_typb << 10) | (1u << 13));
        outw((uint16_t)a->pm1b_cnt_port, v);
    }
    udelay(100000);
}

void machine_poweroff(uint32_t code)
{
    smp_stop_others(); /* no AP may touch a device while it is shut down */
    power_run_shutdown_hooks();
    cpu_cli();
    debug_exit(code);
    acpi_poweroff();
    kprintf("nvos: power-off did not take effect; halting\n");
    halt_forever();
}

void machine_reboot(void)
{
    const struct acpi_info *a = acpi_get();
    smp_stop_others();
    power_run_shutdown_hooks();
    cpu_cli();
    if (a != NULL && a->reset_supported) {
        if (a->reset_reg.space_id == 1) {
            outb((uint16_t)a->reset_reg.address, a->reset_value);
        } else if (a->reset_reg.space_id == 0) {
            uint8_t *r = vmm_map_mmio(a->reset_reg.address, 1);
            if (r)
                mmio_write8(r, a->reset_value);
        }
        udelay(50000);
    }
    outb(0xCF9, 0x02); /* PCI reset control: system reset, then hard reset */
    outb(0xCF9, 0x06);
    udelay(50000);
    for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++) /* 8042 input buffer empty */
        cpu_pause();
    outb(0x64, 0xFE);
    udelay(50000);
    /* Triple fault: an empty IDT and an exception. */
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) empty = { 0, 0 };
    __asm__ volatile("lidt %0; int3" : : "m"(empty));
    halt_forever();
}
