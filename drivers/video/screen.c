/*
 * drivers/video/screen.c - the screen console's core: grid, batching,
 * console glue (drivers/video/screen.h explains the drawing policy).
 */
#include "drivers/video/screen.h"

#include <string.h>

#include "kernel/arch/x86.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/kernel.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/vmm.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "lib/font.h"

static struct screen the_screen;
static struct screen *active;

static void screen_write(void *ctx, const char *s, size_t n);
static void screen_flush(void *ctx, bool force);
static void screen_panic(void *ctx);

static struct console_output screen_output = {
    .name = "screen", .write = screen_write, .flush = screen_flush, .panic = screen_panic,
};

static uint8_t cells_of(uint32_t cp)
{
    if (cp < 0x300)
        return 1; /* Latin: no wide glyphs in Unifont; spares the lookup */
    return font_glyph(cp).cells;
}

struct screen *screen_console(void)
{
    return active;
}

int screen_start(struct screen *s, const struct screen_backend *ops, unsigned cols, unsigned rows)
{
    if (cols == 0 || rows == 0 || cols > 4096 || rows > 4096)
        return -EINVAL;
    size_t cells = (size_t)cols * rows;
    size_t bytes = SCREEN_PENDING_BYTES + 2 * cells * sizeof(struct vt_cell) + rows;
    size_t pages = ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;
    phys_addr_t p = pmm_alloc(pages, 1);
    if (p == 0)
        return -ENOMEM;
    uint8_t *mem = phys_to_virt(p);
    s->pend = (char *)mem;
    s->pend_len = 0;
    struct vt_cell *grid = (struct vt_cell *)(mem + SCREEN_PENDING_BYTES);
    s->shown = grid + cells;
    uint8_t *dirty = (uint8_t *)(s->shown + cells);
    s->ops = ops;
    vt_init(&s->vt, (uint16_t)cols, (uint16_t)rows, grid, dirty, console_color_enabled(),
            cells_of);
    /* "Shown" starts as something no cell equals, so the first draw paints
     * every cell (the loader may have left anything on the display). */
    for (size_t i = 0; i < cells; i++)
        s->shown[i] = (struct vt_cell){ .cp = 0xFFFFFFFFu, .fg = 0xFF, .bg = 0xFF, .flags = 0xFF };
    s->pending = true;
    return 0;
}

/* Interprets the bytes written since the last call, skipping what would
 * scroll off the screen before anyone could see it (lib/vt.h). */
static void catch_up(struct screen *s)
{
    if (s->pend_len == 0)
        return;
    uint64_t lfs;
    size_t skip = vt_skippable(&s->vt, s->pend, s->pend_len, &lfs);
    if (skip > 0) {
        vt_scroll_out(&s->vt, lfs);
        s->bytes_skipped += skip;
    }
    vt_write(&s->vt, s->pend + skip, s->pend_len - skip);
    s->pend_len = 0;
}

void screen_draw(struct screen *s)
{
    if (s->broken)
        return;
    catch_up(s);
    if (s->in_draw) {
        /* Writing while drawing: a fault inside the backend printed its
         * report. Drawing again would fault again; give the screen up. */
        s->broken = true;
        return;
    }
    s->in_draw = true;
    uint64_t t0 = rdtsc();
    struct vt *t = &s->vt;
    bool soft_cursor = s->ops->set_cursor == NULL && t->cursor_visible;
    for (unsigned r = 0; r < t->rows; r++) {
        bool cursor_here = soft_cursor && r == t->y;
        if (!t->dirty[r] && !cursor_here && r != s->cursor_row_shown)
            continue;
        t->dirty[r] = 0;
        const struct vt_cell *line = vt_row(t, r);
        struct vt_cell *shown = s->shown + (size_t)r * t->cols;
        for (unsigned x = 0; x < t->cols; x++) {
            struct vt_cell c = line[x];
            if (c.flags & VT_CELL_CONT) {
                if (x > 0 && (line[x - 1].flags & VT_CELL_WIDE))
                    continue; /* drawn with its left half */
                c.cp = ' ';   /* an orphan half: blank */
                c.flags &= (uint8_t)~VT_CELL_CONT;
            }
            bool wide = (c.flags & VT_CELL_WIDE) && x + 1 < t->cols;
            if (cursor_here && x == t->x)
                c.flags |= VT_CELL_CURSOR;
            if (vt_cell_equal(c, shown[x]) && (!wide || vt_cell_equal(line[x + 1], shown[x + 1])))
                continue;
            s->ops->draw_cell(s, r, x, c);
            s->cells_drawn++;
            shown[x] = c;
            if (wide)
                shown[x + 1] = line[x + 1];
        }
    }
    s->cursor_row_shown = soft_cursor ? t->y : 0xFFFF;
    if (s->ops->set_cursor != NULL)
        s->ops->set_cursor(s, t->y, t->x, t->cursor_visible);
    s->pending = false;
    s->draws++;
    s->last_draw_tsc = rdtsc();
    s->last_draw_cost = s->last_draw_tsc - t0;
    s->draw_tsc += s->last_draw_cost;
    s->in_draw = false;
}

