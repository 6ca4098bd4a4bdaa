"""QEMU cases: several CPUs (issue 13): bring-up on every boot path with
-smp 1, 2 and 4, work on every CPU at once, a CPU that never answers, a
panic on an application processor while the others print."""
import re

from harness import case, check, check_in, check_not_in, check_re, check_status
from nvosqemu import QEMU_PANIC_STATUS

PATHS = ("kernel", "grub-bios", "grub-uefi", "uefi")
CPUS_HEADER = "CPU APIC     MODE   STATE       TICKS        CALLS      START"
CPU_LINE = re.compile(r"^(\d+) +(\d+) +(xAPIC|x2APIC) +(\S+) +(\d+) +(\d+) +(boot|[\d.]+ ms|-)$")


def parse_cpus(out):
    """The `cpus` table as a list of dicts, checking every line's format."""
    lines = out.strip().splitlines()
    check(lines and lines[0] == CPUS_HEADER, f"cpus header:\n{out}")
    rows = []
    for line in lines[1:]:
        m = CPU_LINE.match(line)
        check(m is not None, f"a cpus line: {line!r}")
        rows.append(dict(index=int(m[1]), apic=int(m[2]), mode=m[3], state=m[4],
                         ticks=int(m[5]), calls=int(m[6]), start=m[7]))
    check([r["index"] for r in rows] == list(range(len(rows))), f"cpus indexes:\n{out}")
    return rows


def check_smp_test(out, ncpus, indexes=None):
    """`smp test`: the counter total, every CPU's timer, every line whole."""
    check_re(rf"^smp test: {ncpus} CPU\(s\), lock counter (\d+) of \1, {ncpus} local timer\(s\) "
             r"fired, (\d+) lines per CPU$", out, "smp test summary")
    per_cpu = int(re.search(r"fired, (\d+) lines per CPU", out)[1])
    seen = {}
    for line in out.splitlines():
        if " line " not in line:
            continue
        m = re.fullmatch(r"smp test: cpu (\d+) line (\d+): 0123456789abcdefghijklmnopqrstuvwxyz "
                         r"cpu (\d+) line (\d+)", line)
        check(m is not None and m[1] == m[3] and m[2] == m[4], f"a torn line: {line!r}")
        seen.setdefault(int(m[1]), set()).add(int(m[2]))
    want = list(indexes) if indexes is not None else list(range(ncpus))
    check(sorted(seen) == want, f"lines from CPUs {sorted(seen)}, want {want}")
    for cpu, ls in seen.items():
        check(ls == set(range(per_cpu)), f"CPU {cpu} printed lines {sorted(ls)}")
    check_not_in("error:", out, "smp test")


def make_boot_case(path, ncpus):
    @case(f"smp.{path}.{ncpus}", timeout=180)
    def run(ctx):
        with ctx.machine(boot=path, extra=["-smp", str(ncpus)]) as m:
            m.wait_prompt()
            if ncpus > 1:
                check_re(rf"^smp: {ncpus} of {ncpus} CPU\(s\) online, xAPIC mode, start-up code "
                         r"at 0x[0-9a-f]+$", m.buf, "boot log")
            rows = parse_cpus(m.command("cpus"))
            check(len(rows) == ncpus, f"{len(rows)} CPUs listed, want {ncpus}")
            check(all(r["state"] == "online" for r in rows), f"states: {rows}")
            check(len({r["apic"] for r in rows}) == ncpus, f"APIC ids not distinct: {rows}")
            check(rows[0]["start"] == "boot", f"CPU 0: {rows[0]}")
            if ncpus == 4:
                check_smp_test(m.command("smp test", timeout=120), ncpus)
                after = parse_cpus(m.command("cpus"))
                for r in after[1:]:
                    check(r["calls"] >= 1 and r["ticks"] >= 1, f"CPU {r['index']} after smp test: {r}")
            check_status(m.poweroff(0), 0)
    return run


for p in PATHS:
    for n in (1, 2, 4):
        make_boot_case(p, n)


@case("smp.dead-cpu", timeout=180)
def dead_cpu(ctx):
    """An AP that never answers (its trampoline spins in real mode) costs its
    deadline and is reported; boot and the other CPUs go on."""
    with ctx.machine(boot="kernel", extra=["-smp", "4"],
                     cmdline="smp.test_hang=2 smp.timeout_ms=500") as m:
        m.wait_prompt()
        check_in("smp: CPU 2 (APIC id 2) did not answer within 500 ms; going on without it",
                 m.buf, "boot log")
        check_in("smp: 3 of 4 CPU(s) online", m.buf, "boot log")
        rows = parse_cpus(m.command("cpus"))
        check([r["state"] for r in rows] == ["online", "online", "failed", "online"],
              f"states: {rows}")
        check(rows[2]["start"] == "-", f"CPU 2: {rows[2]}")
        check_smp_test(m.command("smp test", timeout=120), 3, indexes=(0, 1, 3))
        out = m.command("smp test 10")
        check_in("lock counter 30 of 30", out, "smp test 10")
        check_status(m.poweroff(0), 0)


@case("smp.panic-on-ap", timeout=120)
def panic_on_ap(ctx):
    """CPU 2 panics while CPUs 0, 1 and 3 print: the others stop (NMI) before
    the report, so it comes out whole and nothing follows it."""
    with ctx.machine(boot="kernel", extra=["-smp", "4"]) as m:
        m.wait_prompt()
        m.send("smp panic 2\r")
        st = m.wait_exit(60)
        check(st == QEMU_PANIC_STATUS, f"QEMU exit status {st}, expected {QEMU_PANIC_STATUS}")
        i = m.buf.find("PANIC: deliberate panic on CPU 2")
        check(i >= 0, f"no panic report:\n{m.tail()}")
        report = m.buf[i:]
        check_in("  on CPU 2 (APIC id 2)\n  backtrace", report, "panic report")
        check_not_in("still printing", report, "panic report")
        check_not_in("did not stop for the panic", report, "panic report")
        check_re(r"smp panic: cpu [013] still printing", m.buf[:i], "output before the panic")
