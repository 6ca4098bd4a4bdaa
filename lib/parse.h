/*
 * lib/parse.h - strict number parsing for shell arguments and boot options.
 * The whole string must be a number: trailing junk, empty strings and
 * overflow are errors (-EINVAL, -ERANGE), never a silent 0.
 */
#ifndef NVOS_LIB_PARSE_H
#define NVOS_LIB_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* Decimal, or hex with a 0x prefix. */
int parse_u64(const char *s, uint64_t *out);
int parse_u32(const char *s, uint32_t *out);
/* Like parse_u64, with an optional binary suffix: k/K (2^10), m/M, g/G, t/T. */
int parse_size(const char *s, uint64_t *out);
/* 1/0, on/off, yes/no, true/false. */
int parse_bool(const char *s, bool *out);

#endif
