# drivers/video/sources.cmake - the screen console: the cell grid and its
# drawing, on a linear framebuffer or VGA text memory (tools/cmake/modules.cmake).
nvos_module(
    KERNEL
        screen.c fb.c vgatext.c screen_shell.c
)
