/*
 * bench/engine/bench_group.c - numjobs=N (fio's name): N copies of one job
 * at once, copy i on CPU i, then a report per copy and the group's total in
 * fio's layout (stat.c: the per-job blocks, then "Run status group 0 (all
 * jobs)"; with group_reporting=1 one block for all of them, their
 * statistics merged), and fio's JSON document with one "jobs" entry per
 * copy (or the merged one).
 *
 * The environment runs the copies (env->run_on_cpus), in two rounds, so that
 * all start together: first each opens its target and creates its job on
 * its own CPU (the NVMe target makes its queue pairs there, with their
 * interrupts routed there; the block target submits on that CPU's pair of
 * the device), then all run. Reports, clean-up and closing happen on the
 * calling CPU afterwards.
 *
 * Rules:
 *   - numjobs larger than the CPUs online is refused: one copy per CPU;
 *   - a write job's copies each write their own 1/N of the window (fio's
 *     offset_increment=size/N with size/N), so their verify stamps do not
 *     overwrite each other; read jobs all read the whole window, as fio's
 *     copies do;
 *   - copy 0 runs on the calling CPU and alone asks env->interrupted
 *     (Ctrl-C); the others stop when it says so;
 *   - copies other than 0 print no progress lines (one line per period, as
 *     fio prints one status line).
 */
#include <string.h>

#include "bench/engine/bench_internal.h"
#include "lib/compiler.h"
#include "lib/errno.h"

struct bench_group;

struct group_copy {
    struct bench_group *g;
    unsigned index;
    struct bench_env env;   /* the caller's; interrupted replaced */
    struct bench_opts o;
    struct bench_target t;
    bool opened;
    struct bench_job *job;
    int err;                /* of open, create or run */
    char why[192];
};

struct bench_group {
    const struct bench_env *env;
    unsigned n;
    bool stop;              /* copy 0 was interrupted: all stop */
    struct group_copy copy[BENCH_NUMJOBS_MAX];
};

/* One bench command at a time (the shell runs one command): the copies'
 * interrupted hooks find their group here. */
static struct bench_group *running;

static bool copy0_interrupted(void *ctx)
{
    struct bench_group *g = running;
    if (g->env->interrupted && g->env->interrupted(ctx))
        __atomic_store_n(&g->stop, true, __ATOMIC_RELAXED);
    return __atomic_load_n(&g->stop, __ATOMIC_RELAXED);
}

static bool copy_interrupted(void *ctx)
{
    (void)ctx;
    return __atomic_load_n(&running->stop, __ATOMIC_RELAXED);
}

static bool job_writes(const struct bench_opts *o)
{
    return o->rw == BENCH_RW_WRITE || o->rw == BENCH_RW_RANDWRITE || o->rw == BENCH_RW_RW ||
           o->rw == BENCH_RW_RANDRW;
}

/* Round 1, on CPU i: the target and the job. */
static void copy_prepare(void *arg, unsigned i)
{
    struct group_copy *c = &((struct bench_group *)arg)->copy[i];
    c->err = c->env.open_target(c->env.ctx, &c->o, &c->t);
    if (c->err) {
        ksnprintf(c->why, sizeof(c->why), "cannot open %s%s (target=%s)",
                  c->o.dev[0] ? "dev=" : "the default device", c->o.dev, c->o.target);
        return;
    }
    c->opened = true;
    /* The block target switches the whole device's completion mode at start
     * and back at stop: copies must not, they would switch it under each other. */
    if (!strcmp(c->t.kind, "block") && c->o.mode != BENCH_MODE_DEFAULT &&
        c->o.mode != c->t.default_mode) {
        c->err = -EBUSY;
        ksnprintf(c->why, sizeof(c->why), "mode=%s with numjobs=%u: %s is in mode %s; "
                  "copies run in the device's mode (\"blk mode\" changes it)",
                  bench_mode_name(c->o.mode), c->o.numjobs, c->t.name,
                  bench_mode_name(c->t.default_mode));
        return;
    }
    c->job = bench_job_create(&c->env, &c->t, &c->o, &c->err, c->why, sizeof(c->why));
}

