# drivers/serial/sources.cmake - the 16550 UART, COM1 (tools/cmake/modules.cmake).
nvos_module(
    KERNEL
        uart16550.c
)
