/*
 * tests/host/check.h - the assertion macros of the host unit tests.
 *
 * A failed check prints file:line and the values, counts the failure and
 * goes on, so one run shows every broken case; check_exit() turns the count
 * into the process exit status that ctest reads.
 */
#ifndef NVOS_TESTS_CHECK_H
#define NVOS_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        check_count++;                                                                   \
        if (!(cond)) {                                                                   \
            check_failures++;                                                            \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);     \
        }                                                                                \
    } while (0)

#define CHECK_EQ(a, b)                                                                   \
    do {                                                                                 \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                  \
        check_count++;                                                                   \
        if (check_a_ != check_b_) {                                                      \
            check_failures++;                                                            \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld (0x%llx != 0x%llx)\n", \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_,                      \
                    (unsigned long long)check_a_, (unsigned long long)check_b_);         \
        }                                                                                \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                               \
    do {                                                                                 \
        const char *check_a_ = (a), *check_b_ = (b);                                     \
        check_count++;                                                                   \
        if (strcmp(check_a_, check_b_) != 0) {                                           \
            check_failures++;                                                            \
            fprintf(stderr, "%s:%d: %s == %s failed:\n  got      \"%s\"\n  expected \"%s\"\n", \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);                     \
        }                                                                                \
    } while (0)

static inline int check_exit(void)
{
    if (check_failures) {
        fprintf(stderr, "%d of %d checks failed\n", check_failures, check_count);
        return 1;
    }
    printf("all %d checks passed\n", check_count);
    return 0;
}

#endif
