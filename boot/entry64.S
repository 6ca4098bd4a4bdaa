/*
 * boot/entry64.S - the kernel's one 64-bit entry point, shared by every
 * boot path.
 *
 *   boot_entry64(uint32_t protocol, uint64_t info)    [SysV: EDI, RSI]
 *
 * The multiboot path arrives here from entry32.S; the UEFI loader (boot/efi)
 * calls it after ExitBootServices with protocol = BOOT_PROTO_NVOS and info =
 * the physical address of a filled struct boot_info. Either way paging is
 * on, the kernel image is mapped at its linked address and low memory is
 * identity-mapped. Interrupts are off; no stack may be assumed.
 */
    .code64
    .section .text
    .global boot_entry64
boot_entry64:
    cli
    cld
    movabsq $kernel_stack_top, %rsp
    xorl %ebp, %ebp                     /* terminates stack traces */
    call boot_main                      /* does not return */
1:  cli
    hlt
    jmp 1b

/*
 * The boot stack. The page below it is left unmapped by the kernel's page
 * tables, so an overflow faults (and the double-fault handler, on its own
 * stack, reports it) instead of silently corrupting .bss.
 */
#include "kernel/mm/layout.h"
    .section .bss.stack, "aw", @nobits
    .balign 4096
    .global kernel_stack_guard, kernel_stack_bottom, kernel_stack_top
kernel_stack_guard:
    .skip 4096
kernel_stack_bottom:
    .skip KERNEL_STACK_SIZE
kernel_stack_top:

    .section .note.GNU-stack, "", @progbits
