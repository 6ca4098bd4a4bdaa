/*
 * Host test: bench/engine/bench_engine.c against the fake block device and a
 * test-local multi-queue target:
 *   - the closed loop keeps exactly iodepth I/Os in flight, each unit of the
 *     window is visited once per pass (sequential and random map), random
 *     LBAs are reproducible per seed, aligned and inside offset/size;
 *   - rwmixread, ios=, runtime=, ramp= (on the fake clock), progress lines;
 *   - latency: exact for a constant device, percentiles within the bucket
 *     error of the device's own latency log (bimodal, long-tail);
 *   - driver-cycle accounting against the fake's known costs;
 *   - failed I/Os (stop or continue), rejected submissions, -EAGAIN, a hung
 *     device (gives up, -ETIMEDOUT), user interrupt;
 *   - mode=irq with completions arriving "asynchronously";
 *   - queues=4 through a target that only lets the device see committed
 *     submissions (a missing commit would hang), first batch = iodepth;
 *   - the command level: several jobs, errors, allocation failures, JSON.
 */
#include <stdbool.h>

#include "bench/bench_target_block.h"
#include "bench/engine/bench_internal.h"
#include "lib/errno.h"
#include "tests/host/bench_host_env.h"
#include "tests/host/check.h"

static struct host_env h;
static struct fake_block *fb;
static struct bench_plan plan;
static struct bench_result R;
static char why[256];

static struct fake_block_config base_cfg(void)
{
    struct fake_block_config c;
    memset(&c, 0, sizeof(c));
    c.block_size = 512;
    c.block_count = 1024;
    c.queue_depth = 64;
    c.latency = FAKE_LAT_CONST;
    c.lat_a = 10000;
    c.report_complete_tsc = true;
    c.seed = 5;
    return c;
}

static void setup(struct fake_block_config cfg)
{
    host_env_init(&h);
    fake_tsc = 1000;
    fb = fake_block_create(&cfg);
    fake_block_track_blocks(fb);
    fake_block_log_lbas(fb, 1 << 20);
    host_env_add_device(&h, fb);
}

static void teardown(void)
{
    host_env_fini(&h);
    fake_block_destroy(fb);
    fb = NULL;
}

/* Runs the single job of line through the job API; R gets its result. */
static int run(const char *line)
{
    static char buf[1024];
    char *argv[64];
    int argc = 0;
    snprintf(buf, sizeof(buf), "%s", line);
    for (char *p = strtok(buf, " "); p; p = strtok(NULL, " "))
        argv[argc++] = p;
    int err = bench_parse(argc, argv, &plan, why, sizeof(why));
    if (err) {
        fprintf(stderr, "parse '%s': %s\n", line, why);
        return err;
    }
    struct bench_target t;
    err = h.env.open_target(h.env.ctx, &plan.job[0], &t);
    if (err)
        return err;
    why[0] = '\0';
    struct bench_job *job = bench_job_create(&h.env, &t, &plan.job[0], &err, why, sizeof(why));
    if (!job)
        return err;
    int rc = bench_job_run(job);
    bench_job_report(job);
    R = *bench_job_result(job);
    bench_job_destroy(job);
    return rc;
}

static bool out_has(const char *s)
{
    return h.out && strstr(h.out, s) != NULL;
}

static unsigned count_lines_with(const char *s)
{
    unsigned n = 0;
    for (const char *p = h.out; p && (p = strstr(p, s)) != NULL; p++)
        n++;
    return n;
}

/* ---- the closed loop and the window ---- */

static void test_seq_one_pass(void)
{
    setup(base_cfg());
    CHECK_EQ(run("rw=read bs=4k iodepth=8"), 0);
    CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 128);
    CHECK_EQ(R.dir[BENCH_DIR_WRITE].ios, 0);
    CHECK_EQ(R.stop, BENCH_STOP_DONE);
    CHECK_EQ(fb->writes, 0);
    int once = 1;
    for (unsigned b = 0; b < 1024; b++)
        once &= fb->read_count[b] == 1;
    CHECK(once);
    for (size_t i = 0; i < fb->lba_log_len; i++)
        CHECK_EQ(fb->lba_log[i], i * 8); /* in order */
    CHECK_EQ(fb->max_inflight, 8);
    CHECK(fb->polls_below_max <= 8); /* only while draining */
    /* A constant 10 us device reports exactly 10 us. */
    const struct bench_dir_stats *s = &R.dir[BENCH_DIR_READ];
    CHECK_EQ(s->clat.min, 10000);
    CHECK_EQ(s->clat.max, 10000);
    CHECK_EQ(bench_lat_stddev_x1000(&s->clat), 0);
    uint64_t p[1];
    uint32_t p999 = BENCH_PCT(99, 900000);
    bench_hist_percentiles(s->hist, s->clat.n, s->clat.min, s->clat.max, &p999, 1, p);
    CHECK_EQ(p[0], 10000);
    /* 8 in flight, 10 us each: 800k IOPS, less the fake's poll costs. */
    uint64_t iops = bench_muldiv(s->ios, 1000000000, s->runtime_ticks);
    CHECK(iops > 700000 && iops <= 800000);
    CHECK(out_has("  read: IOPS="));
    CHECK(out_has("BENCH_JSON {\"jobname\":\"bench\""));
    teardown();
}

static void test_queue_depths(void)
{
    static const unsigned qds[] = { 1, 4, 32, 64 };
    for (size_t i = 0; i < sizeof(qds) / sizeof(qds[0]); i++) {
        struct fake_block_config c = base_cfg();
        c.latency = FAKE_LAT_UNIFORM;
        c.lat_a = 5000;
        c.lat_b = 20000;
        c.order = i % 2 ? FAKE_ORDER_SHUFFLE : FAKE_ORDER_FIFO;
        c.block_count = 1 << 16;
        setup(c);
        char line[128];
        snprintf(line, sizeof(line), "rw=randread bs=512 iodepth=%u ios=3000", qds[i]);
        CHECK_EQ(run(line), 0);
        CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 3000);
        CHECK_EQ(fb->submits, 3000);
        CHECK_EQ(fb->max_inflight, qds[i]);
        if (fb->polls_below_max > 2 * qds[i])
            fprintf(stderr, "qd %u: %llu polls below max\n", qds[i], (unsigned long long)fb->polls_below_max);
        CHECK(fb->polls_below_max <= 2 * qds[i]); /* draining: a reaping and an empty poll each */
        /* The initial burst went out as one batch. */
        CHECK(R.commits <= R.submits - qds[i] + 1);
        teardown();
    }
}

