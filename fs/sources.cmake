# fs/sources.cmake - volumes by DEV[:PART] and the file commands (tools/cmake/modules.cmake).
nvos_module(
    KERNEL
        fs.c fs_shell.c
)
