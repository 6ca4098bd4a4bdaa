/*
 * drivers/nvme/nvme_internal.h - the driver's own structures, shared by its
 * files and by the host tests, which run the same code against an
 * in-memory controller model (tests/host/nvme_model.c).
 *
 * Objects and their lifetimes:
 *   nvme_ctrlr   one per PCI function, from attach to the end
 *   nvme_qpair   admin (QID 0) or I/O; owns its SQ/CQ memory, its trackers
 *                and its requests, all allocated when the pair is created
 *   nvme_request one API call (a read of N blocks, a raw command...); may
 *                become several commands when it exceeds the transfer limit
 *   nvme_tracker one command in flight: the CID is its index plus a 4-bit
 *                generation (Linux's scheme), so a completion for a slot
 *                that has since been reused is recognised as stale
 * Nothing on the I/O path allocates: requests and trackers come from free
 * lists sized with the queue.
 */
#ifndef NVOS_DRIVERS_NVME_NVME_INTERNAL_H
#define NVOS_DRIVERS_NVME_NVME_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/nvme/nvme.h"
#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_fault.h"
#include "drivers/nvme/nvme_mmio.h"
#include "drivers/nvme/nvme_prp.h"
#include "drivers/nvme/nvme_regs.h"
#include "kernel/arch/x86.h"
#include "kernel/kernel.h"
#include "kernel/smp/spinlock.h"

#define NVME_ADMIN_QUEUE_SIZE 32     /* Linux's NVME_AQ_DEPTH; Micron 2200 needs <= 32 */
#define NVME_IO_QUEUE_SIZE_DEFAULT 256
#define NVME_MAX_QUEUE_SIZE 4096     /* CIDs carry the tracker index in 12 bits */
#define NVME_CID_INDEX_BITS 12
#define NVME_CID_INDEX_MASK ((1u << NVME_CID_INDEX_BITS) - 1)
#define NVME_CID_GEN_MASK 0xFu
#define NVME_MAX_IO_QPAIRS 64        /* per controller, whatever the device grants */
#define NVME_MAX_CPUS 64             /* per-CPU pair tables (SMP_MAX_CPUS) */
/*
 * Per-command cap when MDTS is 0 ("no limit") or larger: 3 MiB. QEMU's model
 * fails any command with more than 1024 PRP entries (IOV_MAX; it maps each
 * entry separately), which a 4 MiB transfer from an unaligned buffer needs;
 * 3 MiB stays below that and still needs a PRP list that chains to a second
 * page, so the chaining path runs in the QEMU tests.
 */
#define NVME_MAX_XFER_CAP (3u << 20)
#define NVME_MAX_NAMESPACES 1024     /* one Active Namespace ID list */
#define NVME_DEFAULT_RETRIES 3
#define NVME_DEFAULT_ADMIN_TIMEOUT_MS 10000
#define NVME_DEFAULT_IO_TIMEOUT_MS 30000
#define NVME_TIMEOUT_CHECK_NS (50 * 1000000ull)

enum nvme_payload {
    NVME_PAYLOAD_NONE,   /* flush, write zeroes, DSM ranges are in the request */
    NVME_PAYLOAD_CONTIG, /* one virtual buffer */
    NVME_PAYLOAD_SGL,    /* reset_sgl/next_sge callbacks */
};

struct nvme_qpair;
struct nvme_tracker;

struct nvme_request {
    nvme_cmd_cb cb;
    void *cb_arg;
    struct nvme_ns *ns;
    /* LBA commands: the SQE is built per command from these. */
    uint8_t opc;
    bool lba_cmd;             /* LBA-addressed: built from next_lba/blocks_left, cut at
                               * the transfer limit; false: cmd, as given */
    bool failed;              /* a command failed: submit no more */
    bool no_timeout;          /* Asynchronous Event Requests wait forever by design */
    uint8_t payload;          /* enum nvme_payload */
    uint32_t nsid;
    uint32_t cdw12_flags;     /* FUA, PRINFO... (never NLB) */
    uint8_t *buf;             /* CONTIG: start of the whole buffer */
    uint8_t *md_buf;          /* separate metadata buffer, or NULL */
    nvme_req_reset_sgl_cb reset_sgl;
    nvme_req_next_sge_cb next_sge;
    uint32_t len;             /* bytes, non-LBA commands */
    uint64_t next_lba;        /* first block not yet submitted */
    uint32_t blocks_left;     /* blocks not yet submitted */
    uint32_t bytes_done;      /* payload offset of the next command */
    uint32_t outstanding;     /* commands in flight */
    struct nvme_cpl cpl;      /* what the callback will get */
    struct nvme_sqe cmd;      /* other commands (admin, raw, flush, DSM): as given */
    struct nvme_request *next_free;
};

