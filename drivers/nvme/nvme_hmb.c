/*
 * drivers/nvme/nvme_hmb.c - the Host Memory Buffer: host memory lent to a
 * (typically DRAM-less) controller for its own tables.
 *
 * Implements [NVMe Base 2.0 §5.27.1.10 Host Memory Buffer (Feature 0Dh);
 * NVMe 1.4 §5.21.1.13] and the host's side of [§8.9 Host Memory Buffer]:
 *   - Identify Controller says what the controller wants: HMPRE (preferred
 *     size) and HMMIN (the least it can use), both in 4 KiB units; HMMINDS
 *     (smallest descriptor entry, 4 KiB units) and HMMAXD (most entries);
 *   - nvos allocates chunks (physically contiguous, CC.MPS aligned) and
 *     describes them in a descriptor list (16-byte entries: BADD, BSIZE in
 *     CC.MPS pages), tries HMPRE first, then falls back toward HMMIN (smaller
 *     chunks, then HMMIN itself), and enables it with Set Features 0Dh EHM=1;
 *   - the HMB is disabled (EHM=0) while the controller still takes admin
 *     commands: before shutdown and before a controller reset ("the host
 *     should disable the host memory buffer" before either: Linux does the
 *     same in nvme_dev_disable); a reset would otherwise end it under the
 *     controller's feet;
 *   - after a reset the same memory is handed back with MR=1 (Memory
 *     Return: "the host is returning ... the same memory ... contents
 *     unchanged"), so the controller keeps what it had there; if that is
 *     refused, it is offered afresh (MR=0).
 * The spec requires controllers to work without an HMB (slower); drives
 * that do not are documented in docs/real-hardware.md (raspberrypi/linux
 * #7445, genodelabs/genode #4715). So nothing here fails initialization:
 * what was asked for and given is reported (one line, and
 * nvme_ctrlr_get_hmb_info for "nvme doctor").
 */
#include <string.h>

#include "drivers/nvme/nvme_cmd.h"
#include "drivers/nvme/nvme_internal.h"
#include "drivers/nvme/nvme_spec_id.h"
#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "lib/errno.h"

#define HMB_MAX_BYTES (128ull << 20)   /* Linux's max_host_mem_size_mb default */
#define HMB_MAX_CHUNK (4u << 20)       /* larger contiguous runs are hard to find */
#define HMB_LIST_ENTRIES (4096 / sizeof(struct nvme_hmb_desc)) /* one list page */

struct nvme_hmb {
    struct nvme_hmb_desc *list; /* the descriptor list (one DMA page) */
    nvme_phys_t list_phys;
    void **chunks;              /* virtual addresses, for freeing */
    uint32_t entries;
    uint32_t chunk;             /* bytes per chunk */
};

static void hmb_free(struct nvme_hmb *h)
{
    for (uint32_t i = 0; i < h->entries; i++)
        nvme_env_dma_free(h->chunks[i], h->chunk);
    if (h->list)
        nvme_env_dma_free(h->list, 4096);
    kfree(h->chunks);
    kfree(h);
}

static uint64_t round_up_pow2(uint64_t v)
{
    uint64_t p = 1;
    while (p < v)
        p <<= 1;
    return p;
}

/*
 * Chunks of one size, as many as reach target (at most max_entries); the
 * first failed allocation ends it. NULL unless at least min_bytes came.
 */
static struct nvme_hmb *hmb_alloc_chunks(struct nvme_ctrlr *c, uint64_t target, uint32_t chunk,
                                         uint32_t max_entries, uint64_t min_bytes)
{
    uint64_t want = (target + chunk - 1) / chunk;
    uint32_t n = (uint32_t)(want < max_entries ? want : max_entries);
    struct nvme_hmb *h = kzalloc(sizeof(*h));
    if (h == NULL)
        return NULL;
    h->chunk = chunk;
    h->chunks = kzalloc(n * sizeof(void *));
    h->list = nvme_env_dma_alloc(4096, &h->list_phys);
    if (h->chunks == NULL || h->list == NULL) {
        hmb_free(h);
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        nvme_phys_t phys;
        void *p = nvme_env_dma_alloc_aligned(chunk, c->page_size, &phys);
        if (p == NULL)
            break;
        if (phys & (c->page_size - 1)) { /* BADD must be CC.MPS aligned */
            nvme_env_dma_free(p, chunk);
            break;
        }
        h->chunks[h->entries] = p;
        h->list[h->entries].badd = phys;
        h->list[h->entries].bsize = chunk / c->page_size;
        h->entries++;
    }
    if ((uint64_t)h->entries * chunk < min_bytes || h->entries == 0) {
        hmb_free(h);
        return NULL;
    }
    return h;
}

