/*
 * lib/json.h - a streaming JSON writer (RFC 8259) that reproduces the exact
 * layout of the tools whose output nvos imitates, so their users' parsers and
 * diffs see the same text:
 *
 *   JSON_COMPACT  one line, no spaces:        {"a":1,"b":[2,3]}
 *   JSON_JSONC    json-c's PRETTY layout (nvme-cli 2.x -o json): two-space
 *                 indent, "key":value, an array always opens with a newline,
 *                 so an empty one prints as "[\n<indent>]"
 *   JSON_FIO      fio's own layout (--output-format=json/json+): two-space
 *                 indent, "key" : value, empty containers as {} and []
 *
 * Strings escape '"', '\\' and control characters (\b \f \n \r \t, others
 * \u00XX); bytes >= 0x7f are escaped as \u00XX too, so device strings that
 * are not ASCII stay valid JSON. '/' is not escaped (json-c with
 * NOSLASHESCAPE, as nvme-cli prints device paths).
 *
 * Pure: output goes to a sink (lib/printf.h), nothing is allocated; nesting
 * deeper than JSON_MAX_DEPTH is a caller bug and is ignored (closed levels
 * still balance).
 */
#ifndef NVOS_LIB_JSON_H
#define NVOS_LIB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/printf.h"

enum json_style { JSON_COMPACT, JSON_JSONC, JSON_FIO };

#define JSON_MAX_DEPTH 16

struct json_writer {
    fmt_sink_fn sink;
    void *ctx;
    enum json_style style;
    unsigned depth;                      /* open containers */
    bool has_items[JSON_MAX_DEPTH + 1];  /* per level: an item was written */
    bool is_array[JSON_MAX_DEPTH + 1];
};

void json_init(struct json_writer *w, enum json_style style, fmt_sink_fn sink, void *ctx);

/* key is the member name inside an object; NULL inside an array or at the top. */
void json_object_begin(struct json_writer *w, const char *key);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w, const char *key);
void json_array_end(struct json_writer *w);

void json_u64(struct json_writer *w, const char *key, uint64_t v);
void json_i64(struct json_writer *w, const char *key, int64_t v);
void json_bool(struct json_writer *w, const char *key, bool v);
void json_str(struct json_writer *w, const char *key, const char *s);
/* At most n bytes of s, stopping at a NUL (fixed-size, space-padded fields). */
void json_strn(struct json_writer *w, const char *key, const char *s, size_t n);
/* A number already formatted (e.g. "12.345"); written as is. */
void json_raw(struct json_writer *w, const char *key, const char *literal);

/* Decimal text of a 128-bit little-endian unsigned integer (SMART counters):
 * at most 39 digits and a NUL, so buf needs 40 bytes. */
void json_u128_le_to_dec(const uint8_t le[16], char buf[40]);

#endif
