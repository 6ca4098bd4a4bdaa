/*
 * drivers/nvme/nvme_ctrlr.c - bringing an NVMe controller up, keeping it
 * up, and shutting it down. This file is meant to be read from top to
 * bottom: the init sequence is a table of steps, one function per step of
 * [NVMe Base 2.0 §3.5.1 "Memory-based Controller Initialization (PCIe)"],
 * each headed by the requirement it implements.
 *
 * Further sections implemented here:
 *   §3.5.2 (controller shutdown: CC.SHN, CSTS.SHST), §5.27.1.5 Number of
 *   Queues. A reset runs the same table (nvme_recovery.c, with timeouts
 *   and Abort). The admin commands the steps send synchronously, the I/O
 *   queue pairs and asynchronous events are nvme_admin.c's.
 *
 * Rules kept throughout:
 *   - every wait is bounded by a deadline taken from CAP.TO (500 ms units),
 *     or CRTO where the controller has it, or the command timeouts;
 *   - every register read of all ones means the device has gone, and
 *     CSTS.CFS means it has failed: both are reported and end the wait;
 *   - a failure stops the sequence, prints the failing step and the decoded
 *     CSTS, and runs the undo of each step already done, in reverse order
 *     (every step's undo sits next to it, and in its row of the table).
 */
#include <string.h>

#include "drivers/nvme/nvme_bdev.h"
#include "drivers/nvme/nvme_capture.h"
#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_dbbuf.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_limits.h"
#include "drivers/nvme/nvme_quirks.h"
#include "drivers/nvme/nvme_status.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"

#define SHUTDOWN_TIMEOUT_MIN_NS (5 * NSEC_PER_SEC)
#define SHUTDOWN_TIMEOUT_MAX_NS (60 * NSEC_PER_SEC)
#define NVME_IO_QPAIRS_WANTED 16 /* asked of Set Features at least (3 per CPU if more) */

static struct nvme_ctrlr *controllers;

/* ------------------------------------------------------------------------ */
/* Waiting for the controller                                               */
/* ------------------------------------------------------------------------ */

static const char *csts_string(uint32_t csts, char *buf, size_t size)
{
    nvme_decode_csts(csts, buf, size);
    return buf;
}

/*
 * Reads CSTS until (CSTS & mask) == value, for at most timeout_ns (the
 * ready timeout, or the shutdown's). All the reads are traced as one line.
 * Returns 0, -ENODEV (still all ones at the deadline: the device is gone;
 * all ones for a while after CC.EN=0 is not that, issue 9), -EIO (CSTS.CFS
 * while waiting for readiness) or -ETIMEDOUT.
 */
static int wait_csts(struct nvme_ctrlr *c, uint32_t mask, uint32_t value, bool cfs_fatal,
                     uint64_t timeout_ns, const char *until)
{
    uint64_t t0 = clock_ns();
    struct deadline d = deadline_in_ns(timeout_ns);
    unsigned reads = 0;
    uint32_t csts;
    int err;
    char buf[96];

    for (;;) {
        csts = nvme_rd32_quiet(c, NVME_REG_CSTS);
        reads++;
        if (c->capture)
            nvme_capture_reg(c, false, NVME_REG_CSTS, csts);
        if (csts == NVME_CSTS_GONE && deadline_passed(d)) {
            err = -ENODEV;
            break;
        }
        if (csts == NVME_CSTS_GONE) {
            nvme_env_relax(c);
            continue;
        }
        if ((csts & mask) == value) {
            err = 0;
            break;
        }
        if (cfs_fatal && NVME_GET(csts, CSTS_CFS)) {
            err = -EIO;
            break;
        }
        if (deadline_passed(d)) {
            err = -ETIMEDOUT;
            break;
        }
        nvme_env_relax(c);
    }
    if (c->trace)
        nvme_trace_poll(c, NVME_REG_CSTS, csts, reads, clock_ns() - t0, until);
    if (err == -ENODEV)
        kprintf("%s: CSTS reads all ones: the device is gone\n", c->name);
    else if (err == -EIO)
        kprintf("%s: controller fatal status while waiting for %s (CSTS: %s)\n", c->name, until,
                csts_string(csts, buf, sizeof(buf)));
    else if (err == -ETIMEDOUT)
        kprintf("%s: timed out after %llu ms waiting for %s (CSTS: %s)\n", c->name,
                (unsigned long long)(timeout_ns / NSEC_PER_MSEC), until,
                csts_string(csts, buf, sizeof(buf)));
    return err;
}

