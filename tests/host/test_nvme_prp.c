/*
 * Host test: drivers/nvme/nvme_prp.c against a simulated controller.
 *
 * The "controller" below knows nothing of the builder: given PRP1, PRP2,
 * the transfer length and the memory page size, it walks the entries as
 * [NVMe Base 2.0 §4.1.1] says a device does - PRP1 with its offset, PRP2 as
 * a page or a list pointer, the last slot of a list page as a chain pointer
 * only while more than one page remains - gathers the bytes from a fake
 * physical memory and rejects what a device would (0x13 PRP Offset
 * Invalid). Every case compares the gathered bytes with the source data.
 *
 * Cases: explicit edges (one page, two pages, a few bytes across a page
 * boundary, a list that exactly fills a page, a list of lists, maximum
 * sizes), the rules a caller can break, and random transfers over page
 * sizes 4..64 KiB, dword offsets, lengths from one byte to 8 MiB, and
 * buffers scattered over random physical pages in random segments.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/nvme_prp.h"
#include "lib/errno.h"
#include "tests/host/check.h"

/* ---- fake physical memory ---- */

#define PHYS_BASE 0x1230000000ull /* above 4 GiB: a 32-bit truncation shows */
#define MEM_SIZE (40u << 20)      /* data pool, then the list pool */
#define LIST_POOL_OFF (32u << 20) /* list pages live in the top 8 MiB */
#define MAX_LISTS 8

static uint8_t *mem;

static uint8_t *p2v(uint64_t phys, uint64_t len)
{
    if (phys < PHYS_BASE || len > MEM_SIZE || phys - PHYS_BASE > MEM_SIZE - len)
        return NULL;
    return mem + (phys - PHYS_BASE);
}

/* ---- the simulated controller ---- */

enum ctrl_result {
    CTRL_OK,
    CTRL_PRP_OFFSET_INVALID, /* what a device answers: status 0x13 */
    CTRL_BAD_ADDRESS,        /* an entry outside memory (a device: Data Transfer Error) */
    CTRL_PRP2_NOT_ZERO,      /* PRP2 set although unused (reserved: builder must clear) */
};

struct ctrl_walk {
    unsigned list_pages; /* list pages the walk read */
    unsigned entries;    /* PRP entries used, PRP1 included */
};

static bool ctrl_copy(uint8_t *dst, uint64_t phys, uint64_t n)
{
    uint8_t *src = p2v(phys, n);
    if (!src)
        return false;
    memcpy(dst, src, n);
    return true;
}

static bool ctrl_read_entry(uint64_t at, uint64_t *entry)
{
    uint8_t *p = p2v(at, 8);
    if (!p)
        return false;
    memcpy(entry, p, 8);
    return true;
}

/* Gathers len bytes described by prp1/prp2 into dst, as a device would for a Write. */
static enum ctrl_result ctrl_gather(uint64_t prp1, uint64_t prp2, uint64_t len, uint32_t ps,
                                    uint8_t *dst, struct ctrl_walk *walk)
{
    uint64_t mask = ps - 1, first, remaining, list;

    memset(walk, 0, sizeof(*walk));
    if (prp1 & 3)
        return CTRL_PRP_OFFSET_INVALID;
    first = ps - (prp1 & mask);
    if (first > len)
        first = len;
    if (!ctrl_copy(dst, prp1, first))
        return CTRL_BAD_ADDRESS;
    walk->entries = 1;
    dst += first;
    remaining = len - first;
    if (remaining == 0)
        return prp2 == 0 ? CTRL_OK : CTRL_PRP2_NOT_ZERO;

    if (remaining <= ps) { /* PRP2 is the second (and last) page */
        if (prp2 & mask)
            return CTRL_PRP_OFFSET_INVALID;
        walk->entries = 2;
        return ctrl_copy(dst, prp2, remaining) ? CTRL_OK : CTRL_BAD_ADDRESS;
    }

    /* PRP2 is a list pointer; a list may start anywhere qword aligned in its page. */
    if (prp2 & 7)
        return CTRL_PRP_OFFSET_INVALID;
    list = prp2;
    walk->list_pages = 1;
    while (remaining > 0) {
        uint64_t entry, n;
        bool last_slot = ((list + 8) & mask) == 0;
        if (!ctrl_read_entry(list, &entry))
            return CTRL_BAD_ADDRESS;
        if (last_slot && remaining > ps) { /* more than one page left: a chain pointer */
            if (entry & 7)
                return CTRL_PRP_OFFSET_INVALID;
            list = entry;
            walk->list_pages++;
            continue;
        }
        list += 8;
        if (entry & mask)
            return CTRL_PRP_OFFSET_INVALID;
        n = remaining < ps ? remaining : ps;
        if (!ctrl_copy(dst, entry, n))
            return CTRL_BAD_ADDRESS;
        walk->entries++;
        dst += n;
        remaining -= n;
    }
    return CTRL_OK;
}

