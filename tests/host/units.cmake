# The host unit tests, by name. Both CMake projects read this list: the host
# test project (tests/host) defines each test, and the top-level project
# registers each one with its own ctest as "host.<name>", so one ctest run
# shows every host and QEMU test. tests/host/CMakeLists.txt checks that the
# two agree.
set(NVOS_HOST_UNITS
    printf
    crc32
    sha256
    utf
    blkread
    part
    fat
    fat_images
    fat_corrupt
    part_images
    text_oracles
    fuzz_fat
)
