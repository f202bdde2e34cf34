/* Internal view of a dk_schedule: everything in double. The float
 * coefficients the kernels use are computed from it per run of rows with
 * equal timesteps, in double, and rounded to float once (dispatch/coefs.c). */
#ifndef DK_SCHEDULE_H
#define DK_SCHEDULE_H

#include <stdint.h>

#include "diffkern.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dk_schedule {
    int32_t steps;     /* T */
    double *beta;      /* [T + 1], beta[0] unused (NaN); beta_T = 1 at zero terminal SNR */
    double *alpha_bar; /* [T + 1], alpha_bar[0] = 1; alpha_bar[T] may be 0 */
    double *post_var;  /* [T + 1], beta_tilde_t; [0] unused (NaN) */
};

#ifdef __cplusplus
}
#endif

#endif /* DK_SCHEDULE_H */
