#!/usr/bin/env python3
"""Runs a test command in a scratch directory it owns.

usage: in_scratch.py DIR -- COMMAND [ARGS...]

DIR is emptied before the command runs and removed after it passes (exit 0)
or skips (exit 77), so a suite of image-building tests leaves nothing
behind; a failing command keeps DIR for the post-mortem and says where it
is. The image tests build hundreds of megabytes each, and a CI machine's
disk is not ours to fill.
"""
import os
import shutil
import subprocess
import sys

SKIPPED = 77


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__.strip().splitlines()[2])
    work, cmd = sys.argv[1], sys.argv[3:]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    rc = subprocess.call(cmd)
    if rc in (0, SKIPPED):
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"in_scratch: kept {work} for the post-mortem (exit {rc})", flush=True)
    sys.exit(rc)


if __name__ == "__main__":
    main()
