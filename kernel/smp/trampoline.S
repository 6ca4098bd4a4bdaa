/*
 * kernel/smp/trampoline.S - where an application processor starts: real
 * mode -> protected mode -> long mode -> the kernel's C entry.
 *
 * [Intel SDM Vol. 3A §8.4.4 (MP initialization, INIT-SIPI-SIPI), §9.9
 * (switching to protected mode), §9.8.5 (initializing IA-32e mode)]. A
 * Startup IPI with vector VV starts the AP in real mode at VV00:0000. This
 * code is copied to that page (below 1 MiB) by smp.c, which fills the
 * parameter block (trampoline.h) first; nothing here depends on where the
 * page is: %ebx holds its linear address once out of real mode. The page
 * tables CR3 points at identity-map the low 2 MiB (this page) and share the
 * kernel's upper half, so the jump to the kernel's address works; the C
 * entry then switches to the kernel's own tables. It lives in .rodata: it is
 * only ever copied, never run in place.
 */
#include "kernel/smp/trampoline.h"

#define MSR_EFER 0xC0000080
#define CR0_PE 0x00000001
#define CR0_WP 0x00010000
#define CR0_PG 0x80000000

    .section .rodata
    .balign 16
    .global smp_trampoline_start, smp_trampoline_end
    .global smp_trampoline_pm32, smp_trampoline_lm64
    .code16
smp_trampoline_start:
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    cmpl $0, TRAMP_HANG
    jne 9f
    xorl %ebx, %ebx
    movw %cs, %bx
    shll $4, %ebx                       /* linear address of this page */
    lgdtl TRAMP_GDTR
    movl %cr0, %eax
    orl $CR0_PE, %eax
    movl %eax, %cr0
    ljmpl *TRAMP_PM32_PTR               /* reloads CS: 32-bit protected mode */
9:  pause                               /* smp.test_hang: a CPU that never answers */
    jmp 9b

    .code32
smp_trampoline_pm32:
    movl $TRAMP_SEL_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl TRAMP_CR4(%ebx), %eax
    movl %eax, %cr4                     /* PAE before paging [SDM §9.8.5 step 2] */
    movl TRAMP_CR3(%ebx), %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl TRAMP_EFER(%ebx), %eax          /* LME, and NXE: the kernel's PTEs use NX */
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_WP | CR0_PE), %eax
    movl %eax, %cr0                     /* paging on: IA-32e mode is active */
    ljmp *TRAMP_LM64_PTR(%ebx)          /* a 64-bit code segment: 64-bit mode */

    .code64
smp_trampoline_lm64:
    movl %ebx, %ebx                     /* upper halves are undefined after the switch */
    movq TRAMP_STACK(%rbx), %rsp
    movq TRAMP_ARG(%rbx), %rdi
    movq TRAMP_ENTRY(%rbx), %rax
    xorl %ebp, %ebp                     /* terminates backtraces */
    pushq $0                            /* as after a call: RSP = 8 mod 16 */
    jmp *%rax
smp_trampoline_end:

    .section .note.GNU-stack, "", @progbits
