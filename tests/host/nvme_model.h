/*
 * tests/host/nvme_model.h - an in-memory NVMe controller for the host tests.
 *
 * It plays the device's side of the same driver code the kernel runs:
 * registers through the driver's register-ops seam (CC/CSTS state machine,
 * AQA/ASQ/ACQ), doorbells in a memory "BAR", queues in host memory (a
 * "physical address" here is the host pointer), commands executed when the
 * model is stepped (the driver's relax hook steps it while it waits; tests
 * step it explicitly), PRPs walked as the spec says, completions posted with
 * the phase tag. Faults can be injected: errors per LBA, dropped or reordered
 * completions, bogus completions, CFS, slow readiness, missing features.
 */
#ifndef NVOS_TESTS_NVME_MODEL_H
#define NVOS_TESTS_NVME_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/nvme/nvme_internal.h"

#define MODEL_MAX_QUEUES 16
#define MODEL_MAX_NS 8

struct model_queue {
    bool exists;
    uint64_t base;
    uint32_t size;
    uint32_t head, tail; /* SQ: head = next to fetch; CQ: tail = next to post */
    uint16_t cqid;       /* SQs: their CQ */
    uint8_t phase;       /* CQs: phase of the next entry posted */
    bool ien;
    uint16_t iv;
    bool shadow;         /* created with shadow doorbells on: tail/head from the shadow page */
    bool active;         /* SQ with shadow: still fetching (re-reads the shadow tail) */
};

struct model_pending { /* a completion held back (reorder / drop) */
    uint16_t cqid;
    struct nvme_cqe cqe;
};

struct model_ns {
    bool active;
    uint64_t nsze;
    uint32_t lbads;   /* log2 block size */
    uint16_t ms;      /* metadata bytes per block (separate buffer) */
    uint8_t *data;
    uint8_t *md;
};

struct nvme_model {
    /* Configuration (set before init) */
    uint64_t cap;
    uint32_t vs;
    uint8_t mdts;
    uint32_t nn;
    bool no_active_list;      /* CNS 02h refused (a 1.0 controller) */
    bool refuse_num_queues;   /* Set Features 07h fails */
    uint16_t grant_queues;    /* NSQA/NCQA + 1 */
    unsigned ready_delay;     /* steps before RDY follows EN */
    bool never_ready;
    bool gone;                /* registers read all ones */
    bool start_enabled;       /* as firmware leaves it */
    bool start_transitioning; /* EN=1, RDY=0 at start */

    /* Injection */
    uint64_t error_lba;       /* I/O touching it fails with error_status */
    uint16_t error_status;    /* SCT:SC | DNR (15-bit, QEMU's encoding) */
    int error_count;          /* times left (-1: always) */
    int drop_next_io;         /* completions of I/O commands to swallow */
    bool reorder;             /* post I/O completions in reverse order per step */
    bool fatal_on_next_doorbell;
    unsigned fail_step;       /* 1-based index of an init step to fail before it runs; 0: none */

    /* State */
    uint8_t bar[0x4000];
    uint32_t cc, csts, aqa;
    uint64_t asq, acq;
    unsigned ready_countdown;
    struct model_queue sq[MODEL_MAX_QUEUES], cq[MODEL_MAX_QUEUES];
    struct model_ns ns[MODEL_MAX_NS + 1];
    struct model_pending held[64];
    unsigned nheld;
    unsigned aer_outstanding;
    uint16_t aer_cid;

    /* Counters and a log of what the driver did, for assertions */
    unsigned resets, enables, shutdowns;
    unsigned admin_cmds, io_cmds, aborts;
    unsigned cc_writes;
    uint32_t first_cc_write;
    bool aqa_written_while_enabled;
    unsigned bad_doorbells;
    bool mapped;              /* the driver has the registers mapped */
    int irq_routed;           /* interrupt setups not yet torn down */
    char last_error[160];

