/*
 * bench/engine/bench.h - the storage benchmark engine: fio's options and output,
 * SPDK perf's closed loop, as a library that runs in the kernel ("bench"
 * shell command) and on the host (tests/host, against a fake device).
 *
 * The engine keeps iodepth I/Os in flight on each queue: it submits the first
 * iodepth as one batch, and each completion callback submits the next I/O
 * (SPDK perf's submit_single_io from io_complete). Submissions are committed
 * to the target once per batch, so a target can ring one doorbell for many
 * commands. Latency is read from the calibrated TSC around the target's
 * submit call and at completion, converted to ns by a multiply and a shift,
 * and counted in fio's log-linear histogram (bench_hist.h).
 *
 * The library owns no memory and calls nothing outside lib/ and the block
 * API: the embedding environment (struct bench_env) supplies time, memory,
 * output, waiting for interrupts, device lookup and the write-safety policy.
 * I/O goes through a target (struct bench_target): the generic block layer
 * (bench_block.h) is one; a direct NVMe queue-pair target is another, added
 * without changing the engine. The syntax of the command line is in
 * bench/README.md and bench_usage().
 *
 * Rules:
 *   - nothing is allocated, printed or divided per I/O;
 *   - completion callbacks may run in interrupt context (mode=irq): the main
 *     loop touches state shared with them only between env->irq_save and
 *     env->irq_restore (the kernel has one CPU: that is a critical section);
 *   - a job never waits forever: with I/Os outstanding and no completion for
 *     io_timeout, it gives up, reports -ETIMEDOUT and abandons (leaks) its
 *     buffers and requests, since the device may still write into them.
 */
#ifndef NVOS_BENCH_ENGINE_BENCH_H
#define NVOS_BENCH_ENGINE_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/engine/bench_hist.h"
#include "bench/engine/bench_math.h"
#include "bench/engine/bench_verify.h"
#include "lib/printf.h"

#define BENCH_NAME_MAX 32
#define BENCH_JOBS_MAX 32
#define BENCH_PERCENTILES_MAX 20 /* fio's limit for percentile_list */
#define BENCH_ERRORS_KEPT 8      /* failed I/Os described in full */
#define BENCH_GENS_KEPT 8        /* distinct verify generations counted */
#define BENCH_NUMJOBS_MAX 64     /* numjobs= (SMP_MAX_CPUS) */

/* ------------------------------------------------------------------------ */
/* Options: one job's settings (bench/engine/bench_opts.c parses them). */

enum bench_rw {
    BENCH_RW_READ,      /* sequential */
    BENCH_RW_WRITE,
    BENCH_RW_RANDREAD,
    BENCH_RW_RANDWRITE,
    BENCH_RW_RW,        /* sequential, mixed by rwmixread */
    BENCH_RW_RANDRW,
};

enum bench_mode {
    BENCH_MODE_DEFAULT, /* whatever the target does by default */
    BENCH_MODE_POLL,    /* the engine calls target->poll in a loop */
    BENCH_MODE_IRQ,     /* completions arrive from an interrupt handler; the engine halts */
};

/* continue_on_error= classes (fio's names). */
#define BENCH_COE_READ (1u << 0)
#define BENCH_COE_WRITE (1u << 1)

