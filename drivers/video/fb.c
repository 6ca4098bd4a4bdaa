/*
 * drivers/video/fb.c - the screen console's pixel backend: Unifont glyphs
 * (lib/font.h) drawn on a linear framebuffer.
 *
 * Any direct-colour format the loader reports: 2, 3 or 4 bytes per pixel,
 * each channel at its own position and width (UEFI 2.9 §12.9.1 GOP RGB, BGR
 * and PixelBitMask; Multiboot2 1.0 §3.6.12 framebuffer_type 1), and a line
 * pitch larger than the width. The framebuffer is mapped write-combining
 * (kernel/mm/vmm.c, PAT) and only ever written.
 *
 * Glyphs are 8x16 (16x16 wide) pixels, scaled by an integer factor: from
 * the boot option console.scale=N, or else the largest factor that still
 * leaves 1280x720 pixels' worth of text (1 up to 2559 pixels across,
 * 3 at 3840x2160), so text stays readable on high-density panels.
 */
#include <string.h>

#include "drivers/video/screen.h"
#include "kernel/kernel.h"
#include "kernel/mm/vmm.h"
#include "lib/errno.h"
#include "lib/font.h"

#define MAX_SCALE 8

/* The 16 colours as 0xRRGGBB: the VGA palette, which every PC console
 * (and SeaBIOS/OVMF's text output) uses. */
static const uint32_t palette_rgb[16] = {
    0x000000, 0xAA0000, 0x00AA00, 0xAA5500, 0x0000AA, 0xAA00AA, 0x00AAAA, 0xAAAAAA,
    0x555555, 0xFF5555, 0x55FF55, 0xFFFF55, 0x5555FF, 0xFF55FF, 0x55FFFF, 0xFFFFFF,
};

static uint32_t channel(uint32_t v8, uint8_t pos, uint8_t size)
{
    if (size == 0 || pos >= 32)
        return 0;
    uint32_t v = size >= 8 ? v8 << (size - 8) : v8 >> (8 - size);
    return v << pos;
}

static uint32_t pack(const struct boot_framebuffer *fb, uint32_t rgb)
{
    return channel((rgb >> 16) & 0xFF, fb->red_pos, fb->red_size) |
           channel((rgb >> 8) & 0xFF, fb->green_pos, fb->green_size) |
           channel(rgb & 0xFF, fb->blue_pos, fb->blue_size);
}

static void put_pixels(uint8_t *dst, const uint32_t *src, unsigned n, unsigned bpp)
{
    switch (bpp) {
    case 4: {
        /* Two pixels per store where aligned: under emulation every store to
         * video memory is a slow path, and on hardware it is no worse. */
        unsigned i = 0;
        if (((uintptr_t)dst & 7) == 0) {
            uint64_t *d = (uint64_t *)dst;
            for (; i + 1 < n; i += 2)
                d[i / 2] = (uint64_t)src[i] | (uint64_t)src[i + 1] << 32;
        }
        uint32_t *d = (uint32_t *)dst;
        for (; i < n; i++)
            d[i] = src[i];
        break;
    }
    case 2: {
        uint16_t *d = (uint16_t *)dst;
        for (unsigned i = 0; i < n; i++)
            d[i] = (uint16_t)src[i];
        break;
    }
    default:
        for (unsigned i = 0; i < n; i++) {
            dst[3 * i] = (uint8_t)src[i];
            dst[3 * i + 1] = (uint8_t)(src[i] >> 8);
            dst[3 * i + 2] = (uint8_t)(src[i] >> 16);
        }
        break;
    }
}

/*
 * 32-bit pixels at scale 1 or 2, the common case: 64-bit stores of two
 * pixels, chosen from a four-entry table by two bits of the glyph row
 * (scale 1) or by one bit (scale 2).
 */
static void draw_cell_fast(struct screen *s, unsigned row, unsigned col, struct font_glyph g,
                           uint32_t fg, uint32_t bg)
{
    /* Index: left pixel's bit << 1 | right pixel's bit; the left pixel is
     * the lower address, so the low half of the little-endian store. */
    const uint64_t pair[4] = {
        (uint64_t)bg << 32 | bg, (uint64_t)fg << 32 | bg,
        (uint64_t)bg << 32 | fg, (uint64_t)fg << 32 | fg,
    };
    unsigned scale = s->scale, bits_w = FONT_NARROW_WIDTH * g.cells;
    uint8_t *dst = s->base + (size_t)row * FONT_HEIGHT * scale * s->pitch +
                   (size_t)col * FONT_NARROW_WIDTH * scale * 4;
    for (unsigned gy = 0; gy < FONT_HEIGHT; gy++) {
        unsigned bits = g.cells == 2 ? (unsigned)g.bits[2 * gy] << 8 | g.bits[2 * gy + 1]
                                     : g.bits[gy];
        for (unsigned k = 0; k < scale; k++) {
            uint64_t *d = (uint64_t *)dst;
            if (scale == 1) {
                for (unsigned x = 0; x < bits_w; x += 2)
                    *d++ = pair[(bits >> (bits_w - 2 - x)) & 3]; /* left pixel in bit 1 */
            } else {
                for (unsigned x = 0; x < bits_w; x++)
                    *d++ = pair[(bits >> (bits_w - 1 - x)) & 1 ? 3 : 0];
            }
            dst += s->pitch;
        }
    }
}

