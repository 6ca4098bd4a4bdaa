# QEMU tests: pytest files tests/qemu/test_*.py, one ctest test "qemu.<case>"
# per pytest test (listed by `pytest --list-cases` at configure time), each
# running pytest on its node id under its own timeout. Fixtures order the
# tests that compare results of others. Labels: "qemu".
#
# The interpreter is the first of Python3_EXECUTABLE and /usr/bin/python3
# that has pytest and pexpect (Debian's python3-pytest, python3-pexpect), and
# numpy and PIL for the screen tests (python3-numpy, python3-pil;
# tools/nvoslib/screen.py).
# Exit status: 0 passed, 77 skipped (SKIP_RETURN_CODE), anything else failed;
# pytest's 5 ("no tests collected": a stale node id) says so in the output.
set(NVOS_PYTEST "")
foreach(py ${Python3_EXECUTABLE} /usr/bin/python3)
    execute_process(COMMAND ${py} -c "import pytest, pexpect, numpy, PIL"
                    RESULT_VARIABLE has_pytest OUTPUT_QUIET ERROR_QUIET)
    if(has_pytest EQUAL 0)
        set(NVOS_PYTEST ${py})
        break()
    endif()
endforeach()
if(NOT NVOS_PYTEST)
    message(FATAL_ERROR "no Python with pytest, pexpect, numpy and PIL: tools/nvos deps "
                        "installs python3-pytest, python3-pexpect, python3-numpy and python3-pil")
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

