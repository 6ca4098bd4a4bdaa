/*
 * tests/host/bench_host_env.c - the host's bench_env (see bench_host_env.h).
 */
#include "tests/host/bench_host_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_target_block.h"
#include "lib/errno.h"

static struct host_env *H(void *ctx)
{
    return ctx;
}

static uint64_t host_rand(struct host_env *h)
{
    uint64_t z = (h->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    return z ^ (z >> 31);
}

/* An interrupt: every interrupt-driven device's handler runs, interrupts off. */
static unsigned deliver_interrupts(struct host_env *h, bool wait)
{
    unsigned n = 0;
    h->in_irq = true;
    h->irq_on = false;
    for (unsigned i = 0; i < h->ndev; i++)
        if (h->dev[i]->cfg.interrupt_driven)
            n += fake_block_interrupt(h->dev[i], wait);
    h->irq_on = true;
    h->in_irq = false;
    return n;
}

static uint64_t host_now(void *ctx)
{
    struct host_env *h = H(ctx);
    if (h->real_clock) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    }
    fake_tsc += h->tsc_read_cost;
    if (h->irq_chance && h->irq_on && !h->in_irq && host_rand(h) % h->irq_chance == 0)
        h->async_irqs += deliver_interrupts(h, false) != 0;
    return fake_tsc;
}

static void *host_alloc(void *ctx, size_t size, size_t align, bool dma)
{
    struct host_env *h = H(ctx);
    h->alloc_calls++;
    if (h->fail_alloc_at && h->alloc_calls == h->fail_alloc_at)
        return NULL;
    if (align < sizeof(void *))
        align = sizeof(void *);
    void *p = NULL;
    if (posix_memalign(&p, align, size ? size : 1))
        return NULL;
    memset(p, dma ? 0xa5 : 0x5a, size); /* not zeroed, like real memory */
    if (h->nallocs == h->allocs_cap) {
        h->allocs_cap = h->allocs_cap ? h->allocs_cap * 2 : 64;
        h->allocs = realloc(h->allocs, h->allocs_cap * sizeof(void *));
    }
    h->allocs[h->nallocs++] = p;
    return p;
}

static void host_free(void *ctx, void *p, size_t size, bool dma)
{
    struct host_env *h = H(ctx);
    (void)size;
    (void)dma;
    for (size_t i = 0; i < h->nallocs; i++)
        if (h->allocs[i] == p) {
            h->allocs[i] = h->allocs[--h->nallocs];
            free(p);
            return;
        }
    fprintf(stderr, "host_env: free of an untracked pointer %p\n", p);
    abort();
}

static void host_print(void *ctx, const char *s, size_t n)
{
    struct host_env *h = H(ctx);
    if (h->echo)
        fwrite(s, 1, n, stdout);
    if (h->len + n + 1 > h->cap) {
        h->cap = (h->len + n + 1) * 2;
        h->out = realloc(h->out, h->cap);
    }
    memcpy(h->out + h->len, s, n);
    h->len += n;
    h->out[h->len] = '\0';
}

static unsigned long host_irq_save(void *ctx)
{
    struct host_env *h = H(ctx);
    h->irq_saves++;
    unsigned long was = h->irq_on;
    h->irq_on = false;
    return was;
}

static void host_irq_restore(void *ctx, unsigned long flags)
{
    struct host_env *h = H(ctx);
    h->irq_restores++;
    h->irq_on = flags != 0;
    /* An interrupt that became pending while they were off fires now. */
    if (h->irq_on && !h->in_irq)
        deliver_interrupts(h, false);
}

static void host_poll_idle(void *ctx)
{
    struct host_env *h = H(ctx);
    h->poll_idles++;
    /* "sti; hlt": wait for the next completion, or a 1 ms timer tick. */
    if (!deliver_interrupts(h, true))
        fake_tsc += 1000000;
}

static int host_check_write_window(void *ctx, const struct bench_target *t, uint64_t lba,
                                   uint64_t count, char *why, size_t why_size)
{
    struct host_env *h = H(ctx);
    h->window_checks++;
    h->last_check_lba = lba;
    h->last_check_count = count;
    for (unsigned i = 0; i < h->nprotect; i++) {
        if (strcmp(h->protect[i].dev, t->name) != 0)
            continue;
        uint64_t a = h->protect[i].lba, b = a + h->protect[i].count;
        if (lba < b && a < lba + count) {
            snprintf(why, why_size, "%s", h->protect[i].why);
            return -EPERM;
        }
    }
    return 0;
}

/*
 * The block layer carries no benchmark data, so what a fake device knows
 * beyond it - the ready time of each completion (report_complete_tsc), its
 * interrupt and doorbell clocks (clocks) - reaches the engine the way
 * target=nvme gives its own: through the target. These targets are the
 * block target with a completion that passes the ready time and/or a
 * clocks reader.
 */
