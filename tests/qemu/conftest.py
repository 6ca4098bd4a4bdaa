"""pytest configuration for the QEMU tests: the one fixture, `nvos`, and the
case names ctest knows the tests by.

Every test is marked with its case name and ctest properties:

    @pytest.mark.case("boot.{boot}.{machine}", timeout=120, setup="lspci_{machine}")
    @pytest.mark.parametrize("boot,machine", ...)
    def test_boot(nvos, boot, machine):
        with nvos.machine(boot=boot, machine=machine, disks=[nvos.blank_disk()]) as m:
            m.wait_ready()                  # READY, the prompt, rc lines on
            out, rc = m.run("lspci")        # or m.check("lspci"): raises unless rc=0
            assert rc == 0 and "1b36:0010" in out, out
            assert m.poweroff(0) == status_of(0)   # nvoslib.qemu.status_of

The name is formatted with the test's parameters. `pytest --list-cases FILE`
writes one line per test, "name|timeout|setup|requires|cost|nodeid", which
tests.cmake turns into one ctest test "qemu.<name>" running that node id.
setup/requires are ctest fixture names: a test that compares what others
recorded requires what they set up.

Exit status: pytest's 5 (nothing collected: the node id is stale, re-run
cmake) is reported as such and fails the ctest test; a test that skipped
(missing firmware, say) exits 77, which ctest shows as skipped.
"""
import os
import shutil

import pytest

from nvoslib import disk as nvosdisk
from nvoslib import qemu

SKIPPED = 77


def pytest_addoption(parser):
    parser.addoption("--list-cases", metavar="FILE",
                     help="write name|timeout|setup|requires|cost|nodeid per test to FILE and stop")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "case(name, timeout=180, setup=None, requires=None, cost=1): the ctest "
        "name (formatted with the parameters) and properties of a QEMU test")


def case_info(item):
    mark = item.get_closest_marker("case")
    if mark is None:
        raise pytest.UsageError(f"{item.nodeid}: no @pytest.mark.case(...)")
    params = item.callspec.params if hasattr(item, "callspec") else {}
    kw = mark.kwargs

    def fmt(s):
        return s.format(**params) if s else ""
    return dict(name=fmt(mark.args[0]), timeout=kw.get("timeout", 180), setup=fmt(kw.get("setup")),
                requires=fmt(kw.get("requires")), cost=kw.get("cost", 1))


def pytest_collection_finish(session):
    path = session.config.getoption("--list-cases")
    if not path:
        return
    seen = {}
    with open(path, "w") as f:
        for item in session.items:
            c = case_info(item)
            if c["name"] in seen:
                raise pytest.UsageError(f"case {c['name']} twice: {seen[c['name']]} and "
                                        f"{item.nodeid}")
            seen[c["name"]] = item.nodeid
            f.write(f"{c['name']}|{c['timeout']}|{c['setup']}|{c['requires']}|{c['cost']}|"
                    f"{item.nodeid}\n")
    pytest.exit(f"{len(seen)} cases listed in {path}", returncode=0)


def pytest_sessionfinish(session, exitstatus):
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("\nnvos: no test matched the node id or -k expression given; if it comes from "
              "ctest, the test list is stale: re-run cmake", flush=True)
        return
    tr = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = tr.stats if tr else {}
    if (exitstatus == pytest.ExitCode.OK and stats.get("skipped")
            and not stats.get("passed") and not stats.get("failed")):
        session.exitstatus = SKIPPED


class Nvos:
    """What a QEMU test works with: machines booted for it (closed and
    logged at the end), and its directories.

        name      the case name (logs are <logdir>/<name>[.N].log)
        build     the build directory (NVOS_BUILD, default build/)
        logdir    <build>/test-logs
        images    <build>/test-images/<name>: this test's disk images, made
                  empty when the test starts and removed when it passes (a
                  suite that leaves gigabytes behind fills a CI disk)
        cache     <build>/test-images/cache: images built once per build
                  directory and shared, read-only or snapshot=on
    """

    def __init__(self, name):
        self.name = name
        self.build = qemu.build_dir()
        self.logdir = os.path.join(self.build, "test-logs")
        self.images = os.path.join(self.build, "test-images", name)
        self.cache = os.path.join(self.build, "test-images", "cache")
        os.makedirs(self.logdir, exist_ok=True)
        shutil.rmtree(self.images, ignore_errors=True)
        os.makedirs(self.images)
        os.makedirs(self.cache, exist_ok=True)
        self.machines = []

    def machine(self, **kw):
        """A QEMU machine (nvoslib.qemu.Machine): use it in a with-block, or
        call start(); either way it is closed when the test ends."""
        suffix = "" if not self.machines else f".{len(self.machines) + 1}"
        kw.setdefault("log", os.path.join(self.logdir, f"{self.name}{suffix}.log"))
        m = qemu.Machine(**kw)
        self.machines.append(m)
        return m

    def blank_disk(self, size_mib=64):
        """A zero-filled NVMe disk, shared by the tests that only need one
        (snapshot=on: writes stay in QEMU)."""
        path = os.path.join(self.cache, "blank.img")
        if not os.path.exists(path):
            with open(path + f".{os.getpid()}", "wb") as f:
                f.truncate(size_mib << 20)
            os.replace(path + f".{os.getpid()}", path)
        return qemu.Disk(path, snapshot=True)

    def image(self, name, size=64 << 20, seed=None):
        """A fresh copy, for this test, of a deterministic random image."""
        path = os.path.join(self.images, f"{name}.img")
        shutil.copyfile(self.golden(size, seed), path)
        return path

    def golden(self, size=64 << 20, seed=None):
        """The shared deterministic random image the copies start from: what
        a disk held before the test wrote to it (never written itself)."""
        path = os.path.join(self.cache, f"random-{size >> 20}m-{seed or 'nvos'}.img")
        if not os.path.exists(path):
            nvosdisk.random_image(path + f".{os.getpid()}", size, seed or "nvos")
            os.replace(path + f".{os.getpid()}", path)
        return path

    def close(self, passed):
        for m in self.machines:
            m.close()
        if passed:
            shutil.rmtree(self.images, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the item, so the fixture knows whether
    the test passed when it tears down."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"nvos_rep_{rep.when}", rep)


@pytest.fixture
def nvos(request):
    """The one fixture of the QEMU tests (see Nvos)."""
    rig = Nvos(case_info(request.node)["name"])
    yield rig
    rep = getattr(request.node, "nvos_rep_call", None)
    rig.close(passed=rep is not None and (rep.passed or rep.skipped))

