/* The per-build checks of kernels/sleef_u35.h against libsleef
 * (tests/sleef_check.c): dk_sleef_check_<variant>(which, first, last, step,
 * &first_bad) compares the inputs of index first, first + step, ... up to
 * last and returns how many differ (the first of them in *first_bad). */
#ifndef DK_TEST_SLEEF_CHECK_H
#define DK_TEST_SLEEF_CHECK_H

#include <stddef.h>
#include <stdint.h>

enum {
    DK_CHECK_LOGF,     /* index: the bits of the float (0x2f800000 .. 0x3f800000: 2^-32 .. 1) */
    DK_CHECK_SINCOSPIF /* index k: the input k 2^-23 (0 .. 2^24 - 1: [0, 2)) */
};

typedef size_t (*dk_sleef_check_fn)(int which, uint32_t first, uint32_t last, uint32_t step,
                                    uint32_t *first_bad);

#ifdef DK_SLEEF_CHECK
size_t DK_SLEEF_CHECK(int which, uint32_t first, uint32_t last, uint32_t step, uint32_t *first_bad);
#endif

#endif /* DK_TEST_SLEEF_CHECK_H */
