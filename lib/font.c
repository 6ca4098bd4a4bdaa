/*
 * lib/font.c - looking glyphs up in the generated Unifont table (lib/font.h).
 */
#include "lib/font.h"

/* Set bits below bit n of the 256-bit mask m. Counted by hand: the kernel is
 * built without the popcnt instruction and without libgcc. */
static uint32_t popcount32(uint32_t x)
{
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0f0f0f0fu;
    return (x * 0x01010101u) >> 24;
}

static uint32_t bits_below(const uint32_t m[8], unsigned n)
{
    uint32_t count = 0;
    for (unsigned w = 0; w < n / 32; w++)
        count += popcount32(m[w]);
    if (n % 32)
        count += popcount32(m[n / 32] & ((1u << (n % 32)) - 1));
    return count;
}

bool font_lookup(uint32_t cp, struct font_glyph *g)
{
    if (cp > 0xFFFF)
        return false;
    const struct font_page *p = &font_unifont_pages[cp >> 8];
    unsigned i = cp & 0xFF;
    if (!(p->present[i / 32] & (1u << (i % 32))))
        return false;
    uint32_t before = bits_below(p->present, i);
    uint32_t wide_before = bits_below(p->wide, i);
    g->bits = font_unifont_bitmaps + p->offset + (before + wide_before) * FONT_HEIGHT;
    g->cells = (p->wide[i / 32] & (1u << (i % 32))) ? 2 : 1;
    return true;
}

struct font_glyph font_glyph(uint32_t cp)
{
    struct font_glyph g;
    if (!font_lookup(cp, &g) && !font_lookup(0xFFFD, &g)) {
        /* Unreachable: tools/mkfont.py refuses a font without U+FFFD. */
        g.bits = font_unifont_bitmaps;
        g.cells = 1;
    }
    return g;
}
