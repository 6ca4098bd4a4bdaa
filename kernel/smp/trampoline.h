/*
 * kernel/smp/trampoline.h - the layout of the AP start-up page, shared by
 * trampoline.S and smp.c. The code occupies the start of the page; the
 * parameters CPU 0 fills in before each start-up live at TRAMP_DATA.
 * Offsets are from the start of the page.
 */
#ifndef NVOS_KERNEL_SMP_TRAMPOLINE_H
#define NVOS_KERNEL_SMP_TRAMPOLINE_H

#define TRAMP_DATA 0x800
#define TRAMP_GDTR (TRAMP_DATA + 0x00)     /* 16-bit limit, 32-bit base */
#define TRAMP_PM32_PTR (TRAMP_DATA + 0x08) /* far pointer: 32-bit offset, selector */
#define TRAMP_LM64_PTR (TRAMP_DATA + 0x10) /* far pointer: 32-bit offset, selector */
#define TRAMP_CR3 (TRAMP_DATA + 0x18)      /* the start-up page tables (below 4 GiB) */
#define TRAMP_EFER (TRAMP_DATA + 0x1C)     /* bits to set in EFER: LME, NXE */
#define TRAMP_HANG (TRAMP_DATA + 0x20)     /* nonzero: spin forever (smp.test_hang) */
#define TRAMP_CR4 (TRAMP_DATA + 0x24)      /* PAE (and PGE) */
#define TRAMP_STACK (TRAMP_DATA + 0x28)    /* 64-bit: initial RSP */
#define TRAMP_ENTRY (TRAMP_DATA + 0x30)    /* 64-bit: C entry point */
#define TRAMP_ARG (TRAMP_DATA + 0x38)      /* 64-bit: its argument */
#define TRAMP_GDT (TRAMP_DATA + 0x40)      /* 4 descriptors */
#define TRAMP_END (TRAMP_DATA + 0x60)

#define TRAMP_SEL_CODE32 0x08
#define TRAMP_SEL_DATA 0x10
#define TRAMP_SEL_CODE64 0x18

#endif
