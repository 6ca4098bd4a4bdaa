/*
 * drivers/nvme/nvme_percpu.c - queue pairs per CPU: the block layer's I/O
 * goes to a pair of the calling CPU's own, whose interrupt is delivered to
 * that CPU, so the I/O path of one CPU touches nothing another CPU touches.
 *
 * [NVMe Base 2.0 §5.27.1.5 (Number of Queues: the pairs granted), §3.3.1
 * (one SQ per CQ here: each pair is a CQ and its SQ)]; [NVMe over PCIe
 * Transport 1.0 §3.1.1 / PCI Local Bus 3.0 §6.8.2 (MSI-X: each CQ names a
 * table entry in Create I/O Completion Queue; the entry's address selects
 * the CPU)].
 *
 * Rules:
 *   - CPU i submits on cpu_qp[mode][i]. With as many pairs as CPUs each pair
 *     has one CPU; with fewer, CPU i uses pair i % n (cpu_users > 1) - still
 *     correct, since every pair has its own lock, only no longer uncontended.
 *   - A pair's lock (struct nvme_qlock) is taken by its CPU on the I/O path
 *     and by others only to reset, to check deadlines or to poll: it keeps
 *     a reset on one CPU from racing a submission on another. A submission
 *     made while the controller resets is held in the ring (no doorbell)
 *     and sent when the reset ends, with the commands it resubmits
 *     (nvme_ctrlr_reset).
 *   - Each interrupt-driven pair gets its own MSI-X entry when the table has
 *     one, routed to its CPU's local APIC (nvme_pci.c); then completion
 *     callbacks run on the CPU that submitted.
 */
#include <string.h>

#include "drivers/nvme/nvme_internal.h"
#include "kernel/kernel.h"
#include "lib/errno.h"

void nvme_qlock_take(struct nvme_qlock *l)
{
    uint32_t me = nvme_env_cpu_index() + 1;
    /* Only this CPU ever writes its own number here, so reading it back is
     * exact; another CPU's number (or 0) means "not mine". */
    if (__atomic_load_n(&l->holder, __ATOMIC_RELAXED) == me) {
        l->depth++;
        return;
    }
    nvme_env_spin_lock(&l->spin);
    __atomic_store_n(&l->holder, me, __ATOMIC_RELAXED);
    l->depth = 1;
}

void nvme_qlock_drop(struct nvme_qlock *l)
{
    if (--l->depth)
        return;
    __atomic_store_n(&l->holder, 0, __ATOMIC_RELAXED);
    nvme_env_spin_unlock(&l->spin);
}

struct nvme_qtoken nvme_qpair_lock_slow(struct nvme_qpair *qp, unsigned flags)
{
    struct nvme_qtoken t = { 0 };
    if (flags & NVME_QLOCK_IRQ)
        t.bits = NVME_QTOKEN_IRQ | (nvme_env_irq_save() ? NVME_QTOKEN_IRQ_WAS_ON : 0);
    if (flags & NVME_QLOCK_SPIN) {
        nvme_qlock_take(&qp->lock);
        t.bits |= NVME_QTOKEN_SPIN;
    }
    return t;
}

void nvme_qpair_unlock_slow(struct nvme_qpair *qp, struct nvme_qtoken t)
{
    if (t.bits & NVME_QTOKEN_SPIN)
        nvme_qlock_drop(&qp->lock);
    if (t.bits & NVME_QTOKEN_IRQ)
        nvme_env_irq_restore(t.bits & NVME_QTOKEN_IRQ_WAS_ON);
}

void nvme_qpair_update_lock(struct nvme_qpair *qp)
{
    bool smp = nvme_env_cpu_count() > 1;
    unsigned base = 0;
    if ((qp->irq || smp) && !qp->caller_masks)
        base |= NVME_QLOCK_IRQ;
    if (qp->id == 0 || (smp && !qp->single_cpu))
        base |= NVME_QLOCK_SPIN;
    qp->lock_base = (uint8_t)base;
    if (qp->ctrlr->state != NVME_STATE_RESETTING)
        __atomic_store_n(&qp->lock_flags, (uint8_t)base, __ATOMIC_RELAXED);
}

