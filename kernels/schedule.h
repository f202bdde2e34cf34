/* Internal view of a dk_schedule: the double-precision schedule and the float
 * coefficients the kernels use, rounded once when the schedule is built. */
#ifndef DK_SCHEDULE_H
#define DK_SCHEDULE_H

#include "kernels.h"

struct dk_schedule {
    int32_t steps;       /* T */
    double *beta;        /* [T + 1], beta[0] unused (NaN) */
    double *alpha_bar;   /* [T + 1], alpha_bar[0] = 1 */
    double *post_var;    /* [T + 1], beta_tilde_t; [0] unused (NaN) */
    float *q_a;          /* [T + 1], sqrt(abar_t) */
    float *q_b;          /* [T + 1], sqrt(1 - abar_t) */
    dk_step_coefs *step; /* [T + 1], [0] unused; sigma and clip are 0 */
    float *sigma_small;  /* [T + 1], sqrt(beta_tilde_t) */
    float *sigma_large;  /* [T + 1], sqrt(beta_t) */
};

#endif /* DK_SCHEDULE_H */