bool nvme_ctrlr_alive(struct nvme_ctrlr *c)
{
    uint32_t csts = nvme_rd32_quiet(c, NVME_REG_CSTS);
    return csts != NVME_CSTS_GONE && !NVME_GET(csts, CSTS_CFS);
}

void nvme_ctrlr_fail(struct nvme_ctrlr *c, const char *why)
{
    if (c->state == NVME_STATE_FAILED)
        return;
    kprintf("%s: controller failed: %s; its commands now fail with ENODEV\n", c->name, why);
    c->state = NVME_STATE_FAILED;
    c->failure = why;
    /* The controller never confirmed it stopped (Linux: pci_disable_device
     * before the requests end): no DMA into buffers handed back below. */
    if (c->regs)
        nvme_env_stop_dma(c);
    nvme_qpair_mark_for_recovery(&c->admin);
    nvme_qpair_recover_outstanding(&c->admin, true, -ENODEV);
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next) {
        nvme_qpair_mark_for_recovery(qp);
        nvme_qpair_recover_outstanding(qp, true, -ENODEV);
    }
}

/* ------------------------------------------------------------------------ */
/* The initialization sequence                                              */
/* ------------------------------------------------------------------------ */

/* [PCIe Transport 1.0 §3.1] The registers are BAR0 (ours, not a spec
 * step): memory decoding and bus mastering on, the BAR mapped. */
static int step_map_registers(struct nvme_ctrlr *c)
{
    return nvme_env_map_registers(c);
}

static void undo_map_registers(struct nvme_ctrlr *c)
{
    nvme_env_unmap_registers(c);
}

/* Reads CAP and VS, derives doorbell stride, page size and the ready
 * timeout, and reports what firmware left behind. */
static int step_read_capabilities(struct nvme_ctrlr *c)
{
    char buf[200];
    c->cap = nvme_rd64(c, NVME_REG_CAP);
    if (c->cap == ~0ull) {
        kprintf("%s: CAP reads all ones: the device is not responding\n", c->name);
        return -ENODEV;
    }
    c->vs = nvme_rd32(c, NVME_REG_VS);
    c->dstrd = (uint32_t)NVME_GET(c->cap, CAP_DSTRD);
    /* Quirks first: they may change what the limits allow (nvme_quirks.c). */
    int err = nvme_quirks_init(c);
    if (err)
        return err;
    c->iosqes = (c->quirks & NVME_QUIRK_128_BYTES_SQES) ? 7 : NVME_CC_IOSQES_64;
    uint32_t crto = (NVME_GET(c->cap, CAP_CRMS) & NVME_CAP_CRMS_CRWMS)
                        ? nvme_rd32(c, NVME_REG_CRTO) : 0;
    err = nvme_limits_from_cap(c, crto); /* ready timeout, CC.MPS, MQES */
    if (err)
        return err;
    nvme_decode_cap(c->cap, buf, sizeof(buf));
    kprintf("%s: CAP %s\n", c->name, buf);
    nvme_decode_vs(c->vs, buf, sizeof(buf));
    kprintf("%s: NVMe version %s, ready timeout %llu ms, doorbell stride %u bytes\n", c->name,
            buf, (unsigned long long)(c->ready_timeout_ns / NSEC_PER_MSEC), 4u << c->dstrd);

    /* What the firmware left: usually an enabled controller with live queues
     * in memory it no longer owns (SeaBIOS, OVMF). */
    uint32_t cc = nvme_rd32(c, NVME_REG_CC), csts = nvme_rd32(c, NVME_REG_CSTS);
    c->inherited_cc = cc;
    c->inherited_csts = csts;
    char cc_s[96], csts_s[96], queues[96] = "";
    nvme_decode_cc(cc, cc_s, sizeof(cc_s));
    nvme_decode_csts(csts, csts_s, sizeof(csts_s));
    if (NVME_GET(cc, CC_EN)) {
        uint32_t aqa = nvme_rd32(c, NVME_REG_AQA);
        uint64_t asq = nvme_rd64(c, NVME_REG_ASQ), acq = nvme_rd64(c, NVME_REG_ACQ);
        ksnprintf(queues, sizeof(queues), "; AQA %#x ASQ %#llx ACQ %#llx (firmware's admin queues)",
                  aqa, (unsigned long long)asq, (unsigned long long)acq);
    }
    kprintf("%s: inherited state: CC %s; CSTS %s%s\n", c->name, cc_s, csts_s, queues);
    if (!(NVME_GET(c->cap, CAP_CSS) & (NVME_CAP_CSS_NVM | NVME_CAP_CSS_IOCSS))) {
        kprintf("%s: controller supports neither the NVM command set nor I/O command sets\n",
                c->name);
        return -EOPNOTSUPP;
    }
    return 0;
}