struct bench_opts {
    char name[BENCH_NAME_MAX];   /* name= (jobname) */
    char dev[BENCH_NAME_MAX];    /* dev= (device name for env->open_target) */
    char target[16];             /* target= kind, "block" by default */
    enum bench_rw rw;            /* rw= */
    uint32_t rwmixread;          /* percent of reads in rw/randrw */
    uint64_t bs;                 /* bytes per I/O */
    uint32_t iodepth;            /* I/Os in flight per queue */
    uint32_t queues;             /* queue pairs used */
    enum bench_mode mode;
    uint64_t runtime_ns;         /* 0: not time-limited */
    uint64_t ramp_ns;            /* warm-up not counted in the statistics */
    uint64_t ios;                /* 0: not count-limited */
    uint64_t offset;             /* bytes from the device start (or percent, below) */
    uint64_t size;               /* bytes; 0: to the end of the device */
    bool offset_pct, size_pct;   /* offset/size are percentages of the device */
    uint64_t seed;
    bool norandommap;            /* random I/O with replacement instead of a permutation */
    bool verify;
    bool do_verify;              /* write/mixed jobs: read everything back afterwards */
    bool verify_fatal;           /* stop at the first mismatch */
    bool verify_gen_set;         /* verify_gen= given */
    uint32_t verify_gen;         /* generation written, and expected when given */
    uint32_t verify_print;       /* mismatches printed in full */
    unsigned continue_on_error;  /* BENCH_COE_* */
    bool force;                  /* write even where env->check_write_window refuses */
    uint64_t io_timeout_ns;      /* give up after this long without a completion */
    uint64_t progress_ns;        /* progress line period; 0: none */
    uint32_t batch_complete;     /* poll budget; 0: iodepth */
    unsigned npercentiles;
    uint32_t percentiles[BENCH_PERCENTILES_MAX]; /* percent x 10^6, ascending */
    bool json_bins;              /* histogram buckets in the JSON (fio json+ "bins") */
    uint8_t output_format;       /* BENCH_OUTPUT_*: also print fio's JSON document */
    uint32_t fsync;              /* fsync=N: a Flush after every N writes (0: none) */
    uint32_t numjobs;            /* copies run at once, copy i on CPU i (fio's numjobs=) */
    bool group_reporting;        /* numjobs: one merged report entry (fio's group_reporting) */
    /* Set by the engine for copy slice_index of slice_count of a write job:
     * it writes only its own 1/slice_count of the window. */
    uint32_t slice_index, slice_count;
};

/* output-format=: the summary and BENCH_JSON always; json and json+ add one
 * document in fio's --output-format=json / json+ layout between the lines
 * BENCH_FIO_JSON_BEGIN and BENCH_FIO_JSON_END (json+: with clat_ns bins). */
enum { BENCH_OUTPUT_NORMAL, BENCH_OUTPUT_JSON, BENCH_OUTPUT_JSONPLUS };

struct bench_plan {
    unsigned njobs;
    struct bench_opts job[BENCH_JOBS_MAX];
};

void bench_opts_default(struct bench_opts *o);
/* Sets one option; on error fills err ("bs=3k: ...") and returns -EINVAL/-ERANGE. */
int bench_opts_set(struct bench_opts *o, const char *key, const char *value, char *err,
                   size_t err_size);
/*
 * Parses "key=value" words into jobs: "name=" starts a job; options before
 * the first "name=" apply to every job (fio's global section); without any
 * "name=" the options form one job named "bench".
 */
int bench_parse(int argc, char *const *argv, struct bench_plan *plan, char *err,
                size_t err_size);
const char *bench_rw_name(enum bench_rw rw);
const char *bench_mode_name(enum bench_mode m);
/* The help text (option list), one option per line. */
const char *bench_usage(void);

/* ------------------------------------------------------------------------ */
/* Targets: what the engine submits I/O to. */

/* BENCH_OP_FLUSH (fsync=N) reaches only targets with can_flush: lba, count
 * and buf are 0; the device makes every write completed before it durable. */
enum bench_op { BENCH_OP_READ = 0, BENCH_OP_WRITE = 1, BENCH_OP_FLUSH = 2 };

struct bench_job;

/*
 * One I/O slot. The engine fills op..buf before target->submit; the target
 * keeps whatever it needs in bench_io_priv(io) (target->io_priv_size bytes,
 * 16-byte aligned) and reports the result with bench_io_complete().
 */
struct bench_io {
    uint8_t op;           /* enum bench_op */
    uint8_t flags;        /* the engine's */
    uint16_t queue;       /* queue index the I/O was submitted on */
    uint32_t count;       /* logical blocks */
    uint64_t lba;
    void *buf;            /* count * block_size bytes, 4 KiB aligned */
    /* The engine's bookkeeping. */
    struct bench_job *job;
    uint64_t unit;        /* bs-sized unit of the window */
    uint64_t submit_tsc;
};

#define BENCH_IO_PRIV_OFFSET ((sizeof(struct bench_io) + 15) & ~(size_t)15)

static inline void *bench_io_priv(struct bench_io *io)
{
    return (char *)io + BENCH_IO_PRIV_OFFSET;
}

