/*
 * kernel/arch/cpu.h - descriptor tables, traps and the interrupt vector space.
 */
#ifndef NVOS_KERNEL_ARCH_CPU_H
#define NVOS_KERNEL_ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

/* What isr.S leaves on the stack for trap_dispatch. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Vector map. 0-31 exceptions; 32-47 where the (masked) 8259 PICs point. */
#define VEC_PIC_BASE 0x20
#define VEC_DYNAMIC_FIRST 0x30 /* irq_alloc_vector() hands these out */
#define VEC_DYNAMIC_LAST 0xEF
#define VEC_LAPIC_TIMER 0xF0
#define VEC_IPI_CALL 0xF2 /* kernel/smp: "run your queued calls" */
#define VEC_LAPIC_ERROR 0xFE
#define VEC_SPURIOUS 0xFF

/* GDT, TSS (with IST stacks for #DF, NMI, #MC) and IDT; interrupts stay off. */
void cpu_init(void);
/* The same for application processor index (1 ..): its own GDT and TSS with
 * the given IST stack tops (#DF, NMI, #MC), the shared IDT, EFER.NXE. */
void cpu_init_ap(unsigned index, const uint64_t ist_top[3]);

/* Name of exception vector v ("#PF page fault"), or NULL for v >= 32. */
const char *cpu_exception_name(unsigned v);

/* Prints a trap frame, control registers and a frame-pointer backtrace. */
void cpu_dump_frame(const struct trap_frame *f);

/* Called from isr.S for every vector. */
void trap_dispatch(struct trap_frame *f);

/* Features probed at cpu_init(). */
struct cpu_features {
    bool nx;           /* execute-disable in page tables (EFER.NXE set) */
    bool invariant_tsc;/* CPUID 80000007h EDX[8] */
    bool tsc_deadline; /* CPUID 1 ECX[24] */
    bool x2apic;
    char vendor[13];
    char brand[49];
};
extern struct cpu_features cpu_features;

#endif
