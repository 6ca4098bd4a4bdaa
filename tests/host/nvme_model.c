/*
 * tests/host/nvme_model.c - the in-memory NVMe controller (see nvme_model.h)
 * and the host side of the driver's environment seam (nvme_env_*, kprintf,
 * kzalloc, the clock), linked in place of the kernel's.
 *
 * The model follows NVMe Base 2.0 where the driver depends on it, and QEMU
 * 7.2 where QEMU is stricter than the spec (CC.EN refuses IOSQES/IOCQES of
 * 0; one CQ slot is always kept free).
 */
#include "tests/host/nvme_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/nvme/nvme_bdev.h"
#include "drivers/nvme/nvme_dbbuf.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"

bool model_quiet = true;

#define PAGE 4096u
#define SC(sct, sc) ((uint16_t)(((sct) << 8) | (sc)))
#define DNR 0x4000u

static uint32_t model_page = PAGE; /* CC.MPS of the model last enabled */

/* ---------------- environment seam ---------------- */

int kvprintf(const char *fmt, va_list ap)
{
    if (model_quiet && !getenv("NVOS_TEST_VERBOSE"))
        return 0;
    return vprintf(fmt, ap);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

/* Every allocation the driver makes goes through these: model_live_allocs
 * counts what is not yet freed (the unwinding test's leak check). */
long model_live_allocs;

void *kzalloc(size_t size)
{
    void *p = calloc(1, size);
    model_live_allocs += p != NULL;
    return p;
}

void *kmalloc(size_t size)
{
    void *p = malloc(size);
    model_live_allocs += p != NULL;
    return p;
}

void kfree(void *p)
{
    model_live_allocs -= p != NULL;
    free(p);
}

/*
 * DMA memory is exactly as aligned as asked: a plain allocation is 4 KiB
 * aligned and never 8 KiB aligned (as a page allocator may well return), so
 * whatever needs the controller's larger page (CC.MPS) must ask for it.
 * The side table maps what the driver got back to what was allocated.
 * model_dma_max_alloc and model_dma_budget (0: no limit) make large or
 * cumulative allocations fail, as a small machine's would (HMB fallback).
 */
#define DMA_SLOTS 4096
static struct {
    void *user, *real;
    size_t rounded;
} dma_map[DMA_SLOTS];

size_t model_dma_max_alloc, model_dma_budget, model_dma_live;

static void *dma_get(size_t size, size_t align, bool skew)
{
    size_t rounded = size ? (size + PAGE - 1) / PAGE * PAGE : PAGE;
    if ((model_dma_max_alloc && rounded > model_dma_max_alloc) ||
        (model_dma_budget && model_dma_live + rounded > model_dma_budget))
        return NULL;
    size_t al = skew ? 2 * PAGE : align, extra = skew ? PAGE : 0;
    size_t total = (rounded + extra + al - 1) / al * al;
    uint8_t *real = aligned_alloc(al, total);
    if (real == NULL)
        return NULL;
    for (unsigned i = 0; i < DMA_SLOTS; i++) {
        if (dma_map[i].user == NULL) {
            dma_map[i].user = real + extra;
            dma_map[i].real = real;
            dma_map[i].rounded = rounded;
            memset(real + extra, 0, rounded);
            model_live_allocs++;
            model_dma_live += rounded;
            return real + extra;
        }
    }
    free(real);
    return NULL;
}

void *nvme_env_dma_alloc(size_t size, nvme_phys_t *phys)
{
    void *p = dma_get(size, PAGE, true);
    if (p)
        *phys = (nvme_phys_t)(uintptr_t)p;
    return p;
}

void *nvme_env_dma_alloc_aligned(size_t size, size_t align, nvme_phys_t *phys)
{
    void *p = dma_get(size, align < PAGE ? PAGE : align, false);
    if (p)
        *phys = (nvme_phys_t)(uintptr_t)p;
    return p;
}

void nvme_env_dma_free(void *p, size_t size)
{
    (void)size;
    if (p == NULL)
        return;
    model_dbbuf_freed(p);
    for (unsigned i = 0; i < DMA_SLOTS; i++) {
        if (dma_map[i].user == p) {
            free(dma_map[i].real);
            model_dma_live -= dma_map[i].rounded;
            dma_map[i].user = dma_map[i].real = NULL;
            model_live_allocs--;
            return;
        }
    }
    fprintf(stderr, "nvme_env_dma_free: %p was not allocated\n", p);
    abort();
}

void nvme_env_stop_dma(struct nvme_ctrlr *c)
{
    model_of(c)->bme = false;
}

nvme_phys_t nvme_env_virt_to_phys(const void *p)
{
    return (nvme_phys_t)(uintptr_t)p;
}

bool nvme_env_irq_save(void)
{
    return false;
}

void nvme_env_irq_restore(bool was_enabled)
{
    (void)was_enabled;
}

void nvme_env_relax(struct nvme_ctrlr *c)
{
    struct nvme_model *m = model_of(c);
    if (m->relax_hook) {
        m->relax_hook(m);
        return;
    }
    model_step(m);
    model_deliver_irqs(m);
}

int nvme_env_before_step(struct nvme_ctrlr *c, unsigned step)
{
    struct nvme_model *m = model_of(c);
    if (m->on_step)
        m->on_step(m, c, step, m->on_step_arg);
    return m->fail_step == step + 1 ? -EIO : 0;
}

/* The registers: the model's "BAR" in memory. */
int nvme_env_map_registers(struct nvme_ctrlr *c)
{
    struct nvme_model *m = model_of(c);
    c->regs = m->bar;
    c->regs_size = sizeof(m->bar);
    m->mapped = true;
    m->bme = true;
    return 0;
}

void nvme_env_unmap_registers(struct nvme_ctrlr *c)
{
    model_of(c)->mapped = false;
    model_of(c)->bme = false;
    c->regs = NULL;
    c->regs_size = 0;
}

/* The routing is counted: polling mode still "routes" (and must unroute)
 * one line, like the kernel's INTx. With irq_vectors set, the platform has
 * interrupts of irq_kind, and the model delivers them (model_deliver_irqs). */
int nvme_env_interrupts_setup(struct nvme_ctrlr *c)
{
    struct nvme_model *m = model_of(c);
    m->irq_routed++;
    c->irq_mode = NVME_IRQ_NONE;
    if (m->irq_vectors == 0)
        return 0;
    switch (m->irq_kind) {
    case MODEL_IRQ_MSIX:
        c->irq_mode = NVME_IRQ_MSIX;
        c->msix_vectors = m->irq_vectors;
        break;
    case MODEL_IRQ_MSI:
        c->irq_mode = NVME_IRQ_MSI;
        break;
    case MODEL_IRQ_INTX:
        c->irq_mode = NVME_IRQ_INTX;
        break;
    }
    return 0;
}

void nvme_env_interrupts_teardown(struct nvme_ctrlr *c)
{
    model_of(c)->irq_routed--;
    c->irq_mode = NVME_IRQ_NONE;
    c->msix_vectors = 0;
}

/* The kernel's policy (nvme_pci.c): one vector for everything with MSI or
 * INTx; with MSI-X the QID's own entry while there is one, else shared. */
int nvme_env_interrupt_bind(struct nvme_ctrlr *c, struct nvme_qpair *qp)
{
    if (c->irq_mode == NVME_IRQ_MSI || c->irq_mode == NVME_IRQ_INTX) {
        qp->msix_index = 0;
        return 0;
    }
    if (c->irq_mode != NVME_IRQ_MSIX || c->msix_vectors == 0)
        return -ENODEV;
    qp->msix_index = (uint16_t)(qp->id % c->msix_vectors);
    return 0;
}

void nvme_env_interrupt_unbind(struct nvme_ctrlr *c, struct nvme_qpair *qp)
{
    (void)c;
    (void)qp;
}

void nvme_env_before_reset(struct nvme_ctrlr *c)
{
    (void)c;
}

void nvme_env_interrupt_route(struct nvme_ctrlr *c, struct nvme_qpair *qp)
{
    (void)c;
    (void)qp;
}

bool nvme_env_interrupt_private(struct nvme_ctrlr *c, struct nvme_qpair *qp)
{
    (void)c;
    return !qp->irq;
}

void (*nvme_model_on_sync_cpus)(void);

void nvme_env_sync_cpus(void)
{
    if (nvme_model_on_sync_cpus)
        nvme_model_on_sync_cpus();
}

/* SMP: the tests pretend to be CPU nvme_model_cpu of nvme_model_cpus. */
unsigned nvme_model_cpus = 1, nvme_model_cpu;

unsigned nvme_env_cpu_index(void)
{
    return nvme_model_cpu;
}

unsigned nvme_env_cpu_count(void)
{
    return nvme_model_cpus;
}

void nvme_env_spin_lock(struct spinlock *l)
{
    /* One thread: a lock found taken is a missing unlock. */
    if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
        fprintf(stderr, "model: spinlock %s taken twice\n", l->name ? l->name : "?");
        abort();
    }
}

