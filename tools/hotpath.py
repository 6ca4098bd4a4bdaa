#!/usr/bin/env python3
"""Instructions per I/O on the NVMe driver's hot path, counted by callgrind.

Runs build/host/nvme_hotpath (the driver's own code against the in-memory
controller model, -O2, no sanitizers) under valgrind's callgrind with
collection on only inside nvme_ns_cmd_read (submission) and
nvme_qpair_process_completions (completion), and prints instructions per
4 KiB polled read at QD 1 and QD 32. Deterministic: the same binary and
arguments give the same count on any load.

    tools/hotpath.py [--build DIR] [--ios N] [--budget INSTRUCTIONS]
                     [--budget-qd32 INSTRUCTIONS] [--budget-shadow INSTRUCTIONS]
                     [--budget-shadow-qd32 INSTRUCTIONS]
Each depth is counted twice: with MMIO doorbells only (a controller without
Doorbell Buffer Config) and with shadow doorbells (the model's default, as
QEMU's: each doorbell update also writes the shadow slot, fences and reads
the event index). Exits 1 if the MMIO path exceeds --budget (QD 1) or
--budget-qd32, the shadow path --budget-shadow or --budget-shadow-qd32, or if
any rdtsc instruction executes on the path (counted per instruction address:
with no benchmark asking for clocks, the I/O path must not read the TSC).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile


def rdtsc_addresses(binary):
    """Addresses of every rdtsc instruction in the binary (objdump)."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", binary], check=True,
                         capture_output=True, text=True).stdout
    return {int(m.group(1), 16) for m in re.finditer(r"^\s*([0-9a-f]+):\s+rdtsc\b", out, re.M)}


def executed_at(cg_text, addresses):
    """Self cost (Ir: executions of one instruction) at the given addresses,
    from a callgrind --dump-instr=yes profile; call lines (inclusive costs of
    callees, attributed to the call instruction) are skipped."""
    total, addr, skip_next = 0, 0, False
    for line in cg_text.splitlines():
        if line.startswith("calls="):
            skip_next = True
            continue
        if not line or not (line[0] in "+-*" or line.startswith("0x")):
            continue
        fields = line.split()
        a = fields[0]
        if a.startswith("0x"):
            addr = int(a, 16)
        elif a[0] == "+":
            addr += int(a[1:], 16 if a[1:].startswith("0x") else 10)
        elif a[0] == "-":
            addr -= int(a[1:], 16 if a[1:].startswith("0x") else 10)
        if skip_next:
            skip_next = False
            continue
        if addr in addresses and len(fields) >= 3:
            total += int(fields[2])
    return total

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def count(binary, ios, qd, mode, rdtsc=None):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no", "--dump-instr=yes",
                        "--toggle-collect=nvme_ns_cmd_read",
                        "--toggle-collect=nvme_qpair_process_completions",
                        "--toggle-collect=nvme_qpair_batch_end",
                        f"--callgrind-out-file={out}", binary, str(ios), str(qd), mode],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        text = open(out).read()
    if rdtsc is not None:
        rdtsc.append(executed_at(text, rdtsc_addresses(binary)))
    m = re.search(r"^summary:\s+(\d+)", text, re.M) or re.search(r"^totals:\s+(\d+)", text, re.M)
    if not m:
        sys.exit("hotpath: no totals in callgrind output")
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "host"))
    ap.add_argument("--ios", type=int, default=20000)
    ap.add_argument("--budget", type=int, default=0, help="QD 1 limit")
    ap.add_argument("--budget-qd32", type=int, default=0, help="QD 32 limit")
    ap.add_argument("--budget-shadow", type=int, default=0, help="QD 1 limit, shadow doorbells")
    ap.add_argument("--budget-shadow-qd32", type=int, default=0,
                    help="QD 32 limit, shadow doorbells")
    a = ap.parse_args()
    binary = os.path.join(a.build, "nvme_hotpath")
    results = {}
    status = 0
    for mode, what in (("mmio", "MMIO doorbells"), ("shadow", "shadow doorbells")):
        for qd in (1, 32):
            # Two run lengths: the difference removes set-up and tear-down.
            rdtsc = []
            small = count(binary, a.ios // 2, qd, mode)
            big = count(binary, a.ios, qd, mode, rdtsc)
            per_io = (big - small) / (a.ios - a.ios // 2)
            results[mode, qd] = per_io
            print(f"hotpath: {per_io:.1f} instructions per 4 KiB polled read at QD {qd}, {what} "
                  f"(submission + completion, controller model excluded); "
                  f"rdtsc executed {rdtsc[0]} times in {a.ios} reads")
            if rdtsc[0]:
                print("hotpath: the I/O path reads the TSC with no benchmark asking for clocks",
                      file=sys.stderr)
                status = 1
    for key, budget in ((("mmio", 1), a.budget), (("mmio", 32), a.budget_qd32),
                        (("shadow", 1), a.budget_shadow), (("shadow", 32), a.budget_shadow_qd32)):
        if budget and results[key] > budget:
            print(f"hotpath: QD {key[1]} ({key[0]}) is over the budget of {budget} instructions "
                  f"per I/O", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
