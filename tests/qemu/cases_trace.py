"""QEMU case: nvos's teaching trace agrees with what the device received."""
import os
import re

from harness import case, check, check_status
from nvosqemu import Disk
import nvmetrace
from cases_nvme import image


@case("nvme.trace-matches-device", timeout=180)
def trace_matches(ctx):
    path = image(ctx, "disk")
    qlog = os.path.join(ctx.logdir, f"{ctx.name}.qemu-trace")
    with ctx.machine(disks=[Disk(path)], cmdline="nvme.trace=1", trace_file=qlog) as m:
        m.wait_prompt()
        for cmd in ("blk fill nvme0n1 100 3000 7", "blk sha256 nvme0n1 0 2100",
                    "blk offset 4092", "blk sha256 nvme0n1 5 9", "nvme smart-log nvme0",
                    "nvme get-feature nvme0 -f 7", "blk zero nvme0n1 0 8", "blk flush nvme0n1"):
            m.command(cmd)
        check_status(m.poweroff(), 0)
        console = m.buf
    ours = nvmetrace.ours(console)
    check(ours and ours[0][0] == "CC", "no CC write in nvos's trace")
    # nvos's first CC write is the disable of what the firmware left running.
    check(ours[0][1] & 1 == 0, f"first CC write does not clear EN: {ours[0]}")
    dev = nvmetrace.device(open(qlog).read(), ours[0][1])
    kinds = {e[0] for e in ours}
    for k in ("CC", "AQA", "ASQ", "ACQ", "ADMIN", "IO", "CQE", "SQDB", "CQDB", "SHN"):
        check(k in kinds, f"nvos's trace has no {k} events")
    problems = nvmetrace.compare(ours, dev)
    check(not problems, "nvos's trace and QEMU's disagree:\n  " + "\n  ".join(problems))
    # The init sequence, in the spec's order, as the device saw it.
    order = [e[0] for e in dev if e[0] in ("CC", "AQA", "ASQ", "ACQ")][:6]
    check(order == ["CC", "AQA", "ASQ", "ACQ", "CC", "CC"],
          f"register writes out of order: {order}")
    admin = [e[2] for e in dev if e[0] == "ADMIN"][:8]
    check(admin[:3] == [0x06, 0x06, 0x06] and admin[3] == 0x09 and admin[4:8] == [5, 1, 5, 1],
          f"admin command order {admin}: expected Identify x3, Set Features, Create CQ/SQ x2")