/* ---- random numbers (xorshift64*, seeded so failures reproduce) ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint64_t rnd_below(uint64_t n)
{
    return n ? rnd() % n : 0;
}

/* ---- building and checking one transfer ---- */

struct xfer {
    uint32_t ps;
    struct nvme_prp_seg segs[4200];
    size_t nseg;
    struct nvme_prp_list_page lists[MAX_LISTS];
    size_t nlists;
    uint64_t len;
};

static uint8_t *src_buf, *dst_buf;

/* Places the source bytes where the segments say, as the host's buffer. */
static void xfer_fill(const struct xfer *x)
{
    uint64_t done = 0;
    for (size_t i = 0; i < x->nseg; i++) {
        memcpy(p2v(x->segs[i].phys, x->segs[i].len), src_buf + done, x->segs[i].len);
        done += x->segs[i].len;
    }
}

/* List pages from the list pool: number k is at pool + k * ps (+ a gap so they are not adjacent). */
static void xfer_lists(struct xfer *x, size_t nlists)
{
    x->nlists = nlists;
    for (size_t i = 0; i < nlists; i++) {
        /* reverse order, spaced: list pages need not be adjacent or ascending */
        uint64_t phys = PHYS_BASE + LIST_POOL_OFF + (uint64_t)(MAX_LISTS - i) * x->ps;
        x->lists[i].phys = phys;
        x->lists[i].virt = (uint64_t *)(void *)p2v(phys, x->ps);
        memset(x->lists[i].virt, 0xA5, x->ps);
    }
}

/* Builds and walks; on any mismatch prints what and returns false. */
static bool xfer_check(const char *what, struct xfer *x)
{
    struct nvme_prp prp;
    struct ctrl_walk walk;
    size_t need = nvme_prp_list_pages_needed(x->len, (uint32_t)x->segs[0].phys, x->ps);
    int rc;
    enum ctrl_result cr;

    xfer_fill(x);
    rc = nvme_prp_build(&prp, x->segs, x->nseg, x->ps, x->lists, x->nlists);
    if (need > x->nlists) {
        if (rc != -E2BIG || !prp.error) {
            fprintf(stderr, "%s: expected -E2BIG (need %zu lists, have %zu), got %d\n", what,
                    need, x->nlists, rc);
            return false;
        }
        return true;
    }
    if (rc != 0 || prp.error) {
        fprintf(stderr, "%s: build failed: %d (%s)\n", what, rc, prp.error ? prp.error : "?");
        return false;
    }
    if (prp.prp1 != x->segs[0].phys || prp.list_pages != need) {
        fprintf(stderr, "%s: PRP1 0x%llx (seg 0x%llx), list pages %u (need %zu)\n", what,
                (unsigned long long)prp.prp1, (unsigned long long)x->segs[0].phys,
                prp.list_pages, need);
        return false;
    }
    for (size_t i = need; i < x->nlists; i++) { /* untouched beyond what was needed */
        for (uint32_t b = 0; b < x->ps; b++) {
            if (((uint8_t *)x->lists[i].virt)[b] != 0xA5) {
                fprintf(stderr, "%s: list page %zu written but not needed\n", what, i);
                return false;
            }
        }
    }
    memset(dst_buf, 0, x->len);
    cr = ctrl_gather(prp.prp1, prp.prp2, x->len, x->ps, dst_buf, &walk);
    if (cr != CTRL_OK) {
        fprintf(stderr, "%s: controller rejected the PRPs: %d\n", what, cr);
        return false;
    }
    if (walk.list_pages != prp.list_pages) {
        fprintf(stderr, "%s: controller read %u list pages, builder wrote %u\n", what,
                walk.list_pages, prp.list_pages);
        return false;
    }
    if (memcmp(dst_buf, src_buf, x->len) != 0) {
        fprintf(stderr, "%s: gathered data differs from the source\n", what);
        return false;
    }
    return true;
}

