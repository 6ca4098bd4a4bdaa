/*
 * kernel/power.h - stopping the machine: power off, reboot, and the hooks
 * that drivers run before either (the NVMe shutdown notification).
 *
 * Exit codes: under QEMU with "-device isa-debug-exit,iobase=0xf4,iosize=0x04"
 * a guest code C makes QEMU exit with status 2*C+1 (so 0 -> 1, 1 -> 3). The
 * kernel uses C = 0 for success, 1 for "a shell command failed", and the
 * EXIT_CODE_* values below for its own failures.
 */
#ifndef NVOS_KERNEL_POWER_H
#define NVOS_KERNEL_POWER_H

#include <stdint.h>

#define EXIT_CODE_PANIC 0x70     /* QEMU status 225 */
#define EXIT_CODE_EXCEPTION 0x71 /* QEMU status 227 */

/* Stops the other CPUs, runs the shutdown hooks, then powers off with exit
 * code "code". */
_Noreturn void machine_poweroff(uint32_t code);
/* Stops the other CPUs, runs the shutdown hooks, then resets the machine. */
_Noreturn void machine_reboot(void);
/* Stops after a fatal error: the other CPUs too, no hooks (their state is
 * not trusted). */
_Noreturn void machine_stop(uint32_t code);

/* A driver's "put the device into a safe state" step; must be bounded in time. */
void power_register_shutdown_hook(const char *name, void (*fn)(void *ctx), void *ctx);
/* Runs every hook once (latest registered first); also used before handoff. */
void power_run_shutdown_hooks(void);

#endif
