/*
 * lib/vt.c - the terminal interpreter (lib/vt.h says which ECMA-48 / VT100
 * functions, with section numbers).
 */
#include "lib/vt.h"

enum { ST_GROUND, ST_ESC, ST_CSI, ST_IGNORE_CSI, ST_ESC_INTERMEDIATE };

#define PARAM_MAX 9999 /* larger parameters are clamped */

static struct vt_cell blank(const struct vt *t)
{
    struct vt_cell c = { .cp = ' ', .fg = t->fg, .bg = t->bg, .flags = 0, .reserved = 0 };
    if (t->attr & VT_CELL_INVERSE)
        c.flags |= VT_CELL_INVERSE;
    return c;
}

static void mark_all_dirty(struct vt *t)
{
    for (unsigned r = 0; r < t->rows; r++)
        t->dirty[r] = 1;
}

static void clear_cells(struct vt *t, unsigned row, unsigned from, unsigned to)
{
    struct vt_cell *line = vt_row(t, row);
    struct vt_cell b = blank(t);
    /* A wide character cut in half by the range loses its other half too. */
    if (from > 0 && from < t->cols && (line[from].flags & VT_CELL_CONT))
        line[from - 1] = b;
    if (to < t->cols && (line[to].flags & VT_CELL_CONT))
        line[to] = b;
    for (unsigned x = from; x < to && x < t->cols; x++)
        line[x] = b;
    t->dirty[row] = 1;
}

void vt_reset_attributes(struct vt *t)
{
    t->fg = VT_DEFAULT_FG;
    t->bg = VT_DEFAULT_BG;
    t->attr = 0;
    t->state = ST_GROUND;
    t->utf_need = 0;
}

void vt_init(struct vt *t, uint16_t cols, uint16_t rows, struct vt_cell *cells, uint8_t *dirty,
             bool color, uint8_t (*cells_of)(uint32_t cp))
{
    t->cols = cols;
    t->rows = rows;
    t->cells = cells;
    t->dirty = dirty;
    t->top = 0;
    t->x = t->y = 0;
    t->saved_x = t->saved_y = 0;
    t->wrap_pending = false;
    t->cursor_visible = true;
    t->color = color;
    t->scrolls = 0;
    t->cells_of = cells_of;
    vt_reset_attributes(t);
    for (unsigned r = 0; r < rows; r++)
        clear_cells(t, r, 0, cols);
}

static void scroll_up(struct vt *t)
{
    /* The old top line becomes the new bottom line. */
    t->top = (uint16_t)((t->top + 1) % t->rows);
    clear_cells(t, t->rows - 1u, 0, t->cols);
    mark_all_dirty(t);
    t->scrolls++;
}

static void line_feed(struct vt *t)
{
    t->x = 0;
    t->wrap_pending = false;
    if (t->y + 1u < t->rows)
        t->y++;
    else
        scroll_up(t);
}

static void put_cp(struct vt *t, uint32_t cp)
{
    unsigned w = t->cells_of != NULL ? t->cells_of(cp) : 1;
    if (w != 2 || t->cols < 2)
        w = 1;
    if (t->wrap_pending || t->x + w > t->cols)
        line_feed(t);
    struct vt_cell *line = vt_row(t, t->y);
    unsigned x = t->x;
    /* Overwriting half of a wide character blanks its other half. */
    if (line[x].flags & VT_CELL_CONT)
        line[x - 1] = blank(t);
    if ((line[x + w - 1].flags & VT_CELL_WIDE) && x + w < t->cols)
        line[x + w] = blank(t);
    struct vt_cell c = blank(t);
    c.cp = cp;
    if (t->attr & VT_ATTR_BOLD && c.fg < VT_BRIGHT)
        c.fg = (uint8_t)(c.fg + VT_BRIGHT);
    if (w == 2) {
        c.flags |= VT_CELL_WIDE;
        line[x] = c;
        c.flags = (uint8_t)((c.flags & ~VT_CELL_WIDE) | VT_CELL_CONT);
        line[x + 1] = c;
    } else {
        line[x] = c;
    }
    t->dirty[t->y] = 1;
    if (x + w >= t->cols) {
        t->x = (uint16_t)(t->cols - 1);
        t->wrap_pending = true;
    } else {
        t->x = (uint16_t)(x + w);
    }
}

static unsigned param(const struct vt *t, unsigned i, unsigned fallback)
{
    if (i >= t->nparams || t->params[i] == 0)
        return fallback;
    return t->params[i];
}

static void move_to(struct vt *t, unsigned row, unsigned col)
{
    t->y = (uint16_t)(row < t->rows ? row : t->rows - 1u);
    t->x = (uint16_t)(col < t->cols ? col : t->cols - 1u);
    t->wrap_pending = false;
}