/* The preferred size first, in chunks as large as the entry limit needs,
 * halving the chunk while allocations fail; then the minimum. */
static struct nvme_hmb *hmb_alloc(struct nvme_ctrlr *c, const struct nvme_hmb_info *in)
{
    uint32_t max_entries = in->max_entries && in->max_entries < HMB_LIST_ENTRIES
                               ? in->max_entries : (uint32_t)HMB_LIST_ENTRIES;
    uint64_t min_chunk = in->min_chunk > c->page_size ? in->min_chunk : c->page_size;
    min_chunk = (min_chunk + c->page_size - 1) / c->page_size * c->page_size;
    uint64_t targets[2] = { in->preferred, in->minimum };
    for (unsigned t = 0; t < 2; t++) {
        uint64_t target = targets[t];
        if (target == 0 || (t == 1 && target >= targets[0]))
            continue;
        uint64_t chunk = round_up_pow2((target + max_entries - 1) / max_entries);
        if (chunk > HMB_MAX_CHUNK)
            chunk = HMB_MAX_CHUNK;
        if (chunk < min_chunk)
            chunk = min_chunk;
        for (; chunk >= min_chunk && chunk >= c->page_size; chunk /= 2) {
            if (chunk % c->page_size)
                break;
            struct nvme_hmb *h = hmb_alloc_chunks(c, target, (uint32_t)chunk, max_entries,
                                                  in->minimum ? in->minimum : chunk);
            if (h)
                return h;
        }
    }
    return NULL;
}

/* Set Features 0Dh with EHM=1 (and MR); 0 or the command's error. */
static int hmb_enable(struct nvme_ctrlr *c, struct nvme_hmb *h, bool memory_return)
{
    struct nvme_sqe cmd;
    struct nvme_cpl cpl;
    nvme_cmd_set_features(&cmd, NVME_FEAT_HOST_MEM_BUF, false,
                          NVME_HMB_CDW11_EHM | (memory_return ? NVME_HMB_CDW11_MR : 0), 0);
    cmd.cdw12 = (uint32_t)((uint64_t)h->entries * h->chunk / c->page_size); /* HSIZE */
    cmd.cdw13 = (uint32_t)h->list_phys;                                     /* HMDLLA */
    cmd.cdw14 = (uint32_t)(h->list_phys >> 32);                             /* HMDLUA */
    cmd.cdw15 = h->entries;                                                 /* HMDLEC */
    if (nvme_admin_sync(c, &cmd, NULL, 0, &cpl) != 0)
        return nvme_admin_failed(c, memory_return ? "Set Features (Host Memory Buffer, MR=1)"
                                                  : "Set Features (Host Memory Buffer)",
                                 &cpl);
    return 0;
}

static void report(struct nvme_ctrlr *c)
{
    const struct nvme_hmb_info *i = &c->hmb_info;
    if (i->preferred == 0) {
        kprintf("%s: host memory buffer: not requested (HMPRE 0)\n", c->name);
        return;
    }
    kprintf("%s: host memory buffer: asked %llu KiB (minimum %llu KiB, entries >= %llu KiB, "
            "at most %u), given %llu KiB in %u chunks of %u KiB: %s\n",
            c->name, (unsigned long long)(i->preferred >> 10),
            (unsigned long long)(i->minimum >> 10), (unsigned long long)(i->min_chunk >> 10),
            i->max_entries, (unsigned long long)(i->given >> 10), i->entries, i->chunk >> 10,
            i->state);
}

