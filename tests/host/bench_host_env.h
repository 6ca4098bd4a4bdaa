/*
 * tests/host/bench_host_env.h - a struct bench_env for the host: what the
 * kernel provides to bench/engine, played by the C library and fake devices.
 *
 *   time       the fake TSC of fake_block.h (1 GHz: ticks are ns), or the
 *              real monotonic clock (real_clock);
 *   memory     posix_memalign, filled with a poison byte (the engine must
 *              not rely on zeroed memory), every block tracked so that
 *              host_env_free_all() can release what an abandoned job leaked;
 *   output     appended to a buffer the tests read, optionally echoed;
 *   interrupts a simulated interrupt flag: irq_save/irq_restore clear and
 *              restore it; while it is set, interrupt-driven fakes deliver
 *              completions "asynchronously" from inside now_tsc() (at random,
 *              1 in irq_chance reads), when it is set again, and from
 *              poll_idle ("sti; hlt"); callbacks then run with it cleared;
 *   policy     check_write_window refuses ranges added with host_env_protect;
 *   devices    open_target finds registered fakes by name ("" = the first).
 */
#ifndef NVOS_TESTS_HOST_BENCH_HOST_ENV_H
#define NVOS_TESTS_HOST_BENCH_HOST_ENV_H

#include "bench/engine/bench.h"
#include "tests/host/fake_block.h"

#define HOST_ENV_MAX_DEVS 8
#define HOST_ENV_MAX_PROTECT 4

struct host_env {
    struct bench_env env;
    struct fake_block *dev[HOST_ENV_MAX_DEVS];
    unsigned ndev;

    char *out;
    size_t len, cap;
    bool echo;

    bool real_clock;
    uint64_t tsc_read_cost;

    bool irq_on;
    bool in_irq;
    unsigned irq_chance;
    uint64_t rng;
    uint64_t irq_saves, irq_restores, poll_idles, async_irqs;

    struct {
        char dev[BLOCK_NAME_MAX];
        uint64_t lba, count;
        char why[96];
    } protect[HOST_ENV_MAX_PROTECT];
    unsigned nprotect;
    unsigned window_checks;
    uint64_t last_check_lba, last_check_count;

    void **allocs;
    size_t nallocs, allocs_cap;
    unsigned alloc_calls;
    unsigned fail_alloc_at; /* the Nth alloc call fails (1-based; 0: never) */

    unsigned interrupt_after; /* env->interrupted says yes from this call on (0: never) */
    unsigned interrupted_calls;

    /* Tests may supply their own targets. */
    int (*open_override)(struct host_env *h, const struct bench_opts *o, struct bench_target *t);
    void *override_ctx;
};

void host_env_init(struct host_env *h);
/* Frees tracked allocations and the output buffer (not the devices). */
void host_env_fini(struct host_env *h);
void host_env_add_device(struct host_env *h, struct fake_block *fb);
void host_env_protect(struct host_env *h, const char *dev, uint64_t lba, uint64_t count,
                      const char *why);
/* Drops the output collected so far. */
void host_env_clear_output(struct host_env *h);
/* Number of tracked allocations still live. */
size_t host_env_live_allocs(const struct host_env *h);
/* Runs "bench" with a command line split at spaces. */
int host_env_run(struct host_env *h, const char *line);

#endif
