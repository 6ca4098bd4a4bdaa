/*
 * drivers/usb/xhci.h - USB host controllers (xHCI) and the keyboards on them.
 */
#ifndef NVOS_DRIVERS_USB_XHCI_H
#define NVOS_DRIVERS_USB_XHCI_H

/*
 * Takes every xHCI controller (PCI class 0C/03/30) from the firmware, brings
 * it up, enumerates the devices on its root-hub ports and starts the HID
 * boot keyboards among them as console input. One line per controller and
 * per device found. Boot options: xhci=off leaves them alone; xhci.irq=poll
 * takes events only from the console's poll (as without MSI-X/MSI).
 * Returns the number of keyboards started.
 *
 * Call before i8042_init(): firmware that emulates an i8042 for USB keyboards
 * (through SMIs) stops only when the OS takes the controller over, so the
 * PS/2 driver should probe afterwards (Linux does the handoff from an early
 * PCI quirk for this reason: drivers/usb/host/pci-quirks.c).
 */
int xhci_init(void);

#endif
