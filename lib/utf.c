/*
 * lib/utf.c - UTF-8/UTF-16/CP850 conversion and simple case folding (see
 * utf.h). UTF-8 and UTF-16 follow The Unicode Standard 15.0 §3.9 (D92, D91);
 * the folding table is CaseFolding.txt's C and S entries for the blocks named
 * in utf.h, checked against Python's str.casefold() by tests/host/fat.
 */
#include "lib/utf.h"

#include "lib/errno.h"

size_t utf8_encode(uint32_t cp, char out[UTF8_MAX_BYTES])
{
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = UTF_REPLACEMENT;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const uint8_t *p = (const uint8_t *)s;
    uint32_t c = p[0], min;
    size_t n;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        c &= 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        c &= 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        goto bad;
    }
    if (len < n)
        goto bad;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            goto bad;
        c = c << 6 | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        goto bad;
    *cp = c;
    return n;
bad:
    *cp = UTF_REPLACEMENT;
    return 1;
}

int utf16_to_utf8(const uint16_t *units, size_t n, char *out, size_t size)
{
    size_t len = 0;
    int rc = 0;

    if (size == 0)
        return -ENAMETOOLONG;
    for (size_t i = 0; i < n && units[i]; i++) {
        uint32_t cp = units[i];
        char enc[UTF8_MAX_BYTES];
        size_t k;

        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n && units[i + 1] >= 0xDC00 &&
            units[i + 1] <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (units[i + 1] - 0xDC00u);
            i++;
        }
        k = utf8_encode(cp, enc); /* a lone surrogate comes out as U+FFFD */
        if (len + k >= size) {
            rc = -ENAMETOOLONG;
            break;
        }
        for (size_t j = 0; j < k; j++)
            out[len++] = enc[j];
    }
    out[len] = '\0';
    return rc ? rc : (int)len;
}

/* Code page 850, bytes 0x80..0xFF (IBM CPGID 00850; Python's "cp850" codec). */
static const uint16_t cp850_high[128] = {
    0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7,
    0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee, 0x00ec, 0x00c4, 0x00c5,
    0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9,
    0x00ff, 0x00d6, 0x00dc, 0x00f8, 0x00a3, 0x00d8, 0x00d7, 0x0192,
    0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa, 0x00ba,
    0x00bf, 0x00ae, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00c1, 0x00c2, 0x00c0,
    0x00a9, 0x2563, 0x2551, 0x2557, 0x255d, 0x00a2, 0x00a5, 0x2510,
    0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x00e3, 0x00c3,
    0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0x00a4,
    0x00f0, 0x00d0, 0x00ca, 0x00cb, 0x00c8, 0x0131, 0x00cd, 0x00ce,
    0x00cf, 0x2518, 0x250c, 0x2588, 0x2584, 0x00a6, 0x00cc, 0x2580,
    0x00d3, 0x00df, 0x00d4, 0x00d2, 0x00f5, 0x00d5, 0x00b5, 0x00fe,
    0x00de, 0x00da, 0x00db, 0x00d9, 0x00fd, 0x00dd, 0x00af, 0x00b4,
    0x00ad, 0x00b1, 0x2017, 0x00be, 0x00b6, 0x00a7, 0x00f7, 0x00b8,
    0x00b0, 0x00a8, 0x00b7, 0x00b9, 0x00b3, 0x00b2, 0x25a0, 0x00a0,
};

uint32_t cp850_to_unicode(uint8_t b)
{
    return b < 0x80 ? b : cp850_high[b - 0x80];
}

/* Upper case at even code points, lower case at the next odd one. */
static uint32_t fold_pair_even(uint32_t c)
{
    return c | 1;
}

/* Upper case at odd code points, lower case at the next even one. */
static uint32_t fold_pair_odd(uint32_t c)
{
    return (c & 1) ? c + 1 : c;
}

static uint32_t fold_latin(uint32_t c)
{
    if (c < 0x100) {
        if (c == 0xB5)
            return 0x3BC; /* MICRO SIGN -> GREEK SMALL LETTER MU */
        if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
            return c + 0x20;
        return c;
    }
    /* Latin Extended-A, U+0100..U+017F. */
    switch (c) {
    case 0x130: /* İ: only a full (i + combining dot) and a Turkic folding */
    case 0x131: /* ı, ĸ and ŉ are lower case */
    case 0x138:
    case 0x149:
        return c;
    case 0x178:
        return 0xFF; /* Ÿ -> ÿ */
    case 0x17F:
        return 's';  /* long s */
    }
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return fold_pair_odd(c);
    return fold_pair_even(c);
}

static uint32_t fold_greek(uint32_t c)
{
    switch (c) {
    case 0x37F: return 0x3F3;
    case 0x386: return 0x3AC;
    case 0x38C: return 0x3CC;
    case 0x38E: return 0x3CD;
    case 0x38F: return 0x3CE;
    case 0x3C2: return 0x3C3; /* final sigma */
    case 0x3CF: return 0x3D7;
    case 0x3D0: return 0x3B2;
    case 0x3D1: return 0x3B8;
    case 0x3D5: return 0x3C6;
    case 0x3D6: return 0x3C0;
    case 0x3F0: return 0x3BA;
    case 0x3F1: return 0x3C1;
    case 0x3F4: return 0x3B8;
    case 0x3F5: return 0x3B5;
    case 0x3F7: return 0x3F8;
    case 0x3F9: return 0x3F2;
    case 0x3FA: return 0x3FB;
    }
    if (c == 0x370 || c == 0x372 || c == 0x376 || (c >= 0x3D8 && c <= 0x3EF))
        return fold_pair_even(c);
    if (c >= 0x388 && c <= 0x38A)
        return c + 37;
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
        return c + 0x20;
    if (c >= 0x3FD && c <= 0x3FF)
        return c - 130; /* Ͻ Ͼ Ͽ -> ͻ ͼ ͽ */
    return c;
}

static uint32_t fold_cyrillic(uint32_t c)
{
    if (c <= 0x40F)
        return c + 0x50;
    if (c <= 0x42F)
        return c + 0x20;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || c >= 0x4D0)
        return fold_pair_even(c);
    if (c == 0x4C0)
        return 0x4CF;
    if (c >= 0x4C1 && c <= 0x4CE)
        return fold_pair_odd(c);
    return c;
}

uint32_t utf_fold(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'A' && c <= 'Z') ? c + 0x20 : c;
    if (c < 0x180)
        return fold_latin(c);
    if (c >= 0x370 && c < 0x400)
        return fold_greek(c);
    if (c >= 0x400 && c < 0x500)
        return fold_cyrillic(c);
    return c;
}

bool utf8_equal_fold(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i = 0, j = 0;

    while (i < alen && j < blen) {
        uint32_t ca, cb;
        i += utf8_decode(a + i, alen - i, &ca);
        j += utf8_decode(b + j, blen - j, &cb);
        if (utf_fold(ca) != utf_fold(cb))
            return false;
    }
    return i == alen && j == blen;
}