/*
 * A reset touches every pair from one CPU: first every pair takes its lock
 * (SPIN) on every CPU, and the reset waits until each other CPU has taken
 * an interrupt - critical sections run with interrupts off, so one begun
 * before the change has ended, and every later one takes the lock.
 */
void nvme_percpu_reset_begin(struct nvme_ctrlr *c)
{
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next)
        __atomic_store_n(&qp->lock_flags, (uint8_t)(qp->lock_base | NVME_QLOCK_SPIN),
                         __ATOMIC_SEQ_CST);
    if (nvme_env_cpu_count() > 1)
        nvme_env_sync_cpus();
}

/* After the reset: pairs of one CPU go back to taking no lock. A CPU still
 * holding the lock drops it by its token. */
void nvme_percpu_reset_end(struct nvme_ctrlr *c)
{
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next)
        __atomic_store_n(&qp->lock_flags, qp->lock_base, __ATOMIC_RELEASE);
}

static void fill_tables(struct nvme_ctrlr *c);

/* Creates one pair for CPU cpu in mode m (0: interrupts, 1: polled). */
static struct nvme_qpair *create_one(struct nvme_ctrlr *c, unsigned m, unsigned cpu)
{
    struct nvme_io_qpair_opts o;
    nvme_ctrlr_get_default_io_qpair_opts(c, &o);
    o.interrupts = o.interrupts && m == 0;
    o.cpu = cpu;
    return nvme_ctrlr_alloc_io_qpair(c, &o);
}

/*
 * Pairs for every CPU: interrupt-driven ones first (one per CPU while half
 * the grant lasts, one at least), then polled ones from what is left. A kind
 * with no pair uses the other kind's (one pair granted: interrupt-driven,
 * serving both); a controller without interrupts gets polled pairs only. Pairs that cannot be created shrink
 * the tables (the CPUs share); none at all is an error.
 */
int nvme_percpu_create(struct nvme_ctrlr *c)
{
    unsigned ncpu = nvme_env_cpu_count();
    if (ncpu == 0)
        ncpu = 1;
    if (ncpu > NVME_MAX_CPUS)
        ncpu = NVME_MAX_CPUS;
    bool irq = c->irq_mode != NVME_IRQ_NONE;
    unsigned granted = c->max_io_qpairs;
    unsigned want[2];
    if (irq) {
        /* Half each (one interrupt-driven at least), at most one per CPU. */
        want[0] = granted / 2 > 1 ? granted / 2 : 1;
        want[0] = want[0] < ncpu ? want[0] : ncpu;
        want[1] = granted - want[0] < ncpu ? granted - want[0] : ncpu;
    } else {
        want[0] = 0;
        want[1] = granted < ncpu ? granted : ncpu;
    }
    c->cpu_count = ncpu;
    for (unsigned m = 0; m < 2; m++) {
        unsigned made = 0;
        for (unsigned i = 0; i < want[m]; i++) {
            struct nvme_qpair *qp = create_one(c, m, i);
            if (qp == NULL)
                break;
            c->cpu_qp[m][i] = qp;
            made++;
        }
        c->cpu_pairs[m] = made;
    }
    if (c->cpu_pairs[0] == 0 && c->cpu_pairs[1] == 0)
        return -ENOMEM;
    fill_tables(c);
    if (ncpu > 1 || c->trace)
        kprintf("%s: %u CPU(s): %u interrupt-driven and %u polled I/O queue pairs for the block "
                "layer%s\n",
                c->name, ncpu, c->cpu_pairs[0], c->cpu_pairs[1],
                (c->cpu_pairs[0] && c->cpu_pairs[0] < ncpu) || c->cpu_pairs[1] < ncpu
                    ? " (CPUs share pairs)"
                    : "");
    return 0;
}

/*
 * After a reset that granted fewer pairs (nvme_limits_fewer_queues): the
 * orphaned ones leave the tables and their CPUs share the pairs left, as
 * nvme_percpu_create would have shared them, instead of failing with
 * ENODEV from then on. Runs while the reset has every pair locking (SPIN),
 * so a pair that becomes shared is locked before anyone shares it; a
 * submission that read the old table entry just before fails with ENODEV.
 */