    /* Shadow doorbells (Doorbell Buffer Config 7Ch, NVMe 1.4 §5.8), as QEMU
     * 7.2 does them for I/O queues: a shadowed SQ is fetched after an MMIO
     * write (its register is reset to MODEL_DB_IDLE to see the next one) and
     * while it is still active, the tail re-read from the shadow page after
     * each command and the EventIdx written with the tail seen; a CQ's
     * EventIdx gets the head seen before the shadow head is read. At CC.EN=0
     * the pages are retired: filled with MODEL_DB_POISON and checked when
     * the driver frees them. */
    bool no_dbbuf;            /* OACS bit 8 clear; the opcode is refused */
    bool refuse_dbbuf;        /* OACS bit 8 set, the command fails (Invalid Field) */
    unsigned dbbuf_burst;     /* commands fetched per shadowed SQ per step (0: all) */
    uint64_t dbbuf_dbs, dbbuf_eis; /* this enable's pages, 0: none */
    uint32_t dbbuf_page_size; /* their size (CC.MPS at the command) */
    unsigned dbbuf_cmds;      /* commands received */
    unsigned dbbuf_configs;   /* commands accepted */
    unsigned mmio_doorbells;  /* MMIO doorbell writes seen on shadowed queues */
    unsigned dbbuf_stale_writes; /* retired pages found written when freed */
    unsigned dbbuf_freed_in_use; /* pages freed while the controller was enabled */
    unsigned dbbuf_admin_writes; /* the admin queue's shadow slots written by the host */
    /* ---- Failure shapes (issue 11; tests/host/test_nvme_faults.c) ---- */
    bool cfs_at_enable;       /* CSTS.CFS instead of RDY when enabled */
    unsigned allones_after_disable_ms; /* registers read all ones this long after EN 1 -> 0 */
    uint64_t allones_until_ns;
    bool abort_succeeds;      /* Abort of a command whose completion was dropped: aborted */
    bool post_after_abort;    /* ... or its completion posted late, before the Abort's */
    bool flip_phase_next_io;  /* the next I/O completion posted with a stale phase tag */
    bool sqhd_garbage;        /* every completion's SQ Head Pointer out of range */
    /* Edits Identify data before it is sent (hostile Identify); NULL: none. */
    void (*mangle_identify)(struct nvme_model *m, unsigned cns, uint32_t nsid, void *page);
    /* Called at each model_step, before anything else (a test's hook); NULL: none. */
    void (*on_model_step)(struct nvme_model *m);
    struct model_pending dropped[8]; /* I/O completions swallowed, for a later Abort */
    unsigned ndropped;
    /* A fault plan run on the device side (model_set_plan; nvme_fault.h) */
    bool plan_on;
    struct nvme_fault_sched plan;
    struct model_delayed {
        uint16_t cqid;
        uint64_t due_ns;
        struct nvme_cqe cqe;
    } plan_held[16];
    unsigned plan_nheld;
    /* ---- issue 9 (fixes9): real-drive behaviour; set before init unless noted ---- */
    bool bme;                 /* PCI Command.BME as the driver left it (map: on) */
    bool stuck_ready;         /* RDY never falls after CC.EN=0 (any time) */
    bool hold_aborts;         /* Abort commands never complete (any time) */
    uint16_t maxcmd;          /* Identify MAXCMD */
    uint32_t crto;            /* CRTO register (with CAP.CRMS.CRWMS) */
    uint16_t pci_vendor, pci_device; /* what model_attach gives the quirk table */
    uint32_t pci_class;
    const char *quirk_override; /* as the nvme.quirks= boot option */
    bool sqe128;              /* I/O SQEs are 128 bytes: CC.IOSQES must be 7 */
    bool shared_tags;         /* CIDs: admin < 32, I/O 32..depth-1, no generation bits */
    bool cns_binary;          /* CNS read as bit 0 only (CNS 02h answers as 00h) */
    uint32_t delay_chk_rdy_ms;/* CSTS read sooner than this after CC.EN=0 counts */
    bool write_zeroes_broken; /* Write Zeroes corrupts: counted in write_zeroes_cmds */
    /* Called before each init/reset step runs (as an interrupt could). */
    void (*on_step)(struct nvme_model *m, struct nvme_ctrlr *c, unsigned step, void *arg);
    void *on_step_arg;
    /* Observed */
    uint32_t aec_cdw11;       /* last Set Features 0Bh value */
    unsigned aec_sets;
    unsigned cid_violations;  /* shared_tags rules broken */
    unsigned early_csts_reads;/* CSTS reads within delay_chk_rdy_ms of CC.EN=0 */
    unsigned write_zeroes_cmds;
    unsigned misaligned;      /* queue bases or PRP entries not on a CC.MPS page */
    uint64_t disable_ns;      /* clock_ns() of the last CC.EN 1 -> 0 */
    /* ---- issue 9 (hmb9): namespaces, Host Memory Buffer, power ---- */
    uint32_t identify_fail_nsid;     /* Identify Namespace of this NSID fails (Internal Error) */
    const uint32_t *active_list;     /* CNS 02h returns these (a junk list), zero-filled; NULL:
                                      * the real one */
    unsigned active_list_len;
    uint32_t changed_ns[16];         /* log page 04h (Changed Namespace List), cleared on read */
    unsigned changed_ns_len;
    uint32_t hmpre, hmmin, hmminds;  /* Identify Controller, 4 KiB units (0: no HMB) */
    uint16_t hmmaxd;
    bool hmb_refuse;                 /* Set Features 0Dh EHM=1 fails (Internal Error) */
    bool apsta;                      /* APST supported (Identify APSTA bit 0) */
    uint8_t npss;                    /* Identify NPSS */
    bool apste;                      /* APST enabled (as firmware left it, then as set) */
    uint8_t apst_table[256];         /* the APST data structure */
    uint8_t ps;                      /* current power state (FID 02h) */
    /* HMB state and what the driver did with it */
    bool hmb_enabled;
    uint32_t hmb_size;               /* HSIZE, in CC.MPS pages */
    unsigned hmb_entries;
    struct { uint64_t addr; uint32_t pages; } hmb_desc[256];
    unsigned hmb_enables, hmb_mr_enables, hmb_disables;
    unsigned hmb_mr_bad;             /* MR=1 with another list or overwritten contents */
    unsigned hmb_bad_list;           /* descriptor lists refused */
    unsigned hmb_enabled_at_reset;   /* CC.EN 1->0 with the HMB still enabled */
    unsigned hmb_enabled_at_shutdown;/* CC.SHN with the HMB still enabled */
    unsigned apst_sets;
    char events[512];                /* H+ (enable), M+ (enable, MR=1), H- (disable), D (delete
                                      * SQ), R (CC.EN 1->0), S (CC.SHN), A+/A- (APSTE) */

