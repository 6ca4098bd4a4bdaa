/*
 * drivers/input/i8042.h - the PC keyboard controller (i8042) and the PS/2
 * keyboard on its first port: laptops' built-in keyboards sit there, and
 * firmware emulates one for USB keyboards until an OS takes over.
 */
#ifndef NVOS_DRIVERS_INPUT_I8042_H
#define NVOS_DRIVERS_INPUT_I8042_H

/*
 * Finds and initialises the controller and keyboard, routes IRQ 1 and
 * feeds typed keys into the console. Prints one line either way. Returns
 * 0, -ENODEV when there is no controller, or the step's error.
 * Boot options: i8042=off (leave it alone), i8042=force (probe even when
 * ACPI says there is none), kbd.layout=us|de.
 */
int i8042_init(void);

#endif