void nvme_env_spin_unlock(struct spinlock *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* The block layer is the kernel's; the host tests use the driver API. */
int nvme_bdev_publish(struct nvme_ctrlr *c)
{
    (void)c;
    return 0;
}

unsigned model_bdev_changes[3];

void nvme_bdev_ns_changed(struct nvme_ctrlr *c, struct nvme_ns *ns, enum nvme_ns_change what)
{
    (void)c;
    (void)ns;
    model_bdev_changes[what]++;
}

/* Clock: the host's TSC, calibrated against CLOCK_MONOTONIC once. */
static uint64_t tsc_per_us;
uint64_t boot_tsc;

static void calibrate(void)
{
    if (tsc_per_us)
        return;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    uint64_t t0 = rdtsc();
    do
        clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 5000000L);
    uint64_t t1 = rdtsc();
    uint64_t ns = (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
    tsc_per_us = (t1 - t0) * 1000 / ns;
    if (tsc_per_us == 0)
        tsc_per_us = 1;
    boot_tsc = t0;
}

uint64_t ns_to_tsc(uint64_t ns)
{
    calibrate();
    return ns / 1000 * tsc_per_us + ns % 1000 * tsc_per_us / 1000;
}

uint64_t tsc_to_ns(uint64_t ticks)
{
    calibrate();
    return ticks / tsc_per_us * 1000 + ticks % tsc_per_us * 1000 / tsc_per_us;
}

uint64_t clock_ns(void)
{
    calibrate();
    return tsc_to_ns(rdtsc() - boot_tsc);
}

struct deadline deadline_in_ns(uint64_t ns)
{
    struct deadline d = { rdtsc() + ns_to_tsc(ns) };
    return d;
}

/* ---------------- the model: registers ---------------- */

struct nvme_model *model_of(struct nvme_ctrlr *c)
{
    return c->platform;
}

static uint32_t reg_read(struct nvme_ctrlr *c, uint32_t off)
{
    struct nvme_model *m = model_of(c);
    if (m->gone || (m->allones_until_ns && clock_ns() < m->allones_until_ns) ||
        (m->plan_on && nvme_fault_sched_allones(&m->plan, clock_ns())))
        return 0xFFFFFFFFu;
    if (m->allones_left) {
        /* Right after a disable some drives read all ones for a while
         * (real-hardware notes: "not device gone"); then they are back. */
        m->allones_left--;
        model_step(m);
        return 0xFFFFFFFFu;
    }
    switch (off) {
    case NVME_REG_CAP:
        return (uint32_t)m->cap;
    case NVME_REG_CAP + 4:
        return (uint32_t)(m->cap >> 32);
    case NVME_REG_VS:
        return m->vs;
    case NVME_REG_CC:
        return m->cc;
    case NVME_REG_CSTS:
        if (m->delay_chk_rdy_ms && m->disable_ns &&
            clock_ns() - m->disable_ns < (uint64_t)m->delay_chk_rdy_ms * 1000000ull)
            m->early_csts_reads++;
        return m->csts;
    case NVME_REG_CRTO:
        return m->crto;
    case NVME_REG_AQA:
        return m->aqa;
    case NVME_REG_ASQ:
        return (uint32_t)m->asq;
    case NVME_REG_ASQ + 4:
        return (uint32_t)(m->asq >> 32);
    case NVME_REG_ACQ:
        return (uint32_t)m->acq;
    case NVME_REG_ACQ + 4:
        return (uint32_t)(m->acq >> 32);
    default:
        return 0;
    }
}

static void event(struct nvme_model *m, const char *what)
{
    size_t n = strlen(m->events);
    snprintf(m->events + n, sizeof(m->events) - n, "%s%s", n ? " " : "", what);
}

static void controller_reset(struct nvme_model *m)
{
    m->allones_left = m->allones_reads;
    event(m, "R");
    if (m->hmb_enabled) {
        /* [§8.9] the host should have disabled it first; a reset ends it anyway. */
        m->hmb_enabled_at_reset++;
        m->hmb_enabled = false;
    }
    memset(m->sq, 0, sizeof(m->sq));
    memset(m->cq, 0, sizeof(m->cq));
    memset(m->bar + 0x1000, 0, sizeof(m->bar) - 0x1000); /* doorbells */
    model_dbbuf_reset(m, model_page); /* the settings end with the reset */
    m->nheld = 0;
    m->ndropped = 0;
    m->plan_nheld = 0;
    m->aer_outstanding = 0;
    m->csts = m->stuck_ready ? NVME_SET(CSTS_RDY, 1) : 0;
    if (m->allones_after_disable_ms)
        m->allones_until_ns = clock_ns() + m->allones_after_disable_ms * 1000000ull;
    m->resets++;
    m->disable_ns = clock_ns();
}

static void controller_enable(struct nvme_model *m)
{
    unsigned iosqes = (m->cc >> 16) & 0xF, iocqes = (m->cc >> 20) & 0xF;
    unsigned asqs = m->aqa & 0xFFF, acqs = (m->aqa >> 16) & 0xFFF;
    unsigned mps = (m->cc >> 7) & 0xF;
    unsigned mpsmin = (unsigned)(m->cap >> 48) & 0xF, mpsmax = (unsigned)(m->cap >> 52) & 0xF;
    model_page = PAGE << mps;
    bool misaligned = (m->asq & (model_page - 1)) || (m->acq & (model_page - 1));
    m->misaligned += misaligned;
    if (iosqes != (m->sqe128 ? 7u : 6u) || iocqes != 4 || misaligned || asqs == 0 ||
        acqs == 0 || m->asq == 0 || m->acq == 0 || mps < mpsmin || mps > mpsmax) {
        m->csts = NVME_SET(CSTS_CFS, 1); /* QEMU: refused configuration */
        snprintf(m->last_error, sizeof(m->last_error), "enable refused: CC %#x AQA %#x", m->cc,
                 m->aqa);
        return;
    }
    m->sq[0] = (struct model_queue){ .exists = true, .base = m->asq, .size = asqs + 1 };
    m->cq[0] = (struct model_queue){ .exists = true, .base = m->acq, .size = acqs + 1,
                                     .phase = 1, .ien = true };
    m->enables++;
    if (m->cfs_at_enable) {
        m->csts = NVME_SET(CSTS_CFS, 1);
        return;
    }
    if (m->never_ready)
        return;
    if (m->ready_delay)
        m->ready_countdown = m->ready_delay;
    else
        m->csts |= NVME_SET(CSTS_RDY, 1);
}

static void reg_write(struct nvme_ctrlr *c, uint32_t off, uint32_t v)
{
    struct nvme_model *m = model_of(c);
    if (m->gone)
        return;
    bool enabled = m->cc & 1;
    switch (off) {
    case NVME_REG_CC: {
        uint32_t old = m->cc;
        if (m->cc_writes++ == 0)
            m->first_cc_write = v;
        m->cc = v;
        if (!(old & 1) && (v & 1))
            controller_enable(m);
        else if ((old & 1) && !(v & 1))
            controller_reset(m);
        if (NVME_GET(v, CC_SHN) && !NVME_GET(old, CC_SHN)) {
            m->csts = (m->csts & ~(uint32_t)NVME_SET(CSTS_SHST, 3)) |
                      NVME_SET(CSTS_SHST, NVME_CSTS_SHST_COMPLETE);
            m->shutdowns++;
            event(m, "S");
            m->hmb_enabled_at_shutdown += m->hmb_enabled;
        }
        break;
    }
    case NVME_REG_AQA:
        m->aqa = v;
        m->aqa_written_while_enabled |= enabled;
        break;
    case NVME_REG_ASQ:
        m->asq = (m->asq & ~0xFFFFFFFFull) | v;
        m->aqa_written_while_enabled |= enabled;
        break;
    case NVME_REG_ASQ + 4:
        m->asq = (m->asq & 0xFFFFFFFFull) | ((uint64_t)v << 32);
        break;
    case NVME_REG_ACQ:
        m->acq = (m->acq & ~0xFFFFFFFFull) | v;
        m->aqa_written_while_enabled |= enabled;
        break;
    case NVME_REG_ACQ + 4:
        m->acq = (m->acq & 0xFFFFFFFFull) | ((uint64_t)v << 32);
        break;
    default:
        break;
    }
}

static const struct nvme_reg_ops model_ops = { reg_read, reg_write };

void model_init(struct nvme_model *m)
{
    memset(m, 0, sizeof(*m));
    m->cap = 0x004018200f0107ffull; /* QEMU 7.2 */
    m->vs = 0x00010400;
    m->mdts = 7;
    m->nn = 256;
    m->grant_queues = 64;
    m->error_lba = UINT64_MAX;
    model_add_ns(m, 1, 131072, 9, 0);
}

void model_add_ns(struct nvme_model *m, uint32_t nsid, uint64_t nsze, uint32_t lbads, uint16_t ms)
{
    struct model_ns *n = &m->ns[nsid];
    free(n->data);
    free(n->md);
    n->active = true;
    n->nsze = nsze;
    n->lbads = lbads;
    n->ms = ms;
    n->data = calloc(1, nsze << lbads);
    n->md = ms ? calloc(1, nsze * ms) : NULL;
}

void model_free(struct nvme_model *m)
{
    model_dbbuf_forget(m);
    for (unsigned i = 0; i <= MODEL_MAX_NS; i++) {
        free(m->ns[i].data);
        free(m->ns[i].md);
    }
}

void model_release_ctrlr(struct nvme_ctrlr *c)
{
    nvme_hmb_teardown(c);
    while (c->io_qpairs) {
        struct nvme_qpair *qp = c->io_qpairs;
        c->io_qpairs = qp->next;
        nvme_qpair_destroy(qp);
        kfree(qp);
    }
    if (c->admin.sq)
        nvme_qpair_destroy(&c->admin);
    nvme_dbbuf_retire(c);
    nvme_dbbuf_free_retired(c);
    nvme_ns_free_all(c);
    nvme_env_dma_free(c->id, 4096);
    c->id = NULL;
}

void model_attach(struct nvme_model *m, struct nvme_ctrlr *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "nvme0");
    c->ops = &model_ops;
    c->platform = m;
    m->ctrlr = c;
    c->max_retries = 3;
    c->admin_timeout_ns = 200 * 1000000ull;
    c->io_timeout_ns = 200 * 1000000ull;
    c->pci_vendor = m->pci_vendor;
    c->pci_device = m->pci_device;
    c->pci_class = m->pci_class;
    c->quirk_override = m->quirk_override;
    if (m->start_enabled || m->start_transitioning) {
        /* What firmware leaves: an enabled controller with its own queues. */
        static uint8_t fw_asq[PAGE] __attribute__((aligned(PAGE)));
        static uint8_t fw_acq[PAGE] __attribute__((aligned(PAGE)));
        m->aqa = 0x00ff003f;
        m->asq = (uintptr_t)fw_asq;
        m->acq = (uintptr_t)fw_acq;
        m->cc = 0x00460001;
        controller_enable(m);
        if (m->start_transitioning) {
            m->csts &= ~(uint32_t)NVME_SET(CSTS_RDY, 1);
            m->ready_countdown = 3;
        }
        m->enables = 0;
        m->cc_writes = 0;
    }
}

