/*
 * Host test: lib/vt.c - the terminal interpreter behind the screen console:
 * text and line ends, the last-column wrap, wide characters (cells taken,
 * halves overwritten), scrolling by row rotation with every row dirty, the
 * control sequences nvos prints (EL, ED, CUP, CUx, SGR with colours on and
 * off), sequences split across writes, unknown sequences swallowed, and
 * malformed UTF-8 turned into U+FFFD.
 */
#include "lib/vt.h"
#include "tests/host/check.h"

#define COLS 10
#define ROWS 4

static struct vt t;
static struct vt_cell cells[COLS * ROWS];
static uint8_t dirty[ROWS];

/* Wide: U+1100..U+115F and U+2E80..U+FFDC, roughly as in Unifont; enough here. */
static uint8_t width_of(uint32_t cp)
{
    return (cp >= 0x2E80 && cp <= 0xFFDC) ? 2 : 1;
}

static void reset(bool color)
{
    vt_init(&t, COLS, ROWS, cells, dirty, color, width_of);
}

static void put(const char *s)
{
    vt_write(&t, s, strlen(s));
}

/* Screen row r as ASCII ('#' for the right half of a wide char, '?' others). */
static const char *row(unsigned r)
{
    static char buf[COLS + 1];
    const struct vt_cell *line = vt_row(&t, r);
    for (unsigned x = 0; x < COLS; x++) {
        uint32_t cp = line[x].cp;
        buf[x] = (line[x].flags & VT_CELL_CONT) ? '#' : cp < 0x80 ? (char)cp : '?';
    }
    buf[COLS] = '\0';
    return buf;
}

static void clear_dirty(void)
{
    memset(dirty, 0, sizeof(dirty));
}

/* Skipping unseen text gives the grid that interpreting everything gives. */
static void test_skip(void)
{
    static struct vt_cell full[COLS * ROWS];
    char text[4096];
    size_t n = 0;
    for (unsigned i = 0; n + 40 < sizeof(text); i++) {
        /* lines of varying length, some wrapping, wide characters, CRs */
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%u%s%.*s\n", i,
                              i % 3 ? "\xe6\xbc\xa2" : "\r", (int)(i % 23), "abcdefghijklmnopqrstuvw");
    }
    reset(true);
    put("\x1b[32mgreen ");
    vt_write(&t, text, n);
    for (unsigned r = 0; r < ROWS; r++)
        memcpy(full + r * COLS, vt_row(&t, r), COLS * sizeof(struct vt_cell));
    uint16_t fx = t.x, fy = t.y;

    reset(true);
    put("\x1b[32mgreen ");
    uint64_t lfs;
    size_t skip = vt_skippable(&t, text, n, &lfs);
    CHECK(skip > n / 2);
    CHECK(lfs >= ROWS);
    vt_scroll_out(&t, lfs);
    vt_write(&t, text + skip, n - skip);
    for (unsigned r = 0; r < ROWS; r++)
        for (unsigned x = 0; x < COLS; x++)
            CHECK(vt_cell_equal(vt_row(&t, r)[x], full[r * COLS + x]));
    CHECK_EQ(t.x, fx);
    CHECK_EQ(t.y, fy);
    CHECK_EQ(vt_row(&t, 0)[0].fg, VT_GREEN);

    /* Not skippable: an ESC in the part that would be skipped, too few line
     * feeds, or a sequence still open. */
    text[1] = 0x1B;
    CHECK_EQ(vt_skippable(&t, text, n, &lfs), 0);
    CHECK_EQ(vt_skippable(&t, "a\nb\nc\nd\ne\nf\ng\n", 14, &lfs), 0);
    CHECK(vt_skippable(&t, "a\nb\nc\nd\ne\nf\ng\nh\ni\n", 18, &lfs) > 0);
    put("\x1b[");
    CHECK_EQ(vt_skippable(&t, "a\nb\nc\nd\ne\nf\ng\nh\ni\n", 18, &lfs), 0);
}

