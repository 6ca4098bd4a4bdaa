"""nvoslib.nvmetrace - reduce the two traces of one NVMe session to comparable events.

nvos's own trace (nvme.trace=1 on its console) and QEMU's record of what the
emulated device received (-trace 'pci_nvme_*' -D FILE) describe the same
conversation from the two ends. Both are reduced to the same event tuples:

    ("CC", value)                 every write of Controller Configuration
    ("AQA", value)                Admin Queue Attributes
    ("ASQ", address), ("ACQ", address)   admin queue bases (64-bit)
    ("SQDB", qid, tail), ("CQDB", qid, head)   doorbell writes
    ("ADMIN", cid, opcode)        admin commands, as the device fetched them
    ("IO", sqid, cid, opcode)     I/O commands
    ("CQE", cqid, cid, status)    completions the device posted (status
                                  without the phase bit, QEMU's encoding)
    ("SHN",)                      a shutdown notification (CC.SHN set)

QEMU's record starts at power-on, with the firmware's own driver (SeaBIOS
leaves the controller enabled); it is taken from nvos's first CC write on.
"""
import re

OURS = [
    (re.compile(r"^(nvme\d+): W CC 0x014 <- 0x([0-9a-f]+)"), lambda m: ("CC", int(m[2], 16))),
    (re.compile(r"^(nvme\d+): W AQA 0x024 <- 0x([0-9a-f]+)"), lambda m: ("AQA", int(m[2], 16))),
    (re.compile(r"^(nvme\d+): W ASQ 0x028 <- 0x([0-9a-f]+)"), lambda m: ("ASQ", int(m[2], 16))),
    (re.compile(r"^(nvme\d+): W ACQ 0x030 <- 0x([0-9a-f]+)"), lambda m: ("ACQ", int(m[2], 16))),
    (re.compile(r"^(nvme\d+): DB SQ(\d+) tail \S+ <- (\d+)"),
     lambda m: ("SQDB", int(m[2]), int(m[3]))),
    (re.compile(r"^(nvme\d+): DB CQ(\d+) head \S+ <- (\d+)"),
     lambda m: ("CQDB", int(m[2]), int(m[3]))),
    (re.compile(r"^(nvme\d+): SQ0\[\d+\] <- OPC=0x([0-9a-f]+) CID=0x([0-9a-f]+)"),
     lambda m: ("ADMIN", int(m[3], 16), int(m[2], 16))),
    (re.compile(r"^(nvme\d+): SQ([1-9]\d*)\[\d+\] <- OPC=0x([0-9a-f]+) CID=0x([0-9a-f]+)"),
     lambda m: ("IO", int(m[2]), int(m[4], 16), int(m[3], 16))),
    (re.compile(r"^(nvme\d+): CQ(\d+)\[\d+\] -> CID=(\d+) SQID=\d+ SQHD=\d+ P=\d status=0x([0-9a-f]+)"),
     lambda m: ("CQE", int(m[2]), int(m[3]), int(m[4], 16))),
]

QEMU = [
    (re.compile(r"pci_nvme_mmio_cfg .*config=0x([0-9a-f]+)"), lambda m: ("CC", int(m[1], 16))),
    (re.compile(r"pci_nvme_mmio_aqattr .*=0x([0-9a-f]+)"), lambda m: ("AQA", int(m[1], 16))),
    (re.compile(r"pci_nvme_mmio_asqaddr_hi .*new_address=0x([0-9a-f]+)"),
     lambda m: ("ASQ", int(m[1], 16))),
    (re.compile(r"pci_nvme_mmio_acqaddr_hi .*new_address=0x([0-9a-f]+)"),
     lambda m: ("ACQ", int(m[1], 16))),
    (re.compile(r"pci_nvme_mmio_doorbell_sq sqid (\d+) new_tail (\d+)"),
     lambda m: ("SQDB", int(m[1]), int(m[2]))),
    (re.compile(r"pci_nvme_mmio_doorbell_cq cqid (\d+) new_head (\d+)"),
     lambda m: ("CQDB", int(m[1]), int(m[2]))),
    (re.compile(r"pci_nvme_admin_cmd cid (\d+) sqid 0 opc 0x([0-9a-f]+)"),
     lambda m: ("ADMIN", int(m[1]), int(m[2], 16))),
    (re.compile(r"pci_nvme_io_cmd cid (\d+) nsid 0x[0-9a-f]+ sqid (\d+) opc 0x([0-9a-f]+)"),
     lambda m: ("IO", int(m[2]), int(m[1]), int(m[3], 16))),
    (re.compile(r"pci_nvme_enqueue_req_completion cid (\d+) cqid (\d+) dw0 \S+ dw1 \S+ status 0x([0-9a-f]+)"),
     lambda m: ("CQE", int(m[2]), int(m[1]), int(m[3], 16))),
    (re.compile(r"pci_nvme_mmio_shutdown_set"), lambda m: ("SHN",)),
]


def ours(console_text, ctrl="nvme0"):
    events = []
    for line in console_text.splitlines():
        if not line.startswith(ctrl + ":"):
            continue
        for rx, make in OURS:
            m = rx.match(line)
            if m:
                ev = make(m)
                events.append(ev)
                if ev[0] == "CC" and (ev[1] >> 14) & 3:
                    events.append(("SHN",))
                break
    return events


def device(qemu_log, first_cc):
    """Events from QEMU's log, from the first CC write equal to first_cc on."""
    events = []
    started = False
    for line in qemu_log.splitlines():
        for rx, make in QEMU:
            m = rx.search(line)
            if m:
                ev = make(m)
                if not started and ev == ("CC", first_cc):
                    started = True
                if started:
                    events.append(ev)
                break
    return events


def by_kind(events):
    out = {}
    for e in events:
        out.setdefault(e[0], []).append(e)
    return out


def compare(our_events, dev_events):
    """Per kind, the two ordered lists must be equal. Returns a list of problems."""
    a, b = by_kind(our_events), by_kind(dev_events)
    problems = []
    for kind in sorted(set(a) | set(b)):
        x, y = a.get(kind, []), b.get(kind, [])
        if x == y:
            continue
        n = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
        problems.append(f"{kind}: {len(x)} in nvos's trace, {len(y)} seen by the device; first "
                        f"difference at #{n}: nvos {x[n] if n < len(x) else '-'}, "
                        f"device {y[n] if n < len(y) else '-'}")
    return problems
