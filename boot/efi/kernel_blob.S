/*
 * boot/efi/kernel_blob.S - nvos.elf, embedded in the UEFI loader's .data so
 * that BOOTX64.EFI is self-contained. The build passes the path in
 * NVOS_KERNEL_PATH.
 */
    .section .data
    .balign 4096
    .global nvos_kernel_image, nvos_kernel_image_end
nvos_kernel_image:
    .incbin NVOS_KERNEL_PATH
nvos_kernel_image_end:

    .section .note.GNU-stack, "", @progbits