static void test_random_map(void)
{
    struct fake_block_config c = base_cfg();
    c.block_count = 1000; /* not a power of two */
    setup(c);
    CHECK_EQ(run("rw=randread bs=512 iodepth=7"), 0); /* one pass */
    CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 1000);
    int once = 1;
    for (unsigned b = 0; b < 1000; b++)
        once &= fb->read_count[b] == 1;
    CHECK(once);
    size_t ascending = 0;
    for (size_t i = 1; i < fb->lba_log_len; i++)
        ascending += fb->lba_log[i] > fb->lba_log[i - 1];
    CHECK(ascending > 350 && ascending < 650); /* shuffled, not sequential */
    static uint64_t first[1000];
    memcpy(first, fb->lba_log, sizeof(first));
    teardown();

    setup(c);
    CHECK_EQ(run("rw=randread bs=512 iodepth=7 ios=2000"), 0);
    int twice = 1;
    for (unsigned b = 0; b < 1000; b++)
        twice &= fb->read_count[b] == 2;
    CHECK(twice);
    CHECK(memcmp(first, fb->lba_log, sizeof(first)) == 0); /* same seed, same order */
    CHECK(memcmp(fb->lba_log, fb->lba_log + 1000, sizeof(first)) != 0); /* pass 2 differs */
    teardown();

    setup(c);
    CHECK_EQ(run("rw=randread bs=512 iodepth=7 seed=99"), 0);
    CHECK(memcmp(first, fb->lba_log, sizeof(first)) != 0);
    teardown();

    /* norandommap: uniform with replacement. 20000 over 100 blocks: ~200 each. */
    c.block_count = 100;
    setup(c);
    CHECK_EQ(run("rw=randread bs=512 iodepth=4 norandommap=1 ios=20000"), 0);
    unsigned lo = UINT32_MAX, hi = 0;
    for (unsigned b = 0; b < 100; b++) {
        lo = fb->read_count[b] < lo ? fb->read_count[b] : lo;
        hi = fb->read_count[b] > hi ? fb->read_count[b] : hi;
    }
    CHECK(lo > 130 && hi < 270);
    teardown();
}

static void test_window(void)
{
    struct fake_block_config c = base_cfg();
    c.block_count = 8192;
    c.fixed_mode = true; /* polled, and cannot switch */
    setup(c);
    CHECK_EQ(run("rw=randread bs=4k offset=1M size=1M iodepth=4"), 0);
    CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 256);
    int inside = 1;
    for (size_t i = 0; i < fb->lba_log_len; i++)
        inside &= fb->lba_log[i] >= 2048 && fb->lba_log[i] < 4096 && fb->lba_log[i] % 8 == 0;
    CHECK(inside);
    fb->lba_log_len = 0;
    CHECK_EQ(run("rw=read bs=4k offset=50% size=25% iodepth=4"), 0);
    CHECK_EQ(fb->lba_log[0], 4096);
    CHECK_EQ(fb->lba_log[fb->lba_log_len - 1], 6144 - 8);

    CHECK_EQ(run("bs=4k offset=100"), -EINVAL);
    CHECK(strstr(why, "offset=100 is not a multiple") != NULL);
    CHECK_EQ(run("bs=4k offset=4M size=1M"), -ERANGE);
    CHECK(strstr(why, "past the end") != NULL);
    CHECK_EQ(run("bs=1000"), -EINVAL);
    CHECK(strstr(why, "not a multiple of fake0's 512-byte block") != NULL);
    CHECK_EQ(run("bs=8k size=4k"), -ERANGE);
    CHECK_EQ(run("iodepth=65"), -ERANGE);
    CHECK(strstr(why, "iodepth=65: fake0's queues take 64") != NULL);
    CHECK_EQ(run("queues=2"), -ERANGE);
    CHECK_EQ(run("mode=irq"), -EOPNOTSUPP);
    CHECK_STR_EQ(why, "mode=irq: target block on fake0 does not support it");
    teardown();
}

static void test_rwmix(void)
{
    struct fake_block_config c = base_cfg();
    c.block_count = 1 << 14;
    setup(c);
    CHECK_EQ(run("rw=randrw rwmixread=70 bs=512 iodepth=8 ios=10000"), 0);
    uint64_t r = R.dir[BENCH_DIR_READ].ios, w = R.dir[BENCH_DIR_WRITE].ios;
    CHECK_EQ(r + w, 10000);
    CHECK(r > 6700 && r < 7300);
    CHECK(R.dir[BENCH_DIR_READ].runtime_ticks == R.dir[BENCH_DIR_WRITE].runtime_ticks);
    CHECK_EQ(run("rw=randrw rwmixread=0 bs=512 ios=1000"), 0);
    CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 0);
    CHECK_EQ(run("rw=rw rwmixread=100 bs=512 ios=1000"), 0);
    CHECK_EQ(R.dir[BENCH_DIR_WRITE].ios, 0);
    CHECK_EQ(run("rw=write bs=512 ios=100"), 0);
    CHECK_EQ(R.dir[BENCH_DIR_WRITE].ios, 100);
    CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 0);
    teardown();
}

