/*
 * bench/engine/bench_report.c - a job's results, twice: a human summary in the
 * layout of fio's normal output (HOWTO "Interpreting the output": the
 * "read: IOPS=, BW=" line, slat/clat lines, the clat percentiles block, the
 * bw/iops interval lines), and one "BENCH_JSON {...}" line with fio's JSON
 * field names (jobname, read/write: io_bytes, bw_bytes, bw in KiB/s, iops,
 * runtime in ms, total_ios, clat_ns {min,max,mean,stddev,N,percentile,bins})
 * plus ours (device, mode, queues, driver cycles, errors, verify).
 *
 * Everything is integers: decimals are printed from fixed-point values.
 * Latencies are ns; "cycles" are TSC ticks (an invariant TSC ticks at the
 * nominal frequency).
 */
#include <string.h>

#include "bench/engine/bench_internal.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/json.h"

static const char *const dir_name[BENCH_DIRS] = { "read", "write" };
static const char *const op_name[] = { "read", "write", "flush" }; /* enum bench_op */

static const char *stop_name(enum bench_stop s)
{
    switch (s) {
    case BENCH_STOP_DONE: return "done";
    case BENCH_STOP_ERROR: return "error";
    case BENCH_STOP_VERIFY: return "verify";
    case BENCH_STOP_TIMEOUT: return "timeout";
    case BENCH_STOP_INTERRUPTED: return "interrupted";
    }
    return "?";
}

static uint64_t window_bytes(const struct bench_job *job)
{
    return job->win_blocks * job->block_size;
}

void bench_report_header(const struct bench_job *job, unsigned index, unsigned njobs)
{
    const struct bench_opts *o = &job->o;
    const struct bench_env *env = job->env;
    char size[24];
    bench_fmt_short(size, sizeof(size), window_bytes(job), 1024);
    bench_printf(env, "bench: job '%s' (%u/%u): %s bs=%llu iodepth=%u queues=%u mode=%s on %s (%s)",
                 o->name, index, njobs, bench_rw_name(o->rw), (unsigned long long)o->bs,
                 o->iodepth, o->queues, bench_mode_name(job->mode), job->t->name, job->t->kind);
    if (job->mixed)
        bench_printf(env, " rwmixread=%u", o->rwmixread);
    bench_printf(env, ", LBAs %llu..%llu (%sB)", (unsigned long long)job->win_lba,
                 (unsigned long long)(job->win_lba + job->win_blocks - 1), size);
    if (o->ios)
        bench_printf(env, ", %llu I/Os", (unsigned long long)o->ios);
    if (o->runtime_ns)
        bench_printf(env, ", runtime %llu ms", (unsigned long long)(o->runtime_ns / NSEC_PER_MSEC));
    if (!o->ios && !o->runtime_ns)
        bench_printf(env, ", one pass (%llu I/Os)", (unsigned long long)job->units);
    if (o->ramp_ns)
        bench_printf(env, ", ramp %llu ms", (unsigned long long)(o->ramp_ns / NSEC_PER_MSEC));
    if (job->random)
        bench_printf(env, ", seed 0x%llx%s", (unsigned long long)o->seed,
                     o->norandommap ? " norandommap" : "");
    if (job->verify) {
        if (job->writes)
            bench_printf(env, ", verify generation %u", job->res.verify.gen);
        else if (o->verify_gen_set)
            bench_printf(env, ", verify expecting generation %u", job->res.verify.gen);
        else
            bench_printf(env, ", verify (any generation)");
    }
    bench_printf(env, "\n");
}

/* ---- human summary ---- */

struct lat_unit {
    const char *name;
    uint64_t div; /* ns per unit */
};

static struct lat_unit pick_unit(const struct bench_lat *l)
{
    uint64_t mean = l->n ? l->sum / l->n : 0;
    if (mean < 10 * NSEC_PER_USEC)
        return (struct lat_unit){ "nsec", 1 };
    if (mean < 10 * NSEC_PER_MSEC)
        return (struct lat_unit){ "usec", NSEC_PER_USEC };
    return (struct lat_unit){ "msec", NSEC_PER_MSEC };
}

/* "min=12, max=1234, avg=45.23, stdev=12.34" in unit u. */
static void print_lat_line(const struct bench_env *env, const char *label,
                           const struct bench_lat *l, struct lat_unit u)
{
    char avg[32], dev[32];
    bench_fmt_x1000(avg, sizeof(avg), bench_lat_mean_x1000(l) / u.div, 2);
    bench_fmt_x1000(dev, sizeof(dev), bench_lat_stddev_x1000(l) / u.div, 2);
    bench_printf(env, "    %s (%s): min=%llu, max=%llu, avg=%s, stdev=%s, N=%llu\n", label, u.name,
                 (unsigned long long)(bench_lat_min(l) / u.div),
                 (unsigned long long)(l->max / u.div), avg, dev, (unsigned long long)l->n);
}

