/*
 * Host test: lib/crc32.c - published check values, chaining, and the table
 * against a bit-at-a-time computation of the same reflected polynomial.
 */
#include "lib/crc32.h"
#include "tests/host/check.h"

static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;

    while (n--) {
        crc ^= *p++;
        for (int i = 0; i < 8; i++)
            crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    }
    return ~crc;
}

int main(void)
{
    static uint8_t buf[4096];
    uint8_t zeros[32] = { 0 }, ones[32];
    uint32_t x = 12345;

    memset(ones, 0xFF, sizeof(ones));
    CHECK_EQ(crc32_ieee(0, "", 0), 0);
    CHECK_EQ(crc32_ieee(0, NULL, 0), 0);
    CHECK_EQ(crc32_ieee(0, "123456789", 9), 0xCBF43926u); /* the CRC-32 "check" value */
    CHECK_EQ(crc32_ieee(0, "The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
    CHECK_EQ(crc32_ieee(0, zeros, 32), 0x190A55ADu);
    CHECK_EQ(crc32_ieee(0, ones, 32), 0xFF6CAB0Bu);

    for (size_t i = 0; i < sizeof(buf); i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    /* Every byte value goes through the table; chaining equals one pass. */
    for (int b = 0; b < 256; b++) {
        uint8_t c = (uint8_t)b;
        CHECK_EQ(crc32_ieee(0, &c, 1), crc32_bitwise(&c, 1));
    }
    CHECK_EQ(crc32_ieee(0, buf, sizeof(buf)), crc32_bitwise(buf, sizeof(buf)));
    for (size_t split = 0; split <= sizeof(buf); split += 511)
        CHECK_EQ(crc32_ieee(crc32_ieee(0, buf, split), buf + split, sizeof(buf) - split),
                 crc32_bitwise(buf, sizeof(buf)));
    return check_exit();
}