/* ---- latency ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void check_against_log(const char *name)
{
    const struct bench_dir_stats *s = &R.dir[BENCH_DIR_READ];
    size_t n = fb->lat_log_len;
    qsort(fb->lat_log, n, sizeof(uint64_t), cmp_u64);
    CHECK_EQ(s->clat.n, n);
    CHECK_EQ(s->clat.min, fb->lat_log[0]);
    CHECK_EQ(s->clat.max, fb->lat_log[n - 1]);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += fb->lat_log[i];
    CHECK(s->clat.sum == sum);
    uint64_t out[BENCH_FIO_PERCENTILES_NR];
    bench_hist_percentiles(s->hist, s->clat.n, s->clat.min, s->clat.max, bench_fio_percentiles,
                           BENCH_FIO_PERCENTILES_NR, out);
    for (unsigned j = 0; j < BENCH_FIO_PERCENTILES_NR; j++) {
        uint64_t rank = (uint64_t)(((unsigned __int128)bench_fio_percentiles[j] * n + 99999999) /
                                   100000000);
        uint64_t exact = fb->lat_log[rank - 1];
        uint64_t diff = out[j] > exact ? out[j] - exact : exact - out[j];
        check_count++;
        if (diff * 128 > exact) {
            check_failures++;
            fprintf(stderr, "%s p%u: %llu vs exact %llu\n", name, bench_fio_percentiles[j],
                    (unsigned long long)out[j], (unsigned long long)exact);
        }
    }
}

static void test_latency_distributions(void)
{
    struct fake_block_config c = base_cfg();
    c.block_count = 1 << 16;
    c.latency = FAKE_LAT_BIMODAL;
    c.lat_a = 20000;
    c.lat_b = 5000000;
    c.order = FAKE_ORDER_READY;
    setup(c);
    fake_block_log_latency(fb, 100000);
    CHECK_EQ(run("rw=randread bs=512 iodepth=16 ios=20000"), 0);
    check_against_log("bimodal");
    teardown();

    c.latency = FAKE_LAT_LONGTAIL;
    c.lat_a = 8000;
    c.lat_b = 2000000000;
    setup(c);
    fake_block_log_latency(fb, 100000);
    CHECK_EQ(run("rw=randread bs=512 iodepth=4 ios=20000"), 0);
    check_against_log("long-tail");
    teardown();
}

static void test_runtime_ramp_progress(void)
{
    struct fake_block_config c = base_cfg();
    c.block_count = 1 << 16;
    setup(c);
    /* 10 us per I/O at QD1 for 10 ms: about 1000 I/Os. */
    CHECK_EQ(run("rw=randread bs=512 runtime=10ms progress=2ms"), 0);
    uint64_t ios = R.dir[BENCH_DIR_READ].ios;
    CHECK(ios >= 990 && ios <= 1001);
    uint64_t rt = R.dir[BENCH_DIR_READ].runtime_ticks;
    CHECK(rt >= 10000000 && rt <= 10020000);
    CHECK(count_lines_with(" IOPS ") >= 4);
    CHECK(out_has("bench: 0.0s 99"));
    CHECK(R.dir[BENCH_DIR_READ].iops_samples.n >= 4);
    CHECK(R.dir[BENCH_DIR_READ].iops_samples.min > 95000);
    CHECK(R.dir[BENCH_DIR_READ].iops_samples.max <= 100000);
    CHECK(R.dir[BENCH_DIR_READ].bw_samples.max <= 100000 * 512 / 1024);

    uint64_t before = fb->completions;
    CHECK_EQ(run("rw=randread bs=512 ramp=5ms runtime=10ms progress=1ms"), 0);
    ios = R.dir[BENCH_DIR_READ].ios;
    CHECK(ios >= 990 && ios <= 1001);
    uint64_t all = fb->completions - before;
    CHECK(all >= 1480 && all <= 1502);
    CHECK(out_has("(ramp)"));

    before = fb->completions;
    CHECK_EQ(run("rw=randread bs=512 iodepth=8 ramp=1ms ios=500"), 0);
    CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 500);
    CHECK(fb->completions - before > 500 + 700);
    teardown();
}

/* ---- driver time ---- */

static void test_driver_cycles(void)
{
    struct fake_block_config c = base_cfg();
    c.block_count = 1 << 16;
    c.submit_cost = 100;
    c.poll_cost = 50;
    c.complete_cost = 30;
    c.latency = FAKE_LAT_UNIFORM;
    c.lat_a = 2000;
    c.lat_b = 3000;
    setup(c);
    CHECK_EQ(run("rw=randread bs=512 iodepth=4 ios=4000"), 0);
    CHECK_EQ(R.drv_ios, 4000);
    CHECK(R.drv_submit_ticks == 100 * 4000);
    CHECK(R.drv_complete_ticks == 50 * R.polls + 30 * R.reaped);
    CHECK_EQ(R.reaped, 4000);
    CHECK_EQ(R.polls + R.empty_polls, fb->polls);
    CHECK(out_has("  driver: "));
    CHECK(out_has("\"driver_submit_cycles_per_io\":100.000"));
    teardown();
}

/* A target with clocks: the completion side in irq mode is the interrupt
 * handler's time less the engine's callbacks; doorbell time is reported apart. */
static void test_target_clocks(void)
{
    struct fake_block_config c = base_cfg();
    c.block_count = 1 << 14;
    c.interrupt_driven = true;
    c.clocks = true;
    c.submit_cost = 100;
    c.doorbell_cost = 40;
    c.complete_cost = 30;
    c.latency = FAKE_LAT_UNIFORM;
    c.lat_a = 2000;
    c.lat_b = 3000;
    setup(c);
    h.irq_chance = 4;
    h.tsc_read_cost = 0; /* exact accounting */
    CHECK_EQ(run("rw=randread bs=512 iodepth=8 ios=3000"), 0);
    CHECK_EQ(R.mode, BENCH_MODE_IRQ);
    CHECK(R.drv_complete_measured);
    CHECK_EQ(R.drv_ios, 3000);
    CHECK_EQ(R.drv_complete_ticks, 30 * 3000);  /* complete_cost, callbacks excluded */
    CHECK_EQ(R.drv_submit_ticks, 140 * 3000);   /* submit + doorbell */
    CHECK(R.drv_doorbell_measured);
    CHECK_EQ(R.drv_doorbell_ticks, 40 * 3000);
    CHECK(out_has("(submit 140.0 + complete 30.0, in the interrupt handler)"));
    CHECK(out_has("of which doorbell writes 40.0 cycles/IO"));
    CHECK(out_has("software 130.0 cycles/IO"));
    CHECK(out_has("\"driver_complete_measured\":true"));
    CHECK(out_has("\"driver_doorbell_cycles_per_io\":40.000"));
    CHECK(out_has("\"driver_software_cycles_per_io\":130.000"));
    /* Poll mode: the engine measures the completion side itself; doorbells still apart. */
    CHECK_EQ(run("rw=randread bs=512 iodepth=8 ios=3000 mode=poll"), 0);
    CHECK(R.drv_complete_measured);
    CHECK_EQ(R.drv_doorbell_ticks, 40 * 3000);
    teardown();
}

