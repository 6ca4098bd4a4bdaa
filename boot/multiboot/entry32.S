/*
 * boot/multiboot/entry32.S - from a multiboot loader's 32-bit protected mode
 * to the kernel's 64-bit entry.
 *
 * Machine state on entry [Multiboot 0.6.96 §3.2, Multiboot2 1.0 §3.3]: 32-bit
 * protected mode, paging off, interrupts off, flat segments, EAX = the
 * loader's magic, EBX = physical address of its information structure. There
 * is no valid stack and the GDT may be gone, so this code uses neither until
 * it has set up its own. It runs at its physical (= linked) address.
 *
 * Steps [Intel SDM Vol. 3A §9.8.5 "Initializing IA-32e Mode"]:
 *   1. check that the CPU has long mode (else say so on COM1 and halt);
 *   2. build boot page tables: identity map of 0..4 GiB and the kernel image
 *      window (-2 GiB -> 0..1 GiB), with 2 MiB pages;
 *   3. CR4.PAE, CR3, EFER.LME (and NXE when the CPU has NX), CR0.PG;
 *   4. load a 64-bit GDT and far-jump into 64-bit code;
 *   5. jump to boot_entry64(magic, info) in the higher half.
 * kernel_main later replaces these tables with its own.
 */
#include "kernel/mm/layout.h"

#define PHYS(sym) ((sym) - KERNEL_VMA)
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80
#define CR0_PE 0x1
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define COM1 0x3F8
#define BOOT_PT_PAGES 7 /* PML4, low PDPT, high PDPT, 4 page directories */

    .code32
    .section .boot.text, "ax"
    .global _start32
_start32:
    cli
    cld
    movl %eax, %edi                     /* loader magic: first argument later */
    movl %ebx, %esi                     /* info structure: second argument */
    movl $PHYS(boot_stack_top), %esp

    /* 1. Long mode available? (CPUID 80000001h EDX bit 29) */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb no_long_mode
    movl $0x80000001, %eax
    cpuid
    testl $(1 << 29), %edx
    jz no_long_mode
    movl %edx, %ebp                     /* keep the NX bit (EDX bit 20) */

    /* 2. Page tables, in .bss (zeroed by the loader; cleared again anyway). */
    movl $PHYS(boot_page_tables), %edx
    movl %edx, %ebx
    xorl %eax, %eax
    movl $(BOOT_PT_PAGES * 1024), %ecx
    pushl %edi
    movl %edx, %edi
    rep stosl
    popl %edi

    /* PML4 (page 0): [0] -> low PDPT (page 1), [511] -> high PDPT (page 2) */
    leal (0x1000 + PTE_P + PTE_W)(%ebx), %eax
    movl %eax, 0(%ebx)
    leal (0x2000 + PTE_P + PTE_W)(%ebx), %eax
    movl %eax, (511 * 8)(%ebx)
    /* low PDPT[0..3] -> the four page directories (pages 3..6): 0..4 GiB */
    leal (0x3000 + PTE_P + PTE_W)(%ebx), %eax
    movl %eax, (0x1000 + 0)(%ebx)
    addl $0x1000, %eax
    movl %eax, (0x1000 + 8)(%ebx)
    addl $0x1000, %eax
    movl %eax, (0x1000 + 16)(%ebx)
    addl $0x1000, %eax
    movl %eax, (0x1000 + 24)(%ebx)
    /* high PDPT[510] -> first page directory: -2 GiB -> 0..1 GiB */
    leal (0x3000 + PTE_P + PTE_W)(%ebx), %eax
    movl %eax, (0x2000 + 510 * 8)(%ebx)
    /* 2048 2 MiB entries over the four page directories */
    leal 0x3000(%ebx), %edx
    movl $(PTE_P + PTE_W + PTE_PS), %eax
    movl $2048, %ecx
1:  movl %eax, (%edx)
    movl $0, 4(%edx)
    addl $0x200000, %eax
    addl $8, %edx
    loop 1b

    /* 3. Enter long mode. */
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl %ebx, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    testl $(1 << 20), %ebp
    jz 2f
    orl $EFER_NXE, %eax
2:  wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_WP | CR0_PE), %eax
    movl %eax, %cr0

    /* 4. 64-bit code segment. */
    lgdt boot_gdt_ptr
    ljmp $0x08, $long_mode

no_long_mode:
    movl $no_long_mode_msg, %ebx
3:  movb (%ebx), %al
    testb %al, %al
    jz 5f
    movw $(COM1 + 5), %dx               /* wait for the transmit holding register */
4:  inb %dx, %al
    testb $0x20, %al
    jz 4b
    movb (%ebx), %al
    movw $COM1, %dx
    outb %al, %dx
    incl %ebx
    jmp 3b
5:  hlt
    jmp 5b

    .code64
long_mode:
    movl $0x10, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs
    /* 5. The upper halves of RDI/RSI are undefined after the mode switch. */
    movl %edi, %edi
    movl %esi, %esi
    movabsq $boot_entry64, %rax
    jmpq *%rax

    .section .boot.data, "aw"
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF            /* 0x08: 64-bit code, DPL 0 */
    .quad 0x00CF92000000FFFF            /* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt
no_long_mode_msg:
    .asciz "nvos: this CPU has no 64-bit long mode; halting.\r\n"

    .section .bss
    .balign 4096
boot_page_tables:
    .skip BOOT_PT_PAGES * 4096
    .balign 16
boot_stack:
    .skip 4096
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
