/*
 * lib/json.c - the streaming JSON writer (lib/json.h). The three layouts
 * differ only in what goes between items and around container ends:
 *
 *             item separator          after '{' / '['     before '}' / ']'
 *   COMPACT   ","                     -                   -
 *   JSONC     object: ",\n" + indent  array: "\n"         "\n" + indent if the container
 *             array:  ",\n" + indent                      has items, else indent only
 *             (first object item "\n" + indent)
 *   FIO       ",\n" + indent          "\n"                "\n" + indent
 */
#include "lib/json.h"

#include <string.h>

static void put(struct json_writer *w, const char *s, size_t n)
{
    if (n > 0)
        w->sink(w->ctx, s, n);
}

static void puts_(struct json_writer *w, const char *s)
{
    put(w, s, strlen(s));
}

static void indent(struct json_writer *w, unsigned level)
{
    for (unsigned i = 0; i < level; i++)
        put(w, "  ", 2);
}

void json_init(struct json_writer *w, enum json_style style, fmt_sink_fn sink, void *ctx)
{
    memset(w, 0, sizeof(*w));
    w->sink = sink;
    w->ctx = ctx;
    w->style = style;
}

static void put_string(struct json_writer *w, const char *s, size_t n)
{
    put(w, "\"", 1);
    size_t run = 0; /* bytes that need no escape, written in one piece */
    for (size_t i = 0; i < n && s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char hex[7];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20 || c >= 0x7f) {
                ksnprintf(hex, sizeof(hex), "\\u%04x", c);
                esc = hex;
            }
        }
        if (esc == NULL) {
            run++;
            continue;
        }
        put(w, s + i - run, run);
        run = 0;
        puts_(w, esc);
    }
    /* the unescaped tail ends where the loop stopped */
    size_t end = 0;
    while (end < n && s[end] != '\0')
        end++;
    put(w, s + end - run, run);
    put(w, "\"", 1);
}

/* Separator and key before a value at the current level. */
static void item(struct json_writer *w, const char *key)
{
    unsigned d = w->depth;
    if (d > 0 && d <= JSON_MAX_DEPTH) {
        bool has = w->has_items[d];
        switch (w->style) {
        case JSON_COMPACT:
            if (has)
                put(w, ",", 1);
            break;
        case JSON_JSONC:
            if (has)
                put(w, ",", 1);
            if (has || !w->is_array[d])
                put(w, "\n", 1);
            indent(w, d);
            break;
        case JSON_FIO:
            if (has)
                put(w, ",\n", 2);
            indent(w, d);
            break;
        }
        w->has_items[d] = true;
    }
    if (key != NULL) {
        put_string(w, key, strlen(key));
        puts_(w, w->style == JSON_FIO ? " : " : ":");
    }
}

static void container_open(struct json_writer *w, const char *key, bool array)
{
    item(w, key);
    put(w, array ? "[" : "{", 1);
    if (w->style == JSON_FIO || (w->style == JSON_JSONC && array))
        put(w, "\n", 1);
    w->depth++;
    if (w->depth <= JSON_MAX_DEPTH) {
        w->has_items[w->depth] = false;
        w->is_array[w->depth] = array;
    }
}

static void container_close(struct json_writer *w, bool array)
{
    if (w->depth == 0)
        return;
    unsigned d = w->depth;
    bool has = d <= JSON_MAX_DEPTH && w->has_items[d];
    if (w->style == JSON_FIO || (w->style == JSON_JSONC && has))
        put(w, "\n", 1);
    if (w->style != JSON_COMPACT)
        indent(w, d - 1);
    put(w, array ? "]" : "}", 1);
    w->depth--;
}

void json_object_begin(struct json_writer *w, const char *key) { container_open(w, key, false); }
void json_object_end(struct json_writer *w) { container_close(w, false); }
void json_array_begin(struct json_writer *w, const char *key) { container_open(w, key, true); }
void json_array_end(struct json_writer *w) { container_close(w, true); }

void json_raw(struct json_writer *w, const char *key, const char *literal)
{
    item(w, key);
    puts_(w, literal);
}

void json_u64(struct json_writer *w, const char *key, uint64_t v)
{
    char buf[24];
    ksnprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
    json_raw(w, key, buf);
}

void json_i64(struct json_writer *w, const char *key, int64_t v)
{
    char buf[24];
    ksnprintf(buf, sizeof(buf), "%lld", (long long)v);
    json_raw(w, key, buf);
}

void json_bool(struct json_writer *w, const char *key, bool v)
{
    json_raw(w, key, v ? "true" : "false");
}

void json_strn(struct json_writer *w, const char *key, const char *s, size_t n)
{
    item(w, key);
    put_string(w, s, n);
}

void json_str(struct json_writer *w, const char *key, const char *s)
{
    json_strn(w, key, s, strlen(s));
}

void json_u128_le_to_dec(const uint8_t le[16], char buf[40])
{
    /* Long division of four 32-bit limbs by 10: no 128-bit arithmetic. */
    uint32_t limb[4];
    for (int i = 0; i < 4; i++)
        limb[i] = (uint32_t)le[4 * i] | (uint32_t)le[4 * i + 1] << 8 |
                  (uint32_t)le[4 * i + 2] << 16 | (uint32_t)le[4 * i + 3] << 24;
    char digits[40];
    int n = 0;
    do {
        uint64_t rem = 0;
        for (int i = 3; i >= 0; i--) {
            uint64_t cur = (rem << 32) | limb[i];
            limb[i] = (uint32_t)(cur / 10);
            rem = cur % 10;
        }
        digits[n++] = (char)('0' + rem);
    } while ((limb[0] | limb[1] | limb[2] | limb[3]) != 0 && n < 39);
    for (int i = 0; i < n; i++)
        buf[i] = digits[n - 1 - i];
    buf[n] = '\0';
}