/* ---- failures ---- */

static void test_io_errors(void)
{
    struct fake_block_config c = base_cfg();
    setup(c);
    struct fake_fault f = { .kind = FAKE_FAULT_STATUS, .lba = 100, .op = BLOCK_OP_READ,
                            .device_status = 0x281 };
    fake_block_add_fault(fb, &f);

    CHECK_EQ(run("rw=read bs=512 iodepth=4"), -EIO);
    CHECK_EQ(R.errors, 1);
    CHECK_EQ(R.dir[BENCH_DIR_READ].errors, 1);
    CHECK_EQ(R.stop, BENCH_STOP_ERROR);
    CHECK(R.dir[BENCH_DIR_READ].ios < 110);
    CHECK_EQ(R.err[0].lba, 100);
    CHECK_EQ(R.err[0].status, -EIO);
    CHECK_EQ(R.err[0].device_status, 0x281);
    CHECK_STR_EQ(R.err[0].desc, "Unrecovered Read Error (sct=0x2 sc=0x81 dnr=0)");
    CHECK(out_has("errors: 1 failed I/Os (read 1, write 0); stopped at the first"));
    CHECK(out_has("    read lba 100+1: EIO: Unrecovered Read Error (sct=0x2 sc=0x81 dnr=0)"));
    CHECK(out_has("\"status\":\"EIO\""));

    CHECK_EQ(run("rw=read bs=512 iodepth=4 continue_on_error=write"), -EIO);
    CHECK_EQ(R.stop, BENCH_STOP_ERROR);
    CHECK_EQ(run("rw=read bs=512 iodepth=4 continue_on_error=read"), -EIO);
    CHECK_EQ(R.stop, BENCH_STOP_DONE);
    CHECK_EQ(R.errors, 1);
    CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 1023);

    /* A rejected submission is an error of that I/O; more errors than kept. */
    struct fake_fault rj = { .kind = FAKE_FAULT_REJECT, .lba = 200, .op = -1 };
    fake_block_add_fault(fb, &rj);
    for (unsigned i = 0; i < 9; i++) {
        struct fake_fault e = { .kind = FAKE_FAULT_STATUS, .lba = 300 + i, .op = -1,
                                .device_status = 0x280 };
        fake_block_add_fault(fb, &e);
    }
    host_env_clear_output(&h);
    CHECK_EQ(run("rw=read bs=512 iodepth=4 continue_on_error=io"), -EIO);
    CHECK_EQ(R.errors, 11);
    CHECK_EQ(R.nerrors_kept, BENCH_ERRORS_KEPT);
    CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 1013);
    CHECK(out_has("read lba 200+1: EINVAL: rejected by the target at submission"));
    CHECK(out_has("    ... and 3 more"));
    teardown();
}

/* fsync=N: a Flush after every N writes, issued with nothing else in flight,
 * a line per completed Flush naming the writes it made durable; irq mode
 * too; a failed Flush stops the job; targets that cannot flush refuse. */
static void test_fsync(void)
{
    setup(base_cfg());
    /* 1024 blocks / 4k = 128 writes, iodepth 8: 16 Flushes of 8. */
    CHECK_EQ(run("rw=write bs=4k iodepth=8 fsync=8 verify=1 verify_gen=3"), 0);
    CHECK_EQ(R.flushes, 16);
    CHECK_EQ(R.durable_writes, 128);
    CHECK_EQ(fb->flushes, 16);
    CHECK_EQ(fb->flushes_with_inflight, 0);
    CHECK_EQ(fb->writes_at_flush, 128);
    unsigned since = 0, bad = 0;
    for (size_t i = 0; i < fb->lba_log_len; i++) {
        if (fb->op_log[i] == BLOCK_OP_FLUSH) {
            bad += since != 8;
            since = 0;
        } else if (fb->op_log[i] == BLOCK_OP_WRITE) {
            since++;
        }
    }
    CHECK_EQ(bad, 0);
    CHECK(out_has("bench: flush 1 done: 8 writes durable (gen 3)\n"));
    CHECK(out_has("bench: flush 16 done: 128 writes durable (gen 3)\n"));
    CHECK_EQ(count_lines_with("bench: flush "), 16);
    CHECK(out_has("  flush: 16 Flushes (fsync=8), 128 writes durable at the last"));
    CHECK(out_has("\"fsync\":8,\"flushes\":16,\"durable_writes\":128"));
    CHECK_EQ(R.verify.mismatches, 0);

    /* Not a multiple: 128 writes, fsync=5: 25 Flushes, the last after 125. */
    host_env_clear_output(&h);
    fb->flushes = fb->flushes_with_inflight = 0;
    CHECK_EQ(run("rw=randwrite bs=4k iodepth=4 fsync=5"), 0);
    CHECK_EQ(R.flushes, 25);
    CHECK_EQ(R.durable_writes, 125);
    CHECK_EQ(fb->flushes_with_inflight, 0);
    /* With refused submissions (-EAGAIN) the writes a Flush covers are still
     * the first ones generated: sequential LBAs 0.., no holes. */
    fb->eagain_every = 3;
    fb->lba_log_len = 0;
    CHECK_EQ(run("rw=write bs=4k iodepth=8 fsync=4"), 0);
    CHECK_EQ(R.durable_writes, 128);
    uint64_t max_lba = 0, nwritten = 0;
    unsigned holes = 0;
    for (size_t i = 0; i < fb->lba_log_len; i++) {
        if (fb->op_log[i] == BLOCK_OP_WRITE) {
            nwritten++;
            if (fb->lba_log[i] + 8 > max_lba)
                max_lba = fb->lba_log[i] + 8;
        } else if (fb->op_log[i] == BLOCK_OP_FLUSH) {
            holes += max_lba != nwritten * 8;
        }
    }
    CHECK_EQ(holes, 0);
    CHECK(fb->eagains > 0);
    fb->eagain_every = 0;
    /* A read job ignores it. */
    CHECK_EQ(run("rw=read bs=4k iodepth=4 fsync=5"), 0);
    CHECK_EQ(R.flushes, 0);
    teardown();

    /* mode=irq: the same barrier, the line printed from the main loop. */
    struct fake_block_config c = base_cfg();
    c.interrupt_driven = true;
    setup(c);
    CHECK_EQ(run("rw=write bs=4k iodepth=8 fsync=16 mode=irq"), 0);
    CHECK_EQ(R.flushes, 8);
    CHECK_EQ(fb->flushes_with_inflight, 0);
    CHECK(out_has("bench: flush 8 done: 128 writes durable (gen 1)\n"));
    teardown();

    /* A failed Flush is an error of the job, whatever continue_on_error. */
    setup(base_cfg());
    struct fake_fault f = { .kind = FAKE_FAULT_STATUS, .op = BLOCK_OP_FLUSH,
                            .device_status = 0x006 };
    fake_block_add_fault(fb, &f);
    CHECK_EQ(run("rw=write bs=4k iodepth=4 fsync=4 continue_on_error=io"), -EIO);
    CHECK_EQ(R.flushes, 0);
    CHECK_EQ(R.errors, 1);
    CHECK_EQ(R.stop, BENCH_STOP_ERROR);
    CHECK_EQ(R.err[0].op, BENCH_OP_FLUSH);
    CHECK(out_has("    flush lba 0+0: EIO"));
    CHECK(!out_has("bench: flush 1 done"));
    teardown();
}

