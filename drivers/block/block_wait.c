/*
 * drivers/block/block_wait.c - how the kernel waits for a synchronous block
 * request (block_wait in block.h).
 *
 * It polls the device until the callback has run. On interrupt-driven
 * devices it halts between interrupts instead of spinning, with the local
 * APIC timer as a backstop so the driver's own timeout handling (run from
 * poll) still gets control. The driver guarantees that every accepted
 * request completes, with an error if need be (NVMe: timeout, abort,
 * reset); a request that outlives BLOCK_SYNC_DEADLINE_NS anyway is a driver
 * bug, reported as a panic rather than a hang, because the request lives on
 * the waiter's stack.
 */
#include "drivers/block/block.h"

#include "kernel/arch/x86.h"
#include "kernel/irq/irq.h"
#include "kernel/kernel.h"
#include "kernel/time/clock.h"

#define BLOCK_SYNC_DEADLINE_NS (600 * NSEC_PER_SEC)
#define BLOCK_WAKE_NS (10 * NSEC_PER_MSEC)

void block_wait(struct block_device *dev, const bool *done)
{
    /* The driver's own worst case (NVMe: CAP.TO-bound ready waits of a
     * reset, nvme_limits.c) plus a minute, when that is longer. */
    uint64_t limit_ns = BLOCK_SYNC_DEADLINE_NS;
    if (dev->geo.recovery_ns > limit_ns - 60 * NSEC_PER_SEC)
        limit_ns = dev->geo.recovery_ns + 60 * NSEC_PER_SEC;
    struct deadline give_up = deadline_in_ns(limit_ns);
    bool irq = !block_is_polled(dev) && cpu_irqs_enabled();

    while (!READ_ONCE(*done)) {
        block_poll(dev, UINT32_MAX);
        if (READ_ONCE(*done))
            break;
        if (deadline_passed(give_up))
            panic("block: %s: request neither completed nor failed within %llu s",
                  dev->name, (unsigned long long)(limit_ns / NSEC_PER_SEC));
        if (irq) {
            /* The timer is a backstop so poll() runs (timeouts) even if no
             * interrupt comes; "sti; hlt" cannot miss one that is pending. */
            cpu_cli();
            if (!READ_ONCE(*done)) {
                lapic_timer_oneshot(BLOCK_WAKE_NS);
                cpu_sti_hlt();
            } else {
                cpu_sti();
            }
        } else {
            cpu_pause();
        }
    }
}
