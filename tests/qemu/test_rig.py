"""QEMU tests: the contract with test rigs (docs/rig.md, kernel/shell/rig.c).

READY exactly once per boot (every boot path is covered by test_boot.py's
boot matrix and boot-command tests; here: across a reboot), rc lines from
the boot option and from "set rc", selftest's KTAP read by a strict parser,
echo at the 16550's FIFO depth, and every example in docs/rig.md run as it
is written there.
"""
import os
import re
import select
import signal
import subprocess
import sys
import time

import pytest
import yaml

from nvoslib.console import FIFO_CHUNK, CommandFailed
from nvoslib.qemu import ROOT, Disk, status_of

SELFTESTS = ["printf_formats", "heap_alloc_free", "page_alloc_free", "clock_monotonic",
             "pci_config_space", "uart_no_input_lost", "nvme_controller_ready", "nvme_identify_controller",
             "block_reads_agree"]
NEEDS_NVME = {"nvme_controller_ready", "nvme_identify_controller", "block_reads_agree"}
KTAP_RESULT = re.compile(r"^(ok|not ok) (\d+) (\S+)(?: # (\w+)(?: (.*))?)?$")


class KtapError(Exception):
    pass


def parse_ktap(text):
    """A KTAP version 1 document (docs.kernel.org/dev-tools/ktap.html) without
    subtests: returns [(ok, number, name, directive, reason)]. Strict: the
    version line first, then the plan, then results numbered 1..N in order,
    with only '#' diagnostic lines between them; the count must match."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != "KTAP version 1":
        raise KtapError(f"no 'KTAP version 1' line first: {lines[:1]}")
    if len(lines) < 2 or not re.fullmatch(r"1\.\.(\d+)", lines[1]):
        raise KtapError(f"no plan '1..N' after the version line: {lines[1:2]}")
    planned = int(lines[1][3:])
    results = []
    for line in lines[2:]:
        if line.startswith("#"):
            continue
        m = KTAP_RESULT.match(line)
        if m is None:
            raise KtapError(f"neither a result nor a diagnostic: {line!r}")
        ok, num, name, directive, reason = m.groups()
        if int(num) != len(results) + 1:
            raise KtapError(f"result {num} out of order after {len(results)}")
        if directive is not None and directive != "SKIP":
            raise KtapError(f"unknown directive {directive!r} in {line!r}")
        results.append((ok == "ok", int(num), name, directive, reason))
    if len(results) != planned:
        raise KtapError(f"plan says {planned} results, {len(results)} found")
    return results


@pytest.mark.case("rig.ktap-parser", timeout=30)
def test_ktap_parser_refuses_broken_documents():
    """The parser the selftest checks rely on fails on what is not KTAP."""
    good = "KTAP version 1\n1..2\n# hello\nok 1 a\nok 2 b # SKIP nothing here\n"
    assert parse_ktap(good) == [(True, 1, "a", None, None), (True, 2, "b", "SKIP", "nothing here")]
    for bad in ("1..1\nok 1 a\n", "KTAP version 1\nok 1 a\n", "KTAP version 1\n1..2\nok 1 a\n",
                "KTAP version 1\n1..1\nok 2 a\n", "KTAP version 1\n1..1\nfine 1 a\n",
                "KTAP version 1\n1..1\nok 1 a # TODO later\n"):
        with pytest.raises(KtapError):
            parse_ktap(bad)


@pytest.mark.case("rig.ready-once-per-boot", timeout=120)
def test_ready_once_per_boot(nvos):
    """READY once before the first prompt, and once more after a reboot."""
    with nvos.machine(boot="kernel", disks=[nvos.blank_disk()], reboot=True) as m:
        first = m.wait_ready()
        assert re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z.+_-]*", first.version), first
        assert first.boot == "multiboot1", first
        assert m.buf.count("READY nvos ") == 1
        # Nothing but the prompt after READY: it is the last line before input.
        assert re.search(r"\nREADY nvos \S+ boot=multiboot1\nnvos> ", m.buf), m.tail()
        m.send("reboot\r")
        m.ready = None  # a second READY is expected now, not a failure
        again = m.wait_ready()
        assert (again.version, again.boot) == (first.version, first.boot)
        assert m.buf.count("READY nvos ") == 2, "READY once per boot, two boots"
        assert m.poweroff(0) == status_of(0)


@pytest.mark.case("rig.rc-lines", timeout=120)
def test_rc_lines(nvos):
    cmdline = 'shell.rc=1 run="echo boot; nosuchcommand"'
    with nvos.machine(boot="kernel", disks=[nvos.blank_disk()], cmdline=cmdline) as m:
        m.wait_ready(rc=False)  # the prompt before the first boot command
        m.expect(r"\nrc=1\nnvos> ")  # after the last one
        # shell.rc=1: boot commands end with their rc line too.
        assert "nvos> echo boot\nboot\nrc=0\n" in m.buf, m.buf
        assert ("nvos> nosuchcommand\nerror: unknown command 'nosuchcommand' (try 'help')\n"
                "rc=1\n") in m.buf, m.buf
        m.rc_on = True
        assert m.run("echo ok") == ("ok\n", 0)
        out, rc = m.run("nosuchcommand")
        assert rc == 1 and out.startswith("error: unknown command"), (out, rc)
        out, rc = m.run("ls nvme9n1")
        assert rc == 1 and out.startswith("error: "), (out, rc)
        # One failing command makes the whole line fail; the others still run.
        out, rc = m.run("echo a; nosuchcommand; echo b")
        assert rc == 1 and re.fullmatch(r"a\nerror: [^\n]*\nb\n", out), (out, rc)
        assert m.run("set") == ("rc on\n", 0)
        with pytest.raises(CommandFailed) as failed:
            m.check("lspci --bogus")
        assert failed.value.rc == 1
        out, rc = m.run("set rc maybe")
        assert rc == 1 and "error: set rc: 'maybe' is not on or off" in out, (out, rc)
        # Off: no rc lines; on again: the line that turns them on ends with one.
        m.rc_on = False
        assert m.command("set rc off") == ""
        assert m.command("echo quiet") == "quiet\n"
        assert m.command("set rc on") == "rc=0\n"
        m.rc_on = True
        assert m.run("echo loud") == ("loud\n", 0)
        assert m.poweroff() == status_of(1)  # commands failed


@pytest.mark.case("rig.selftest-ktap", timeout=120)
def test_selftest_ktap(nvos):
    path = nvos.image("disk")
    with nvos.machine(disks=[Disk(path)]) as m:
        m.wait_ready()
        out, rc = m.run("selftest")
        assert rc == 0, out
        results = parse_ktap(out)
        assert [r[2] for r in results] == SELFTESTS, out
        bad = [r for r in results if not r[0] or r[3] == "SKIP"]
        assert not bad, f"with an NVMe disk every check runs and passes:\n{out}"
        assert re.search(r"^# nvme0: Identify Controller: vid 0x1b36, sn 'nvos0", out, re.M), out
        assert re.search(r"^# nvme0n1: LBA 0 and LBA 131071 read twice", out, re.M), out
        one = parse_ktap(m.check("selftest clock_monotonic"))
        assert [(r[0], r[1], r[2]) for r in one] == [(True, 1, "clock_monotonic")]
        out, rc = m.run("selftest nosuch")
        assert rc == 1 and "error: selftest: no check named 'nosuch'" in out, out
        assert m.poweroff() == status_of(1)
    # Without NVMe: the NVMe and block checks say why they skip; the rest pass.
    with nvos.machine() as m:
        m.wait_ready()
        results = parse_ktap(m.check("selftest"))
        for ok, _, name, directive, reason in results:
            assert ok, name
            if name in NEEDS_NVME:
                assert directive == "SKIP" and reason in ("no NVMe controller", "no block device")
            else:
                assert directive is None, name
        assert m.poweroff(0) == status_of(0)


@pytest.mark.case("rig.echo-fifo-bursts", timeout=120)
def test_echo_fifo_bursts(nvos):
    """A rig types 16 characters (the 16550's FIFO), waits for their echo,
    and goes on; nothing is lost. Then the same line in one burst."""
    # 60 words (the shell takes 64 per command), 700-odd bytes.
    words = " ".join(f"w{i:02d}-" + "abcdefghijklmnopqrstuvwxyz"[i % 26] * (3 + i % 11)
                     for i in range(60))
    assert len(words) > 40 * FIFO_CHUNK, len(words)
    with nvos.machine(disks=[nvos.blank_disk()]) as m:
        m.wait_ready()
        m.chunked = True  # every command below typed 16 bytes at a time
        for _ in range(3):
            out, rc = m.run("echo " + words)
            assert (out, rc) == (words + "\n", 0), out
        m.chunked = False
        m.send("echo " + words + "\r")  # all at once
        m.expect(re.escape("echo " + words) + "\n")
        m.expect(re.escape(words) + "\nrc=0\nnvos> ")
        out = m.check("selftest uart_no_input_lost")
        assert re.search(r"^ok 1 uart_no_input_lost$", out, re.M), out
        assert m.poweroff(0) == status_of(0)


# ---- the examples in docs/rig.md ----------------------------------------------------

def rig_examples():
    with open(os.path.join(ROOT, "docs", "rig.md")) as f:
        text = f.read()
    return {m.group(1): m.group(3) for m in re.finditer(
        r"<!-- rig-example: (\S+) -->\n```(\w+)\n(.*?)\n```", text, re.S)}


@pytest.mark.case("rig.docs-example.{name}", timeout=240)
@pytest.mark.parametrize("name", ["nvoslib", "testpy", "labgrid"])
def test_docs_python_example(nvos, name):
    """The Python examples of docs/rig.md, run as written (QEMU, no device)."""
    code = rig_examples()[name]
    script = os.path.join(nvos.logdir, f"{nvos.name}.py")
    with open(script, "w") as f:
        f.write(code + "\n")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools"), NVOS_BUILD=nvos.build)
    p = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=200,
                       env=env, cwd=ROOT)
    assert p.returncode == 0, f"{script} failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"


def read_line_matching(stream, pattern, timeout):
    """The first line of a text pipe matching pattern, within timeout seconds."""
    end = time.monotonic() + timeout
    seen = []
    while time.monotonic() < end:
        ready, _, _ = select.select([stream], [], [], max(0.0, end - time.monotonic()))
        if not ready:
            break
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        m = re.search(pattern, line)
        if m:
            return m
    pytest.fail(f"no line matching {pattern!r} within {timeout} s:\n{''.join(seen)}")


@pytest.mark.case("rig.docs-example-on-pty.{name}", timeout=240)
@pytest.mark.parametrize("name", ["nvoslib", "testpy"])
def test_docs_example_on_pty(nvos, name):
    """The examples' serial-device path: QEMU's serial port on a pty (as a
    USB serial adapter would be), the guest paused until the example has
    opened the device, then run as a rig would run it on a board."""
    m = nvos.machine(disks=[Disk(os.path.join(nvos.build, "disk.img"), snapshot=True)])
    args = m.qemu_args()
    args[args.index("-chardev") + 1] = "pty,id=console"
    args[args.index("-monitor") + 1] = "stdio"
    script = os.path.join(nvos.logdir, f"{nvos.name}.py")
    with open(script, "w") as f:
        f.write(rig_examples()[name] + "\n")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools"), NVOS_BUILD=nvos.build)
    qemu = subprocess.Popen(args + ["-S"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        pty = read_line_matching(qemu.stdout, r"char device redirected to (/dev/pts/\d+)", 30)[1]
        example = subprocess.Popen([sys.executable, script, pty], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
        read_line_matching(example.stdout, r"waiting for READY on ", 30)
        # QEMU looks for a reader on its pty once a second and drops output until then.
        time.sleep(1.5)
        qemu.stdin.write("cont\n")
        qemu.stdin.flush()
        out, _ = example.communicate(timeout=180)
        assert example.returncode == 0, f"{script} {pty} failed:\n{out[-3000:]}"
    finally:
        os.killpg(qemu.pid, signal.SIGKILL)
        qemu.wait()


@pytest.mark.case("rig.docs-example.lava", timeout=180)
def test_docs_lava_example(nvos):
    """The LAVA job of docs/rig.md, replayed the way LAVA reads it: the boot
    action's prompt, each interactive command's success string and none of
    its failure strings, and the monitor's start, end and result pattern."""
    job = yaml.safe_load(rig_examples()["lava"])
    boot = job[0]["boot"]
    interactive = job[1]["test"]["interactive"][0]
    monitor = job[2]["test"]["monitors"][0]
    disk = Disk(os.path.join(nvos.build, "disk.img"), snapshot=True)
    with nvos.machine(disks=[disk], cmdline="shell.rc=1") as m:
        m.wait_ready(rc=False)
        assert all(p in m.buf for p in boot["prompts"]), boot["prompts"]
        for step in interactive["script"]:
            out = m.command(step["command"], timeout=120)
            hits = [s["message"] for s in step["successes"] if s["message"] in out]
            misses = [s["message"] for s in step["failures"] if s["message"] in out]
            assert hits and not misses, f"{step['name']}: {hits} {misses}\n{out}"
        log = m.buf
        m.poweroff(0)
    start = log.index(monitor["start"])
    end = log.index(monitor["end"], start)
    section = log[start:end]
    cases = re.findall(monitor["pattern"], section, re.M)
    assert len(cases) == len(SELFTESTS), section
    assert all(monitor["fixupdict"][r] == "pass" for r, _ in cases), cases
    assert [name for _, name in cases] == SELFTESTS
