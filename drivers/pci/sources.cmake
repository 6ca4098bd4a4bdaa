# drivers/pci/sources.cmake - PCI enumeration over ECAM (tools/cmake/modules.cmake).
nvos_module(
    HOST
        pci_decode.c pci_msi.c
    KERNEL
        pci.c pci_shell.c pci_selftest.c
)
