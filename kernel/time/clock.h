/*
 * kernel/time/clock.h - the monotonic clock: the TSC, calibrated at boot.
 */
#ifndef NVOS_KERNEL_TIME_CLOCK_H
#define NVOS_KERNEL_TIME_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch/x86.h"
#include "lib/compiler.h" /* NSEC_PER_SEC and friends */

/* Calibrates the TSC against CPUID 15h, the HPET or the PIT (first that works). */
void clock_init(void);

uint64_t clock_tsc_hz(void);
const char *clock_source_name(void); /* what the TSC was calibrated against */

/* Nanoseconds since the kernel was entered. */
uint64_t clock_ns(void);
uint64_t tsc_to_ns(uint64_t ticks);
uint64_t ns_to_tsc(uint64_t ns);

/* Busy-waits; for short hardware settle times only. */
void udelay(uint64_t us);

/* A point in time to wait until; deadline_passed() reads the TSC only. */
struct deadline {
    uint64_t tsc;
};
struct deadline deadline_in_ns(uint64_t ns);
static inline bool deadline_passed(struct deadline d)
{
    return rdtsc() >= d.tsc;
}

#endif