/* ---------------- the model: commands ---------------- */

static unsigned dstrd(const struct nvme_model *m)
{
    return (unsigned)NVME_GET(m->cap, CAP_DSTRD);
}

/* [§3.1.3 SQyTDBL/CQyHDBL] at 1000h + (2y (+1)) * (4 << CAP.DSTRD). */
static uint32_t doorbell(struct nvme_model *m, unsigned qid, bool cq)
{
    uint32_t v;
    uint64_t off = cq ? NVME_REG_CQHDBL(qid, dstrd(m)) : NVME_REG_SQTDBL(qid, dstrd(m));
    memcpy(&v, m->bar + off, 4);
    return v;
}

unsigned model_scan_doorbells(struct nvme_model *m)
{
    uint32_t stride = 4u << dstrd(m);
    unsigned stray = 0;
    for (uint32_t off = 0x1000; off + 4 <= sizeof(m->bar); off += 4) {
        uint32_t v;
        memcpy(&v, m->bar + off, 4);
        if (v != 0 && (off - 0x1000) % stride != 0)
            stray++;
    }
    m->stray_doorbells += stray;
    return stray;
}

/* Walks the PRPs of a transfer, calling fn on each host segment, with
 * pages of CC.MPS (model_page, set at enable). */
static uint16_t walk_prps(uint64_t prp1, uint64_t prp2, uint64_t len,
                          void (*fn)(void *ctx, uint8_t *p, uint32_t n), void *ctx)
{
    if (len == 0)
        return 0;
    if (prp1 & 3)
        return SC(0, 0x13) | DNR;
    uint32_t first = (uint32_t)(model_page - (prp1 & (model_page - 1)));
    if (first > len)
        first = (uint32_t)len;
    fn(ctx, (uint8_t *)(uintptr_t)prp1, first);
    len -= first;
    if (len == 0)
        return 0;
    if (len <= model_page) {
        if (prp2 == 0 || (prp2 & (model_page - 1)))
            return SC(0, 0x13) | DNR;
        fn(ctx, (uint8_t *)(uintptr_t)prp2, (uint32_t)len);
        return 0;
    }
    if (prp2 == 0 || (prp2 & 7))
        return SC(0, 0x13) | DNR;
    uint64_t *list = (uint64_t *)(uintptr_t)prp2;
    unsigned idx = (unsigned)((prp2 & (model_page - 1)) / 8);
    while (len > 0) {
        if (idx == model_page / 8 - 1 && len > model_page) {
            /* Last entry of a full list page with more to come: a chain. */
            uint64_t next = list[idx];
            if (next == 0 || (next & (model_page - 1)))
                return SC(0, 0x13) | DNR;
            list = (uint64_t *)(uintptr_t)next;
            idx = 0;
            continue;
        }
        uint64_t e = list[idx++];
        if (e == 0 || (e & (model_page - 1)))
            return SC(0, 0x13) | DNR;
        uint32_t n = len > model_page ? model_page : (uint32_t)len;
        fn(ctx, (uint8_t *)(uintptr_t)e, n);
        len -= n;
    }
    return 0;
}

