/*
 * kernel/arch/isr.S - the 256 interrupt entry stubs and the common path.
 *
 * Each stub pushes a zero "error code" where the CPU does not push one
 * [Intel SDM Vol. 3A §6.13: vectors 8, 10-14, 17, 21, 29, 30 push one], then
 * its vector number, and jumps to isr_common, which saves the general
 * registers so that the stack holds a struct trap_frame (kernel/arch/cpu.h),
 * calls trap_dispatch(frame) and returns with iretq. The kernel runs in ring 0
 * only, so no segment registers or stacks are switched here; the double
 * fault, NMI and machine check arrive on their own IST stacks.
 */
    .code64
    .section .text

    .macro ISR_STUB vec
    .balign 16
isr_stub_\vec:
    .if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    .else
    pushq $0
    .endif
    pushq $\vec
    jmp isr_common
    .endm

    .macro ISR_TABLE_ENTRY vec
    .quad isr_stub_\vec
    .endm

    .altmacro
    .set vec, 0
    .rept 256
    ISR_STUB %vec
    .set vec, vec + 1
    .endr

isr_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi
    /* The CPU aligned RSP to 16 before its 5 pushes; with the error code,
     * the vector and 15 registers that makes 22 quadwords, so RSP is aligned
     * again for the C call. The "and" keeps that true if the frame changes. */
    movq %rsp, %rbx
    andq $-16, %rsp
    cld
    call trap_dispatch
    movq %rbx, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp                      /* vector and error code */
    iretq

    /* The stubs' addresses, for the IDT. */
    .section .rodata
    .balign 8
    .global isr_stub_table
isr_stub_table:
    .set vec, 0
    .rept 256
    ISR_TABLE_ENTRY %vec
    .set vec, vec + 1
    .endr

    .section .note.GNU-stack, "", @progbits