static void fill_src(uint64_t len)
{
    for (uint64_t i = 0; i < len; i += 8) {
        uint64_t v = rnd();
        memcpy(src_buf + i, &v, len - i < 8 ? len - i : 8);
    }
}

/* A single contiguous buffer at data-pool page `page` + offset. */
static void xfer_contig(struct xfer *x, uint32_t ps, uint64_t page, uint32_t off, uint64_t len,
                        size_t nlists)
{
    x->ps = ps;
    x->nseg = 1;
    x->segs[0].phys = PHYS_BASE + page * ps + off;
    x->segs[0].len = (uint32_t)len;
    x->len = len;
    fill_src(len);
    xfer_lists(x, nlists);
}

static struct xfer X;

/* ---- explicit edges ---- */

static void test_edges(void)
{
    struct nvme_prp prp;
    const uint32_t ps = 4096;
    const uint64_t epp = ps / 8;

    /* exactly one page: PRP2 unused */
    xfer_contig(&X, ps, 3, 0, ps, 0);
    CHECK(xfer_check("one page", &X));
    CHECK_EQ(nvme_prp_build(&prp, X.segs, 1, ps, NULL, 0), 0);
    CHECK_EQ(prp.prp2, 0);

    /* two pages, contiguous: PRP2 is the next page, no list */
    xfer_contig(&X, ps, 3, 0, 2 * ps, 0);
    CHECK(xfer_check("two pages", &X));
    CHECK_EQ(nvme_prp_build(&prp, X.segs, 1, ps, NULL, 0), 0);
    CHECK_EQ(prp.prp2, X.segs[0].phys + ps);
    CHECK_EQ(prp.list_pages, 0);

    /* two pages, discontiguous: PRP2 is the second segment */
    X.ps = ps;
    X.nseg = 2;
    X.segs[0] = (struct nvme_prp_seg){ PHYS_BASE + 10 * ps, ps };
    X.segs[1] = (struct nvme_prp_seg){ PHYS_BASE + 5 * ps, ps };
    X.len = 2 * ps;
    fill_src(X.len);
    xfer_lists(&X, 0);
    CHECK(xfer_check("two pages, two segments", &X));
    CHECK_EQ(nvme_prp_build(&prp, X.segs, 2, ps, NULL, 0), 0);
    CHECK_EQ(prp.prp2, PHYS_BASE + 5 * ps);

    /* the last dword of a page: one page */
    xfer_contig(&X, ps, 3, ps - 4, 4, 0);
    CHECK(xfer_check("last dword", &X));
    CHECK_EQ(nvme_prp_build(&prp, X.segs, 1, ps, NULL, 0), 0);
    CHECK_EQ(prp.prp2, 0);

    /* 5 and 8 bytes from the last dword: two pages, count from offset + length */
    xfer_contig(&X, ps, 3, ps - 4, 5, 0);
    CHECK(xfer_check("5 bytes across a page boundary", &X));
    xfer_contig(&X, ps, 3, ps - 4, 8, 0);
    CHECK(xfer_check("8 bytes across a page boundary", &X));
    CHECK_EQ(nvme_prp_build(&prp, X.segs, 1, ps, NULL, 0), 0);
    CHECK_EQ(prp.prp2, PHYS_BASE + 4 * ps);
    CHECK_EQ(nvme_prp_list_pages_needed(8, ps - 4, ps), 0);

    /* the same 8 bytes in two segments */
    X.nseg = 2;
    X.segs[0] = (struct nvme_prp_seg){ PHYS_BASE + 7 * ps + ps - 4, 4 };
    X.segs[1] = (struct nvme_prp_seg){ PHYS_BASE + 2 * ps, 4 };
    X.len = 8;
    fill_src(8);
    CHECK(xfer_check("8 bytes in two segments", &X));

    /* one page from an offset: two pages */
    xfer_contig(&X, ps, 3, 512, ps, 0);
    CHECK(xfer_check("one page, offset 512", &X));

    /* three pages: a list of two entries */
    xfer_contig(&X, ps, 3, 0, 3 * ps, 1);
    CHECK(xfer_check("three pages", &X));
    CHECK_EQ(nvme_prp_build(&prp, X.segs, 1, ps, X.lists, 1), 0);
    CHECK_EQ(prp.prp2, X.lists[0].phys);
    CHECK_EQ(X.lists[0].virt[0], X.segs[0].phys + ps);
    CHECK_EQ(X.lists[0].virt[1], X.segs[0].phys + 2 * ps);

    /* a list that exactly fills its page: the last slot is data, nothing chained */
    xfer_contig(&X, ps, 0, 0, (epp + 1) * ps, 2);
    CHECK(xfer_check("list exactly fills a page", &X));
    CHECK_EQ(nvme_prp_build(&prp, X.segs, 1, ps, X.lists, 2), 0);
    CHECK_EQ(prp.list_pages, 1);
    CHECK_EQ(X.lists[0].virt[epp - 1], X.segs[0].phys + epp * ps);

    /* the same with a dword offset: the 2 MiB unaligned buffer Zephyr's code is suspected on */
    xfer_contig(&X, ps, 0, ps - 4, 2u << 20, 2);
    CHECK(xfer_check("2 MiB from the last dword", &X));
    CHECK_EQ(nvme_prp_list_pages_needed(2u << 20, ps - 4, ps), 1);

    /* one entry more: a list of lists; slot 511 chains to the second page */
    xfer_contig(&X, ps, 0, 0, (epp + 2) * ps, 2);
    CHECK(xfer_check("list of lists", &X));
    CHECK_EQ(nvme_prp_build(&prp, X.segs, 1, ps, X.lists, 2), 0);
    CHECK_EQ(prp.list_pages, 2);
    CHECK_EQ(X.lists[0].virt[epp - 1], X.lists[1].phys);
    CHECK_EQ(X.lists[1].virt[0], X.segs[0].phys + epp * ps);
    CHECK_EQ(X.lists[1].virt[1], X.segs[0].phys + (epp + 1) * ps);

    /* two full list pages, then one entry more needs a third */
    xfer_contig(&X, ps, 0, 0, (2 * (epp - 1) + 2) * ps, 3);
    CHECK(xfer_check("two list pages, full", &X));
    CHECK_EQ(nvme_prp_list_pages_needed(X.len, 0, ps), 2);
    xfer_contig(&X, ps, 0, 0, (2 * (epp - 1) + 3) * ps, 3);
    CHECK(xfer_check("three list pages", &X));
    CHECK_EQ(nvme_prp_list_pages_needed(X.len, 0, ps), 3);

    /* maximum size for n list pages, aligned and at the worst offset; one byte more fails */
    for (size_t n = 0; n <= 3; n++) {
        char what[64];
        uint64_t max0 = nvme_prp_max_transfer(n, ps, 0);
        uint64_t maxw = nvme_prp_max_transfer(n, ps, ps - 4);
        snprintf(what, sizeof(what), "max size, %zu lists", n);
        xfer_contig(&X, ps, 0, 0, max0, n);
        CHECK(xfer_check(what, &X));
        CHECK_EQ(nvme_prp_build(&prp, X.segs, 1, ps, X.lists, n), 0);
        xfer_contig(&X, ps, 0, 0, max0 + 1, n);
        CHECK_EQ(nvme_prp_build(&prp, X.segs, 1, ps, X.lists, n), -E2BIG);
        xfer_contig(&X, ps, 0, ps - 4, maxw, n);
        CHECK(xfer_check(what, &X));
        CHECK_EQ(nvme_prp_build(&prp, X.segs, 1, ps, X.lists, n), 0);
        xfer_contig(&X, ps, 0, ps - 4, maxw + 1, n);
        CHECK_EQ(nvme_prp_build(&prp, X.segs, 1, ps, X.lists, n), -E2BIG);
    }

    /* QEMU's default MDTS (7 with 4 KiB pages = 512 KiB) takes one list page at any offset */
    CHECK_EQ(nvme_prp_list_pages_needed(512u << 10, 0, ps), 1);
    CHECK_EQ(nvme_prp_list_pages_needed(512u << 10, ps - 4, ps), 1);
    CHECK(nvme_prp_max_transfer(1, ps, ps - 4) >= (512u << 10));

    /* other page sizes: the list of lists boundary moves with page_size / 8 */
    static const uint32_t sizes[] = { 8192, 16384, 65536 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint32_t p = sizes[i];
        uint64_t e = p / 8;
        xfer_contig(&X, p, 0, 0, p, 0);
        CHECK(xfer_check("one big page", &X));
        xfer_contig(&X, p, 1, p - 4, 8, 0);
        CHECK(xfer_check("big page boundary", &X));
        xfer_contig(&X, p, 0, 0, 3 * (uint64_t)p, 1);
        CHECK(xfer_check("three big pages", &X));
        CHECK_EQ(nvme_prp_list_pages_needed((e + 1) * p, 0, p), 1);
        CHECK_EQ(nvme_prp_list_pages_needed((e + 2) * p, 0, p), 2);
        CHECK_EQ(nvme_prp_max_transfer(1, p, 0), (e + 1) * p);
    }
    /* 64 KiB pages: a list page holds 8192 entries, 512 MiB; the chain point is far away */
    CHECK_EQ(nvme_prp_max_transfer(0, 65536, 0), 131072);
    CHECK_EQ(nvme_prp_max_transfer(1, 4096, 0), 513u * 4096);
    CHECK_EQ(nvme_prp_max_transfer(2, 4096, 0), 1024u * 4096);
    CHECK_EQ(nvme_prp_max_transfer(2, 4096, 100), 1024u * 4096 - 100);
    CHECK_EQ(nvme_prp_max_transfer(1, 3000, 0), 0);
    CHECK(nvme_prp_max_transfer(SIZE_MAX, 4096, 0) == UINT64_MAX);
    CHECK_EQ(nvme_prp_list_pages_needed(0, 0, 4096), 0);
    CHECK_EQ(nvme_prp_list_pages_needed(4096, 0, 1000), 0);
}

