/*
 * tests/host/fake_block.h - an in-memory block device for host tests of the
 * benchmark engine (and anything else written against drivers/block).
 *
 * It implements struct block_device_ops: submit queues the request (up to
 * queue_depth, then -EAGAIN); data moves at completion time, as a real
 * device's DMA happens some time after submission, so a caller that reuses
 * a buffer too early is caught. Completions come from poll, or, for an
 * interrupt-driven fake, from fake_block_interrupt(), which the host
 * environment calls the way an interrupt would arrive.
 *
 * Time is a fake TSC (fake_tsc): calls cost configurable ticks, each request
 * is ready after a latency drawn from a model, and a poll that finds nothing
 * ready jumps to the next ready time (discrete-event style), so long runs
 * take no real time and results are exactly repeatable.
 *
 * Faults, for the engine's error and verify paths: failing status at given
 * LBAs, submissions rejected or refused with -EAGAIN, a hang (no further
 * completions), and data faults on writes: lost, misdirected, torn.
 */
#ifndef NVOS_TESTS_HOST_FAKE_BLOCK_H
#define NVOS_TESTS_HOST_FAKE_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/block/block.h"

/* The fake TSC, shared by every fake device and the host environment. */
extern uint64_t fake_tsc;

enum fake_order {
    FAKE_ORDER_READY,   /* the earliest-ready request first (ties: submission order) */
    FAKE_ORDER_FIFO,    /* strictly in submission order */
    FAKE_ORDER_SHUFFLE, /* any ready request, chosen at random */
};

enum fake_latency {
    FAKE_LAT_CONST,    /* lat_a */
    FAKE_LAT_UNIFORM,  /* lat_a .. lat_a + lat_b */
    FAKE_LAT_BIMODAL,  /* 90 %: around lat_a, 10 %: around lat_b (+-5 %) */
    FAKE_LAT_LONGTAIL, /* Pareto-like from lat_a, capped at lat_b */
};

struct fake_block_config {
    const char *name;
    uint32_t block_size;
    uint64_t block_count;
    uint32_t queue_depth;
    uint32_t max_transfer;
    bool interrupt_driven;
    bool fixed_mode;          /* no set_polled: completion mode cannot change */
    bool read_only;
    enum fake_order order;
    enum fake_latency latency;
    uint64_t lat_a, lat_b;    /* ticks */
    uint64_t submit_cost;     /* ticks per submit call */
    uint64_t poll_cost;       /* ticks per poll call */
    uint64_t complete_cost;   /* ticks per completion delivered */
    uint64_t idle_step;       /* ticks a fruitless poll advances when nothing is pending */
    bool report_complete_tsc; /* the host env's target stamps completions with the ready
                               * time (completing_tsc), as a device-side clock would */
    bool clocks;              /* keep interrupt and doorbell ticks; the host env's target
                               * offers them as bench_target_ops.clocks */
    uint64_t doorbell_cost;   /* ticks per submit spent "writing a doorbell" (with clocks) */
    uint64_t seed;
    void *backing;            /* optional storage (e.g. an mmap'ed file); else allocated */
};

/* One injected fault. */
enum fake_fault_kind {
    FAKE_FAULT_STATUS,     /* fail I/O covering lba: status -EIO, device_status given */
    FAKE_FAULT_REJECT,     /* submit of I/O covering lba returns -EINVAL */
    FAKE_FAULT_LOST_WRITE, /* write of lba completes OK but is not stored */
    FAKE_FAULT_MISDIRECT,  /* write of lba is stored at target_lba instead */
    FAKE_FAULT_TORN,       /* write of lba stores only the first half of the block */
};

struct fake_fault {
    enum fake_fault_kind kind;
    uint64_t lba;
    int op;                  /* BLOCK_OP_READ/WRITE, or -1 for both (STATUS, REJECT);
                                BLOCK_OP_FLUSH: every flush, whatever lba */
    uint32_t device_status;
    uint64_t target_lba;
};

#define FAKE_MAX_FAULTS 16

struct fake_req_slot {
    struct block_request *req;
    uint64_t ready_tsc;
    uint64_t seq;
    uint64_t submit_tsc;
};

struct fake_block {
    struct block_device dev;
    struct fake_block_config cfg;
    uint8_t *data;
    bool own_data;
    struct fake_req_slot *pending; /* queue_depth entries, unordered; req == NULL: free */
    unsigned inflight;
    uint64_t seq;
    uint64_t rng;
    struct fake_fault faults[FAKE_MAX_FAULTS];
    unsigned nfaults;
    uint64_t hang_after;     /* stop completing after this many completions (0: never) */
    unsigned eagain_every;   /* every Nth submit says -EAGAIN (0: never) */

    /* Observations for tests. */
    uint64_t submits, eagains, completions, polls, empty_polls, interrupts, mode_switches;
    uint64_t reads, writes, read_blocks, written_blocks;
    uint64_t flushes;               /* flush requests accepted */
    uint64_t flushes_with_inflight; /* ... while other requests were in flight */
    uint64_t writes_at_flush;       /* writes completed when the last flush was accepted */
    unsigned max_inflight;
    uint64_t polls_below_max;  /* polls entered with fewer than max_inflight in flight */
    uint32_t *read_count;      /* per block, when track_blocks */
    uint32_t *write_count;
    uint64_t *lat_log;         /* model latency of each completion, when log_latency > 0 */
    size_t lat_log_cap, lat_log_len;
    uint64_t *lba_log;         /* LBA of each accepted submit, when log_lbas > 0 */
    uint8_t *op_log;
    size_t lba_log_cap, lba_log_len;
    bool in_callback;          /* a completion callback is running */
    uint64_t completing_tsc;   /* ready time of the completion whose callback runs */
    uint64_t irq_ticks;        /* fake_tsc spent in fake_block_interrupt (clocks) */
    uint64_t doorbell_ticks;   /* doorbell_cost charged so far (clocks) */
};

/* Creates a device from cfg (defaults for zero fields: 512-byte blocks,
 * queue depth 64, constant 10000-tick latency, poll cost 10, idle step 10^6). */
struct fake_block *fake_block_create(const struct fake_block_config *cfg);
void fake_block_destroy(struct fake_block *fb);

/* Per-block read/write counters (read_count/write_count). */
void fake_block_track_blocks(struct fake_block *fb);
/* Records up to cap model latencies (lat_log). */
void fake_block_log_latency(struct fake_block *fb, size_t cap);
/* Records the LBA and op of up to cap accepted submissions (lba_log, op_log). */
void fake_block_log_lbas(struct fake_block *fb, size_t cap);
int fake_block_add_fault(struct fake_block *fb, const struct fake_fault *f);

/* Completes every ready request, as an interrupt handler would; returns how
 * many. If none is ready, first advances fake_tsc to the next ready time. */
unsigned fake_block_interrupt(struct fake_block *fb, bool wait_for_ready);
/* The earliest ready time of a pending request, or UINT64_MAX. */
uint64_t fake_block_next_ready(const struct fake_block *fb);

/* The block at lba (for inspecting or corrupting the store). */
uint8_t *fake_block_data(struct fake_block *fb, uint64_t lba);

#endif