static bool interval_passed(const struct screen *s)
{
    uint64_t hz = clock_tsc_hz();
    if (hz == 0)
        return true; /* before the clock is calibrated: draw every time */
    uint64_t wait = MAX(hz / 1000 * SCREEN_DRAW_INTERVAL_MS,
                        s->last_draw_cost * SCREEN_DRAW_COST_RATIO);
    return rdtsc() - s->last_draw_tsc >= wait;
}

static void screen_write(void *ctx, const char *str, size_t n)
{
    screen_put(ctx, str, n);
}

void screen_put(struct screen *s, const char *str, size_t n)
{
    if (s->broken || (s->off && !s->direct))
        return;
    if (s->in_draw) {
        s->broken = true; /* see screen_draw */
        return;
    }
    if (s->direct) {
        catch_up(s);
        vt_write(&s->vt, str, n);
        screen_draw(s);
        return;
    }
    while (n > 0) {
        if (s->pend_len == SCREEN_PENDING_BYTES)
            catch_up(s);
        size_t k = MIN(n, SCREEN_PENDING_BYTES - s->pend_len);
        memcpy(s->pend + s->pend_len, str, k);
        s->pend_len += k;
        str += k;
        n -= k;
    }
    s->pending = true;
    if (interval_passed(s))
        screen_draw(s);
}

static void screen_flush(void *ctx, bool force)
{
    struct screen *s = ctx;
    if (s->pending && (force || interval_passed(s)))
        screen_draw(s);
}

static void screen_panic(void *ctx)
{
    struct screen *s = ctx;
    catch_up(s); /* what was written before the panic, with its own colours */
    s->direct = true; /* and a panic shows even after "screen off" */
    vt_reset_attributes(&s->vt); /* a half-read escape sequence must not eat the message */
    if (console_color_enabled()) {
        s->vt.fg = VT_WHITE | VT_BRIGHT;
        s->vt.bg = VT_RED;
    }
    if (s->vt.x != 0)
        vt_write(&s->vt, "\n", 1);
}

/* console_log_replay has no context argument. */
static void replay_into_active(const char *str, size_t n)
{
    vt_write(&active->vt, str, n);
}

int screen_console_init(const struct boot_info *bi)
{
    struct screen *s = &the_screen;
    const struct boot_framebuffer *fb = &bi->framebuffer;
    unsigned scale = (unsigned)cmdline_get_u64("console.scale", 0);
    int err;
    if (fb->phys != 0 && fb->type == BOOT_FB_RGB) {
        err = fb_setup(s, fb, scale);
    } else if (fb->phys != 0 && fb->type == BOOT_FB_EGA_TEXT) {
        err = vgatext_setup(s, fb);
    } else if (bi->method != BOOT_METHOD_UEFI && bi->efi_system_table == 0) {
        /* A BIOS boot that reported no display: the PC's text mode is there. */
        err = vgatext_setup(s, NULL);
    } else {
        return -ENODEV;
    }
    if (err < 0) {
        kprintf("screen: cannot use the display: %s\n", errno_name(err));
        return err;
    }
    active = s;
    console_log_replay(replay_into_active);
    screen_output.ctx = s;
    console_register_output(&screen_output);
    screen_draw(s);
    kprintf("screen: %s, %ux%u cells%s\n", s->ops->name, s->vt.cols, s->vt.rows,
            console_color_enabled() ? "" : ", colour off");
    return 0;
}