/* ---- the rules a caller can break ---- */

static void expect_fail(const char *what, const struct nvme_prp_seg *segs, size_t nseg,
                        uint32_t ps, const struct nvme_prp_list_page *lists, size_t nlists,
                        int want)
{
    struct nvme_prp prp = { 1, 1, 1, NULL };
    int rc = nvme_prp_build(&prp, segs, nseg, ps, lists, nlists);
    if (rc != want || prp.error == NULL || prp.prp1 != 0 || prp.prp2 != 0) {
        fprintf(stderr, "%s: got %d (%s), want %d\n", what, rc, prp.error ? prp.error : "no reason",
                want);
        CHECK(0);
    } else {
        CHECK(1);
    }
}

static void test_errors(void)
{
    const uint32_t ps = 4096;
    const uint64_t P = PHYS_BASE;
    struct nvme_prp_seg s[3];

    xfer_lists(&X, 2);

    /* a middle segment that starts inside a page */
    s[0] = (struct nvme_prp_seg){ P, ps };
    s[1] = (struct nvme_prp_seg){ P + 8 * ps + 512, ps - 512 };
    s[2] = (struct nvme_prp_seg){ P + 4 * ps, ps };
    expect_fail("middle segment starts inside a page", s, 3, ps, X.lists, 2, -EINVAL);
    /* a middle segment that ends inside a page */
    s[1] = (struct nvme_prp_seg){ P + 8 * ps, 2048 };
    expect_fail("middle segment ends inside a page", s, 3, ps, X.lists, 2, -EINVAL);
    /* the first of two segments ends inside a page */
    s[0] = (struct nvme_prp_seg){ P, 2048 };
    s[1] = (struct nvme_prp_seg){ P + 8 * ps, ps };
    expect_fail("first segment ends inside a page", s, 2, ps, X.lists, 2, -EINVAL);
    /* the last segment starts inside a page */
    s[0] = (struct nvme_prp_seg){ P, ps };
    s[1] = (struct nvme_prp_seg){ P + 8 * ps + 4, 8 };
    expect_fail("last segment starts inside a page", s, 2, ps, X.lists, 2, -EINVAL);

    /* PRP1 not dword aligned, on the short path and the long one */
    s[0] = (struct nvme_prp_seg){ P + 2, ps };
    expect_fail("odd PRP1 offset", s, 1, ps, X.lists, 2, -EINVAL);
    s[0] = (struct nvme_prp_seg){ P + 1, 4 };
    expect_fail("PRP1 offset 1", s, 1, ps, X.lists, 2, -EINVAL);
    s[0] = (struct nvme_prp_seg){ P + 6, 5 * ps };
    expect_fail("odd PRP1 offset, list", s, 1, ps, X.lists, 2, -EINVAL);

    /* too few list pages */
    s[0] = (struct nvme_prp_seg){ P, 3 * ps };
    expect_fail("no list page for three pages", s, 1, ps, X.lists, 0, -E2BIG);
    s[0] = (struct nvme_prp_seg){ P, 514 * ps };
    expect_fail("one list page for 513 entries", s, 1, ps, X.lists, 1, -E2BIG);

    /* empty input */
    s[0] = (struct nvme_prp_seg){ P, 0 };
    expect_fail("zero length", s, 1, ps, X.lists, 2, -EINVAL);
    s[0] = (struct nvme_prp_seg){ P, ps };
    s[1] = (struct nvme_prp_seg){ P + 8 * ps, 0 };
    expect_fail("zero-length second segment", s, 2, ps, X.lists, 2, -EINVAL);
    expect_fail("no segments", s, 0, ps, X.lists, 2, -EINVAL);

    /* page sizes CC.MPS cannot select */
    s[0] = (struct nvme_prp_seg){ P, 512 };
    expect_fail("page size 0", s, 1, 0, X.lists, 2, -EINVAL);
    expect_fail("page size 2048", s, 1, 2048, X.lists, 2, -EINVAL);
    expect_fail("page size 6144", s, 1, 6144, X.lists, 2, -EINVAL);
    expect_fail("page size 256 MiB", s, 1, 1u << 28, X.lists, 2, -EINVAL);

    /* a list page that is not page aligned */
    {
        struct nvme_prp_list_page bad = { X.lists[0].virt, X.lists[0].phys + 8 };
        s[0] = (struct nvme_prp_seg){ P, 3 * ps };
        expect_fail("list page not aligned", s, 1, ps, &bad, 1, -EINVAL);
    }

    /* ranges that wrap past 2^64 */
    s[0] = (struct nvme_prp_seg){ 0xFFFFFFFFFFFFF000ull, ps };
    expect_fail("segment wraps", s, 1, ps, X.lists, 2, -EINVAL);
    s[0] = (struct nvme_prp_seg){ 0xFFFFFFFFFFFFE000ull, ps };
    s[1] = (struct nvme_prp_seg){ 0xFFFFFFFFFFFFF000ull, ps };
    expect_fail("second segment wraps", s, 2, ps, X.lists, 2, -EINVAL);

    /* the highest page that does not wrap is fine */
    {
        struct nvme_prp prp;
        s[0] = (struct nvme_prp_seg){ 0xFFFFFFFFFFFFE000ull, ps + ps - 1 };
        CHECK_EQ(nvme_prp_build(&prp, s, 1, ps, NULL, 0), 0);
        CHECK(prp.prp2 == 0xFFFFFFFFFFFFF000ull);
    }
}