/* Round 2, on CPU i: the run. */
static void copy_run(void *arg, unsigned i)
{
    struct group_copy *c = &((struct bench_group *)arg)->copy[i];
    if (c->job)
        c->err = bench_job_run(c->job);
}

static void lat_merge(struct bench_lat *a, const struct bench_lat *b)
{
    a->n += b->n;
    a->sum += b->sum;
    a->sumsq += b->sumsq;
    if (b->min < a->min)
        a->min = b->min;
    if (b->max > a->max)
        a->max = b->max;
}

/*
 * Adds b's results into a (group_reporting, fio's sum_thread_stats):
 * counts and histograms add, latencies merge, runtimes take the longest.
 */
void bench_result_merge(struct bench_result *a, const struct bench_result *b)
{
    if (a->status == 0)
        a->status = b->status;
    if (b->elapsed_ticks > a->elapsed_ticks)
        a->elapsed_ticks = b->elapsed_ticks;
    for (unsigned d = 0; d < BENCH_DIRS; d++) {
        struct bench_dir_stats *x = &a->dir[d];
        const struct bench_dir_stats *y = &b->dir[d];
        x->ios += y->ios;
        x->bytes += y->bytes;
        x->errors += y->errors;
        if (y->runtime_ticks > x->runtime_ticks)
            x->runtime_ticks = y->runtime_ticks;
        lat_merge(&x->clat, &y->clat);
        lat_merge(&x->slat, &y->slat);
        lat_merge(&x->iops_samples, &y->iops_samples);
        lat_merge(&x->bw_samples, &y->bw_samples);
        for (unsigned k = 0; k < BENCH_HIST_NR; k++)
            x->hist[k] += y->hist[k];
    }
    a->drv_submit_ticks += b->drv_submit_ticks;
    a->drv_complete_ticks += b->drv_complete_ticks;
    a->drv_ios += b->drv_ios;
    a->drv_doorbell_ticks += b->drv_doorbell_ticks;
    a->submits += b->submits;
    a->commits += b->commits;
    a->polls += b->polls;
    a->empty_polls += b->empty_polls;
    a->reaped += b->reaped;
    a->empty_poll_ticks += b->empty_poll_ticks;
    a->in_flight_at_timeout += b->in_flight_at_timeout;
    a->errors += b->errors;
    a->flushes += b->flushes;
    a->durable_writes += b->durable_writes;
    struct bench_verify_stats *v = &a->verify;
    const struct bench_verify_stats *w = &b->verify;
    v->blocks_checked += w->blocks_checked;
    v->blocks_ok += w->blocks_ok;
    v->mismatches += w->mismatches;
    for (unsigned k = 0; k < BENCH_VERIFY_NCLASSES; k++)
        v->by_class[k] += w->by_class[k];
    v->skipped += w->skipped;
    v->write_failed += w->write_failed;
    v->gen_other_blocks += w->gen_other_blocks;
    for (unsigned k = 0; k < w->ngens; k++) {
        unsigned m = 0;
        while (m < v->ngens && v->gen_value[m] != w->gen_value[k])
            m++;
        if (m == v->ngens && m < BENCH_GENS_KEPT) {
            v->gen_value[m] = w->gen_value[k];
            v->gen_blocks[m] = 0;
            v->ngens++;
        }
        if (m < v->ngens)
            v->gen_blocks[m] += w->gen_blocks[k];
        else
            v->gen_other_blocks += w->gen_blocks[k];
    }
}

/* fio's group line for one direction: aggregate bandwidth (all bytes over
 * the longest runtime), the slowest and fastest copy, bytes, runtimes. */