struct nvme_tracker {
    struct nvme_request *req;
    struct nvme_sqe sqe;      /* as submitted: retries and resets resubmit it */
    uint16_t index;
    uint8_t gen;              /* CID bits 15:12 */
    bool active;
    uint8_t attempts;         /* submissions so far */
    bool abort_sent;
    bool timed_out;
    bool recover;             /* in flight at a reset: resubmit or fail */
    bool retry_wait;          /* a retry waiting out its Command Retry Delay (CRD) until
                               * submit_tsc (which a resubmission clears) */
    int8_t deferred_err;      /* failed by a reset on another CPU: the pair's own CPU
                               * completes it with this error (nvme_qpair.c, run_deferred) */
    uint32_t blocks;          /* of this child */
    uint64_t submit_tsc;      /* the deadline clock's start: the first watchdog pass that
                               * saw the command in flight (0: none yet; see reap); the
                               * deadline is submit_tsc + the queue's timeout (+ extra) */
    uint64_t extra_tsc;       /* more time granted (after an Abort) */
    uint64_t *prp_virt;       /* this tracker's PRP list pages (contiguous) */
    nvme_phys_t prp_phys;
    struct nvme_tracker *next_free;
};
_Static_assert(sizeof(struct nvme_tracker) == 128, "trackers are indexed on the I/O path");

/* One queue's doorbell: its MMIO register and, with shadow doorbells, its
 * slots in the two pages (shadow NULL: MMIO only; eventidx NULL: shadow
 * written, MMIO always - an INTx-driven CQ, whose line QEMU lowers only on
 * an MMIO head write). */
struct nvme_doorbell {
    uint32_t *mmio;
    uint32_t *shadow;
    uint32_t *eventidx;
    uint16_t told;    /* with shadow: the value last written to the shadow slot */
};

struct nvme_qpair_stats {
    uint64_t submitted;
    uint64_t completed;
    uint64_t doorbells_sq;
    uint64_t doorbells_cq;
    uint64_t retries;
    uint64_t timeouts;
    uint64_t aborts;
    uint64_t bogus;       /* completions that matched no command in flight */
    uint64_t polled_late; /* timeouts found completed by a last poll (missed interrupt) */
    uint64_t interrupts;
    uint64_t doorbell_tsc; /* with clocks on: TSC ticks spent writing this pair's doorbells */
    uint64_t irq_tsc;      /* with clocks on: TSC ticks in its interrupt handling */
    uint64_t doorbells_saved; /* updates the event index let us skip the MMIO write of */
    uint64_t irqs_elsewhere; /* interrupts handled on a CPU other than the pair's */
};

/*
 * A queue pair's lock (nvme_qpair_lock). Recursive for the CPU that holds
 * it: completion callbacks run under it and may submit on the same pair.
 * A pair the block layer gives to one CPU is taken only by that CPU on the
 * I/O path; another CPU takes it only to reset the controller, to check a
 * deadline or to poll it, so on the I/O path it is never contended and its
 * cache line stays with its CPU (Linux's per-queue sq_lock, the same idea).
 */
struct nvme_qlock {
    struct spinlock spin;      /* nvme_env_spin_lock: the kernel's, or the host test's */
    uint32_t holder;           /* CPU index + 1 of the holder, 0 when free */
    uint32_t depth;            /* takes by the holder not yet dropped */
};

struct nvme_qpair {
    struct nvme_ctrlr *ctrlr;
    uint16_t id;               /* 0: admin */
    uint16_t size;             /* entries in the SQ and in the CQ */
    bool irq;                  /* completions by interrupt */
    uint8_t lock_flags;        /* NVME_QLOCK_*: what nvme_qpair_lock does now */
    uint8_t lock_base;         /* ... outside a controller reset (which adds SPIN) */
    bool created;              /* exists on the device */
    uint16_t msix_index;       /* IV given at creation */

    struct nvme_sqe *sq;
    nvme_phys_t sq_phys;
    uint16_t sq_tail;          /* next slot we write */
    uint16_t sq_db_tail;       /* tail the device was last told */
    struct nvme_doorbell sq_db;

    struct nvme_cqe *cq;
    nvme_phys_t cq_phys;
    uint16_t cq_head;
    uint8_t phase;             /* expected phase tag: starts at 1 */
    struct nvme_doorbell cq_db;

    unsigned batch_depth;      /* >0: SQ doorbell deferred */
    bool clocks;               /* time doorbells and interrupt handling (benchmarks) */
    uint8_t db_mode;           /* NVME_DB_*: what a doorbell update does; 0: one MMIO write */
    uint32_t prp_lists;        /* PRP list pages per tracker */
    uint64_t timeout_tsc;      /* command deadline, TSC ticks (admin or I/O) */
    bool trace;                /* mirrors the controller's, one load on the I/O path */
    uint64_t trace_saved;      /* the trace's copy of stats.doorbells_saved */
    struct nvme_tracker *trackers;
    uint16_t ntrackers;
    struct nvme_tracker *free_trackers;
    struct nvme_request *requests;
    struct nvme_request *free_requests;
    uint32_t outstanding;      /* trackers active */
    uint64_t next_timeout_check;

