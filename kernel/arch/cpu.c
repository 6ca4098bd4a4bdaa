/*
 * kernel/arch/cpu.c - GDT, TSS, IDT and the exception path.
 *
 * [Intel SDM Vol. 3A §3.4.5 (segment descriptors), §7.7 (64-bit TSS), §6.10-6.14
 * (IDT, 64-bit interrupt gates, IST)]. The kernel is ring 0 only: the GDT
 * holds one code and one data segment and the TSS exists for its interrupt
 * stack table, which gives the double fault, NMI and machine check known-good
 * stacks (a kernel stack overflow ends in a double fault, and must still be
 * reported). Every CPU has its own GDT and TSS (a TSS descriptor is marked
 * busy by "ltr", so it cannot be shared) and its own IST stacks; the IDT is
 * one table for all, since its gates only name IST slots, which each CPU's
 * TSS fills with its own stacks. An exception nobody expects is a bug: it is
 * described and the machine stopped through panic's path.
 */
#include "kernel/arch/cpu.h"

#include <string.h>

#include "kernel/arch/x86.h"
#include "kernel/irq/irq.h"
#include "kernel/kernel.h"
#include "kernel/power.h"
#include "kernel/smp/percpu.h"
#include "kernel/smp/smp.h"

struct cpu_features cpu_features;

struct gdt_tss_descriptor {
    uint16_t limit_low;
    uint16_t base_low;
    uint8_t base_mid;
    uint8_t type_attr;
    uint8_t limit_flags;
    uint8_t base_high;
    uint32_t base_upper;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct gdt_tss_descriptor) == 16, "64-bit TSS descriptor");

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS");

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate");

struct descriptor_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS 0x18

enum { IST_DOUBLE_FAULT = 1, IST_NMI = 2, IST_MACHINE_CHECK = 3 };
#define IST_STACK_SIZE (16 * 1024)

/* One CPU's descriptor tables. */
struct cpu_tables {
    struct {
        uint64_t null;
        uint64_t kcode;
        uint64_t kdata;
        struct gdt_tss_descriptor tss;
    } __attribute__((packed, aligned(16))) gdt;
    struct tss64 tss __attribute__((aligned(16)));
};

static struct cpu_tables tables[SMP_MAX_CPUS] __attribute__((aligned(64)));
static struct idt_gate idt[256] __attribute__((aligned(16)));
static uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16))); /* CPU 0's */

extern const uint64_t isr_stub_table[256];

static const char *const exception_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range exceeded",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor segment overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack-segment fault",
    "#GP general protection",
    "#PF page fault",
    "reserved (15)",
    "#MF x87 floating-point error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD floating-point error",
    "#VE virtualization exception",
    "#CP control protection",
    "reserved (22)",
    "reserved (23)",
    "reserved (24)",
    "reserved (25)",
    "reserved (26)",
    "reserved (27)",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security exception",
    "reserved (31)",
};

const char *cpu_exception_name(unsigned v)
{
    return v < 32 ? exception_names[v] : NULL;
}

static void probe_features(void)
{
    struct cpuid_regs r = cpuid(0, 0);
    uint32_t max_leaf = r.eax;
    memcpy(cpu_features.vendor + 0, &r.ebx, 4);
    memcpy(cpu_features.vendor + 4, &r.edx, 4);
    memcpy(cpu_features.vendor + 8, &r.ecx, 4);
    cpu_features.vendor[12] = '\0';

    if (max_leaf >= 1) {
        r = cpuid(1, 0);
        cpu_features.tsc_deadline = (r.ecx >> 24) & 1;
        cpu_features.x2apic = (r.ecx >> 21) & 1;
    }
    r = cpuid(0x80000000, 0);
    uint32_t max_ext = r.eax;
    if (max_ext >= 0x80000001) {
        r = cpuid(0x80000001, 0);
        cpu_features.nx = (r.edx >> 20) & 1;
    }
    if (max_ext >= 0x80000004) {
        for (uint32_t i = 0; i < 3; i++) {
            r = cpuid(0x80000002 + i, 0);
            memcpy(cpu_features.brand + 16 * i + 0, &r.eax, 4);
            memcpy(cpu_features.brand + 16 * i + 4, &r.ebx, 4);
            memcpy(cpu_features.brand + 16 * i + 8, &r.ecx, 4);
            memcpy(cpu_features.brand + 16 * i + 12, &r.edx, 4);
        }
        cpu_features.brand[48] = '\0';
    }
    if (max_ext >= 0x80000007) {
        r = cpuid(0x80000007, 0);
        cpu_features.invariant_tsc = (r.edx >> 8) & 1;
    }
    /* The loader may not have turned NX on (UEFI firmware often does not). */
    if (cpu_features.nx)
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
}

static void set_gate(unsigned vec, uint64_t handler, uint8_t ist)
{
    idt[vec].offset_low = (uint16_t)handler;
    idt[vec].selector = SEL_KCODE;
    idt[vec].ist = ist;
    idt[vec].type_attr = 0x8E; /* present, DPL 0, 64-bit interrupt gate */
    idt[vec].offset_mid = (uint16_t)(handler >> 16);
    idt[vec].offset_high = (uint32_t)(handler >> 32);
    idt[vec].reserved = 0;
}

