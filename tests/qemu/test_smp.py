"""QEMU tests: several CPUs (issue 13): bring-up on every boot path with
-smp 1, 2 and 4, work on every CPU at once, a CPU that never answers, a
panic on an application processor while the others print."""
import re

import pytest

from nvoslib.qemu import QEMU_PANIC_STATUS, status_of

PATHS = ("kernel", "grub-bios", "grub-uefi", "uefi")
CPUS_HEADER = "CPU APIC     MODE   STATE       TICKS        CALLS      START"
CPU_LINE = re.compile(r"^(\d+) +(\d+) +(xAPIC|x2APIC) +(\S+) +(\d+) +(\d+) +(boot|[\d.]+ ms|-)$")


def parse_cpus(out):
    """The `cpus` table as a list of dicts, checking every line's format."""
    lines = out.strip().splitlines()
    assert lines and lines[0] == CPUS_HEADER, f"cpus header:\n{out}"
    rows = []
    for line in lines[1:]:
        m = CPU_LINE.match(line)
        assert m is not None, f"a cpus line: {line!r}"
        rows.append(dict(index=int(m[1]), apic=int(m[2]), mode=m[3], state=m[4],
                         ticks=int(m[5]), calls=int(m[6]), start=m[7]))
    assert [r["index"] for r in rows] == list(range(len(rows))), f"cpus indexes:\n{out}"
    return rows


def check_smp_test(out, ncpus, indexes=None):
    """`smp test`: the counter total, every CPU's timer, every line whole."""
    assert re.search(rf"^smp test: {ncpus} CPU\(s\), lock counter (\d+) of \1, {ncpus} local "
                     r"timer\(s\) fired, (\d+) lines per CPU$", out, re.M), \
        f"smp test summary:\n{out}"
    per_cpu = int(re.search(r"fired, (\d+) lines per CPU", out)[1])
    seen = {}
    for line in out.splitlines():
        if " line " not in line:
            continue
        m = re.fullmatch(r"smp test: cpu (\d+) line (\d+): 0123456789abcdefghijklmnopqrstuvwxyz "
                         r"cpu (\d+) line (\d+)", line)
        assert m is not None and m[1] == m[3] and m[2] == m[4], f"a torn line: {line!r}"
        seen.setdefault(int(m[1]), set()).add(int(m[2]))
    want = list(indexes) if indexes is not None else list(range(ncpus))
    assert sorted(seen) == want, f"lines from CPUs {sorted(seen)}, want {want}"
    for cpu, ls in seen.items():
        assert ls == set(range(per_cpu)), f"CPU {cpu} printed lines {sorted(ls)}"
    assert "error:" not in out, f"smp test:\n{out}"


@pytest.mark.case("smp.{boot}.{ncpus}", timeout=180)
@pytest.mark.parametrize("ncpus", (1, 2, 4))
@pytest.mark.parametrize("boot", PATHS)
def test_smp_boot(nvos, boot, ncpus):
    with nvos.machine(boot=boot, extra=["-smp", str(ncpus)]) as m:
        m.wait_ready()
        if ncpus > 1:
            assert re.search(rf"^smp: {ncpus} of {ncpus} CPU\(s\) online, xAPIC mode, start-up "
                             r"code at 0x[0-9a-f]+$", m.buf, re.M), f"boot log:\n{m.buf}"
        rows = parse_cpus(m.command("cpus"))
        assert len(rows) == ncpus, f"{len(rows)} CPUs listed, want {ncpus}"
        assert all(r["state"] == "online" for r in rows), f"states: {rows}"
        assert len({r["apic"] for r in rows}) == ncpus, f"APIC ids not distinct: {rows}"
        assert rows[0]["start"] == "boot", f"CPU 0: {rows[0]}"
        if ncpus == 4:
            check_smp_test(m.command("smp test", timeout=120), ncpus)
            after = parse_cpus(m.command("cpus"))
            for r in after[1:]:
                assert r["calls"] >= 1 and r["ticks"] >= 1, \
                    f"CPU {r['index']} after smp test: {r}"
        assert m.poweroff(0) == status_of(0)


@pytest.mark.case("smp.dead-cpu", timeout=180)
def test_dead_cpu(nvos):
    """An AP that never answers (its trampoline spins in real mode) costs its
    deadline and is reported; boot and the other CPUs go on."""
    with nvos.machine(boot="kernel", extra=["-smp", "4"],
                      cmdline="smp.test_hang=2 smp.timeout_ms=500") as m:
        m.wait_ready()
        assert ("smp: CPU 2 (APIC id 2) did not answer within 500 ms; going on without it"
                in m.buf), f"boot log:\n{m.buf}"
        assert "smp: 3 of 4 CPU(s) online" in m.buf, f"boot log:\n{m.buf}"
        rows = parse_cpus(m.command("cpus"))
        assert [r["state"] for r in rows] == ["online", "online", "failed", "online"], \
            f"states: {rows}"
        assert rows[2]["start"] == "-", f"CPU 2: {rows[2]}"
        check_smp_test(m.command("smp test", timeout=120), 3, indexes=(0, 1, 3))
        out = m.command("smp test 10")
        assert "lock counter 30 of 30" in out, f"smp test 10:\n{out}"
        assert m.poweroff(0) == status_of(0)


@pytest.mark.case("smp.panic-on-ap", timeout=120)
def test_panic_on_ap(nvos):
    """CPU 2 panics while CPUs 0, 1 and 3 print: the others stop (NMI) before
    the report, so it comes out whole and nothing follows it."""
    with nvos.machine(boot="kernel", extra=["-smp", "4"]) as m:
        m.wait_ready()
        m.send("smp panic 2\r")
        st = m.wait_exit(60)
        assert st == QEMU_PANIC_STATUS, f"QEMU exit status {st}, expected {QEMU_PANIC_STATUS}"
        i = m.buf.find("PANIC: deliberate panic on CPU 2")
        assert i >= 0, f"no panic report:\n{m.tail()}"
        report = m.buf[i:]
        assert "  on CPU 2 (APIC id 2)\n  backtrace" in report, f"panic report:\n{report}"
        assert "still printing" not in report, f"panic report:\n{report}"
        assert "did not stop for the panic" not in report, f"panic report:\n{report}"
        assert re.search(r"smp panic: cpu [013] still printing", m.buf[:i], re.M), \
            f"output before the panic:\n{m.buf[:i]}"
