/*
 * Host test: data integrity and safety of the benchmark engine.
 *
 * verify=1 end to end against the fake device: write + read-back in one
 * job (sequential, random with a partly written window, multi-block I/Os,
 * interrupt mode), write then read in separate jobs (verify_gen, any
 * generation), and every corruption class produced by the device's data
 * faults: a lost write (stale), a misdirected write (misplaced at the
 * target, stale at the source), a torn write, a zeroed block and garbage,
 * each counted exactly, printed up to verify_print, the rest counted.
 * Mixed jobs check only what they know; failed writes are not checked.
 *
 * Nothing lost: write jobs ask env->check_write_window for their exact
 * window and refuse without force=1; read-only devices refuse writes.
 */
#include <stdbool.h>

#include "bench/engine/bench_internal.h"
#include "lib/errno.h"
#include "tests/host/bench_host_env.h"
#include "tests/host/check.h"

static struct host_env h;
static struct fake_block *fb;
static struct bench_plan plan;
static struct bench_result R;
static struct bench_mismatch M[64];
static char why[256];

static void setup(uint32_t blocks, bool irq)
{
    struct fake_block_config c;
    memset(&c, 0, sizeof(c));
    c.block_size = 512;
    c.block_count = blocks;
    c.queue_depth = 64;
    c.latency = FAKE_LAT_UNIFORM;
    c.lat_a = 2000;
    c.lat_b = 20000;
    c.order = FAKE_ORDER_SHUFFLE; /* completions out of order */
    c.interrupt_driven = irq;
    c.seed = 3;
    host_env_init(&h);
    fake_tsc = 1;
    fb = fake_block_create(&c);
    fake_block_track_blocks(fb);
    host_env_add_device(&h, fb);
}

static void teardown(void)
{
    host_env_fini(&h);
    fake_block_destroy(fb);
}

static int run(const char *line)
{
    static char buf[1024];
    char *argv[64];
    int argc = 0;
    snprintf(buf, sizeof(buf), "%s", line);
    for (char *p = strtok(buf, " "); p; p = strtok(NULL, " "))
        argv[argc++] = p;
    int err = bench_parse(argc, argv, &plan, why, sizeof(why));
    if (err)
        return err;
    struct bench_target t;
    err = h.env.open_target(h.env.ctx, &plan.job[0], &t);
    if (err)
        return err;
    why[0] = '\0';
    struct bench_job *job = bench_job_create(&h.env, &t, &plan.job[0], &err, why, sizeof(why));
    if (!job)
        return err;
    bench_report_header(job, 1, 1);
    int rc = bench_job_run(job);
    bench_job_report(job);
    R = *bench_job_result(job);
    for (unsigned i = 0; i < R.verify.nkept && i < 64; i++)
        M[i] = job->mism[i];
    bench_job_destroy(job);
    return rc;
}

static bool out_has(const char *s)
{
    return h.out && strstr(h.out, s) != NULL;
}

static bool kept(uint64_t lba, enum bench_verify_class c)
{
    for (unsigned i = 0; i < R.verify.nkept; i++)
        if (M[i].lba == lba && M[i].cls == c)
            return true;
    return false;
}

static void test_write_then_verify_one_job(void)
{
    setup(4096, false);
    CHECK_EQ(run("rw=write bs=4k iodepth=8 verify=1"), 0);
    CHECK_EQ(R.dir[BENCH_DIR_WRITE].ios, 512);
    CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 512); /* the read-back pass */
    CHECK_EQ(R.verify.gen, 1);
    CHECK_EQ(R.verify.blocks_checked, 4096);
    CHECK_EQ(R.verify.blocks_ok, 4096);
    CHECK_EQ(R.verify.mismatches, 0);
    CHECK_EQ(R.verify.ngens, 1);
    CHECK_EQ(R.verify.gen_value[0], 1);
    CHECK(out_has("verify pass: reading back what was written"));
    CHECK(out_has("  verify: 4096 blocks verified, 4096 ok, 0 mismatches; generations seen: 1 (4096 blocks)"));
    CHECK(out_has("\"blocks_verified\":4096"));
    CHECK(out_has("\"generations\":{\"1\":4096}"));

    /* Random, with replacement, half as many I/Os as units: the read-back
     * covers exactly the distinct units written. */
    memset(fb->write_count, 0, 4096 * sizeof(uint32_t));
    CHECK_EQ(run("rw=randwrite bs=1k iodepth=16 norandommap=1 ios=1024 verify=1 verify_gen=9"),
             0);
    uint64_t distinct = 0;
    for (unsigned u = 0; u < 2048; u++) {
        bool any = false;
        for (unsigned b = 0; b < 2; b++)
            any |= fb->write_count[u * 2 + b] > 0;
        distinct += any;
    }
    CHECK(distinct < 1024 && distinct > 600);
    CHECK_EQ(R.verify.blocks_checked, 0 + 2 * distinct);
    CHECK_EQ(R.verify.mismatches, 0);
    CHECK_EQ(R.verify.gen, 9);

    /* do_verify=0: written, not read back. */
    CHECK_EQ(run("rw=write bs=4k verify=1 do_verify=0 verify_gen=10"), 0);
    CHECK_EQ(R.dir[BENCH_DIR_READ].ios, 0);
    CHECK(out_has("verify: generation 10 written, not read back (do_verify=0)"));
    teardown();
}

