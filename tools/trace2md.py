#!/usr/bin/env python3
"""Regenerate docs/nvme-init-walkthrough.md from a real boot.

Boots nvos under QEMU (SeaBIOS, -kernel, q35) with nvme.trace=1 and QEMU's
own pci_nvme_* trace, reads one block, writes one, powers off, and writes
the walkthrough: for each step of the init sequence, what the spec asks,
what nvos did (its trace) and what the device says it received (QEMU's
trace), then one I/O and the shutdown the same way.

    tools/trace2md.py [OUT.md]     (default docs/nvme-init-walkthrough.md)
Needs a built tree (build/nvos.elf).
"""
import os
import re
import sys
import tempfile

from nvoslib import qemu

ROOT = qemu.ROOT

# What each step is for, in the words of this project. Keyed by the step
# title nvos prints ("step N/M <title> [reference]").
PROSE = {
    "map registers (BAR0)": """
Not a spec step: the controller's registers are BAR0 of its PCI function [PCIe Transport
1.0 §3.1]. nvos turns on memory decoding and bus mastering (firmware may have left either
off) and maps the BAR uncached. Like every step it has an undo, which the driver runs when
a later step fails - here: bus mastering off, so a controller given up on cannot write to
memory. No register is read yet, so the trace shows nothing.""",
    "read capabilities (CAP, VS)": """
Everything starts from two read-only registers. **CAP** (offset 0x00, 64-bit, read as two
32-bit halves, low first) says how many entries a queue may have (MQES, 0's based), whether
queues must be physically contiguous (CQR), how long the controller may take to change
CSTS.RDY (TO, in 500 ms units: every wait below takes its deadline from it), the doorbell
stride (DSTRD), the command sets (CSS) and the memory page sizes it accepts (MPSMIN..MPSMAX).
**VS** is the spec version; it decides, for example, whether the Active Namespace ID list
(NVMe 1.1) can be asked for. nvos also reads **CC** and **CSTS** to report what the firmware
left behind: on QEMU both SeaBIOS and OVMF leave the controller *enabled*, with admin queues
in memory the kernel is about to reuse. That is the single most common trap for a new
driver.""",
    "disable and wait for reset to finish (CC.EN=0, CSTS.RDY=0)": """
Spec step 1: "the host waits for the controller to indicate that any previous reset is
complete by waiting for CSTS.RDY to become '0'". Because the controller is running, nvos
first *makes* it reset: it writes CC with EN cleared (and nothing else changed: no shutdown
notification, because the queues the device knows are the firmware's) and polls CSTS until
RDY=0. The poll is one trace line however many reads it took. Clearing EN while RDY still
follows an earlier EN=1 is undefined, so a controller found with EN=1 and RDY=0 is first
allowed to become ready.""",
    "set up interrupts (MSI-X, INTx or polling)": """
Not a spec step but an order that matters: QEMU only delivers MSI-X for completion queues
created while MSI-X is already enabled, and the admin completion queue is created by
CC.EN=1. So the MSI-X table is programmed (entry 0 is the admin queue's, by definition) and
MSI-X enabled now, before the controller is. These are PCI configuration and MSI-X table
writes; the device's registers are not touched.""",
    "configure admin queue (AQA, ASQ, ACQ)": """
Spec step 2: **AQA** holds both admin queue sizes, 0's based (31 means 32 entries);
**ASQ** and **ACQ** the physical addresses of the submission and completion queues, which
must be aligned to the memory page size. Each 64-bit register is written as two ordered
32-bit writes, low half first. These writes happen only while the controller is disabled;
QEMU's trace shows the device taking each half.""",
    "select command set, page size, arbitration (CC)": """
Spec steps 3-4: CC.CSS selects the command set (000b: the NVM Command Set), CC.MPS the
memory page size (0: 4 KiB), CC.AMS the arbitration (round robin). IOSQES=6 and IOCQES=4
(64-byte submission and 16-byte completion entries) are set here too: the spec only needs
them before I/O queues exist, but QEMU refuses to enable without them.""",
    "enable controller (CC.EN=1)": """
Spec step 5: the same CC value with EN set. In the device's trace this is the
`pci_nvme_mmio_cfg` write followed by `start_success`.""",
    "wait for ready (CSTS.RDY=1)": """
Spec step 6: poll CSTS until RDY=1, within CAP.TO. CSTS.CFS during the wait means the
controller refused the configuration (QEMU raises it for a misaligned queue or bad entry
sizes), and an all-ones read means the device is gone; both end the wait at once with a
message instead of running into the timeout.""",
    "identify controller (CNS 01h)": """
Spec step 7: the first command. The admin command goes into submission queue 0 at the tail,
the tail doorbell (offset 0x1000) tells the device, the device writes a completion entry
with the phase bit set (the queue's first pass), and nvos writes the completion queue's head
doorbell (0x1004). The command identifier is the tracker's index plus a 4-bit generation in
bits 15:12, so a completion that arrives for a slot already reused is recognised as stale.
From the 4 KiB answer nvos takes MDTS (the largest transfer: 2^MDTS pages of CAP.MPSMIN,
512 KiB on QEMU), NN and the optional commands.""",
    "identify namespaces (CNS 02h, 00h)": """
Spec step 8: NN is the *highest* namespace ID, not a count (QEMU reports 256 with one
namespace), so nvos asks for the Active Namespace ID list (CNS 02h) and then Identify
Namespace (CNS 00h) for each ID in it: size (NSZE), and the LBA format in use (FLBAS ->
LBA data size and metadata size). Controllers without CNS 02h are scanned from 1 to NN,
skipping inactive IDs rather than stopping at the first gap.""",
    "set number of queues (FID 07h)": """
Spec step 9: Set Features, Number of Queues. Both the request and the answer are 0's based;
the usable number of I/O queue pairs is the smaller of the submission and completion counts
granted, and never more than asked for (QEMU always answers with its maximum).""",
    "create I/O completion and submission queues": """
Spec steps 10-11: each pair is a Create I/O Completion Queue (its interrupt vector, IEN) and
then a Create I/O Submission Queue naming that completion queue. nvos makes two: one that
completes by interrupt (MSI-X entry 1, IEN=1) and one that is polled (IEN=0). The device's
trace shows `create_cq` / `create_sq` with the same sizes, addresses and vectors.""",
    "host memory buffer (FID 0Dh)": """
Not a step of §3.5.1 but of §5.27.1.10: a DRAM-less controller asks for host memory in
Identify (HMPRE, the preferred size; HMMIN, the least it can use). nvos would allocate it in
chunks, describe them in a descriptor list and hand it over with Set Features 0Dh, and take
it back (EHM=0) before a reset or shutdown. QEMU asks for none (HMPRE 0), so nothing is
sent: the line says so.""",
    "power state and APST (FID 02h, 0Ch)": """
Power management as firmware left it: Get Features 02h gives the current power state; a
controller with APSTA set would also be asked for its Autonomous Power State Transition
table (Features 0Ch), which `nvme.apst=off` turns off. QEMU's has no APST, so one Get
Features is all the device sees.""",
    "enable asynchronous events (FID 0Bh, AER)": """
Spec step 12: Set Features, Asynchronous Event Configuration (which events to report), then
one Asynchronous Event Request that stays outstanding until something happens: it has no
completion in this trace, by design, and no deadline.""",
    "publish namespaces as block devices": """
Not a spec step: only now, with I/O queues working, does `nvme0n1` appear as a block device
for the FAT reader, the benchmark and the shell.""",
}


