# tools/cmake/modules.cmake - the source modules of nvos, read by both CMake
# projects: the kernel (CMakeLists.txt) links every module's sources, the
# host tests (tests/host) build the host parts of the ones they test.
#
# Each module directory has a sources.cmake that calls
#
#   nvos_module(HOST <files...> KERNEL <files...>)
#
# with paths relative to that directory:
#   HOST    pure code that also builds on the host (tests/host, under ASan and
#           UBSan): it reaches the kernel only through its seams
#   KERNEL  code that builds only freestanding (hardware, kernel services)
# and gets two lists, named after the directory with "/" as "_":
#   NVOS_<dir>_HOST     the HOST files
#   NVOS_<dir>_SOURCES  HOST and KERNEL files: what the kernel links
# (e.g. NVOS_drivers_nvme_HOST), with paths relative to the repository root.
#
# Adding a module: a sources.cmake in its directory and one line in
# NVOS_MODULE_DIRS below, which lists the layers bottom up (style.md: layers
# point down; lib/ depends on nothing; init/ wires the rest together).
set(NVOS_MODULE_DIRS
    lib
    lib/part
    lib/fat
    boot
    kernel
    drivers/serial
    drivers/video
    drivers/pci
    drivers/block
    drivers/nvme
    drivers/input
    drivers/usb
    fs
    bench
    init
)

function(nvos_module)
    cmake_parse_arguments(M "" "" "HOST;KERNEL" ${ARGN})
    if(M_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "${CMAKE_CURRENT_LIST_FILE}: nvos_module() takes HOST and KERNEL "
                            "file lists, not '${M_UNPARSED_ARGUMENTS}'")
    endif()
    file(RELATIVE_PATH dir ${NVOS_ROOT} ${CMAKE_CURRENT_LIST_DIR})
    string(REPLACE "/" "_" id ${dir})
    set(seen "")
    foreach(f ${M_HOST} ${M_KERNEL})
        if(NOT EXISTS ${CMAKE_CURRENT_LIST_DIR}/${f})
            message(FATAL_ERROR "${CMAKE_CURRENT_LIST_FILE} lists ${f}, which does not exist")
        endif()
        if(f IN_LIST seen)
            message(FATAL_ERROR "${CMAKE_CURRENT_LIST_FILE} lists ${f} twice")
        endif()
        list(APPEND seen ${f})
    endforeach()
    list(TRANSFORM M_HOST PREPEND ${dir}/)
    list(TRANSFORM M_KERNEL PREPEND ${dir}/)
    set(NVOS_${id}_HOST ${M_HOST} PARENT_SCOPE)
    set(NVOS_${id}_SOURCES ${M_HOST} ${M_KERNEL} PARENT_SCOPE)
endfunction()

set(NVOS_KERNEL_SOURCES "")
foreach(dir ${NVOS_MODULE_DIRS})
    include(${NVOS_ROOT}/${dir}/sources.cmake)
    string(REPLACE "/" "_" id ${dir})
    list(APPEND NVOS_KERNEL_SOURCES ${NVOS_${id}_SOURCES})
endforeach()