/* Fills and loads this CPU's GDT and TSS (t) and the shared IDT. */
static void load_tables(struct cpu_tables *t, const uint64_t ist_top[3])
{
    struct tss64 *tss = &t->tss;
    __typeof__(t->gdt) *gdt = &t->gdt;
    uint64_t tss_base = (uint64_t)tss;
    gdt->null = 0;
    gdt->kcode = 0x00AF9A000000FFFFull; /* present, DPL 0, code, L=1 */
    gdt->kdata = 0x00CF92000000FFFFull; /* present, DPL 0, data, writable */
    gdt->tss.limit_low = sizeof(*tss) - 1;
    gdt->tss.base_low = (uint16_t)tss_base;
    gdt->tss.base_mid = (uint8_t)(tss_base >> 16);
    gdt->tss.type_attr = 0x89; /* present, available 64-bit TSS */
    gdt->tss.limit_flags = 0;
    gdt->tss.base_high = (uint8_t)(tss_base >> 24);
    gdt->tss.base_upper = (uint32_t)(tss_base >> 32);
    gdt->tss.reserved = 0;

    tss->ist[IST_DOUBLE_FAULT - 1] = ist_top[0];
    tss->ist[IST_NMI - 1] = ist_top[1];
    tss->ist[IST_MACHINE_CHECK - 1] = ist_top[2];
    tss->iomap_base = sizeof(*tss); /* no I/O permission bitmap */

    /* Loading a null selector into GS clears its base on Intel CPUs: keep
     * the per-CPU pointer (kernel/smp/percpu.h) across the reload. */
    uint64_t gs_base = rdmsr(MSR_GS_BASE);
    struct descriptor_pointer gdtr = { sizeof(*gdt) - 1, (uint64_t)gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movl %2, %%eax\n\t"
                     "movl %%eax, %%ds\n\t"
                     "movl %%eax, %%es\n\t"
                     "movl %%eax, %%ss\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "movl %%eax, %%fs\n\t"
                     "movl %%eax, %%gs\n\t"
                     :
                     : "m"(gdtr), "i"(SEL_KCODE), "i"(SEL_KDATA)
                     : "rax", "memory");
    wrmsr(MSR_GS_BASE, gs_base);
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS));

    struct descriptor_pointer idtr = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

void cpu_init(void)
{
    probe_features();
    for (unsigned v = 0; v < 256; v++)
        set_gate(v, isr_stub_table[v], 0);
    idt[8].ist = IST_DOUBLE_FAULT;
    idt[2].ist = IST_NMI;
    idt[18].ist = IST_MACHINE_CHECK;
    const uint64_t ist_top[3] = {
        (uint64_t)(ist_stacks[0] + IST_STACK_SIZE),
        (uint64_t)(ist_stacks[1] + IST_STACK_SIZE),
        (uint64_t)(ist_stacks[2] + IST_STACK_SIZE),
    };
    load_tables(&tables[0], ist_top);
}

void cpu_init_ap(unsigned index, const uint64_t ist_top[3])
{
    if (cpu_features.nx)
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
    load_tables(&tables[index], ist_top);
}

static void print_pf_error(uint64_t err)
{
    kprintf("  page fault: %s %s in %s mode%s%s\n", (err & 1) ? "protection violation on" : "not-present page on",
            (err & 0x10) ? "instruction fetch" : (err & 2) ? "write" : "read",
            (err & 4) ? "user" : "kernel", (err & 8) ? ", reserved bit set" : "",
            (err & 0x20) ? ", protection key" : "");
}

void cpu_dump_frame(const struct trap_frame *f)
{
    kprintf("  RIP=%016llx CS=%04llx RFLAGS=%016llx\n", (unsigned long long)f->rip,
            (unsigned long long)f->cs, (unsigned long long)f->rflags);
    kprintf("  RSP=%016llx SS=%04llx ERR=%016llx\n", (unsigned long long)f->rsp,
            (unsigned long long)f->ss, (unsigned long long)f->error_code);
    kprintf("  RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n", (unsigned long long)f->rax,
            (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
    kprintf("  RSI=%016llx RDI=%016llx RBP=%016llx\n", (unsigned long long)f->rsi,
            (unsigned long long)f->rdi, (unsigned long long)f->rbp);
    kprintf("  R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n", (unsigned long long)f->r8,
            (unsigned long long)f->r9, (unsigned long long)f->r10, (unsigned long long)f->r11);
    kprintf("  R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n", (unsigned long long)f->r12,
            (unsigned long long)f->r13, (unsigned long long)f->r14, (unsigned long long)f->r15);
    kprintf("  CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx\n",
            (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
            (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
}

void trap_dispatch(struct trap_frame *f)
{
    if (f->vector >= 32) {
        irq_dispatch((unsigned)f->vector);
        return;
    }
    if (f->vector == 2 && smp_handle_nmi())
        return; /* another CPU's stop request (does not return in fact) */

    /* An exception: nothing in the kernel expects one. */
    cpu_cli();
    smp_panic_enter(); /* the other CPUs stop; this one owns the console */
    console_panic(); /* screens draw directly from here on */
    kprintf("\nFATAL: unexpected exception %llu (%s), error code 0x%llx\n",
            (unsigned long long)f->vector, exception_names[f->vector],
            (unsigned long long)f->error_code);
    if (f->vector == 14)
        print_pf_error(f->error_code);
    if (f->vector == 8)
        kprintf("  (a double fault from kernel code is usually a stack overflow)\n");
    if (smp_cpu_count() > 1)
        kprintf("  on CPU %u (APIC id %u)\n", this_cpu_index(), this_cpu()->apic_id);
    cpu_dump_frame(f);
    kprintf("  backtrace (resolve with: addr2line -e build/nvos.elf ADDR):\n");
    kprintf("    %016llx\n", (unsigned long long)f->rip);
    backtrace_print(f->rbp);
    machine_stop(EXIT_CODE_EXCEPTION);
}
