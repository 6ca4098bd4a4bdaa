/*
 * drivers/video/screen_shell.c - the "screen" command: what the screen
 * console draws on, and a throughput measurement.
 */
#include <string.h>

#include "drivers/video/screen.h"
#include "kernel/arch/x86.h"
#include "kernel/console.h"
#include "kernel/kernel.h"
#include "kernel/shell/shell.h"
#include "kernel/time/clock.h"
#include "lib/errno.h"
#include "lib/parse.h"
#include "lib/printf.h"

static void print_info(const struct screen *s)
{
    kprintf("screen: %s %ux%u, %u cells x %u rows, glyphs x%u, colour %s\n", s->ops->name,
            s->width, s->height, s->vt.cols, s->vt.rows, s->scale,
            console_color_enabled() ? "on" : "off");
    kprintf("screen: %llu draws, %llu cells drawn, %llu ms drawing, %llu lines scrolled, "
            "%llu bytes skipped unseen\n",
            (unsigned long long)s->draws, (unsigned long long)s->cells_drawn,
            (unsigned long long)(tsc_to_ns(s->draw_tsc) / NSEC_PER_MSEC),
            (unsigned long long)s->vt.scrolls, (unsigned long long)s->bytes_skipped);
}

/* Writes n numbered 80-column lines to the screen alone (not the serial line
 * or the log): batched as the console batches, or drawing after every line.
 * Each line's text is the alphabet rotated by one more place than the line
 * before, so a scroll changes every cell of every row (the worst case: no
 * cell is left as it was). */
static uint64_t write_lines(struct screen *s, uint32_t n, bool draw_each)
{
    static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const unsigned len_abc = sizeof(abc) - 1;
    char line[96];
    uint64_t t0 = rdtsc();
    for (uint32_t i = 0; i < n; i++) {
        int len = ksnprintf(line, sizeof(line), "screen bench line %06u: ", i);
        while (len < 79) {
            line[len] = abc[(i + (unsigned)len) % len_abc];
            len++;
        }
        line[len++] = '\n';
        screen_put(s, line, (size_t)len);
        if (draw_each)
            screen_draw(s);
    }
    screen_draw(s);
    return tsc_to_ns(rdtsc() - t0);
}

static int cmd_screen(int argc, char **argv)
{
    struct screen *s = screen_console();
    if (s == NULL)
        return shell_error(-ENODEV, "screen: no screen console (no framebuffer or VGA text)");
    if (argc == 1) {
        print_info(s);
        return 0;
    }
    if ((strcmp(argv[1], "on") == 0 || strcmp(argv[1], "off") == 0) && argc == 2) {
        /* For measuring what the screen costs: off leaves COM1 alone. */
        console_flush(true);
        s->off = strcmp(argv[1], "off") == 0;
        return 0;
    }
    if (strcmp(argv[1], "bench") != 0 || argc > 3)
        return shell_usage("screen");
    uint32_t n = 2000;
    if (argc == 3 && (parse_u32(argv[2], &n) != 0 || n == 0 || n > 1000000))
        return shell_error(-EINVAL, "screen: '%s' is not a line count (1..1000000)", argv[2]);
    console_flush(true);
    uint64_t draws0 = s->draws;
    uint64_t batched_ns = write_lines(s, n, false);
    uint64_t batched_draws = s->draws - draws0;
    uint32_t n_sync = n / 10 ? n / 10 : 1; /* drawing every line is slow: fewer lines */
    uint64_t sync_ns = write_lines(s, n_sync, true);
    uint64_t batched_lps = batched_ns ? (uint64_t)n * NSEC_PER_SEC / batched_ns : 0;
    uint64_t sync_lps = sync_ns ? (uint64_t)n_sync * NSEC_PER_SEC / sync_ns : 0;
    kprintf("screen bench: %ux%u x%u lines=%u batched_lines_per_s=%llu batched_draws=%llu "
            "lines_sync=%u sync_lines_per_s=%llu ms_per_scroll_redraw=%llu.%03llu\n",
            s->width, s->height, s->scale, n, (unsigned long long)batched_lps,
            (unsigned long long)batched_draws, n_sync, (unsigned long long)sync_lps,
            (unsigned long long)(sync_ns / n_sync / NSEC_PER_MSEC),
            (unsigned long long)(sync_ns / n_sync / 1000 % 1000));
    return 0;
}
SHELL_COMMAND(screen, "screen", "[bench [LINES] | on | off]",
              "the screen console: display, grid, draw counts; bench: lines per second; "
              "off/on: stop/resume drawing", cmd_screen);