static void print_pct_label(char *buf, size_t size, uint32_t p)
{
    /* fio prints two decimals ("99.99th"); more only when needed. */
    uint32_t ip = p / 1000000, frac = p % 1000000;
    if (frac % 10000 == 0)
        ksnprintf(buf, size, "%u.%02u", ip, frac / 10000);
    else
        ksnprintf(buf, size, "%u.%06u", ip, frac);
}

static void print_dir(const struct bench_job *job, unsigned d)
{
    const struct bench_env *env = job->env;
    const struct bench_dir_stats *s = &job->res.dir[d];
    uint64_t rt = s->runtime_ticks;
    uint64_t hz = job->clock.tsc_hz;
    char iops[24], bw_mib[24], bw_mb[24], total[24];

    bench_fmt_short(iops, sizeof(iops), bench_muldiv(s->ios, hz, rt), 1000);
    bench_fmt_short(bw_mib, sizeof(bw_mib), bench_muldiv(s->bytes, hz, rt), 1024);
    bench_fmt_short(bw_mb, sizeof(bw_mb), bench_muldiv(s->bytes, hz, rt), 1000);
    bench_fmt_short(total, sizeof(total), s->bytes, 1024);
    bench_printf(env, "  %s: IOPS=%s, BW=%sB/s (%sB/s)(%sB/%llumsec)\n", dir_name[d], iops, bw_mib,
                 bw_mb, total,
                 (unsigned long long)(bench_ticks_to_ns(&job->clock, rt) / NSEC_PER_MSEC));
    if (s->clat.n == 0) {
        bench_printf(env, "    no completed I/O measured\n");
        return;
    }
    print_lat_line(env, "slat", &s->slat, pick_unit(&s->slat));
    struct lat_unit u = pick_unit(&s->clat);
    print_lat_line(env, "clat", &s->clat, u);

    /* The headline percentiles, then the full list in fio's block layout. */
    static const uint32_t headline[] = { BENCH_PCT(50, 0), BENCH_PCT(90, 0), BENCH_PCT(99, 0),
                                         BENCH_PCT(99, 900000), BENCH_PCT(99, 990000) };
    uint64_t hv[5];
    bench_hist_percentiles(s->hist, s->clat.n, s->clat.min, s->clat.max, headline, 5, hv);
    bench_printf(env, "    clat (%s): p50=%llu, p90=%llu, p99=%llu, p99.9=%llu, p99.99=%llu\n",
                 u.name, (unsigned long long)(hv[0] / u.div), (unsigned long long)(hv[1] / u.div),
                 (unsigned long long)(hv[2] / u.div), (unsigned long long)(hv[3] / u.div),
                 (unsigned long long)(hv[4] / u.div));
    uint64_t pv[BENCH_PERCENTILES_MAX];
    const struct bench_opts *o = &job->o;
    bench_hist_percentiles(s->hist, s->clat.n, s->clat.min, s->clat.max, o->percentiles,
                           o->npercentiles, pv);
    bench_printf(env, "    clat percentiles (%s):\n", u.name);
    for (unsigned i = 0; i < o->npercentiles; i++) {
        char label[24];
        print_pct_label(label, sizeof(label), o->percentiles[i]);
        bench_printf(env, "%s%sth=[%5llu]%s", i % 4 == 0 ? "     | " : " ", label,
                     (unsigned long long)(pv[i] / u.div),
                     i + 1 == o->npercentiles ? "\n" : i % 4 == 3 ? ",\n" : ",");
    }
    char mean[32], dev[32];
    if (s->bw_samples.n) {
        bench_fmt_x1000(mean, sizeof(mean), bench_lat_mean_x1000(&s->bw_samples), 2);
        bench_fmt_x1000(dev, sizeof(dev), bench_lat_stddev_x1000(&s->bw_samples), 2);
        bench_printf(env, "   bw (  KiB/s): min=%llu, max=%llu, avg=%s, stdev=%s, samples=%llu\n",
                     (unsigned long long)s->bw_samples.min, (unsigned long long)s->bw_samples.max,
                     mean, dev, (unsigned long long)s->bw_samples.n);
        bench_fmt_x1000(mean, sizeof(mean), bench_lat_mean_x1000(&s->iops_samples), 2);
        bench_fmt_x1000(dev, sizeof(dev), bench_lat_stddev_x1000(&s->iops_samples), 2);
        bench_printf(env, "   iops        : min=%llu, max=%llu, avg=%s, stdev=%s, samples=%llu\n",
                     (unsigned long long)s->iops_samples.min,
                     (unsigned long long)s->iops_samples.max, mean, dev,
                     (unsigned long long)s->iops_samples.n);
    }
}

static uint64_t ratio_x1000(uint64_t a, uint64_t b)
{
    return b ? bench_muldiv(a, 1000, b) : 0;
}

