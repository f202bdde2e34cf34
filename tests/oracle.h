/* The double-precision oracle: the DDPM math written plainly from the papers,
 * sharing no code with kernels/. Timesteps are 1-based; ab[0] = 1. */
#ifndef DK_TEST_ORACLE_H
#define DK_TEST_ORACLE_H

#include <stddef.h>

#include "diffkern.h"

typedef struct oracle_schedule {
    int T;
    double *beta; /* [T + 1], beta[1..T] */
    double *ab;   /* [T + 1], alpha_bar, ab[0] = 1 */
} oracle_schedule;

/* Builds the betas of a schedule kind the way the diffusers library does. */
oracle_schedule oracle_schedule_make(dk_beta_schedule kind, int T, double beta_start, double beta_end);
oracle_schedule oracle_schedule_from(const double *betas, int T);
void oracle_schedule_free(oracle_schedule *s);

/* One element of q_sample; *mag gets the sum of the magnitudes of its terms. */
double oracle_q_sample(const oracle_schedule *s, int t, double x0, double eps, double *mag);

/* One element of p_step (z_or_nan: the noise, or NaN for none). *mag gets
 * the sum of the magnitudes of the terms of the expression as evaluated,
 * before clipping, so an error bound can be stated relative to it. */
double oracle_p_step(const oracle_schedule *s, int t, double xt, double model_out, double z, int have_z,
                     const dk_step_opts *opts, double *mag);

#endif
