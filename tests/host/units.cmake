# The host unit tests, by name. Both CMake projects read this list: the host
# test project (tests/host) defines each test, and the top-level project
# registers each one with its own ctest as "host.<name>", so one ctest run
# shows every host and QEMU test. tests/host/CMakeLists.txt checks that the
# two agree.
set(NVOS_HOST_UNITS
    printf
    json
    args
    lineedit
    fuzz_console
    parse
    memmap
    acpi
    pci_decode
    pci_msi
    multiboot
    nvme_regs
    nvme_cmd
    nvme_status
    nvme_prp
    nvme_queue
    nvme_fixes
    nvme_quirks
    nvme_mps
    nvme_hmb
    nvme_hotpath
    crc32
    sha256
    utf
    blkread
    fsprobe
    part
    fat
    fat_images
    bench_math
    bench_hist
    bench_verify
    bench_opts
    bench_engine
    bench_integrity
    bench_cli_json
    bench_cli_persist
    bench_plot
    bench_fio_jsonplus
    bench_freestanding
    fat_corrupt
    part_images
    text_oracles
    fat_findings
    fuzz_fat
    layers
    kbd
    usb
    vt
    font
)