static void test_eagain(void)
{
    setup(base_cfg());
    fb->eagain_every = 3;
    CHECK_EQ(run("rw=read bs=4k iodepth=8"), 0);
    CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 128);
    CHECK(fb->eagains > 20);
    int once = 1;
    for (unsigned b = 0; b < 1024; b++)
        once &= fb->read_count[b] == 1;
    CHECK(once); /* a refused I/O is retried, not skipped or repeated */
    CHECK_EQ(fb->submits, 128);
    int in_order = 1;
    for (size_t i = 0; i < fb->lba_log_len; i++)
        in_order &= fb->lba_log[i] == i * 8; /* ... and before anything newer */
    CHECK(in_order);
    teardown();

    /* Count-limited runs end with exactly ios completions even when the last
     * submissions are refused and retried. */
    struct fake_block_config c = base_cfg();
    c.block_count = 1 << 14; /* constant latency: completions come in batches */
    for (unsigned every = 2; every <= 5; every++)
        for (unsigned ios = 97; ios <= 103; ios++) {
            setup(c);
            fb->eagain_every = every;
            char line[96];
            snprintf(line, sizeof(line), "rw=randread bs=512 iodepth=8 ios=%u", ios);
            CHECK_EQ(run(line), 0);
            CHECK_EQ(R.dir[BENCH_DIR_READ].ios, ios);
            CHECK_EQ(fb->completions, ios);
            teardown();
        }
}

static void test_hang(void)
{
    struct fake_block_config c = base_cfg();
    c.block_count = 1 << 16;
    setup(c);
    fb->hang_after = 50;
    CHECK_EQ(run("rw=randread bs=512 iodepth=8 io_timeout=50ms"), -ETIMEDOUT);
    CHECK_EQ(R.stop, BENCH_STOP_TIMEOUT);
    CHECK_EQ(R.in_flight_at_timeout, 8);
    CHECK(fake_tsc < 200000000); /* gave up soon after 50 ms */
    CHECK(out_has("timeout: no completion for 0.050s with 8 I/Os in flight: gave up"));
    CHECK(out_has("\"stop\":\"timeout\""));
    CHECK(host_env_live_allocs(&h) > 0); /* abandoned: the device may still DMA */
    teardown();

    /* Nothing in flight, but the device refuses everything: also gives up. */
    setup(c);
    fb->eagain_every = 1;
    h.tsc_read_cost = 100; /* nothing else moves the fake clock here */
    CHECK_EQ(run("rw=randread bs=512 iodepth=8 io_timeout=20ms"), -ETIMEDOUT);
    CHECK_EQ(R.in_flight_at_timeout, 0);
    CHECK_EQ(host_env_live_allocs(&h), 0); /* not abandoned: freed */
    teardown();

    /* The command skips the jobs after a hang. */
    setup(c);
    fb->hang_after = 10;
    CHECK_EQ(host_env_run(&h, "io_timeout=10ms name=a name=b name=c"), -ETIMEDOUT);
    CHECK(out_has("bench: skipping the remaining 2 jobs after a timeout"));
    CHECK(out_has("bench: 3 jobs, 0 ok, 3 failed, first error ETIMEDOUT"));
    teardown();
}

static void test_interrupted(void)
{
    struct fake_block_config c = base_cfg();
    c.block_count = 1 << 16;
    setup(c);
    h.interrupt_after = 5;
    CHECK_EQ(run("rw=randread bs=512 iodepth=2 runtime=10s"), -EINTR);
    CHECK_EQ(R.stop, BENCH_STOP_INTERRUPTED);
    CHECK(fake_tsc < 1000000000);
    teardown();
}

/* ---- interrupt mode ---- */

