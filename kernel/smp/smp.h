/*
 * kernel/smp/smp.h - the application processors: bring-up, cross-CPU calls,
 * stopping them.
 *
 * smp_init() starts every enabled processor of the ACPI MADT with
 * INIT-SIPI-SIPI through a real-mode trampoline below 1 MiB. Each AP gets
 * its own kernel and IST stacks (guard pages below), GDT and TSS, local APIC
 * (and timer) and struct percpu, then halts in an idle loop that runs the
 * calls posted to it. A CPU that does not check in before its deadline is
 * reported, reset with INIT, marked failed, and boot goes on without it.
 *
 * Boot options:
 *   smp=0             do not start the APs (CPU 0 only)
 *   smp.timeout_ms=N  how long to wait for each AP to check in (default 2000)
 *   smp.test_hang=N   test aid: the trampoline of CPU index N spins forever
 *                     in real mode, as a dead CPU would; boot must go on
 *   apic.x2apic=1     switch to x2APIC mode when the CPU offers it (it is
 *                     used anyway when the firmware left it on or an APIC ID
 *                     does not fit in 8 bits)
 */
#ifndef NVOS_KERNEL_SMP_SMP_H
#define NVOS_KERNEL_SMP_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/smp/percpu.h"

/* CPU 0's struct percpu and GS base: the first line of kernel_main. */
void smp_init_boot_cpu(void);

/* Starts the APs listed in the MADT (after irq_init, with the clock running). */
void smp_init(void);

/* CPUs known (online, failed or not started), and those online now. */
unsigned smp_cpu_count(void);
unsigned smp_online_count(void);

/*
 * A function to run on another CPU. The caller owns the struct and the
 * argument and must keep both valid until smp_call_wait() returns 0 (after a
 * timeout, until it is known the call has finished: see state).
 */
enum smp_call_state { SMP_CALL_IDLE, SMP_CALL_QUEUED, SMP_CALL_RUNNING, SMP_CALL_DONE };
struct smp_call {
    void (*fn)(void *arg);
    void *arg;
    struct smp_call *next;    /* owned by smp.c */
    uint32_t state;           /* enum smp_call_state, written by the target CPU */
    unsigned cpu;
};

/*
 * Queues c->fn(c->arg) on CPU cpu and wakes it with an IPI. APs run calls
 * from their idle loop with interrupts on; CPU 0 (running the shell) runs
 * them in the IPI handler with interrupts off. Posting to this CPU runs the
 * call at once. -ENODEV if the CPU is not online, -EBUSY if c is queued.
 */
int smp_call_post(unsigned cpu, struct smp_call *c, void (*fn)(void *), void *arg);
/* Waits until c has run: 0, or -ETIMEDOUT (a call still queued is withdrawn). */
int smp_call_wait(struct smp_call *c, uint64_t timeout_ns);
/* post + wait (1 s). */
int smp_call_on(unsigned cpu, void (*fn)(void *), void *arg);

/*
 * Stops every other online CPU with an NMI and waits (1 s at most) for
 * them to park; returns how many did not. For panic, power-off and reset.
 */
unsigned smp_stop_others(void);

/*
 * Panic entry: the first CPU to call it owns the console from then on (its
 * output is never interleaved with, or blocked by, another CPU's) and stops
 * the others; returns true. A CPU that comes second parks itself for good.
 */
bool smp_panic_enter(void);
/* Has this CPU stopped all the others (a panic, power-off, reset)? The
 * console then takes no lock: a stopped CPU may have held it. */
bool smp_this_cpu_alone(void);

/* Called from trap_dispatch for an NMI: true if it was a stop request. */
bool smp_handle_nmi(void);

#endif
