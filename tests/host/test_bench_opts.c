/*
 * Host test: bench/engine/bench_opts.c - defaults, the global section and
 * name= jobs, every option's syntax and range, aliases, and the error
 * messages for bad command lines.
 */
#include "bench/engine/bench.h"
#include "lib/errno.h"
#include "tests/host/check.h"

static struct bench_plan plan;
static char err[160];

/* Splits a line on spaces (no quoting needed here) and parses it. */
static int parse(const char *line)
{
    static char buf[1024];
    char *argv[64];
    int argc = 0;
    snprintf(buf, sizeof(buf), "%s", line);
    for (char *p = strtok(buf, " "); p; p = strtok(NULL, " "))
        argv[argc++] = p;
    err[0] = '\0';
    return bench_parse(argc, argv, &plan, err, sizeof(err));
}

static int set1(struct bench_opts *o, const char *k, const char *v)
{
    err[0] = '\0';
    return bench_opts_set(o, k, v, err, sizeof(err));
}

static void test_defaults(void)
{
    CHECK_EQ(parse(""), 0);
    CHECK_EQ(plan.njobs, 1);
    struct bench_opts *o = &plan.job[0];
    CHECK_STR_EQ(o->name, "bench");
    CHECK_STR_EQ(o->target, "block");
    CHECK_STR_EQ(o->dev, "");
    CHECK_EQ(o->rw, BENCH_RW_READ);
    CHECK_EQ(o->bs, 4096);
    CHECK_EQ(o->iodepth, 1);
    CHECK_EQ(o->queues, 1);
    CHECK_EQ(o->mode, BENCH_MODE_DEFAULT);
    CHECK_EQ(o->rwmixread, 50);
    CHECK_EQ(o->runtime_ns, 0);
    CHECK_EQ(o->ios, 0);
    CHECK_EQ(o->verify, false);
    CHECK_EQ(o->do_verify, true);
    CHECK_EQ(o->verify_gen, 1);
    CHECK_EQ(o->verify_gen_set, false);
    CHECK_EQ(o->io_timeout_ns, 10000000000ull);
    CHECK_EQ(o->progress_ns, 1000000000ull);
    CHECK_EQ(o->npercentiles, 17);
    CHECK_EQ(o->percentiles[16], 99990000);
    CHECK_EQ(o->json_bins, true);
    CHECK_EQ(o->continue_on_error, 0);
}

static void test_jobs(void)
{
    CHECK_EQ(parse("bs=8k iodepth=4 dev=nvme0n1 name=a rw=randread name=b iodepth=16 mode=poll"),
             0);
    CHECK_EQ(plan.njobs, 2);
    CHECK_STR_EQ(plan.job[0].name, "a");
    CHECK_EQ(plan.job[0].bs, 8192);
    CHECK_EQ(plan.job[0].iodepth, 4);
    CHECK_EQ(plan.job[0].rw, BENCH_RW_RANDREAD);
    CHECK_STR_EQ(plan.job[0].dev, "nvme0n1");
    CHECK_EQ(plan.job[0].mode, BENCH_MODE_DEFAULT);
    CHECK_STR_EQ(plan.job[1].name, "b");
    CHECK_EQ(plan.job[1].bs, 8192);
    CHECK_EQ(plan.job[1].iodepth, 16);
    CHECK_EQ(plan.job[1].rw, BENCH_RW_READ); /* job a's rw= is not global */
    CHECK_EQ(plan.job[1].mode, BENCH_MODE_POLL);
    CHECK_STR_EQ(plan.job[1].dev, "nvme0n1");

    /* Options after name= only affect that job, even the ones set globally. */
    CHECK_EQ(parse("--rw=write name=x --rw=read name=y"), 0);
    CHECK_EQ(plan.job[0].rw, BENCH_RW_READ);
    CHECK_EQ(plan.job[1].rw, BENCH_RW_WRITE);

    char line[2048] = "";
    for (int i = 0; i < BENCH_JOBS_MAX; i++)
        snprintf(line + strlen(line), sizeof(line) - strlen(line), "name=j%d ", i);
    CHECK_EQ(parse(line), 0);
    CHECK_EQ(plan.njobs, BENCH_JOBS_MAX);
    strcat(line, "name=toomany");
    CHECK_EQ(parse(line), -E2BIG);

    CHECK_EQ(parse("bs=4k verbose"), -EINVAL);
    CHECK_STR_EQ(err, "'verbose': options are key=value");
    CHECK_EQ(parse("=4"), -EINVAL);
    CHECK_EQ(parse("colour=blue"), -EINVAL);
    CHECK_STR_EQ(err, "unknown option 'colour' (bench help lists them)");
    CHECK_EQ(parse("name="), -EINVAL);
    CHECK_EQ(parse("name=abcdefghijklmnopqrstuvwxyz0123456789"), -ERANGE);
}

