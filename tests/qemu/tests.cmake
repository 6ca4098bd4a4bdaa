# QEMU tests: pytest files tests/qemu/test_*.py, one ctest test "qemu.<case>"
# per pytest test (listed by `pytest --list-cases` at configure time), each
# running pytest on its node id under its own timeout. Fixtures order the
# tests that compare results of others. Labels: "qemu".
#
# The interpreter is the first of Python3_EXECUTABLE and /usr/bin/python3
# that has pytest and pexpect (Debian's python3-pytest, python3-pexpect).
# Exit status: 0 passed, 77 skipped (SKIP_RETURN_CODE), anything else failed;
# pytest's 5 ("no tests collected": a stale node id) says so in the output.
set(NVOS_PYTEST "")
foreach(py ${Python3_EXECUTABLE} /usr/bin/python3)
    execute_process(COMMAND ${py} -c "import pytest, pexpect"
                    RESULT_VARIABLE has_pytest OUTPUT_QUIET ERROR_QUIET)
    if(has_pytest EQUAL 0)
        set(NVOS_PYTEST ${py})
        break()
    endif()
endforeach()
if(NOT NVOS_PYTEST)
    message(FATAL_ERROR "no Python with pytest and pexpect: tools/nvos deps installs "
                        "python3-pytest and python3-pexpect")
endif()

set(QEMU_PYTEST ${NVOS_PYTEST} -m pytest -c ${NVOS_ROOT}/tests/qemu/pytest.ini
                --rootdir ${NVOS_ROOT}/tests/qemu)
set(QEMU_CASE_LIST ${CMAKE_BINARY_DIR}/qemu-cases.txt)
execute_process(
    COMMAND ${CMAKE_COMMAND} -E env PYTHONDONTWRITEBYTECODE=1
            ${QEMU_PYTEST} -q --list-cases ${QEMU_CASE_LIST} ${NVOS_ROOT}/tests/qemu
    OUTPUT_VARIABLE list_output ERROR_VARIABLE list_output
    RESULT_VARIABLE list_result)
if(NOT list_result EQUAL 0)
    message(FATAL_ERROR "pytest --list-cases failed:\n${list_output}")
endif()
# CONFIGURE_DEPENDS: a new test file re-lists the cases at the next build.
file(GLOB QEMU_TEST_FILES CONFIGURE_DEPENDS ${NVOS_ROOT}/tests/qemu/*.py ${NVOS_ROOT}/tests/qemu/pytest.ini)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${QEMU_TEST_FILES})
file(STRINGS ${QEMU_CASE_LIST} QEMU_CASES)
foreach(line ${QEMU_CASES})
    string(REPLACE "|" ";" fields "${line}")
    list(GET fields 0 name)
    list(GET fields 1 timeout)
    list(GET fields 2 setup)
    list(GET fields 3 requires)
    list(GET fields 4 cost)
    list(GET fields 5 nodeid)
    add_test(NAME qemu.${name}
             COMMAND ${QEMU_PYTEST} -v ${NVOS_ROOT}/tests/qemu/${nodeid})
    set_tests_properties(qemu.${name} PROPERTIES
        TIMEOUT ${timeout} LABELS qemu COST ${cost} SKIP_RETURN_CODE 77
        ENVIRONMENT "NVOS_BUILD=${CMAKE_BINARY_DIR};PYTHONDONTWRITEBYTECODE=1")
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