/* ---- random transfers ---- */

static bool frame_used[MEM_SIZE / 4096];

/* A buffer of len bytes from offset off, on random (sometimes adjacent) frames, in random segments. */
static void random_xfer(struct xfer *x, uint32_t ps, uint32_t off, uint64_t len)
{
    uint64_t nframes = LIST_POOL_OFF / ps;
    uint64_t pages = (off + len - 1) / ps + 1;
    uint64_t done = 0, prev = 0;

    memset(frame_used, 0, sizeof(frame_used));
    x->ps = ps;
    x->len = len;
    x->nseg = 0;
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t f;
        uint64_t start = i == 0 ? off : 0;
        uint64_t n = ps - start;
        if (n > len - done)
            n = len - done;
        if (i > 0 && prev + 1 < nframes && !frame_used[prev + 1] && rnd_below(3) != 0)
            f = prev + 1; /* physically adjacent: may join the segment */
        else
            do
                f = rnd_below(nframes);
            while (frame_used[f]);
        frame_used[f] = true;
        if (i > 0 && f == prev + 1 && rnd_below(4) != 0)
            x->segs[x->nseg - 1].len += (uint32_t)n; /* coalesced */
        else
            x->segs[x->nseg++] = (struct nvme_prp_seg){ PHYS_BASE + f * ps + start, (uint32_t)n };
        prev = f;
        done += n;
    }
    fill_src(len);
}

