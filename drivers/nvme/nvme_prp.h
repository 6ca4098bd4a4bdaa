/*
 * drivers/nvme/nvme_prp.h - builds the data pointer of a command as PRP
 * entries: PRP1, PRP2 and, for longer transfers, PRP lists.
 * Pure: no allocation, no address translation; host-tested against a
 * simulated controller that walks the result as the spec says.
 *
 * Spec: [NVMe Base 2.0 §4.1.1] Physical Region Page Entry and List, and
 * [NVMe Base 2.0 §3.3.3.1] (PRP Entry 1/2 in the Data Pointer).
 *
 * The rules, in the spec's terms ("page" is the memory page size, CC.MPS):
 *   - PRP1 points at the first byte; its offset within the page must be
 *     dword aligned (bits 1:0 clear). Every later PRP entry points at the
 *     start of a page (offset 0).
 *   - The transfer touches ceil((offset + length) / page) pages. One page:
 *     PRP2 is unused (zero). Two pages: PRP2 is the second page. More:
 *     PRP2 points at a PRP list holding the pages after the first.
 *   - A PRP list fills a page with 8-byte entries. If more entries remain
 *     than fit, the last entry of the page is instead a pointer to the next
 *     list page; when the entries exactly fill a page, its last entry is
 *     data and nothing is chained (U-Boot 4ca8d95ce1e got this wrong).
 *
 * Input: the data buffer as physically contiguous segments {phys, len} in
 * transfer order - a virtual buffer cut where its physical pages are not
 * adjacent, or a scatter-gather list. Because only PRP1 may carry an
 * offset, every segment but the first must start on a page boundary and
 * every segment but the last must end on one. With 4 KiB kernel pages this
 * means CC.MPS must be 4 KiB unless buffers are physically contiguous.
 *
 * PRP list pages are the caller's: a fixed set per command (enough for the
 * largest transfer the driver issues, see nvme_prp_list_pages_needed()),
 * each one page long and page aligned, written through virt and given to
 * the device as phys. Nothing here flushes caches (x86 DMA is coherent).
 */
#ifndef NVOS_DRIVERS_NVME_NVME_PRP_H
#define NVOS_DRIVERS_NVME_NVME_PRP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A physical address (the kernel's phys_addr_t is the same uint64_t). */
typedef uint64_t nvme_phys_t;

/* Memory page sizes CC.MPS can select: 2^(12+MPS), MPS 0..15. */
#define NVME_PRP_PAGE_MIN 4096u
#define NVME_PRP_PAGE_MAX (1u << 27)
#define NVME_PRP_ENTRY_SIZE 8u

/* A physically contiguous piece of the data buffer. */
struct nvme_prp_seg {
    nvme_phys_t phys;
    uint32_t len; /* bytes, > 0 */
};

/* One caller-owned PRP list page: page_size bytes, page aligned. */
struct nvme_prp_list_page {
    uint64_t *virt;   /* where the builder writes the entries */
    nvme_phys_t phys; /* what the device is given */
};

/* The result, for the SQE's dptr.prp1/dptr.prp2. */
struct nvme_prp {
    nvme_phys_t prp1;
    nvme_phys_t prp2;    /* 0, the second page, or the first list page */
    uint32_t list_pages; /* list pages written, from lists[0] on */
    const char *error;   /* on failure: which rule the input broke */
};

/*
 * The short case, inline because every command path takes it (the I/O fast
 * path, split children, admin and raw commands, the raw loop): len bytes
 * (> 0) physically contiguous at phys, touching at most two pages. Sets
 * PRP1 and PRP2 (0 for one page, else the second page) and returns true;
 * false when PRP1 is not dword aligned or the transfer needs a list (then
 * nvme_prp_build, which calls this first, does the rest or says why). The
 * one place PRP1/PRP2 are computed. page_size must be a valid memory page
 * size and the range must not wrap (nvme_prp_build checks both).
 */
static inline __attribute__((always_inline)) bool nvme_prp_short(nvme_phys_t phys, uint64_t len,
                                                                 uint32_t page_size,
                                                                 nvme_phys_t *prp1,
                                                                 nvme_phys_t *prp2)
{
    uint64_t in_page = phys & (page_size - 1u);
    if ((phys & 3) != 0 || in_page + len > 2 * (uint64_t)page_size)
        return false;
    *prp1 = phys;
    *prp2 = in_page + len > page_size ? (phys - in_page) + page_size : 0;
    return true;
}

/*
 * Builds PRP1/PRP2 and fills lists[0..] for a transfer of the segments in
 * order, with the given memory page size. Returns 0, or on failure (with
 * out->error saying why; lists may have been partly written):
 *   -EINVAL  bad page size, no segments, a zero-length segment, PRP1 not
 *            dword aligned, a later segment not starting / an earlier one
 *            not ending on a page boundary, an address range that wraps,
 *            or a list page that is not page aligned;
 *   -E2BIG   the transfer needs more list pages than nlists.
 * One segment of at most two pages takes a short path with no loop.
 */
int nvme_prp_build(struct nvme_prp *out, const struct nvme_prp_seg *segs, size_t nseg,
                   uint32_t page_size, const struct nvme_prp_list_page *lists, size_t nlists);

/*
 * List pages a transfer of total_len bytes needs whose first byte is at
 * first_offset within a page (taken modulo page_size): 0 up to two pages.
 * Depends only on these three values, however the buffer is segmented.
 * page_size must be a valid memory page size (else 0).
 */
size_t nvme_prp_list_pages_needed(uint64_t total_len, uint32_t first_offset, uint32_t page_size);

/*
 * The longest transfer nlists list pages can describe when the first byte
 * is at first_offset within a page: pass 0 for page-aligned buffers, or
 * page_size - 4 for the worst dword-aligned case. UINT64_MAX if it does not
 * fit; 0 for an invalid page size.
 */
uint64_t nvme_prp_max_transfer(size_t nlists, uint32_t page_size, uint32_t first_offset);

#endif
