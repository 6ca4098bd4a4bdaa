/*
 * Host test: lib/args.c - word splitting, quoting, escapes, errors and
 * command separation.
 */
#include "lib/args.h"
#include "lib/errno.h"
#include "tests/host/check.h"

static int split(const char *s, char **argv, int max, char *buf, size_t bufsize)
{
    snprintf(buf, bufsize, "%s", s);
    return args_tokenize(buf, argv, max);
}

int main(void)
{
    char buf[256];
    char *argv[8];

    CHECK_EQ(split("", argv, 8, buf, sizeof(buf)), 0);
    CHECK_EQ(split("   \t ", argv, 8, buf, sizeof(buf)), 0);
    CHECK_EQ(split("lspci -v", argv, 8, buf, sizeof(buf)), 2);
    CHECK_STR_EQ(argv[0], "lspci");
    CHECK_STR_EQ(argv[1], "-v");

    CHECK_EQ(split("  cat  nvme0n1:1   \"/dir/a long name.txt\"  ", argv, 8, buf, sizeof(buf)), 3);
    CHECK_STR_EQ(argv[2], "/dir/a long name.txt");

    CHECK_EQ(split("a\\ b c", argv, 8, buf, sizeof(buf)), 2);
    CHECK_STR_EQ(argv[0], "a b");

    CHECK_EQ(split("\"say \\\"hi\\\" \\\\ \\n\"", argv, 8, buf, sizeof(buf)), 1);
    CHECK_STR_EQ(argv[0], "say \"hi\" \\ \\n");

    CHECK_EQ(split("'single \\ \"quoted\"'", argv, 8, buf, sizeof(buf)), 1);
    CHECK_STR_EQ(argv[0], "single \\ \"quoted\"");

    CHECK_EQ(split("run=\"lspci; poweroff\" nvme.trace=1", argv, 8, buf, sizeof(buf)), 2);
    CHECK_STR_EQ(argv[0], "run=lspci; poweroff");
    CHECK_STR_EQ(argv[1], "nvme.trace=1");

    CHECK_EQ(split("x\"\"y ''", argv, 8, buf, sizeof(buf)), 2);
    CHECK_STR_EQ(argv[0], "xy");
    CHECK_STR_EQ(argv[1], "");

    CHECK_EQ(split("\"unterminated", argv, 8, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(split("'unterminated", argv, 8, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(split("trailing\\", argv, 8, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(split("a b c", argv, 2, buf, sizeof(buf)), -E2BIG);
    CHECK_EQ(split("a\r\n", argv, 8, buf, sizeof(buf)), 1);
    CHECK_STR_EQ(argv[0], "a");

    const char *next;
    const char *cmds = "lspci; cat d \"a;b\" 'c;d' e\\;f ;poweroff 0";
    size_t n = args_next_command(cmds, &next);
    CHECK_EQ(n, 5);
    CHECK(next != NULL);
    const char *second = next;
    n = args_next_command(second, &next);
    CHECK_EQ(n, strlen(" cat d \"a;b\" 'c;d' e\\;f "));
    n = args_next_command(next, &next);
    CHECK_EQ(n, strlen("poweroff 0"));
    CHECK(next == NULL);
    n = args_next_command("\"a\\\";b\"", &next);
    CHECK_EQ(n, 7);
    CHECK(next == NULL);

    return check_exit();
}
