/*
 * Host test: lib/sha256.c - the FIPS 180-2 Appendix B / NIST CAVP example
 * messages (empty, "abc", the 448- and 896-bit messages, one million 'a'),
 * streaming in every split position around the padding boundaries, and the
 * hex helper. Random data against Python's hashlib: tests/host/fat
 * (hash_random).
 */
#include "lib/sha256.h"
#include "tests/host/check.h"

static const char *hex_of(const void *data, size_t len, char out[SHA256_HEX_SIZE])
{
    uint8_t d[SHA256_DIGEST_SIZE];

    sha256(data, len, d);
    return sha256_hex(d, out);
}

int main(void)
{
    char hex[SHA256_HEX_SIZE], hex2[SHA256_HEX_SIZE];
    struct sha256_ctx ctx;
    uint8_t d[SHA256_DIGEST_SIZE];
    static uint8_t msg[300];

    CHECK_STR_EQ(hex_of("", 0, hex),
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_STR_EQ(hex_of(NULL, 0, hex),
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_STR_EQ(hex_of("abc", 3, hex),
                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK_STR_EQ(hex_of(m448, strlen(m448), hex),
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    CHECK_STR_EQ(hex_of(m896, strlen(m896), hex),
                 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

    /* One million 'a', fed in uneven pieces. */
    char a[1000];
    memset(a, 'a', sizeof(a));
    sha256_init(&ctx);
    size_t left = 1000000, piece = 1;
    while (left) {
        size_t n = piece < left ? piece : left;
        sha256_update(&ctx, a, n);
        left -= n;
        piece = piece % 900 + 13; /* stays below sizeof(a) */
    }
    sha256_final(&ctx, d);
    CHECK_STR_EQ(sha256_hex(d, hex),
                 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    /* Every length across the one- and two-block padding cases, every split. */
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    for (size_t len = 0; len <= 130; len++) {
        hex_of(msg, len, hex);
        for (size_t split = 0; split <= len; split += (len > 70 ? 9 : 1)) {
            sha256_init(&ctx);
            sha256_update(&ctx, msg, split);
            sha256_update(&ctx, msg + split, len - split);
            sha256_final(&ctx, d);
            CHECK_STR_EQ(sha256_hex(d, hex2), hex);
        }
    }
    return check_exit();
}