    struct nvme_qpair_stats stats;
    struct nvme_qpair *next;   /* controller's list of I/O pairs */
    struct nvme_fault *fault;  /* the controller's armed fault plan, or NULL (nvme_fault.h) */
    /* Fixed at creation (quirks, nvme_quirks.h): one load each on the I/O path. */
    uint8_t sqe_shift;         /* log2 of an SQ slot: 6, or 7 (Apple's 128-byte I/O SQEs) */
    uint8_t gen_mask;          /* CID generation bits in use: NVME_CID_GEN_MASK, or 0 */
    uint16_t cid_base;         /* first tracker's CID index (CIDs unique across queues) */
    bool orphaned;             /* not re-created after a reset granted fewer pairs */
    uint16_t deferred;         /* trackers whose deferred_err waits for this pair's CPU */

    /* SMP (nvme_percpu.c): the lock, and the CPU the pair's interrupt goes to. */
    struct nvme_qlock lock;
    uint16_t cpu;              /* index of the CPU its vector is routed to */
    uint16_t cpu_users;        /* block layer: CPUs submitting on it (>1: shared) */
    bool caller_masks;         /* nvme_qpair_set_caller_masks_irq */
    bool single_cpu;           /* several CPUs exist, only CPU cpu uses it, and its
                                * interrupt is there: no lock; other CPUs may not reap it */
};

struct nvme_ns {
    struct nvme_ctrlr *ctrlr;
    uint32_t nsid;
    struct nvme_id_ns *id;     /* Identify Namespace (DMA page, kept) */
    uint64_t nsze;
    uint32_t block_size;
    uint32_t md_size;
    bool extended_lba;         /* FLBAS bit 4: metadata at the end of each block */
    uint8_t lbaf;              /* index of the format in use */
    uint8_t pi_type;           /* DPS bits 2:0 */
    uint32_t max_blocks;       /* per command */
    uint32_t xfer_block;       /* bytes per block in the data buffer (+ metadata if extended) */
    uint32_t max_request_blocks; /* largest request whose byte count fits in 32 bits */
    const char *unusable;      /* why the block layer does not publish it, or NULL */
    bool removed;              /* gone in a rescan; kept on c->ns_removed, fails with ENODEV */
    struct nvme_ns *next;
    uint32_t plain_max_blocks; /* max_blocks for a plain buffer; 0 when the format needs a
                                * separate metadata buffer (never MPTR=0) */
    bool md_refused_reported;
};

enum nvme_irq_mode { NVME_IRQ_NONE, NVME_IRQ_INTX, NVME_IRQ_MSIX, NVME_IRQ_MSI };

enum nvme_ctrlr_state {
    NVME_STATE_INIT,
    NVME_STATE_READY,
    NVME_STATE_RESETTING,
    NVME_STATE_FAILED, /* gone or dead: everything fails with -ENODEV */
};

struct nvme_vector;

struct nvme_ctrlr {
    char name[16];             /* "nvme0" */
    unsigned index;
    enum nvme_ctrlr_state state;
    const char *failure;       /* why FAILED */

    /* Registers */
    const struct nvme_reg_ops *ops;
    uint8_t *regs;             /* mapped BAR0 */
    uint64_t regs_size;
    void *platform;            /* the PCI device, or the test's model */
    uint64_t cap;
    uint32_t vs;
    uint32_t dstrd;            /* CAP.DSTRD */
    uint32_t page_size;        /* CC.MPS bytes */
    uint32_t mps;
    uint64_t ready_timeout_ns; /* from CAP.TO (and CRTO) */
    bool trace;

    /* Identify */
    struct nvme_id_ctrl *id;   /* DMA page, kept */
    nvme_phys_t id_phys;
    uint32_t max_xfer;         /* bytes per command */
    uint32_t prp_list_pages;   /* per tracker */
    uint32_t nn;
    struct nvme_ns *namespaces;

    /* Queues */
    struct nvme_qpair admin;
    struct nvme_qpair *io_qpairs;
    struct nvme_qpair *block_qp_irq;  /* the block layer's pairs (may be the same) */
    struct nvme_qpair *block_qp_poll;
    uint16_t max_io_qpairs;    /* granted */
    uint16_t io_queue_size_max;/* CAP.MQES + 1, clamped */
    uint8_t qid_used[(NVME_MAX_IO_QPAIRS + 1 + 7) / 8];

    /* Interrupts */
    enum nvme_irq_mode irq_mode;
    unsigned msix_vectors;     /* table entries available */
    uint8_t *msix_table;
    struct nvme_vector *vectors;
    int intx_vector;
    uint32_t intx_gsi;
    int msi_vector;            /* plain MSI: its one kernel vector */