static struct bench_target_ops fake_target_ops;
static const struct bench_target_ops *block_ops;
static const struct fake_block *reporting; /* the open target's fake (one job at a time) */

static struct fake_block *target_fake(struct bench_target *t)
{
    return (struct fake_block *)((char *)t->ctx - offsetof(struct fake_block, dev));
}

static void fake_target_clocks(struct bench_target *t, struct bench_target_clocks *c)
{
    const struct fake_block *fb = target_fake(t);
    c->irq_valid = c->doorbell_valid = true;
    c->irq_ticks = fb->irq_ticks;
    c->doorbell_ticks = fb->doorbell_ticks;
}

static void fake_target_done(struct block_request *req)
{
    bench_io_complete(req->ctx, req->status, req->device_status, reporting->completing_tsc);
}

/* The block target's submit, then the request's completion redirected to
 * fake_target_done (the fake calls it only from a later poll or interrupt). */
static int fake_target_submit(struct bench_target *t, unsigned q, struct bench_io *io)
{
    struct block_request *req = bench_io_priv(io);
    int err = block_ops->submit(t, q, io);
    if (err == 0)
        req->done = fake_target_done;
    return err;
}

static void fake_target(struct bench_target *t, struct fake_block *fb)
{
    if (!fb->cfg.report_complete_tsc && !fb->cfg.clocks)
        return;
    block_ops = t->ops;
    reporting = fb;
    fake_target_ops = *t->ops;
    if (fb->cfg.report_complete_tsc)
        fake_target_ops.submit = fake_target_submit;
    if (fb->cfg.clocks)
        fake_target_ops.clocks = fake_target_clocks;
    t->ops = &fake_target_ops;
}

static int host_open_target(void *ctx, const struct bench_opts *o, struct bench_target *t)
{
    struct host_env *h = H(ctx);
    if (h->open_override)
        return h->open_override(h, o, t);
    for (unsigned i = 0; i < h->ndev; i++) {
        if (o->dev[0] && strcmp(o->dev, h->dev[i]->dev.name) != 0)
            continue;
        if (strcmp(o->target, "block") != 0)
            return -EOPNOTSUPP;
        bench_block_target_init(t, &h->dev[i]->dev);
        fake_target(t, h->dev[i]);
        return 0;
    }
    return -ENODEV;
}

static bool host_interrupted(void *ctx)
{
    struct host_env *h = H(ctx);
    h->interrupted_calls++;
    return h->interrupt_after && h->interrupted_calls >= h->interrupt_after;
}

void host_env_init(struct host_env *h)
{
    memset(h, 0, sizeof(*h));
    h->irq_on = true;
    h->rng = 42;
    h->env.ctx = h;
    h->env.tsc_hz = 1000000000;
    h->env.now_tsc = host_now;
    h->env.alloc = host_alloc;
    h->env.free = host_free;
    h->env.print = host_print;
    h->env.irq_save = host_irq_save;
    h->env.irq_restore = host_irq_restore;
    h->env.poll_idle = host_poll_idle;
    h->env.check_write_window = host_check_write_window;
    h->env.open_target = host_open_target;
    h->env.interrupted = host_interrupted;
}

void host_env_fini(struct host_env *h)
{
    for (size_t i = 0; i < h->nallocs; i++)
        free(h->allocs[i]);
    free(h->allocs);
    free(h->out);
    h->allocs = NULL;
    h->nallocs = h->allocs_cap = 0;
    h->out = NULL;
    h->len = h->cap = 0;
}

void host_env_add_device(struct host_env *h, struct fake_block *fb)
{
    if (h->ndev < HOST_ENV_MAX_DEVS)
        h->dev[h->ndev++] = fb;
}

void host_env_protect(struct host_env *h, const char *dev, uint64_t lba, uint64_t count,
                      const char *why)
{
    if (h->nprotect == HOST_ENV_MAX_PROTECT)
        return;
    snprintf(h->protect[h->nprotect].dev, sizeof(h->protect[0].dev), "%s", dev);
    h->protect[h->nprotect].lba = lba;
    h->protect[h->nprotect].count = count;
    snprintf(h->protect[h->nprotect].why, sizeof(h->protect[0].why), "%s", why);
    h->nprotect++;
}

void host_env_clear_output(struct host_env *h)
{
    h->len = 0;
    if (h->out)
        h->out[0] = '\0';
}

size_t host_env_live_allocs(const struct host_env *h)
{
    return h->nallocs;
}

int host_env_run(struct host_env *h, const char *line)
{
    char *copy = strdup(line);
    char *argv[128];
    int argc = 0;
    for (char *p = strtok(copy, " "); p && argc < 128; p = strtok(NULL, " "))
        argv[argc++] = p;
    int rc = bench_command(&h->env, argc, argv);
    free(copy);
    return rc;
}