static void test_values(void)
{
    struct bench_opts o;
    bench_opts_default(&o);

    static const struct {
        const char *v;
        enum bench_rw rw;
    } rws[] = { { "read", BENCH_RW_READ },           { "write", BENCH_RW_WRITE },
                { "randread", BENCH_RW_RANDREAD },   { "randwrite", BENCH_RW_RANDWRITE },
                { "rw", BENCH_RW_RW },               { "readwrite", BENCH_RW_RW },
                { "randrw", BENCH_RW_RANDRW } };
    for (size_t i = 0; i < sizeof(rws) / sizeof(rws[0]); i++) {
        CHECK_EQ(set1(&o, "rw", rws[i].v), 0);
        CHECK_EQ(o.rw, rws[i].rw);
    }
    CHECK_EQ(set1(&o, "rw", "trim"), -EINVAL);
    CHECK_STR_EQ(err, "rw=trim: read, write, randread, randwrite, rw or randrw");
    CHECK_STR_EQ(bench_rw_name(BENCH_RW_RANDRW), "randrw");

    CHECK_EQ(set1(&o, "rwmixread", "70"), 0);
    CHECK_EQ(o.rwmixread, 70);
    CHECK_EQ(set1(&o, "rwmixwrite", "70"), 0);
    CHECK_EQ(o.rwmixread, 30);
    CHECK_EQ(set1(&o, "rwmixread", "101"), -ERANGE);

    CHECK_EQ(set1(&o, "bs", "512"), 0);
    CHECK_EQ(o.bs, 512);
    CHECK_EQ(set1(&o, "bs", "2M"), 0);
    CHECK_EQ(o.bs, 2 << 20);
    CHECK_EQ(set1(&o, "bs", "0"), -ERANGE);
    CHECK_EQ(set1(&o, "bs", "1G"), -ERANGE);
    CHECK_EQ(set1(&o, "bs", "3x"), -EINVAL);
    CHECK_STR_EQ(err, "bs=3x: a size up to 256M, e.g. 4k");

    CHECK_EQ(set1(&o, "iodepth", "0"), -ERANGE);
    CHECK_EQ(set1(&o, "iodepth", "128"), 0);
    CHECK_EQ(o.iodepth, 128);
    CHECK_EQ(set1(&o, "queues", "4"), 0);
    CHECK_EQ(o.queues, 4);
    CHECK_EQ(set1(&o, "mode", "irq"), 0);
    CHECK_EQ(o.mode, BENCH_MODE_IRQ);
    CHECK_EQ(set1(&o, "mode", "interrupt"), -EINVAL);

    static const struct {
        const char *v;
        uint64_t ns;
    } times[] = { { "10", 10000000000ull }, { "10s", 10000000000ull }, { "500ms", 500000000 },
                  { "250us", 250000 },      { "100ns", 100 },          { "2m", 120000000000ull },
                  { "1h", 3600000000000ull }, { "0", 0 } };
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        CHECK_EQ(set1(&o, "runtime", times[i].v), 0);
        CHECK(o.runtime_ns == times[i].ns);
    }
    CHECK_EQ(set1(&o, "runtime", "10x"), -EINVAL);
    CHECK_EQ(set1(&o, "runtime", "s"), -EINVAL);
    CHECK_EQ(set1(&o, "runtime", "1.5s"), -EINVAL);
    CHECK_EQ(set1(&o, "runtime", "99999999999999h"), -ERANGE);
    CHECK_EQ(set1(&o, "ramp_time", "2s"), 0);
    CHECK(o.ramp_ns == 2000000000ull);
    CHECK_EQ(set1(&o, "io_timeout", "0"), -ERANGE);
    CHECK_EQ(set1(&o, "progress", "0"), 0);
    CHECK_EQ(o.progress_ns, 0);
    CHECK_EQ(set1(&o, "progress", "999us"), -ERANGE);
    CHECK_EQ(set1(&o, "number_ios", "1000"), 0);
    CHECK_EQ(o.ios, 1000);

    CHECK_EQ(set1(&o, "offset", "1M"), 0);
    CHECK_EQ(o.offset, 1 << 20);
    CHECK(!o.offset_pct);
    CHECK_EQ(set1(&o, "offset", "50%"), 0);
    CHECK_EQ(o.offset, 50);
    CHECK(o.offset_pct);
    CHECK_EQ(set1(&o, "size", "101%"), -ERANGE);
    CHECK_EQ(set1(&o, "size", "0"), -ERANGE);
    CHECK_EQ(set1(&o, "size", "%"), -EINVAL);
    CHECK_EQ(set1(&o, "size", "64M"), 0);
    CHECK_EQ(o.size, 64 << 20);

    CHECK_EQ(set1(&o, "randseed", "0x1234"), 0);
    CHECK_EQ(o.seed, 0x1234);
    CHECK_EQ(set1(&o, "norandommap", "1"), 0);
    CHECK(o.norandommap);
    CHECK_EQ(set1(&o, "verify", "crc32c"), -EINVAL);
    CHECK_EQ(set1(&o, "verify", "1"), 0);
    CHECK(o.verify);
    CHECK_EQ(set1(&o, "verify_gen", "7"), 0);
    CHECK(o.verify_gen_set);
    CHECK_EQ(o.verify_gen, 7);
    CHECK_EQ(set1(&o, "verify_print", "1001"), -ERANGE);

    CHECK_EQ(set1(&o, "continue_on_error", "read"), 0);
    CHECK_EQ(o.continue_on_error, BENCH_COE_READ);
    CHECK_EQ(set1(&o, "continue_on_error", "all"), 0);
    CHECK_EQ(o.continue_on_error, BENCH_COE_READ | BENCH_COE_WRITE);
    CHECK_EQ(set1(&o, "continue_on_error", "none"), 0);
    CHECK_EQ(o.continue_on_error, 0);
    CHECK_EQ(set1(&o, "stop_on_error", "0"), 0);
    CHECK_EQ(o.continue_on_error, BENCH_COE_READ | BENCH_COE_WRITE);
    CHECK_EQ(set1(&o, "continue_on_error", "maybe"), -EINVAL);
}

