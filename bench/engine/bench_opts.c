/*
 * bench/engine/bench_opts.c - the "bench" command line: key=value options with
 * fio's names and meanings where fio has the option (fio HOWTO: rw,
 * rwmixread, bs, iodepth, runtime, ramp_time, number_ios, offset, size,
 * randseed, norandommap, verify, do_verify, verify_fatal, continue_on_error,
 * percentile_list), and jobs split fio-style: "name=" starts a job, options
 * before the first "name=" are the global section.
 *
 * Every value is checked here for syntax and range; what depends on the
 * device (bs against the block size, the window against its size, iodepth
 * against its queue) is checked when the job is created.
 */
#include <string.h>

#include "bench/engine/bench.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/parse.h"

static const char usage_text[] =
    "bench [global options] [name=JOB options]...\n"
    "  name=STR        start a job (options before the first name= apply to all)\n"
    "  dev=NAME        device (default: the environment's first disk)\n"
    "  target=KIND     how I/O is issued: block (default), or what the kernel adds\n"
    "  rw=MODE         read|write|randread|randwrite|rw|randrw (default read)\n"
    "  rwmixread=N     percent reads in rw/randrw (default 50)\n"
    "  bs=SIZE         bytes per I/O, a multiple of the block size (default 4k)\n"
    "  iodepth=N       I/Os in flight per queue (default 1)\n"
    "  queues=N        queue pairs (default 1)\n"
    "  numjobs=N       N copies of the job at once, copy i on CPU i (default 1)\n"
    "  group_reporting=1  numjobs: one merged entry instead of one per copy\n"
    "  mode=poll|irq   completion mode (default: the target's)\n"
    "  runtime=TIME    stop after TIME (10, 10s, 500ms, 2m)\n"
    "  ios=N           stop after N I/Os (default: one pass over the window)\n"
    "  ramp=TIME       warm-up before measuring (ramp_time=)\n"
    "  offset=SIZE|N%  window start (default 0)\n"
    "  size=SIZE|N%    window length (default: to the end)\n"
    "  seed=N          random seed (randseed=)\n"
    "  norandommap=1   random with replacement (default: each block once per pass)\n"
    "  verify=1        stamp writes, check reads; write jobs read back after\n"
    "  verify_gen=N    generation to write and expect (default write 1, read any)\n"
    "  do_verify=0     write jobs: skip the read-back pass\n"
    "  verify_fatal=1  stop at the first mismatch\n"
    "  verify_print=N  mismatches printed in full (default 10)\n"
    "  fsync=N         write jobs: a Flush after every N writes, a line when done\n"
    "  continue_on_error=none|read|write|io  keep going after failed I/Os\n"
    "  force=1         write even inside a partition that holds a file system\n"
    "  io_timeout=TIME give up when nothing completes for TIME (default 10s)\n"
    "  progress=TIME   progress line period, 0 for none (default 1s)\n"
    "  batch_complete=N  completions reaped per poll (default iodepth)\n"
    "  percentile_list=P:P:...  clat percentiles (default fio's 17)\n"
    "  json_bins=0     leave the histogram buckets out of BENCH_JSON\n"
    "  output-format=normal|json|json+  also print fio's JSON document (json+: with\n"
    "                  latency bins) between BENCH_FIO_JSON_BEGIN/END lines\n";

const char *bench_usage(void)
{
    return usage_text;
}

void bench_opts_default(struct bench_opts *o)
{
    memset(o, 0, sizeof(*o));
    memcpy(o->name, "bench", 6);
    memcpy(o->target, "block", 6);
    o->rw = BENCH_RW_READ;
    o->rwmixread = 50;
    o->bs = 4096;
    o->iodepth = 1;
    o->queues = 1;
    o->numjobs = 1;
    o->mode = BENCH_MODE_DEFAULT;
    o->seed = 0x6e766f73; /* "nvos": repeatable runs, like fio's randrepeat=1 */
    o->do_verify = true;
    o->verify_gen = 1;
    o->verify_print = 10;
    o->io_timeout_ns = 10 * NSEC_PER_SEC;
    o->progress_ns = NSEC_PER_SEC;
    o->npercentiles = BENCH_FIO_PERCENTILES_NR;
    memcpy(o->percentiles, bench_fio_percentiles, sizeof(bench_fio_percentiles));
    o->json_bins = true;
}

static const char *const rw_names[] = {
    [BENCH_RW_READ] = "read",   [BENCH_RW_WRITE] = "write", [BENCH_RW_RANDREAD] = "randread",
    [BENCH_RW_RANDWRITE] = "randwrite", [BENCH_RW_RW] = "rw",  [BENCH_RW_RANDRW] = "randrw",
};

