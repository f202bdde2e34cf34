/* Internal view of a dk_schedule: the double-precision schedule and the float
 * coefficients the kernels use, rounded once when the schedule is built. */
#ifndef DK_SCHEDULE_H
#define DK_SCHEDULE_H

#include "kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dk_schedule {
    int32_t steps;       /* T */
    double *beta;        /* [T + 1], beta[0] unused (NaN) */
    double *alpha_bar;   /* [T + 1], alpha_bar[0] = 1 */
    double *post_var;    /* [T + 1], beta_tilde_t; [0] unused (NaN) */
    dk_step_coefs *step; /* [T + 1]; [0] has only sqrt_abar = 1 and
                            sqrt_1m_abar = 0 (q_sample at t = 0); sigma and
                            clip are 0 until dk_schedule_coefs */
    float *sigma_small;  /* [T + 1], sqrt(beta_tilde_t) */
    float *sigma_large;  /* [T + 1], sqrt(beta_t) */
};

/* The coefficients of step t for a call with these options: sigma of the
 * variance it asks for (noise kernels and z use it), clip or +Inf. */
dk_step_coefs dk_schedule_coefs(const dk_schedule *s, int32_t t, const dk_step_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* DK_SCHEDULE_H */
