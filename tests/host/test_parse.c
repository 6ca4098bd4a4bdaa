/*
 * Host test: lib/parse.c - bases, suffixes, overflow and junk.
 */
#include "lib/errno.h"
#include "lib/parse.h"
#include "tests/host/check.h"

int main(void)
{
    uint64_t v;
    uint32_t w;
    bool b;

    CHECK_EQ(parse_u64("0", &v), 0);
    CHECK_EQ(v, 0);
    CHECK_EQ(parse_u64("12345", &v), 0);
    CHECK_EQ(v, 12345);
    CHECK_EQ(parse_u64("0x1b36", &v), 0);
    CHECK_EQ(v, 0x1b36);
    CHECK_EQ(parse_u64("0XfF", &v), 0);
    CHECK_EQ(v, 255);
    CHECK_EQ(parse_u64("18446744073709551615", &v), 0);
    CHECK(v == UINT64_MAX);
    CHECK_EQ(parse_u64("18446744073709551616", &v), -ERANGE);
    CHECK_EQ(parse_u64("0x10000000000000000", &v), -ERANGE);
    CHECK_EQ(parse_u64("", &v), -EINVAL);
    CHECK_EQ(parse_u64(NULL, &v), -EINVAL);
    CHECK_EQ(parse_u64("12a", &v), -EINVAL);
    CHECK_EQ(parse_u64("0x", &v), -EINVAL);
    CHECK_EQ(parse_u64("-1", &v), -EINVAL);
    CHECK_EQ(parse_u64(" 1", &v), -EINVAL);
    CHECK_EQ(parse_u32("4294967295", &w), 0);
    CHECK_EQ(w, 4294967295u);
    CHECK_EQ(parse_u32("4294967296", &w), -ERANGE);

    CHECK_EQ(parse_size("4k", &v), 0);
    CHECK_EQ(v, 4096);
    CHECK_EQ(parse_size("128K", &v), 0);
    CHECK_EQ(v, 131072);
    CHECK_EQ(parse_size("64MiB", &v), 0);
    CHECK_EQ(v, 64ull << 20);
    CHECK_EQ(parse_size("2G", &v), 0);
    CHECK_EQ(v, 2ull << 30);
    CHECK_EQ(parse_size("1MB", &v), 0);
    CHECK_EQ(v, 1 << 20);
    CHECK_EQ(parse_size("512", &v), 0);
    CHECK_EQ(v, 512);
    CHECK_EQ(parse_size("4kb", &v), -EINVAL);
    CHECK_EQ(parse_size("4x", &v), -EINVAL);
    CHECK_EQ(parse_size("16777216T", &v), -ERANGE);

    CHECK_EQ(parse_bool("on", &b), 0);
    CHECK(b);
    CHECK_EQ(parse_bool("0", &b), 0);
    CHECK(!b);
    CHECK_EQ(parse_bool("maybe", &b), -EINVAL);
    return check_exit();
}