/*
 * [§3.5.1 step 1] "The host waits for the controller to indicate that any
 * previous reset is complete by waiting for CSTS.RDY to become '0'."
 * The controller may be running (firmware left it enabled), so it is
 * disabled first [§3.7.2]: clearing EN while RDY still follows an earlier
 * EN=1 has undefined results [§3.1.3.5 CC.EN], so an EN=1/RDY=0 controller
 * is first allowed to become ready. No shutdown notification here: the
 * queues the device knows are firmware's, and a shutdown would have it
 * complete commands into memory we are about to reuse (Linux's reasoning).
 */
static int step_disable_controller(struct nvme_ctrlr *c)
{
    uint32_t csts = nvme_rd32(c, NVME_REG_CSTS);
    if (csts == NVME_CSTS_GONE && (csts = nvme_csts_wait_present(c)) == NVME_CSTS_GONE)
        return -ENODEV;
    uint32_t cc = nvme_rd32(c, NVME_REG_CC);
    if (NVME_GET(cc, CC_EN) && !NVME_GET(csts, CSTS_RDY) && !NVME_GET(csts, CSTS_CFS)) {
        int err = wait_csts(c, NVME_SET(CSTS_RDY, 1), NVME_SET(CSTS_RDY, 1), true,
                            c->ready_timeout_ns, "RDY=1 (an earlier enable) before disabling");
        if (err == -ENODEV)
            return err; /* other failures: disable anyway */
    }
    if (NVME_GET(cc, CC_EN)) {
        nvme_wr32(c, NVME_REG_CC, cc & ~(uint32_t)NVME_SET(CC_EN, 1));
        nvme_quirk_delay_before_ready(c);
    }
    return wait_csts(c, NVME_SET(CSTS_RDY, 1), 0, false, c->ready_timeout_ns, "RDY=0");
}

/*
 * [§3.5.1 step 2] "The host configures the Admin Queue by setting the Admin
 * Queue Attributes (AQA), Admin Submission Queue Base Address (ASQ), and
 * Admin Completion Queue Base Address (ACQ) to appropriate values."
 * Sizes are 0's based; both bases must be page aligned (CC.MPS).
 */
static int step_configure_admin_queue(struct nvme_ctrlr *c)
{
    if (c->admin.sq == NULL) {
        c->prp_list_pages = 1; /* admin data is at most a few pages */
        if (nvme_qpair_init(&c->admin, c, 0, NVME_ADMIN_QUEUE_SIZE, c->irq_mode != NVME_IRQ_NONE))
            return -ENOMEM;
    } else {
        struct nvme_qtoken tok = nvme_qpair_lock(&c->admin);
        nvme_qpair_mark_for_recovery(&c->admin); /* incl. what callbacks sent since */
        nvme_qpair_reset_rings(&c->admin);
        nvme_qpair_unlock(&c->admin, tok);
    }
    nvme_wr32(c, NVME_REG_AQA,
              NVME_SET(AQA_ASQS, NVME_ADMIN_QUEUE_SIZE - 1) |
                  NVME_SET(AQA_ACQS, NVME_ADMIN_QUEUE_SIZE - 1));
    nvme_wr64(c, NVME_REG_ASQ, c->admin.sq_phys);
    nvme_wr64(c, NVME_REG_ACQ, c->admin.cq_phys);
    return 0;
}

static void undo_configure_admin_queue(struct nvme_ctrlr *c)
{
    nvme_qpair_destroy(&c->admin);
}

/* Interrupts before enabling (ours, not a spec step): QEMU delivers MSI-X
 * only for CQs created while MSI-X is enabled, and the admin CQ is created
 * by CC.EN=1. */
static int step_setup_interrupts(struct nvme_ctrlr *c)
{
    if (c->vectors == NULL && c->intx_vector == 0)
        return nvme_env_interrupts_setup(c);
    return 0;
}

static void undo_setup_interrupts(struct nvme_ctrlr *c)
{
    nvme_env_interrupts_teardown(c);
}

/*
 * [§3.5.1 steps 3-4] "The host determines the supported I/O Command Sets by
 * checking the state of CAP.CSS and appropriately initializing CC.CSS";
 * "the arbitration mechanism should be selected in CC.AMS; and the memory
 * page size should be initialized in CC.MPS". nvos speaks the NVM Command
 * Set only, so CC.CSS = 000b when CAP.CSS allows it (rather than 110b,
 * which would make every I/O command set's namespaces active). IOSQES and
 * IOCQES are set now too: QEMU refuses to enable without them, although the
 * spec only needs them before I/O queues are created.
 */
