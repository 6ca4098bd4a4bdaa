#!/usr/bin/env python3
"""Runs QEMU test cases: `run.py CASE...`, or `run.py --list` (for CMake).

Exit status 0 when every named case passed. Each case's serial transcripts
go to build/test-logs/<case>.log.
"""
import argparse
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import cases_boot  # noqa: E402,F401
import cases_nvme  # noqa: E402,F401
import cases_trace  # noqa: E402,F401
import cases_fs  # noqa: E402,F401
import cases_bench  # noqa: E402,F401
import cases_smp  # noqa: E402,F401


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--list", action="store_true", help="print 'name;timeout;setup;requires' lines")
    args = ap.parse_args()
    if args.list:
        for name, c in harness.CASES.items():
            print(f"{name}|{c['timeout']}|{c['setup'] or ''}|{c['requires'] or ''}|{c['cost']}")
        return 0
    failed = 0
    for name in args.cases:
        c = harness.CASES.get(name)
        if c is None:
            print(f"unknown case {name}", file=sys.stderr)
            return 2
        ctx = harness.Context(name)
        t0 = time.monotonic()
        try:
            c["fn"](ctx)
            print(f"PASS {name} ({time.monotonic() - t0:.1f} s)")
        except (harness.CaseFailure, harness.nvosqemu.QemuError) as e:
            failed += 1
            print(f"FAIL {name}: {e}")
            print(f"  transcripts: {ctx.logdir}/{name}*.log")
        except Exception:
            failed += 1
            traceback.print_exc()
            print(f"FAIL {name} (exception in the test itself)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