static void print_driver(const struct bench_job *job)
{
    const struct bench_result *r = &job->res;
    char all[32], sub[32], comp[32], spc[32], cpp[32];
    bench_fmt_x1000(all, sizeof(all), ratio_x1000(r->drv_submit_ticks + r->drv_complete_ticks,
                                                  r->drv_ios), 1);
    bench_fmt_x1000(sub, sizeof(sub), ratio_x1000(r->drv_submit_ticks, r->drv_ios), 1);
    bench_fmt_x1000(comp, sizeof(comp), ratio_x1000(r->drv_complete_ticks, r->drv_ios), 1);
    bench_fmt_x1000(spc, sizeof(spc), ratio_x1000(r->submits, r->commits), 2);
    bench_fmt_x1000(cpp, sizeof(cpp), ratio_x1000(r->reaped, r->polls), 2);
    if (!r->drv_complete_measured)
        bench_printf(job->env,
                     "  driver: %s cycles/IO submit side only (completions run in the interrupt "
                     "handler, not measured); %s submits/commit\n",
                     sub, spc);
    else if (job->mode == BENCH_MODE_IRQ)
        bench_printf(job->env,
                     "  driver: %s cycles/IO (submit %s + complete %s, in the interrupt "
                     "handler); %s submits/commit\n",
                     all, sub, comp, spc);
    else
        bench_printf(job->env,
                     "  driver: %s cycles/IO (submit %s + complete %s); %s submits/commit, %s "
                     "completions/poll, %llu empty polls\n",
                     all, sub, comp, spc, cpp, (unsigned long long)r->empty_polls);
    if (r->drv_doorbell_measured) {
        char db[32], sw[32];
        uint64_t total = r->drv_submit_ticks + r->drv_complete_ticks;
        uint64_t rest = total > r->drv_doorbell_ticks ? total - r->drv_doorbell_ticks : 0;
        bench_fmt_x1000(db, sizeof(db), ratio_x1000(r->drv_doorbell_ticks, r->drv_ios), 1);
        bench_fmt_x1000(sw, sizeof(sw), ratio_x1000(rest, r->drv_ios), 1);
        bench_printf(job->env,
                     "          of which doorbell writes %s cycles/IO (an emulated device works "
                     "inside them), software %s cycles/IO\n",
                     db, sw);
    }
}

static void print_errors(const struct bench_job *job)
{
    const struct bench_env *env = job->env;
    const struct bench_result *r = &job->res;
    if (r->stop == BENCH_STOP_TIMEOUT) {
        char t[24];
        bench_fmt_x1000(t, sizeof(t), job->o.io_timeout_ns / NSEC_PER_MSEC, 3);
        bench_printf(env,
                     "  timeout: no completion for %ss with %u I/Os in flight: gave up%s\n", t,
                     r->in_flight_at_timeout,
                     job->abandoned ? "; their buffers stay allocated (the device may still "
                                      "write to them)"
                                    : "");
    }
    if (r->errors == 0)
        return;
    bench_printf(env, "  errors: %llu failed I/Os (read %llu, write %llu)%s\n",
                 (unsigned long long)r->errors, (unsigned long long)r->dir[0].errors,
                 (unsigned long long)r->dir[1].errors,
                 r->stop == BENCH_STOP_ERROR ? "; stopped at the first (continue_on_error=none)"
                                             : "");
    for (unsigned i = 0; i < r->nerrors_kept; i++) {
        const struct bench_error *e = &r->err[i];
        bench_printf(env, "    %s lba %llu+%u: %s%s%s\n", op_name[e->op],
                     (unsigned long long)e->lba, e->count, errno_name(e->status),
                     e->desc[0] ? ": " : "", e->desc);
    }
    if (r->errors > r->nerrors_kept)
        bench_printf(env, "    ... and %llu more\n",
                     (unsigned long long)(r->errors - r->nerrors_kept));
}

static void print_mismatch(const struct bench_env *env, const struct bench_mismatch *m)
{
    const struct bench_verify_found *f = &m->found;
    enum bench_verify_class c = (enum bench_verify_class)m->cls;
    bench_printf(env, "    lba %llu: %s (%s): expected lba %llu gen ", (unsigned long long)m->lba,
                 bench_verify_class_name(c), bench_verify_class_meaning(c),
                 (unsigned long long)m->lba);
    if (m->any_gen)
        bench_printf(env, "any");
    else
        bench_printf(env, "%u", m->expect_gen);
    switch (c) {
    case BENCH_VERIFY_ZEROED:
        bench_printf(env, ", found all zero bytes\n");
        break;
    case BENCH_VERIFY_GARBAGE:
        bench_printf(env, ", found first word 0x%016llx\n", (unsigned long long)f->word0);
        break;
    case BENCH_VERIFY_TORN:
        bench_printf(env, ", found header lba %llu gen %u, checksum 0x%016llx != computed 0x%016llx\n",
                     (unsigned long long)f->lba, f->gen, (unsigned long long)f->stored_check,
                     (unsigned long long)f->computed_check);
        break;
    default:
        bench_printf(env, ", found lba %llu gen %u\n", (unsigned long long)f->lba, f->gen);
        break;
    }
}

