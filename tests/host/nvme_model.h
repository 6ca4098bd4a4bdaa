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

    /* ---- Real-drive profiles (tests/host/test_nvme_profiles.c) ----
     * Knobs (set before model_attach): */
    uint32_t crto;            /* CRTO register [NVMe 2.0 §3.1.3.21]; set CAP.CRMS with it */
    unsigned allones_reads;   /* after each CC.EN 1->0: this many register reads return
                               * all ones before the registers come back (not "gone") */
    bool sqe128;              /* Apple: I/O SQEs are fetched 128 bytes apart whatever
                               * CC.IOSQES says (Linux NVME_QUIRK_128_BYTES_SQES) */
    uint8_t id_sqes;          /* Identify SQES (0: 0x66); CC.IOSQES must be within it */
    uint32_t hmpre, hmmin;    /* Identify HMPRE/HMMIN, 4 KiB units; hmmin != 0: DRAM-less,
                               * I/O fails until a Host Memory Buffer >= HMMIN is enabled */
    uint16_t grant_after_reset; /* Number of Queues granted from the second enable on (0: same) */
    bool apst;                /* APSTA=1, 4 power states, APST (FID 0Ch) enabled by firmware */
    unsigned irq_vectors;     /* 0: the platform gives no interrupts (polled); else vectors */
    enum { MODEL_IRQ_MSIX = 1, MODEL_IRQ_MSI, MODEL_IRQ_INTX } irq_kind;
    /* State and counters: */
    struct nvme_ctrlr *ctrlr; /* the driver controller attached (interrupt delivery) */
    unsigned allones_left;
    uint32_t irq_pending;     /* vectors asserted since the last delivery (bit per IV) */
    unsigned irqs_delivered;
    unsigned mps_violations;  /* commands or enables refused for CC.MPS alignment */
    unsigned iv_violations;   /* CQs refused for an interrupt vector the function lacks */
    unsigned qsize_violations;/* queues refused for exceeding CAP.MQES */
    unsigned cns2_on_10;      /* CNS 02h sent to an NVMe 1.0 controller */
    unsigned stray_doorbells; /* doorbell-area words written outside the CAP.DSTRD grid */
    unsigned apst_gets, apst_sets;
    uint32_t apst_dw0;        /* current APST feature value (bit 0: APSTE) */
    uint8_t power_state;
    bool hmb_enabled;
    uint32_t hmb_size;        /* HSIZE, in CC.MPS pages */
    uint64_t hmb_list;        /* descriptor list address */
    uint32_t hmb_count;       /* descriptor entries */
    unsigned hmb_enables, hmb_disables, hmb_at_shutdown, hmb_at_reset, io_without_hmb;

    /* Something else plays the device (tests/host/nvme_replay.c): the
     * driver's waits call this instead of stepping the model. */
    void (*relax_hook)(struct nvme_model *m);
};

/* A model with QEMU-like defaults: CAP as QEMU 7.2's, one 64 MiB namespace
 * of 512-byte blocks at NSID 1, NN=256, MDTS=7. */
void model_init(struct nvme_model *m);
void model_add_ns(struct nvme_model *m, uint32_t nsid, uint64_t nsze, uint32_t lbads, uint16_t ms);
void model_free(struct nvme_model *m);

/* A driver controller bound to the model (not yet initialized). */
void model_attach(struct nvme_model *m, struct nvme_ctrlr *c);

/* Frees what the driver holds for c - queue pairs, namespaces, Identify
 * page - as a detach would (the driver has none: controllers live forever
 * in the kernel). The controller struct is the caller's. */
void model_release_ctrlr(struct nvme_ctrlr *c);

/* Processes everything the doorbells announce; returns commands executed. */
unsigned model_step(struct nvme_model *m);
/* Posts held-back completions (after "reorder"). */
void model_flush_held(struct nvme_model *m);
/* Posts a completion the driver never asked for. */
void model_post_raw(struct nvme_model *m, uint16_t cqid, uint16_t sqid, uint16_t cid,
                    uint16_t status15);
/* The model behind a controller (tests only). */
struct nvme_model *model_of(struct nvme_ctrlr *c);

/* Delivers the interrupts the model raised since the last call, as the
 * kernel's handlers would (vector 0: admin CQ; MSI and INTx: every
 * interrupt-driven CQ). nvme_env_relax calls it after each step. */
void model_deliver_irqs(struct nvme_model *m);
/* Counts doorbell-area words written off the CAP.DSTRD grid (stray_doorbells). */
unsigned model_scan_doorbells(struct nvme_model *m);
/* Memory page size the model runs with: CC.MPS. */
uint32_t model_page_size(const struct nvme_model *m);

/* Allocations (kzalloc/kmalloc, DMA memory) the driver has not freed yet. */
extern long model_live_allocs;

/* Quiet driver output (kprintf) unless NVOS_TEST_VERBOSE is set. */
extern bool model_quiet;

#endif
