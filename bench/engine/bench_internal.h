/*
 * bench/engine/bench_internal.h - the job state shared by the engine
 * (bench_engine.c) and the report (bench_report.c). Not for targets or the
 * embedding environment: they use bench.h.
 */
#ifndef NVOS_BENCH_ENGINE_BENCH_INTERNAL_H
#define NVOS_BENCH_ENGINE_BENCH_INTERNAL_H

#include "bench/engine/bench.h"

#define BENCH_MAX_QUEUES 64

/* bench_io.flags */
#define BENCH_IO_MEASURED (1u << 0) /* submitted after the ramp: counts in the statistics */
#define BENCH_IO_PREPARED (1u << 1) /* generated but not yet accepted (submit said -EAGAIN) */
#define BENCH_IO_STRICT (1u << 2)   /* verify read: the generation must match exactly */
#define BENCH_IO_CHECK (1u << 3)    /* verify read: check the data at all */

enum bench_phase { BENCH_PHASE_MAIN, BENCH_PHASE_VERIFY };

struct bench_queue {
    struct bench_io **idle;  /* free slots, nothing prepared (a stack of iodepth) */
    unsigned nidle;
    struct bench_io **retry; /* prepared I/Os the target refused (-EAGAIN): a FIFO ring */
    unsigned rhead, nretry;
    unsigned inflight;
    unsigned uncommitted;    /* accepted since the last commit */
};

struct bench_job {
    const struct bench_env *env;
    struct bench_target *t;
    struct bench_opts o;
    struct bench_clock clock;

    /* Shape, fixed at creation. */
    uint32_t block_size;
    uint32_t blocks_per_io;
    uint64_t win_lba;       /* first LBA of the window */
    uint64_t win_blocks;
    uint64_t units;         /* bs-sized units in the window */
    unsigned nqueues;
    unsigned iodepth;
    unsigned budget;        /* completions per poll */
    enum bench_mode mode;
    bool random, mixed, writes, verify;
    uint64_t read_threshold; /* mixed: read when a 32-bit random number is below this */

    /* I/O generator. */
    enum bench_phase phase;
    uint64_t pos;           /* next unit (sequential) or permutation index */
    uint64_t pass;
    uint64_t rng;           /* splitmix64 state */
    unsigned perm_bits;     /* random map: permutation over [0, 2^perm_bits) */
    uint64_t perm_mask, perm_key[4];

    /* Control, shared with completions (irq mode: touch with irqs off). */
    bool stopping;          /* issue no more I/O, not even refused ones */
    bool gen_done;          /* the phase has generated all its I/O */
    unsigned nretry;        /* refused I/Os waiting, all queues */
    bool ramping;
    enum bench_stop stop;
    uint64_t issue_limit;   /* I/Os to issue in this phase (measured ones) */
    uint64_t issued;
    unsigned inflight;
    uint64_t completions;   /* all, for progress and the hang check */
    uint64_t last_completion_tsc;
    uint64_t cb_ticks;      /* time inside bench_io_complete during the current poll */
    uint64_t cb_ticks_all;  /* ... over the whole job (mode=irq: all in interrupt context) */
    struct bench_target_clocks clocks0; /* the target's clocks when the job started */

    /* fsync=N: after N writes are issued no more I/O goes out; when all have
     * completed a Flush is issued on queue 0, and when it has completed the
     * engine prints what it made durable and goes on (fio's fsync=, as a
     * barrier). */
    struct bench_io *flush_io;  /* its own slot, outside the queues */
    uint32_t since_flush;       /* writes issued since the last Flush */
    bool flush_wanted;          /* a Flush is due: issue nothing else */
    bool flush_inflight;
    uint64_t writes_ok;         /* writes completed without error */
    uint64_t flush_covers;      /* writes_ok when the Flush in flight was issued */
    uint64_t flushes_printed;
    bool abandoned;

    /* Time, TSC ticks. */
    uint64_t job_start_tsc;
    uint64_t phase_start_tsc; /* measurement start of the current phase (after ramp) */
    uint64_t ramp_end_tsc;
    uint64_t runtime_end_tsc; /* UINT64_MAX when not time-limited */
    uint64_t next_check_tsc;
    uint64_t next_sample_tsc;
    uint64_t sample_ticks;
    uint64_t progress_ticks;
    uint64_t next_progress_tsc;
    uint64_t timeout_ticks;
    uint64_t idle_poll_ticks;   /* irq mode: poll the target after this long without a completion */
    uint64_t last_sample_tsc;
    uint64_t last_sample_ios[BENCH_DIRS], last_sample_bytes[BENCH_DIRS];
    uint64_t last_progress_tsc, last_progress_ios, last_progress_bytes;

    /* Slots and buffers. */
    unsigned nslots;
    size_t stride;
    char *slots;
    struct bench_queue queue[BENCH_MAX_QUEUES];
    struct bench_io **idle_mem;

    /* Verify. */
    uint64_t *written;      /* bit per unit: written successfully in this job */
    size_t written_words;
    uint64_t verify_cursor;
    struct bench_mismatch *mism;

    struct bench_result res;
};

/* bench_report.c */
void bench_report_header(const struct bench_job *job, unsigned index, unsigned njobs);
void bench_report_fio_document(const struct bench_job *const *jobs, unsigned n,
                               const struct bench_job *merged);

/* The group's total as one line: "BENCH_GROUP {...}" (IOPS and bandwidth as
 * fio's aggregate: all I/O over the longest copy's runtime). */
void bench_report_group_json(const struct bench_job *job, unsigned numjobs, unsigned ran,
                             const uint64_t *iops, const uint64_t *bw,
                             const struct bench_result *total);
/* Adds b's results into a (group_reporting). */
void bench_result_merge(struct bench_result *a, const struct bench_result *b);

/* bench_group.c: numjobs= (copies of one job at once, one per CPU). */
int bench_group_run(const struct bench_env *env, const struct bench_opts *o, unsigned index,
                    unsigned njobs);

#endif
