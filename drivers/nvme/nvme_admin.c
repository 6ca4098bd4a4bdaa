/*
 * drivers/nvme/nvme_admin.c - the controller's admin side, used by its
 * initialization (nvme_ctrlr.c) and by the API: admin commands run
 * synchronously (submit, then poll the admin queue, which enforces the
 * deadlines), I/O queue pairs created and deleted on the device [NVMe Base
 * 2.0 §5.4 Create I/O Completion Queue, §5.5 Create I/O Submission Queue,
 * §5.6 / §5.7 Delete], and Asynchronous Event Requests [§5.2] with the log
 * page each event points at [§5.16].
 */
#include <string.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_dbbuf.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_status.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "lib/errno.h"

/* ------------------------------------------------------------------------ */
/* Admin commands, synchronously                                            */
/* ------------------------------------------------------------------------ */

struct sync_ctx {
    bool done;
    struct nvme_cpl cpl;
};

static void sync_cb(void *arg, const struct nvme_cpl *cpl)
{
    struct sync_ctx *s = arg;
    s->cpl = *cpl;
    WRITE_ONCE(s->done, true);
}

/* Waits for s->done, polling the admin queue (which also enforces timeouts). */
static void admin_wait(struct nvme_ctrlr *c, struct sync_ctx *s)
{
    while (!READ_ONCE(s->done)) {
        nvme_qpair_reap(&c->admin, 0, true);
        if (READ_ONCE(s->done))
            break;
        nvme_env_relax(c);
    }
}

int nvme_ctrlr_cmd_admin_raw(struct nvme_ctrlr *c, const struct nvme_sqe *cmd, void *buf,
                             uint32_t len, nvme_cmd_cb cb, void *cb_arg)
{
    return nvme_qpair_submit_cmd(&c->admin, cmd, buf, len, cmd->opc == NVME_ADMIN_ASYNC_EVENT,
                                 cb, cb_arg);
}

int32_t nvme_ctrlr_process_admin_completions(struct nvme_ctrlr *c)
{
    int32_t n = nvme_qpair_reap(&c->admin, 0, true);
    nvme_ctrlr_process_events(c);
    return n;
}

/* Thread context only: the rescan sends admin commands synchronously, which
 * an event callback (possibly in an interrupt handler) must not. */
void nvme_ctrlr_process_events(struct nvme_ctrlr *c)
{
    if (c->in_events || c->state != NVME_STATE_READY || !READ_ONCE(c->ns_rescan_pending))
        return;
    c->in_events = true;
    WRITE_ONCE(c->ns_rescan_pending, false);
    c->ns_rescans++;
    nvme_ns_rescan(c);
    c->in_events = false;
}

int nvme_admin_sync(struct nvme_ctrlr *c, struct nvme_sqe *cmd, void *buf, uint32_t len,
                    struct nvme_cpl *cpl)
{
    struct sync_ctx s;
    memset(&s, 0, sizeof(s));
    int err = nvme_ctrlr_cmd_admin_raw(c, cmd, buf, len, sync_cb, &s);
    if (err) {
        memset(&s.cpl, 0, sizeof(s.cpl));
        s.cpl.err = err;
    } else {
        admin_wait(c, &s);
    }
    if (cpl)
        *cpl = s.cpl;
    return s.cpl.err;
}

/* One-line report of a failed admin command: what, status, errno. */
int nvme_admin_failed(struct nvme_ctrlr *c, const char *what, const struct nvme_cpl *cpl)
{
    char status[96];
    nvme_status_format(cpl->cqe.status, status, sizeof(status));
    kprintf("%s: %s failed: %s %s\n", c->name, what, status, errno_name(cpl->err));
    return cpl->err;
}

int nvme_get_log_page(struct nvme_ctrlr *c, uint32_t nsid, uint8_t lid, void *buf, uint32_t len,
                      struct nvme_cpl *cpl)
{
    struct nvme_sqe cmd;
    int err = nvme_cmd_get_log_page(&cmd, nsid, lid, len, 0, false);
    if (err)
        return err;
    return nvme_admin_sync(c, &cmd, buf, len, cpl);
}

