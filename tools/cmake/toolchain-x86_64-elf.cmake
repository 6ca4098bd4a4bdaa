# Toolchain file for nvos's freestanding x86-64 target.
#
# The host's own gcc already emits x86-64 ELF, so no cross compiler is needed:
# what makes the target "freestanding" is the flag set in the top-level
# CMakeLists.txt (no libc, no red zone, no SSE, no stack protector). This file
# only tells CMake not to treat the target as a hosted Linux system: no
# executables are run during configuration (there is no libc to link them
# against) and no system search paths leak into the build.

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CMAKE_C_COMPILER gcc)
set(CMAKE_ASM_COMPILER gcc)

# try_compile() would otherwise link a test program against libc.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Never look for target libraries or headers on the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