static void test_irq_mode(void)
{
    struct fake_block_config c = base_cfg();
    c.block_count = 4096;
    c.interrupt_driven = true;
    c.order = FAKE_ORDER_SHUFFLE;
    c.latency = FAKE_LAT_UNIFORM;
    c.lat_a = 3000;
    c.lat_b = 30000;
    setup(c);
    h.irq_chance = 3;
    CHECK_EQ(run("rw=randread bs=512 iodepth=16"), 0);
    CHECK_EQ(R.mode, BENCH_MODE_IRQ);
    CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 4096);
    int once = 1;
    for (unsigned b = 0; b < 4096; b++)
        once &= fb->read_count[b] == 1;
    CHECK(once);
    CHECK_EQ(fb->polls, 0); /* every completion came from an "interrupt" */
    CHECK(fb->interrupts > 100);
    CHECK(h.poll_idles > 0);
    CHECK_EQ(h.irq_saves, h.irq_restores);
    CHECK(h.irq_on);
    CHECK_EQ(fb->max_inflight, 16);
    CHECK(R.dir[BENCH_DIR_READ].clat.min >= 3000);
    CHECK(out_has("mode=irq"));
    CHECK(out_has("submit side only"));
    CHECK(out_has("\"driver_complete_measured\":false"));

    /* Time-limited, with a ramp, in irq mode. */
    CHECK_EQ(run("rw=randread bs=512 iodepth=4 ramp=1ms runtime=5ms"), 0);
    CHECK(R.dir[BENCH_DIR_READ].ios > 500);

    /* mode=poll on this interrupt-driven device: switched for the job, then back. */
    uint64_t idles = h.poll_idles;
    CHECK_EQ(run("rw=randread bs=512 iodepth=4 ios=500 mode=poll"), 0);
    CHECK_EQ(R.mode, BENCH_MODE_POLL);
    CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 500);
    CHECK(fb->polls > 0);
    CHECK_EQ(h.poll_idles, idles);
    CHECK(fb->cfg.interrupt_driven);
    CHECK_EQ(fb->mode_switches, 2);

    /* A device that stops interrupting: the timer wakeups still end the job. */
    fb->hang_after = fb->completions + 20;
    uint64_t t0 = fake_tsc;
    CHECK_EQ(run("rw=randread bs=512 iodepth=8 io_timeout=30ms"), -ETIMEDOUT);
    CHECK_EQ(R.in_flight_at_timeout, 8);
    CHECK(fake_tsc - t0 < 100000000);
    CHECK_EQ(h.irq_saves, h.irq_restores);

    /* The hung requests are still in the device: it cannot switch modes now. */
    host_env_clear_output(&h);
    CHECK_EQ(run("mode=poll ios=10"), -EBUSY);
    CHECK(out_has("bench: job 'bench': block target on fake0 cannot start in mode=poll: EBUSY"));
    h.env.irq_save = NULL;
    CHECK_EQ(run("rw=read"), -EOPNOTSUPP);
    CHECK(strstr(why, "cannot wait for interrupts") != NULL);
    teardown();
}

/* ---- several queues, and commit batching ---- */

#define MQ_QUEUES 4
#define MQ_DEPTH 32

struct mq_queue {
    struct bench_io *staged[MQ_DEPTH]; /* submitted, not yet committed */
    unsigned nstaged;
    struct {
        struct bench_io *io;
        uint64_t ready;
    } dev[MQ_DEPTH]; /* visible to the "device" */
    unsigned ndev;
    unsigned inflight;
    uint64_t commits, first_batch, completions;
};

static struct mq_state {
    struct mq_queue q[MQ_QUEUES];
    uint64_t wrong_queue;
} mq;

static int mq_submit(struct bench_target *t, unsigned qi, struct bench_io *io)
{
    (void)t;
    struct mq_queue *q = &mq.q[qi];
    if (io->queue != qi)
        mq.wrong_queue++;
    if (q->inflight == MQ_DEPTH)
        return -EAGAIN;
    q->staged[q->nstaged++] = io;
    q->inflight++;
    return 0;
}

static void mq_commit(struct bench_target *t, unsigned qi)
{
    (void)t;
    struct mq_queue *q = &mq.q[qi];
    if (q->commits++ == 0)
        q->first_batch = q->nstaged;
    for (unsigned i = 0; i < q->nstaged; i++) {
        q->dev[q->ndev].io = q->staged[i];
        q->dev[q->ndev++].ready = fake_tsc + 5000 + 1000 * qi;
    }
    q->nstaged = 0;
}

static unsigned mq_poll(struct bench_target *t, unsigned qi, unsigned budget)
{
    (void)t;
    struct mq_queue *q = &mq.q[qi];
    fake_tsc += 10;
    unsigned n = 0;
    while (n < budget && q->ndev && q->dev[0].ready <= fake_tsc) {
        struct bench_io *io = q->dev[0].io;
        uint64_t ready = q->dev[0].ready;
        memmove(&q->dev[0], &q->dev[1], (q->ndev - 1) * sizeof(q->dev[0]));
        q->ndev--;
        q->inflight--;
        q->completions++;
        bench_io_complete(io, 0, 0, ready);
        n++;
    }
    if (n == 0 && q->ndev && q->dev[0].ready > fake_tsc)
        fake_tsc = q->dev[0].ready;
    return n;
}

static const struct bench_target_ops mq_ops = {
    .submit = mq_submit, .commit = mq_commit, .poll = mq_poll
};

static int mq_open(struct host_env *he, const struct bench_opts *o, struct bench_target *t)
{
    (void)he;
    (void)o;
    memset(t, 0, sizeof(*t));
    memset(&mq, 0, sizeof(mq));
    t->ops = &mq_ops;
    strcpy(t->kind, "mq");
    strcpy(t->name, "mq0");
    t->block_size = 4096;
    t->block_count = 1 << 20;
    t->queue_depth = MQ_DEPTH;
    t->nqueues = MQ_QUEUES;
    t->modes = BENCH_MODE_BIT(BENCH_MODE_POLL);
    t->default_mode = BENCH_MODE_POLL;
    t->io_priv_size = 24;
    return 0;
}

static void test_multiqueue(void)
{
    setup(base_cfg());
    h.open_override = mq_open;
    CHECK_EQ(run("rw=randread bs=4k queues=4 iodepth=8 ios=40000 io_timeout=1s"), 0);
    CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 40000);
    CHECK_EQ(mq.wrong_queue, 0);
    uint64_t total = 0;
    for (unsigned qi = 0; qi < MQ_QUEUES; qi++) {
        CHECK_EQ(mq.q[qi].first_batch, 8); /* the initial burst: one doorbell */
        CHECK(mq.q[qi].completions > 5000);
        CHECK_EQ(mq.q[qi].inflight, 0);
        total += mq.q[qi].completions;
    }
    CHECK_EQ(total, 40000);
    CHECK(R.commits < R.submits); /* batched */
    CHECK(out_has("\"queues\":4"));
    CHECK(out_has("\"target\":\"mq\""));
    CHECK_EQ(run("queues=5"), -ERANGE);
    CHECK_EQ(run("iodepth=33"), -ERANGE);
    /* This target has no Flush: fsync= on a write job is refused, not sent as a read. */
    CHECK_EQ(run("rw=write fsync=4 force=1"), -EOPNOTSUPP);
    CHECK_STR_EQ(why, "fsync=4: target mq on mq0 cannot flush");
    CHECK_EQ(run("rw=read fsync=4 ios=10"), 0);
    teardown();
}

/* ---- the command ---- */

