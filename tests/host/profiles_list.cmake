# tests/host/profiles_list.cmake - checks that the profiles ctest registers
# (NVME_PROFILES in CMakeLists.txt, passed as WANT) are exactly the ones
# test_nvme_profiles knows (its --list), so neither side can drop one.
execute_process(COMMAND ${BIN} --list OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${BIN} --list failed (${rc})")
endif()
string(REPLACE "\n" ";" have "${out}")
list(REMOVE_ITEM have "")
list(SORT have)
set(want ${WANT})
list(SORT want)
if(NOT have STREQUAL want)
    message(FATAL_ERROR "profiles differ:\n  the test's table: ${have}\n  CMakeLists.txt:   ${want}")
endif()
message(STATUS "${BIN}: ${out}")
