/*
 * bench/engine/bench_engine.c - the closed loop: job set-up, I/O generation,
 * submission in batches, completion accounting, the poll and interrupt
 * main loops, ramp/runtime/progress/hang checks, and the verify pass.
 *
 * The model is SPDK perf's (app/spdk_nvme_perf/perf.c): submit iodepth I/Os,
 * then each completion submits one more, so the depth stays fixed; polls
 * reap completions in batches (t/io_uring's -c) and everything submitted
 * from one batch of callbacks is committed to the device at once (-s).
 *
 * Per completion the engine does: three TSC reads (entry, around the next
 * submit), one multiply-shift to ns, a bit scan for the histogram bucket,
 * additions and two compares; the next LBA costs a compare and a multiply
 * (sequential) or a small fixed permutation (random). No division, no
 * allocation, no output; the clock check in the main loop is one compare
 * against next_check_tsc.
 *
 * Driver time: every target->submit and ->commit call is timed; a
 * target->poll call that reaped something is timed minus the time spent in
 * our own callbacks inside it (which include the resubmit, timed on its
 * own). Polls that reaped nothing are waiting, counted apart. In irq mode the
 * completion path runs in the target's interrupt handler, out of our sight:
 * only the submit side is measured there.
 */
#include <string.h>

#include "bench/engine/bench_internal.h"
#include "lib/compiler.h"
#include "lib/errno.h"

#define CHECK_PERIOD_NS (100 * NSEC_PER_MSEC) /* interrupted/hang checks at least this often */
#define IDLE_POLL_NS (50 * NSEC_PER_MSEC)     /* irq mode: poll after this long without a completion */
#define BUF_ALIGN 4096

int bench_printf(const struct bench_env *env, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvformat(env->print, env->ctx, fmt, ap);
    va_end(ap);
    return n;
}

static inline uint64_t now(const struct bench_job *job)
{
    return job->env->now_tsc(job->env->ctx);
}

/* ---- random numbers and the random map ---- */

#define GOLDEN 0x9e3779b97f4a7c15ull

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* splitmix64: one add and a mix per number; plenty for choosing LBAs. */
static inline uint64_t bench_rand(struct bench_job *job)
{
    job->rng += GOLDEN;
    return mix64(job->rng);
}

static void perm_rekey(struct bench_job *job)
{
    for (unsigned i = 0; i < 4; i++)
        job->perm_key[i] = mix64(job->o.seed ^ (job->pass * GOLDEN) ^ ((uint64_t)i << 56) ^ 0x5bd1e995);
}

/*
 * A bijection of [0, 2^bits): add, multiply by an odd number, xor-shift
 * right, each invertible modulo 2^bits. Walking its cycle until the value
 * falls below units ("cycle walking") makes it a permutation of [0, units),
 * so one pass visits every unit exactly once (fio's random map, without the
 * map). Fewer than two steps are needed on average: units > 2^(bits-1).
 */
static inline uint64_t perm_step(const struct bench_job *job, uint64_t x)
{
    const uint64_t m = job->perm_mask;
    const unsigned s = (job->perm_bits + 1) / 2;
    x = (x + job->perm_key[0]) & m;
    x = (x * (job->perm_key[1] | 1)) & m;
    x ^= x >> s;
    x = (x * (job->perm_key[2] | 1)) & m;
    x ^= x >> s;
    return (x + job->perm_key[3]) & m;
}

static inline uint64_t perm(const struct bench_job *job, uint64_t i)
{
    uint64_t y = perm_step(job, i);
    while (y >= job->units)
        y = perm_step(job, y);
    return y;
}

/* ---- verify bookkeeping ---- */

static inline bool written_test(const struct bench_job *job, uint64_t unit)
{
    return (job->written[unit >> 6] >> (unit & 63)) & 1;
}

static bool next_written(struct bench_job *job, uint64_t *unit)
{
    while (job->verify_cursor < job->units) {
        size_t w = job->verify_cursor >> 6;
        uint64_t bits = job->written[w] >> (job->verify_cursor & 63);
        if (bits) {
            job->verify_cursor += (uint64_t)__builtin_ctzll(bits);
            *unit = job->verify_cursor++;
            return true;
        }
        job->verify_cursor = (uint64_t)(w + 1) << 6;
    }
    return false;
}

static void count_gen(struct bench_verify_stats *v, uint32_t gen)
{
    for (unsigned i = 0; i < v->ngens; i++)
        if (v->gen_value[i] == gen) {
            v->gen_blocks[i]++;
            return;
        }
    if (v->ngens < BENCH_GENS_KEPT) {
        v->gen_value[v->ngens] = gen;
        v->gen_blocks[v->ngens++] = 1;
    } else {
        v->gen_other_blocks++;
    }
}

static void verify_read(struct bench_job *job, struct bench_io *io)
{
    struct bench_verify_stats *v = &job->res.verify;
    const bool strict = io->flags & BENCH_IO_STRICT;
    const char *p = io->buf;
    for (uint32_t b = 0; b < io->count; b++, p += job->block_size) {
        struct bench_verify_found f;
        uint64_t lba = io->lba + b;
        enum bench_verify_class c = bench_check_block(p, job->block_size, lba, v->gen, !strict, &f);
        v->blocks_checked++;
        if (c == BENCH_VERIFY_OK || c == BENCH_VERIFY_MISPLACED || c == BENCH_VERIFY_STALE ||
            c == BENCH_VERIFY_NEWER)
            count_gen(v, f.gen);
        if (c == BENCH_VERIFY_OK) {
            v->blocks_ok++;
            continue;
        }
        v->mismatches++;
        v->by_class[c]++;
        if (v->nkept < job->o.verify_print) {
            struct bench_mismatch *m = &job->mism[v->nkept++];
            m->lba = lba;
            m->cls = (uint8_t)c;
            m->any_gen = !strict;
            m->expect_gen = v->gen;
            m->found = f;
        }
        if (job->o.verify_fatal && !job->stopping) {
            job->stopping = true;
            job->res.stop = BENCH_STOP_VERIFY;
        }
    }
}