static void fb_draw_cell(struct screen *s, unsigned row, unsigned col, struct vt_cell c)
{
    struct font_glyph g = font_glyph(c.cp);
    unsigned cells = (c.flags & VT_CELL_WIDE) ? 2 : 1;
    uint32_t fg = s->palette[c.fg & 15], bg = s->palette[c.bg & 15];
    if (((c.flags & VT_CELL_INVERSE) != 0) != ((c.flags & VT_CELL_CURSOR) != 0)) {
        uint32_t t = fg;
        fg = bg;
        bg = t;
    }
    unsigned scale = s->scale;
    unsigned px_w = FONT_NARROW_WIDTH * cells * scale;
    if (s->bytes_pp == 4 && scale <= 2 && g.cells == cells) {
        draw_cell_fast(s, row, col, g, fg, bg);
        return;
    }
    uint32_t line[2 * FONT_NARROW_WIDTH * MAX_SCALE];
    uint8_t *dst = s->base + (size_t)row * FONT_HEIGHT * scale * s->pitch +
                   (size_t)col * FONT_NARROW_WIDTH * scale * s->bytes_pp;
    for (unsigned gy = 0; gy < FONT_HEIGHT; gy++) {
        /* A narrow glyph in a wide cell (or the reverse) is drawn left-aligned
         * and cut or padded: the font decides widths, so this is only the
         * replacement glyph. */
        unsigned bits;
        if (g.cells == 2)
            bits = (unsigned)g.bits[2 * gy] << 8 | g.bits[2 * gy + 1];
        else
            bits = (unsigned)g.bits[gy] << 8;
        unsigned glyph_px = FONT_NARROW_WIDTH * g.cells;
        for (unsigned gx = 0, i = 0; gx < FONT_NARROW_WIDTH * cells; gx++) {
            uint32_t v = (gx < glyph_px && (bits & (0x8000u >> gx))) ? fg : bg;
            for (unsigned k = 0; k < scale; k++)
                line[i++] = v;
        }
        for (unsigned k = 0; k < scale; k++) {
            put_pixels(dst, line, px_w, s->bytes_pp);
            dst += s->pitch;
        }
    }
}

static const struct screen_backend fb_backend = {
    .name = "framebuffer",
    .draw_cell = fb_draw_cell,
    .set_cursor = NULL,
};

static unsigned auto_scale(uint32_t width, uint32_t height)
{
    unsigned sx = width / 1280, sy = height / 720;
    unsigned s = MIN(sx, sy);
    return s < 1 ? 1 : MIN(s, (unsigned)MAX_SCALE);
}

int fb_setup(struct screen *s, const struct boot_framebuffer *fb, unsigned scale_option)
{
    unsigned bpp = fb->bpp / 8u;
    if ((bpp != 2 && bpp != 3 && bpp != 4) || fb->bpp % 8 != 0)
        return -EOPNOTSUPP;
    if (fb->width < FONT_NARROW_WIDTH || fb->height < FONT_HEIGHT ||
        (uint64_t)fb->width * bpp > fb->pitch)
        return -EINVAL;
    unsigned scale = scale_option ? scale_option : auto_scale(fb->width, fb->height);
    if (scale > MAX_SCALE)
        scale = MAX_SCALE;
    while (scale > 1 && (fb->width < FONT_NARROW_WIDTH * 2 * scale || fb->height < FONT_HEIGHT * scale))
        scale--;
    uint64_t size = (uint64_t)fb->pitch * fb->height;
    uint8_t *base = vmm_map_phys(fb->phys, size, VMM_WRITE_COMBINING);
    if (base == NULL)
        return -ENOMEM;
    s->base = base;
    s->width = fb->width;
    s->height = fb->height;
    s->pitch = fb->pitch;
    s->bytes_pp = (uint8_t)bpp;
    s->scale = (uint8_t)scale;
    for (unsigned i = 0; i < 16; i++)
        s->palette[i] = pack(fb, palette_rgb[i]);
    unsigned cols = fb->width / (FONT_NARROW_WIDTH * scale);
    unsigned rows = fb->height / (FONT_HEIGHT * scale);
    int err = screen_start(s, &fb_backend, cols, rows);
    if (err < 0)
        return err;
    /* The margins right of and below the grid: background, once. */
    uint32_t black[64];
    for (unsigned i = 0; i < 64; i++)
        black[i] = s->palette[VT_BLACK];
    unsigned grid_w = cols * FONT_NARROW_WIDTH * scale, grid_h = rows * FONT_HEIGHT * scale;
    for (unsigned y = 0; y < fb->height; y++) {
        unsigned from = y < grid_h ? grid_w : 0;
        for (unsigned x = from; x < fb->width; x += 64)
            put_pixels(base + (size_t)y * fb->pitch + (size_t)x * bpp, black,
                       MIN(64u, fb->width - x), bpp);
    }
    kprintf("screen: framebuffer %ux%u, %u bpp (red %u:%u green %u:%u blue %u:%u), pitch %u, "
            "mapped %s, glyphs x%u\n",
            fb->width, fb->height, fb->bpp, fb->red_pos, fb->red_size, fb->green_pos,
            fb->green_size, fb->blue_pos, fb->blue_size, fb->pitch, vmm_wc_type_name(), scale);
    return 0;
}
