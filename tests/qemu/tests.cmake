# QEMU tests: one ctest test per case in tests/qemu/cases_*.py (listed by
# run.py --list at configure time). Each runs under its own timeout; fixtures
# order the cases that compare results of others. Labels: "qemu".
execute_process(
    COMMAND ${Python3_EXECUTABLE} ${NVOS_ROOT}/tests/qemu/run.py --list
    OUTPUT_VARIABLE QEMU_CASES OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE QEMU_LIST_RESULT)
if(NOT QEMU_LIST_RESULT EQUAL 0)
    message(FATAL_ERROR "tests/qemu/run.py --list failed")
endif()
file(GLOB QEMU_CASE_FILES ${NVOS_ROOT}/tests/qemu/*.py)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${QEMU_CASE_FILES})
string(REPLACE "\n" ";" QEMU_CASES "${QEMU_CASES}")
foreach(line ${QEMU_CASES})
    string(REPLACE "|" ";" fields "${line}")
    list(GET fields 0 name)
    list(GET fields 1 timeout)
    list(GET fields 2 setup)
    list(GET fields 3 requires)
    list(GET fields 4 cost)
    add_test(NAME qemu.${name}
             COMMAND ${Python3_EXECUTABLE} ${NVOS_ROOT}/tests/qemu/run.py ${name})
    set_tests_properties(qemu.${name} PROPERTIES
        TIMEOUT ${timeout} LABELS qemu COST ${cost}
        ENVIRONMENT "NVOS_BUILD=${CMAKE_BINARY_DIR}")
    if(setup)
        set_tests_properties(qemu.${name} PROPERTIES FIXTURES_SETUP ${setup})
    endif()
    if(requires)
        set_tests_properties(qemu.${name} PROPERTIES FIXTURES_REQUIRED ${requires})
    endif()
endforeach()

# Keyboard tests (issue 10): tests/qemu/kbd_test.py types on QEMU's PS/2 and USB
# keyboards through QMP; one ctest test "qemu.kbd.*" per case it lists.
execute_process(
    COMMAND ${Python3_EXECUTABLE} ${NVOS_ROOT}/tests/qemu/kbd_test.py --list
    OUTPUT_VARIABLE KBD_CASES OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE KBD_LIST_RESULT)
if(NOT KBD_LIST_RESULT EQUAL 0)
    message(FATAL_ERROR "tests/qemu/kbd_test.py --list failed")
endif()
string(REPLACE "\n" ";" KBD_CASES "${KBD_CASES}")
foreach(line ${KBD_CASES})
    string(REPLACE "|" ";" fields "${line}")
    list(GET fields 0 name)
    list(GET fields 1 timeout)
    add_test(NAME qemu.${name}
             COMMAND ${Python3_EXECUTABLE} ${NVOS_ROOT}/tests/qemu/kbd_test.py ${name})
    set_tests_properties(qemu.${name} PROPERTIES
        TIMEOUT ${timeout} LABELS qemu ENVIRONMENT "NVOS_BUILD=${CMAKE_BINARY_DIR}")
endforeach()
# nvme-cli fidelity: Linux (Debian's kernel + nvme-cli) and nvos on the same
# QEMU device, outputs compared field by field. A self-contained script, not a
# cases_*.py case: it boots two different guests.
add_test(NAME qemu.nvmecli.compare
         COMMAND ${Python3_EXECUTABLE} ${NVOS_ROOT}/tests/qemu/nvmecli_compare.py)
set_tests_properties(qemu.nvmecli.compare PROPERTIES
    TIMEOUT 300 LABELS qemu COST 3
    ENVIRONMENT "NVOS_BUILD=${CMAKE_BINARY_DIR}")
# Crash consistency (issue 11): a self-contained script, not a run.py case;
# QEMU killed at 20 random points per cache mode while bench writes with
# fsync=N, the image checked on the host and by nvos after each reboot.
# Exit 77: cache=none needs O_DIRECT, which some file systems (tmpfs) refuse.
foreach(cache writeback none)
    add_test(NAME qemu.crash.${cache}
             COMMAND ${Python3_EXECUTABLE} ${NVOS_ROOT}/tests/qemu/crash_consistency.py
                     --cache ${cache} --boots 20 --build ${CMAKE_BINARY_DIR})
    set_tests_properties(qemu.crash.${cache} PROPERTIES
        TIMEOUT 400 LABELS qemu COST 80 SKIP_RETURN_CODE 77
        ENVIRONMENT "NVOS_BUILD=${CMAKE_BINARY_DIR}")
endforeach()
