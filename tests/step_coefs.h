/* Kernel coefficients for the tests that call kernels directly: those of a
 * real step (beta_t, abar_{t-1}), computed here in double from the DDPM
 * formulas, independently of kernels/schedule.c. */
#ifndef DK_TEST_STEP_COEFS_H
#define DK_TEST_STEP_COEFS_H

#include <math.h>

#include "kernels.h"

static inline dk_step_coefs test_step_coefs(double beta, double ab_prev, float clip)
{
    const double ab = ab_prev * (1 - beta);
    const dk_step_coefs c = {
        .c_out = (float)(1 / sqrt(1 - beta)),
        .c_eps = (float)(beta / sqrt(1 - ab)),
        .sqrt_abar = (float)sqrt(ab),
        .r_sqrt_abar = (float)(1 / sqrt(ab)),
        .sqrt_1m_abar = (float)sqrt(1 - ab),
        .c0 = (float)(beta * sqrt(ab_prev) / (1 - ab)),
        .c1 = (float)((1 - ab_prev) * sqrt(1 - beta) / (1 - ab)),
        .sigma = (float)sqrt(beta),
        .clip = clip,
    };
    return c;
}

#endif