static void test_percentiles(void)
{
    struct bench_opts o;
    bench_opts_default(&o);
    CHECK_EQ(set1(&o, "percentile_list", "99.99:50:99.9:50:100"), 0);
    CHECK_EQ(o.npercentiles, 4);
    CHECK_EQ(o.percentiles[0], 50000000);
    CHECK_EQ(o.percentiles[1], 99900000);
    CHECK_EQ(o.percentiles[2], 99990000);
    CHECK_EQ(o.percentiles[3], 100000000);
    CHECK_EQ(set1(&o, "percentile_list", "99.999999"), 0);
    CHECK_EQ(o.percentiles[0], 99999999);
    CHECK_EQ(set1(&o, "percentile_list", "99.9999999"), -EINVAL);
    CHECK_EQ(set1(&o, "percentile_list", "0"), -ERANGE);
    CHECK_EQ(set1(&o, "percentile_list", "100.5"), -ERANGE);
    CHECK_EQ(set1(&o, "percentile_list", "50:"), -EINVAL);
    CHECK_EQ(set1(&o, "percentile_list", ":50"), -EINVAL);
    CHECK_EQ(set1(&o, "percentile_list", "5.:6"), -EINVAL);
    CHECK_EQ(set1(&o, "percentile_list",
                  "1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18:19:20:21"),
             -ERANGE);
    CHECK_EQ(o.npercentiles, 1); /* unchanged by the failures */
}

int main(void)
{
    test_defaults();
    test_jobs();
    test_values();
    test_percentiles();
    CHECK(strstr(bench_usage(), "name=STR") != NULL);
    return check_exit();
}