static int step_configure_cc(struct nvme_ctrlr *c)
{
    unsigned css = (NVME_GET(c->cap, CAP_CSS) & NVME_CAP_CSS_NVM) ? NVME_CC_CSS_NVM
                                                                   : NVME_CC_CSS_ALL;
    uint32_t cc = NVME_SET(CC_CSS, css) | NVME_SET(CC_MPS, c->mps) |
                  NVME_SET(CC_AMS, NVME_CC_AMS_RR) | NVME_SET(CC_SHN, NVME_CC_SHN_NONE) |
                  NVME_SET(CC_IOSQES, c->iosqes) | NVME_SET(CC_IOCQES, NVME_CC_IOCQES_16);
    nvme_wr32(c, NVME_REG_CC, cc);
    return 0;
}

/* [§3.5.1 step 5] "The host enables the controller by setting CC.EN to '1'." */
static int step_enable_controller(struct nvme_ctrlr *c)
{
    uint32_t cc = nvme_rd32(c, NVME_REG_CC);
    nvme_wr32(c, NVME_REG_CC, cc | NVME_SET(CC_EN, 1));
    return 0;
}

/* Leaves the controller disabled, never half-configured [§3.7.2]: it
 * forgets the admin queue before the memory behind it goes. */
static void undo_enable_controller(struct nvme_ctrlr *c)
{
    uint32_t cc = nvme_rd32(c, NVME_REG_CC);
    if (cc == NVME_CSTS_GONE || !NVME_GET(cc, CC_EN))
        return;
    nvme_wr32(c, NVME_REG_CC, cc & ~(uint32_t)NVME_SET(CC_EN, 1));
    if (wait_csts(c, NVME_SET(CSTS_RDY, 1), 0, false, c->ready_timeout_ns, "RDY=0 (undoing)") == 0)
        nvme_dbbuf_free_retired(c); /* it can no longer touch them */
}

/* [§3.5.1 step 6] "The host waits for the controller to indicate that the
 * controller is ready to process commands ... when CSTS.RDY is set to '1'."
 * CSTS.CFS during the wait means the configuration was refused. */
static int step_wait_ready(struct nvme_ctrlr *c)
{
    return wait_csts(c, NVME_SET(CSTS_RDY, 1), NVME_SET(CSTS_RDY, 1), true, c->ready_timeout_ns,
                     "RDY=1");
}

static void copy_trimmed(char *dst, const char *src, size_t n)
{
    memcpy(dst, src, n);
    dst[n] = '\0';
    while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
        dst[--n] = '\0';
}

static void undo_identify_controller(struct nvme_ctrlr *c)
{
    nvme_env_dma_free(c->id, sizeof(*c->id));
    c->id = NULL;
}

static int check_identify_controller(struct nvme_ctrlr *c);

/* [§3.5.1 step 7] "The host determines the configuration of the controller
 * by issuing the Identify command specifying the Identify Controller data
 * structure (i.e., CNS 01h)." */
static int step_identify_controller(struct nvme_ctrlr *c)
{
    struct nvme_sqe cmd;
    struct nvme_cpl cpl;
    if (c->id == NULL) {
        c->id = nvme_env_dma_alloc(sizeof(*c->id), &c->id_phys);
        if (c->id == NULL)
            return -ENOMEM;
    }
    nvme_cmd_identify(&cmd, NVME_CNS_CTRL, 0, 0);
    if (nvme_admin_sync(c, &cmd, c->id, sizeof(*c->id), &cpl) != 0)
        return nvme_admin_failed(c, "Identify Controller", &cpl);
    int err = check_identify_controller(c);
    if (err)
        undo_identify_controller(c);
    return err;
}

