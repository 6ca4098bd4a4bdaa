/*
 * drivers/video/vgatext.c - the screen console's VGA text-mode backend: the
 * 80x25 (or loader-reported) character grid at 0xB8000 that every BIOS boot
 * leaves, for boots without a framebuffer (QEMU -kernel, GRUB "multiboot").
 *
 * Each cell is a character byte (code page 437) and an attribute byte
 * (background << 4 | foreground, IBM VGA Technical Reference). Characters
 * outside CP437's ASCII range print as '?'; wide characters as "??" (text
 * mode has no glyphs for them). The cursor is the hardware cursor: CRT
 * controller registers 0Eh/0Fh (cursor location) and 0Ah (cursor start,
 * bit 5 disables it) through ports 3D4h/3D5h.
 */
#include "drivers/video/screen.h"
#include "kernel/arch/x86.h"
#include "kernel/kernel.h"
#include "kernel/mm/vmm.h"
#include "lib/errno.h"

#define VGA_TEXT_PHYS 0xB8000
#define CRTC_INDEX 0x3D4
#define CRTC_DATA 0x3D5
#define CRTC_CURSOR_START 0x0A
#define CRTC_CURSOR_HIGH 0x0E
#define CRTC_CURSOR_LOW 0x0F
#define CURSOR_DISABLE 0x20

/* ECMA-48 colour order (red = 1) to VGA's (blue = 1). */
static const uint8_t vga_color[8] = { 0, 4, 2, 6, 1, 5, 3, 7 };

static uint8_t attr_of(uint8_t c)
{
    return (uint8_t)(vga_color[c & 7] | (c & 8));
}

static void vgatext_draw_cell(struct screen *s, unsigned row, unsigned col, struct vt_cell c)
{
    uint8_t fg = attr_of(c.fg), bg = attr_of(c.bg);
    if (c.flags & VT_CELL_INVERSE) {
        uint8_t t = fg;
        fg = bg;
        bg = t;
    }
    uint8_t ch = c.cp >= 0x20 && c.cp < 0x7F ? (uint8_t)c.cp : '?';
    uint16_t v = (uint16_t)(ch | (uint16_t)((bg & 7) << 4 | fg) << 8);
    uint16_t *cell = (uint16_t *)(s->base + (size_t)row * s->pitch) + col;
    cell[0] = v;
    if ((c.flags & VT_CELL_WIDE) && col + 1 < s->width)
        cell[1] = v;
}

static void vgatext_set_cursor(struct screen *s, unsigned row, unsigned col, bool visible)
{
    uint16_t pos = (uint16_t)(row * s->width + col);
    outb(CRTC_INDEX, CRTC_CURSOR_HIGH);
    outb(CRTC_DATA, (uint8_t)(pos >> 8));
    outb(CRTC_INDEX, CRTC_CURSOR_LOW);
    outb(CRTC_DATA, (uint8_t)pos);
    outb(CRTC_INDEX, CRTC_CURSOR_START);
    uint8_t start = inb(CRTC_DATA);
    outb(CRTC_DATA, visible ? (uint8_t)(start & ~CURSOR_DISABLE) : (uint8_t)(start | CURSOR_DISABLE));
}

static const struct screen_backend vgatext_backend = {
    .name = "VGA text",
    .draw_cell = vgatext_draw_cell,
    .set_cursor = vgatext_set_cursor,
};

int vgatext_setup(struct screen *s, const struct boot_framebuffer *fb)
{
    uint64_t phys = VGA_TEXT_PHYS;
    unsigned cols = 80, rows = 25, pitch = 160;
    if (fb != NULL) {
        phys = fb->phys;
        cols = fb->width;
        rows = fb->height;
        pitch = fb->pitch;
        if (cols == 0 || rows == 0 || cols > 256 || rows > 128 || pitch < cols * 2)
            return -EINVAL;
    }
    uint8_t *base = vmm_map_phys(phys, (size_t)pitch * rows, VMM_WRITE_COMBINING);
    if (base == NULL)
        return -ENOMEM;
    s->base = base;
    s->width = cols;
    s->height = rows;
    s->pitch = pitch;
    s->bytes_pp = 2;
    s->scale = 1;
    return screen_start(s, &vgatext_backend, cols, rows);
}