/* ---- errors ---- */

static void record_error(struct bench_job *job, struct bench_io *io, int status,
                         uint32_t device_status, bool from_device)
{
    struct bench_result *r = &job->res;
    if (io->op < BENCH_DIRS)
        r->dir[io->op].errors++;
    r->errors++;
    if (r->nerrors_kept < BENCH_ERRORS_KEPT) {
        struct bench_error *e = &r->err[r->nerrors_kept++];
        e->op = io->op;
        e->lba = io->lba;
        e->count = io->count;
        e->status = status;
        e->device_status = device_status;
        e->desc[0] = '\0';
        if (from_device && job->t->ops->describe_status)
            job->t->ops->describe_status(job->t, io, device_status, e->desc, sizeof(e->desc));
        else if (!from_device)
            ksnprintf(e->desc, sizeof(e->desc), "rejected by the target at submission");
    }
    unsigned cls = io->op == BENCH_OP_READ ? BENCH_COE_READ : BENCH_COE_WRITE;
    if ((io->op == BENCH_OP_FLUSH || !(job->o.continue_on_error & cls)) && !job->stopping) {
        job->stopping = true;
        job->res.stop = BENCH_STOP_ERROR;
    }
}

/* ---- generating and submitting ---- */

/* Fills io with the next I/O of the current phase; false when there is none. */
static bool next_io(struct bench_job *job, struct bench_io *io)
{
    uint64_t unit;
    uint8_t op, flags = 0;

    if (job->phase == BENCH_PHASE_VERIFY) {
        if (!next_written(job, &unit))
            return false;
        op = BENCH_OP_READ;
        flags = BENCH_IO_CHECK | BENCH_IO_STRICT;
    } else {
        if (!job->random)
            unit = job->pos;
        else if (job->o.norandommap)
            unit = (uint64_t)(((bench_u128)bench_rand(job) * job->units) >> 64);
        else
            unit = perm(job, job->pos);
        if (unlikely(++job->pos == job->units)) {
            job->pos = 0;
            job->pass++;
            if (job->random && !job->o.norandommap)
                perm_rekey(job);
        }
        if (job->mixed)
            op = (bench_rand(job) >> 32) < job->read_threshold ? BENCH_OP_READ : BENCH_OP_WRITE;
        else
            op = job->writes ? BENCH_OP_WRITE : BENCH_OP_READ;
        if (job->verify && op == BENCH_OP_READ) {
            /* Strict when the generation is known: given, or written by us
             * before this read was issued (a write still in flight may or
             * may not be seen, so those reads are skipped). */
            if (job->o.verify_gen_set)
                flags = BENCH_IO_CHECK | BENCH_IO_STRICT;
            else if (!job->mixed)
                flags = BENCH_IO_CHECK;
            else if (written_test(job, unit))
                flags = BENCH_IO_CHECK | BENCH_IO_STRICT;
        }
    }
    io->op = op;
    io->unit = unit;
    io->lba = job->win_lba + unit * job->blocks_per_io;
    io->count = job->blocks_per_io;
    io->flags = flags | BENCH_IO_PREPARED | (job->ramping ? 0 : BENCH_IO_MEASURED);
    if (job->verify && op == BENCH_OP_WRITE) {
        char *p = io->buf;
        for (uint32_t b = 0; b < io->count; b++, p += job->block_size)
            bench_stamp_block(p, job->block_size, io->lba + b, job->res.verify.gen);
    }
    return true;
}

static inline void push_idle(struct bench_queue *q, struct bench_io *io)
{
    q->idle[q->nidle++] = io;
}

/* The retry ring holds at most iodepth slots; wrap without a division. */
static inline void push_retry(struct bench_job *job, struct bench_queue *q, struct bench_io *io)
{
    unsigned tail = q->rhead + q->nretry;
    if (tail >= job->iodepth)
        tail -= job->iodepth;
    q->retry[tail] = io;
    q->nretry++;
    job->nretry++;
}

static inline void pop_retry(struct bench_job *job, struct bench_queue *q)
{
    if (++q->rhead == job->iodepth)
        q->rhead = 0;
    q->nretry--;
    job->nretry--;
}

enum issue_result {
    BARRIER,  /* fsync: a Flush is due first; slot keeps what it has */
    ISSUED,   /* the target took it */
    NO_MORE,  /* the phase has nothing more to issue; slot free */
    REFUSED,  /* -EAGAIN: slot keeps its prepared I/O for a retry */
    REJECTED, /* another error, recorded; slot free */
};

/*
 * Generates (unless already prepared) and submits io on queue qi; *t_after
 * gets the TSC after the submit call. The caller puts the slot where the
 * result says it belongs.
 */