static void test_command(void)
{
    setup(base_cfg());
    CHECK_EQ(host_env_run(&h, "bs=512 iodepth=2 name=one rw=read name=two rw=randread "
                              "name=three rw=randwrite ios=100"),
             0);
    CHECK(out_has("bench: job 'one' (1/3): read bs=512 iodepth=2 queues=1 mode=poll on fake0 (block)"));
    CHECK(out_has("bench: job 'three' (3/3): randwrite"));
    CHECK_EQ(count_lines_with("BENCH_JSON {"), 3);
    CHECK(out_has("bench: 3 jobs, 3 ok, 0 failed\n"));

    host_env_clear_output(&h);
    CHECK_EQ(host_env_run(&h, "dev=nope"), -ENODEV);
    CHECK(out_has("bench: job 'bench': cannot open dev=nope (target=block): ENODEV"));
    CHECK_EQ(host_env_run(&h, "target=nvme"), -EOPNOTSUPP);
    CHECK_EQ(host_env_run(&h, "bs=4k colour=red"), -EINVAL);
    CHECK(out_has("bench: unknown option 'colour'"));
    CHECK_EQ(host_env_run(&h, "help"), 0);
    CHECK(out_has("usage: bench [global options]"));
    CHECK_EQ(bench_command(&h.env, 0, NULL), -EINVAL);
    CHECK_EQ(host_env_run(&h, "name=ok ios=10 name=bad bs=1000 name=ok2 ios=10"), -EINVAL);
    CHECK(out_has("bench: 3 jobs, 2 ok, 1 failed, first error EINVAL"));
    CHECK_EQ(host_env_live_allocs(&h), 0);

    /* Every allocation failure is reported and leaks nothing. */
    for (unsigned n = 1; n < 40; n++) {
        h.alloc_calls = 0;
        h.fail_alloc_at = n;
        int rc = host_env_run(&h, "rw=randwrite verify=1 iodepth=4 bs=4k ios=64");
        CHECK(rc == 0 || rc == -ENOMEM);
        CHECK_EQ(host_env_live_allocs(&h), 0);
        if (rc == 0)
            break;
    }
    h.fail_alloc_at = 0;
    CHECK(out_has("out of memory"));
    teardown();
}

static void test_json_shape(void)
{
    setup(base_cfg());
    CHECK_EQ(host_env_run(&h, "name=j\"q rw=randrw bs=1k iodepth=4 ios=200 "
                              "percentile_list=50:99.5"),
             0);
    const char *j = strstr(h.out, "BENCH_JSON ");
    CHECK(j != NULL);
    if (!j) {
        teardown();
        return;
    }
    const char *end = strchr(j, '\n');
    int depth = 0, max_depth = 0;
    bool in_str = false, balanced = true;
    for (const char *p = j + 11; p < end; p++) {
        if (in_str) {
            if (*p == '\\')
                p++;
            else if (*p == '"')
                in_str = false;
            continue;
        }
        if (*p == '"')
            in_str = true;
        else if (*p == '{' || *p == '[')
            depth++;
        else if (*p == '}' || *p == ']')
            balanced &= --depth >= 0;
        max_depth = depth > max_depth ? depth : max_depth;
    }
    CHECK(balanced && depth == 0 && !in_str);
    CHECK(max_depth >= 4);
    CHECK(out_has("\"jobname\":\"j\\\"q\""));
    CHECK(out_has("\"read\":{\"io_bytes\":"));
    CHECK(out_has("\"write\":{\"io_bytes\":"));
    CHECK(out_has("\"percentile\":{\"50.000000\":"));
    CHECK(out_has(",\"99.500000\":"));
    CHECK(out_has("\"bins\":{"));
    CHECK(out_has("\"clat_ns\":{\"min\":"));
    CHECK(out_has("\"iops_samples\":"));
    CHECK(out_has("\"verify\":{\"enabled\":false}"));
    CHECK(out_has("\"rw\":\"randrw\""));
    CHECK(out_has("\"tsc_hz\":1000000000"));
    CHECK(out_has("clat percentiles (nsec):\n     | 50.00th=[") ||
          out_has("clat percentiles (usec):\n     | 50.00th=["));
    teardown();
}

/* ---- numjobs: copies one after another here, their aggregation checked ---- */

static unsigned host_cpus;

static int seq_run_on_cpus(void *ctx, unsigned n, void (*fn)(void *arg, unsigned i), void *arg,
                           uint64_t *started)
{
    (void)ctx;
    *started = 0;
    if (n > host_cpus)
        return -ERANGE;
    for (unsigned i = 0; i < n; i++) {
        *started |= 1ull << i;
        fn(arg, i);
    }
    return 0;
}

static unsigned seq_cpu_count(void *ctx)
{
    (void)ctx;
    return host_cpus;
}

/* The value of "key": in the first line starting with prefix, or 0. */
static uint64_t line_u64(const char *prefix, const char *key)
{
    const char *l = h.out ? strstr(h.out, prefix) : NULL;
    const char *k = l ? strstr(l, key) : NULL;
    const char *end = l ? strchr(l, '\n') : NULL;
    if (k == NULL || (end && k > end))
        return 0;
    return strtoull(k + strlen(key), NULL, 10);
}