struct copy_ctx {
    uint8_t *disk;
    bool to_host;
};

static void copy_seg(void *vctx, uint8_t *p, uint32_t n)
{
    struct copy_ctx *cc = vctx;
    if (cc->to_host)
        memcpy(p, cc->disk, n);
    else
        memcpy(cc->disk, p, n);
    cc->disk += n;
}

static uint16_t to_host(const struct nvme_sqe *s, const void *src, uint64_t len)
{
    struct copy_ctx cc = { (uint8_t *)src, true };
    return walk_prps(s->dptr.prp1, s->dptr.prp2, len, copy_seg, &cc);
}

/* post(), for admin_cmd (whose "post" is its out parameter). */
static bool post_cqe(struct nvme_model *m, unsigned cqid, const struct nvme_cqe *in);

/* A chunk's first 8 bytes: what the model "keeps" there, checked when the
 * host says it returns the same memory (MR=1). */
static uint64_t hmb_signature(uint64_t addr)
{
    return addr ^ 0x484d4220434f4e54ull;
}

/* [§5.27.1.10] Set Features 0Dh: CDW11 EHM (bit 0), MR (bit 1); CDW12 HSIZE
 * (CC.MPS pages); CDW13/14 the descriptor list's address (16-byte
 * aligned); CDW15 its entry count. Each entry: BADD (page aligned), BSIZE
 * (pages), 8 bytes reserved. */
static uint16_t hmb_set(struct nvme_model *m, const struct nvme_sqe *s)
{
    bool ehm = s->cdw11 & 1, mr = (s->cdw11 >> 1) & 1;
    if (m->hmpre == 0)
        return SC(0, 0x02) | DNR;
    if (!ehm) {
        if (m->hmb_enabled)
            m->hmb_disables++;
        m->hmb_enabled = false;
        event(m, "H-");
        return 0;
    }
    if (m->hmb_enabled)
        return SC(0, 0x0C) | DNR; /* Command Sequence Error: already enabled */
    if (m->hmb_refuse)
        return SC(0, 0x06);
    uint32_t hsize = s->cdw12, count = s->cdw15;
    uint64_t list_addr = ((uint64_t)s->cdw14 << 32) | s->cdw13;
    if (hsize < m->hmmin || count == 0 || count > 256 || (m->hmmaxd && count > m->hmmaxd) ||
        (list_addr & 15) || list_addr == 0) {
        m->hmb_bad_list++;
        return SC(0, 0x02) | DNR;
    }
    const uint8_t *list = (const uint8_t *)(uintptr_t)list_addr;
    uint64_t total = 0;
    bool same = mr && count == m->hmb_entries && hsize == m->hmb_size;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t addr;
        uint32_t pages;
        memcpy(&addr, list + i * 16, 8);
        memcpy(&pages, list + i * 16 + 8, 4);
        if ((addr & (PAGE - 1)) || addr == 0 || pages == 0 ||
            (m->hmminds && pages < m->hmminds)) {
            m->hmb_bad_list++;
            return SC(0, 0x02) | DNR;
        }
        total += pages;
        same = same && m->hmb_desc[i].addr == addr && m->hmb_desc[i].pages == pages;
    }
    if (total != hsize) {
        m->hmb_bad_list++;
        return SC(0, 0x02) | DNR;
    }
    if (mr) {
        /* The host says: the same memory, untouched since it was disabled. */
        for (uint32_t i = 0; same && i < count; i++) {
            uint64_t sig;
            memcpy(&sig, (void *)(uintptr_t)m->hmb_desc[i].addr, 8);
            same = sig == hmb_signature(m->hmb_desc[i].addr);
        }
        m->hmb_mr_bad += !same;
        m->hmb_mr_enables++;
    }
    m->hmb_entries = count;
    m->hmb_size = hsize;
    for (uint32_t i = 0; i < count; i++) {
        memcpy(&m->hmb_desc[i].addr, list + i * 16, 8);
        memcpy(&m->hmb_desc[i].pages, list + i * 16 + 8, 4);
        if (!mr) {
            uint64_t sig = hmb_signature(m->hmb_desc[i].addr);
            memcpy((void *)(uintptr_t)m->hmb_desc[i].addr, &sig, 8);
        }
    }
    m->hmb_enabled = true;
    m->hmb_enables++;
    event(m, mr ? "M+" : "H+");
    return 0;
}

