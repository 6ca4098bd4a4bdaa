/*
 * drivers/input/kbd_layout_opt.c - kbd.layout= (see kbd_layout_opt.h).
 */
#include "drivers/input/kbd_layout_opt.h"

#include "kernel/cmdline.h"
#include "kernel/kernel.h"

const struct kbd_layout *kbd_boot_layout(void)
{
    static const struct kbd_layout *chosen;
    if (chosen != NULL)
        return chosen;
    const char *name = cmdline_get("kbd.layout");
    chosen = kbd_layout_find("us");
    if (name != NULL) {
        const struct kbd_layout *l = kbd_layout_find(name);
        if (l != NULL)
            chosen = l;
        else
            kprintf("kbd: unknown layout kbd.layout=%s (known: %s); using us\n", name,
                    kbd_layout_names());
    }
    return chosen;
}
