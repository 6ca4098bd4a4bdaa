# QEMU tests: one ctest test per case in tests/qemu/cases_*.py (listed by
# run.py --list at configure time). Each runs under its own timeout; fixtures
# order the cases that compare results of others. Labels: "qemu".
# qemu_list_cases(SCRIPT VAR): VAR = the "name|timeout|..." lines SCRIPT --list prints.
function(qemu_list_cases script var)
    execute_process(
        COMMAND ${Python3_EXECUTABLE} ${NVOS_ROOT}/tests/qemu/${script} --list
        OUTPUT_VARIABLE out OUTPUT_STRIP_TRAILING_WHITESPACE
        RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "tests/qemu/${script} --list failed")
    endif()
    string(REPLACE "\n" ";" out "${out}")
    set(${var} "${out}" PARENT_SCOPE)
endfunction()
qemu_list_cases(run.py QEMU_CASES)
file(GLOB QEMU_CASE_FILES ${NVOS_ROOT}/tests/qemu/*.py)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${QEMU_CASE_FILES})
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

# Screen console (issue 10): tests/qemu/console_screen.py boots with no serial
# port and checks the screen through QMP screendump (pixels against Unifont,
# and OCR). Registered as qemu.console.<case>. The script runs under the
# system Python (Debian's python3-numpy, python3-pil) when the configured one
# lacks them.
qemu_list_cases(console_screen.py SCREEN_CASES)
foreach(line ${SCREEN_CASES})
    string(REPLACE "|" ";" fields "${line}")
    list(GET fields 0 name)
    list(GET fields 1 timeout)
    add_test(NAME qemu.console.${name}
             COMMAND ${Python3_EXECUTABLE} ${NVOS_ROOT}/tests/qemu/console_screen.py ${name})
    set_tests_properties(qemu.console.${name} PROPERTIES
        TIMEOUT ${timeout} LABELS qemu COST 2
        ENVIRONMENT "NVOS_BUILD=${CMAKE_BINARY_DIR}")
endforeach()