static enum issue_result issue(struct bench_job *job, unsigned qi, struct bench_io *io,
                               uint64_t *t_after)
{
    struct bench_queue *q = &job->queue[qi];
    struct bench_target *t = job->t;

    if (!(io->flags & BENCH_IO_PREPARED)) {
        /* fsync: nothing new until the Flush is done; refused I/Os, generated
         * before it was due, still go, so that the Flush covers a prefix of
         * the generated writes. */
        if (unlikely(job->flush_wanted)) {
            *t_after = now(job);
            return BARRIER;
        }
        bool measured = !job->ramping;
        if (job->gen_done || (measured && job->issued >= job->issue_limit) ||
            !next_io(job, io)) {
            job->gen_done = true;
            return NO_MORE;
        }
        job->issued += measured;
    }
    /* Counted in flight before the call, in case a completion outruns it. */
    q->inflight++;
    job->inflight++;
    uint64_t t0 = now(job);
    io->submit_tsc = t0;
    int rc = t->ops->submit(t, qi, io);
    uint64_t t1 = now(job);
    job->res.drv_submit_ticks += t1 - t0;
    *t_after = t1;
    if (likely(rc == 0)) {
        io->flags &= (uint8_t)~BENCH_IO_PREPARED;
        q->uncommitted++;
        job->res.submits++;
        if (unlikely(job->o.fsync) && io->op == BENCH_OP_WRITE &&
            ++job->since_flush >= job->o.fsync)
            job->flush_wanted = true;
        if (io->flags & BENCH_IO_MEASURED)
            bench_lat_add(&job->res.dir[io->op].slat, bench_ticks_to_ns(&job->clock, t1 - t0));
        return ISSUED;
    }
    q->inflight--;
    job->inflight--;
    if (rc == -EAGAIN)
        return REFUSED;
    record_error(job, io, rc, 0, false);
    io->flags &= (uint8_t)~BENCH_IO_PREPARED;
    return REJECTED;
}

static void commit(struct bench_job *job, unsigned qi)
{
    struct bench_target *t = job->t;
    if (t->ops->commit) {
        uint64_t t0 = now(job);
        t->ops->commit(t, qi);
        job->res.drv_submit_ticks += now(job) - t0;
    }
    job->res.commits++;
    job->queue[qi].uncommitted = 0;
}

/*
 * Submits what queue qi has waiting: refused I/Os first, in their order,
 * then new ones for the free slots, until the target is full or the phase
 * has nothing more.
 */
static void refill(struct bench_job *job, unsigned qi)
{
    struct bench_queue *q = &job->queue[qi];
    uint64_t t;
    while (q->nretry && !job->stopping) {
        struct bench_io *io = q->retry[q->rhead];
        enum issue_result r = issue(job, qi, io, &t);
        if (r == REFUSED)
            return;
        pop_retry(job, q);
        if (r != ISSUED)
            push_idle(q, io);
    }
    while (q->nidle && !job->stopping && !job->gen_done && !job->flush_wanted) {
        struct bench_io *io = q->idle[--q->nidle];
        enum issue_result r = issue(job, qi, io, &t);
        if (r == ISSUED)
            continue;
        if (r == REFUSED)
            push_retry(job, q, io);
        else
            push_idle(q, io);
        return; /* full, finished or failing: not again in this pass */
    }
}

static inline bool refill_wanted(const struct bench_job *job, const struct bench_queue *q)
{
    return !job->stopping && (q->nretry || (q->nidle && !job->gen_done && !job->flush_wanted));
}

/* fsync: the Flush's completion. What it covered is durable; I/O resumes. */
static void flush_complete(struct bench_job *job, struct bench_io *io, int status,
                           uint32_t device_status, uint64_t t_enter)
{
    job->queue[io->queue].inflight--;
    job->inflight--;
    job->completions++;
    job->last_completion_tsc = t_enter;
    job->flush_inflight = false;
    if (status) {
        record_error(job, io, status, device_status, true);
        job->flush_wanted = false;
        return;
    }
    job->res.flushes++;
    job->res.durable_writes = job->flush_covers;
    job->since_flush = 0;
    job->flush_wanted = false;
}

/*
 * fsync: issues the Flush once every write generated before it has been
 * issued and has completed
 * (called from the main loops; irq mode: with interrupts off). A job stopped
 * by an error, a timeout or Ctrl-C drops it; one that reached its end
 * (runtime, ios, one pass) still flushes.
 */
static void flush_step(struct bench_job *job)
{
    struct bench_io *io = job->flush_io;

    if (likely(!job->flush_wanted) || job->flush_inflight || job->inflight)
        return;
    if (job->stopping && job->res.stop != BENCH_STOP_DONE) {
        job->flush_wanted = false;
        return;
    }
    if (job->nretry && !job->stopping)
        return; /* refused writes go first (a stopping job never sends them) */
    io->op = BENCH_OP_FLUSH;
    io->flags = 0;
    io->lba = 0;
    io->count = 0;
    job->flush_covers = job->writes_ok;
    job->queue[0].inflight++;
    job->inflight++;
    job->flush_inflight = true;
    uint64_t t0 = now(job);
    io->submit_tsc = t0;
    int rc = job->t->ops->submit(job->t, 0, io);
    job->res.drv_submit_ticks += now(job) - t0;
    if (rc == 0) {
        job->queue[0].uncommitted++;
        return;
    }
    job->queue[0].inflight--;
    job->inflight--;
    job->flush_inflight = false;
    if (rc == -EAGAIN)
        return; /* again from the next pass of the loop */
    record_error(job, io, rc, 0, false);
    job->flush_wanted = false;
}

/* fsync: one line per completed Flush, from the main loop. */
static void flush_report(struct bench_job *job)
{
    if (likely(job->flushes_printed == job->res.flushes))
        return;
    job->flushes_printed = job->res.flushes;
    bench_printf(job->env, "bench: flush %llu done: %llu writes durable (gen %u)\n",
                 (unsigned long long)job->res.flushes,
                 (unsigned long long)job->res.durable_writes, job->res.verify.gen);
}

