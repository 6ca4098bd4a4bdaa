# tests/host/fat/tests.cmake - the host tests of the partition and FAT
# libraries and their helpers, included by tests/host/CMakeLists.txt (which
# provides host_test() and NVOS_ROOT). Every name defined here is also listed
# in tests/host/units.cmake.
#
#   crc32 sha256 utf blkread part fat   C unit tests (host_test)
#   fat_images fat_corrupt part_images  Python drivers that make images with
#   text_oracles fat_findings           mkfs.fat, mtools, sfdisk and sgdisk
#                                       and check nvfat against them
#   fuzz_fat                            libFuzzer, 45 s (needs clang)

host_test(crc32 SOURCES tests/host/test_crc32.c lib/crc32.c)
host_test(sha256 SOURCES tests/host/test_sha256.c lib/sha256.c)
host_test(utf SOURCES tests/host/test_utf.c lib/utf.c)
host_test(blkread SOURCES tests/host/test_blkread.c lib/blkread.c)
set(PART_SOURCES ${NVOS_lib_part_HOST} lib/blkread.c lib/crc32.c lib/utf.c lib/printf.c
                 lib/errno.c)
host_test(part SOURCES tests/host/test_part.c ${PART_SOURCES})
set(FAT_SOURCES ${NVOS_lib_fat_HOST})
host_test(fat SOURCES tests/host/test_fat.c ${FAT_SOURCES} ${PART_SOURCES})

# nvfat: lib/part and lib/fat on an image file (tests/host/fat/nvfat.c), run
# by the script-driven tests below.
set(nvfat_srcs "")
foreach(s tests/host/fat/nvfat.c ${FAT_SOURCES} ${PART_SOURCES} lib/sha256.c)
    list(APPEND nvfat_srcs ${NVOS_ROOT}/${s})
endforeach()
add_executable(nvfat ${nvfat_srcs})

# host_script_test(<name> SCRIPT <file> [ARGS <args...>] [TIMEOUT <s>])
#   Registers "python3 <file> --nvfat <nvfat> --work <dir> <args>" as ctest
#   test <name>. Scripts make their images at test time, under
#   <build>/fat-work/<name>, with mkfs.fat, mtools, sfdisk and sgdisk;
#   in_scratch.py removes that directory when the test passes.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
function(host_script_test name)
    cmake_parse_arguments(T "" "SCRIPT;TIMEOUT" "ARGS" ${ARGN})
    add_test(NAME ${name}
             COMMAND ${Python3_EXECUTABLE} ${NVOS_ROOT}/tests/host/fat/in_scratch.py
                     ${CMAKE_CURRENT_BINARY_DIR}/fat-work/${name} --
                     ${Python3_EXECUTABLE} ${NVOS_ROOT}/${T_SCRIPT} --nvfat $<TARGET_FILE:nvfat>
                     --work ${CMAKE_CURRENT_BINARY_DIR}/fat-work/${name} ${T_ARGS})
    set_tests_properties(${name} PROPERTIES
        ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
        TIMEOUT ${T_TIMEOUT})
    set(NVOS_DEFINED_UNITS ${NVOS_DEFINED_UNITS} ${name} CACHE INTERNAL "")
endfunction()

host_script_test(fat_images SCRIPT tests/host/fat/test_fat_images.py TIMEOUT 300)
host_script_test(fat_corrupt SCRIPT tests/host/fat/test_fat_corrupt.py TIMEOUT 120)
host_script_test(part_images SCRIPT tests/host/fat/test_part_images.py TIMEOUT 120)
host_script_test(text_oracles SCRIPT tests/host/fat/test_text_oracles.py TIMEOUT 120)
host_script_test(fat_findings SCRIPT tests/host/fat/test_fat_findings.py TIMEOUT 180)

# fuzz_fat: a libFuzzer target over lib/part and lib/fat, run for 45 s from
# seeds made at test time. libFuzzer needs clang, while this project may be
# built with gcc, so the target is compiled by a custom command; without
# clang the test reports itself skipped.
find_program(NVOS_CLANG NAMES clang clang-14)
if(NVOS_CLANG)
    # clang without its runtimes (libclang-rt-14-dev is only "recommended"
    # on Debian 12) cannot link a fuzzer: find that out now, not in make.
    set(probe ${CMAKE_CURRENT_BINARY_DIR}/fuzz_probe.c)
    file(WRITE ${probe} "#include <stddef.h>\n#include <stdint.h>\n"
         "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\n"
         "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
    execute_process(COMMAND ${NVOS_CLANG} -fsanitize=fuzzer,address,undefined ${probe}
                            -o ${CMAKE_CURRENT_BINARY_DIR}/fuzz_probe
                    RESULT_VARIABLE probe_rc OUTPUT_QUIET ERROR_QUIET)
    if(NOT probe_rc EQUAL 0)
        message(WARNING "${NVOS_CLANG} cannot link -fsanitize=fuzzer (libclang-rt-14-dev?)")
        set(NVOS_CLANG "")
    endif()
endif()
if(NVOS_CLANG)
    set(fuzz_srcs "")
    foreach(s tests/host/fat/fuzz_fat.c ${FAT_SOURCES} ${PART_SOURCES})
        list(APPEND fuzz_srcs ${NVOS_ROOT}/${s})
    endforeach()
    file(GLOB fuzz_headers ${NVOS_ROOT}/lib/*.h ${NVOS_ROOT}/lib/fat/*.h ${NVOS_ROOT}/lib/part/*.h)
    add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/fuzz_fat
        COMMAND ${NVOS_CLANG} -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined
                -fno-sanitize-recover=all -fno-omit-frame-pointer -D_GNU_SOURCE -I${NVOS_ROOT}
                -Wall -Wextra -Werror -Wshadow ${fuzz_srcs} -o ${CMAKE_CURRENT_BINARY_DIR}/fuzz_fat
        DEPENDS ${fuzz_srcs} ${fuzz_headers}
        COMMENT "Building the libFuzzer target fuzz_fat with clang"
        VERBATIM)
    add_custom_target(fuzz_fat_target ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/fuzz_fat)
    host_script_test(fuzz_fat SCRIPT tests/host/fat/test_fuzz.py TIMEOUT 240
                     ARGS --fuzzer ${CMAKE_CURRENT_BINARY_DIR}/fuzz_fat --seconds 45)
else()
    message(WARNING "no clang with libFuzzer: the fuzz_fat test will be skipped")
    host_script_test(fuzz_fat SCRIPT tests/host/fat/test_fuzz.py TIMEOUT 30 ARGS --fuzzer none)
    set_tests_properties(fuzz_fat PROPERTIES SKIP_RETURN_CODE 77)
endif()