int nvme_get_feature(struct nvme_ctrlr *c, uint8_t fid, uint8_t sel, uint32_t cdw11,
                     uint32_t nsid, void *buf, uint32_t len, struct nvme_cpl *cpl)
{
    struct nvme_sqe cmd;
    nvme_cmd_get_features(&cmd, fid, sel, cdw11, nsid);
    return nvme_admin_sync(c, &cmd, buf, len, cpl);
}

/* ------------------------------------------------------------------------ */
/* I/O queue pairs                                                          */
/* ------------------------------------------------------------------------ */

uint16_t nvme_alloc_qid(struct nvme_ctrlr *c)
{
    for (uint16_t q = 1; q <= c->max_io_qpairs; q++)
        if (!(c->qid_used[q / 8] & (1u << (q % 8)))) {
            c->qid_used[q / 8] |= (uint8_t)(1u << (q % 8));
            return q;
        }
    return 0;
}

void nvme_free_qid(struct nvme_ctrlr *c, uint16_t qid)
{
    c->qid_used[qid / 8] &= (uint8_t)~(1u << (qid % 8));
}

/* [NVMe Base 2.0 §5.4, §5.5] The CQ first: an SQ names the CQ it completes to. */
int nvme_create_io_queues_on_device(struct nvme_ctrlr *c, struct nvme_qpair *qp)
{
    struct nvme_sqe cmd;
    struct nvme_cpl cpl;
    nvme_dbbuf_attach_qpair(c, qp); /* its shadow doorbell slots, zeroed */
    int err = nvme_cmd_create_io_cq(&cmd, qp->id, qp->size, qp->cq_phys, qp->msix_index, qp->irq);
    if (err == 0 && nvme_admin_sync(c, &cmd, NULL, 0, &cpl) != 0)
        return nvme_admin_failed(c, "Create I/O Completion Queue", &cpl);
    if (err)
        return err;
    err = nvme_cmd_create_io_sq(&cmd, qp->id, qp->size, qp->sq_phys, qp->id, NVME_QPRIO_MEDIUM);
    if (err == 0 && nvme_admin_sync(c, &cmd, NULL, 0, &cpl) != 0) {
        nvme_admin_failed(c, "Create I/O Submission Queue", &cpl);
        nvme_cmd_delete_io_cq(&cmd, qp->id);
        nvme_admin_sync(c, &cmd, NULL, 0, NULL);
        return cpl.err;
    }
    if (err == 0)
        qp->created = true;
    return err;
}

/* [NVMe Base 2.0 §5.7, §5.6] The SQ first: a CQ with SQs on it cannot go. */
void nvme_delete_io_queues_on_device(struct nvme_ctrlr *c, struct nvme_qpair *qp)
{
    struct nvme_sqe cmd;
    struct nvme_cpl cpl;
    if (!qp->created || c->state == NVME_STATE_FAILED)
        return;
    nvme_cmd_delete_io_sq(&cmd, qp->id);
    if (nvme_admin_sync(c, &cmd, NULL, 0, &cpl) != 0)
        nvme_admin_failed(c, "Delete I/O Submission Queue", &cpl);
    nvme_cmd_delete_io_cq(&cmd, qp->id);
    if (nvme_admin_sync(c, &cmd, NULL, 0, &cpl) != 0)
        nvme_admin_failed(c, "Delete I/O Completion Queue", &cpl);
    qp->created = false;
}

void nvme_ctrlr_get_default_io_qpair_opts(const struct nvme_ctrlr *c,
                                          struct nvme_io_qpair_opts *opts)
{
    opts->io_queue_size = NVME_IO_QUEUE_SIZE_DEFAULT < c->io_queue_size_max
                              ? NVME_IO_QUEUE_SIZE_DEFAULT
                              : c->io_queue_size_max;
    opts->interrupts = c->irq_mode != NVME_IRQ_NONE;
    opts->cpu = nvme_env_cpu_index();
}