/* Features 0Dh (HMB), 0Ch (APST, with its 256-byte table) and 02h (power state). */
static uint16_t power_features(struct nvme_model *m, const struct nvme_sqe *s, bool set,
                               uint32_t *dw0)
{
    unsigned fid = s->cdw10 & 0xFF;
    if (fid == NVME_FEAT_HOST_MEM_BUF) {
        if (set)
            return hmb_set(m, s);
        if (m->hmpre == 0)
            return SC(0, 0x02) | DNR;
        *dw0 = m->hmb_enabled;
        uint8_t attr[PAGE] = { 0 };
        memcpy(attr, &m->hmb_size, 4);
        memcpy(attr + 12, &m->hmb_entries, 4);
        return to_host(s, attr, PAGE);
    }
    if (fid == NVME_FEAT_AUTO_PST) {
        if (!m->apsta)
            return SC(0, 0x02) | DNR;
        if (!set) {
            *dw0 = m->apste;
            return to_host(s, m->apst_table, sizeof(m->apst_table));
        }
        struct copy_ctx cc = { m->apst_table, false };
        uint16_t st = walk_prps(s->dptr.prp1, s->dptr.prp2, sizeof(m->apst_table), copy_seg, &cc);
        if (st)
            return st;
        m->apste = s->cdw11 & 1;
        m->apst_sets++;
        event(m, m->apste ? "A+" : "A-");
        return 0;
    }
    if (!set) {
        *dw0 = m->ps;
        return 0;
    }
    if ((s->cdw11 & 0x1F) > m->npss)
        return SC(0, 0x02) | DNR;
    m->ps = s->cdw11 & 0x1F;
    return 0;
}

/* Queue pairs granted: fewer from the second enable on, with grant_after_reset. */
static uint16_t granted(const struct nvme_model *m)
{
    return m->grant_after_reset && m->enables >= 2 ? m->grant_after_reset : m->grant_queues;
}

/* Interrupt vectors a CQ may name: MSI-X table entries, or the one of
 * MSI and INTx; a polled platform still lets IV 0 through. */
static unsigned irq_vectors(const struct nvme_model *m)
{
    if (m->irq_vectors == 0 || m->irq_kind != MODEL_IRQ_MSIX)
        return 1;
    return m->irq_vectors;
}

/* CAP.MQES + 1 entries per queue; a drive reporting the invalid MQES 0
 * (Samsung PM1725's erratum, which Linux works around by assuming 64)
 * takes 64, as the real one does. */
static unsigned model_max_queue_entries(const struct nvme_model *m)
{
    unsigned mqes = (unsigned)NVME_GET(m->cap, CAP_MQES);
    return mqes ? mqes + 1 : 64;
}

