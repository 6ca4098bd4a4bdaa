/*
 * lib/compiler.h - the compiler idioms and unit constants shared by every
 * layer (lib/, kernel/, drivers/, bench/) and by the host tests: branch
 * hints, forced inlining, array length, min/max and power-of-two alignment,
 * nanoseconds per second. GCC and Clang builtins only; no includes.
 */
#ifndef NVOS_LIB_COMPILER_H
#define NVOS_LIB_COMPILER_H

/* Branch hints, for the hot paths only (where a profile showed they matter). */
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* "static ALWAYS_INLINE void f(...)": inlined even at -O1 and under sanitizers. */
#define ALWAYS_INLINE inline __attribute__((always_inline))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* a must be a power of two. (clang-format takes "(a) - 1" for a cast.) */
/* clang-format off */
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
/* clang-format on */

/* Each argument is evaluated twice: no side effects in them. */
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define NSEC_PER_USEC 1000ull
#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_SEC 1000000000ull

#endif