void bench_io_complete(struct bench_io *io, int status, uint32_t device_status,
                       uint64_t complete_tsc)
{
    struct bench_job *job = io->job;
    struct bench_queue *q = &job->queue[io->queue];
    uint64_t t_enter = now(job);

    if (unlikely(io->op == BENCH_OP_FLUSH)) {
        flush_complete(job, io, status, device_status, t_enter);
        return;
    }

    if (!complete_tsc)
        complete_tsc = t_enter;
    q->inflight--;
    job->inflight--;
    job->completions++;
    job->last_completion_tsc = t_enter;

    if (likely(status == 0)) {
        job->writes_ok += io->op == BENCH_OP_WRITE;
        if (likely(io->flags & BENCH_IO_MEASURED)) {
            struct bench_dir_stats *d = &job->res.dir[io->op];
            uint64_t ticks = complete_tsc > io->submit_tsc ? complete_tsc - io->submit_tsc : 0;
            uint64_t ns = bench_ticks_to_ns(&job->clock, ticks);
            d->ios++;
            d->bytes += job->o.bs;
            bench_lat_add(&d->clat, ns);
            d->hist[bench_hist_index(ns)]++;
        }
        if (job->verify) {
            if (io->op == BENCH_OP_WRITE)
                job->written[io->unit >> 6] |= 1ull << (io->unit & 63);
            else if (io->flags & BENCH_IO_CHECK)
                verify_read(job, io);
            else
                job->res.verify.skipped += io->count;
        }
    } else {
        if (job->verify && io->op == BENCH_OP_WRITE) {
            job->written[io->unit >> 6] &= ~(1ull << (io->unit & 63));
            job->res.verify.write_failed += io->count;
        }
        record_error(job, io, status, device_status, true);
    }

    /* The closed loop: this slot's next I/O goes out from here, unless
     * refused I/Os are waiting (they go first, from the main loop, so that
     * submission order stays generation order). */
    uint64_t t_exit;
    enum issue_result r = NO_MORE;
    if (likely(!job->stopping && q->nretry == 0))
        r = issue(job, io->queue, io, &t_exit);
    if (r == REFUSED)
        push_retry(job, q, io);
    else if (r != ISSUED)
        push_idle(q, io);
    if (r == NO_MORE)
        t_exit = now(job);
    job->cb_ticks += t_exit - t_enter;
    job->cb_ticks_all += t_exit - t_enter;
}

/* ---- time checks (ramp end, runtime end, samples, progress, hangs) ---- */

/* The phase is over when nothing is in flight and nothing more will be issued. */
static bool finished(const struct bench_job *job)
{
    return job->inflight == 0 && !job->flush_wanted &&
           (job->stopping || (job->gen_done && job->nretry == 0));
}

struct progress {
    bool due;
    uint64_t elapsed_ns;
    uint64_t iops;
    uint64_t mib_x10;
    const char *tag;
};

static bool dir_active(const struct bench_job *job, unsigned d)
{
    if (job->phase == BENCH_PHASE_VERIFY)
        return d == BENCH_DIR_READ;
    if (job->mixed)
        return true;
    return (d == BENCH_DIR_WRITE) == job->writes;
}

static void take_samples(struct bench_job *job, uint64_t t)
{
    uint64_t dt = t - job->last_sample_tsc;
    for (unsigned d = 0; d < BENCH_DIRS; d++) {
        struct bench_dir_stats *s = &job->res.dir[d];
        if (!job->ramping && dir_active(job, d) && dt) {
            uint64_t dios = s->ios - job->last_sample_ios[d];
            uint64_t dbytes = s->bytes - job->last_sample_bytes[d];
            bench_lat_add(&s->iops_samples, bench_muldiv(dios, job->clock.tsc_hz, dt));
            bench_lat_add(&s->bw_samples, bench_muldiv(dbytes, job->clock.tsc_hz, dt) / 1024);
        }
        job->last_sample_ios[d] = s->ios;
        job->last_sample_bytes[d] = s->bytes;
    }
    job->last_sample_tsc = t;
}

static void make_progress(struct bench_job *job, uint64_t t, struct progress *p)
{
    uint64_t dt = t - job->last_progress_tsc;
    uint64_t dios = job->completions - job->last_progress_ios;
    p->due = true;
    p->elapsed_ns = bench_ticks_to_ns(&job->clock, t - job->job_start_tsc);
    p->iops = bench_muldiv(dios, job->clock.tsc_hz, dt);
    p->mib_x10 = bench_muldiv(dios * job->o.bs, job->clock.tsc_hz * 10, dt) >> 20;
    p->tag = job->ramping ? " (ramp)" : job->phase == BENCH_PHASE_VERIFY ? " (verify)" : "";
    job->last_progress_tsc = t;
    job->last_progress_ios = job->completions;
}

static void start_measuring(struct bench_job *job, uint64_t t)
{
    job->ramping = false;
    job->phase_start_tsc = t;
    job->runtime_end_tsc = job->o.runtime_ns && job->phase == BENCH_PHASE_MAIN
                               ? t + bench_ns_to_ticks(&job->clock, job->o.runtime_ns)
                               : UINT64_MAX;
    job->last_sample_tsc = t;
    for (unsigned d = 0; d < BENCH_DIRS; d++) {
        job->last_sample_ios[d] = job->res.dir[d].ios;
        job->last_sample_bytes[d] = job->res.dir[d].bytes;
    }
}

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/*
 * Runs when the TSC passes next_check_tsc (irq mode: with interrupts off).
 * Returns true if the job must be abandoned (hang).
 */