/* What Identify Controller says: entry sizes, transfer limit, counts. */
static int check_identify_controller(struct nvme_ctrlr *c)
{
    const struct nvme_id_ctrl *id = c->id;
    /* The queue entry sizes we use must be within what it requires/allows
     * (the 128-byte-SQE quirk is for controllers that report otherwise). */
    if ((!(c->quirks & NVME_QUIRK_128_BYTES_SQES) &&
         (NVME_GET(id->sqes, ID_QES_REQUIRED) > c->iosqes ||
          NVME_GET(id->sqes, ID_QES_MAX) < c->iosqes)) ||
        NVME_GET(id->cqes, ID_QES_REQUIRED) > NVME_CC_IOCQES_16 ||
        NVME_GET(id->cqes, ID_QES_MAX) < NVME_CC_IOCQES_16) {
        kprintf("%s: controller needs queue entries of other sizes (SQES %#x CQES %#x)\n",
                c->name, id->sqes, id->cqes);
        return -EOPNOTSUPP;
    }
    /* [§5.17.2.1] MDTS is a power of two in units of CAP.MPSMIN pages (not
     * 4 KiB, not CC.MPS); 0 means no limit, which we cap ourselves. */
    uint64_t max = NVME_MAX_XFER_CAP;
    if (id->mdts) {
        uint64_t mdts = (4096ull << NVME_GET(c->cap, CAP_MPSMIN)) << (id->mdts > 20 ? 20 : id->mdts);
        if (mdts < max)
            max = mdts;
    }
    c->max_xfer = (uint32_t)max;
    /* PRP list pages per command for that transfer at the worst buffer offset. */
    c->prp_list_pages = (uint32_t)nvme_prp_list_pages_needed(c->max_xfer, c->page_size - 4,
                                                             c->page_size);
    c->nn = id->nn;
    c->aer_limit = (unsigned)id->aerl + 1;
    nvme_limits_from_identify(c);

    char mn[41], sn[21], fr[9];
    copy_trimmed(mn, id->mn, sizeof(id->mn));
    copy_trimmed(sn, id->sn, sizeof(id->sn));
    copy_trimmed(fr, id->fr, sizeof(id->fr));
    kprintf("%s: %s, serial %s, firmware %s; MDTS %u (max transfer %u KiB), NN %u, VWC %s\n",
            c->name, mn, sn, fr, id->mdts, c->max_xfer / 1024, c->nn,
            (id->vwc & NVME_VWC_PRESENT) ? "present" : "none");
    return 0;
}

/*
 * [§3.5.1 step 8] "The host determines any I/O Command Set specific
 * configuration information": for the NVM Command Set (CC.CSS=000b), an
 * Identify Namespace (CNS 00h) for each namespace - found with the Active
 * Namespace ID list (CNS 02h), or by scanning 1..NN. (nvme_ns.c)
 */
static int step_identify_namespaces(struct nvme_ctrlr *c)
{
    int err = nvme_ns_identify_all(c);
    if (err)
        nvme_ns_free_all(c); /* the ones found before the failure */
    return err;
}

/*
 * [§3.5.1 step 9, §5.27.1.5] "The host allocates the appropriate number of
 * I/O Completion Queues based on the number required for the system
 * configuration and the number reported by the controller" - which Set
 * Features Number of Queues reports. Both counts are 0's based, and the
 * usable pairs are the smaller of the two. A controller that refuses keeps
 * its admin queue usable (Linux: "degraded controllers").
 */
static int step_set_number_of_queues(struct nvme_ctrlr *c)
{
    struct nvme_sqe cmd;
    struct nvme_cpl cpl;
    /* Two per CPU for the block layer, the rest for benchmarks' own pairs. */
    uint32_t wanted = 3 * nvme_env_cpu_count();
    if (wanted < NVME_IO_QPAIRS_WANTED)
        wanted = NVME_IO_QPAIRS_WANTED;
    if (wanted > NVME_MAX_IO_QPAIRS)
        wanted = NVME_MAX_IO_QPAIRS;
    nvme_cmd_set_num_queues(&cmd, (uint16_t)wanted, (uint16_t)wanted);
    if (nvme_admin_sync(c, &cmd, NULL, 0, &cpl) != 0) {
        nvme_admin_failed(c, "Set Features (Number of Queues)", &cpl);
        kprintf("%s: continuing with the admin queue only\n", c->name);
        c->max_io_qpairs = 0;
        return 0;
    }
    uint32_t nsq, ncq;
    nvme_num_queues_result(cpl.cqe.dw0, &nsq, &ncq);
    uint32_t n = nsq < ncq ? nsq : ncq;
    /* A controller may allocate more than was asked for (QEMU always says
     * max_ioqpairs); use no more than we asked for, as Linux does. */
    if (n > wanted)
        n = wanted;
    if (c->quirks & NVME_QUIRK_SHARED_TAGS)
        n = n < 1 ? n : 1; /* CIDs unique across queues: one I/O pair (nvme_limits.c) */
    if (c->state == NVME_STATE_RESETTING && n < c->max_io_qpairs)
        nvme_limits_fewer_queues(c, n); /* fewer pairs, not a failed controller */
    c->max_io_qpairs = (uint16_t)n;
    kprintf("%s: %u I/O queue pairs granted (asked for %u, controller offers %u)\n", c->name,
            n, wanted, nsq < ncq ? nsq : ncq);
    return 0;
}

