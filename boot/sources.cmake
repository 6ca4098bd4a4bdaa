# boot/sources.cmake - entry from the loaders (tools/cmake/modules.cmake). The
# UEFI loader (boot/efi) is a separate program: CMakeLists.txt builds it.
nvos_module(
    HOST
        multiboot/multiboot.c # boot information parser
    KERNEL
        multiboot/header.S multiboot/entry32.S entry64.S boot_main.c
)