    /* ---- issue 9 (profiles9): real-drive profiles (tests/host/test_nvme_profiles.c),
     * and the replayer (tests/host/nvme_replay.c). Knobs, set before model_attach: */
    unsigned allones_reads;   /* after each CC.EN 1->0: this many register reads return
                               * all ones before the registers come back (not "gone") */
    uint16_t grant_after_reset; /* Number of Queues granted from the second enable on (0: same) */
    bool hmb_required;        /* DRAM-less: I/O fails (Internal Error) while no HMB is enabled */
    unsigned irq_vectors;     /* 0: the platform gives no interrupts (polled); else vectors */
    enum { MODEL_IRQ_MSIX = 1, MODEL_IRQ_MSI, MODEL_IRQ_INTX } irq_kind;
    /* Something else plays the device (the replayer): the driver's waits
     * call this instead of stepping the model. */
    void (*relax_hook)(struct nvme_model *m);
    /* State and counters: */
    struct nvme_ctrlr *ctrlr; /* the driver controller attached (interrupt delivery) */
    unsigned allones_left;
    uint32_t irq_pending;     /* vectors asserted since the last delivery (bit per IV) */
    unsigned irqs_delivered;
    unsigned iv_violations;   /* CQs refused for an interrupt vector the function lacks */
    unsigned qsize_violations;/* queues refused for exceeding CAP.MQES */
    unsigned cns2_on_10;      /* CNS 02h sent to an NVMe 1.0 controller */
    unsigned stray_doorbells; /* doorbell-area words written outside the CAP.DSTRD grid */
    unsigned io_without_hmb;  /* I/O refused for want of an HMB (hmb_required) */
};

#define MODEL_DB_IDLE 0xFFFFFFFFu   /* a shadowed queue's register: no MMIO write since */
#define MODEL_DB_POISON 0xA5u       /* bytes of a retired shadow doorbell page */
#define MODEL_DB_ADMIN_MARK 0x5EC0DEu /* the admin queue's shadow slots: never written */

/* A model with QEMU-like defaults: CAP as QEMU 7.2's, one 64 MiB namespace
 * of 512-byte blocks at NSID 1, NN=256, MDTS=7. */
void model_init(struct nvme_model *m);
void model_add_ns(struct nvme_model *m, uint32_t nsid, uint64_t nsze, uint32_t lbads, uint16_t ms);
void model_free(struct nvme_model *m);

/* A driver controller bound to the model (not yet initialized). */
void model_attach(struct nvme_model *m, struct nvme_ctrlr *c);

/* Frees what the driver holds for c (HMB, queue pairs, namespaces, Identify
 * data) without talking to the device: the end of a test. */
void model_release_ctrlr(struct nvme_ctrlr *c);