/*
 * [§3.5.1 steps 10-11] Create I/O Completion Queues, then I/O Submission
 * Queues. The block layer's: per CPU, one completing by interrupt (when the
 * platform gave us any, routed to that CPU) and one polled with interrupts
 * disabled (IEN=0), shared between CPUs when too few are granted
 * (nvme_percpu.c). Further pairs are created on demand
 * (nvme_ctrlr_alloc_io_qpair: the benchmark's).
 */
static int step_create_io_queues(struct nvme_ctrlr *c)
{
    if (c->state == NVME_STATE_RESETTING) {
        /* Same queues, same memory, fresh rings. */
        for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next) {
            if (qp->orphaned)
                continue;
            struct nvme_qtoken tok = nvme_qpair_lock(qp); /* its CPU may be polling it */
            qp->created = false;
            /* What is in flight now - including what was submitted since
             * the reset began - the device forgot: resubmitted at the end. */
            nvme_qpair_mark_for_recovery(qp);
            nvme_qpair_reset_rings(qp);
            nvme_qpair_unlock(qp, tok);
            if (qp->irq)
                nvme_env_interrupt_route(c, qp); /* to its CPU again */
            int err = nvme_create_io_queues_on_device(c, qp);
            if (err)
                return err;
        }
        nvme_percpu_remap(c); /* CPUs of pairs the reset orphaned share the others */
        return 0;
    }
    if (c->max_io_qpairs == 0)
        return 0;
    return nvme_percpu_create(c); /* nothing created when it fails */
}

/* Deletes every I/O queue pair (on the device, while it still takes admin
 * commands: the undo of enabling comes later). */
static void undo_create_io_queues(struct nvme_ctrlr *c)
{
    while (c->io_qpairs) {
        c->io_qpairs->outstanding = 0; /* never used: nothing in flight */
        nvme_ctrlr_free_io_qpair(c->io_qpairs);
    }
    nvme_percpu_clear(c);
}

/* [§3.5.1 step 12] "If the host desires asynchronous notification of
 * optional events, the host should issue a Set Features command specifying
 * the events to enable", then Asynchronous Event Request commands [§5.2]. */
static int step_enable_async_events(struct nvme_ctrlr *c)
{
    struct nvme_sqe cmd;
    struct nvme_cpl cpl;
    /* Critical warnings and namespace attribute notices, no reserved bit. */
    nvme_cmd_set_features(&cmd, NVME_FEAT_ASYNC_EVENT, false, nvme_aec_events(c), 0);
    if (nvme_admin_sync(c, &cmd, NULL, 0, &cpl) != 0)
        nvme_admin_failed(c, "Set Features (Asynchronous Event Configuration)", &cpl);
    nvme_aer_submit(c); /* one is enough to hear about everything, one at a time */
    return 0;
}

/* Publishes the namespaces as block devices (ours: only once I/O works).
 * A namespace that cannot be published is reported and the controller
 * stays up: devices already registered keep using it (the block layer has
 * no unregistering), and its admin side still serves "nvme" commands. */
static int step_register_namespaces(struct nvme_ctrlr *c)
{
    bool capture = nvme_capture_pause(c); /* partition reads: the disk's story, not the device's */
    int err = nvme_bdev_publish(c);
    nvme_capture_resume(c, capture);
    if (err)
        kprintf("%s: not every namespace was published as a block device (%s)\n", c->name,
                errno_name(err));
    return 0;
}

/*
 * The sequence. Each step may have an undo, which takes back what the step
 * set up once it has succeeded; a step that fails cleans up after itself.
 * When step i fails during initialization, the undos of steps i-1 .. 0 run
 * in that order, so adding a step means adding its row (and its undo), and
 * nothing else. A reset reruns the on_reset rows and never unwinds: it
 * fails the controller instead.
 */
struct init_step {
    const char *what;
    const char *ref;                   /* [NVMe Base 2.0 ...], or NULL: nvos's own */
    int (*fn)(struct nvme_ctrlr *c);
    void (*undo)(struct nvme_ctrlr *c); /* NULL: nothing to take back */
    bool on_reset;                     /* also run when recovering from a reset */
};