static uint16_t admin_cmd(struct nvme_model *m, const struct nvme_sqe *s, uint32_t *dw0, bool *post)
{
    static uint8_t page[PAGE];
    m->admin_cmds++;
    memset(page, 0, sizeof(page));
    switch (s->opc) {
    case NVME_ADMIN_IDENTIFY: {
        unsigned cns = s->cdw10 & 0xFF;
        if (m->cns_binary)
            cns &= 1; /* NVMe 1.0's one-bit CNS (Apple) */
        if (cns == NVME_CNS_CTRL) {
            struct nvme_id_ctrl *id = (struct nvme_id_ctrl *)page;
            id->vid = 0x1b36;
            memcpy(id->sn, "model               ", 20);
            memcpy(id->mn, "nvos test model                         ", 40);
            memcpy(id->fr, "1.0     ", 8);
            id->mdts = m->mdts;
            id->maxcmd = m->maxcmd;
            id->ver = m->vs >= 0x00010200 ? m->vs : 0; /* VER: new in 1.2 */
            id->nn = m->nn;
            id->sqes = 0x66;
            id->cqes = 0x44;
            id->oncs = NVME_ONCS_DSM | NVME_ONCS_WRITE_ZEROES;
            id->vwc = 1;
            id->oacs = m->no_dbbuf ? 0 : NVME_OACS_DBBUF_CONFIG;
            id->aerl = 3;
            id->elpe = 3;
            id->oaes = 1u << 8;
            id->hmpre = m->hmpre;
            id->hmmin = m->hmmin;
            id->hmminds = m->hmminds;
            id->hmmaxd = m->hmmaxd;
            id->apsta = m->apsta;
            id->npss = m->npss;
            if (m->mangle_identify)
                m->mangle_identify(m, cns, s->nsid, page);
            return to_host(s, page, PAGE);
        }
        if (cns == NVME_CNS_NS) {
            if ((s->nsid == 0 && !m->cns_binary) || s->nsid > m->nn)
                return SC(0, 0x0B) | DNR;
            if (m->identify_fail_nsid && s->nsid == m->identify_fail_nsid)
                return SC(0, 0x06); /* Internal Error */
            if (s->nsid <= MODEL_MAX_NS && m->ns[s->nsid].active) {
                struct model_ns *n = &m->ns[s->nsid];
                struct nvme_id_ns *id = (struct nvme_id_ns *)page;
                id->nsze = id->ncap = id->nuse = n->nsze;
                id->nlbaf = 0;
                id->flbas = 0;
                id->lbaf[0].lbads = (uint8_t)n->lbads;
                id->lbaf[0].ms = n->ms;
            }
            if (m->mangle_identify)
                m->mangle_identify(m, cns, s->nsid, page);
            return to_host(s, page, PAGE);
        }
        if (cns == NVME_CNS_NS_ACTIVE_LIST) {
            if (m->vs < 0x00010100)
                m->cns2_on_10++; /* CNS 02h is NVMe 1.1's */
            if (m->no_active_list)
                return SC(0, 0x02) | DNR;
            uint32_t *list = (uint32_t *)page, k = 0;
            if (m->active_list) {
                for (k = 0; k < m->active_list_len && k < PAGE / 4; k++)
                    list[k] = m->active_list[k];
                return to_host(s, page, PAGE);
            }
            for (uint32_t n = s->nsid + 1; n <= MODEL_MAX_NS && n <= m->nn; n++)
                if (m->ns[n].active)
                    list[k++] = n;
            return to_host(s, page, PAGE);
        }
        return SC(0, 0x02) | DNR;
    }
    case NVME_ADMIN_SET_FEATURES: {
        unsigned fid = s->cdw10 & 0xFF;
        if (fid == NVME_FEAT_ASYNC_EVENT) {
            m->aec_cdw11 = s->cdw11;
            m->aec_sets++;
        }
        if (fid == NVME_FEAT_HOST_MEM_BUF || fid == NVME_FEAT_AUTO_PST ||
            fid == NVME_FEAT_POWER_MGMT)
            return power_features(m, s, true, dw0);
        if (fid == NVME_FEAT_NUM_QUEUES) {
            if (m->refuse_num_queues)
                return SC(0, 0x02) | DNR;
            *dw0 = ((uint32_t)(granted(m) - 1) << 16) | (uint32_t)(granted(m) - 1);
        }
        return 0;
    }
    case NVME_ADMIN_GET_FEATURES:
        if ((s->cdw10 & 0xFF) == NVME_FEAT_HOST_MEM_BUF ||
            (s->cdw10 & 0xFF) == NVME_FEAT_AUTO_PST || (s->cdw10 & 0xFF) == NVME_FEAT_POWER_MGMT)
            return power_features(m, s, false, dw0);
        if ((s->cdw10 & 0xFF) == NVME_FEAT_NUM_QUEUES) {
            *dw0 = ((uint32_t)(granted(m) - 1) << 16) | (uint32_t)(granted(m) - 1);
            return 0;
        }
        return SC(0, 0x02) | DNR;
    case NVME_ADMIN_GET_LOG_PAGE: {
        uint64_t numd = ((uint64_t)(s->cdw11 & 0xFFFF) << 16 | (s->cdw10 >> 16)) + 1;
        static uint8_t log[16384];
        if (numd * 4 > sizeof(log))
            return SC(0, 0x02) | DNR;
        memset(log, 0, sizeof(log));
        if ((s->cdw10 & 0xFF) == NVME_LOG_CHANGED_NS) {
            memcpy(log, m->changed_ns, m->changed_ns_len * 4);
            m->changed_ns_len = 0; /* RAE=0: read, cleared */
        }
        return to_host(s, log, numd * 4);
    }
    case NVME_ADMIN_CREATE_CQ: {
        unsigned qid = s->cdw10 & 0xFFFF, size = (s->cdw10 >> 16) + 1;
        if (qid == 0 || qid >= MODEL_MAX_QUEUES || qid > granted(m) || m->cq[qid].exists)
            return SC(1, 0x01) | DNR;
        if (size < 2 || size > 2048 || size > model_max_queue_entries(m)) {
            m->qsize_violations += size > model_max_queue_entries(m);
            return SC(1, 0x02) | DNR;
        }
        if (((s->cdw11 >> 1) & 1) && (s->cdw11 >> 16) >= irq_vectors(m)) {
            m->iv_violations++;
            return SC(1, 0x08) | DNR; /* Invalid Interrupt Vector */
        }
        if (s->dptr.prp1 & (model_page - 1)) {
            m->misaligned++;
            return SC(0, 0x02) | DNR;
        }
        if (!(s->cdw11 & 1))
            return SC(0, 0x02) | DNR;
        m->cq[qid] = (struct model_queue){ .exists = true, .base = s->dptr.prp1, .size = size,
                                           .phase = 1, .ien = (s->cdw11 >> 1) & 1,
                                           .iv = (uint16_t)(s->cdw11 >> 16),
                                           .shadow = model_dbbuf_covers(m, qid) };
        memset(m->bar + NVME_REG_CQHDBL(qid, dstrd(m)), model_dbbuf_covers(m, qid) ? 0xFF : 0, 4);
        return 0;
    }
    case NVME_ADMIN_CREATE_SQ: {
        unsigned qid = s->cdw10 & 0xFFFF, size = (s->cdw10 >> 16) + 1, cqid = s->cdw11 >> 16;
        if (qid == 0 || qid >= MODEL_MAX_QUEUES || qid > granted(m) || m->sq[qid].exists)
            return SC(1, 0x01) | DNR;
        if (cqid >= MODEL_MAX_QUEUES || !m->cq[cqid].exists || cqid == 0)
            return SC(1, 0x00) | DNR;
        if (size < 2 || size > 2048 || size > model_max_queue_entries(m)) {
            m->qsize_violations += size > model_max_queue_entries(m);
            return SC(1, 0x02) | DNR;
        }
        if (s->dptr.prp1 & (model_page - 1)) {
            m->misaligned++;
            return SC(0, 0x02) | DNR;
        }
        m->sq[qid] = (struct model_queue){ .exists = true, .base = s->dptr.prp1, .size = size,
                                           .cqid = (uint16_t)cqid,
                                           .shadow = model_dbbuf_covers(m, qid) };
        memset(m->bar + NVME_REG_SQTDBL(qid, dstrd(m)), model_dbbuf_covers(m, qid) ? 0xFF : 0, 4);
        return 0;
    }
    case NVME_ADMIN_DELETE_SQ: {
        unsigned qid = s->cdw10 & 0xFFFF;
        event(m, "D");
        if (qid == 0 || qid >= MODEL_MAX_QUEUES || !m->sq[qid].exists)
            return SC(1, 0x01) | DNR;
        m->sq[qid].exists = false;
        return 0;
    }
    case NVME_ADMIN_DELETE_CQ: {
        unsigned qid = s->cdw10 & 0xFFFF;
        if (qid == 0 || qid >= MODEL_MAX_QUEUES || !m->cq[qid].exists)
            return SC(1, 0x01) | DNR;
        for (unsigned q = 1; q < MODEL_MAX_QUEUES; q++)
            if (m->sq[q].exists && m->sq[q].cqid == qid)
                return SC(1, 0x0C);
        m->cq[qid].exists = false;
        return 0;
    }
    case NVME_ADMIN_DBBUF_CONFIG:
        return model_dbbuf_config(m, s->dptr.prp1, s->dptr.prp2, model_page);
    case NVME_ADMIN_ABORT: {
        m->aborts++;
        if (m->hold_aborts) {
            *post = false;
            return 0;
        }
        *dw0 = 1; /* not aborted, as QEMU */
        uint16_t sqid = (uint16_t)(s->cdw10 & 0xFFFF), cid = (uint16_t)(s->cdw10 >> 16);
        for (unsigned i = 0; i < m->ndropped; i++) {
            struct model_pending *d = &m->dropped[i];
            if (d->cqe.sqid != sqid || d->cqe.cid != cid ||
                !(m->abort_succeeds || m->post_after_abort))
                continue;
            if (m->abort_succeeds) {
                d->cqe.status = SC(0, 0x07); /* Command Abort Requested */
                *dw0 = 0;
            }
            post_cqe(m, d->cqid, &d->cqe);
            m->dropped[i] = m->dropped[--m->ndropped];
            break;
        }
        return 0;
    }
    case NVME_ADMIN_ASYNC_EVENT:
        m->aer_outstanding++;
        m->aer_cid = s->cid;
        *post = false;
        return 0;
    default:
        return SC(0, 0x01) | DNR;
    }
}