    /* Policy */
    uint64_t admin_timeout_ns;
    uint64_t io_timeout_ns;
    uint64_t admin_timeout_tsc; /* the same, in TSC ticks, for the I/O path */
    uint64_t io_timeout_tsc;
    unsigned max_retries;
    unsigned aer_outstanding;
    unsigned aer_limit;
    uint64_t resets;
    uint32_t last_aer_dw0;
    uint64_t aer_events;

    struct nvme_ctrlr *next;
    struct nvme_fault *fault;  /* armed fault plan ("nvme fault"), or NULL */

    /* Capture (nvme_capture.c): on, and the current section's count and CRC. */
    bool capture;
    uint32_t capture_lines;
    uint32_t capture_crc;

    /* Shadow doorbells (nvme_dbbuf.c) */
    bool dbbuf_off;            /* nvme.dbbuf=0: never configured */
    uint32_t *dbbuf_shadow;    /* this enable's Shadow Doorbell page, or NULL */
    uint32_t *dbbuf_eventidx;  /* and its EventIdx page */
    uint32_t *dbbuf_retired[2];/* an earlier enable's, until the controller is disabled */
    uint64_t dbbuf_configs;    /* Doorbell Buffer Config commands accepted */
    /* Quirks (nvme_quirks.c) and limits derived at init (nvme_limits.c) */
    uint32_t quirks;           /* NVME_QUIRK_* bits in effect */
    uint16_t pci_vendor, pci_device; /* what the quirk table matched on (0: unknown) */
    uint32_t pci_class;        /* class << 16 | subclass << 8 | prog-if */
    const char *quirk_override; /* the nvme.quirks= boot option, or NULL */
    uint16_t max_cmds;         /* Identify MAXCMD, 0: not reported (the queue size limits) */
    uint8_t iosqes;            /* CC.IOSQES in use: 6, or 7 with NVME_QUIRK_128_BYTES_SQES */
    /* Namespace rescans (nvme_ns.c), HMB (nvme_hmb.c), power (nvme_power.c),
     * what firmware left (for "nvme doctor") - issue 9 */
    struct nvme_ns *ns_removed;     /* removed by a rescan, kept for their block devices */
    uint8_t aer_log_lid;            /* the log page the last event pointed at */
    bool ns_rescan_pending;         /* a Namespace Attribute Changed event waits for a rescan */
    bool in_events;                 /* nvme_ctrlr_process_events is running */
    uint64_t ns_rescans;
    uint32_t inherited_cc, inherited_csts; /* as found at attach, before any write */
    uint16_t inherited_pci_command; /* the function's PCI Command register as found */
    uint8_t inherited_bridges_off;  /* bridges above it found without memory/bus mastering */
    bool ns_list_fallback;          /* the Active Namespace ID list was refused or junk */
    struct nvme_hmb *hmb;           /* NULL: none asked for, or none given */
    struct nvme_hmb_info hmb_info;  /* what was asked for and given */
    struct nvme_power_info power;   /* APST and power state, as read at init */
    bool apst_off;                  /* nvme.apst=off: disable APST */
    /* Per-CPU queue pairs (nvme_percpu.c): the block layer's pair for CPU i,
     * interrupt-driven ([0]) and polled ([1]); CPUs share pairs (i % n) when
     * fewer are granted. NULL beyond cpu_count. */
    struct nvme_qpair *cpu_qp[2][NVME_MAX_CPUS];
    unsigned cpu_count;        /* CPUs the tables cover */
    unsigned cpu_pairs[2];     /* distinct pairs in each table */
    struct spinlock config_lock; /* QIDs and the list of pairs */
};

/* ---- nvme_qpair.c: rings, trackers, completions ---- */
int nvme_qpair_init(struct nvme_qpair *qp, struct nvme_ctrlr *c, uint16_t id, uint16_t size,
                    bool irq);
void nvme_qpair_destroy(struct nvme_qpair *qp);
/* Empties the rings (after a controller reset; trackers keep their state). */
void nvme_qpair_reset_rings(struct nvme_qpair *qp);
/*
 * A command given whole (admin, flush, DSM, raw passthrough) with buf/len as
 * its data (or none); no_timeout for Asynchronous Event Requests. Takes the
 * pair's lock. 0, -EAGAIN (no free request or tracker), -ENODEV, -EINVAL.
 */
int nvme_qpair_submit_cmd(struct nvme_qpair *qp, const struct nvme_sqe *cmd, void *buf,
                          uint32_t len, bool no_timeout, nvme_cmd_cb cb, void *cb_arg);
/* Reaps completions; check_timeouts: also look for commands past their deadline. */
int32_t nvme_qpair_reap(struct nvme_qpair *qp, uint32_t max, bool check_timeouts);
/* The pair's share of an interrupt: count it, reap (timed when clocks are on). */
void nvme_qpair_interrupt(struct nvme_qpair *qp);
void nvme_qpair_ring_sq(struct nvme_qpair *qp);

