/*
 * Host test: lib/font.c and the table tools/mkfont.py generates - every
 * glyph of the Basic Multilingual Plane in unifont.hex (the file given as
 * argument) is found with its exact bitmap and width, code points Unifont
 * leaves out are not found, and those and everything above U+FFFF draw as
 * U+FFFD.
 */
#include "lib/font.h"
#include "tests/host/check.h"

static int hexval(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_font UNIFONT.hex\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    static uint8_t covered[0x10000];
    char line[256];
    unsigned glyphs = 0, wide = 0, mismatches = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned cp;
        char bits[128];
        if (sscanf(line, "%x:%127s", &cp, bits) != 2 || cp > 0xFFFF)
            continue;
        size_t n = strlen(bits);
        struct font_glyph g;
        covered[cp] = 1;
        glyphs++;
        if (!font_lookup(cp, &g)) {
            CHECK(!"glyph missing from the table");
            continue;
        }
        CHECK_EQ(g.cells, n == 64 ? 2 : 1);
        wide += g.cells == 2;
        for (size_t i = 0; i + 1 < n; i += 2)
            if (g.bits[i / 2] != (uint8_t)(hexval(bits[i]) << 4 | hexval(bits[i + 1])))
                mismatches++;
    }
    fclose(f);
    CHECK_EQ(mismatches, 0);
    CHECK(glyphs > 50000);
    CHECK(wide > 20000);

    struct font_glyph fffd, g;
    CHECK(font_lookup(0xFFFD, &fffd));
    for (uint32_t cp = 0; cp <= 0xFFFF; cp++) {
        if (covered[cp])
            continue;
        CHECK(!font_lookup(cp, &g));
        CHECK(font_glyph(cp).bits == fffd.bits);
    }
    CHECK(!font_lookup(0x1F600, &g));
    CHECK(font_glyph(0x1F600).bits == fffd.bits);
    /* The two characters issue 10 names: wide, from the CJK block. */
    CHECK_EQ(font_glyph(0x6F22).cells, 2);
    CHECK_EQ(font_glyph(0x5B57).cells, 2);
    CHECK_EQ(font_glyph('A').cells, 1);
    return check_exit();
}