static void print_verify(const struct bench_job *job)
{
    const struct bench_env *env = job->env;
    const struct bench_verify_stats *v = &job->res.verify;
    if (job->writes && !job->o.do_verify && !job->mixed) {
        bench_printf(env, "  verify: generation %u written, not read back (do_verify=0)\n",
                     v->gen);
        return;
    }
    bench_printf(env, "  verify: %llu blocks verified, %llu ok, %llu mismatches",
                 (unsigned long long)v->blocks_checked, (unsigned long long)v->blocks_ok,
                 (unsigned long long)v->mismatches);
    if (v->mismatches) {
        const char *sep = " (";
        for (unsigned c = 1; c < BENCH_VERIFY_NCLASSES; c++)
            if (v->by_class[c]) {
                bench_printf(env, "%s%s %llu", sep, bench_verify_class_name(c),
                             (unsigned long long)v->by_class[c]);
                sep = ", ";
            }
        bench_printf(env, ")");
    }
    if (v->ngens) {
        bench_printf(env, "; generations seen:");
        for (unsigned i = 0; i < v->ngens; i++)
            bench_printf(env, " %u (%llu blocks)", v->gen_value[i],
                         (unsigned long long)v->gen_blocks[i]);
        if (v->gen_other_blocks)
            bench_printf(env, " + %llu blocks of other generations",
                         (unsigned long long)v->gen_other_blocks);
    }
    bench_printf(env, "\n");
    if (v->skipped)
        bench_printf(env, "    %llu blocks read before this job wrote them: not checked\n",
                     (unsigned long long)v->skipped);
    if (v->write_failed)
        bench_printf(env, "    %llu blocks whose write failed: not checked\n",
                     (unsigned long long)v->write_failed);
    for (unsigned i = 0; i < v->nkept; i++)
        print_mismatch(env, &job->mism[i]);
    if (v->mismatches > v->nkept)
        bench_printf(env, "    ... and %llu more mismatches (verify_print=%u shown)\n",
                     (unsigned long long)(v->mismatches - v->nkept), job->o.verify_print);
}

/* ---- JSON (lib/json.h) ---- */

static void bench_sink(void *ctx, const char *s, size_t n)
{
    bench_printf((const struct bench_env *)ctx, "%.*s", (int)n, s);
}

/* A fixed-point value with 3 decimals, or 6 as fio's "%f" prints them. */
static void j_x1000(struct json_writer *j, const char *key, uint64_t v_x1000)
{
    char buf[40];
    bench_fmt_x1000(buf, sizeof(buf), v_x1000, 3);
    json_raw(j, key, buf);
}

static void j_f6(struct json_writer *j, const char *key, uint64_t v_x1000)
{
    char buf[40];
    bench_fmt_x1000(buf, sizeof(buf), v_x1000, 3);
    size_t n = strlen(buf);
    if (n + 4 <= sizeof(buf))
        memcpy(buf + n, "000", 4);
    json_raw(j, key, buf);
}

typedef void (*j_num_fn)(struct json_writer *j, const char *key, uint64_t v_x1000);

/* fio's per-direction counts: io_bytes ... drop_ios; num prints iops. */
static void j_dir_counts(struct json_writer *j, const struct bench_job *job,
                         const struct bench_dir_stats *s, j_num_fn num)
{
    uint64_t rt = s->runtime_ticks, hz = job->clock.tsc_hz;
    uint64_t bw_bytes = rt ? bench_muldiv(s->bytes, hz, rt) : 0;
    json_u64(j, "io_bytes", s->bytes);
    json_u64(j, "io_kbytes", s->bytes / 1024);
    json_u64(j, "bw_bytes", bw_bytes);
    json_u64(j, "bw", bw_bytes / 1024);
    num(j, "iops", rt ? bench_muldiv(s->ios * 1000, hz, rt) : 0);
    json_u64(j, "runtime", bench_ticks_to_ns(&job->clock, rt) / NSEC_PER_MSEC);
    json_u64(j, "total_ios", s->ios);
    json_u64(j, "short_ios", 0);
    json_u64(j, "drop_ios", 0);
}