/* At a reset: note the commands in flight, which the device is about to forget. */
void nvme_qpair_mark_for_recovery(struct nvme_qpair *qp);
/* After it: resubmit or fail (fail_all: with err) each marked command. */
void nvme_qpair_recover_outstanding(struct nvme_qpair *qp, bool fail_all, int err);
/* Handles one completion entry now, as a reap would (a delayed one the
 * fault plan held back: nvme_fault.c). Takes the pair's lock. */
void nvme_qpair_handle_cqe_now(struct nvme_qpair *qp, const struct nvme_cqe *cqe);
/* Completes a request's outstanding tracker with a made-up status. */
void nvme_tracker_fail(struct nvme_qpair *qp, struct nvme_tracker *tr, uint16_t status, int err);

/* ---- nvme_ctrlr.c ---- */
int nvme_ctrlr_init(struct nvme_ctrlr *c);
void nvme_ctrlr_shutdown(struct nvme_ctrlr *c);
/* A command is past its deadline: poll, abort, reset (see nvme_qpair.c). */
void nvme_ctrlr_handle_timeout(struct nvme_ctrlr *c, struct nvme_qpair *qp,
                               struct nvme_tracker *tr);
/* The same for the command whose CID the watchdog saw expire: nothing is done
 * if tr has completed or now carries another command (another CID). */
void nvme_ctrlr_handle_timeout_cid(struct nvme_ctrlr *c, struct nvme_qpair *qp,
                                   struct nvme_tracker *tr, uint16_t cid);
void nvme_ctrlr_fail(struct nvme_ctrlr *c, const char *why);
/* The init sequence's table (nvme_ctrlr.c): every step, or (reset) those
 * a controller reset repeats; a failure undoes the steps done unless reset. */
int nvme_ctrlr_run_steps(struct nvme_ctrlr *c, bool reset);
/* The teaching trace on or off, for the controller and all its queue pairs. */
void nvme_ctrlr_set_trace(struct nvme_ctrlr *c, bool on);
/* Per-command deadlines (nvme.admin_timeout_ms / nvme.io_timeout_ms, "nvme timeout"). */
void nvme_ctrlr_set_timeout(struct nvme_ctrlr *c, bool admin, uint64_t ns);
bool nvme_ctrlr_alive(struct nvme_ctrlr *c);

/* ---- nvme_admin.c ---- */
uint16_t nvme_alloc_qid(struct nvme_ctrlr *c);
void nvme_free_qid(struct nvme_ctrlr *c, uint16_t qid);
/* One-line report of a failed admin command ("what failed: status errno"); returns cpl->err. */
int nvme_admin_failed(struct nvme_ctrlr *c, const char *what, const struct nvme_cpl *cpl);
/* Creates qp's CQ, then its SQ, on the device; deletes them (SQ first). */
int nvme_create_io_queues_on_device(struct nvme_ctrlr *c, struct nvme_qpair *qp);
void nvme_delete_io_queues_on_device(struct nvme_ctrlr *c, struct nvme_qpair *qp);
/* Asks for the next asynchronous event (one Asynchronous Event Request). */
void nvme_aer_submit(struct nvme_ctrlr *c);

/* ---- nvme_ns.c ---- */
int nvme_ns_identify_all(struct nvme_ctrlr *c);
void nvme_ns_free_all(struct nvme_ctrlr *c);
/* Re-reads the namespace list after a Namespace Attribute Changed event:
 * adds, removes (to c->ns_removed) and refreshes, telling the block adapter. */
int nvme_ns_rescan(struct nvme_ctrlr *c);

/* ---- nvme_hmb.c: Host Memory Buffer [NVMe Base 2.0 §5.27.1.10, §8.9] ---- */
int nvme_hmb_setup(struct nvme_ctrlr *c);      /* init step; after a reset: MR=1 */
void nvme_hmb_teardown(struct nvme_ctrlr *c);  /* the step's undo: disable, free */
/* Set Features 0Dh EHM=0 while the controller still takes admin commands:
 * before shutdown and before a controller reset. */
void nvme_hmb_disable(struct nvme_ctrlr *c, const char *why);

/* ---- nvme_power.c: APST (FID 0Ch) and Power Management (FID 02h) ---- */
int nvme_power_setup(struct nvme_ctrlr *c);    /* init step */

/* ---- nvme_trace.c ---- */
void nvme_trace_reg(struct nvme_ctrlr *c, bool write, uint32_t off, uint64_t value, bool wide);
void nvme_trace_poll(struct nvme_ctrlr *c, uint32_t off, uint32_t value, unsigned reads,
                     uint64_t ns, const char *until);
void nvme_trace_sqe(struct nvme_qpair *qp, const struct nvme_sqe *sqe);
void nvme_trace_cqe(struct nvme_qpair *qp, const struct nvme_cqe *cqe);
/* After a doorbell update (nvme_dbbuf.h): the MMIO write, or the shadow slot
 * alone when the update was one of the saved ones. */
void nvme_trace_doorbell(struct nvme_qpair *qp, bool sq, uint32_t value);
const char *nvme_reg_name(uint32_t off);

