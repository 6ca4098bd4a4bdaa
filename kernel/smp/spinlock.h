/*
 * kernel/smp/spinlock.h - spinlocks for data shared between CPUs.
 *
 * A test-and-test-and-set lock: wait while the lock word reads taken, then
 * try one atomic exchange. Not a ticket lock on purpose: under a hypervisor
 * (QEMU's TCG threads, KVM vCPUs) on fewer host cores than vCPUs, a ticket
 * lock hands the lock to the next waiter in line even when that vCPU is not
 * running, and everyone waits for it to be scheduled; measured here, 4 vCPUs
 * on 2 cores managed about 400 acquisitions a second that way. Linux makes
 * the same choice for guests without paravirtual locks (virt_spin_lock).
 * Fairness is not guaranteed; the lockup check below catches starvation.
 *
 * Rules:
 *  - Data also touched by interrupt handlers is locked with
 *    spin_lock_irqsave(), which turns interrupts off on this CPU first; a
 *    handler can then never spin on a lock its own CPU holds.
 *  - Never wait for another CPU (smp_call_wait) while holding a lock: the
 *    other CPU may be spinning on it with interrupts off.
 *  - A lock is not recursive. Taking a lock this CPU already holds, or
 *    waiting more than SPIN_LOCKUP_NS for one, is a broken invariant and
 *    panics with the lock's name and holder (a lockup detector, not a wait
 *    that is expected to end).
 */
#ifndef NVOS_KERNEL_SMP_SPINLOCK_H
#define NVOS_KERNEL_SMP_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct spinlock {
    uint32_t locked; /* 0 free, 1 taken */
    uint32_t holder; /* CPU index + 1 of the holder, 0 when free (diagnostics) */
    const char *name;
};

#define SPINLOCK_INIT(name_) { 0, 0, (name_) }
#define SPIN_LOCKUP_NS (5 * 1000000000ull)

void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
/* Takes the lock only if it is free; true if taken. */
bool spin_trylock(struct spinlock *l);
/* Turns interrupts off, takes the lock; returns whether interrupts were on. */
bool spin_lock_irqsave(struct spinlock *l);
void spin_unlock_irqrestore(struct spinlock *l, bool irqs_were_on);
/* Does this CPU hold l? (for assertions) */
bool spin_held_by_me(const struct spinlock *l);

#endif
