/*
 * kernel/smp/spinlock.c - spinlocks (see spinlock.h).
 *
 * Ordering: the exchange that takes the lock has acquire semantics and the
 * store that frees it release semantics, so everything written inside the
 * critical section is visible to the next holder [Intel SDM Vol. 3A §8.2.2,
 * §8.1.2.2: XCHG with memory is locked; the atomics also keep the compiler
 * from moving accesses out of the section].
 */
#include "kernel/smp/spinlock.h"

#include "kernel/arch/x86.h"
#include "kernel/kernel.h"
#include "kernel/smp/percpu.h"
#include "kernel/time/clock.h"

/* TSC ticks in SPIN_LOCKUP_NS; before the TSC is calibrated only one CPU
 * runs, so the estimate (1 GHz, i.e. a longer real wait) is never tight. */
static uint64_t lockup_ticks(void)
{
    uint64_t hz = clock_tsc_hz();
    return hz ? SPIN_LOCKUP_NS / 1000000000ull * hz : SPIN_LOCKUP_NS;
}

static noreturn void lockup(struct spinlock *l, const char *why)
{
    uint32_t holder = READ_ONCE(l->holder);
    /* Forget the lock so that panic's own output cannot wait on it. */
    WRITE_ONCE(l->holder, 0);
    panic("spinlock \"%s\": %s (holder: CPU %d, this CPU %u)", l->name ? l->name : "?", why,
          (int)holder - 1, this_cpu_index());
}

static bool try_take(struct spinlock *l)
{
    return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

void spin_lock(struct spinlock *l)
{
    if (unlikely(READ_ONCE(l->holder) == this_cpu_index() + 1))
        lockup(l, "taken twice by the same CPU");
    if (!try_take(l)) {
        uint64_t start = rdtsc(), limit = lockup_ticks();
        unsigned spins = 0;
        do {
            /* Read-only while it is taken: the cache line stays shared. */
            while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
                cpu_pause();
                if (++spins % 1024 == 0 && rdtsc() - start > limit)
                    lockup(l, "waited more than 5 s");
            }
        } while (!try_take(l));
    }
    WRITE_ONCE(l->holder, this_cpu_index() + 1);
}

bool spin_trylock(struct spinlock *l)
{
    if (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) || !try_take(l))
        return false;
    WRITE_ONCE(l->holder, this_cpu_index() + 1);
    return true;
}

void spin_unlock(struct spinlock *l)
{
    WRITE_ONCE(l->holder, 0);
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

bool spin_lock_irqsave(struct spinlock *l)
{
    bool on = irq_save();
    spin_lock(l);
    return on;
}

void spin_unlock_irqrestore(struct spinlock *l, bool irqs_were_on)
{
    spin_unlock(l);
    irq_restore(irqs_were_on);
}

bool spin_held_by_me(const struct spinlock *l)
{
    return READ_ONCE(l->holder) == this_cpu_index() + 1;
}
