"""Test-case registry and assertions for the QEMU tests.

A case is a function taking a Context; it boots machines with ctx.machine(),
talks to the shell and asserts on the transcript. Cases are registered with
@case("name", timeout=..., fixtures=...) and listed by `run.py --list`, which
tests.cmake turns into one ctest test each.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import nvosqemu  # noqa: E402

CASES = {}


class CaseFailure(Exception):
    pass


def case(name, timeout=180, setup=None, requires=None, cost=1):
    """Registers a test case. setup/requires: ctest fixture names."""
    def wrap(fn):
        CASES[name] = dict(fn=fn, timeout=timeout, setup=setup, requires=requires, cost=cost)
        return fn
    return wrap


class Context:
    def __init__(self, name):
        self.name = name
        self.build = nvosqemu.build_dir()
        self.logdir = os.path.join(self.build, "test-logs")
        self.images = os.path.join(self.build, "test-images")
        os.makedirs(self.logdir, exist_ok=True)
        self.machines = 0

    def machine(self, **kw):
        self.machines += 1
        suffix = "" if self.machines == 1 else f".{self.machines}"
        kw.setdefault("log", os.path.join(self.logdir, f"{self.name}{suffix}.log"))
        return nvosqemu.Machine(**kw)

    def log(self, msg):
        print(msg, flush=True)


def check(cond, msg):
    if not cond:
        raise CaseFailure(msg)


def check_in(needle, haystack, what="output"):
    if needle not in haystack:
        raise CaseFailure(f"expected {needle!r} in {what}:\n{haystack}")


def check_re(pattern, haystack, what="output"):
    m = re.search(pattern, haystack, re.M)
    if not m:
        raise CaseFailure(f"expected /{pattern}/ in {what}:\n{haystack}")
    return m


def check_not_in(needle, haystack, what="output"):
    if needle in haystack:
        raise CaseFailure(f"did not expect {needle!r} in {what}:\n{haystack}")


def check_status(status, code):
    want = 2 * code + 1
    if status != want:
        raise CaseFailure(f"QEMU exit status {status}, expected {want} (guest code {code})")