static void sgr(struct vt *t)
{
    if (t->nparams == 0) {
        t->fg = VT_DEFAULT_FG;
        t->bg = VT_DEFAULT_BG;
        t->attr = 0;
        return;
    }
    for (unsigned i = 0; i < t->nparams; i++) {
        unsigned p = t->params[i];
        if (p == 0) {
            t->fg = VT_DEFAULT_FG;
            t->bg = VT_DEFAULT_BG;
            t->attr = 0;
        } else if (p == 1) {
            t->attr |= VT_ATTR_BOLD;
        } else if (p == 22) {
            t->attr &= (uint8_t)~VT_ATTR_BOLD;
        } else if (p == 7) {
            t->attr |= VT_CELL_INVERSE;
        } else if (p == 27) {
            t->attr &= (uint8_t)~VT_CELL_INVERSE;
        } else if (!t->color) {
            continue; /* colours off: only the attributes above apply */
        } else if (p >= 30 && p <= 37) {
            t->fg = (uint8_t)(p - 30);
        } else if (p == 39) {
            t->fg = VT_DEFAULT_FG;
        } else if (p >= 40 && p <= 47) {
            t->bg = (uint8_t)(p - 40);
        } else if (p == 49) {
            t->bg = VT_DEFAULT_BG;
        } else if (p >= 90 && p <= 97) {
            t->fg = (uint8_t)(p - 90 + VT_BRIGHT);
        } else if (p >= 100 && p <= 107) {
            t->bg = (uint8_t)(p - 100 + VT_BRIGHT);
        } else if (p == 38 || p == 48) {
            break; /* 256-colour / RGB forms: not supported; skip the rest */
        }
    }
}

static void csi_dispatch(struct vt *t, uint8_t final)
{
    if (t->csi_private) {
        if ((final == 'h' || final == 'l') && param(t, 0, 0) == 25) {
            t->cursor_visible = final == 'h';
            t->dirty[t->y] = 1;
        }
        return;
    }
    unsigned n = param(t, 0, 1);
    switch (final) {
    case 'A': /* CUU */
        move_to(t, t->y >= n ? t->y - n : 0, t->x);
        break;
    case 'B': /* CUD */
        move_to(t, t->y + n, t->x);
        break;
    case 'C': /* CUF */
        move_to(t, t->y, t->x + n);
        break;
    case 'D': /* CUB */
        move_to(t, t->y, t->x >= n ? t->x - n : 0);
        break;
    case 'G': /* CHA */
        move_to(t, t->y, n - 1);
        break;
    case 'd': /* VPA */
        move_to(t, n - 1, t->x);
        break;
    case 'H': /* CUP */
    case 'f': /* HVP */
        move_to(t, param(t, 0, 1) - 1, param(t, 1, 1) - 1);
        break;
    case 'J': { /* ED */
        unsigned mode = param(t, 0, 0);
        if (mode == 0) {
            clear_cells(t, t->y, t->x, t->cols);
            for (unsigned r = t->y + 1u; r < t->rows; r++)
                clear_cells(t, r, 0, t->cols);
        } else if (mode == 1) {
            for (unsigned r = 0; r < t->y; r++)
                clear_cells(t, r, 0, t->cols);
            clear_cells(t, t->y, 0, t->x + 1u);
        } else if (mode == 2 || mode == 3) {
            for (unsigned r = 0; r < t->rows; r++)
                clear_cells(t, r, 0, t->cols);
        }
        break;
    }
    case 'K': { /* EL */
        unsigned mode = param(t, 0, 0);
        if (mode == 0)
            clear_cells(t, t->y, t->x, t->cols);
        else if (mode == 1)
            clear_cells(t, t->y, 0, t->x + 1u);
        else if (mode == 2)
            clear_cells(t, t->y, 0, t->cols);
        break;
    }
    case 'm':
        sgr(t);
        break;
    default:
        break; /* not in the subset: ignored */
    }
}

static void control(struct vt *t, uint8_t c)
{
    switch (c) {
    case '\n':
    case 0x0B: /* VT */
    case 0x0C: /* FF */
        line_feed(t);
        break;
    case '\r':
        t->x = 0;
        t->wrap_pending = false;
        break;
    case '\b':
        if (t->wrap_pending)
            t->wrap_pending = false;
        else if (t->x > 0)
            t->x--;
        break;
    case '\t': {
        unsigned next = (t->x / 8u + 1u) * 8u;
        t->x = (uint16_t)(next < t->cols ? next : t->cols - 1u);
        break;
    }
    case 0x1B:
        t->state = ST_ESC;
        break;
    default:
        break; /* BEL, NUL and the rest: nothing to draw */
    }
}