struct nvme_qpair *nvme_ctrlr_alloc_io_qpair(struct nvme_ctrlr *c,
                                             const struct nvme_io_qpair_opts *opts)
{
    struct nvme_io_qpair_opts o;
    nvme_ctrlr_get_default_io_qpair_opts(c, &o);
    if (opts)
        o = *opts;
    if (c->state != NVME_STATE_READY && c->state != NVME_STATE_INIT) {
        kprintf("%s: cannot create a queue pair: controller not ready\n", c->name);
        return NULL;
    }
    uint32_t size = o.io_queue_size ? o.io_queue_size : NVME_IO_QUEUE_SIZE_DEFAULT;
    if (size < 2)
        size = 2;
    if (size > c->io_queue_size_max)
        size = c->io_queue_size_max; /* CAP.MQES: 32-bit arithmetic (SeaBIOS 79619174) */
    if (o.interrupts && c->irq_mode == NVME_IRQ_NONE) {
        kprintf("%s: no interrupts available; the queue pair will be polled\n", c->name);
        o.interrupts = false;
    }
    bool irq_was_on = nvme_env_irq_save();
    nvme_env_spin_lock(&c->config_lock);
    uint16_t qid = nvme_alloc_qid(c);
    nvme_env_spin_unlock(&c->config_lock);
    nvme_env_irq_restore(irq_was_on);
    if (qid == 0) {
        kprintf("%s: all %u I/O queue pairs the controller granted are in use\n", c->name,
                c->max_io_qpairs);
        return NULL;
    }
    struct nvme_qpair *qp = kzalloc(sizeof(*qp));
    if (qp == NULL)
        goto err_qid;
    if (nvme_qpair_init(qp, c, qid, (uint16_t)size, o.interrupts) != 0) {
        kprintf("%s: out of memory for a %u-entry queue pair\n", c->name, size);
        goto err_free;
    }
    if (o.cpu < nvme_env_cpu_count())
        qp->cpu = (uint16_t)o.cpu;
    bool mine = qp->cpu == nvme_env_cpu_index();
    if (qp->irq && nvme_env_interrupt_bind(c, qp) != 0)
        goto err_destroy;
    if (nvme_create_io_queues_on_device(c, qp) != 0)
        goto err_unbind;
    /* Made for the calling CPU, with an interrupt of its own there: used by
     * this CPU alone (nvme.h), so it takes no lock (nvme_percpu.c). With one
     * CPU there is no other to guard against. */
    qp->single_cpu = mine && nvme_env_cpu_count() > 1 && nvme_env_interrupt_private(c, qp);
    nvme_qpair_update_lock(qp);
    /* Published whole: interrupt handlers on other CPUs walk the list. */
    irq_was_on = nvme_env_irq_save();
    nvme_env_spin_lock(&c->config_lock);
    qp->next = c->io_qpairs;
    __atomic_store_n(&c->io_qpairs, qp, __ATOMIC_RELEASE);
    nvme_env_spin_unlock(&c->config_lock);
    nvme_env_irq_restore(irq_was_on);
    return qp;

err_unbind:
    if (qp->irq)
        nvme_env_interrupt_unbind(c, qp);
err_destroy:
    nvme_qpair_destroy(qp);
err_free:
    kfree(qp);
err_qid:
    nvme_free_qid(c, qid);
    return NULL;
}

