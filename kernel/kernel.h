/*
 * kernel/kernel.h - what every part of the kernel may use: console output,
 * panic, and the small helpers that have no better home.
 */
#ifndef NVOS_KERNEL_KERNEL_H
#define NVOS_KERNEL_KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot_info.h"
#include "kernel/console.h"
#include "lib/compiler.h"
#include "lib/printf.h"

#define noreturn _Noreturn

/* A single, untorn access the compiler may not cache, merge or drop: for data
 * shared with interrupt handlers (never for device registers). */
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Formatted output to the console (kernel/console.h). Safe from interrupt handlers. */
int kprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
int kvprintf(const char *fmt, va_list ap);

/*
 * Stops the kernel after a broken invariant (never for device or disk
 * errors): prints the message and a backtrace, then exits QEMU with
 * EXIT_CODE_PANIC through isa-debug-exit, or halts on real hardware.
 */
noreturn void panic(const char *fmt, ...) PRINTF_LIKE(1, 2);
#define assert(cond)                                                                  \
    do {                                                                              \
        if (unlikely(!(cond)))                                                        \
            panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);         \
    } while (0)

/* TSC value when the kernel was entered (boot/boot_main.c). */
extern uint64_t boot_tsc;

/* The boot information, as kernel_main received it. */
extern const struct boot_info *boot_info;

noreturn void kernel_main(struct boot_info *bi, int boot_parse_error);

/* Prints a backtrace by walking saved frame pointers from rbp. */
void backtrace_print(uint64_t rbp);

#endif
