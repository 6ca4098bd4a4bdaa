/*
 * lib/parse.c - strict number parsing (see parse.h).
 */
#include "lib/parse.h"

#include <string.h>

#include "lib/errno.h"

static int digit_value(char c, unsigned base)
{
    int v;
    if (c >= '0' && c <= '9')
        v = c - '0';
    else if (c >= 'a' && c <= 'f')
        v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
        v = c - 'A' + 10;
    else
        return -1;
    return (unsigned)v < base ? v : -1;
}

/* Parses digits; *end gets the first non-digit. */
static int parse_digits(const char *s, uint64_t *out, const char **end)
{
    unsigned base = 10;
    uint64_t v = 0;

    if (s == NULL || *s == '\0')
        return -EINVAL;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (digit_value(*s, base) < 0)
        return -EINVAL;
    for (; digit_value(*s, base) >= 0; s++) {
        unsigned d = (unsigned)digit_value(*s, base);
        if (v > (UINT64_MAX - d) / base)
            return -ERANGE;
        v = v * base + d;
    }
    *out = v;
    *end = s;
    return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
    const char *end;
    uint64_t v;
    int err = parse_digits(s, &v, &end);
    if (err)
        return err;
    if (*end != '\0')
        return -EINVAL;
    *out = v;
    return 0;
}

int parse_u32(const char *s, uint32_t *out)
{
    uint64_t v;
    int err = parse_u64(s, &v);
    if (err)
        return err;
    if (v > UINT32_MAX)
        return -ERANGE;
    *out = (uint32_t)v;
    return 0;
}

int parse_size(const char *s, uint64_t *out)
{
    const char *end;
    uint64_t v;
    unsigned shift = 0;
    int err = parse_digits(s, &v, &end);
    if (err)
        return err;
    switch (*end) {
    case '\0':
        break;
    case 'k':
    case 'K':
        shift = 10;
        break;
    case 'm':
    case 'M':
        shift = 20;
        break;
    case 'g':
    case 'G':
        shift = 30;
        break;
    case 't':
    case 'T':
        shift = 40;
        break;
    default:
        return -EINVAL;
    }
    if (shift) {
        end++;
        if (*end == 'i' && end[1] == 'B') /* accept "KiB" */
            end += 2;
        else if (*end == 'B')
            end++;
    }
    if (*end != '\0')
        return -EINVAL;
    if (shift && v > (UINT64_MAX >> shift))
        return -ERANGE;
    *out = v << shift;
    return 0;
}

int parse_bool(const char *s, bool *out)
{
    static const char *yes[] = { "1", "on", "yes", "true" };
    static const char *no[] = { "0", "off", "no", "false" };
    if (s == NULL)
        return -EINVAL;
    for (unsigned i = 0; i < 4; i++) {
        if (strcmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}