static void test_generations_across_jobs(void)
{
    setup(2048, false);
    /* "Boot 1" writes generation 5; "boot 2" reads it back. */
    CHECK_EQ(host_env_run(&h, "bs=2k iodepth=4 verify=1 name=w rw=write verify_gen=5 do_verify=0 "
                              "name=r rw=randread verify_gen=5"),
             0);
    CHECK(out_has("bench: job 'r' (2/2): randread bs=2048 iodepth=4"));
    CHECK(out_has("verify expecting generation 5"));
    CHECK(out_has("  verify: 2048 blocks verified, 2048 ok, 0 mismatches"));

    /* Without verify_gen a read accepts any generation and says which it saw. */
    CHECK_EQ(run("rw=read bs=2k verify=1"), 0);
    CHECK_EQ(R.verify.ngens, 1);
    CHECK_EQ(R.verify.gen_value[0], 5);
    CHECK_EQ(R.verify.gen_blocks[0], 2048);
    CHECK(out_has("verify (any generation)"));
    CHECK(out_has("\"gen_check\":\"any\""));

    /* Expecting a later generation: every block is stale; an earlier one: newer. */
    CHECK_EQ(run("rw=read bs=2k verify=1 verify_gen=6 verify_print=2"), -EBADMSG);
    CHECK_EQ(R.verify.by_class[BENCH_VERIFY_STALE], 2048);
    CHECK_EQ(R.verify.mismatches, 2048);
    CHECK_EQ(R.verify.nkept, 2);
    CHECK(out_has("... and 2046 more mismatches (verify_print=2 shown)"));
    CHECK_EQ(run("rw=read bs=2k verify=1 verify_gen=4 verify_print=0"), -EBADMSG);
    CHECK_EQ(R.verify.by_class[BENCH_VERIFY_NEWER], 2048);
    CHECK_EQ(R.verify.nkept, 0);

    /* Half of the window rewritten with generation 6: two generations seen. */
    CHECK_EQ(run("rw=write bs=2k verify=1 verify_gen=6 size=512k do_verify=0"), 0);
    CHECK_EQ(run("rw=read bs=2k verify=1"), 0);
    CHECK_EQ(R.verify.ngens, 2);
    CHECK(out_has("generations seen: 6 (1024 blocks) 5 (1024 blocks)"));

    /* verify_fatal stops at the first mismatch. */
    CHECK_EQ(run("rw=read bs=2k iodepth=1 verify=1 verify_gen=6 verify_fatal=1"), -EBADMSG);
    CHECK_EQ(R.stop, BENCH_STOP_VERIFY);
    CHECK(R.verify.mismatches >= 1 && R.verify.mismatches <= 4);
    teardown();
}