/* fio's per-direction interval statistics: bw_min ... iops_samples. */
static void j_dir_rates(struct json_writer *j, const struct bench_dir_stats *s, j_num_fn num)
{
    const struct bench_lat *bw = &s->bw_samples, *io = &s->iops_samples;
    json_u64(j, "bw_min", bench_lat_min(bw));
    json_u64(j, "bw_max", bw->max);
    num(j, "bw_agg", bw->n ? 100000 : 0); /* one job: all of the group's bandwidth */
    num(j, "bw_mean", bench_lat_mean_x1000(bw));
    num(j, "bw_dev", bench_lat_stddev_x1000(bw));
    json_u64(j, "bw_samples", bw->n);
    json_u64(j, "iops_min", bench_lat_min(io));
    json_u64(j, "iops_max", io->max);
    num(j, "iops_mean", bench_lat_mean_x1000(io));
    num(j, "iops_stddev", bench_lat_stddev_x1000(io));
    json_u64(j, "iops_samples", io->n);
}

/* "percentile": {"99.000000": ns, ...} and fio json+'s "bins": bucket
 * value (ns) -> count, non-empty buckets only. */
static void j_percentiles(struct json_writer *j, const struct bench_job *job,
                          const struct bench_lat *l, const uint64_t *hist)
{
    const struct bench_opts *o = &job->o;
    uint64_t pv[BENCH_PERCENTILES_MAX];
    bench_hist_percentiles(hist, l->n, l->min, l->max, o->percentiles, o->npercentiles, pv);
    json_object_begin(j, "percentile");
    for (unsigned i = 0; i < o->npercentiles; i++) {
        char key[24];
        ksnprintf(key, sizeof(key), "%u.%06u", o->percentiles[i] / 1000000,
                  o->percentiles[i] % 1000000);
        json_u64(j, key, l->n ? pv[i] : 0);
    }
    json_object_end(j);
}

static void j_bins(struct json_writer *j, const uint64_t *hist)
{
    json_object_begin(j, "bins");
    for (unsigned i = 0; i < BENCH_HIST_NR; i++)
        if (hist[i]) {
            char key[24];
            ksnprintf(key, sizeof(key), "%llu", (unsigned long long)bench_hist_bucket_value(i));
            json_u64(j, key, hist[i]);
        }
    json_object_end(j);
}

/* Opens key with fio's min/max/mean/stddev/N; the caller closes it. */
static void j_lat_num(struct json_writer *j, const char *key, const struct bench_lat *l,
                      j_num_fn num)
{
    json_object_begin(j, key);
    json_u64(j, "min", bench_lat_min(l));
    json_u64(j, "max", l->max);
    num(j, "mean", bench_lat_mean_x1000(l));
    num(j, "stddev", bench_lat_stddev_x1000(l));
    json_u64(j, "N", l->n);
}

static void j_lat(struct json_writer *j, const char *key, const struct bench_lat *l)
{
    j_lat_num(j, key, l, j_x1000);
}

static void json_dir(const struct bench_job *job, struct json_writer *j, unsigned d)
{
    const struct bench_dir_stats *s = &job->res.dir[d];

    json_object_begin(j, dir_name[d]);
    j_dir_counts(j, job, s, j_x1000);
    json_u64(j, "errors", s->errors);
    j_lat(j, "slat_ns", &s->slat);
    json_object_end(j);
    j_lat(j, "clat_ns", &s->clat);
    j_percentiles(j, job, &s->clat, s->hist);
    if (job->o.json_bins)
        j_bins(j, s->hist);
    json_object_end(j);
    j_dir_rates(j, s, j_x1000);
    json_object_end(j);
}

static void json_verify(const struct bench_job *job, struct json_writer *j)
{
    const struct bench_verify_stats *v = &job->res.verify;
    json_object_begin(j, "verify");
    json_bool(j, "enabled", job->verify);
    if (!job->verify) {
        json_object_end(j);
        return;
    }
    json_u64(j, "gen", v->gen);
    json_str(j, "gen_check", job->writes || job->o.verify_gen_set ? "exact" : "any");
    json_u64(j, "blocks_verified", v->blocks_checked);
    json_u64(j, "blocks_ok", v->blocks_ok);
    json_u64(j, "mismatches", v->mismatches);
    for (unsigned c = 1; c < BENCH_VERIFY_NCLASSES; c++)
        json_u64(j, bench_verify_class_name(c), v->by_class[c]);
    json_u64(j, "skipped", v->skipped);
    json_u64(j, "write_failed", v->write_failed);
    json_object_begin(j, "generations");
    for (unsigned i = 0; i < v->ngens; i++) {
        char key[16];
        ksnprintf(key, sizeof(key), "%u", v->gen_value[i]);
        json_u64(j, key, v->gen_blocks[i]);
    }
    json_object_end(j);
    json_u64(j, "other_generation_blocks", v->gen_other_blocks);
    json_array_begin(j, "first");
    for (unsigned i = 0; i < v->nkept; i++) {
        const struct bench_mismatch *m = &job->mism[i];
        json_object_begin(j, NULL);
        json_u64(j, "lba", m->lba);
        json_str(j, "class", bench_verify_class_name((enum bench_verify_class)m->cls));
        if (!m->any_gen)
            json_u64(j, "expected_gen", m->expect_gen);
        if (m->cls == BENCH_VERIFY_GARBAGE) {
            json_u64(j, "found_word0", m->found.word0);
        } else if (m->cls != BENCH_VERIFY_ZEROED) {
            json_u64(j, "found_lba", m->found.lba);
            json_u64(j, "found_gen", m->found.gen);
        }
        json_object_end(j);
    }
    json_array_end(j);
    json_object_end(j);
}

