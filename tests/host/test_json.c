/*
 * Host test: lib/json.c - the three layouts byte for byte (json-c's PRETTY as
 * nvme-cli 2.3 prints it, fio's, compact), string escapes, fixed-size fields
 * and the 128-bit decimal conversion. The expected texts are what json-c
 * 0.16 (Debian 12's nvme-cli) and fio 3.33 print for the same document;
 * tests/qemu/test_nvmecli.py checks the nvme-cli layout against the real
 * tool as well.
 */
#include "lib/json.h"
#include "tests/host/check.h"

struct buf {
    char s[2048];
    size_t n;
};

static void sink(void *ctx, const char *s, size_t n)
{
    struct buf *b = ctx;
    if (b->n + n < sizeof(b->s)) {
        memcpy(b->s + b->n, s, n);
        b->n += n;
        b->s[b->n] = '\0';
    }
}

/* {"a":1,"s":"x","list":[{"k":-2}],"empty":[],"o":{"t":true}} */
static const char *doc(enum json_style style, struct buf *b)
{
    struct json_writer w;
    memset(b, 0, sizeof(*b));
    json_init(&w, style, sink, b);
    json_object_begin(&w, NULL);
    json_u64(&w, "a", 1);
    json_str(&w, "s", "x");
    json_array_begin(&w, "list");
    json_object_begin(&w, NULL);
    json_i64(&w, "k", -2);
    json_object_end(&w);
    json_array_end(&w);
    json_array_begin(&w, "empty");
    json_array_end(&w);
    json_object_begin(&w, "o");
    json_bool(&w, "t", true);
    json_object_end(&w);
    json_object_end(&w);
    return b->s;
}

int main(void)
{
    struct buf b;
    CHECK_STR_EQ(doc(JSON_COMPACT, &b),
                 "{\"a\":1,\"s\":\"x\",\"list\":[{\"k\":-2}],\"empty\":[],\"o\":{\"t\":true}}");
    CHECK_STR_EQ(doc(JSON_JSONC, &b),
                 "{\n"
                 "  \"a\":1,\n"
                 "  \"s\":\"x\",\n"
                 "  \"list\":[\n"
                 "    {\n"
                 "      \"k\":-2\n"
                 "    }\n"
                 "  ],\n"
                 "  \"empty\":[\n"
                 "  ],\n"
                 "  \"o\":{\n"
                 "    \"t\":true\n"
                 "  }\n"
                 "}");
    CHECK_STR_EQ(doc(JSON_FIO, &b),
                 "{\n"
                 "  \"a\" : 1,\n"
                 "  \"s\" : \"x\",\n"
                 "  \"list\" : [\n"
                 "    {\n"
                 "      \"k\" : -2\n"
                 "    }\n"
                 "  ],\n"
                 "  \"empty\" : [\n"
                 "\n"
                 "  ],\n"
                 "  \"o\" : {\n"
                 "    \"t\" : true\n"
                 "  }\n"
                 "}");

    /* Escapes; '/' stays; bytes >= 0x7f as \u00XX; fixed fields stop at n or NUL. */
    struct json_writer w;
    memset(&b, 0, sizeof(b));
    json_init(&w, JSON_COMPACT, sink, &b);
    json_array_begin(&w, NULL);
    json_str(&w, NULL, "q\"b\\/\n\t\x01\x7f\xc3");
    json_strn(&w, NULL, "nvos0   XYZ", 8);
    json_strn(&w, NULL, "ab\0cd", 5);
    json_raw(&w, NULL, "12.500");
    json_u64(&w, NULL, UINT64_MAX);
    json_i64(&w, NULL, INT64_MIN);
    json_array_end(&w);
    CHECK_STR_EQ(b.s, "[\"q\\\"b\\\\/\\n\\t\\u0001\\u007f\\u00c3\",\"nvos0   \",\"ab\","
                      "12.500,18446744073709551615,-9223372036854775808]");

    /* Closing more than was opened is ignored; deep nesting still balances. */
    memset(&b, 0, sizeof(b));
    json_init(&w, JSON_COMPACT, sink, &b);
    for (int i = 0; i < JSON_MAX_DEPTH + 3; i++)
        json_array_begin(&w, NULL);
    for (int i = 0; i < JSON_MAX_DEPTH + 5; i++)
        json_array_end(&w);
    CHECK_EQ(strlen(b.s), 2 * (JSON_MAX_DEPTH + 3));

    char dec[40];
    uint8_t le[16] = { 0 };
    json_u128_le_to_dec(le, dec);
    CHECK_STR_EQ(dec, "0");
    le[0] = 0x39; le[1] = 0x30; /* 12345 */
    json_u128_le_to_dec(le, dec);
    CHECK_STR_EQ(dec, "12345");
    memset(le, 0xff, sizeof(le));
    json_u128_le_to_dec(le, dec);
    CHECK_STR_EQ(dec, "340282366920938463463374607431768211455");
    memset(le, 0, sizeof(le));
    le[8] = 1; /* 2^64 */
    json_u128_le_to_dec(le, dec);
    CHECK_STR_EQ(dec, "18446744073709551616");
    return check_exit();
}