const char *bench_rw_name(enum bench_rw rw)
{
    return (unsigned)rw < ARRAY_SIZE(rw_names) ? rw_names[rw] : "?";
}

const char *bench_mode_name(enum bench_mode m)
{
    switch (m) {
    case BENCH_MODE_POLL: return "poll";
    case BENCH_MODE_IRQ: return "irq";
    default: return "default";
    }
}

/* "10" (seconds), "10s", "500ms", "250us", "100ns", "2m", "1h". */
static int parse_time_ns(const char *s, uint64_t *out)
{
    static const struct {
        const char *suffix;
        uint64_t mult;
    } units[] = { { "ns", 1 },           { "us", NSEC_PER_USEC },    { "ms", NSEC_PER_MSEC },
                  { "s", NSEC_PER_SEC }, { "m", 60 * NSEC_PER_SEC }, { "h", 3600 * NSEC_PER_SEC } };
    char digits[24];
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9')
        n++;
    if (n == 0 || n >= sizeof(digits))
        return n == 0 ? -EINVAL : -ERANGE;
    memcpy(digits, s, n);
    digits[n] = '\0';
    uint64_t v, mult = NSEC_PER_SEC;
    int err = parse_u64(digits, &v);
    if (err)
        return err;
    if (s[n] != '\0') {
        unsigned i;
        for (i = 0; i < ARRAY_SIZE(units); i++)
            if (strcmp(s + n, units[i].suffix) == 0)
                break;
        if (i == ARRAY_SIZE(units))
            return -EINVAL;
        mult = units[i].mult;
    }
    if (v > UINT64_MAX / mult)
        return -ERANGE;
    *out = v * mult;
    return 0;
}

/* "99.99" -> 99990000 (percent x 10^6); 0 < p <= 100, at most 6 decimals. */
static int parse_percentile(const char *s, size_t len, uint32_t *out)
{
    uint64_t ip = 0, frac = 0;
    size_t i = 0;
    unsigned fdigits = 0;
    if (len == 0)
        return -EINVAL;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        ip = ip * 10 + (uint64_t)(s[i] - '0');
        if (ip > 100)
            return -ERANGE;
    }
    if (i == 0)
        return -EINVAL;
    if (i < len) {
        if (s[i++] != '.' || i == len)
            return -EINVAL;
        for (; i < len; i++, fdigits++) {
            if (s[i] < '0' || s[i] > '9' || fdigits == 6)
                return -EINVAL;
            frac = frac * 10 + (uint64_t)(s[i] - '0');
        }
    }
    for (; fdigits < 6; fdigits++)
        frac *= 10;
    uint64_t p = ip * 1000000 + frac;
    if (p == 0 || p > BENCH_PCT_100)
        return -ERANGE;
    *out = (uint32_t)p;
    return 0;
}

static int parse_percentile_list(struct bench_opts *o, const char *s)
{
    uint32_t list[BENCH_PERCENTILES_MAX];
    unsigned n = 0;
    while (*s) {
        const char *end = strchr(s, ':');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (n == BENCH_PERCENTILES_MAX)
            return -E2BIG;
        uint32_t p;
        int err = parse_percentile(s, len, &p);
        if (err)
            return err;
        /* Insert sorted, dropping duplicates. */
        unsigned i = n;
        while (i > 0 && list[i - 1] > p)
            i--;
        if (i > 0 && list[i - 1] == p) {
            /* duplicate */
        } else {
            memmove(&list[i + 1], &list[i], (n - i) * sizeof(list[0]));
            list[i] = p;
            n++;
        }
        s += len;
        if (*s == ':') {
            s++;
            if (*s == '\0')
                return -EINVAL;
        }
    }
    if (n == 0)
        return -EINVAL;
    memcpy(o->percentiles, list, n * sizeof(list[0]));
    o->npercentiles = n;
    return 0;
}

/* SIZE with k/M/G suffix, or "N%" (0..100) of the device. */
static int parse_size_or_pct(const char *s, uint64_t *out, bool *pct)
{
    size_t n = strlen(s);
    if (n > 1 && s[n - 1] == '%') {
        char num[8];
        if (n - 1 >= sizeof(num))
            return -ERANGE;
        memcpy(num, s, n - 1);
        num[n - 1] = '\0';
        uint64_t v;
        int err = parse_u64(num, &v);
        if (err)
            return err;
        if (v > 100)
            return -ERANGE;
        *out = v;
        *pct = true;
        return 0;
    }
    *pct = false;
    return parse_size(s, out);
}

static int set_bool(bool *dst, const char *v)
{
    return parse_bool(v, dst);
}

static int set_u32_range(uint32_t *dst, const char *v, uint32_t lo, uint32_t hi)
{
    uint32_t x;
    int err = parse_u32(v, &x);
    if (err)
        return err;
    if (x < lo || x > hi)
        return -ERANGE;
    *dst = x;
    return 0;
}