static void json_errors(const struct bench_job *job, struct json_writer *j)
{
    const struct bench_result *r = &job->res;
    json_object_begin(j, "io_errors");
    json_u64(j, "total", r->errors);
    json_array_begin(j, "first");
    for (unsigned i = 0; i < r->nerrors_kept; i++) {
        const struct bench_error *e = &r->err[i];
        json_object_begin(j, NULL);
        json_str(j, "op", op_name[e->op]);
        json_u64(j, "lba", e->lba);
        json_u64(j, "count", e->count);
        json_i64(j, "status", e->status);
        json_str(j, "errno", errno_name(e->status));
        json_u64(j, "device_status", e->device_status);
        json_str(j, "desc", e->desc);
        json_object_end(j);
    }
    json_array_end(j);
    json_object_end(j);
}

static void print_json(const struct bench_job *job)
{
    const struct bench_result *r = &job->res;
    const struct bench_opts *o = &job->o;
    struct json_writer j;

    json_init(&j, JSON_COMPACT, bench_sink, (void *)job->env);
    bench_printf(job->env, "BENCH_JSON ");
    json_object_begin(&j, NULL);
    json_str(&j, "jobname", o->name);
    json_u64(&j, "groupid", 0);
    json_u64(&j, "error", (uint64_t)(r->status < 0 ? -r->status : r->status));
    json_str(&j, "status", r->status ? errno_name(r->status) : "ok");
    json_str(&j, "stop", stop_name(r->stop));
    json_u64(&j, "elapsed", bench_ticks_to_ns(&job->clock, r->elapsed_ticks) / NSEC_PER_SEC);
    json_u64(&j, "elapsed_ns", bench_ticks_to_ns(&job->clock, r->elapsed_ticks));
    json_str(&j, "device", job->t->name);
    json_str(&j, "target", job->t->kind);
    json_str(&j, "rw", bench_rw_name(o->rw));
    json_u64(&j, "rwmixread", job->mixed ? o->rwmixread : o->rw == BENCH_RW_READ ||
                                                              o->rw == BENCH_RW_RANDREAD
                                                          ? 100
                                                          : 0);
    json_u64(&j, "bs", o->bs);
    json_u64(&j, "iodepth", o->iodepth);
    json_u64(&j, "queues", job->nqueues);
    json_str(&j, "mode", bench_mode_name(job->mode));
    json_u64(&j, "block_size", job->block_size);
    json_u64(&j, "offset_lba", job->win_lba);
    json_u64(&j, "size_lba", job->win_blocks);
    json_u64(&j, "seed", o->seed);
    json_bool(&j, "norandommap", o->norandommap);
    json_u64(&j, "tsc_hz", job->clock.tsc_hz);
    json_dir(job, &j, BENCH_DIR_READ);
    json_dir(job, &j, BENCH_DIR_WRITE);
    j_x1000(&j, "driver_cycles_per_io",
            ratio_x1000(r->drv_submit_ticks + r->drv_complete_ticks, r->drv_ios));
    j_x1000(&j, "driver_submit_cycles_per_io", ratio_x1000(r->drv_submit_ticks, r->drv_ios));
    j_x1000(&j, "driver_complete_cycles_per_io", ratio_x1000(r->drv_complete_ticks, r->drv_ios));
    json_bool(&j, "driver_complete_measured", r->drv_complete_measured);
    if (r->drv_doorbell_measured) {
        uint64_t total = r->drv_submit_ticks + r->drv_complete_ticks;
        j_x1000(&j, "driver_doorbell_cycles_per_io",
                ratio_x1000(r->drv_doorbell_ticks, r->drv_ios));
        j_x1000(&j, "driver_software_cycles_per_io",
                ratio_x1000(total > r->drv_doorbell_ticks ? total - r->drv_doorbell_ticks : 0,
                            r->drv_ios));
    }
    json_u64(&j, "submits", r->submits);
    json_u64(&j, "commits", r->commits);
    j_x1000(&j, "submits_per_commit", ratio_x1000(r->submits, r->commits));
    json_u64(&j, "polls", r->polls);
    json_u64(&j, "empty_polls", r->empty_polls);
    j_x1000(&j, "completions_per_poll", ratio_x1000(r->reaped, r->polls));
    j_x1000(&j, "empty_poll_cycles", ratio_x1000(r->empty_poll_ticks, r->empty_polls));
    json_u64(&j, "in_flight_at_timeout", r->in_flight_at_timeout);
    json_u64(&j, "fsync", job->o.fsync);
    json_u64(&j, "flushes", r->flushes);
    json_u64(&j, "durable_writes", r->durable_writes);
    json_errors(job, &j);
    json_verify(job, &j);
    json_object_end(&j);
    bench_printf(job->env, "\n");
}

