/* The float coefficients of one run of rows, in double from the schedule and
 * the options, rounded once: every sampler is a choice of coefficients for
 * the one family of step kernels (kernels.h). */
#ifndef DK_COEFS_H
#define DK_COEFS_H

#include "kernels.h"
#include "schedule.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dk_sampler {
    DK_SAMPLER_DDPM, /* dk_p_step: t_prev = t - 1, sigma of opts->variance */
    DK_SAMPLER_DDIM,
    DK_SAMPLER_SDE,
    DK_SAMPLER_ODE
} dk_sampler;

/* The coefficients of the step t -> t_prev. threshold_s not NULL: the row's
 * dynamic threshold s (the clamp is [-s, s] and the scale 1/s; NaN makes the
 * row NaN); else the clip of opts, if any. Sets *x0_form (1: the step goes
 * through the clamped x0, kernel step_x0) and *mode (step_x0's mode). */
dk_step_coefs dk_step_coefs_of(const dk_schedule *s, dk_sampler sampler, int32_t t, int32_t t_prev,
                               const dk_step_opts *o, const double *threshold_s, int *x0_form, int *mode);

/* xt = fma(ax, x0, am * eps) of q_sample at t. */
dk_step_coefs dk_q_sample_coefs(const dk_schedule *s, int32_t t);

#ifdef __cplusplus
}
#endif

#endif /* DK_COEFS_H */