static bool tick(struct bench_job *job, uint64_t t, struct progress *p)
{
    const struct bench_env *env = job->env;

    if (job->ramping && t >= job->ramp_end_tsc)
        start_measuring(job, t);
    if (!job->stopping && t >= job->runtime_end_tsc) {
        job->stopping = true;
        job->res.stop = BENCH_STOP_DONE;
    }
    if (env->interrupted && !job->stopping && env->interrupted(env->ctx)) {
        job->stopping = true;
        job->res.stop = BENCH_STOP_INTERRUPTED;
    }
    if (t >= job->next_sample_tsc) {
        take_samples(job, t);
        job->next_sample_tsc = t + job->sample_ticks;
    }
    if (job->progress_ticks && t >= job->next_progress_tsc) {
        make_progress(job, t, p);
        job->next_progress_tsc = t + job->progress_ticks;
    }

    /* Not finished: completions or the target's room are awaited. */
    bool waiting = !finished(job);
    if (waiting && t - job->last_completion_tsc >= job->timeout_ticks) {
        job->res.stop = BENCH_STOP_TIMEOUT;
        job->res.in_flight_at_timeout = job->inflight;
        job->abandoned = job->inflight > 0;
        job->stopping = true;
        return true;
    }

    uint64_t next = t + bench_ns_to_ticks(&job->clock, CHECK_PERIOD_NS);
    if (job->ramping)
        next = min_u64(next, job->ramp_end_tsc);
    if (!job->stopping)
        next = min_u64(next, job->runtime_end_tsc);
    next = min_u64(next, job->next_sample_tsc);
    if (job->progress_ticks)
        next = min_u64(next, job->next_progress_tsc);
    if (waiting)
        next = min_u64(next, job->last_completion_tsc + job->timeout_ticks);
    job->next_check_tsc = next;
    return false;
}

static void print_progress(const struct bench_job *job, const struct progress *p)
{
    if (!p->due)
        return;
    char mib[24];
    bench_fmt_x1000(mib, sizeof(mib), p->mib_x10 * 100, 1);
    bench_printf(job->env, "bench: %llu.%llus %llu IOPS %s MiB/s%s\n",
                 (unsigned long long)(p->elapsed_ns / NSEC_PER_SEC),
                 (unsigned long long)(p->elapsed_ns % NSEC_PER_SEC / 100000000),
                 (unsigned long long)p->iops, mib, p->tag);
}

/* ---- main loops ---- */

/* Refills queue qi up to its depth if it wants it, and commits what is pending. */
static inline void top_up(struct bench_job *job, unsigned qi)
{
    struct bench_queue *q = &job->queue[qi];
    if (refill_wanted(job, q))
        refill(job, qi);
    if (q->uncommitted)
        commit(job, qi);
}

static void loop_poll(struct bench_job *job)
{
    struct bench_target *t = job->t;
    for (;;) {
        uint64_t tnow = 0;
        if (unlikely(job->flush_wanted))
            flush_step(job);
        for (unsigned qi = 0; qi < job->nqueues; qi++) {
            struct bench_queue *q = &job->queue[qi];
            top_up(job, qi);
            if (q->inflight == 0)
                continue;
            job->cb_ticks = 0;
            uint64_t t0 = now(job);
            unsigned n = t->ops->poll(t, qi, job->budget);
            uint64_t t1 = now(job);
            if (n) {
                uint64_t dt = t1 - t0;
                job->res.polls++;
                job->res.reaped += n;
                job->res.drv_complete_ticks += dt > job->cb_ticks ? dt - job->cb_ticks : 0;
            } else {
                job->res.empty_polls++;
                job->res.empty_poll_ticks += t1 - t0;
            }
            if (q->uncommitted)
                commit(job, qi);
            tnow = t1;
        }
        if (unlikely(job->o.fsync))
            flush_report(job);
        if (finished(job))
            return;
        if (!tnow)
            tnow = now(job);
        if (unlikely(tnow >= job->next_check_tsc)) {
            struct progress p = { 0 };
            bool hung = tick(job, tnow, &p);
            print_progress(job, &p);
            if (hung || finished(job))
                return;
        }
    }
}

/*
 * Interrupt mode, nothing completed for IDLE_POLL_NS with I/O in flight: a
 * completion (or its interrupt) may be lost, and the target's own timeout
 * handling (NVMe: poll, abort, reset) runs from its poll, as block_wait's
 * does. With interrupts on: recovery may wait for the device.
 */
static void poll_idle_queues(struct bench_job *job)
{
    for (unsigned qi = 0; qi < job->nqueues; qi++)
        if (job->queue[qi].inflight)
            job->t->ops->poll(job->t, qi, job->budget);
}

static void loop_irq(struct bench_job *job)
{
    const struct bench_env *env = job->env;
    for (;;) {
        struct progress p = { 0 };
        bool hung = false;
        unsigned long flags = env->irq_save(env->ctx);
        if (unlikely(job->flush_wanted))
            flush_step(job);
        for (unsigned qi = 0; qi < job->nqueues; qi++)
            top_up(job, qi);
        uint64_t tnow = now(job);
        if (tnow >= job->next_check_tsc)
            hung = tick(job, tnow, &p);
        bool done = hung || finished(job);
        /* Nothing to do until an interrupt: sleep with interrupts enabled
         * atomically, so a completion arriving now still wakes us. */
        if (!done)
            env->poll_idle(env->ctx);
        env->irq_restore(env->ctx, flags);
        if (!done && job->inflight && job->t->ops->poll &&
            now(job) - job->last_completion_tsc >= job->idle_poll_ticks)
            poll_idle_queues(job);
        if (unlikely(job->o.fsync))
            flush_report(job);
        print_progress(job, &p);
        if (done)
            return;
    }
}