int main(void)
{
    /* Text, LF returning the carriage, CR, BS. */
    reset(true);
    put("ab\ncd");
    CHECK_STR_EQ(row(0), "ab        ");
    CHECK_STR_EQ(row(1), "cd        ");
    CHECK_EQ(t.x, 2);
    put("\rX\b\bY");
    CHECK_STR_EQ(row(1), "Yd        ");
    put("\t");
    CHECK_EQ(t.x, 8);

    /* A full line wraps only when the next character comes: "\n" right
     * after a full line gives no empty line. */
    reset(true);
    put("0123456789\nz");
    CHECK_STR_EQ(row(0), "0123456789");
    CHECK_STR_EQ(row(1), "z         ");
    put("\r0123456789A");
    CHECK_STR_EQ(row(2), "A         ");

    /* Scrolling rotates rows, blanks the new one, marks every row dirty. */
    reset(true);
    put("1\n2\n3\n4");
    clear_dirty();
    put("\n5");
    CHECK_STR_EQ(row(0), "2         ");
    CHECK_STR_EQ(row(3), "5         ");
    CHECK_EQ(t.scrolls, 1);
    for (unsigned r = 0; r < ROWS; r++)
        CHECK_EQ(dirty[r], 1);
    /* Only the written row is dirty otherwise. */
    clear_dirty();
    put("x");
    CHECK_EQ(dirty[3], 1);
    CHECK_EQ(dirty[0] + dirty[1] + dirty[2], 0);

    /* Wide characters: two cells; one that does not fit moves down. */
    reset(true);
    put("\xe6\xbc\xa2\xe5\xad\x97.txt"); /* 漢字.txt */
    CHECK_STR_EQ(row(0), "?#?#.txt  ");
    CHECK_EQ(vt_row(&t, 0)[0].cp, 0x6F22);
    CHECK(vt_row(&t, 0)[0].flags & VT_CELL_WIDE);
    CHECK_EQ(vt_row(&t, 0)[2].cp, 0x5B57);
    put("\r\x1b[9C\xe6\xbc\xa2"); /* at the last column: wraps first */
    CHECK_STR_EQ(row(1), "?#        ");
    /* Overwriting either half blanks the other. */
    put("\r\x1b[1Aa\x1b[2Cb");
    CHECK_STR_EQ(row(0), "a  b.txt  ");

    /* EL, ED, CUP, cursor movement, clamped at the edges. */
    reset(true);
    put("abcdefghij\nklmnopqrst\nuvwxyz");
    put("\x1b[1;3H\x1b[K");
    CHECK_STR_EQ(row(0), "ab        ");
    put("\x1b[2;5H\x1b[1K");
    CHECK_STR_EQ(row(1), "     pqrst");
    put("\x1b[2K");
    CHECK_STR_EQ(row(1), "          ");
    put("\x1b[99;99H");
    CHECK_EQ(t.x, COLS - 1);
    CHECK_EQ(t.y, ROWS - 1);
    put("\x1b[2A\x1b[3D");
    CHECK_EQ(t.y, 1);
    CHECK_EQ(t.x, 6);
    put("\x1b[5G");
    CHECK_EQ(t.x, 4);
    put("\x1b[2J");
    for (unsigned r = 0; r < ROWS; r++)
        CHECK_STR_EQ(row(r), "          ");

    /* SGR colours, bold as bright, inverse, reset; ignored colours when off. */
    reset(true);
    put("\x1b[31;44mR\x1b[1mB\x1b[0mN\x1b[7mI\x1b[27;92mG");
    CHECK_EQ(vt_row(&t, 0)[0].fg, VT_RED);
    CHECK_EQ(vt_row(&t, 0)[0].bg, VT_BLUE);
    CHECK_EQ(vt_row(&t, 0)[1].fg, VT_RED + VT_BRIGHT);
    CHECK_EQ(vt_row(&t, 0)[2].fg, VT_DEFAULT_FG);
    CHECK_EQ(vt_row(&t, 0)[2].bg, VT_DEFAULT_BG);
    CHECK(vt_row(&t, 0)[3].flags & VT_CELL_INVERSE);
    CHECK_EQ(vt_row(&t, 0)[4].fg, VT_GREEN + VT_BRIGHT);
    CHECK(!(vt_row(&t, 0)[4].flags & VT_CELL_INVERSE));
    reset(false);
    put("\x1b[31;44mR\x1b[7mI");
    CHECK_EQ(vt_row(&t, 0)[0].fg, VT_DEFAULT_FG);
    CHECK_EQ(vt_row(&t, 0)[0].bg, VT_DEFAULT_BG);
    CHECK(vt_row(&t, 0)[1].flags & VT_CELL_INVERSE);

    /* Sequences and UTF-8 split across writes; unknown sequences vanish. */
    reset(true);
    put("\x1b");
    put("[3");
    put("1mA\xe6");
    put("\xbc");
    put("\xa2");
    CHECK_EQ(vt_row(&t, 0)[0].fg, VT_RED);
    CHECK_EQ(vt_row(&t, 0)[1].cp, 0x6F22);
    reset(true);
    put("\x1b[?1049h\x1b[>4;2m\x1b(Bok\x1b[38;5;196mX");
    CHECK_STR_EQ(row(0), "okX       ");
    put("\x1b[?25l");
    CHECK(!t.cursor_visible);
    put("\x1b[?25h");
    CHECK(t.cursor_visible);
    /* Too many parameters: the sequence is dropped, not misread. */
    put("\x1b[1;2;3;4;5;6;7;8;9;10;31mZ");
    CHECK_EQ(vt_row(&t, 0)[3].fg, VT_DEFAULT_FG);
    CHECK_EQ(vt_row(&t, 0)[3].cp, 'Z');

    /* Malformed UTF-8: overlong, surrogate, truncated, stray continuation. */
    reset(true);
    put("\xc0\xaf|\xed\xa0\x80|\xe6\xbc|\x80");
    CHECK_EQ(vt_row(&t, 0)[0].cp, 0xFFFD);
    CHECK_EQ(vt_row(&t, 0)[1].cp, '|');
    CHECK_EQ(vt_row(&t, 0)[2].cp, 0xFFFD);
    CHECK_EQ(vt_row(&t, 0)[3].cp, '|');
    CHECK_EQ(vt_row(&t, 0)[4].cp, 0xFFFD); /* truncated: the '|' that ended it follows */
    CHECK_EQ(vt_row(&t, 0)[5].cp, '|');
    CHECK_EQ(vt_row(&t, 0)[6].cp, 0xFFFD);

    /* Save and restore the cursor; reset attributes drops a half sequence. */
    reset(true);
    put("ab\x1b" "7\ncd\x1b" "8X");
    CHECK_STR_EQ(row(0), "abX       ");
    put("\x1b[3");
    vt_reset_attributes(&t);
    put("1mQ");
    CHECK_STR_EQ(row(0), "abX1mQ    ");

    test_skip();
    return check_exit();
}
