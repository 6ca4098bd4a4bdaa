/*
 * kernel/smp/percpu.h - per-CPU data, reached through %gs.
 *
 * Each CPU's GS base (MSR 0xC0000101) points at its own struct percpu, whose
 * first field points at itself, so this_cpu() is one instruction
 * ("mov %gs:0, reg") and this_cpu_index() one more ("mov %gs:8, reg") with
 * no lock, no APIC read and no table lookup. The kernel has no scheduler:
 * code never migrates between CPUs, so the values stay valid for the whole
 * of a call (which is why the asm is not volatile: the compiler may reuse
 * one read within a function).
 *
 * Drivers that want per-CPU state keep an array indexed by
 * this_cpu_index() (0 .. smp_cpu_count()-1); the index is dense and stable.
 * Valid from the first line of kernel_main on every CPU.
 */
#ifndef NVOS_KERNEL_SMP_PERCPU_H
#define NVOS_KERNEL_SMP_PERCPU_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/smp/spinlock.h"

#define SMP_MAX_CPUS 64

enum cpu_state {
    CPU_ABSENT = 0,  /* no such slot */
    CPU_STARTING,    /* INIT-SIPI-SIPI sent, not checked in yet */
    CPU_ONLINE,      /* running the idle loop (or the shell on CPU 0) */
    CPU_FAILED,      /* did not check in before the deadline; sent INIT again */
    CPU_NOT_STARTED, /* MADT: online capable but not enabled; left alone */
    CPU_STOPPED,     /* parked by smp_stop_others() (panic, power-off) */
};

struct smp_call;

struct percpu {
    struct percpu *self;  /* must stay at offset 0: this_cpu() */
    uint32_t index;       /* must stay at offset 8: this_cpu_index() */
    uint32_t apic_id;
    enum cpu_state state;
    uint32_t madt_flags;  /* ACPI_MADT_* from the MADT entry */
    uint64_t ticks;       /* local APIC timer interrupts taken */
    uint64_t calls_done;  /* smp_call functions run */
    uint64_t ipis;        /* call IPIs taken */
    uint64_t start_ns;    /* time from INIT to check-in (APs) */
    void *stack_bottom;   /* kernel stack (APs; CPU 0 uses the boot stack) */
    struct spinlock call_lock;
    struct smp_call *call_head, *call_tail;
} __attribute__((aligned(64))); /* no two CPUs' counters share a cache line */

_Static_assert(offsetof(struct percpu, self) == 0, "this_cpu() reads %gs:0");
_Static_assert(offsetof(struct percpu, index) == 8, "this_cpu_index() reads %gs:8");

static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    __asm__("movq %%gs:0, %0" : "=r"(p));
    return p;
}

static inline unsigned this_cpu_index(void)
{
    uint32_t i;
    __asm__("movl %%gs:8, %0" : "=r"(i));
    return i;
}

/* The struct percpu of CPU index i (0 .. SMP_MAX_CPUS-1). */
struct percpu *percpu_of(unsigned i);

/* Points this CPU's GS base at p (boot CPU: first line of kernel_main). */
void percpu_install(struct percpu *p);

#endif
