#!/usr/bin/env python3
"""Capture the ACPI tables QEMU's firmware builds, for the host tests.

Boots nvos (kernel or UEFI path) on q35 and pc, runs "acpi dump", and writes
tests/host/data/acpi/<firmware>-<machine>.txt in the text format the host test
reads: a "TABLE <sig> <phys> <len>" line, then hex lines. Re-run after a QEMU
or firmware upgrade:  tools/capture_acpi.py
"""
import os

from nvoslib import qemu

OUT = os.path.join(qemu.ROOT, "tests", "host", "data", "acpi")


def capture(boot, machine, name):
    with qemu.Machine(boot=boot, machine=machine, memory=512) as m:
        m.wait_prompt()
        out = m.command("acpi dump", timeout=60)
        m.poweroff(0)
    lines = []
    for line in out.splitlines():
        if line.startswith("ACPI-DUMP "):
            _, sig, phys, length = line.split()
            lines.append(f"TABLE {sig} {phys} {length}")
        elif line.startswith("ACPI-HEX "):
            lines.append(line.split()[1])
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"{name}.txt")
    with open(path, "w") as f:
        f.write(f"# ACPI tables of QEMU -M {machine} under {name.split('-')[0]}, captured by "
                "tools/capture_acpi.py\n")
        f.write("\n".join(lines) + "\n")
    print(f"wrote {path}")


def main():
    for boot, fw in (("kernel", "seabios"), ("uefi", "ovmf")):
        for machine in ("q35", "pc"):
            capture(boot, machine, f"{fw}-{machine}")


if __name__ == "__main__":
    main()