/* Processes everything the doorbells announce; returns commands executed. */
unsigned model_step(struct nvme_model *m);
/* Posts held-back completions (after "reorder"). */
void model_flush_held(struct nvme_model *m);
/* Posts a completion the driver never asked for. */
void model_post_raw(struct nvme_model *m, uint16_t cqid, uint16_t sqid, uint16_t cid,
                    uint16_t status15);
/*
 * Runs a fault plan (the grammar of "nvme fault", nvme_fault.h) on the
 * device side: completions dropped, delayed or given another status before
 * they are posted, registers reading all ones in a window. maskirq rules
 * are refused: the model delivers no interrupts. 0, or the parser's error
 * (-EINVAL, -E2BIG; why says what), or -EOPNOTSUPP.
 */
int model_set_plan(struct nvme_model *m, const char *text, uint64_t seed, char *why,
                   size_t why_size);
/* Namespace Attribute Changed: sets the Changed Namespace List (log 04h) and
 * completes the outstanding Asynchronous Event Request, if any (returns
 * whether one was). */
bool model_ns_changed(struct nvme_model *m, const uint32_t *nsids, unsigned n);
/* Forgets a namespace (inactive from now on). */
void model_remove_ns(struct nvme_model *m, uint32_t nsid);

/* DMA memory limits for the HMB tests: one allocation larger than
 * model_dma_max_alloc fails, and so does any that would take the DMA bytes
 * live above model_dma_budget (0: no limit). */
extern size_t model_dma_max_alloc, model_dma_budget, model_dma_live;
/* Calls of the block adapter's nvme_bdev_ns_changed stand-in, by change. */
extern unsigned model_bdev_changes[3];

/* Delivers the interrupts the model raised since the last call, as the
 * kernel's handlers would (vector 0: admin CQ; MSI and INTx: every
 * interrupt-driven CQ). nvme_env_relax calls it after each step. */
void model_deliver_irqs(struct nvme_model *m);
/* Counts doorbell-area words written off the CAP.DSTRD grid (stray_doorbells). */
unsigned model_scan_doorbells(struct nvme_model *m);

/* The shadow slot (eventidx false) or EventIdx slot of SQ qid (cq false) or
 * CQ qid in this enable's pages (tests only). */
uint32_t *model_dbbuf_slot(struct nvme_model *m, unsigned qid, bool cq, bool eventidx);
/* Does this enable's shadow page hold queue qid's slots (else: MMIO)? */
bool model_dbbuf_covers(const struct nvme_model *m, unsigned qid);
/* Checks the admin slots are untouched (counts into dbbuf_admin_writes). */
void model_dbbuf_check(struct nvme_model *m);
/* nvme_model_dbbuf.c, for nvme_model.c: the command (status, 15-bit), an
 * MMIO write to a shadowed queue's register since the last look (counted),
 * the pages retired at CC.EN=0, one freed by the driver, a model gone. */
uint16_t model_dbbuf_config(struct nvme_model *m, uint64_t dbs, uint64_t eis, uint32_t page_size);
bool model_mmio_kick(struct nvme_model *m, unsigned qid, bool cq);
void model_dbbuf_reset(struct nvme_model *m, uint32_t page_size);
void model_dbbuf_freed(void *p);
void model_dbbuf_forget(struct nvme_model *m);
/* For a shadowed CQ: its head (event index first); for a shadowed SQ: is
 * it to be fetched (an MMIO write, or still active), and may the fetch go
 * on (event index written, tail re-read into *tail, the burst limit). */
uint32_t model_dbbuf_cq_head(struct nvme_model *m, unsigned cqid);
bool model_dbbuf_sq_kicked(struct nvme_model *m, unsigned qid);
bool model_dbbuf_sq_next(struct nvme_model *m, unsigned qid, uint32_t *tail, unsigned *fetched);
/* The model behind a controller (tests only). */
struct nvme_model *model_of(struct nvme_ctrlr *c);

/* Allocations (kzalloc/kmalloc, DMA memory) the driver has not freed yet. */
extern long model_live_allocs;

/* Quiet driver output (kprintf) unless NVOS_TEST_VERBOSE is set. */
extern bool model_quiet;
/* SMP as the driver sees it (nvme_env_cpu_count/index): 1 CPU, index 0. */
extern unsigned nvme_model_cpus, nvme_model_cpu;
/* Called by nvme_env_sync_cpus (the driver waiting for the other CPUs to
 * take an interrupt); NULL: nothing. */
extern void (*nvme_model_on_sync_cpus)(void);

#endif