static uint16_t io_cmd(struct nvme_model *m, const struct nvme_sqe *s)
{
    m->io_cmds++;
    if (m->hmb_required && !m->hmb_enabled) {
        m->io_without_hmb++; /* DRAM-less and no buffer: this model refuses */
        return SC(0, 0x06) | DNR; /* Internal Error */
    }
    if (s->nsid == 0 || s->nsid > MODEL_MAX_NS || !m->ns[s->nsid].active)
        return s->opc == NVME_IO_FLUSH && s->nsid == NVME_NSID_ALL ? 0 : SC(0, 0x0B) | DNR;
    struct model_ns *n = &m->ns[s->nsid];
    uint64_t slba = ((uint64_t)s->cdw11 << 32) | s->cdw10;
    uint64_t nlb = (s->cdw12 & 0xFFFF) + 1ull;
    uint32_t bs = 1u << n->lbads;
    switch (s->opc) {
    case NVME_IO_FLUSH:
        return 0;
    case NVME_IO_READ:
    case NVME_IO_WRITE:
    case NVME_IO_WRITE_ZEROES: {
        if (slba + nlb > n->nsze || slba + nlb < slba)
            return SC(0, 0x80) | DNR;
        if (m->error_count != 0 && m->error_lba >= slba && m->error_lba < slba + nlb) {
            if (m->error_count > 0)
                m->error_count--;
            return m->error_status;
        }
        uint64_t mdts_bytes =
            m->mdts ? ((uint64_t)PAGE << ((m->cap >> 48) & 0xF)) << m->mdts : UINT64_MAX;
        if (s->opc != NVME_IO_WRITE_ZEROES && nlb * bs > mdts_bytes)
            return SC(0, 0x02) | DNR;
        uint8_t *disk = n->data + slba * bs;
        if (s->opc == NVME_IO_WRITE_ZEROES) {
            m->write_zeroes_cmds++;
            memset(disk, m->write_zeroes_broken ? 0xA5 : 0, nlb * bs);
            return 0;
        }
        struct copy_ctx cc = { disk, s->opc == NVME_IO_READ };
        uint16_t st = walk_prps(s->dptr.prp1, s->dptr.prp2, nlb * bs, copy_seg, &cc);
        if (st == 0 && n->ms && s->mptr) {
            uint8_t *md = (uint8_t *)(uintptr_t)s->mptr;
            if (s->opc == NVME_IO_READ)
                memcpy(md, n->md + slba * n->ms, nlb * n->ms);
            else
                memcpy(n->md + slba * n->ms, md, nlb * n->ms);
        }
        return st;
    }
    case NVME_IO_DSM: {
        unsigned nr = (s->cdw10 & 0xFF) + 1;
        struct nvme_dsm_range r[256];
        struct copy_ctx cc = { (uint8_t *)r, false };
        uint16_t st = walk_prps(s->dptr.prp1, s->dptr.prp2, nr * sizeof(r[0]), copy_seg, &cc);
        if (st)
            return st;
        for (unsigned i = 0; i < nr; i++)
            if ((s->cdw11 & NVME_DSM_AD) && r[i].slba + r[i].nlb <= n->nsze)
                memset(n->data + r[i].slba * bs, 0, (size_t)r[i].nlb * bs);
        return 0;
    }
    default:
        return SC(0, 0x01) | DNR;
    }
}

static bool cq_full(struct nvme_model *m, unsigned cqid)
{
    struct model_queue *q = &m->cq[cqid];
    uint32_t head = q->shadow ? model_dbbuf_cq_head(m, cqid) : doorbell(m, cqid, true);
    return (q->tail + 1) % q->size == head % q->size;
}

static bool post(struct nvme_model *m, unsigned cqid, const struct nvme_cqe *in)
{
    struct model_queue *q = &m->cq[cqid];
    if (!q->exists)
        return true; /* its CQ is gone: the completion is lost, as on a device */
    if (cq_full(m, cqid))
        return false;
    struct nvme_cqe e = *in;
    uint8_t phase = q->phase;
    if (cqid != 0 && m->flip_phase_next_io) {
        phase ^= 1; /* looks like last pass's entry: the host cannot see it */
        m->flip_phase_next_io = false;
    }
    if (m->sqhd_garbage)
        e.sqhd = 0xBEEF;
    e.status = (uint16_t)((in->status << 1) | phase);
    struct nvme_cqe *slot = (struct nvme_cqe *)(uintptr_t)(q->base + (uint64_t)q->tail * 16);
    /* The phase word last, as a device's DMA write would make it visible. */
    uint16_t status = e.status;
    e.status = (uint16_t)(status ^ 1);
    memcpy(slot, &e, sizeof(e));
    __atomic_store_n(&slot->status, status, __ATOMIC_RELEASE);
    if (++q->tail == q->size) {
        q->tail = 0;
        q->phase ^= 1;
    }
    if (q->ien && m->irq_vectors)
        m->irq_pending |= 1u << (q->iv & 31);
    return true;
}

static bool post_cqe(struct nvme_model *m, unsigned cqid, const struct nvme_cqe *in)
{
    return post(m, cqid, in);
}

static void hold(struct nvme_model *m, unsigned cqid, const struct nvme_cqe *e)
{
    if (m->nheld < sizeof(m->held) / sizeof(m->held[0])) {
        m->held[m->nheld].cqid = (uint16_t)cqid;
        m->held[m->nheld].cqe = *e;
        m->nheld++;
    }
}

void model_flush_held(struct nvme_model *m)
{
    /* Newest first: the reverse of submission order. */
    while (m->nheld > 0) {
        struct model_pending *p = &m->held[m->nheld - 1];
        if (!post(m, p->cqid, &p->cqe))
            break;
        m->nheld--;
    }
}

void model_post_raw(struct nvme_model *m, uint16_t cqid, uint16_t sqid, uint16_t cid,
                    uint16_t status15)
{
    struct nvme_cqe e;
    memset(&e, 0, sizeof(e));
    e.sqid = sqid;
    e.cid = cid;
    e.status = status15;
    e.sqhd = (uint16_t)m->sq[sqid < MODEL_MAX_QUEUES ? sqid : 0].head;
    post(m, cqid, &e);
}

int model_set_plan(struct nvme_model *m, const char *text, uint64_t seed, char *why,
                   size_t why_size)
{
    struct nvme_fault_plan plan;
    int err = nvme_fault_parse(text, strlen(text), &plan, why, why_size);
    if (err)
        return err;
    if (nvme_fault_plan_has(&plan, NVME_FAULT_MASKIRQ)) {
        snprintf(why, why_size, "maskirq: the model delivers no interrupts");
        return -EOPNOTSUPP;
    }
    nvme_fault_sched_start(&m->plan, &plan, seed, clock_ns());
    m->plan_on = true;
    m->plan_nheld = 0;
    return 0;
}

/* A completion about to be posted, through the device-side plan: false
 * when it is not to be posted now (dropped or delayed). */