static void text_byte(struct vt *t, uint8_t c)
{
    /* UTF-8, decoded a byte at a time (writes may split a character). */
    if (t->utf_need > 0) {
        if ((c & 0xC0) == 0x80) {
            t->utf_cp = (t->utf_cp << 6) | (c & 0x3F);
            if (--t->utf_need == 0) {
                uint32_t cp = t->utf_cp;
                if (cp < t->utf_min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                    cp = 0xFFFD;
                put_cp(t, cp);
            }
            return;
        }
        t->utf_need = 0; /* truncated sequence */
        put_cp(t, 0xFFFD);
    }
    if (c < 0x20 || c == 0x7F) {
        control(t, c);
    } else if (c < 0x80) {
        put_cp(t, c);
    } else if ((c & 0xE0) == 0xC0) {
        t->utf_cp = c & 0x1F;
        t->utf_need = 1;
        t->utf_min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        t->utf_cp = c & 0x0F;
        t->utf_need = 2;
        t->utf_min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        t->utf_cp = c & 0x07;
        t->utf_need = 3;
        t->utf_min = 0x10000;
    } else {
        put_cp(t, 0xFFFD);
    }
}

void vt_write(struct vt *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        switch (t->state) {
        case ST_GROUND:
            text_byte(t, c);
            break;
        case ST_ESC:
            t->state = ST_GROUND;
            if (c == '[') {
                t->state = ST_CSI;
                t->nparams = 0;
                t->csi_private = false;
                for (unsigned k = 0; k < VT_MAX_PARAMS; k++)
                    t->params[k] = 0;
            } else if (c == '7') {
                t->saved_x = t->x;
                t->saved_y = t->y;
            } else if (c == '8') {
                move_to(t, t->saved_y, t->saved_x);
            } else if (c == 'c') {
                vt_reset_attributes(t);
                for (unsigned r = 0; r < t->rows; r++)
                    clear_cells(t, r, 0, t->cols);
                move_to(t, 0, 0);
            } else if (c >= 0x20 && c <= 0x2F) {
                t->state = ST_ESC_INTERMEDIATE; /* e.g. ESC ( B: skip to the final byte */
            } else if (c == 0x1B) {
                t->state = ST_ESC;
            }
            break;
        case ST_ESC_INTERMEDIATE:
            if (c >= 0x30 && c <= 0x7E)
                t->state = ST_GROUND;
            else if (c < 0x20 && c != 0x1B)
                control(t, c);
            break;
        case ST_CSI:
        case ST_IGNORE_CSI:
            if (c >= '0' && c <= '9') {
                if (t->state == ST_CSI) {
                    if (t->nparams == 0)
                        t->nparams = 1;
                    unsigned v = t->params[t->nparams - 1u] * 10u + (c - '0');
                    t->params[t->nparams - 1u] = (uint16_t)(v > PARAM_MAX ? PARAM_MAX : v);
                }
            } else if (c == ';') {
                if (t->state == ST_CSI) {
                    if (t->nparams == 0)
                        t->nparams = 1;
                    if (t->nparams < VT_MAX_PARAMS)
                        t->nparams++;
                    else
                        t->state = ST_IGNORE_CSI; /* too many parameters */
                }
            } else if (c == '?' && t->nparams == 0 && t->state == ST_CSI) {
                t->csi_private = true;
            } else if (c >= 0x40 && c <= 0x7E) {
                if (t->state == ST_CSI)
                    csi_dispatch(t, c);
                t->state = ST_GROUND;
            } else if (c >= 0x20 && c <= 0x3F) {
                t->state = ST_IGNORE_CSI; /* intermediates or other private markers */
            } else if (c == 0x1B) {
                t->state = ST_ESC; /* a new sequence abandons this one */
            } else if (c < 0x20) {
                control(t, c); /* C0 controls act inside sequences too */
            } else {
                t->state = ST_GROUND;
            }
            break;
        default:
            t->state = ST_GROUND;
            break;
        }
    }
}

size_t vt_skippable(const struct vt *t, const char *s, size_t n, uint64_t *lfs)
{
    *lfs = 0;
    if (t->state != ST_GROUND || t->utf_need != 0)
        return 0;
    /* The line feed with exactly rows line feeds after it. */
    unsigned after = 0;
    size_t i = n;
    while (i > 0) {
        i--;
        if (s[i] == '\n' && after++ == t->rows)
            break;
    }
    if (after <= t->rows)
        return 0;
    uint64_t before = 0;
    for (size_t k = 0; k <= i; k++) {
        if (s[k] == 0x1B)
            return 0;
        before += s[k] == '\n';
    }
    if (before < t->rows)
        return 0;
    *lfs = before;
    return i + 1;
}

void vt_scroll_out(struct vt *t, uint64_t lines)
{
    for (unsigned r = 0; r < t->rows; r++)
        clear_cells(t, r, 0, t->cols);
    t->x = 0;
    t->y = (uint16_t)(t->rows - 1u);
    t->wrap_pending = false;
    t->scrolls += lines;
}
