# init/sources.cmake - kernel_main, which wires every layer together (tools/cmake/modules.cmake).
nvos_module(
    KERNEL
        main.c
)
