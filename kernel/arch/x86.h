/*
 * kernel/arch/x86.h - single-instruction wrappers for the x86-64 instructions
 * the kernel uses: port I/O, MSRs, control registers, CPUID, TSC, interrupt
 * flag. Memory-mapped registers are not here: see kernel/arch/mmio.h.
 */
#ifndef NVOS_KERNEL_ARCH_X86_H
#define NVOS_KERNEL_ARCH_X86_H

#include <stdbool.h>
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};
static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(subleaf));
    return r;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_cr0(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}
static inline uint64_t read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
static inline void write_cr0(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}
static inline uint64_t read_cr3(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
static inline void write_cr3(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}
static inline uint64_t read_cr4(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}
static inline void write_cr4(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}
static inline void invlpg(uint64_t va)
{
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void cpu_cli(void)
{
    __asm__ volatile("cli" : : : "memory");
}
static inline void cpu_sti(void)
{
    __asm__ volatile("sti" : : : "memory");
}
/* Enables interrupts and halts as one step: "sti" delays interrupts by one
 * instruction, so an interrupt that is already pending wakes the "hlt". */
static inline void cpu_sti_hlt(void)
{
    __asm__ volatile("sti; hlt" : : : "memory");
}
static inline void cpu_pause(void)
{
    __asm__ volatile("pause");
}
static inline uint64_t cpu_flags(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f;
}
static inline bool cpu_irqs_enabled(void)
{
    return (cpu_flags() & (1u << 9)) != 0;
}
/* Disables interrupts and returns whether they were on, for irq_restore(). */
static inline bool irq_save(void)
{
    bool on = cpu_irqs_enabled();
    cpu_cli();
    return on;
}
static inline void irq_restore(bool on)
{
    if (on)
        cpu_sti();
}

/* Compiler barrier: orders the compiler's accesses, emits nothing. */
#define barrier() __asm__ volatile("" : : : "memory")

#define MSR_EFER 0xC0000080u
#define MSR_APIC_BASE 0x1Bu
#define MSR_PAT 0x277u
#define MSR_TSC_DEADLINE 0x6E0u
#define MSR_GS_BASE 0xC0000101u

#define EFER_NXE (1u << 11)

#endif
