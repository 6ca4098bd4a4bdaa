/*
 * lib/font.h - the console font: GNU Unifont's glyphs for the Basic
 * Multilingual Plane, 16 pixels high, 8 (narrow) or 16 (wide) pixels across.
 *
 * The table is generated at build time by tools/mkfont.py from Debian's
 * /usr/share/unifont/unifont.hex (package "unifont"). Code points Unifont
 * does not cover, and everything above U+FFFF, are drawn with U+FFFD.
 */
#ifndef NVOS_LIB_FONT_H
#define NVOS_LIB_FONT_H

#include <stdbool.h>
#include <stdint.h>

#define FONT_HEIGHT 16
#define FONT_NARROW_WIDTH 8

/* One page of 256 code points in the generated table (see tools/mkfont.py). */
struct font_page {
    uint32_t offset;     /* byte offset of the page's first glyph in the bitmaps */
    uint32_t present[8]; /* bit i: code point page*256+i has a glyph */
    uint32_t wide[8];    /* bit i: that glyph is 16 pixels wide */
};

extern const uint8_t font_unifont_bitmaps[];
extern const struct font_page font_unifont_pages[256];

struct font_glyph {
    const uint8_t *bits; /* FONT_HEIGHT rows of 1 (narrow) or 2 (wide) bytes, MSB leftmost */
    uint8_t cells;       /* 1: narrow, 2: wide (two console cells) */
};

/* The glyph for cp; false (and *g untouched) when Unifont has none. */
bool font_lookup(uint32_t cp, struct font_glyph *g);

/* The glyph for cp, or the replacement glyph U+FFFD when there is none. */
struct font_glyph font_glyph(uint32_t cp);

#endif
