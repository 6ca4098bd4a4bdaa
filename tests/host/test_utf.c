/*
 * Host test: lib/utf.c - UTF-8 encode/decode edge cases, UTF-16 to UTF-8
 * (surrogate pairs, lone surrogates, truncation), code page 850 and caseless
 * comparison. The complete folding table is compared with Python's
 * str.casefold() by tests/host/fat (fold_table).
 */
#include "lib/errno.h"
#include "lib/utf.h"
#include "tests/host/check.h"

static int conv(const uint16_t *u, size_t n, char *out, size_t size)
{
    return utf16_to_utf8(u, n, out, size);
}

static uint32_t dec(const char *s, size_t *used)
{
    uint32_t cp;

    *used = utf8_decode(s, strlen(s), &cp);
    return cp;
}

int main(void)
{
    char out[64], enc[4];
    size_t used;

    CHECK_EQ(utf8_encode('A', enc), 1);
    CHECK_EQ(utf8_encode(0xE9, enc), 2);
    CHECK(memcmp(enc, "\xC3\xA9", 2) == 0);
    CHECK_EQ(utf8_encode(0x20AC, enc), 3);
    CHECK(memcmp(enc, "\xE2\x82\xAC", 3) == 0);
    CHECK_EQ(utf8_encode(0x1F600, enc), 4);
    CHECK(memcmp(enc, "\xF0\x9F\x98\x80", 4) == 0);
    CHECK_EQ(utf8_encode(0xD800, enc), 3); /* surrogates are not scalar values */
    CHECK(memcmp(enc, "\xEF\xBF\xBD", 3) == 0);
    CHECK_EQ(utf8_encode(0x110000, enc), 3);

    CHECK_EQ(dec("\xC3\xA9", &used), 0xE9);
    CHECK_EQ(used, 2);
    CHECK_EQ(dec("\xF0\x9F\x98\x80", &used), 0x1F600);
    CHECK_EQ(used, 4);
    CHECK_EQ(dec("\xC0\xAF", &used), UTF_REPLACEMENT); /* overlong '/' */
    CHECK_EQ(used, 1);
    CHECK_EQ(dec("\xE0\x80\xAF", &used), UTF_REPLACEMENT);
    CHECK_EQ(dec("\xED\xA0\x80", &used), UTF_REPLACEMENT); /* encoded surrogate */
    CHECK_EQ(dec("\xF4\x90\x80\x80", &used), UTF_REPLACEMENT); /* > U+10FFFF */
    CHECK_EQ(dec("\xE2\x82", &used), UTF_REPLACEMENT);         /* truncated */
    CHECK_EQ(used, 1);
    CHECK_EQ(dec("\x80", &used), UTF_REPLACEMENT);
    CHECK_EQ(dec("\xC3" "A", &used), UTF_REPLACEMENT); /* no continuation byte */
    CHECK_EQ(used, 1);

    /* "Ünï" + U+1F600 + "x", then a 0 unit ends the string. */
    const uint16_t name[] = { 0xDC, 'n', 0xEF, 0xD83D, 0xDE00, 'x', 0, 'y' };
    CHECK_EQ(conv(name, 8, out, sizeof(out)), 10);
    CHECK_STR_EQ(out, "\xC3\x9Cn\xC3\xAF\xF0\x9F\x98\x80x");
    /* Lone surrogates, high at the end and low alone. */
    const uint16_t lone[] = { 'a', 0xDE00, 'b', 0xD83D };
    CHECK_EQ(conv(lone, 4, out, sizeof(out)), 8);
    CHECK_STR_EQ(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
    /* A high surrogate followed by a non-surrogate is two characters. */
    const uint16_t hi_then_a[] = { 0xD83D, 'a' };
    CHECK_EQ(conv(hi_then_a, 2, out, sizeof(out)), 4);
    /* Too small: whole characters only, still terminated. */
    CHECK_EQ(conv(name, 8, out, 5), -ENAMETOOLONG);
    CHECK_STR_EQ(out, "\xC3\x9Cn");
    CHECK_EQ(conv(name, 8, out, 0), -ENAMETOOLONG);
    CHECK_EQ(conv(name, 0, out, 1), 0);
    CHECK_STR_EQ(out, "");
    /* CJK: 3 bytes per unit, the worst case for BMP text. */
    const uint16_t cjk[] = { 0x65E5, 0x672C };
    CHECK_EQ(conv(cjk, 2, out, 7), 6);
    CHECK_STR_EQ(out, "\xE6\x97\xA5\xE6\x9C\xAC");
    CHECK_EQ(conv(cjk, 2, out, 6), -ENAMETOOLONG);

    CHECK_EQ(cp850_to_unicode('A'), 'A');
    CHECK_EQ(cp850_to_unicode(0x9A), 0xDC); /* Ü */
    CHECK_EQ(cp850_to_unicode(0xD8), 0xCF); /* Ï (CP437 has a box drawing there) */
    CHECK_EQ(cp850_to_unicode(0xE5), 0xD5); /* Õ: the byte a 0x05 lead stands for */
    CHECK_EQ(cp850_to_unicode(0xFF), 0xA0);

    CHECK_EQ(utf_fold('A'), 'a');
    CHECK_EQ(utf_fold('['), '[');
    CHECK_EQ(utf_fold(0xC9), 0xE9);   /* É */
    CHECK_EQ(utf_fold(0xD7), 0xD7);   /* × */
    CHECK_EQ(utf_fold(0xDF), 0xDF);   /* ß has only a full folding */
    CHECK_EQ(utf_fold(0x178), 0xFF);  /* Ÿ */
    CHECK_EQ(utf_fold(0x141), 0x142); /* Ł */
    CHECK_EQ(utf_fold(0x3A3), 0x3C3); /* Σ */
    CHECK_EQ(utf_fold(0x3C2), 0x3C3); /* ς */
    CHECK_EQ(utf_fold(0x401), 0x451); /* Ё */
    CHECK_EQ(utf_fold(0x416), 0x436); /* Ж */
    CHECK_EQ(utf_fold(0x1E9E), 0x1E9E); /* outside the folded blocks */

    const char *a = "\xC3\x9Cn\xC3\xAF" "c\xC3\xB6" "d\xC3\xA9 Fa\xC3\xA7" "ade.TXT";
    const char *b = "\xC3\xBCN\xC3\x8F" "C\xC3\x96" "D\xC3\x89 fA\xC3\x87" "ADE.txt";
    CHECK(utf8_equal_fold(a, strlen(a), b, strlen(b)));
    CHECK(!utf8_equal_fold(a, strlen(a), b, strlen(b) - 1));
    CHECK(!utf8_equal_fold("abc", 3, "abd", 3));
    CHECK(utf8_equal_fold("", 0, "", 0));
    const char *g1 = "\xCE\xA3\xCE\xBF\xCF\x86\xCE\xAF\xCE\xB1"; /* Σοφία */
    const char *g2 = "\xCF\x83\xCE\x9F\xCE\xA6\xCE\xAF\xCE\x91"; /* σΟΦίΑ */
    CHECK(utf8_equal_fold(g1, strlen(g1), g2, strlen(g2)));
    return check_exit();
}