static const struct init_step init_steps[] = {
    { "map registers (BAR0)", NULL, step_map_registers, undo_map_registers, false },
    { "read capabilities (CAP, VS)", "§3.1.3.1", step_read_capabilities, NULL, false },
    { "disable and wait for reset to finish (CC.EN=0, CSTS.RDY=0)", "§3.5.1 step 1",
      step_disable_controller, NULL, true },
    { "set up interrupts (MSI-X, INTx or polling)", NULL, step_setup_interrupts,
      undo_setup_interrupts, true },
    { "configure admin queue (AQA, ASQ, ACQ)", "§3.5.1 step 2", step_configure_admin_queue,
      undo_configure_admin_queue, true },
    { "select command set, page size, arbitration (CC)", "§3.5.1 steps 3-4", step_configure_cc,
      NULL, true },
    { "enable controller (CC.EN=1)", "§3.5.1 step 5", step_enable_controller,
      undo_enable_controller, true },
    { "wait for ready (CSTS.RDY=1)", "§3.5.1 step 6", step_wait_ready, NULL, true },
    { "identify controller (CNS 01h)", "§3.5.1 step 7", step_identify_controller,
      undo_identify_controller, false },
    { "identify namespaces (CNS 02h, 00h)", "§3.5.1 step 8", step_identify_namespaces,
      nvme_ns_free_all, false },
    { "set number of queues (FID 07h)", "§3.5.1 step 9", step_set_number_of_queues, NULL, true },
    /* Before the I/O queues, so each is created with its shadow slots. */
    { "shadow doorbells (Doorbell Buffer Config 7Ch)", "§5.8", nvme_dbbuf_configure,
      nvme_dbbuf_retire, true },
    { "create I/O completion and submission queues", "§3.5.1 steps 10-11", step_create_io_queues,
      undo_create_io_queues, true },
    /* After the queues: the HMB takes what large memory is left, not the
     * reverse; then power management, which only reads (or turns APST off). */
    { "host memory buffer (FID 0Dh)", "§5.27.1.10", nvme_hmb_setup, nvme_hmb_teardown, true },
    { "power state and APST (FID 02h, 0Ch)", "§5.27.1.9", nvme_power_setup, NULL, true },
    /* No undo: the Asynchronous Event Request ends with the controller's
     * disable, and its request with the admin queue. */
    { "enable asynchronous events (FID 0Bh, AER)", "§3.5.1 step 12", step_enable_async_events,
      NULL, true },
    { "publish namespaces as block devices", NULL, step_register_namespaces, NULL, false },
};

#define NSTEPS (sizeof(init_steps) / sizeof(init_steps[0]))

int nvme_ctrlr_run_steps(struct nvme_ctrlr *c, bool reset)
{
    size_t total = 0, n = 0;
    for (size_t i = 0; i < NSTEPS; i++)
        if (!reset || init_steps[i].on_reset)
            total++;
    for (size_t i = 0; i < NSTEPS; i++) {
        const struct init_step *s = &init_steps[i];
        if (reset && !s->on_reset)
            continue;
        n++;
        if (c->trace || !reset)
            kprintf("%s: step %zu/%zu %s [%s%s]\n", c->name, n, total, s->what,
                    s->ref ? "NVMe Base 2.0 " : "nvos", s->ref ? s->ref : "");
        if (c->capture)
            nvme_capture_step(c, (unsigned)n, (unsigned)total, s->what);
        int err = nvme_env_before_step(c, (unsigned)i);
        if (err == 0)
            err = s->fn(c);
        if (err) {
            char csts[96];
            uint32_t v = c->regs ? nvme_rd32_quiet(c, NVME_REG_CSTS) : NVME_CSTS_GONE;
            kprintf("%s: step %zu/%zu (%s) failed: %s; CSTS %s\n", c->name, n, total, s->what,
                    errno_name(err), csts_string(v, csts, sizeof(csts)));
            if (!reset)
                for (size_t j = i; j-- > 0;)
                    if (init_steps[j].undo)
                        init_steps[j].undo(c);
            return err;
        }
    }
    return 0;
}

void nvme_ctrlr_set_trace(struct nvme_ctrlr *c, bool on)
{
    c->trace = on;
    c->admin.trace = on || c->capture;
    nvme_qpair_update_db_mode(&c->admin);
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next) {
        qp->trace = on || c->capture;
        nvme_qpair_update_db_mode(qp);
    }
}

void nvme_ctrlr_set_timeout(struct nvme_ctrlr *c, bool admin, uint64_t ns)
{
    if (admin) {
        c->admin_timeout_ns = ns;
        c->admin_timeout_tsc = ns_to_tsc(ns);
        c->admin.timeout_tsc = c->admin_timeout_tsc;
    } else {
        c->io_timeout_ns = ns;
        c->io_timeout_tsc = ns_to_tsc(ns);
        for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next)
            qp->timeout_tsc = c->io_timeout_tsc;
    }
}

