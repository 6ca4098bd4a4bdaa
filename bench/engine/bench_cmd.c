/*
 * bench/engine/bench_cmd.c - the "bench" command: parse the job list, then for
 * each job open its target through the environment, run it, report it and
 * close it. Jobs run one after another (fio's stonewall between every job).
 */
#include <string.h>

#include "bench/engine/bench_internal.h"
#include "lib/errno.h"

static int run_one(const struct bench_env *env, const struct bench_opts *o, unsigned index,
                   unsigned njobs)
{
    struct bench_target t;
    char why[192];
    int err;

    memset(&t, 0, sizeof(t));
    if (o->numjobs > 1)
        return bench_group_run(env, o, index, njobs);
    if (!env->open_target) {
        bench_printf(env, "bench: job '%s': the environment cannot open devices\n", o->name);
        return -ENOSYS;
    }
    err = env->open_target(env->ctx, o, &t);
    if (err) {
        bench_printf(env, "bench: job '%s': cannot open %s%s (target=%s): %s\n", o->name,
                     o->dev[0] ? "dev=" : "the default device", o->dev, o->target,
                     errno_name(err));
        return err;
    }
    struct bench_job *job = bench_job_create(env, &t, o, &err, why, sizeof(why));
    if (!job) {
        bench_printf(env, "bench: job '%s': %s (%s)\n", o->name, why, errno_name(err));
        if (env->close_target)
            env->close_target(env->ctx, &t);
        return err;
    }
    bench_report_header(job, index, njobs);
    err = bench_job_run(job);
    bench_job_report(job);
    bool abandoned = bench_job_abandoned(job);
    bench_job_destroy(job);
    /* An abandoned job's requests may still be in the device: keep the target. */
    if (!abandoned && env->close_target)
        env->close_target(env->ctx, &t);
    return err;
}

int bench_command(const struct bench_env *env, int argc, char *const *argv)
{
    char err_text[160];
    if (argc == 0 || (argc == 1 && (!strcmp(argv[0], "help") || !strcmp(argv[0], "--help")))) {
        bench_printf(env, "usage: %s", bench_usage());
        return argc == 0 ? -EINVAL : 0;
    }
    if (!env->alloc || !env->free || !env->print)
        return -EINVAL;
    struct bench_plan *plan = env->alloc(env->ctx, sizeof(*plan), 8, false);
    if (!plan) {
        bench_printf(env, "bench: out of memory\n");
        return -ENOMEM;
    }
    int rc = bench_parse(argc, argv, plan, err_text, sizeof(err_text));
    if (rc) {
        bench_printf(env, "bench: %s\n", err_text);
        env->free(env->ctx, plan, sizeof(*plan), false);
        return -EINVAL;
    }
    int first = 0;
    unsigned failed = 0;
    for (unsigned i = 0; i < plan->njobs; i++) {
        rc = run_one(env, &plan->job[i], i + 1, plan->njobs);
        if (rc) {
            failed++;
            if (!first)
                first = rc;
        }
        /* A hung device will not do better for the next job. */
        if (rc == -ETIMEDOUT && i + 1 < plan->njobs) {
            bench_printf(env, "bench: skipping the remaining %u jobs after a timeout\n",
                         plan->njobs - i - 1);
            failed += plan->njobs - i - 1;
            break;
        }
    }
    if (plan->njobs > 1)
        bench_printf(env, "bench: %u jobs, %u ok, %u failed%s%s\n", plan->njobs,
                     plan->njobs - failed, failed, first ? ", first error " : "",
                     first ? errno_name(first) : "");
    env->free(env->ctx, plan, sizeof(*plan), false);
    return first;
}
