# lib/sources.cmake - libraries that depend on nothing (tools/cmake/modules.cmake).
nvos_module(
    HOST
        printf.c json.c errno.c args.c parse.c sha256.c crc32.c utf.c blkread.c fsprobe.c
        vt.c font.c lineedit.c linefilter.c
    KERNEL
        libc/string.c # the host has its own C library
)