static void test_corruption_classes(void)
{
    setup(4096, false);
    CHECK_EQ(run("rw=write bs=512 iodepth=8 verify=1 verify_gen=1 do_verify=0"), 0);
    struct fake_fault faults[] = {
        { .kind = FAKE_FAULT_LOST_WRITE, .lba = 100 },
        { .kind = FAKE_FAULT_MISDIRECT, .lba = 300, .target_lba = 200 },
        { .kind = FAKE_FAULT_TORN, .lba = 400 },
    };
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        fake_block_add_fault(fb, &faults[i]);
    /* Sequential at depth 1, so block 200 is written before 300 lands on it. */
    CHECK_EQ(run("rw=write bs=512 iodepth=1 verify=1 verify_gen=2 do_verify=0"), 0);
    fb->nfaults = 0;
    memset(fake_block_data(fb, 500), 0, 512);
    memset(fake_block_data(fb, 600), 0x6b, 512);

    CHECK_EQ(run("rw=read bs=512 iodepth=8 verify=1 verify_gen=2 verify_print=3"), -EBADMSG);
    const struct bench_verify_stats *v = &R.verify;
    CHECK_EQ(v->blocks_checked, 4096);
    CHECK_EQ(v->mismatches, 6);
    CHECK_EQ(v->by_class[BENCH_VERIFY_STALE], 2);     /* 100 lost, 300 misdirected away */
    CHECK_EQ(v->by_class[BENCH_VERIFY_MISPLACED], 1); /* 200 holds 300's block */
    CHECK_EQ(v->by_class[BENCH_VERIFY_TORN], 1);      /* 400 */
    CHECK_EQ(v->by_class[BENCH_VERIFY_ZEROED], 1);    /* 500 */
    CHECK_EQ(v->by_class[BENCH_VERIFY_GARBAGE], 1);   /* 600 */
    CHECK_EQ(v->by_class[BENCH_VERIFY_NEWER], 0);
    CHECK_EQ(v->nkept, 3);
    CHECK(out_has("... and 3 more mismatches (verify_print=3 shown)"));
    CHECK(out_has("(zeroed 1, garbage 1, torn 1, misplaced 1, stale 2)"));
    CHECK(out_has("\"mismatches\":6,\"zeroed\":1,\"garbage\":1,\"torn\":1,\"misplaced\":1,\"stale\":2,\"newer\":0"));

    /* All of them, in full, with what was expected and found. */
    CHECK_EQ(run("rw=read bs=4k iodepth=4 verify=1 verify_gen=2 verify_print=10"), -EBADMSG);
    CHECK_EQ(R.verify.mismatches, 6);
    CHECK(kept(100, BENCH_VERIFY_STALE));
    CHECK(kept(300, BENCH_VERIFY_STALE));
    CHECK(kept(200, BENCH_VERIFY_MISPLACED));
    CHECK(kept(400, BENCH_VERIFY_TORN));
    CHECK(kept(500, BENCH_VERIFY_ZEROED));
    CHECK(kept(600, BENCH_VERIFY_GARBAGE));
    CHECK(out_has("    lba 100: stale (intact block of an older generation (lost write)): "
                  "expected lba 100 gen 2, found lba 100 gen 1\n"));
    CHECK(out_has("    lba 200: misplaced (intact block stamped for another LBA): expected lba 200 "
                  "gen 2, found lba 300 gen 2\n"));
    CHECK(out_has("    lba 400: torn (stamp present but checksum wrong (torn or corrupted)): "
                  "expected lba 400 gen 2, found header lba 400 gen 2, checksum 0x"));
    CHECK(out_has("    lba 500: zeroed (all bytes zero (never written or deallocated)): expected "
                  "lba 500 gen 2, found all zero bytes\n"));
    CHECK(out_has("    lba 600: garbage (no stamp (not written by bench verify)): expected lba 600 "
                  "gen 2, found first word 0x6b6b6b6b6b6b6b6b\n"));
    CHECK(out_has("{\"lba\":200,\"class\":\"misplaced\",\"expected_gen\":2,\"found_lba\":300,"
                  "\"found_gen\":2}"));

    /* Any generation: the stale ones are fine, the rest still are not. */
    CHECK_EQ(run("rw=read bs=512 verify=1"), -EBADMSG);
    CHECK_EQ(R.verify.mismatches, 4);
    CHECK_EQ(R.verify.by_class[BENCH_VERIFY_STALE], 0);
    teardown();
}

static void test_mixed_and_failed_writes(void)
{
    setup(4096, false);
    CHECK_EQ(run("rw=randrw bs=1k iodepth=8 verify=1 ios=3000"), 0);
    /* Reads of units not yet written were skipped; the read-back checks all written. */
    CHECK(R.verify.skipped > 0);
    CHECK_EQ(R.verify.mismatches, 0);
    CHECK(out_has("blocks read before this job wrote them: not checked"));
    /* Every block now has generation 3: a mixed job expecting it checks every read. */
    CHECK_EQ(run("rw=write bs=1k verify=1 verify_gen=3 do_verify=0"), 0);
    CHECK_EQ(run("rw=randrw bs=1k iodepth=8 verify=1 verify_gen=3 ios=3000"), 0);
    CHECK_EQ(R.verify.skipped, 0);
    CHECK(R.verify.blocks_checked > 2 * 3000 / 2);

    /* A failed write is reported and its unit not checked. */
    struct fake_fault f = { .kind = FAKE_FAULT_STATUS, .lba = 1001, .op = BLOCK_OP_WRITE,
                            .device_status = 0x280 };
    fake_block_add_fault(fb, &f);
    CHECK_EQ(run("rw=write bs=1k verify=1 verify_gen=4 continue_on_error=write"), -EIO);
    CHECK_EQ(R.errors, 1);
    CHECK_EQ(R.verify.write_failed, 2);
    CHECK_EQ(R.verify.blocks_checked, 4096 - 2);
    CHECK_EQ(R.verify.mismatches, 0);
    CHECK(out_has("2 blocks whose write failed: not checked"));
    /* ... and without continue_on_error the job stops and does not read back. */
    CHECK_EQ(run("rw=write bs=1k verify=1 verify_gen=5"), -EIO);
    CHECK_EQ(R.stop, BENCH_STOP_ERROR);
    CHECK_EQ(R.verify.blocks_checked, 0);
    teardown();
}