static bool plan_cqe(struct nvme_model *m, unsigned cqid, unsigned opc, struct nvme_cqe *e)
{
    uint16_t status15 = 0;
    uint64_t delay = 0, now = clock_ns();
    switch (nvme_fault_sched_cqe(&m->plan, e->sqid == 0, (int)opc, now, &status15, &delay)) {
    case NVME_FAULT_PASS:
        return true;
    case NVME_FAULT_DO_STATUS:
        e->status = status15;
        return true;
    case NVME_FAULT_DO_DELAY:
        if (m->plan_nheld < sizeof(m->plan_held) / sizeof(m->plan_held[0])) {
            m->plan_held[m->plan_nheld++] =
                (struct model_delayed){ (uint16_t)cqid, now + delay, *e };
            return false;
        }
        return true;
    case NVME_FAULT_DO_DROP:
        break;
    }
    if (e->sqid != 0 && m->ndropped < sizeof(m->dropped) / sizeof(m->dropped[0]))
        m->dropped[m->ndropped++] = (struct model_pending){ (uint16_t)cqid, *e };
    return false;
}

static void plan_post_due(struct nvme_model *m)
{
    uint64_t now = clock_ns();
    for (unsigned i = 0; i < m->plan_nheld;) {
        if (m->plan_held[i].due_ns <= now && post(m, m->plan_held[i].cqid, &m->plan_held[i].cqe)) {
            memmove(&m->plan_held[i], &m->plan_held[i + 1],
                    (m->plan_nheld - i - 1) * sizeof(m->plan_held[0]));
            m->plan_nheld--;
        } else {
            i++;
        }
    }
}

void model_remove_ns(struct nvme_model *m, uint32_t nsid)
{
    struct model_ns *n = &m->ns[nsid];
    free(n->data);
    free(n->md);
    memset(n, 0, sizeof(*n));
}

bool model_ns_changed(struct nvme_model *m, const uint32_t *nsids, unsigned n)
{
    m->changed_ns_len = 0;
    for (unsigned i = 0; i < n && i < 16; i++)
        m->changed_ns[m->changed_ns_len++] = nsids[i];
    if (m->aer_outstanding == 0)
        return false;
    /* [§5.2.1] Notice (02h), Namespace Attribute Changed (00h), log page 04h. */
    struct nvme_cqe e;
    memset(&e, 0, sizeof(e));
    e.dw0 = 0x00040002u;
    e.cid = m->aer_cid;
    e.sqhd = (uint16_t)m->sq[0].head;
    m->aer_outstanding--;
    return post(m, 0, &e);
}

void model_deliver_irqs(struct nvme_model *m)
{
    struct nvme_ctrlr *c = m->ctrlr;
    uint32_t pending = m->irq_pending;
    if (pending == 0 || c == NULL || c->irq_mode == NVME_IRQ_NONE)
        return;
    m->irq_pending = 0;
    m->irqs_delivered++;
    if (c->admin.cq != NULL && (pending & 1))
        nvme_qpair_interrupt(&c->admin);
    for (struct nvme_qpair *qp = c->io_qpairs; qp; qp = qp->next)
        if (qp->irq && (c->irq_mode != NVME_IRQ_MSIX || (pending >> qp->msix_index) & 1))
            nvme_qpair_interrupt(qp);
}

unsigned model_step(struct nvme_model *m)
{
    unsigned done = 0;
    if (m->on_model_step)
        m->on_model_step(m);
    if (m->gone)
        return 0; /* removed: it does nothing at all any more */
    if (m->ready_countdown && --m->ready_countdown == 0 && (m->cc & 1))
        m->csts |= NVME_SET(CSTS_RDY, 1);
    if (!(m->csts & NVME_SET(CSTS_RDY, 1)) || (m->csts & NVME_SET(CSTS_CFS, 1)))
        return 0;
    if (!m->reorder)
        model_flush_held(m);
    if (m->plan_nheld)
        plan_post_due(m);
    for (unsigned qid = 0; qid < MODEL_MAX_QUEUES; qid++) {
        struct model_queue *q = &m->sq[qid];
        if (!q->exists)
            continue;
        unsigned fetched = 0;
        if (q->shadow && !model_dbbuf_sq_kicked(m, qid))
            continue; /* only after an MMIO write, or while still fetching */
        uint32_t tail = q->shadow ? *model_dbbuf_slot(m, qid, false, false)
                                  : doorbell(m, qid, false);
        if (tail >= q->size) {
            m->bad_doorbells++;
            continue;
        }
        if (m->fatal_on_next_doorbell && tail != q->head) {
            m->csts |= NVME_SET(CSTS_CFS, 1);
            m->fatal_on_next_doorbell = false;
            return done;
        }
        for (;;) {
            if (q->shadow && !model_dbbuf_sq_next(m, qid, &tail, &fetched))
                break;
            if (q->head == tail)
                break;
            struct nvme_sqe s;
            unsigned shift = qid == 0 ? 6 : (m->cc >> 16) & 0xF;
            /* A fetched entry is cleared (the driver never reads its SQ back):
             * a driver whose SQE stride differs from the model's then makes
             * the model fetch empty entries, not replay old commands whose
             * buffers are gone (phys == virt here: that would write anywhere). */
            uint8_t *slot = (uint8_t *)(uintptr_t)(q->base + ((uint64_t)q->head << shift));
            memcpy(&s, slot, sizeof(s));
            memset(slot, 0, sizeof(s));
            unsigned cqid = qid == 0 ? 0 : q->cqid;
            if (m->shared_tags &&
                (qid == 0 ? s.cid >= 32 : (s.cid < 32 || s.cid >= q->size)))
                m->cid_violations++;
            /* Never fetch what could not be completed: one CQ slot stays free. */
            if (cq_full(m, cqid))
                break;
            q->head = (q->head + 1) % q->size;
            uint32_t dw0 = 0;
            bool do_post = true;
            uint16_t st = qid == 0 ? admin_cmd(m, &s, &dw0, &do_post) : io_cmd(m, &s);
            struct nvme_cqe e;
            memset(&e, 0, sizeof(e));
            e.dw0 = dw0;
            e.sqhd = (uint16_t)q->head;
            e.sqid = (uint16_t)qid;
            e.cid = s.cid;
            e.status = st;
            done++;
            if (!do_post)
                continue;
            if (qid != 0 && m->drop_next_io > 0) {
                m->drop_next_io--;
                if (m->ndropped < sizeof(m->dropped) / sizeof(m->dropped[0]))
                    m->dropped[m->ndropped++] = (struct model_pending){ (uint16_t)cqid, e };
                continue;
            }
            if (m->plan_on && !plan_cqe(m, cqid, s.opc, &e))
                continue;
            if (qid != 0 && m->reorder)
                hold(m, cqid, &e);
            else if (!post(m, cqid, &e))
                hold(m, cqid, &e);
        }
        q->active = q->shadow && q->head != tail;
    }
    return done;
}
