# drivers/input/sources.cmake - keyboards into the console: key core and layouts,
# PS/2 set 1, USB HID boot reports (pure), the i8042 controller (tools/cmake/modules.cmake).
nvos_module(
    HOST
        kbd.c ps2_set1.c hid_boot.c
    KERNEL
        kbd_layout_opt.c i8042.c
)
