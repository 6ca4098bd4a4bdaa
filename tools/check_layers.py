#!/usr/bin/env python3
"""Check that nvos's layers point down (docs/layers.md).

Reads every #include "..." in the product code (boot, kernel, drivers, lib,
fs, bench, init) and fails, one line per offending include, when a file
includes from a layer above its own. The layers, bottom up:

  lib      depends on nothing: includes only lib/
  core     boot/ and kernel/: the machine, memory, interrupts, time, console
  drivers  drivers/*: devices, and the generic block layer
  fs       fs/: volumes and file commands
  bench    bench/: the benchmark (bench/engine/ includes only lib/ and itself)
  init     init/: wires all of the above together

A file may include from its own layer and the layers below. Two rules more:
drivers/block is the generic layer that device drivers publish to, so it
includes no other driver; and bench/engine is the benchmark's pure part,
built on the host, so it includes only lib/ and bench/engine/.

Usage: check_layers.py [--root DIR]. Python standard library only.
"""
import argparse
import os
import re
import sys

LAYERS = ["lib", "core", "drivers", "fs", "bench", "init"]
PRODUCT_DIRS = ["boot", "kernel", "drivers", "lib", "fs", "bench", "init"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer(path):
    """The layer of a repository path (a file or an include), or None."""
    top = path.split("/", 1)[0]
    if top in ("boot", "kernel"):
        return "core"
    return top if top in LAYERS else None


def violation(src, inc):
    """Why src may not include inc, or None when it may."""
    src_layer, inc_layer = layer(src), layer(inc)
    if inc_layer is None:
        return None  # tests/, tools/ or a generated file: not a layer
    if LAYERS.index(inc_layer) > LAYERS.index(src_layer):
        return f"{src_layer} includes from {inc_layer}, a layer above it"
    if src.startswith("bench/engine/") and not inc.startswith(("lib/", "bench/engine/")):
        return "bench/engine includes only lib/ and bench/engine/ (it is built on the host)"
    if (src.startswith("drivers/block/") and inc.startswith("drivers/")
            and not inc.startswith("drivers/block/")):
        return "drivers/block is the generic block layer and includes no driver"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    root = os.path.abspath(ap.parse_args().root)
    failures = checked = 0
    for top in PRODUCT_DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith((".c", ".h", ".S")):
                    continue
                path = os.path.join(dirpath, name)
                src = os.path.relpath(path, root).replace(os.sep, "/")
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                for m in INCLUDE.finditer(text):
                    checked += 1
                    why = violation(src, m.group(1))
                    if why:
                        line = text.count("\n", 0, m.start()) + 1
                        print(f"{src}:{line}: #include \"{m.group(1)}\": {why}")
                        failures += 1
    if checked == 0:
        print(f"check_layers: no includes found under {root}", file=sys.stderr)
        return 1
    if failures:
        print(f"check_layers: {failures} of {checked} includes point up", file=sys.stderr)
        return 1
    print(f"check_layers: {checked} includes, all pointing down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