/* ---- fio's document (output-format=json / json+) ----
 *
 * The layout of fio 3.33's stat.c: a header ("fio version", "global
 * options"), "jobs" with one object per job holding "read", "write", "trim"
 * (rw sections: io_bytes ... clat_ns, lat_ns, bw_*, iops_*) and "sync", then
 * "disk_util" (nvos has no disk utilisation figures: an empty list). A clat_ns
 * object carries "percentile" and, for json+, "bins" only when it has
 * samples, as fio's add_ddir_lat_json does, so fio_jsonplus_clat2csv reads
 * it. Floats are printed as fio's "%f" does (6 decimals). nvos measures
 * completion latency from the submit call, so lat_ns (fio: submission +
 * completion) has the same figures as clat_ns. fio's keys that nvos cannot
 * fill honestly are left out: timestamps (no wall clock), CPU usage,
 * context switches, page faults, the iodepth and latency distributions.
 */

static void fio_lat(struct json_writer *j, const char *key, const struct bench_lat *l,
                    const struct bench_job *job, const uint64_t *hist)
{
    j_lat_num(j, key, l, j_f6);
    if (hist != NULL && l->n != 0) {
        j_percentiles(j, job, l, hist);
        if (job->o.output_format == BENCH_OUTPUT_JSONPLUS)
            j_bins(j, hist);
    }
    json_object_end(j);
}

/* One rw section; s is NULL for trim, which the benchmark never issues. */
static void fio_dir(struct json_writer *j, const struct bench_job *job, const char *name,
                    const struct bench_dir_stats *s)
{
    static const struct bench_dir_stats none = {
        .clat = { .min = UINT64_MAX }, .slat = { .min = UINT64_MAX },
        .iops_samples = { .min = UINT64_MAX }, .bw_samples = { .min = UINT64_MAX },
    };
    if (s == NULL)
        s = &none;
    json_object_begin(j, name);
    j_dir_counts(j, job, s, j_f6);
    fio_lat(j, "slat_ns", &s->slat, job, NULL);
    fio_lat(j, "clat_ns", &s->clat, job, s->hist);
    fio_lat(j, "lat_ns", &s->clat, job, NULL);
    j_dir_rates(j, s, j_f6);
    json_object_end(j);
}

static void fio_opt(struct json_writer *j, const char *key, uint64_t v)
{
    char buf[24];
    ksnprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
    json_str(j, key, buf); /* fio's option values are strings */
}

/* One entry of "jobs"; jobs: how many it stands for (group_reporting). */
static void fio_job_entry(struct json_writer *j, const struct bench_job *job, unsigned jobs)
{
    const struct bench_result *r = &job->res;
    const struct bench_opts *o = &job->o;
    json_object_begin(j, NULL);
    json_str(j, "jobname", o->name);
    json_u64(j, "groupid", 0);
    if (o->numjobs > 1 && jobs > 1)
        json_u64(j, "job_count", jobs); /* merged: how many (nvos; fio says it in "jobs=") */
    json_u64(j, "error", (uint64_t)(r->status < 0 ? -r->status : r->status));
    json_u64(j, "eta", 0);
    json_u64(j, "elapsed", bench_ticks_to_ns(&job->clock, r->elapsed_ticks) / NSEC_PER_SEC);
    json_object_begin(j, "job options");
    json_str(j, "name", o->name);
    json_str(j, "rw", bench_rw_name(o->rw));
    fio_opt(j, "bs", o->bs);
    fio_opt(j, "iodepth", o->iodepth);
    if (job->mixed)
        fio_opt(j, "rwmixread", o->rwmixread);
    fio_opt(j, "offset", job->win_lba * job->block_size);
    fio_opt(j, "size", window_bytes(job));
    if (o->ios)
        fio_opt(j, "number_ios", o->ios);
    if (o->runtime_ns)
        fio_opt(j, "runtime", o->runtime_ns / NSEC_PER_MSEC); /* fio: ms when suffixed so */
    if (o->ramp_ns)
        fio_opt(j, "ramp_time", o->ramp_ns / NSEC_PER_MSEC);
    fio_opt(j, "randseed", o->seed);
    if (o->norandommap)
        fio_opt(j, "norandommap", 1);
    if (o->numjobs > 1)
        fio_opt(j, "numjobs", o->numjobs);
    if (o->group_reporting)
        fio_opt(j, "group_reporting", 1);
    json_object_end(j);
    fio_dir(j, job, "read", &r->dir[BENCH_DIR_READ]);
    fio_dir(j, job, "write", &r->dir[BENCH_DIR_WRITE]);
    fio_dir(j, job, "trim", NULL);
    static const struct bench_lat no_sync = { .min = UINT64_MAX };
    json_object_begin(j, "sync");
    json_u64(j, "total_ios", 0);
    fio_lat(j, "lat_ns", &no_sync, job, NULL);
    json_object_end(j);
    json_u64(j, "job_runtime", bench_ticks_to_ns(&job->clock, r->elapsed_ticks) / NSEC_PER_MSEC);
    json_object_end(j);
}

