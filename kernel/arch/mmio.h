/*
 * kernel/arch/mmio.h - the kernel's memory-mapped register accessors.
 *
 * Each access is exactly one mov of the stated width on a volatile pointer, so
 * the compiler can neither merge, split, reorder (with respect to other
 * volatile accesses) nor drop it; devices such as QEMU's NVMe model log any
 * access narrower than the register. On x86 uncached (UC) memory is strongly
 * ordered, so program order is device order. This is the only place outside
 * a device's own *_mmio.h where "volatile" appears.
 */
#ifndef NVOS_KERNEL_ARCH_MMIO_H
#define NVOS_KERNEL_ARCH_MMIO_H

#include <stdint.h>

static inline uint8_t mmio_read8(const void *addr)
{
    uint8_t v;
    __asm__ volatile("movb %1, %0" : "=q"(v) : "m"(*(const volatile uint8_t *)addr) : "memory");
    return v;
}
static inline uint16_t mmio_read16(const void *addr)
{
    uint16_t v;
    __asm__ volatile("movw %1, %0" : "=r"(v) : "m"(*(const volatile uint16_t *)addr) : "memory");
    return v;
}
static inline uint32_t mmio_read32(const void *addr)
{
    uint32_t v;
    __asm__ volatile("movl %1, %0" : "=r"(v) : "m"(*(const volatile uint32_t *)addr) : "memory");
    return v;
}
static inline void mmio_write8(void *addr, uint8_t v)
{
    __asm__ volatile("movb %1, %0" : "=m"(*(volatile uint8_t *)addr) : "q"(v) : "memory");
}
static inline void mmio_write16(void *addr, uint16_t v)
{
    __asm__ volatile("movw %1, %0" : "=m"(*(volatile uint16_t *)addr) : "r"(v) : "memory");
}
static inline void mmio_write32(void *addr, uint32_t v)
{
    __asm__ volatile("movl %1, %0" : "=m"(*(volatile uint32_t *)addr) : "r"(v) : "memory");
}

#endif