int nvme_hmb_setup(struct nvme_ctrlr *c)
{
    struct nvme_hmb_info *i = &c->hmb_info;
    if (c->state == NVME_STATE_RESETTING) {
        /* The same memory again, contents as the controller left them. */
        if (c->hmb == NULL || i->enabled)
            return 0;
        if (hmb_enable(c, c->hmb, true) != 0 && hmb_enable(c, c->hmb, false) != 0) {
            i->state = "refused after the reset";
            return 0; /* kept, and freed with the controller */
        }
        i->enabled = true;
        i->state = "enabled";
        return 0;
    }
    const struct nvme_id_ctrl *id = c->id;
    memset(i, 0, sizeof(*i));
    i->preferred = (uint64_t)id->hmpre * 4096;
    i->minimum = (uint64_t)id->hmmin * 4096;
    i->min_chunk = (uint64_t)id->hmminds * 4096;
    i->max_entries = id->hmmaxd;
    i->state = "not requested";
    if (i->preferred == 0) {
        report(c);
        return 0;
    }
    struct nvme_hmb_info ask = *i;
    if (ask.minimum > ask.preferred)
        ask.minimum = ask.preferred; /* HMMIN > HMPRE is invalid: the smaller rules */
    if (ask.preferred > HMB_MAX_BYTES)
        ask.preferred = HMB_MAX_BYTES > ask.minimum ? HMB_MAX_BYTES : ask.minimum;
    struct nvme_hmb *h = ask.minimum > HMB_MAX_BYTES ? NULL : hmb_alloc(c, &ask);
    if (h == NULL) {
        i->state = ask.minimum > HMB_MAX_BYTES ? "minimum above nvos's 128 MiB limit"
                                                : "allocation failed";
        report(c);
        return 0;
    }
    i->given = (uint64_t)h->entries * h->chunk;
    i->chunk = h->chunk;
    i->entries = h->entries;
    if (hmb_enable(c, h, false) != 0) {
        hmb_free(h);
        i->given = i->chunk = i->entries = 0;
        i->state = "refused by the controller";
        report(c);
        return 0;
    }
    c->hmb = h;
    i->enabled = true;
    i->state = "enabled";
    report(c);
    return 0;
}

void nvme_hmb_disable(struct nvme_ctrlr *c, const char *why)
{
    struct nvme_hmb_info *i = &c->hmb_info;
    if (!i->enabled)
        return;
    i->enabled = false; /* whatever happens next, the reset or shutdown ends it */
    i->state = "disabled";
    /* A controller that cannot take the command, or an admin queue that is
     * what timed out: the reset ends the HMB without it. */
    if (c->state == NVME_STATE_FAILED || !nvme_ctrlr_alive(c))
        return;
    for (uint16_t t = 0; t < c->admin.ntrackers; t++)
        if (c->admin.trackers[t].active && c->admin.trackers[t].timed_out)
            return;
    struct nvme_sqe cmd;
    struct nvme_cpl cpl;
    nvme_cmd_set_features(&cmd, NVME_FEAT_HOST_MEM_BUF, false, 0, 0);
    if (nvme_admin_sync(c, &cmd, NULL, 0, &cpl) != 0) {
        char what[80];
        ksnprintf(what, sizeof(what), "disabling the host memory buffer %s", why);
        nvme_admin_failed(c, what, &cpl);
    } else if (c->trace) {
        kprintf("%s: host memory buffer disabled %s\n", c->name, why);
    }
}

void nvme_hmb_teardown(struct nvme_ctrlr *c)
{
    nvme_hmb_disable(c, "before freeing it");
    if (c->hmb)
        hmb_free(c->hmb);
    c->hmb = NULL;
    c->hmb_info.given = 0;
    c->hmb_info.entries = 0;
}

const struct nvme_hmb_info *nvme_ctrlr_get_hmb_info(const struct nvme_ctrlr *c)
{
    return &c->hmb_info;
}
