"""nvoslib - the Python side of nvos: the tools in tools/ and the tests use it.

    nvoslib.console    the shell over a serial line (pexpect): READY, run, rc
    nvoslib.qemu       boot nvos in QEMU (boot paths, NVMe disks), a Console
    nvoslib.qmp        QEMU's QMP: keys, input events, screendump, quit
    nvoslib.screen     the screen console in screendumps: Unifont pixels, OCR, VGA text
    nvoslib.disk       host oracles for disk images (sha256 ranges, fill pattern)
    nvoslib.nvmetrace  nvos's NVMe trace and QEMU's reduced to the same events

Scripts in tools/ import it directly (their own directory is on sys.path);
the tests get tools/ on the path from pytest's configuration
(tests/qemu/pytest.ini).
"""