/*
 * Called by the target exactly once per accepted I/O, from within
 * target->poll (mode=poll) or from its interrupt handler (mode=irq).
 * status is 0 or -errno; device_status the driver's detail (NVMe SCT/SC),
 * 0 if none; complete_tsc when the driver saw the completion, or 0 to let the
 * engine read the TSC. It may submit the slot's next I/O before returning.
 */
void bench_io_complete(struct bench_io *io, int status, uint32_t device_status,
                       uint64_t complete_tsc);

struct bench_target;

/* Cumulative TSC ticks, from any fixed origin (see bench_target_ops.clocks). */
struct bench_target_clocks {
    bool irq_valid;          /* irq_ticks is counted */
    bool doorbell_valid;     /* doorbell_ticks is counted */
    uint64_t irq_ticks;      /* in the target's interrupt handlers, callbacks included */
    uint64_t doorbell_ticks; /* in doorbell register writes (submission and completion) */
};

struct bench_target_ops {
    /*
     * Optional: prepare queues [0, nqueues) for iodepth I/Os each in mode
     * (POLL or IRQ, never DEFAULT). Returns 0 or -errno.
     */
    int (*start)(struct bench_target *t, unsigned nqueues, unsigned iodepth,
                 enum bench_mode mode);
    /* Optional: undo start, at the end of every job that started - also one
     * abandoned with I/Os in flight (bench_job_abandoned): then nothing the
     * device may still write to may be freed. */
    void (*stop)(struct bench_target *t);
    /*
     * Queues io on queue q. 0: accepted, bench_io_complete will follow;
     * -EAGAIN: full, retried after completions; another -errno: rejected,
     * no completion will follow. The target may defer telling the device
     * (doorbell) until commit.
     */
    int (*submit)(struct bench_target *t, unsigned q, struct bench_io *io);
    /* Optional: make everything submitted on q since the last commit visible
     * to the device (one doorbell write per batch). NULL: submit does it. */
    void (*commit)(struct bench_target *t, unsigned q);
    /* Mode poll: reap up to budget completions of q, calling
     * bench_io_complete for each; returns how many. */
    unsigned (*poll)(struct bench_target *t, unsigned q, unsigned budget);
    /* Optional: "Unrecovered Read Error (sct=0x2 sc=0x81 dnr=0)" for a failed
     * io, called from within its completion (before it is resubmitted). */
    void (*describe_status)(struct bench_target *t, struct bench_io *io, uint32_t device_status,
                            char *buf, size_t size);
    /*
     * Optional: the target's own clocks (struct bench_target_clocks), read at
     * the start and the end of a job. They give the completion side of the
     * driver's cost in mode=irq, where completions run in an interrupt
     * handler the engine does not call, and they separate the time spent
     * writing doorbell registers: under an emulator the device's work runs
     * inside those writes, so it is not the driver's software cost.
     */
    void (*clocks)(struct bench_target *t, struct bench_target_clocks *c);
};

#define BENCH_MODE_BIT(m) (1u << (m))

struct bench_target {
    const struct bench_target_ops *ops;
    void *ctx;                  /* the target's */
    char kind[16];              /* "block", "nvme" */
    char name[BENCH_NAME_MAX];  /* device name in reports */
    uint32_t block_size;        /* bytes per logical block */
    uint64_t block_count;
    uint32_t max_transfer;      /* blocks per device command (MDTS); informational */
    uint32_t queue_depth;       /* per queue: in flight before submit says -EAGAIN */
    unsigned nqueues;           /* queues available */
    unsigned modes;             /* BENCH_MODE_BIT(POLL) | BENCH_MODE_BIT(IRQ) supported */
    enum bench_mode default_mode;
    bool read_only;
    bool can_flush;             /* submit takes BENCH_OP_FLUSH (fsync=N) */
    size_t io_priv_size;        /* bytes of bench_io_priv() per I/O */
    uintptr_t priv[4];          /* the target's own small state */
};

/* ------------------------------------------------------------------------ */
/* The environment: what the embedding kernel or host program provides. */