/* Runs the current phase to its end; the phase's fields are set up by the caller. */
static void run_phase(struct bench_job *job)
{
    uint64_t t = now(job);
    job->stopping = false;
    job->gen_done = false;
    job->issued = 0;
    job->last_completion_tsc = t;
    job->next_check_tsc = t;
    job->next_sample_tsc = t + job->sample_ticks;
    if (job->ramping) {
        job->ramp_end_tsc = t + bench_ns_to_ticks(&job->clock, job->o.ramp_ns);
        job->runtime_end_tsc = UINT64_MAX;
        job->last_sample_tsc = t;
    } else {
        start_measuring(job, t);
    }
    if (job->mode == BENCH_MODE_IRQ)
        loop_irq(job);
    else
        loop_poll(job);

    /* The measured time of this phase: up to its last completion. */
    uint64_t end = job->last_completion_tsc;
    if (end < job->phase_start_tsc || job->ramping)
        end = job->phase_start_tsc;
    for (unsigned d = 0; d < BENCH_DIRS; d++)
        if (dir_active(job, d) && !job->ramping)
            job->res.dir[d].runtime_ticks += end - job->phase_start_tsc;
}

/*
 * The target's clocks over the job: in mode=irq the completion side is the
 * interrupt handlers' time less the engine's callbacks in them; the
 * doorbell share is reported as it is.
 */
static void target_clocks_account(struct bench_job *job)
{
    struct bench_target *t = job->t;
    struct bench_result *r = &job->res;
    struct bench_target_clocks c;
    r->drv_complete_measured = job->mode != BENCH_MODE_IRQ;
    if (!t->ops->clocks)
        return;
    memset(&c, 0, sizeof(c));
    t->ops->clocks(t, &c);
    if (job->mode == BENCH_MODE_IRQ && c.irq_valid && job->clocks0.irq_valid) {
        uint64_t irq = c.irq_ticks - job->clocks0.irq_ticks;
        r->drv_complete_ticks = irq > job->cb_ticks_all ? irq - job->cb_ticks_all : 0;
        r->drv_complete_measured = true;
    }
    if (c.doorbell_valid && job->clocks0.doorbell_valid) {
        r->drv_doorbell_ticks = c.doorbell_ticks - job->clocks0.doorbell_ticks;
        r->drv_doorbell_measured = true;
    }
}

int bench_job_run(struct bench_job *job)
{
    struct bench_target *t = job->t;
    struct bench_result *r = &job->res;
    const struct bench_env *env = job->env;
    int err = 0;

    if (t->ops->start) {
        err = t->ops->start(t, job->nqueues, job->iodepth, job->mode);
        if (err) {
            bench_printf(env, "bench: job '%s': %s target on %s cannot start in mode=%s: %s\n",
                         job->o.name, t->kind, t->name, bench_mode_name(job->mode),
                         errno_name(err));
            r->status = err;
            r->stop = BENCH_STOP_ERROR;
            return err;
        }
    }
    memset(&job->clocks0, 0, sizeof(job->clocks0));
    if (t->ops->clocks)
        t->ops->clocks(t, &job->clocks0);
    job->job_start_tsc = now(job);
    job->last_progress_tsc = job->job_start_tsc;
    job->next_progress_tsc = job->job_start_tsc + job->progress_ticks;
    r->stop = BENCH_STOP_DONE;

    job->phase = BENCH_PHASE_MAIN;
    job->ramping = job->o.ramp_ns != 0;
    if (job->o.ios)
        job->issue_limit = job->o.ios;
    else if (job->o.runtime_ns)
        job->issue_limit = UINT64_MAX;
    else
        job->issue_limit = job->units; /* one pass over the window */
    run_phase(job);

    if (job->verify && job->writes && job->o.do_verify && r->stop == BENCH_STOP_DONE) {
        bench_printf(env, "bench: job '%s': verify pass: reading back what was written\n",
                     job->o.name);
        job->phase = BENCH_PHASE_VERIFY;
        job->verify_cursor = 0;
        job->ramping = false;
        job->issue_limit = UINT64_MAX;
        run_phase(job);
    }
    r->elapsed_ticks = now(job) - job->job_start_tsc;
    r->drv_ios = job->completions;
    target_clocks_account(job);
    if (t->ops->stop) /* every exit: what start changed is the job's to undo */
        t->ops->stop(t);

    if (r->stop == BENCH_STOP_TIMEOUT)
        err = -ETIMEDOUT;
    else if (r->errors)
        err = -EIO;
    else if (r->verify.mismatches)
        err = -EBADMSG;
    else if (r->stop == BENCH_STOP_INTERRUPTED)
        err = -EINTR;
    r->status = err;
    return err;
}

/* ---- creation and destruction ---- */

static void *env_alloc(const struct bench_env *env, size_t size, size_t align, bool dma)
{
    return env->alloc(env->ctx, size, align, dma);
}

static void free_job(struct bench_job *job)
{
    const struct bench_env *env = job->env;
    if (job->slots) {
        for (unsigned i = 0; i < job->nslots; i++) {
            struct bench_io *io = (struct bench_io *)(job->slots + i * job->stride);
            if (io->buf)
                env->free(env->ctx, io->buf, job->o.bs, true);
        }
        env->free(env->ctx, job->slots, job->nslots * job->stride, false);
    }
    if (job->idle_mem)
        env->free(env->ctx, job->idle_mem, 2 * job->nslots * sizeof(*job->idle_mem), false);
    if (job->flush_io)
        env->free(env->ctx, job->flush_io, job->stride, false);
    if (job->written)
        env->free(env->ctx, job->written, job->written_words * sizeof(uint64_t), false);
    if (job->mism)
        env->free(env->ctx, job->mism, job->o.verify_print * sizeof(*job->mism), false);
    env->free(env->ctx, job, sizeof(*job), false);
}

#define FAIL(code, ...)                                                                  \
    do {                                                                                 \
        ksnprintf(why, why_size, __VA_ARGS__);                                           \
        *err = (code);                                                                   \
        goto fail;                                                                       \
    } while (0)

