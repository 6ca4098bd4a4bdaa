"""QEMU tests: seeded fault plans ("nvme fault", drivers/nvme/nvme_fault.h).

A plan that drops one write completion and fakes all-ones register reads
for 100 ms is armed on the same command line as a `bench verify=1`
write-then-read job (polled, so that the driver's watchdog reads CSTS every
50 ms throughout: the window is certain to catch register reads; in
interrupt mode registers are read only when completions stop): the dropped write times out, is aborted (QEMU never
aborts) and fails after a controller reset; the all-ones reads are ridden
out (the controller is not declared gone); the job finishes with that one
failed write and 0 mismatches; the plan's counters say both faults were
injected; and the driver serves I/O afterwards (a verify read of the
window, a hash of untouched blocks, both checked).
"""
import hashlib
import os
import re

import pytest

from nvoslib.console import has
from nvoslib.qemu import Disk, status_of
from test_bench import bench_json

MIB = 1 << 20
PLAN = "drop:op=write,nth=300; allones:after=300ms,for=100ms"
SEED = 0x11F00D


@pytest.mark.case("nvme.fault.drop-and-allones", timeout=300)
def test_fault_plan_drop_and_allones(nvos):
    os.makedirs(nvos.images, exist_ok=True)
    path = os.path.join(nvos.images, f"{nvos.name}.blank.img")
    with open(path, "wb") as f:
        f.truncate(64 * MIB)  # sparse
    window = f"offset={8 * MIB} size={16 * MIB}"
    with nvos.machine(disks=[Disk(path)],
                      cmdline="nvme.io_timeout_ms=500 nvme.admin_timeout_ms=1000") as m:
        m.wait_ready()
        out = m.command(f'nvme fault nvme0 plan="{PLAN}" seed={SEED}; '
                        f"bench dev=nvme0n1 {window} rw=randwrite bs=4k iodepth=8 mode=poll verify=1 "
                        f"verify_gen=5 continue_on_error=write json_bins=0", timeout=240)
        # The plan and the seed echoed on one line that repeats the run.
        assert has(rf'^nvme0: fault plan armed: nvme fault nvme0 plan="{re.escape(PLAN)}" '
                   rf"seed={SEED:#x}$", out), out
        assert has(r"^nvme0: fault rule 1: completion dropped on queue \d+", out), out
        assert has(r"nvme0: timeout on queue \d+: Write .*; sending Abort", out), out
        assert has(r"nvme0: reset complete; outstanding commands resubmitted", out), out
        assert not has(r"device gone|controller failed", out), out
        jobs = bench_json(out)
        assert len(jobs) == 1, out
        v = jobs[0]["verify"]
        assert v["mismatches"] == 0, f"verify: {v}"
        assert v["write_failed"] == 8, f"one 4 KiB write (8 blocks) failed: {v}"
        assert v["blocks_verified"] == 16 * MIB // 512 - 8, f"verify: {v}"
        assert has(r"^error: |ETIMEDOUT", out), "the failed write is reported"

        status = m.command("nvme fault nvme0")
        assert has(r"rule 1 drop:op=write,nth=300: matched \d+, injected 1$", status), status
        mm = re.search(r"rule 2 allones:after=300ms,for=100ms: matched \d+, injected (\d+)$",
                       status, re.M)
        assert mm and int(mm.group(1)) > 0, f"no register read fell in the window:\n{status}"
        off = m.command("nvme fault nvme0 off")
        assert has(rf"^nvme0: fault plan off \(seed {SEED:#x}\): \d+ injected", off), off

        # The driver serves I/O afterwards: the window reads back (any
        # generation: the failed write's blocks hold the old or the new one)...
        out = m.command(f"bench dev=nvme0n1 {window} rw=read bs=64k iodepth=4 verify=1 "
                        f"json_bins=0", timeout=120)
        j = bench_json(out)[0]
        assert j["status"] == "ok" and j["verify"]["mismatches"] == 0, f"{j['status']} {j['verify']}"
        # ... and blocks no one wrote are still zeros.
        out = m.check("blk sha256 nvme0n1 0 2048")
        assert has(rf"^{hashlib.sha256(bytes(MIB)).hexdigest()}$", out), out
        q = m.check("nvme queues nvme0")
        assert has(r"resets: 1;", q) and has(r"state: ready", q), q
        # Exit status 1: a command of this boot failed (the faulted bench job).
        assert m.poweroff() == status_of(1)