int nvme_ctrlr_init(struct nvme_ctrlr *c)
{
    c->state = NVME_STATE_INIT;
    if (c->admin_timeout_ns == 0)
        c->admin_timeout_ns = NVME_DEFAULT_ADMIN_TIMEOUT_MS * NSEC_PER_MSEC;
    if (c->io_timeout_ns == 0)
        c->io_timeout_ns = NVME_DEFAULT_IO_TIMEOUT_MS * NSEC_PER_MSEC;
    c->admin_timeout_tsc = ns_to_tsc(c->admin_timeout_ns);
    c->io_timeout_tsc = ns_to_tsc(c->io_timeout_ns);
    int err = nvme_ctrlr_run_steps(c, false);
    if (err) {
        c->state = NVME_STATE_FAILED;
        c->failure = "initialization failed";
        return err;
    }
    c->state = NVME_STATE_READY;
    struct nvme_ctrlr **pp = &controllers;
    while (*pp && *pp != c)
        pp = &(*pp)->next;
    if (*pp == NULL) {
        c->next = NULL;
        *pp = c;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Shutdown                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * [§3.5.2 / §3.6.2 "Shutdown"]: "the host should: stop submitting any new
 * I/O commands ... delete all I/O Submission Queues ... delete all I/O
 * Completion Queues ... set CC.SHN to 01b". Then CSTS.SHST becomes 10b;
 * the wait is bounded by RTD3E (µs) when the controller states it, within
 * [5 s, 60 s]. Deleting the queues first keeps the "unsafe shutdowns"
 * count from rising (FreeBSD's comment on §7.6.2 of 1.4).
 */
void nvme_ctrlr_shutdown(struct nvme_ctrlr *c)
{
    if (c->state != NVME_STATE_READY)
        return;
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next)
        nvme_qpair_reap(qp, 0, false);
    nvme_hmb_disable(c, "before shutdown"); /* [§8.9] first, as Linux's nvme_dev_disable */
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next)
        nvme_delete_io_queues_on_device(c, qp);
    uint64_t timeout = (uint64_t)c->id->rtd3e * NSEC_PER_USEC;
    if (timeout < SHUTDOWN_TIMEOUT_MIN_NS)
        timeout = SHUTDOWN_TIMEOUT_MIN_NS;
    if (timeout > SHUTDOWN_TIMEOUT_MAX_NS)
        timeout = SHUTDOWN_TIMEOUT_MAX_NS;
    uint32_t cc = nvme_rd32(c, NVME_REG_CC);
    cc = (cc & ~(uint32_t)NVME_SET(CC_SHN, NVME_CC_SHN_MASK)) | NVME_SET(CC_SHN, NVME_CC_SHN_NORMAL);
    nvme_wr32(c, NVME_REG_CC, cc);
    int err = wait_csts(c, NVME_SET(CSTS_SHST, NVME_CSTS_SHST_MASK),
                        NVME_SET(CSTS_SHST, NVME_CSTS_SHST_COMPLETE), false, timeout,
                        "SHST=complete");
    c->state = NVME_STATE_FAILED;
    c->failure = "shut down";
    if (err == 0)
        kprintf("%s: shutdown complete\n", c->name);
}

/* ------------------------------------------------------------------------ */
/* Accessors                                                                */
/* ------------------------------------------------------------------------ */

const struct nvme_id_ctrl *nvme_ctrlr_get_data(const struct nvme_ctrlr *c)
{
    return c->id;
}

const char *nvme_ctrlr_get_name(const struct nvme_ctrlr *c)
{
    return c->name;
}

uint64_t nvme_ctrlr_get_cap(const struct nvme_ctrlr *c)
{
    return c->cap;
}

uint32_t nvme_ctrlr_get_num_ns(const struct nvme_ctrlr *c)
{
    return c->nn;
}

uint32_t nvme_ctrlr_get_max_xfer_size(const struct nvme_ctrlr *c)
{
    return c->max_xfer;
}

uint32_t nvme_ctrlr_get_max_io_qpairs(const struct nvme_ctrlr *c)
{
    return c->max_io_qpairs;
}

uint32_t nvme_ctrlr_get_free_io_qpairs(const struct nvme_ctrlr *c)
{
    uint32_t used = 0;
    for (const struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next)
        used++;
    return c->max_io_qpairs > used ? c->max_io_qpairs - used : 0;
}

uint32_t nvme_ctrlr_get_max_io_queue_size(const struct nvme_ctrlr *c)
{
    return c->io_queue_size_max;
}

struct nvme_ctrlr *nvme_ctrlr_first(void)
{
    return controllers;
}

struct nvme_ctrlr *nvme_ctrlr_next(struct nvme_ctrlr *c)
{
    return c->next;
}

struct nvme_ctrlr *nvme_ctrlr_by_name(const char *name)
{
    for (struct nvme_ctrlr *c = controllers; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}
