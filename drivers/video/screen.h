/*
 * drivers/video/screen.h - the screen console: a terminal (lib/vt) drawn on
 * whatever display the boot loader left, registered as a console output.
 *
 * Two backends draw cells: a linear framebuffer in any direct-colour pixel
 * format (drivers/video/fb.c: UEFI GOP, multiboot2 framebuffer tag), and VGA
 * text mode at 0xB8000 (drivers/video/vgatext.c: BIOS boots without a
 * framebuffer, such as QEMU -kernel). The core here owns the cell grid and
 * decides when to draw:
 *  - every write updates the grid; cells are drawn only where the grid
 *    differs from what was last drawn (a second grid remembers it), so
 *    nothing is ever read back from video memory;
 *  - drawing is batched: while output streams, at most every
 *    SCREEN_DRAW_INTERVAL_MS, and never sooner than SCREEN_DRAW_COST_RATIO
 *    times the last draw's duration after it, so drawing takes at most 1 %
 *    of the time whatever the resolution; at once when the kernel waits for
 *    input, stops, or when console_flush(true) asks. A long `cat` scrolls
 *    the grid hundreds of times between two draws and pays for one;
 *  - written bytes wait in a buffer (SCREEN_PENDING_BYTES) and are
 *    interpreted when a draw comes or the buffer fills; text that would
 *    scroll off before it could be seen is skipped (lib/vt.h,
 *    vt_skippable), so a flood costs little more than copying it;
 *  - after console_panic() every write draws immediately, with no batching.
 */
#ifndef NVOS_DRIVERS_VIDEO_SCREEN_H
#define NVOS_DRIVERS_VIDEO_SCREEN_H

#include <stdbool.h>
#include <stdint.h>

#include "boot/boot_info.h"
#include "lib/vt.h"

#define SCREEN_DRAW_INTERVAL_MS 20
#define SCREEN_DRAW_COST_RATIO 100
#define SCREEN_PENDING_BYTES (256 * 1024)

struct screen;

struct screen_backend {
    const char *name;
    /* Draws one cell (a wide cell: both halves) at grid position row, col. */
    void (*draw_cell)(struct screen *s, unsigned row, unsigned col, struct vt_cell c);
    /* Moves a hardware cursor, or NULL to draw the cursor as an inverted cell. */
    void (*set_cursor)(struct screen *s, unsigned row, unsigned col, bool visible);
};

struct screen {
    const struct screen_backend *ops;
    struct vt vt;
    struct vt_cell *shown; /* what is on the display now, cell by cell */
    uint16_t cursor_row_shown;
    bool pending;          /* written since the last draw */
    char *pend;            /* bytes not yet interpreted */
    size_t pend_len;
    bool direct;           /* after a panic: draw on every write */
    bool in_draw;          /* re-entered while drawing: a fault in the backend */
    bool broken;           /* stop using this output */
    bool off;              /* "screen off": ignore writes until "screen on" */
    uint64_t last_draw_tsc;
    uint64_t last_draw_cost; /* TSC ticks the last draw took */
    /* statistics for the "screen" command */
    uint64_t draws;
    uint64_t cells_drawn;
    uint64_t draw_tsc;     /* TSC ticks spent drawing */
    uint64_t bytes_skipped; /* scrolled off unseen, never interpreted */

    /* Backend data. */
    uint8_t *base;         /* mapped video memory */
    uint32_t width, height, pitch; /* pixels (or cells for text), bytes per line */
    uint8_t bytes_pp;
    uint8_t scale;
    uint32_t palette[16];  /* packed pixel values (fb) */
};

/*
 * Sets up the screen console from the boot information (framebuffer, or VGA
 * text on BIOS boots without one) and registers it as a console output,
 * replaying the boot messages printed so far. Needs the page tables
 * (vmm_init) and the page allocator. Returns 0, -ENODEV when there is no
 * display, or another -E... (printed) when it cannot be used.
 */
int screen_console_init(const struct boot_info *bi);

/* The active screen console, or NULL. */
struct screen *screen_console(void);

/* Core, for the backends: the grid size they can show. */
int screen_start(struct screen *s, const struct screen_backend *ops, unsigned cols,
                 unsigned rows);

/* Backends: set up s from the boot framebuffer; 0 or -E... */
int fb_setup(struct screen *s, const struct boot_framebuffer *fb, unsigned scale_option);
int vgatext_setup(struct screen *s, const struct boot_framebuffer *fb);

/* What the console output does with written bytes: update the grid, draw
 * when the batching interval has passed (or at once after a panic). */
void screen_put(struct screen *s, const char *str, size_t n);

/* Draws everything that changed (the rate limit does not apply). */
void screen_draw(struct screen *s);

#endif