static void test_multiblock_and_irq(void)
{
    setup(8192, true);
    h.irq_chance = 2;
    CHECK_EQ(run("rw=randwrite bs=4k iodepth=16 verify=1 verify_gen=7"), 0);
    CHECK_EQ(R.mode, BENCH_MODE_IRQ);
    CHECK_EQ(R.verify.blocks_checked, 8192);
    CHECK_EQ(R.verify.mismatches, 0);
    CHECK_EQ(fb->polls, 0);
    /* One torn 512-byte block inside a 4 KiB I/O: exactly one mismatch. */
    struct fake_fault f = { .kind = FAKE_FAULT_TORN, .lba = 4099 };
    fake_block_add_fault(fb, &f);
    CHECK_EQ(run("rw=write bs=4k iodepth=16 verify=1 verify_gen=8"), -EBADMSG);
    CHECK_EQ(R.verify.mismatches, 1);
    CHECK_EQ(R.verify.by_class[BENCH_VERIFY_TORN], 1);
    CHECK(kept(4099, BENCH_VERIFY_TORN));
    teardown();
}

static void test_write_safety(void)
{
    setup(4096, false);
    host_env_protect(&h, "fake0", 2048, 1024, "partition 2 holds a FAT32 file system");

    CHECK_EQ(run("rw=randwrite bs=4k"), -EPERM);
    CHECK_STR_EQ(why, "refusing to write LBAs 0..4095 of fake0: partition 2 holds a FAT32 file "
                      "system (force=1 overrides)");
    CHECK_EQ(fb->writes, 0);
    CHECK_EQ(h.last_check_lba, 0);
    CHECK_EQ(h.last_check_count, 4096);
    CHECK_EQ(run("rw=rw offset=1M size=512k"), -EPERM); /* mixed jobs write too */
    CHECK_EQ(h.last_check_lba, 2048);
    CHECK_EQ(h.last_check_count, 1024);
    CHECK_EQ(run("rw=write bs=1k offset=1535k size=2k"), -EPERM); /* straddles the start */
    CHECK_EQ(fb->writes, 0);

    unsigned checks = h.window_checks;
    CHECK_EQ(run("rw=randread bs=4k"), 0); /* reads are always fine */
    CHECK_EQ(h.window_checks, checks);
    CHECK_EQ(run("rw=write bs=4k size=1M"), 0); /* outside the partition */
    CHECK_EQ(fb->writes, 256);
    CHECK_EQ(run("rw=write bs=4k offset=1536k"), 0);

    host_env_clear_output(&h);
    CHECK_EQ(run("rw=write bs=4k force=1"), 0);
    CHECK(out_has("bench: warning: force=1: writing LBAs 0..4095 of fake0 although: partition 2 "
                  "holds a FAT32 file system\n"));

    /* Through the command: the refusal is printed. */
    host_env_clear_output(&h);
    CHECK_EQ(host_env_run(&h, "rw=write name=danger"), -EPERM);
    CHECK(out_has("bench: job 'danger': refusing to write LBAs 0..4095 of fake0: partition 2 "
                  "holds a FAT32 file system (force=1 overrides) (EPERM)"));
    teardown();

    struct fake_block_config c;
    memset(&c, 0, sizeof(c));
    c.read_only = true;
    host_env_init(&h);
    fb = fake_block_create(&c);
    host_env_add_device(&h, fb);
    CHECK_EQ(run("rw=write"), -EROFS);
    CHECK_EQ(run("rw=randrw force=1"), -EROFS);
    CHECK_EQ(run("rw=read ios=10"), 0);
    teardown();
}

int main(void)
{
    test_write_then_verify_one_job();
    test_generations_across_jobs();
    test_corruption_classes();
    test_mixed_and_failed_writes();
    test_multiblock_and_irq();
    test_write_safety();
    return check_exit();
}
