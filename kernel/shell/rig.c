/*
 * kernel/shell/rig.c - the shell's contract with test rigs (docs/rig.md):
 *
 *   READY nvos <version> boot=<method>
 *       printed once per boot, on its own line, before the first prompt and
 *       before any boot command (run=...). <version> is `git describe
 *       --always --dirty --tags` of the tree the kernel was built from
 *       (build/generated/nvos_version.h, rewritten at every build by
 *       tools/cmake/version.cmake), "unknown" outside git. <method> is
 *       multiboot1, multiboot2 or UEFI, as bootinfo says.
 *   rc=<N>
 *       with boot option shell.rc=1, or after "set rc on", every command line
 *       (typed or a boot command) ends with this line: 0 when every command
 *       on it succeeded, 1 when one failed (and printed its "error:" line).
 *
 * The "set" command switches rc lines; "set" alone prints the settings.
 */
#include <string.h>

#include "boot/boot_info.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/kernel.h"
#include "kernel/shell/shell.h"
#include "lib/errno.h"
#include "lib/parse.h"
#include "nvos_version.h"

static bool rc_lines;

void shell_rig_start(void)
{
    static bool announced;
    rc_lines = cmdline_get_bool("shell.rc", false);
    if (announced)
        return;
    announced = true;
    if (!console_at_line_start())
        console_write("\n", 1);
    kprintf("READY nvos %s boot=%s\n", NVOS_VERSION, boot_method_name(boot_info->method));
}

void shell_rig_line_done(bool failed)
{
    if (!rc_lines)
        return;
    if (!console_at_line_start())
        console_write("\n", 1);
    kprintf("rc=%d\n", failed ? 1 : 0);
}

static int cmd_set(int argc, char **argv)
{
    if (argc == 1) {
        kprintf("rc %s\n", rc_lines ? "on" : "off");
        return 0;
    }
    bool on;
    if (argc != 3 || strcmp(argv[1], "rc") != 0)
        return shell_usage("set");
    if (parse_bool(argv[2], &on) != 0)
        return shell_error(-EINVAL, "set rc: '%s' is not on or off", argv[2]);
    rc_lines = on;
    return 0;
}
SHELL_COMMAND(set, "set", "[rc on|off]", "shell settings: rc=<N> after every command line",
              cmd_set);