/* ---- environment (nvme_pci.c in the kernel, the model in host tests) ---- */
/* Before init step "step" (its index in the table) runs: 0, or an error that
 * fails the step without running it. The kernel's says 0; the host tests
 * fail each step in turn with it, and fault injection can hook in here. */
int nvme_env_before_step(struct nvme_ctrlr *c, unsigned step);
/* Makes the registers reachable (c->regs, c->regs_size) and the device able
 * to decode and master; the undo leaves it unable to master (no DMA). */
int nvme_env_map_registers(struct nvme_ctrlr *c);
void nvme_env_unmap_registers(struct nvme_ctrlr *c);
/* Chooses and programs MSI-X, INTx or nothing; sets c->irq_mode. Runs before
 * CC.EN=1: QEMU only delivers MSI-X for CQs created while MSI-X is enabled. */
int nvme_env_interrupts_setup(struct nvme_ctrlr *c);
/* Undoes it: every vector and line unrouted and masked, c->irq_mode NONE. */
void nvme_env_interrupts_teardown(struct nvme_ctrlr *c);
/* Before a controller reset: restore what the transport needs (PCI memory
 * space and bus mastering: a controller that lost them raises CFS). */
void nvme_env_before_reset(struct nvme_ctrlr *c);
/* Picks the MSI-X entry (IV) for a new interrupt-driven CQ and routes it. */
int nvme_env_interrupt_bind(struct nvme_ctrlr *c, struct nvme_qpair *qp);
void nvme_env_interrupt_unbind(struct nvme_ctrlr *c, struct nvme_qpair *qp);
/* Is qp's interrupt (if it has one) its own, delivered to qp->cpu only?
 * (MSI-X with an entry of its own; polled pairs have none: true.) */
bool nvme_env_interrupt_private(struct nvme_ctrlr *c, struct nvme_qpair *qp);
/* Aims qp's interrupt at qp->cpu again (after a controller reset). */
void nvme_env_interrupt_route(struct nvme_ctrlr *c, struct nvme_qpair *qp);
/* Waits a little for the device; in the kernel a pause, in tests a model step. */
void nvme_env_relax(struct nvme_ctrlr *c);
/* Physical address of a kernel virtual buffer address. */
nvme_phys_t nvme_env_virt_to_phys(const void *p);
bool nvme_env_irq_save(void);
void nvme_env_irq_restore(bool was_enabled);
/* Zeroed, page-aligned, physically contiguous memory for the device. */
void *nvme_env_dma_alloc(size_t size, nvme_phys_t *phys);
void nvme_env_dma_free(void *p, size_t size);
/* The same, aligned to align (a power of two >= 4096: the controller's page
 * size for queues and PRP lists, CC.MPS); freed with nvme_env_dma_free. */
void *nvme_env_dma_alloc_aligned(size_t size, size_t align, nvme_phys_t *phys);
/* Clears the function's Bus Master Enable (PCI Command bit 2): after it the
 * device cannot reach memory. Recovery calls it before handing back the
 * buffers of commands a controller that never confirmed stopping still had. */
void nvme_env_stop_dma(struct nvme_ctrlr *c);

/* SMP: this CPU's index (0 .. count-1), how many CPUs there are, the APIC
 * ID of CPU i (for MSI-X destinations), and a spinlock; the host tests' model
 * has one CPU and a plain atomic lock. */
unsigned nvme_env_cpu_index(void);
unsigned nvme_env_cpu_count(void);
void nvme_env_spin_lock(struct spinlock *l);
void nvme_env_spin_unlock(struct spinlock *l);

/* ---- nvme_percpu.c: queue pairs per CPU ---- */
/* Returns once every other online CPU has taken an interrupt since the
 * call, so none is inside a critical section begun before it (host: none). */
void nvme_env_sync_cpus(void);
/* Recursive take and drop of a pair's lock (struct nvme_qlock). */
void nvme_qlock_take(struct nvme_qlock *l);
void nvme_qlock_drop(struct nvme_qlock *l);
/* Creates the block layer's per-CPU pairs (step "create I/O queues"). */
int nvme_percpu_create(struct nvme_ctrlr *c);
/* Around a controller reset: every pair locks on every CPU meanwhile. */
void nvme_percpu_reset_begin(struct nvme_ctrlr *c);
void nvme_percpu_reset_end(struct nvme_ctrlr *c);
/* After a reset that orphaned pairs: the tables share out the pairs left. */
void nvme_percpu_remap(struct nvme_ctrlr *c);
/* Forgets them (the pairs themselves are freed with the controller's list). */
void nvme_percpu_clear(struct nvme_ctrlr *c);
/* One line per CPU: which pairs it submits on ("nvme queues"). */
void nvme_percpu_print(struct nvme_ctrlr *c);