static int set_string(char *dst, size_t size, const char *v)
{
    size_t n = strlen(v);
    if (n == 0)
        return -EINVAL;
    if (n >= size)
        return -ERANGE;
    memcpy(dst, v, n + 1);
    return 0;
}

int bench_opts_set(struct bench_opts *o, const char *key, const char *v, char *err,
                   size_t err_size)
{
    int rc = 0;
    const char *hint = "";
    uint32_t u32;
    bool b;

    if (!strcmp(key, "name")) {
        rc = set_string(o->name, sizeof(o->name), v);
        hint = "1 to 31 characters";
    } else if (!strcmp(key, "dev") || !strcmp(key, "filename")) {
        rc = set_string(o->dev, sizeof(o->dev), v);
        hint = "a device name";
    } else if (!strcmp(key, "target")) {
        rc = set_string(o->target, sizeof(o->target), v);
        hint = "a target kind, e.g. block";
    } else if (!strcmp(key, "rw") || !strcmp(key, "readwrite")) {
        unsigned i;
        for (i = 0; i < ARRAY_SIZE(rw_names); i++)
            if (!strcmp(v, rw_names[i]))
                break;
        if (i < ARRAY_SIZE(rw_names))
            o->rw = (enum bench_rw)i;
        else if (!strcmp(v, "readwrite"))
            o->rw = BENCH_RW_RW;
        else
            rc = -EINVAL;
        hint = "read, write, randread, randwrite, rw or randrw";
    } else if (!strcmp(key, "rwmixread") || !strcmp(key, "rwmixwrite")) {
        rc = set_u32_range(&u32, v, 0, 100);
        if (rc == 0)
            o->rwmixread = key[5] == 'r' ? u32 : 100 - u32;
        hint = "a percentage, 0 to 100";
    } else if (!strcmp(key, "bs") || !strcmp(key, "blocksize")) {
        rc = parse_size(v, &o->bs);
        if (rc == 0 && (o->bs == 0 || o->bs > (256ull << 20)))
            rc = -ERANGE;
        hint = "a size up to 256M, e.g. 4k";
    } else if (!strcmp(key, "iodepth")) {
        rc = set_u32_range(&o->iodepth, v, 1, 65536);
        hint = "1 to the queue size";
    } else if (!strcmp(key, "queues")) {
        rc = set_u32_range(&o->queues, v, 1, 1024);
        hint = "1 to the number of queue pairs";
    } else if (!strcmp(key, "numjobs")) {
        rc = set_u32_range(&o->numjobs, v, 1, BENCH_NUMJOBS_MAX);
        hint = "1 to the number of CPUs";
    } else if (!strcmp(key, "group_reporting")) {
        rc = set_bool(&o->group_reporting, v);
        hint = "0 or 1";
    } else if (!strcmp(key, "mode")) {
        if (!strcmp(v, "poll"))
            o->mode = BENCH_MODE_POLL;
        else if (!strcmp(v, "irq"))
            o->mode = BENCH_MODE_IRQ;
        else if (!strcmp(v, "default"))
            o->mode = BENCH_MODE_DEFAULT;
        else
            rc = -EINVAL;
        hint = "poll or irq";
    } else if (!strcmp(key, "runtime")) {
        rc = parse_time_ns(v, &o->runtime_ns);
        hint = "a time: 10, 10s, 500ms, 2m";
    } else if (!strcmp(key, "ramp") || !strcmp(key, "ramp_time")) {
        rc = parse_time_ns(v, &o->ramp_ns);
        hint = "a time: 2, 2s, 500ms";
    } else if (!strcmp(key, "ios") || !strcmp(key, "number_ios")) {
        rc = parse_u64(v, &o->ios);
        hint = "a count";
    } else if (!strcmp(key, "offset")) {
        rc = parse_size_or_pct(v, &o->offset, &o->offset_pct);
        hint = "bytes (k/M/G suffix) or a percentage";
    } else if (!strcmp(key, "size")) {
        rc = parse_size_or_pct(v, &o->size, &o->size_pct);
        if (rc == 0 && o->size == 0)
            rc = -ERANGE;
        hint = "bytes (k/M/G suffix) or a percentage, not 0";
    } else if (!strcmp(key, "seed") || !strcmp(key, "randseed")) {
        rc = parse_u64(v, &o->seed);
        hint = "a number";
    } else if (!strcmp(key, "norandommap")) {
        rc = set_bool(&o->norandommap, v);
        hint = "0 or 1";
    } else if (!strcmp(key, "fsync")) {
        rc = set_u32_range(&o->fsync, v, 0, 1u << 30);
        hint = "a write count, 0 for none";
    } else if (!strcmp(key, "verify")) {
        rc = set_bool(&o->verify, v);
        hint = "0 or 1 (the stamp is LBA + generation + checksum)";
    } else if (!strcmp(key, "do_verify")) {
        rc = set_bool(&o->do_verify, v);
        hint = "0 or 1";
    } else if (!strcmp(key, "verify_fatal")) {
        rc = set_bool(&o->verify_fatal, v);
        hint = "0 or 1";
    } else if (!strcmp(key, "verify_gen")) {
        rc = parse_u32(v, &o->verify_gen);
        if (rc == 0)
            o->verify_gen_set = true;
        hint = "a 32-bit generation number";
    } else if (!strcmp(key, "verify_print")) {
        rc = set_u32_range(&o->verify_print, v, 0, 1000);
        hint = "0 to 1000";
    } else if (!strcmp(key, "continue_on_error")) {
        if (!strcmp(v, "none") || !strcmp(v, "0"))
            o->continue_on_error = 0;
        else if (!strcmp(v, "read"))
            o->continue_on_error = BENCH_COE_READ;
        else if (!strcmp(v, "write"))
            o->continue_on_error = BENCH_COE_WRITE;
        else if (!strcmp(v, "io") || !strcmp(v, "all") || !strcmp(v, "1"))
            o->continue_on_error = BENCH_COE_READ | BENCH_COE_WRITE;
        else
            rc = -EINVAL;
        hint = "none, read, write, io or all";
    } else if (!strcmp(key, "stop_on_error")) {
        rc = set_bool(&b, v);
        if (rc == 0)
            o->continue_on_error = b ? 0 : BENCH_COE_READ | BENCH_COE_WRITE;
        hint = "0 or 1";
    } else if (!strcmp(key, "force")) {
        rc = set_bool(&o->force, v);
        hint = "0 or 1";
    } else if (!strcmp(key, "io_timeout")) {
        rc = parse_time_ns(v, &o->io_timeout_ns);
        if (rc == 0 && o->io_timeout_ns == 0)
            rc = -ERANGE;
        hint = "a time, not 0";
    } else if (!strcmp(key, "progress")) {
        rc = parse_time_ns(v, &o->progress_ns);
        if (rc == 0 && o->progress_ns != 0 && o->progress_ns < NSEC_PER_MSEC)
            rc = -ERANGE;
        hint = "0, or a time of at least 1ms";
    } else if (!strcmp(key, "batch_complete") || !strcmp(key, "iodepth_batch_complete_max")) {
        rc = set_u32_range(&o->batch_complete, v, 0, 65536);
        hint = "0 (iodepth) or a count";
    } else if (!strcmp(key, "percentile_list")) {
        rc = parse_percentile_list(o, v);
        hint = "up to 20 percentiles (0,100] separated by ':'";
    } else if (!strcmp(key, "output-format") || !strcmp(key, "output_format")) {
        static const char *const formats[] = { "normal", "json", "json+" };
        rc = -EINVAL;
        for (unsigned i = 0; i < 3; i++)
            if (!strcmp(v, formats[i])) {
                o->output_format = (uint8_t)i;
                rc = 0;
            }
        hint = "normal, json or json+";
    } else if (!strcmp(key, "json_bins")) {
        rc = set_bool(&o->json_bins, v);
        hint = "0 or 1";
    } else {
        ksnprintf(err, err_size, "unknown option '%s' (bench help lists them)", key);
        return -EINVAL;
    }
    if (rc) {
        ksnprintf(err, err_size, "%s=%s: %s", key, v, hint);
        return rc == -ERANGE || rc == -E2BIG ? -ERANGE : -EINVAL;
    }
    return 0;
}

int bench_parse(int argc, char *const *argv, struct bench_plan *plan, char *err,
                size_t err_size)
{
    struct bench_opts *cur = NULL;
    struct bench_opts global;
    bench_opts_default(&global);
    plan->njobs = 0;

    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        while (*arg == '-') /* tolerate fio's --key=value */
            arg++;
        const char *eq = strchr(arg, '=');
        char key[32];
        if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof(key)) {
            ksnprintf(err, err_size, "'%s': options are key=value", argv[i]);
            return -EINVAL;
        }
        memcpy(key, arg, (size_t)(eq - arg));
        key[eq - arg] = '\0';
        if (!strcmp(key, "name")) {
            if (plan->njobs == BENCH_JOBS_MAX) {
                ksnprintf(err, err_size, "more than %d jobs", BENCH_JOBS_MAX);
                return -E2BIG;
            }
            cur = &plan->job[plan->njobs++];
            *cur = global;
        }
        int rc = bench_opts_set(cur ? cur : &global, key, eq + 1, err, err_size);
        if (rc)
            return rc;
    }
    if (plan->njobs == 0)
        plan->job[plan->njobs++] = global;
    return 0;
}
