/*
 * drivers/nvme/nvme_recovery.c - keeping an NVMe controller up: the
 * controller reset [NVMe Base 2.0 §3.7.2: CC.EN 1 -> 0, then the init
 * sequence of nvme_ctrlr.c again, the steps marked on_reset], and what a
 * command past its deadline leads to: a last reap, Abort [§5.1], a reset.
 *
 * A reset holds the I/O that callbacks submit meanwhile (no doorbell until
 * the end), retires the shadow doorbell pages of the enable that ends
 * (nvme_dbbuf.c), and resubmits whatever was outstanding once the queues
 * exist again; the command that timed out fails with ETIMEDOUT.
 */
#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_dbbuf.h"
#include "drivers/nvme/nvme_internal.h"
#include "kernel/kernel.h"
#include "lib/errno.h"

int nvme_ctrlr_reset(struct nvme_ctrlr *c)
{
    if (c->state == NVME_STATE_FAILED)
        return -ENODEV;
    if (c->state == NVME_STATE_RESETTING)
        return -EBUSY;
    nvme_env_before_reset(c);
    nvme_hmb_disable(c, "before the reset"); /* [§8.9] while still READY: admin commands work */
    /* One reset at a time: two CPUs may find timeouts at once. */
    enum nvme_ctrlr_state ready = NVME_STATE_READY;
    if (!__atomic_compare_exchange_n(&c->state, &ready, NVME_STATE_RESETTING, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return ready == NVME_STATE_FAILED ? -ENODEV : -EBUSY;
    c->resets++;
    kprintf("%s: resetting the controller\n", c->name);
    nvme_percpu_reset_begin(c); /* every CPU now locks every pair */
    /* The device forgets every queue and command at CC.EN=0: note which
     * ones those are before the reset issues its own. */
    /* I/O submitted meanwhile (completion callbacks) is held: no doorbell
     * until the end, and whatever the rings held is resubmitted then. */
    nvme_qpair_mark_for_recovery(&c->admin);
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next) {
        nvme_qpair_mark_for_recovery(qp);
        nvme_qpair_batch_begin(qp); /* under its lock: its CPU may be submitting */
    }
    nvme_dbbuf_retire(c); /* new pages for the next enable; these go once it is disabled */
    c->aer_outstanding = 0;
    int err = nvme_ctrlr_run_steps(c, true);
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next) {
        struct nvme_qtoken tok = nvme_qpair_lock(qp);
        qp->batch_depth--;
        nvme_qpair_unlock(qp, tok);
    }
    if (err) {
        nvme_ctrlr_fail(c, "re-initialization after reset failed");
        return err;
    }
    nvme_qpair_recover_outstanding(&c->admin, false, -EIO);
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next)
        nvme_qpair_recover_outstanding(qp, false, -EIO);
    nvme_percpu_reset_end(c);
    __atomic_store_n(&c->state, NVME_STATE_READY, __ATOMIC_RELEASE);
    kprintf("%s: reset complete; outstanding commands resubmitted\n", c->name);
    return 0;
}

static void abort_cb(void *arg, const struct nvme_cpl *cpl)
{
    struct nvme_ctrlr *c = arg;
    if (cpl->err)
        kprintf("%s: Abort failed (%s)\n", c->name, errno_name(cpl->err));
    else
        kprintf("%s: Abort completed: command %s\n", c->name,
                (cpl->cqe.dw0 & NVME_ABORT_DW0_NOT_ABORTED) ? "not aborted" : "aborted");
}

/*
 * A command has passed its deadline. In order:
 *   1. reap the queue once: a completion may be there without its interrupt
 *      ("completion polled", Linux; "System interrupt issues?", FreeBSD);
 *   2. the controller is gone or fatal: reset (or give up if gone);
 *   3. an I/O command: send Abort [§5.1] and give it one admin timeout more;
 *   4. still there (or an admin command): reset the controller, which fails
 *      the timed-out command with ETIMEDOUT and resubmits the others.
 */
void nvme_ctrlr_handle_timeout(struct nvme_ctrlr *c, struct nvme_qpair *qp, struct nvme_tracker *tr)
{
    nvme_ctrlr_handle_timeout_cid(c, qp, tr, tr->sqe.cid);
}

void nvme_ctrlr_handle_timeout_cid(struct nvme_ctrlr *c, struct nvme_qpair *qp,
                                   struct nvme_tracker *tr, uint16_t cid)
{
    nvme_qpair_reap(qp, 0, false);
    if (!tr->active || tr->sqe.cid != cid)
        goto completed;
    if (c->state != NVME_STATE_READY) {
        /* During initialization or a reset there is nothing left to try:
         * the command fails, and with it the step that sent it. */
        char what[128];
        nvme_sqe_describe(&tr->sqe, qp->id == 0, what, sizeof(what));
        kprintf("%s: timeout on queue %u while %s: %s\n", c->name, qp->id,
                c->state == NVME_STATE_INIT ? "initializing" : "resetting", what);
        qp->stats.timeouts++;
        struct nvme_qtoken tok = nvme_qpair_lock(qp);
        nvme_tracker_fail(qp, tr, NVME_SC_ABORT_REQUESTED, -ETIMEDOUT);
        nvme_qpair_unlock(qp, tok);
        return;
    }
    uint32_t csts = nvme_rd32_quiet(c, NVME_REG_CSTS);
    if (csts == NVME_CSTS_GONE && (csts = nvme_csts_wait_present(c)) == NVME_CSTS_GONE) {
        nvme_ctrlr_fail(c, "device gone (registers read all ones)");
        return;
    }
    if (!NVME_GET(csts, CSTS_CFS) && !tr->timed_out &&
        rdtsc() - tr->submit_tsc < qp->timeout_tsc + tr->extra_tsc)
        return; /* the watchdog saw all ones, not a deadline, and they went away */
    qp->stats.timeouts++;
    char what[128];
    nvme_sqe_describe(&tr->sqe, qp->id == 0, what, sizeof(what));
    if (NVME_GET(csts, CSTS_CFS)) {
        /* The controller failed, not the command: reset and resubmit it. */
        kprintf("%s: controller fatal status (CFS=1) with %s outstanding; resetting\n", c->name,
                what);
        nvme_ctrlr_reset(c);
        return;
    } else if (qp->id != 0 && !tr->abort_sent) {
        kprintf("%s: timeout on queue %u: %s; sending Abort\n", c->name, qp->id, what);
        struct nvme_sqe cmd;
        nvme_cmd_abort(&cmd, qp->id, cid);
        tr->abort_sent = true;
        tr->extra_tsc = (rdtsc() - tr->submit_tsc) - qp->timeout_tsc + c->admin_timeout_tsc;
        if (nvme_ctrlr_cmd_admin_raw(c, &cmd, NULL, 0, abort_cb, c) == 0) {
            qp->stats.aborts++;
            return;
        }
    } else {
        kprintf("%s: timeout on queue %u: %s%s\n", c->name, qp->id, what,
                tr->abort_sent ? " (also after Abort)" : "");
    }
    tr->timed_out = true;
    nvme_ctrlr_reset(c);
    return;

completed:
    qp->stats.polled_late++;
    kprintf("%s: command %#x on queue %u timed out but had completed: interrupt missed?\n",
            c->name, cid, qp->id);
}