struct bench_job *bench_job_create(const struct bench_env *env, struct bench_target *t,
                                   const struct bench_opts *o, int *err, char *why,
                                   size_t why_size)
{
    struct bench_job *job = NULL;
    uint32_t bsz = t->block_size;

    if (!env->now_tsc || !env->alloc || !env->free || !env->print || env->tsc_hz == 0)
        FAIL(-EINVAL, "the environment lacks now_tsc, alloc, free, print or tsc_hz");
    if (!t->ops || !t->ops->submit)
        FAIL(-EINVAL, "target '%s' has no submit operation", t->kind);
    if (bsz < 64 || bsz % 8 || t->block_count == 0)
        FAIL(-EINVAL, "%s: unusable geometry (block size %u, %llu blocks)", t->name, bsz,
             (unsigned long long)t->block_count);

    /* I/O size and window, in blocks. */
    if (o->bs % bsz)
        FAIL(-EINVAL, "bs=%llu is not a multiple of %s's %u-byte block",
             (unsigned long long)o->bs, t->name, bsz);
    if (o->bs / bsz > UINT32_MAX)
        FAIL(-ERANGE, "bs=%llu is too large", (unsigned long long)o->bs);
    uint32_t bpi = (uint32_t)(o->bs / bsz);
    uint64_t off, len;
    if (o->offset_pct)
        off = bench_muldiv(t->block_count, o->offset, 100);
    else if (o->offset % bsz)
        FAIL(-EINVAL, "offset=%llu is not a multiple of the %u-byte block",
             (unsigned long long)o->offset, bsz);
    else
        off = o->offset / bsz;
    if (off >= t->block_count)
        FAIL(-ERANGE, "offset is past the end of %s (%llu blocks)", t->name,
             (unsigned long long)t->block_count);
    if (o->size_pct)
        len = bench_muldiv(t->block_count, o->size, 100);
    else if (o->size % bsz)
        FAIL(-EINVAL, "size=%llu is not a multiple of the %u-byte block",
             (unsigned long long)o->size, bsz);
    else
        len = o->size ? o->size / bsz : t->block_count - off;
    if (len > t->block_count - off)
        FAIL(-ERANGE, "window %llu+%llu is past the end of %s (%llu blocks)",
             (unsigned long long)off, (unsigned long long)len, t->name,
             (unsigned long long)t->block_count);
    if (len < bpi)
        FAIL(-ERANGE, "the window (%llu blocks) is smaller than bs (%u blocks)",
             (unsigned long long)len, bpi);
    if (o->slice_count > 1) {
        /* numjobs on a write job: copy i writes the i-th of n equal parts. */
        uint64_t per = len / bpi / o->slice_count;
        if (per == 0)
            FAIL(-ERANGE, "the window (%llu I/Os of bs) is smaller than numjobs=%u",
                 (unsigned long long)(len / bpi), o->slice_count);
        off += (uint64_t)o->slice_index * per * bpi;
        len = per * bpi;
    }

    /* Queues and mode. */
    if (o->queues > t->nqueues || o->queues > BENCH_MAX_QUEUES)
        FAIL(-ERANGE, "queues=%u: %s offers %u", o->queues, t->name,
             t->nqueues < BENCH_MAX_QUEUES ? t->nqueues : BENCH_MAX_QUEUES);
    if (t->queue_depth && o->iodepth > t->queue_depth)
        FAIL(-ERANGE, "iodepth=%u: %s's queues take %u", o->iodepth, t->name, t->queue_depth);
    enum bench_mode mode = o->mode == BENCH_MODE_DEFAULT ? t->default_mode : o->mode;
    if (mode == BENCH_MODE_DEFAULT)
        mode = BENCH_MODE_POLL;
    if (!(t->modes & BENCH_MODE_BIT(mode)))
        FAIL(-EOPNOTSUPP, "mode=%s: target %s on %s does not support it", bench_mode_name(mode),
             t->kind, t->name);
    if (mode == BENCH_MODE_POLL && !t->ops->poll)
        FAIL(-EOPNOTSUPP, "mode=poll: target %s cannot poll", t->kind);
    if (mode == BENCH_MODE_IRQ && (!env->irq_save || !env->irq_restore || !env->poll_idle))
        FAIL(-EOPNOTSUPP, "mode=irq: the environment cannot wait for interrupts");

    /* Nothing lost: writes only where the environment allows, or with force=1. */
    bool writes = o->rw == BENCH_RW_WRITE || o->rw == BENCH_RW_RANDWRITE ||
                  o->rw == BENCH_RW_RW || o->rw == BENCH_RW_RANDRW;
    if (writes && t->read_only)
        FAIL(-EROFS, "%s is read-only", t->name);
    if (writes && o->fsync && !t->can_flush)
        FAIL(-EOPNOTSUPP, "fsync=%u: target %s on %s cannot flush", o->fsync, t->kind, t->name);
    if (writes && env->check_write_window) {
        char reason[192] = "";
        int rc = env->check_write_window(env->ctx, t, off, len, reason,
                                         sizeof(reason));
        if (rc && !o->force)
            FAIL(rc, "refusing to write LBAs %llu..%llu of %s: %s (force=1 overrides)",
                 (unsigned long long)off, (unsigned long long)(off + len - 1), t->name,
                 reason[0] ? reason : "not allowed");
        if (rc)
            bench_printf(env, "bench: warning: force=1: writing LBAs %llu..%llu of %s although: %s\n",
                         (unsigned long long)off, (unsigned long long)(off + len - 1), t->name,
                         reason[0] ? reason : "not allowed");
    }

    job = env_alloc(env, sizeof(*job), 64, false);
    if (!job)
        FAIL(-ENOMEM, "out of memory for the job state (%zu bytes)", sizeof(*job));
    memset(job, 0, sizeof(*job));
    job->env = env;
    job->t = t;
    job->o = *o;
    bench_clock_init(&job->clock, env->tsc_hz);
    job->block_size = bsz;
    job->blocks_per_io = bpi;
    job->win_lba = off;
    job->win_blocks = len;
    job->units = len / bpi;
    job->nqueues = o->queues;
    job->iodepth = o->iodepth;
    job->budget = o->batch_complete ? o->batch_complete : o->iodepth;
    job->mode = mode;
    job->writes = writes;
    job->random = o->rw == BENCH_RW_RANDREAD || o->rw == BENCH_RW_RANDWRITE ||
                  o->rw == BENCH_RW_RANDRW;
    job->mixed = o->rw == BENCH_RW_RW || o->rw == BENCH_RW_RANDRW;
    job->verify = o->verify;
    job->read_threshold = job->mixed ? ((uint64_t)o->rwmixread << 32) / 100 : 0;
    job->rng = o->seed;
    job->perm_bits = 1;
    while (job->perm_bits < 64 && (1ull << job->perm_bits) < job->units)
        job->perm_bits++;
    job->perm_mask = job->perm_bits == 64 ? UINT64_MAX : (1ull << job->perm_bits) - 1;
    perm_rekey(job);
    job->timeout_ticks = bench_ns_to_ticks(&job->clock, o->io_timeout_ns);
    job->idle_poll_ticks = bench_ns_to_ticks(&job->clock, IDLE_POLL_NS);
    job->progress_ticks = bench_ns_to_ticks(&job->clock, o->progress_ns);
    job->sample_ticks = bench_ns_to_ticks(&job->clock,
                                          o->progress_ns ? o->progress_ns : NSEC_PER_SEC);
    for (unsigned d = 0; d < BENCH_DIRS; d++) {
        bench_lat_reset(&job->res.dir[d].clat);
        bench_lat_reset(&job->res.dir[d].slat);
        bench_lat_reset(&job->res.dir[d].iops_samples);
        bench_lat_reset(&job->res.dir[d].bw_samples);
    }
    job->res.mode = mode;
    job->res.verify.gen = o->verify_gen;

    /* Slots: the bench_io, then the target's private part, cache-line strided. */
    job->nslots = o->queues * o->iodepth;
    job->stride = (BENCH_IO_PRIV_OFFSET + t->io_priv_size + 63) & ~(size_t)63;
    job->slots = env_alloc(env, job->nslots * job->stride, 64, false);
    if (!job->slots)
        FAIL(-ENOMEM, "out of memory for %u I/O slots", job->nslots);
    memset(job->slots, 0, job->nslots * job->stride); /* free_job reads io->buf */
    if (o->fsync && writes) {
        job->flush_io = env_alloc(env, job->stride, 64, false);
        if (!job->flush_io)
            FAIL(-ENOMEM, "out of memory for the Flush slot");
        memset(job->flush_io, 0, job->stride);
        job->flush_io->job = job;
    }
    /* Per queue: iodepth idle pointers, then iodepth retry pointers. */
    job->idle_mem = env_alloc(env, 2 * job->nslots * sizeof(*job->idle_mem), 8, false);
    if (!job->idle_mem)
        FAIL(-ENOMEM, "out of memory for %u I/O slots", job->nslots);
    uint64_t fill = o->seed ^ 0xa5a5a5a5a5a5a5a5ull;
    for (unsigned qi = 0; qi < job->nqueues; qi++) {
        struct bench_queue *q = &job->queue[qi];
        q->idle = job->idle_mem + (size_t)qi * 2 * job->iodepth;
        q->retry = q->idle + job->iodepth;
        for (unsigned d = 0; d < job->iodepth; d++) {
            struct bench_io *io =
                (struct bench_io *)(job->slots + ((size_t)qi * job->iodepth + d) * job->stride);
            io->job = job;
            io->queue = (uint16_t)qi;
            io->buf = env_alloc(env, o->bs, BUF_ALIGN, true);
            if (!io->buf)
                FAIL(-ENOMEM, "out of memory for I/O buffers (%u x %llu bytes)", job->nslots,
                     (unsigned long long)o->bs);
            /* Non-zero data for plain writes (devices may special-case zeroes). */
            uint64_t *w = io->buf;
            for (size_t i = 0; i < o->bs / 8; i++) {
                fill += GOLDEN;
                w[i] = mix64(fill);
            }
            push_idle(q, io);
        }
    }

    if (job->verify) {
        if (writes) {
            job->written_words = (size_t)((job->units + 63) / 64);
            job->written = env_alloc(env, job->written_words * sizeof(uint64_t), 8, false);
            if (!job->written)
                FAIL(-ENOMEM, "out of memory for the verify map (%zu bytes); use a smaller size=",
                     job->written_words * sizeof(uint64_t));
            memset(job->written, 0, job->written_words * sizeof(uint64_t));
        }
        if (o->verify_print) {
            job->mism = env_alloc(env, o->verify_print * sizeof(*job->mism), 8, false);
            if (!job->mism)
                FAIL(-ENOMEM, "out of memory for the mismatch log");
        }
    }
    *err = 0;
    return job;

fail:
    if (job)
        free_job(job);
    return NULL;
}

const struct bench_result *bench_job_result(const struct bench_job *job)
{
    return &job->res;
}

bool bench_job_abandoned(const struct bench_job *job)
{
    return job->abandoned;
}

void bench_job_destroy(struct bench_job *job)
{
    if (job == NULL || job->abandoned)
        return;
    free_job(job);
}
