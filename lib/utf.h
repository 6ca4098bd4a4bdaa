/*
 * lib/utf.h - the text conversions the disk parsers need: UTF-16 (GPT
 * partition names, FAT long names) and code page 850 (FAT short names) to
 * UTF-8, and caseless comparison of UTF-8 names.
 *
 * Malformed input never fails a conversion: an unpaired surrogate or an
 * invalid UTF-8 sequence becomes U+FFFD, so a damaged name still prints and
 * still compares equal to itself.
 */
#ifndef NVOS_LIB_UTF_H
#define NVOS_LIB_UTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTF_REPLACEMENT 0xFFFDu
#define UTF8_MAX_BYTES 4 /* per code point */

/* Writes cp (a scalar value; others become U+FFFD) as UTF-8; returns 1..4. */
size_t utf8_encode(uint32_t cp, char out[UTF8_MAX_BYTES]);

/*
 * Decodes the code point at s (len > 0 bytes available) into *cp and returns
 * the bytes it used. Overlong forms, surrogates, values above U+10FFFF and
 * truncated sequences give U+FFFD and use one byte.
 */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/*
 * Converts n UTF-16 code units (stopping early at a 0 unit) to NUL-terminated
 * UTF-8 in out[size]. Surrogate pairs combine; lone surrogates become U+FFFD.
 * Returns the length written, or -ENAMETOOLONG when it does not fit (out then
 * holds as many whole characters as fit). At most 3 bytes per unit are needed.
 */
int utf16_to_utf8(const uint16_t *units, size_t n, char *out, size_t size);

/* The Unicode character code page 850 (DOS Latin-1) byte b stands for. */
uint32_t cp850_to_unicode(uint8_t b);

/*
 * Simple case folding (Unicode CaseFolding.txt, statuses C and S) for ASCII,
 * Latin-1 Supplement, Latin Extended-A, Greek and Coptic (U+0370..U+03FF)
 * and Cyrillic (U+0400..U+04FF); every other code point folds to itself.
 * Mappings that are only "full" (ß -> ss, U+0130) are left alone, so a fold
 * is always one code point.
 */
uint32_t utf_fold(uint32_t cp);

/* True if UTF-8 strings a[alen] and b[blen] are equal after utf_fold. */
bool utf8_equal_fold(const char *a, size_t alen, const char *b, size_t blen);

#endif