static void test_random(void)
{
    static const uint32_t sizes[] = { 4096, 8192, 16384, 65536 };
    const int iterations = 3000;

    for (int i = 0; i < iterations; i++) {
        uint64_t seed = rng_state;
        uint32_t ps = sizes[rnd_below(4)];
        uint32_t off = (uint32_t)rnd_below(ps / 4) * 4;
        uint64_t len, r = rnd_below(100);
        size_t need, extra;
        char what[160];

        if (r < 65)
            len = 1 + rnd_below(3 * (uint64_t)ps);   /* the common sizes */
        else if (r < 95)
            len = 1 + rnd_below(1u << 20);
        else
            len = 1 + rnd_below(8u << 20);
        if (rnd_below(2))
            len = (len + 3) & ~3ull;                 /* mostly whole dwords */
        if (len > LIST_POOL_OFF - ps)
            len = LIST_POOL_OFF - ps;
        if ((off + len - 1) / ps + 1 > sizeof(X.segs) / sizeof(X.segs[0]))
            len = 4000 * (uint64_t)ps - off;

        random_xfer(&X, ps, off, len);
        need = nvme_prp_list_pages_needed(len, off, ps);
        CHECK(need <= MAX_LISTS);
        CHECK(nvme_prp_max_transfer(need, ps, off) >= len);
        if (need > 0)
            CHECK(nvme_prp_max_transfer(need - 1, ps, off) < len);
        extra = (size_t)rnd_below(3);
        if (need + extra > MAX_LISTS)
            extra = MAX_LISTS - need;
        xfer_lists(&X, need + extra);
        snprintf(what, sizeof(what),
                 "random #%d (seed 0x%llx) ps=%u off=%u len=%llu segs=%zu lists=%zu", i,
                 (unsigned long long)seed, ps, off, (unsigned long long)len, X.nseg, need);
        CHECK(xfer_check(what, &X));
        if (need > 0) { /* and one list page short */
            xfer_lists(&X, need - 1);
            CHECK(xfer_check(what, &X));
        }
    }
}

int main(void)
{
    mem = aligned_alloc(65536, MEM_SIZE);
    src_buf = malloc(MEM_SIZE);
    dst_buf = malloc(MEM_SIZE);
    if (!mem || !src_buf || !dst_buf)
        return 2;
    memset(mem, 0x5A, MEM_SIZE);

    test_edges();
    test_errors();
    test_random();

    free(mem);
    free(src_buf);
    free(dst_buf);
    return check_exit();
}