def device_lines(qlog, first_cc):
    """The device's trace from nvos's first CC write, noise (every MMIO access) left out."""
    out, started = [], False
    keep = re.compile(r"pci_nvme_(mmio_cfg|mmio_aqattr|mmio_asqaddr|mmio_acqaddr|mmio_start|"
                      r"mmio_doorbell|admin_cmd|io_cmd|identify|create_|getfeat|setfeat|"
                      r"enqueue_req_completion|read |write |mmio_shutdown|del_|map_prp|irq_msix|"
                      r"aer)")
    for line in qlog.splitlines():
        ev = re.sub(r"^\d+@[\d.]+:", "", line)
        if not started and "mmio_cfg" in ev and f"config=0x{first_cc:x}" in ev:
            started = True
        if started and keep.search(ev):
            out.append(ev)
    return out


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs",
                                                                 "nvme-init-walkthrough.md")
    with tempfile.TemporaryDirectory() as tmp:
        disk = os.path.join(tmp, "disk.img")
        with open(disk, "wb") as f:
            f.truncate(64 << 20)
        qlog = os.path.join(tmp, "qemu.trace")
        with qemu.Machine(boot="kernel", machine="q35", disks=[qemu.Disk(disk)],
                              cmdline="nvme.trace=1", trace_file=qlog) as m:
            m.wait_prompt()
            io_start = len(m.buf)
            m.command("blk dump nvme0n1 0 1")
            m.command("blk fill nvme0n1 8 1 1")
            io_end = len(m.buf)
            m.poweroff(0)
            console = m.buf
        qtext = open(qlog).read()

    lines = console.splitlines()
    first_cc = None
    for l in lines:
        mm = re.match(r"nvme0: W CC 0x014 <- 0x([0-9a-f]+)", l)
        if mm:
            first_cc = int(mm.group(1), 16)
            break
    dev = device_lines(qtext, first_cc)

    # Split nvos's trace at its step lines.
    steps, current = [], None
    init_text = console[:console.index("nvos: ready")]
    for l in init_text.splitlines():
        mm = re.match(r"nvme0: step (\d+)/(\d+) (.*) \[(.*)\]$", l)
        if mm:
            current = {"n": mm.group(1), "total": mm.group(2), "title": mm.group(3),
                       "ref": mm.group(4), "lines": []}
            steps.append(current)
        elif current and l.startswith("nvme0"):
            current["lines"].append(l)

    md = []
    md.append("# The NVMe init sequence, one register at a time\n")
    md.append("This walkthrough is generated from a real boot by `tools/trace2md.py`: nvos on "
              "QEMU's q35 machine (SeaBIOS, `-kernel`), an emulated NVMe controller with one "
              "64 MiB namespace, the boot option `nvme.trace=1`, and QEMU's own trace of what the "
              "device received (`-trace 'pci_nvme_*'`). The test `nvme.trace-matches-device` checks "
              "on every run that the two traces agree event by event.\n")
    md.append("How to read nvos's trace lines:\n")
    md.append("- `R CSTS 0x01c -> 0x00000001 (RDY=1 ...)`: a register read, with its fields decoded; "
              "`W` is a write. 64-bit registers are printed whole but accessed as two 32-bit halves.")
    md.append("- `R CSTS 0x01c x3 until RDY=0, 0.042 ms: ...`: a polling loop, collapsed to one line.")
    md.append("- `SQ0[2] <- OPC=0x06 CID=0x2000 Identify ...`: a submission queue entry written at "
              "slot 2 of queue 0 (admin); `DB SQ0 tail 0x1000 <- 3` the doorbell that hands it over.")
    md.append("- `CQ0[2] -> CID=8192 SQID=0 SQHD=3 P=1 status=0x0000 ...`: a completion entry "
              "(P is the phase tag); `DB CQ0 head 0x1004 <- 3` gives the slot back.\n")
    md.append("The spec citations are to the NVM Express Base Specification, revision 2.0, "
              "§3.5.1 \"Memory-based Controller Initialization (PCIe)\".\n")
    for s in steps:
        md.append(f"## Step {s['n']} of {s['total']}: {s['title']}\n")
        md.append(f"*{s['ref']}*\n")
        md.append(PROSE.get(s["title"], "").strip() + "\n")
        if s["lines"]:
            md.append("```text")
            md.extend(s["lines"])
            md.append("```\n")
    md.append("## What the device saw\n")
    md.append("QEMU's side of the same sequence, from nvos's first CC write (the firmware's own "
              "driver ran before it: SeaBIOS identified all 256 namespace IDs and left the "
              "controller enabled):\n")
    init_dev = []
    for l in dev:
        init_dev.append(l)
        if "setfeat" in l and "0xb" in l.lower() and len(init_dev) > 20:
            break
    md.append("```text")
    md.extend(init_dev[:120])
    md.append("```\n")
    io_lines = [l for l in console[io_start:io_end].splitlines() if l.startswith("nvme0")]
    md.append("## One read and one write\n")
    md.append("`blk dump nvme0n1 0 1` reads block 0; `blk fill nvme0n1 8 1 1` writes block 8. "
              "Each is one command on I/O queue 1, which completes by MSI-X: the read's entry "
              "(opcode 02h) carries the starting LBA in CDW10-11, the 0's based block count in "
              "CDW12 and the buffer's physical address in PRP1 (one page: no PRP2).\n")
    md.append("```text")
    md.extend(io_lines)
    md.append("```\n")
    shut = [l for l in console[io_end:].splitlines() if l.startswith("nvme0")]
    md.append("## Shutdown\n")
    md.append("`poweroff` runs the shutdown steps (NVMe Base 2.0 §3.6.2): the I/O submission "
              "queues are deleted, then their completion queues (deleting a completion queue "
              "that still has a submission queue fails), then CC.SHN=01b asks for a normal "
              "shutdown and CSTS.SHST=10b reports it complete. Without this the drive counts an "
              "unsafe shutdown and may take longer to come up next time.\n")
    md.append("```text")
    md.extend(shut)
    md.append("```\n")
    with open(out_path, "w") as f:
        f.write("\n".join(md))
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