int nvme_ctrlr_free_io_qpair(struct nvme_qpair *qp)
{
    struct nvme_ctrlr *c = qp->ctrlr;
    if (qp->outstanding)
        return -EBUSY;
    nvme_delete_io_queues_on_device(c, qp);
    bool irq_was_on = nvme_env_irq_save();
    nvme_env_spin_lock(&c->config_lock);
    struct nvme_qpair **pp = &c->io_qpairs;
    while (*pp && *pp != qp)
        pp = &(*pp)->next;
    if (*pp)
        __atomic_store_n(pp, qp->next, __ATOMIC_RELEASE); /* qp->next stays valid meanwhile */
    nvme_env_spin_unlock(&c->config_lock);
    nvme_env_irq_restore(irq_was_on);
    if (qp->irq)
        nvme_env_interrupt_unbind(c, qp);
    /* The grace period: an interrupt handler on another CPU may be walking
     * the list at qp (nvme_pci.c's reap_irq_qpairs takes no lock). Handlers
     * run with interrupts off, so once every other CPU has taken one, none
     * still holds qp and it can go. */
    if (nvme_env_cpu_count() > 1)
        nvme_env_sync_cpus();
    irq_was_on = nvme_env_irq_save();
    nvme_env_spin_lock(&c->config_lock);
    nvme_free_qid(c, qp->id);
    nvme_env_spin_unlock(&c->config_lock);
    nvme_env_irq_restore(irq_was_on);
    nvme_qpair_destroy(qp);
    kfree(qp);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Asynchronous events                                                      */
/* ------------------------------------------------------------------------ */

static void aer_cb(void *arg, const struct nvme_cpl *cpl);

void nvme_aer_submit(struct nvme_ctrlr *c)
{
    struct nvme_sqe cmd;
    nvme_cmd_async_event_request(&cmd);
    if (nvme_ctrlr_cmd_admin_raw(c, &cmd, NULL, 0, aer_cb, c) == 0)
        c->aer_outstanding++;
}

static uint8_t *aer_log_buffer;

static void aer_log_cb(void *arg, const struct nvme_cpl *cpl)
{
    struct nvme_ctrlr *c = arg;
    if (cpl->err)
        kprintf("%s: reading the event's log page failed (%s)\n", c->name, errno_name(cpl->err));
    /* Reading the log with RAE=0 unmasks the event type: ask again. */
    nvme_aer_submit(c);
}

/* [NVMe Base 2.0 §5.2] An event: say what it was, read its log page (which
 * re-arms that event type), then ask for the next one. */
static void aer_cb(void *arg, const struct nvme_cpl *cpl)
{
    struct nvme_ctrlr *c = arg;
    c->aer_outstanding--;
    if (cpl->err) {
        /* Aborted by a reset (it is requested again) or refused. */
        if (cpl->err != -ECANCELED)
            kprintf("%s: Asynchronous Event Request failed (%s)\n", c->name,
                    errno_name(cpl->err));
        return;
    }
    uint32_t dw0 = cpl->cqe.dw0;
    unsigned type = NVME_GET(dw0, AER_DW0_TYPE), info = NVME_GET(dw0, AER_DW0_INFO);
    uint8_t lid = (uint8_t)NVME_GET(dw0, AER_DW0_LID);
    static const char *types[8] = { "error", "SMART/health", "notice", "immediate",
                                    "?", "?", "I/O command set", "vendor" };
    c->aer_events++;
    c->last_aer_dw0 = dw0;
    kprintf("%s: asynchronous event: %s, info %#x, log page %#x (%s)\n", c->name, types[type & 7],
            info, lid, nvme_log_page_name(lid));
    if (aer_log_buffer == NULL) {
        nvme_phys_t phys;
        aer_log_buffer = nvme_env_dma_alloc(4096, &phys);
    }
    struct nvme_sqe cmd;
    c->aer_log_lid = lid;
    /* [§5.2.1 Figure 147] Notice 02h, information 00h: Namespace Attribute
     * Changed (log page 04h lists them). Rescanned in thread context. */
    if (type == 2 && info == 0)
        WRITE_ONCE(c->ns_rescan_pending, true);
    if (aer_log_buffer && lid && nvme_cmd_get_log_page(&cmd, NVME_NSID_ALL, lid, 512, 0, false) == 0 &&
        nvme_ctrlr_cmd_admin_raw(c, &cmd, aer_log_buffer, 512, aer_log_cb, c) == 0)
        return;
    nvme_aer_submit(c);
}
