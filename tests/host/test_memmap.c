/*
 * Host test: kernel/mm/memmap.c - sorting, merging, overlap precedence,
 * capacity and overflow at the top of the address space, plus a brute-force
 * comparison against a per-page oracle on random maps.
 */
#include "kernel/mm/memmap.h"
#include "lib/errno.h"
#include "tests/host/check.h"

static struct boot_mem_region R(uint64_t base, uint64_t len, uint32_t type)
{
    struct boot_mem_region r = { base, len, type, 0 };
    return r;
}

static uint64_t rng_state = 0x1234567;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

int main(void)
{
    struct mem_range out[64];

    /* A typical E820 map, out of order. */
    struct boot_mem_region e820[] = {
        R(0x100000, 0x1fe0000 - 0x100000, BOOT_MEM_USABLE),
        R(0, 0x9fc00, BOOT_MEM_USABLE),
        R(0x9fc00, 0x400, BOOT_MEM_RESERVED),
        R(0xf0000, 0x10000, BOOT_MEM_RESERVED),
        R(0x1fe0000, 0x20000, BOOT_MEM_RESERVED),
        R(0xfffc0000, 0x40000, BOOT_MEM_RESERVED),
    };
    int n = memmap_normalize(e820, 6, out, 64);
    CHECK_EQ(n, 6);
    CHECK_EQ(out[0].base, 0);
    CHECK_EQ(out[0].end, 0x9fc00);
    CHECK_EQ(out[0].type, BOOT_MEM_USABLE);
    CHECK_EQ(out[1].base, 0x9fc00);
    CHECK_EQ(out[2].base, 0xf0000);
    CHECK_EQ(out[3].base, 0x100000);
    CHECK_EQ(out[3].end, 0x1fe0000);
    CHECK_EQ(out[5].end, 0x100000000ull);

    /* Overlaps: reserved beats usable; kernel carved out of usable; merges. */
    struct boot_mem_region ov[] = {
        R(0x0, 0x10000, BOOT_MEM_USABLE),
        R(0x10000, 0x10000, BOOT_MEM_USABLE),
        R(0x8000, 0x1000, BOOT_MEM_RESERVED),
        R(0x18000, 0x2000, BOOT_MEM_KERNEL),
        R(0x30000, 0, BOOT_MEM_RESERVED), /* empty: ignored */
    };
    n = memmap_normalize(ov, 5, out, 64);
    CHECK_EQ(n, 5);
    CHECK_EQ(out[0].end, 0x8000);
    CHECK_EQ(out[1].type, BOOT_MEM_RESERVED);
    CHECK_EQ(out[2].base, 0x9000);
    CHECK_EQ(out[2].end, 0x18000); /* two usable regions merged */
    CHECK_EQ(out[3].type, BOOT_MEM_KERNEL);
    CHECK_EQ(out[4].base, 0x1a000);
    CHECK_EQ(out[4].end, 0x20000);

    /* Capacity: reports -ENOSPC but fills what fits. */
    n = memmap_normalize(e820, 6, out, 3);
    CHECK_EQ(n, -ENOSPC);
    CHECK_EQ(out[2].base, 0xf0000);

    /* End of the address space: no wrap-around. */
    struct boot_mem_region top[] = { R(0xfffffffffffff000ull, 0x2000, BOOT_MEM_RESERVED) };
    n = memmap_normalize(top, 1, out, 64);
    CHECK_EQ(n, 1);
    CHECK_EQ(out[0].end, UINT64_MAX);

    CHECK_EQ(memmap_normalize(NULL, 0, out, 64), 0);

    /* Random maps against a per-page oracle over a 256-page space. */
    for (int iter = 0; iter < 2000; iter++) {
        struct boot_mem_region in[12];
        size_t cnt = 1 + rnd() % 12;
        for (size_t i = 0; i < cnt; i++) {
            uint64_t a = rnd() % 256, b = rnd() % 256;
            if (a > b) {
                uint64_t t = a;
                a = b;
                b = t;
            }
            in[i] = R(a * 4096, (b - a) * 4096, 1 + (uint32_t)(rnd() % 8));
        }
        n = memmap_normalize(in, cnt, out, 64);
        CHECK(n >= 0);
        for (uint64_t page = 0; page < 256; page++) {
            uint64_t addr = page * 4096;
            int want_rank = 0;
            uint32_t want = 0;
            for (size_t i = 0; i < cnt; i++)
                if (in[i].length && addr >= in[i].base && addr < in[i].base + in[i].length &&
                    memmap_type_rank(in[i].type) > want_rank) {
                    want_rank = memmap_type_rank(in[i].type);
                    want = in[i].type;
                }
            uint32_t got = 0;
            for (int k = 0; k < n; k++)
                if (addr >= out[k].base && addr < out[k].end)
                    got = out[k].type;
            CHECK_EQ(got, want);
        }
        for (int k = 1; k < n; k++) {
            CHECK(out[k - 1].end <= out[k].base);
            CHECK(!(out[k - 1].end == out[k].base && out[k - 1].type == out[k].type));
        }
    }
    return check_exit();
}