struct bench_env {
    void *ctx;                   /* passed back to every hook */
    uint64_t tsc_hz;             /* calibrated TSC frequency */
    /* A monotonic, invariant TSC read; callable from interrupt context. */
    uint64_t (*now_tsc)(void *ctx);
    /*
     * Memory for job state (dma false) and I/O buffers (dma true: reachable
     * by the device, align is 4096). Need not be zeroed; NULL when out of
     * memory. Never called per I/O.
     */
    void *(*alloc)(void *ctx, size_t size, size_t align, bool dma);
    void (*free)(void *ctx, void *p, size_t size, bool dma);
    /* Output (kprintf's sink on the kernel): pieces, not NUL-terminated. */
    fmt_sink_fn print;
    /*
     * Mode irq only (NULL otherwise). irq_save disables interrupts and returns
     * the previous state; irq_restore puts it back. poll_idle is called with
     * interrupts disabled (after irq_save) when there is nothing to do but
     * wait: it must enable interrupts and halt atomically (x86 "sti; hlt")
     * and return after an interrupt has been handled, and at the latest after
     * about 10 ms (a timer), so that deadlines and progress still work.
     */
    unsigned long (*irq_save)(void *ctx);
    void (*irq_restore)(void *ctx, unsigned long flags);
    void (*poll_idle)(void *ctx);
    /*
     * May a write job write blocks [lba, lba + count) of t? 0 if yes; else a
     * negative errno (-EPERM) and a reason in why, e.g. "partition 2 holds a
     * FAT32 file system". The job refuses unless force=1. NULL: always yes.
     */
    int (*check_write_window)(void *ctx, const struct bench_target *t, uint64_t lba,
                              uint64_t count, char *why, size_t why_size);
    /*
     * Finds the device opts->dev and fills *t for target kind opts->target
     * (kernel: block_find + bench_block_target_init for "block"). Returns 0,
     * -ENODEV (no such device) or -EOPNOTSUPP (no such target kind).
     */
    int (*open_target)(void *ctx, const struct bench_opts *opts, struct bench_target *t);
    void (*close_target)(void *ctx, struct bench_target *t); /* optional */
    /* Optional: true to stop the running job early (e.g. Ctrl-C on the console). */
    bool (*interrupted)(void *ctx);
    /*
     * Optional (numjobs > 1): runs fn(arg, i) for i in [0, n) at once, i on
     * CPU i (0 on the calling CPU), and returns when all have returned: 0,
     * -ERANGE when fewer than n CPUs are online, or another -errno when a
     * CPU could not be started (fn then never ran for it: *started tells
     * which did, bit i). Each fn gets its own copy of the environment, whose
     * hooks are called on its CPU; interrupted is called only on CPU 0.
     */
    int (*run_on_cpus)(void *ctx, unsigned n, void (*fn)(void *arg, unsigned i), void *arg,
                       uint64_t *started);
    /* Optional: how many CPUs run_on_cpus can use (for the error message). */
    unsigned (*cpu_count)(void *ctx);
};

/* ------------------------------------------------------------------------ */
/* Results. */

enum bench_dir { BENCH_DIR_READ = 0, BENCH_DIR_WRITE = 1, BENCH_DIRS = 2 };

struct bench_dir_stats {
    uint64_t ios;                 /* completed without error, after the ramp */
    uint64_t bytes;
    uint64_t errors;              /* failed I/Os (all, including the ramp) */
    uint64_t runtime_ticks;       /* time this direction was being measured */
    struct bench_lat clat;        /* ns, submit call to completion */
    struct bench_lat slat;        /* ns, inside the target's submit call */
    struct bench_lat iops_samples; /* per progress interval */
    struct bench_lat bw_samples;   /* KiB/s per progress interval */
    uint64_t hist[BENCH_HIST_NR];  /* clat */
};

struct bench_error {
    uint8_t op;
    uint64_t lba;
    uint32_t count;
    int status;
    uint32_t device_status;
    char desc[80];
};

struct bench_mismatch {
    uint64_t lba;
    uint8_t cls;            /* enum bench_verify_class */
    bool any_gen;           /* the check accepted any generation */
    uint32_t expect_gen;
    struct bench_verify_found found;
};

