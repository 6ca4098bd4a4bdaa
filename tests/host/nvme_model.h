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
};

/* A model with QEMU-like defaults: CAP as QEMU 7.2's, one 64 MiB namespace
 * of 512-byte blocks at NSID 1, NN=256, MDTS=7. */
void model_init(struct nvme_model *m);
void model_add_ns(struct nvme_model *m, uint32_t nsid, uint64_t nsze, uint32_t lbads, uint16_t ms);
void model_free(struct nvme_model *m);

/* A driver controller bound to the model (not yet initialized). */
void model_attach(struct nvme_model *m, struct nvme_ctrlr *c);

/* Processes everything the doorbells announce; returns commands executed. */
unsigned model_step(struct nvme_model *m);
/* Posts held-back completions (after "reorder"). */
void model_flush_held(struct nvme_model *m);
/* Posts a completion the driver never asked for. */
void model_post_raw(struct nvme_model *m, uint16_t cqid, uint16_t sqid, uint16_t cid,
                    uint16_t status15);
/* The model behind a controller (tests only). */
struct nvme_model *model_of(struct nvme_ctrlr *c);

/* Allocations (kzalloc/kmalloc, DMA memory) the driver has not freed yet. */
extern long model_live_allocs;

/* Quiet driver output (kprintf) unless NVOS_TEST_VERBOSE is set. */
extern bool model_quiet;
/* SMP as the driver sees it (nvme_env_cpu_count/index): 1 CPU, index 0. */
extern unsigned nvme_model_cpus, nvme_model_cpu;

#endif
