/*
 * lib/vt.h - a text terminal's state: a grid of character cells and the
 * interpreter for the byte stream written to it (UTF-8 text and the subset of
 * ECMA-48 / VT100 control functions nvos prints).
 *
 * Implements, from ECMA-48 5th edition (1991): C0 controls BS, HT, LF, CR
 * (§8.3.5, §8.3.60, §8.3.74, §8.3.15), and the control sequences (§5.4)
 * CUU, CUD, CUF, CUB (§8.3.22, .19, .20, .18), CHA (§8.3.9), CUP / HVP
 * (§8.3.21, §8.3.63), VPA (§8.3.158), ED (§8.3.39), EL (§8.3.41), SGR
 * (§8.3.117: 0, 1, 7, 22, 27, 30-37, 39, 40-47, 49, and the "bright" 90-97,
 * 100-107 of aixterm/xterm); DEC private mode 25 (cursor visible, DECTCEM)
 * and DECSC/DECRC (ESC 7 / ESC 8). Anything else is parsed to its end and
 * ignored, so unknown sequences never print as garbage.
 *
 * LF also returns the carriage (the kernel prints "\n" line ends). A line
 * that fills the last column wraps when the next character arrives (as
 * xterm does), so a full-width line followed by "\n" does not leave an
 * empty line. Wide characters (U+1100.., CJK: two cells in the font) take
 * two cells, and a wide character that does not fit at the end of a line
 * moves to the next.
 *
 * The grid is the only state: renderers (drivers/video) compare it with what
 * they last drew, using the per-row dirty flags, so the screen is never read
 * back. Scrolling rotates the rows (no copying) and marks every row dirty.
 *
 * Pure logic: no allocation, no locking; compiled for the host and tested
 * there (tests/host/test_vt.c).
 */
#ifndef NVOS_LIB_VT_H
#define NVOS_LIB_VT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The 16 colours of the palette: ECMA-48 order, then the bright ones. */
enum vt_color {
    VT_BLACK, VT_RED, VT_GREEN, VT_YELLOW, VT_BLUE, VT_MAGENTA, VT_CYAN, VT_WHITE,
    VT_BRIGHT = 8,
};
#define VT_DEFAULT_FG VT_WHITE
#define VT_DEFAULT_BG VT_BLACK

/* Cell flags. */
#define VT_CELL_WIDE 0x01    /* left half of a wide character */
#define VT_CELL_CONT 0x02    /* right half of a wide character (cp unused) */
#define VT_CELL_INVERSE 0x04 /* fg and bg swapped when drawn */
#define VT_CELL_CURSOR 0x08  /* set by renderers only: the cursor is here */

struct vt_cell {
    uint32_t cp; /* Unicode code point; ' ' for blank */
    uint8_t fg, bg;
    uint8_t flags;
    uint8_t reserved;
};
_Static_assert(sizeof(struct vt_cell) == 8, "vt_cell is two words");

static inline bool vt_cell_equal(struct vt_cell a, struct vt_cell b)
{
    return a.cp == b.cp && a.fg == b.fg && a.bg == b.bg && a.flags == b.flags;
}

#define VT_MAX_PARAMS 8

struct vt {
    uint16_t cols, rows;
    struct vt_cell *cells; /* rows * cols; screen row r is line (top + r) % rows */
    uint8_t *dirty;        /* one flag per screen row */
    uint16_t top;
    uint16_t x, y;         /* cursor, 0-based */
    uint16_t saved_x, saved_y;
    bool wrap_pending;     /* the last column was written: wrap before the next */
    bool cursor_visible;
    bool color;            /* SGR colours applied (false: console.color=0) */
    uint8_t fg, bg, attr;  /* attr: VT_CELL_INVERSE and bold (VT_ATTR_BOLD) */
    uint64_t scrolls;      /* lines scrolled since vt_init */
    uint8_t (*cells_of)(uint32_t cp); /* 1 or 2: how many cells cp takes (the font says) */

    /* Parser. */
    uint8_t state;
    bool csi_private;
    uint8_t nparams;
    uint16_t params[VT_MAX_PARAMS];
    uint32_t utf_cp;
    uint8_t utf_need;      /* continuation bytes still expected */
    uint32_t utf_min;      /* smallest value the sequence may encode (overlongs) */
};
#define VT_ATTR_BOLD 0x80

/*
 * Starts a terminal of cols x rows (both >= 1) on the caller's storage:
 * cells[cols * rows] and dirty[rows]. Clears the grid and marks it dirty.
 */
void vt_init(struct vt *t, uint16_t cols, uint16_t rows, struct vt_cell *cells, uint8_t *dirty,
             bool color, uint8_t (*cells_of)(uint32_t cp));

/* Interprets n bytes. */
void vt_write(struct vt *t, const char *s, size_t n);

/* Screen row r (0 = top), cols cells. */
static inline struct vt_cell *vt_row(const struct vt *t, unsigned r)
{
    return t->cells + (size_t)((t->top + r) % t->rows) * t->cols;
}

/*
 * Skipping text nobody will see. For a write of n bytes, returns an offset
 * such that writing only s[offset..n) after vt_scroll_out() leaves exactly
 * the grid that writing all n bytes would: the part before it holds at least
 * rows line feeds and no ESC (so it moves the cursor to the bottom row and
 * changes no attribute or mode), and the part after it holds at least rows
 * line feeds (so everything before scrolls off). 0 when that does not hold
 * or the parser is inside a sequence. *lfs: line feeds in the skipped part.
 */
size_t vt_skippable(const struct vt *t, const char *s, size_t n, uint64_t *lfs);

/* What the skipped part did: every row scrolled off, cursor at the start of
 * the bottom row. */
void vt_scroll_out(struct vt *t, uint64_t lines);

/* Resets colours, attributes and the parser (e.g. before a panic message). */
void vt_reset_attributes(struct vt *t);

#endif
