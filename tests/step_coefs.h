/* Kernel coefficients for the tests that call kernels directly: plausible
 * values of every field (as a real schedule's steps give), drawn with the
 * harness's generator, independent of dispatch/coefs.c. */
#ifndef DK_TEST_STEP_COEFS_H
#define DK_TEST_STEP_COEFS_H

#include <math.h>

#include "harness.h"
#include "kernels.h"

/* clamp: 0 none, 1 a clip (scale 1), 2 a threshold (bound s, scale 1/s),
 * 3 a quantile's bracket open above, [s / 2, +Inf] (the kernels that pack
 * values within [lo, hi]). */
static inline dk_step_coefs test_step_coefs(int clamp)
{
    const double ab = dk_rand_uniform(1e-4, 0.9999), s = dk_rand_uniform(1.0, 3.0);
    dk_step_coefs c = {0};
    c.w = (float)dk_rand_uniform(-1.0, 8.0);
    c.kx = (float)(1.0 / sqrt(ab)), c.km = (float)(-sqrt(1.0 - ab) / sqrt(ab));
    c.lo = clamp ? (float)-s : -INFINITY, c.hi = clamp ? (float)s : INFINITY;
    if (clamp == 3)
        c.lo = (float)(s / 2.0), c.hi = INFINITY;
    c.scale = clamp == 2 ? (float)(1.0 / s) : 1.0f;
    c.a0 = (float)dk_rand_uniform(0.0, 1.0), c.ax = (float)dk_rand_uniform(0.5, 1.5);
    c.am = (float)dk_rand_uniform(-1.0, 1.0), c.sigma = (float)dk_rand_uniform(0.0, 0.3);
    return c;
}

#endif
