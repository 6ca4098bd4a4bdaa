#!/usr/bin/env python3
"""nvosqemu - `tools/nvos run`'s backend: boot nvos in QEMU with the demo disk.

    nvosqemu.py interactive [OPTIONS] [-- QEMU-ARGS]   the serial port is this terminal
    nvosqemu.py demo [OPTIONS] [-- QEMU-ARGS]          types tools/demo.nvos, powers off

The machinery (QEMU command lines, the console) is nvoslib.qemu and
nvoslib.console.
"""
import os
import subprocess
import sys
import tempfile

from nvoslib.qemu import BOOTS, ROOT, Disk, Machine, build_dir, guest_code


def _cli():
    """`tools/nvos run` backend: interactive (a terminal) or demo (a pipe)."""
    import argparse
    ap = argparse.ArgumentParser(prog="nvosqemu")
    ap.add_argument("mode", choices=("interactive", "demo"))
    ap.add_argument("--boot", default="kernel", choices=BOOTS)
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--disk", default=os.path.join(build_dir(), "disk.img"))
    ap.add_argument("--memory", default="512")
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--cmdline", default="")
    ap.add_argument("--demo-script", default=os.path.join(ROOT, "tools", "demo.nvos"))
    ap.add_argument("--timeout", type=int, default=600)
    argv = sys.argv[1:]
    qemu_args = argv[argv.index("--") + 1:] if "--" in argv else []
    a = ap.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    a.qemu_args = qemu_args
    disks = [Disk(a.disk)] if a.disk else []
    m = Machine(boot=a.boot, machine=a.machine, disks=disks, cmdline=a.cmdline, memory=a.memory,
                extra=a.qemu_args, accel=a.accel, timeout=a.timeout,
                stream=sys.stdout if a.mode == "demo" else None)
    if a.mode == "interactive":
        m.tmpdir = tempfile.mkdtemp(prefix="nvos-qemu-")
        args = m.qemu_args()
        # The serial port is the terminal; Ctrl-A X quits, Ctrl-A C is QEMU's monitor.
        args[args.index("-chardev") + 1] = "stdio,id=console,mux=on,signal=off"
        del args[args.index("-monitor"):args.index("-monitor") + 2]
        args += ["-mon", "chardev=console"]
        print("nvos: " + " ".join(args), file=sys.stderr)
        print("nvos: quit with Ctrl-A X", file=sys.stderr)
        return subprocess.call(args)
    commands = []
    # With boot commands (run=...) on the command line they are the demo: the
    # script is skipped, and "poweroff" is typed ahead; the shell reads it
    # once the boot commands are done, unless they power off first.
    boot_commands = any(w.startswith("run=") for w in a.cmdline.split())
    if not boot_commands:
        with open(a.demo_script) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    commands.append(line)
    with m:
        m.wait_prompt()
        for c in commands:
            m.command(c, timeout=300)
        m.send("poweroff\r")
        status = m.wait_exit(a.timeout if boot_commands else 120)
    code = guest_code(status)
    if code is None:
        print(f"\nnvos: QEMU exited with status {status}, not through poweroff", file=sys.stderr)
        return 125
    return code


if __name__ == "__main__":
    sys.exit(_cli())