static void print_group_dir(const struct bench_env *env, struct bench_job *const *jobs,
                            unsigned n, unsigned d, uint64_t *iops_out, uint64_t *bw_out)
{
    static const char *const label[BENCH_DIRS] = { "   READ", "  WRITE" };
    uint64_t hz = jobs[0]->clock.tsc_hz, bytes = 0, ios = 0, rt_max = 0, rt_min = UINT64_MAX;
    uint64_t bw_min = UINT64_MAX, bw_max = 0;
    for (unsigned i = 0; i < n; i++) {
        const struct bench_dir_stats *s = &jobs[i]->res.dir[d];
        uint64_t rt = s->runtime_ticks, bw = rt ? bench_muldiv(s->bytes, hz, rt) : 0;
        bytes += s->bytes;
        ios += s->ios;
        rt_max = rt > rt_max ? rt : rt_max;
        rt_min = rt < rt_min ? rt : rt_min;
        bw_min = bw < bw_min ? bw : bw_min;
        bw_max = bw > bw_max ? bw : bw_max;
    }
    *iops_out = rt_max ? bench_muldiv(ios, hz, rt_max) : 0;
    *bw_out = rt_max ? bench_muldiv(bytes, hz, rt_max) : 0;
    if (ios == 0 && rt_max == 0)
        return;
    char agg[24], agg_mb[24], lo[24], hi[24], lo_mb[24], hi_mb[24], io[24], io_mb[24];
    bench_fmt_short(agg, sizeof(agg), *bw_out, 1024);
    bench_fmt_short(agg_mb, sizeof(agg_mb), *bw_out, 1000);
    bench_fmt_short(lo, sizeof(lo), bw_min, 1024);
    bench_fmt_short(hi, sizeof(hi), bw_max, 1024);
    bench_fmt_short(lo_mb, sizeof(lo_mb), bw_min, 1000);
    bench_fmt_short(hi_mb, sizeof(hi_mb), bw_max, 1000);
    bench_fmt_short(io, sizeof(io), bytes, 1024);
    bench_fmt_short(io_mb, sizeof(io_mb), bytes, 1000);
    const struct bench_clock *ck = &jobs[0]->clock;
    bench_printf(env,
                 "%s: bw=%sB/s (%sB/s), %sB/s-%sB/s (%sB/s-%sB/s), io=%sB (%sB), "
                 "run=%llu-%llumsec\n",
                 label[d], agg, agg_mb, lo, hi, lo_mb, hi_mb, io, io_mb,
                 (unsigned long long)(bench_ticks_to_ns(ck, rt_min) / NSEC_PER_MSEC),
                 (unsigned long long)(bench_ticks_to_ns(ck, rt_max) / NSEC_PER_MSEC));
}

static void print_group(const struct bench_env *env, struct bench_job *const *jobs, unsigned n,
                        unsigned copies, const struct bench_result *total)
{
    uint64_t iops[BENCH_DIRS], bw[BENCH_DIRS];
    bench_printf(env, "\nRun status group 0 (all jobs):\n");
    for (unsigned d = 0; d < BENCH_DIRS; d++)
        print_group_dir(env, jobs, n, d, &iops[d], &bw[d]);
    bench_report_group_json(jobs[0], copies, n, iops, bw, total);
}