struct bench_verify_stats {
    uint32_t gen;                 /* generation written / expected */
    uint64_t blocks_checked;
    uint64_t blocks_ok;
    uint64_t mismatches;
    uint64_t by_class[BENCH_VERIFY_NCLASSES];
    uint64_t skipped;             /* mixed jobs: read before this job wrote it */
    uint64_t write_failed;        /* blocks whose write failed: not checked */
    unsigned ngens;               /* distinct generations seen, up to BENCH_GENS_KEPT */
    uint32_t gen_value[BENCH_GENS_KEPT];
    uint64_t gen_blocks[BENCH_GENS_KEPT];
    uint64_t gen_other_blocks;    /* blocks of further generations */
    unsigned nkept;               /* mismatches kept in full (<= verify_print) */
};

enum bench_stop {
    BENCH_STOP_DONE,        /* ran to the end (ios, runtime or one pass) */
    BENCH_STOP_ERROR,       /* an I/O failed, continue_on_error did not cover it */
    BENCH_STOP_VERIFY,      /* verify_fatal and a mismatch */
    BENCH_STOP_TIMEOUT,     /* no completion for io_timeout */
    BENCH_STOP_INTERRUPTED, /* env->interrupted */
};

struct bench_result {
    int status;                   /* 0, -EIO, -EBADMSG (verify), -ETIMEDOUT, ... */
    enum bench_stop stop;
    enum bench_mode mode;         /* as run */
    uint64_t elapsed_ticks;       /* whole job, ramp and verify pass included */
    struct bench_dir_stats dir[BENCH_DIRS];
    /* Driver (target) time, TSC ticks, measured around target calls. */
    uint64_t drv_submit_ticks;    /* submit + commit calls */
    uint64_t drv_complete_ticks;  /* non-empty poll calls minus our callbacks */
    uint64_t drv_ios;             /* completions those ticks are spread over */
    bool drv_complete_measured;   /* drv_complete_ticks covers the completion side */
    bool drv_doorbell_measured;   /* the target counts its doorbell writes */
    uint64_t drv_doorbell_ticks;  /* part of the driver's ticks spent writing doorbells */
    uint64_t submits, commits;    /* batching: submits per commit */
    uint64_t polls, empty_polls, reaped; /* completions per non-empty poll */
    uint64_t empty_poll_ticks;    /* time in polls that found nothing: waiting */
    unsigned in_flight_at_timeout;
    uint64_t errors;
    uint64_t flushes;             /* fsync=N: Flushes completed without error */
    uint64_t durable_writes;      /* writes completed before the last of them was issued */
    unsigned nerrors_kept;
    struct bench_error err[BENCH_ERRORS_KEPT];
    struct bench_verify_stats verify;
};

/* ------------------------------------------------------------------------ */
/* Running jobs. */

/*
 * Checks opts against t and env (window, bs, iodepth, queues, mode, write
 * safety) and allocates the job. On failure returns NULL, *err the errno and
 * why the reason. t must stay valid until bench_job_destroy.
 */
struct bench_job *bench_job_create(const struct bench_env *env, struct bench_target *t,
                                   const struct bench_opts *opts, int *err, char *why,
                                   size_t why_size);
/* Runs the job to its end; returns result->status. */
int bench_job_run(struct bench_job *job);
const struct bench_result *bench_job_result(const struct bench_job *job);
/* Prints the human summary and the BENCH_JSON line. */
void bench_job_report(const struct bench_job *job);
/* Frees the job, unless it was abandoned after a timeout (then leaks it). */
void bench_job_destroy(struct bench_job *job);
/* Whether the job was abandoned (device may still own its buffers). */
bool bench_job_abandoned(const struct bench_job *job);

/*
 * The "bench" command: parses argv (options only, without the command
 * name), runs every job one after another on targets from env->open_target,
 * prints each job's report. Problems are printed as "bench: ..." lines.
 * Returns 0 if every job ran without error and verify mismatch, else the
 * first failure's -errno (-EINVAL for a bad command line).
 */
int bench_command(const struct bench_env *env, int argc, char *const *argv);

/* printf to env->print. */
int bench_printf(const struct bench_env *env, const char *fmt, ...) PRINTF_LIKE(2, 3);

#endif
