"""QEMU tests: shadow doorbells (Doorbell Buffer Config, drivers/nvme/nvme_dbbuf.c).

QEMU 7.2 advertises the command (OACS bit 8) and, once it is sent, reads I/O
queue tails and heads from the shadow page and writes event indexes. With
shadow doorbells on and off (nvme.dbbuf=0): a verified write pass and read
pass (bench verify=1: 0 mismatches), a controller reset, and both passes
again; "nvme queues" shows saved MMIO doorbell writes (some with them on,
none with them off); QEMU's own trace shows the command once per controller
enable (boot and reset) with a new pair of pages each time, and never with
nvme.dbbuf=0.
"""
import json
import os
import re

import pytest

from nvoslib.console import has
from nvoslib.qemu import Disk, status_of

MIB = 1 << 20


def bench_json(out):
    jobs = [json.loads(line[len("BENCH_JSON "):]) for line in out.splitlines()
            if line.startswith("BENCH_JSON ")]
    assert jobs, f"no BENCH_JSON line:\n{out}"
    return jobs[0]


def saved_writes(q):
    """{qid: MMIO writes saved} from 'nvme queues'."""
    m = re.search(r"^shadow doorbells: (.*?); MMIO writes saved:(.*)$", q, re.M)
    assert m is not None, f"no shadow doorbell line:\n{q}"
    return m.group(1), {int(a): int(b) for a, b in re.findall(r"q(\d+) (\d+)", m.group(2))}


def verified_passes(m, gen, passes=(("randwrite", 16), ("read", 32))):
    """Passes over 4 MiB, each verified: by default a random-write pass
    (stamps of generation gen, read back) and a sequential read pass."""
    spec = f"dev=nvme0n1 offset={8 * MIB} size={4 * MIB} verify=1 verify_gen={gen} json_bins=0"
    for rw, depth in passes:
        out = m.command(f"bench {spec} rw={rw} bs=4k iodepth={depth}", timeout=200)
        j = bench_json(out)
        v = j["verify"]
        assert j["status"] == "ok" and v["enabled"] and v["mismatches"] == 0 \
            and v["blocks_verified"] == 4 * MIB // 512, f"{rw} pass: {j['status']} {v}\n{out}"


@pytest.mark.case("nvme.dbbuf.{mode}", timeout=300)
@pytest.mark.parametrize("mode", ["on", "off"])
def test_dbbuf(nvos, mode):
    path = os.path.join(nvos.images, f"{nvos.name}.disk.img")
    with open(path, "wb") as f:
        f.truncate(64 * MIB)
    trace = os.path.join(nvos.images, f"{nvos.name}.trace")
    cmdline = "nvme.dbbuf=0" if mode == "off" else ""
    with nvos.machine(disks=[Disk(path)], cmdline=cmdline,
                      extra=["-trace", "pci_nvme_dbbuf_config", "-D", trace]) as m:
        m.wait_ready()
        if mode == "on":
            assert has(r"^nvme0: shadow doorbells on \(Doorbell Buffer Config 1: ", m.buf), m.buf
        else:
            assert "shadow doorbells on" not in m.buf, m.buf
        verified_passes(m, 3)
        state, saved = saved_writes(m.command("nvme queues nvme0"))
        if mode == "on":
            assert state == "on, Doorbell Buffer Config sent 1 times", state
            assert saved and sum(saved.values()) > 0, f"nothing saved: {saved}"
        else:
            assert state == "off (nvme.dbbuf=0), Doorbell Buffer Config sent 0 times", state
            assert saved and all(v == 0 for v in saved.values()), f"saved with dbbuf=0: {saved}"
        before = dict(saved)
        out = m.command("nvme reset nvme0")
        assert "nvme0: reset complete" in out, out
        if mode == "on":
            assert has(r"^nvme0: shadow doorbells on \(Doorbell Buffer Config 2: ", out), out
        # The stamps written before the reset read back after it, then new ones.
        verified_passes(m, 3, passes=(("randread", 8),))
        verified_passes(m, 4)
        state, saved = saved_writes(m.command("nvme queues nvme0"))
        if mode == "on":
            assert state == "on, Doorbell Buffer Config sent 2 times", state
            assert sum(saved.values()) > sum(before.values()), f"{before} -> {saved}"
        else:
            assert all(v == 0 for v in saved.values()), saved
        assert m.poweroff() == status_of(0)
    # QEMU's view: "pci_nvme_dbbuf_config dbs_addr=0x... eis_addr=0x..." per command.
    with open(trace) as f:
        configs = re.findall(r"pci_nvme_dbbuf_config dbs_addr=(0x[0-9a-f]+) eis_addr=(0x[0-9a-f]+)",
                             f.read())
    if mode == "on":
        assert len(configs) == 2, f"one command per enable (boot, reset): {configs}"
        assert len({a for pair in configs for a in pair}) == 4, f"pages reused: {configs}"
    else:
        assert configs == [], configs
    os.unlink(trace)
    os.unlink(path)
