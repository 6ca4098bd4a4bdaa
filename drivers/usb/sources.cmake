# drivers/usb/sources.cmake - xHCI host controller and USB descriptors
# (tools/cmake/modules.cmake).
nvos_module(
    HOST
        usb_desc.c usb_halt.c xhci_ring.c
    KERNEL
        xhci.c xhci_dev.c
)
