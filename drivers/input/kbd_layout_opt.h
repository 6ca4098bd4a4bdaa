/*
 * drivers/input/kbd_layout_opt.h - the kbd.layout= boot option, read once
 * for every keyboard driver.
 */
#ifndef NVOS_DRIVERS_INPUT_KBD_LAYOUT_OPT_H
#define NVOS_DRIVERS_INPUT_KBD_LAYOUT_OPT_H

#include "drivers/input/keyboard.h"

/* The layout kbd.layout= names (us when absent; unknown names say so once). */
const struct kbd_layout *kbd_boot_layout(void);

#endif
