/*
 * drivers/nvme/nvme_prp.c - PRP1/PRP2/PRP list building [NVMe Base 2.0
 * §4.1.1]. The rules are in nvme_prp.h; this file has two paths: a short
 * one for a single segment of at most two pages (most 4 KiB I/O), and a
 * general one that validates every segment before it writes any entry.
 */
#include "drivers/nvme/nvme_prp.h"

#include <stdbool.h>

#include "lib/errno.h"

static bool page_size_ok(uint32_t page_size)
{
    return page_size >= NVME_PRP_PAGE_MIN && page_size <= NVME_PRP_PAGE_MAX &&
           (page_size & (page_size - 1)) == 0;
}

/* Entries one list page holds; the last may become the chain pointer. */
static uint64_t entries_per_list(uint32_t page_size)
{
    return page_size / NVME_PRP_ENTRY_SIZE;
}

/*
 * List pages for `entries` PRP entries after PRP1. One entry goes straight
 * into PRP2. Otherwise k chained pages hold k * (epp - 1) + 1 entries (every
 * page but the last gives one slot to the chain pointer).
 */
static uint64_t lists_for_entries(uint64_t entries, uint64_t epp)
{
    if (entries <= 1)
        return 0;
    return (entries - 1 + (epp - 2)) / (epp - 1);
}

static int fail(struct nvme_prp *out, int err, const char *why)
{
    out->prp1 = 0;
    out->prp2 = 0;
    out->list_pages = 0;
    out->error = why;
    return err;
}

/* Walks the data pages after the first one, in transfer order. */
struct page_iter {
    const struct nvme_prp_seg *seg;
    uint64_t addr; /* next page to hand out */
    uint64_t end;  /* end of the current segment; fits: segments never wrap */
    uint64_t page_size;
};

static void page_iter_init(struct page_iter *it, const struct nvme_prp_seg *segs,
                           uint32_t page_size)
{
    it->seg = segs;
    it->page_size = page_size;
    it->addr = (segs->phys & ~((uint64_t)page_size - 1)) + page_size;
    it->end = segs->phys + segs->len;
}

/* Only called as many times as there are pages, so it never runs off the end. */
static uint64_t page_iter_next(struct page_iter *it)
{
    uint64_t page;

    while (it->addr >= it->end) {
        it->seg++;
        it->addr = it->seg->phys;
        it->end = it->seg->phys + it->seg->len;
    }
    page = it->addr;
    it->addr += it->page_size;
    return page;
}

/* Out of line, so the short path in nvme_prp_build() saves no registers. */
static __attribute__((noinline)) int build_general(struct nvme_prp *out, const struct nvme_prp_seg *segs, size_t nseg,
                         uint32_t page_size, const struct nvme_prp_list_page *lists,
                         size_t nlists)
{
    uint64_t mask, total = 0, offset, pages, entries, epp, need;
    struct page_iter it;
    size_t i;

    if (!page_size_ok(page_size))
        return fail(out, -EINVAL, "memory page size is not a power of two in 4 KiB..128 MiB");
    if (nseg == 0)
        return fail(out, -EINVAL, "no data segments");
    mask = (uint64_t)page_size - 1;
    if (segs[0].phys & 3)
        return fail(out, -EINVAL, "PRP1 offset is not dword aligned");

    for (i = 0; i < nseg; i++) {
        uint64_t phys = segs[i].phys, len = segs[i].len;
        if (len == 0)
            return fail(out, -EINVAL, "zero-length segment");
        if (len > UINT64_MAX - phys)
            return fail(out, -EINVAL, "segment runs past the end of the address space");
        if (i > 0 && (phys & mask) != 0)
            return fail(out, -EINVAL, "a segment after the first starts inside a page");
        if (i + 1 < nseg && ((phys + len) & mask) != 0)
            return fail(out, -EINVAL, "a segment before the last ends inside a page");
        if (len > UINT64_MAX - total)
            return fail(out, -EINVAL, "total length overflows");
        total += len;
    }

    /* Pages from the offset, not from the length alone: 8 bytes can span two. */
    offset = segs[0].phys & mask;
    if (total > UINT64_MAX - offset)
        return fail(out, -EINVAL, "total length overflows");
    pages = (offset + total - 1) / page_size + 1;
    entries = pages - 1;

    out->prp1 = segs[0].phys;
    out->list_pages = 0;
    out->error = NULL;
    page_iter_init(&it, segs, page_size);
    if (entries == 0) {
        out->prp2 = 0;
        return 0;
    }
    if (entries == 1) {
        out->prp2 = page_iter_next(&it);
        return 0;
    }

    epp = entries_per_list(page_size);
    need = lists_for_entries(entries, epp);
    if (need > nlists)
        return fail(out, -E2BIG, "transfer needs more PRP list pages than provided");
    for (i = 0; i < need; i++)
        if (lists[i].phys & mask)
            return fail(out, -EINVAL, "PRP list page is not page aligned");

    {
        const struct nvme_prp_list_page *lp = lists;
        uint64_t *slot = lp->virt, *last = slot + (epp - 1);
        uint64_t left = entries;

        while (left > 0) {
            if (slot == last && left > 1) {
                /* the page is full and more remain: its last entry chains on */
                lp++;
                *slot = lp->phys;
                slot = lp->virt;
                last = slot + (epp - 1);
            }
            *slot++ = page_iter_next(&it);
            left--;
        }
    }
    out->prp2 = lists[0].phys;
    out->list_pages = (uint32_t)need;
    return 0;
}

int nvme_prp_build(struct nvme_prp *out, const struct nvme_prp_seg *segs, size_t nseg,
                   uint32_t page_size, const struct nvme_prp_list_page *lists, size_t nlists)
{
    if (nseg == 1 && page_size_ok(page_size) && segs[0].len != 0 &&
        segs[0].len <= UINT64_MAX - segs[0].phys &&
        nvme_prp_short(segs[0].phys, segs[0].len, page_size, &out->prp1, &out->prp2)) {
        out->list_pages = 0;
        out->error = NULL;
        return 0;
    }
    return build_general(out, segs, nseg, page_size, lists, nlists);
}

size_t nvme_prp_list_pages_needed(uint64_t total_len, uint32_t first_offset, uint32_t page_size)
{
    uint64_t offset, pages;

    if (!page_size_ok(page_size) || total_len == 0)
        return 0;
    offset = first_offset & (page_size - 1u);
    if (total_len > UINT64_MAX - offset)
        return SIZE_MAX;
    pages = (offset + total_len - 1) / page_size + 1;
    return (size_t)lists_for_entries(pages - 1, entries_per_list(page_size));
}

uint64_t nvme_prp_max_transfer(size_t nlists, uint32_t page_size, uint32_t first_offset)
{
    uint64_t epp, pages, offset;

    if (!page_size_ok(page_size))
        return 0;
    epp = entries_per_list(page_size);
    offset = first_offset & (page_size - 1u);
    /* PRP1's page, then PRP2 alone or k lists of k * (epp - 1) + 1 entries */
    if (nlists == 0) {
        pages = 2;
    } else {
        if ((uint64_t)nlists > (UINT64_MAX / page_size - 2) / (epp - 1))
            return UINT64_MAX;
        pages = (uint64_t)nlists * (epp - 1) + 2;
    }
    return pages * page_size - offset;
}
