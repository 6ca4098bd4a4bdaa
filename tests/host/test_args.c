/*
 * Host test: lib/args.c - word splitting, quoting, escapes, errors,
 * command separation, and flags told from operands.
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

    /* Flags: -l -a -la anywhere; unknown letters, "-" and digits are operands. */
    char *ops[3];
    unsigned flags;
    CHECK_EQ(split("ls nvme0n1:1 -l /dir -a", argv, 8, buf, sizeof(buf)), 5);
    CHECK_EQ(args_flags(5, argv, "la", &flags, ops, 3), 2);
    CHECK_EQ(flags, ARGS_FLAG('l') | ARGS_FLAG('a'));
    CHECK_STR_EQ(ops[0], "nvme0n1:1");
    CHECK_STR_EQ(ops[1], "/dir");
    CHECK_EQ(split("ls -al d", argv, 8, buf, sizeof(buf)), 3);
    CHECK_EQ(args_flags(3, argv, "la", &flags, ops, 3), 1);
    CHECK_EQ(flags, ARGS_FLAG('l') | ARGS_FLAG('a'));
    CHECK_STR_EQ(ops[0], "d");
    CHECK_EQ(split("ls d -x - -1 -lx -L", argv, 8, buf, sizeof(buf)), 7);
    CHECK_EQ(args_flags(7, argv, "la", &flags, ops, 3), -E2BIG);
    char *all[8];
    CHECK_EQ(args_flags(7, argv, "la", &flags, all, 8), 6);
    CHECK_EQ(flags, 0);
    CHECK_STR_EQ(all[1], "-x");
    CHECK_STR_EQ(all[2], "-");
    CHECK_STR_EQ(all[3], "-1");
    CHECK_STR_EQ(all[4], "-lx");
    CHECK_STR_EQ(all[5], "-L");
    CHECK_EQ(split("fsinfo -f", argv, 8, buf, sizeof(buf)), 2);
    CHECK_EQ(args_flags(2, argv, "f", &flags, ops, 1), 0);
    CHECK_EQ(flags, ARGS_FLAG('f'));
    CHECK_EQ(args_flags(2, argv, "", &flags, ops, 1), 1); /* no flags allowed: an operand */
    CHECK_STR_EQ(ops[0], "-f");
    CHECK_EQ(flags, 0);
    CHECK_EQ(args_flags(1, argv, "f", &flags, ops, 0), 0);

    return check_exit();
}