/*
 * fio's document for jobs[0..n): one "jobs" entry each, or, with
 * group_reporting, the one entry of merged (which stands for all n).
 */
void bench_report_fio_document(const struct bench_job *const *jobs, unsigned n,
                               const struct bench_job *merged)
{
    const struct bench_job *job = jobs[0];
    struct json_writer j;
    json_init(&j, JSON_FIO, bench_sink, (void *)job->env);
    bench_printf(job->env, "BENCH_FIO_JSON_BEGIN\n");
    json_object_begin(&j, NULL);
    json_str(&j, "fio version", "nvos-bench");
    json_object_begin(&j, "global options");
    json_str(&j, "filename", job->t->name);
    json_str(&j, "direct", "1");
    json_object_end(&j);
    json_array_begin(&j, "jobs");
    if (merged)
        fio_job_entry(&j, merged, n);
    else
        for (unsigned i = 0; i < n; i++)
            fio_job_entry(&j, jobs[i], 1);
    json_array_end(&j);
    json_array_begin(&j, "disk_util");
    json_array_end(&j);
    json_object_end(&j);
    bench_printf(job->env, "\nBENCH_FIO_JSON_END\n");
}

void bench_report_group_json(const struct bench_job *job, unsigned numjobs, unsigned ran,
                             const uint64_t *iops, const uint64_t *bw,
                             const struct bench_result *total)
{
    struct json_writer j;
    json_init(&j, JSON_COMPACT, bench_sink, (void *)job->env);
    bench_printf(job->env, "BENCH_GROUP ");
    json_object_begin(&j, NULL);
    json_str(&j, "jobname", job->o.name);
    json_u64(&j, "numjobs", numjobs);
    json_u64(&j, "jobs_run", ran);
    for (unsigned d = 0; d < BENCH_DIRS; d++) {
        char key[24];
        ksnprintf(key, sizeof(key), "%s_iops", dir_name[d]);
        json_u64(&j, key, iops[d]);
        ksnprintf(key, sizeof(key), "%s_bw_bytes", dir_name[d]);
        json_u64(&j, key, bw[d]);
        ksnprintf(key, sizeof(key), "%s_ios", dir_name[d]);
        json_u64(&j, key, total->dir[d].ios);
    }
    json_u64(&j, "errors", total->errors);
    json_u64(&j, "verify_blocks_checked", total->verify.blocks_checked);
    json_u64(&j, "verify_mismatches", total->verify.mismatches);
    json_str(&j, "status", total->status ? errno_name(total->status) : "ok");
    json_object_end(&j);
    bench_printf(job->env, "\n");
}

void bench_job_report(const struct bench_job *job)
{
    const struct bench_env *env = job->env;
    const struct bench_result *r = &job->res;
    char el[24];
    bench_fmt_x1000(el, sizeof(el),
                    bench_ticks_to_ns(&job->clock, r->elapsed_ticks) / NSEC_PER_MSEC, 3);
    bench_printf(env, "%s: (dev=%s rw=%s bs=%llu iodepth=%u queues=%u mode=%s): err=%d (%s), %ss\n",
                 job->o.name, job->t->name, bench_rw_name(job->o.rw),
                 (unsigned long long)job->o.bs, job->o.iodepth, job->nqueues,
                 bench_mode_name(job->mode), -r->status, r->status ? errno_name(r->status) : "ok",
                 el);
    for (unsigned d = 0; d < BENCH_DIRS; d++)
        if (r->dir[d].ios || r->dir[d].errors || r->dir[d].runtime_ticks)
            print_dir(job, d);
    print_driver(job);
    if (job->o.fsync && job->writes)
        bench_printf(env, "  flush: %llu Flushes (fsync=%u), %llu writes durable at the last\n",
                     (unsigned long long)r->flushes, job->o.fsync,
                     (unsigned long long)r->durable_writes);
    print_errors(job);
    if (job->verify)
        print_verify(job);
    print_json(job);
    if (job->o.output_format != BENCH_OUTPUT_NORMAL && job->o.numjobs <= 1)
        bench_report_fio_document(&job, 1, NULL);
}