/*
 * What a pair's critical sections take (qp->lock_flags):
 *   IRQ   interrupts off on this CPU: the pair's interrupt handler may run
 *         here (interrupt-driven pairs, unless the caller keeps them off
 *         itself), or several CPUs exist and a reset on another one must be
 *         able to tell when this CPU is outside every critical section
 *         (nvme_env_sync_cpus: it waits for an interrupt here);
 *   SPIN  the pair's lock: pairs that several CPUs use (the admin pair,
 *         pairs CPUs share, pairs whose interrupt is another CPU's), and
 *         every pair while a reset runs.
 * A pair used by one CPU, with its interrupt on that CPU, takes no lock at
 * all; with one CPU a polled pair takes nothing. Interrupts go off first:
 * a handler can then never spin on a lock its own CPU holds.
 */
#define NVME_QLOCK_IRQ 1u
#define NVME_QLOCK_SPIN 2u
/* What nvme_qpair_lock did, for nvme_qpair_unlock (bits 0: nothing). A
 * struct, so that code written for the old "bool irq_was_on" fails to
 * compile instead of dropping the lock's bits. */
struct nvme_qtoken {
    unsigned bits;
};
#define NVME_QTOKEN_IRQ_WAS_ON 1u
#define NVME_QTOKEN_IRQ 2u
#define NVME_QTOKEN_SPIN 4u

struct nvme_qtoken nvme_qpair_lock_slow(struct nvme_qpair *qp, unsigned flags);
void nvme_qpair_unlock_slow(struct nvme_qpair *qp, struct nvme_qtoken token);

static inline struct nvme_qtoken nvme_qpair_lock(struct nvme_qpair *qp)
{
    unsigned f = __atomic_load_n(&qp->lock_flags, __ATOMIC_RELAXED);
    return unlikely(f) ? nvme_qpair_lock_slow(qp, f) : (struct nvme_qtoken){ 0 };
}

/* Undoes what the lock did (the flags may have changed since: a reset). */
static inline void nvme_qpair_unlock(struct nvme_qpair *qp, struct nvme_qtoken token)
{
    if (unlikely(token.bits))
        nvme_qpair_unlock_slow(qp, token);
}

/* Works out the pair's lock_base from irq, caller_masks, single_cpu and the
 * number of CPUs, and makes it lock_flags unless a reset runs. */
void nvme_qpair_update_lock(struct nvme_qpair *qp);
/* qp->db_mode bits, recomputed by nvme_qpair_update_db_mode whenever the
 * shadow slots, clocks or the trace flag change: the I/O path tests one
 * byte for all three (nvme_dbbuf.h). */
enum {
    NVME_DB_SHADOW = 1 << 0, /* shadow slots (nvme_dbbuf_attach_qpair gives both doorbells them) */
    NVME_DB_CLOCKS = 1 << 1, /* qp->clocks */
    NVME_DB_TRACE = 1 << 2,  /* qp->trace */
};
void nvme_qpair_update_db_mode(struct nvme_qpair *qp);

static inline bool nvme_ctrlr_failed(const struct nvme_ctrlr *c)
{
    return c->state == NVME_STATE_FAILED;
}

/* ---- the submission path, inlined into the namespace commands ---- */

#define NVME_ALWAYS_INLINE inline __attribute__((always_inline))

/* What an LBA command carries besides one plain buffer: nothing (Write
 * Zeroes), a separate metadata buffer, or a scatter-gather list. */
struct nvme_lba_payload {
    enum nvme_payload kind;
    void *md_buf;
    nvme_req_reset_sgl_cb reset_sgl;
    nvme_req_next_sge_cb next_sge;
};

/* Every request starts here: the fields completion, retries, timeouts and
 * recovery read. Field by field: it runs once per I/O, and the struct is large. */
static NVME_ALWAYS_INLINE void nvme_request_init(struct nvme_request *req, nvme_cmd_cb cb,
                                                 void *cb_arg, bool lba_cmd, uint8_t payload)
{
    req->cb = cb;
    req->cb_arg = cb_arg;
    req->lba_cmd = lba_cmd;
    req->failed = false;
    req->no_timeout = false;
    req->payload = payload;
    req->blocks_left = 0;
    req->outstanding = 0;
    req->cpl.err = 0;
}

/* A tracker takes on its request's next command. */
static NVME_ALWAYS_INLINE void nvme_tracker_start(struct nvme_tracker *tr,
                                                  struct nvme_request *req)
{
    tr->req = req;
    tr->attempts = 0;
    tr->abort_sent = false;
    tr->timed_out = false;
}

/*
 * Puts the tracker's SQE at the tail with a fresh CID. The deadline clock
 * is not read here: the watchdog starts it at its first pass (reap), so no
 * TSC read is made per command.
 */