int bench_group_run(const struct bench_env *env, const struct bench_opts *o, unsigned index,
                    unsigned njobs)
{
    unsigned n = o->numjobs;
    if (!env->run_on_cpus) {
        bench_printf(env, "bench: job '%s': numjobs=%u: the environment runs one job at a "
                          "time\n", o->name, n);
        return -EOPNOTSUPP;
    }
    if (!env->open_target) {
        bench_printf(env, "bench: job '%s': the environment cannot open devices\n", o->name);
        return -ENOSYS;
    }
    if (env->cpu_count && n > env->cpu_count(env->ctx)) {
        bench_printf(env, "bench: job '%s': numjobs=%u: only %u CPU(s) online (one copy per "
                          "CPU)\n", o->name, n, env->cpu_count(env->ctx));
        return -ERANGE;
    }
    struct bench_group *g = env->alloc(env->ctx, sizeof(*g), 64, false);
    if (g == NULL) {
        bench_printf(env, "bench: out of memory\n");
        return -ENOMEM;
    }
    memset(g, 0, sizeof(*g));
    g->env = env;
    g->n = n;
    for (unsigned i = 0; i < n; i++) {
        struct group_copy *c = &g->copy[i];
        c->g = g;
        c->index = i;
        c->env = *env;
        c->env.interrupted = i == 0 ? copy0_interrupted : copy_interrupted;
        c->o = *o;
        if (i > 0)
            c->o.progress_ns = 0;
        if (job_writes(o)) {
            c->o.slice_index = i;
            c->o.slice_count = n;
        }
    }
    running = g;
    uint64_t started = 0;
    int err = env->run_on_cpus(env->ctx, n, copy_prepare, g, &started);
    unsigned ready = 0;
    for (unsigned i = 0; i < n; i++)
        ready += g->copy[i].job != NULL;
    if (err == 0 && ready == n) {
        err = env->run_on_cpus(env->ctx, n, copy_run, g, &started);
        for (unsigned i = 0; err && i < n; i++)
            if (!(started & (1ull << i)) && g->copy[i].job)
                g->copy[i].err = err; /* never ran: no results */
    } else if (err == 0) {
        err = -EINVAL;
    }
    if (err == -ERANGE)
        bench_printf(env, "bench: job '%s': numjobs=%u: not that many CPUs online (one copy per "
                          "CPU)\n", o->name, n);
    running = NULL;

    /* Reports, in copy order, on this CPU. */
    struct bench_job *jobs[BENCH_NUMJOBS_MAX];
    unsigned njob = 0;
    int first = 0;
    for (unsigned i = 0; i < n; i++) {
        struct group_copy *c = &g->copy[i];
        if (c->job == NULL) {
            if (c->err || (started & (1ull << i)))
                bench_printf(env, "bench: job '%s' copy %u: %s (%s)\n", o->name, i,
                             c->why[0] ? c->why : "not started", errno_name(c->err));
            if (!first)
                first = c->err ? c->err : err;
            continue;
        }
        jobs[njob++] = c->job;
        if (c->err && !first)
            first = c->err;
    }
    if (njob && ready == n && err == 0) {
        struct bench_job *merged = NULL;
        if (o->group_reporting) {
            merged = env->alloc(env->ctx, sizeof(*merged), 64, false);
            if (merged) {
                memcpy(merged, jobs[0], sizeof(*merged));
                for (unsigned i = 1; i < njob; i++)
                    bench_result_merge(&merged->res, &jobs[i]->res);
            }
        }
        if (merged) {
            bench_report_header(merged, index, njobs);
            bench_job_report(merged);
        } else {
            for (unsigned i = 0; i < njob; i++) {
                bench_report_header(jobs[i], index, njobs);
                bench_printf(env, "bench: copy %u of %u (numjobs=%u), on CPU %u\n", i + 1, n, n,
                             i);
                bench_job_report(jobs[i]);
            }
        }
        struct bench_result total = jobs[0]->res;
        for (unsigned i = 1; i < njob; i++)
            bench_result_merge(&total, &jobs[i]->res);
        print_group(env, jobs, njob, n, &total);
        if (o->output_format != BENCH_OUTPUT_NORMAL)
            bench_report_fio_document((const struct bench_job *const *)jobs, njob, merged);
        if (merged)
            env->free(env->ctx, merged, sizeof(*merged), false);
    }
    for (unsigned i = 0; i < n; i++) {
        struct group_copy *c = &g->copy[i];
        bool abandoned = c->job && bench_job_abandoned(c->job);
        if (c->job)
            bench_job_destroy(c->job);
        /* An abandoned job's requests may still be in the device: keep the target. */
        if (c->opened && !abandoned && env->close_target)
            env->close_target(env->ctx, &c->t);
    }
    env->free(env->ctx, g, sizeof(*g), false);
    return first ? first : err;
}