void nvme_percpu_remap(struct nvme_ctrlr *c)
{
    bool any = false;
    for (unsigned m = 0; m < 2; m++) {
        unsigned kept = 0;
        for (unsigned i = 0; i < c->cpu_pairs[m]; i++) {
            struct nvme_qpair *qp = c->cpu_qp[m][i];
            if (qp->orphaned) {
                any = true;
                continue;
            }
            c->cpu_qp[m][kept++] = qp; /* the first cpu_pairs[m] entries stay distinct */
        }
        c->cpu_pairs[m] = kept;
    }
    if (!any)
        return;
    if (c->cpu_pairs[0] == 0 && c->cpu_pairs[1] == 0) {
        kprintf("%s: no I/O queue pair is left for the block layer\n", c->name);
        return; /* every table entry stays an orphan: ENODEV */
    }
    fill_tables(c);
    kprintf("%s: after the reset, %u interrupt-driven and %u polled pairs serve %u CPU(s)\n",
            c->name, c->cpu_pairs[0], c->cpu_pairs[1], c->cpu_count);
}

/*
 * cpu_qp[m][0 .. cpu_pairs[m]-1] hold the distinct pairs of each kind: the
 * rest of each table shares them (CPU i takes pair i % n), a kind with no
 * pair of its own uses the other's, and each pair's users, lock and the
 * block layer's first pairs follow.
 */
static void fill_tables(struct nvme_ctrlr *c)
{
    unsigned ncpu = c->cpu_count;
    for (unsigned m = 0; m < 2; m++) {
        unsigned n = c->cpu_pairs[m];
        for (unsigned i = 0; i < ncpu; i++) {
            struct nvme_qpair *qp = n ? c->cpu_qp[m][i % n]
                                      : c->cpu_qp[1 - m][i % c->cpu_pairs[1 - m]];
            c->cpu_qp[m][i] = qp;
        }
    }
    for (unsigned m = 0; m < 2; m++)
        for (unsigned i = 0; i < ncpu; i++)
            c->cpu_qp[m][i]->cpu_users = 0;
    for (unsigned m = 0; m < 2; m++)
        for (unsigned i = 0; i < ncpu; i++)
            if (m == 0 || c->cpu_qp[1][i] != c->cpu_qp[0][i])
                c->cpu_qp[m][i]->cpu_users++;
    /* A pair of one CPU whose interrupt (if any) is that CPU's alone needs no lock. */
    for (unsigned m = 0; m < 2; m++)
        for (unsigned i = 0; i < c->cpu_pairs[m]; i++) {
            struct nvme_qpair *qp = c->cpu_qp[m][i];
            qp->single_cpu = ncpu > 1 && qp->cpu_users == 1 && nvme_env_interrupt_private(c, qp);
            nvme_qpair_update_lock(qp);
        }
    c->block_qp_irq = c->cpu_qp[0][0];
    c->block_qp_poll = c->cpu_qp[1][0];
}

void nvme_percpu_clear(struct nvme_ctrlr *c)
{
    memset(c->cpu_qp, 0, sizeof(c->cpu_qp));
    c->cpu_count = 0;
    c->cpu_pairs[0] = c->cpu_pairs[1] = 0;
    c->block_qp_irq = c->block_qp_poll = NULL;
}

void nvme_percpu_print(struct nvme_ctrlr *c)
{
    for (unsigned i = 0; i < c->cpu_count; i++) {
        const struct nvme_qpair *a = c->cpu_qp[0][i], *b = c->cpu_qp[1][i];
        kprintf("cpu %u: %s qid %u (vector on cpu %u, %llu interrupts, %llu on other CPUs), "
                "poll qid %u%s\n",
                i, a->irq ? "irq" : "poll", a->id, a->cpu, (unsigned long long)a->stats.interrupts,
                (unsigned long long)a->stats.irqs_elsewhere, b->id,
                a->cpu_users > 1 || b->cpu_users > 1 ? " (shared)" : "");
    }
}