static NVME_ALWAYS_INLINE void nvme_sq_push(struct nvme_qpair *qp, struct nvme_tracker *tr)
{
    tr->sqe.cid = (uint16_t)(((unsigned)tr->gen << NVME_CID_INDEX_BITS) | tr->index);
    *(struct nvme_sqe *)((uint8_t *)qp->sq + ((size_t)qp->sq_tail << qp->sqe_shift)) = tr->sqe;
    if (++qp->sq_tail == qp->size)
        qp->sq_tail = 0;
    tr->active = true;
    tr->attempts++;
    tr->submit_tsc = 0;
    tr->extra_tsc = 0;
    qp->outstanding++;
    qp->stats.submitted++;
    if (unlikely(qp->trace))
        nvme_trace_sqe(qp, &tr->sqe);
    if (qp->batch_depth == 0)
        nvme_qpair_ring_sq(qp);
}

/* The general path of nvme_qpair_submit_lba (nvme_qpair.c): any size, any
 * payload; the lock is held. */
int nvme_qpair_submit_lba_general(struct nvme_qpair *qp, struct nvme_ns *ns, uint8_t opc,
                                  void *buf, uint64_t lba, uint32_t lba_count, uint32_t cdw12,
                                  nvme_cmd_cb cb, void *cb_arg, const struct nvme_lba_payload *x);

/*
 * The one entry for LBA commands (Read, Write, Write Zeroes), arguments
 * checked by nvme_ns_cmd.c - but for a plain buffer (x NULL) only that it is
 * not NULL: what the common case needs it checks by taking it, and the
 * general path checks the rest (count, size, alignment). x NULL may
 * take the common case, written out here and tried once: one command within
 * the transfer limit, the buffer on at most two memory pages (PRP1/PRP2, no
 * list), a free request and tracker, a live controller. It leaves the
 * request as the general path would after submitting its only command, so
 * completion, retries, timeouts and recovery treat both alike. Anything
 * else goes to the general path.
 */
static NVME_ALWAYS_INLINE int nvme_qpair_submit_lba_body(struct nvme_qpair *qp,
                                                         struct nvme_ns *ns, uint8_t opc,
                                                         void *buf, uint64_t lba,
                                                         uint32_t lba_count, uint32_t cdw12,
                                                         nvme_cmd_cb cb, void *cb_arg,
                                                         const struct nvme_lba_payload *x)
{
    struct nvme_request *req = qp->free_requests;
    struct nvme_tracker *tr = qp->free_trackers;
    nvme_phys_t prp1, prp2;
    if (x == NULL && likely(req != NULL && tr != NULL && lba_count - 1 < ns->plain_max_blocks &&
                            qp->ctrlr->state != NVME_STATE_FAILED) &&
        likely(nvme_prp_short(nvme_env_virt_to_phys(buf), (uint64_t)lba_count * ns->xfer_block,
                              qp->ctrlr->page_size, &prp1, &prp2))) {
        qp->free_requests = req->next_free;
        qp->free_trackers = tr->next_free;
        /* Only what completion, retries, timeouts and recovery read of a
         * request whose one command is in flight; the fields that describe
         * commands yet to be built (ns, buf, next_lba...) are the general path's. */
        nvme_request_init(req, cb, cb_arg, true, NVME_PAYLOAD_CONTIG);
        req->outstanding = 1;
        nvme_tracker_start(tr, req);
        tr->blocks = lba_count;
        nvme_cmd_rw(&tr->sqe, opc, ns->nsid, lba, lba_count, cdw12);
        tr->sqe.dptr.prp1 = prp1;
        tr->sqe.dptr.prp2 = prp2;
        nvme_sq_push(qp, tr);
        return 0;
    }
    return nvme_qpair_submit_lba_general(qp, ns, opc, buf, lba, lba_count, cdw12, cb, cb_arg, x);
}

/* The same inside the pair's lock (nvme_qpair.c): pairs that take one. */
int nvme_qpair_submit_lba_locked(struct nvme_qpair *qp, unsigned flags, struct nvme_ns *ns,
                                 uint8_t opc, void *buf, uint64_t lba, uint32_t lba_count,
                                 uint32_t cdw12, nvme_cmd_cb cb, void *cb_arg,
                                 const struct nvme_lba_payload *x);

/* A pair that takes no lock (one CPU, polled) runs the body inline; the
 * others call it inside the lock, so the lock-free path carries no token. */
static NVME_ALWAYS_INLINE int nvme_qpair_submit_lba(struct nvme_qpair *qp, struct nvme_ns *ns,
                                                    uint8_t opc, void *buf, uint64_t lba,
                                                    uint32_t lba_count, uint32_t cdw12,
                                                    nvme_cmd_cb cb, void *cb_arg,
                                                    const struct nvme_lba_payload *x)
{
    unsigned f = __atomic_load_n(&qp->lock_flags, __ATOMIC_RELAXED);
    if (unlikely(f))
        return nvme_qpair_submit_lba_locked(qp, f, ns, opc, buf, lba, lba_count, cdw12, cb,
                                            cb_arg, x);
    return nvme_qpair_submit_lba_body(qp, ns, opc, buf, lba, lba_count, cdw12, cb, cb_arg, x);
}

#endif