static void test_numjobs(void)
{
    setup(base_cfg());
    CHECK_EQ(host_env_run(&h, "numjobs=2 ios=10"), -EOPNOTSUPP);
    CHECK(out_has("bench: job 'bench': numjobs=2: the environment runs one job at a time"));
    h.env.run_on_cpus = seq_run_on_cpus;
    h.env.cpu_count = seq_cpu_count;
    host_cpus = 2;
    CHECK_EQ(host_env_run(&h, "numjobs=3 ios=10"), -ERANGE);
    CHECK(out_has("bench: job 'bench': numjobs=3: only 2 CPU(s) online (one copy per CPU)"));
    CHECK_EQ(host_env_run(&h, "numjobs=65"), -EINVAL);

    /* Write copies split the window; each verifies its part; the group adds up. */
    host_cpus = 4;
    host_env_clear_output(&h);
    CHECK_EQ(host_env_run(&h, "rw=randwrite bs=512 iodepth=4 verify=1 numjobs=4 progress=0"), 0);
    CHECK_EQ(count_lines_with("BENCH_JSON {"), 4);
    for (unsigned i = 0; i < 4; i++) {
        char want[64];
        snprintf(want, sizeof(want), "\"offset_lba\":%u,\"size_lba\":256", i * 256);
        CHECK(out_has(want));
        snprintf(want, sizeof(want), "bench: copy %u of 4 (numjobs=4), on CPU %u\n", i + 1, i);
        CHECK(out_has(want));
    }
    CHECK(out_has("\nRun status group 0 (all jobs):\n   READ: bw="));
    CHECK(out_has("\n  WRITE: bw="));
    CHECK_EQ(line_u64("BENCH_GROUP ", "\"write_ios\":"), 1024);
    CHECK_EQ(line_u64("BENCH_GROUP ", "\"verify_blocks_checked\":"), 1024);
    CHECK_EQ(line_u64("BENCH_GROUP ", "\"verify_mismatches\":"), 0);
    CHECK_EQ(line_u64("BENCH_GROUP ", "\"numjobs\":"), 4);
    CHECK(out_has("\"status\":\"ok\"}\n"));
    /* All of it over the longest copy's runtime (the fake clock: 1 ns ticks). */
    uint64_t iops = line_u64("BENCH_GROUP ", "\"write_iops\":");
    CHECK(iops > 0);

    /* Read copies all read the whole window, as fio's; the JSON document has one
     * entry per copy. */
    host_env_clear_output(&h);
    CHECK_EQ(host_env_run(&h, "rw=randread ios=100 numjobs=2 progress=0 json_bins=0 "
                              "output-format=json"),
             0);
    CHECK_EQ(count_lines_with("\"offset_lba\":0,\"size_lba\":1024"), 2);
    CHECK_EQ(line_u64("BENCH_GROUP ", "\"read_ios\":"), 200);
    CHECK_EQ(count_lines_with("BENCH_FIO_JSON_BEGIN"), 1);
    const char *doc = strstr(h.out, "BENCH_FIO_JSON_BEGIN");
    const char *doc_end = doc ? strstr(doc, "BENCH_FIO_JSON_END") : NULL;
    unsigned entries = 0;
    for (const char *p = doc; p && doc_end && (p = strstr(p, "\"jobname\"")) && p < doc_end; p++)
        entries++;
    CHECK_EQ(entries, 2);
    CHECK(out_has("\"numjobs\" : \"2\""));

    /* group_reporting: one merged report and one fio entry standing for both. */
    host_env_clear_output(&h);
    CHECK_EQ(host_env_run(&h, "rw=randread ios=100 numjobs=2 group_reporting=1 progress=0 "
                              "json_bins=0 output-format=json"),
             0);
    CHECK_EQ(count_lines_with("BENCH_JSON {"), 1);
    CHECK(out_has("\"total_ios\":200"));
    CHECK(out_has("\"job_count\" : 2"));
    CHECK_EQ(line_u64("BENCH_GROUP ", "\"read_ios\":"), 200);

    /* Copies of a block job may not switch the device's mode under each other. */
    host_env_clear_output(&h);
    CHECK_EQ(host_env_run(&h, "rw=randread ios=10 numjobs=2 mode=irq"), -EBUSY);
    CHECK(out_has("bench: job 'bench' copy 0: mode=irq with numjobs=2: fake0 is in mode poll"));
    CHECK_EQ(host_env_live_allocs(&h), 0);

    /* Every allocation failure is reported and leaks nothing. */
    for (unsigned n = 1; n < 60; n++) {
        h.alloc_calls = 0;
        h.fail_alloc_at = n;
        int rc = host_env_run(&h, "rw=randwrite verify=1 iodepth=4 bs=4k ios=64 numjobs=3");
        CHECK(rc == 0 || rc == -ENOMEM);
        CHECK_EQ(host_env_live_allocs(&h), 0);
        if (rc == 0)
            break;
    }
    h.fail_alloc_at = 0;
    teardown();
}

/* group_reporting's merge: counts add, latencies merge, runtimes take the longest. */
static void test_result_merge(void)
{
    struct bench_result a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    bench_lat_reset(&a.dir[0].clat);
    bench_lat_reset(&b.dir[0].clat);
    bench_lat_add(&a.dir[0].clat, 100);
    bench_lat_add(&a.dir[0].clat, 300);
    bench_lat_add(&b.dir[0].clat, 50);
    a.dir[0].ios = 2;
    b.dir[0].ios = 1;
    a.dir[0].runtime_ticks = 10;
    b.dir[0].runtime_ticks = 30;
    a.dir[0].hist[3] = 2;
    b.dir[0].hist[3] = 1;
    b.status = -EIO;
    a.verify.ngens = 1;
    a.verify.gen_value[0] = 1;
    a.verify.gen_blocks[0] = 5;
    b.verify.ngens = 2;
    b.verify.gen_value[0] = 1;
    b.verify.gen_blocks[0] = 7;
    b.verify.gen_value[1] = 2;
    b.verify.gen_blocks[1] = 3;
    b.verify.mismatches = 4;
    bench_result_merge(&a, &b);
    CHECK_EQ(a.dir[0].ios, 3);
    CHECK_EQ(a.dir[0].clat.n, 3);
    CHECK_EQ(a.dir[0].clat.min, 50);
    CHECK_EQ(a.dir[0].clat.max, 300);
    CHECK_EQ(a.dir[0].clat.sum, 450);
    CHECK_EQ(a.dir[0].runtime_ticks, 30);
    CHECK_EQ(a.dir[0].hist[3], 3);
    CHECK_EQ(a.status, -EIO);
    CHECK_EQ(a.verify.mismatches, 4);
    CHECK_EQ(a.verify.ngens, 2);
    CHECK_EQ(a.verify.gen_blocks[0], 12);
    CHECK_EQ(a.verify.gen_blocks[1], 3);
}

int main(void)
{
    test_seq_one_pass();
    test_queue_depths();
    test_random_map();
    test_window();
    test_rwmix();
    test_latency_distributions();
    test_runtime_ramp_progress();
    test_driver_cycles();
    test_target_clocks();
    test_io_errors();
    test_fsync();
    test_eagain();
    test_hang();
    test_interrupted();
    test_irq_mode();
    test_multiqueue();
    test_command();
    test_json_shape();
    test_numjobs();
    test_result_merge();
    return check_exit();
}
