#include "oracle.h"

#include <math.h>
#include <stdlib.h>

static double *alloc_doubles(size_t n)
{
    double *p = calloc(n, sizeof *p);
    if (!p)
        abort();
    return p;
}

static oracle_schedule finish(oracle_schedule s)
{
    s.ab = alloc_doubles((size_t)s.T + 1);
    s.ab[0] = 1.0;
    for (int t = 1; t <= s.T; t++)
        s.ab[t] = s.ab[t - 1] * (1.0 - s.beta[t]);
    return s;
}

oracle_schedule oracle_schedule_make(dk_beta_schedule kind, int T, double b0, double b1)
{
    oracle_schedule s = {T, alloc_doubles((size_t)T + 1), NULL};
    for (int k = 0; k < T; k++) {
        /* fraction of the way along a linspace of T points */
        const double f = T > 1 ? (double)k / (T - 1) : 0.0;
        double b;
        if (kind == DK_BETA_LINEAR) {
            b = b0 + (b1 - b0) * f;
        } else if (kind == DK_BETA_SCALED_LINEAR) {
            const double r = sqrt(b0) + (sqrt(b1) - sqrt(b0)) * f;
            b = r * r;
        } else if (kind == DK_BETA_COSINE) {
            /* alpha_bar(u) = cos^2(pi/2 (u + s)/(1 + s)), beta = 1 - ab(u2)/ab(u1) <= 0.999 */
            const double s8 = 0.008, half_pi = acos(0.0);
            const double c1 = cos(half_pi * ((double)k / T + s8) / (1 + s8));
            const double c2 = cos(half_pi * ((double)(k + 1) / T + s8) / (1 + s8));
            b = 1.0 - (c2 * c2) / (c1 * c1);
            if (b > 0.999)
                b = 0.999;
        } else {
            const double x = -6.0 + 12.0 * f;
            b = b0 + (b1 - b0) / (1.0 + exp(-x));
        }
        s.beta[k + 1] = b;
    }
    return finish(s);
}

oracle_schedule oracle_schedule_from(const double *betas, int T)
{
    oracle_schedule s = {T, alloc_doubles((size_t)T + 1), NULL};
    for (int k = 0; k < T; k++)
        s.beta[k + 1] = betas[k];
    return finish(s);
}

void oracle_schedule_free(oracle_schedule *s)
{
    free(s->beta);
    free(s->ab);
    s->beta = s->ab = NULL;
}

double oracle_q_sample(const oracle_schedule *s, int t, double x0, double eps, double *mag)
{
    const double a = sqrt(s->ab[t]), b = sqrt(1.0 - s->ab[t]);
    *mag = fabs(a * x0) + fabs(b * eps);
    return a * x0 + b * eps;
}

double oracle_p_step(const oracle_schedule *s, int t, double xt, double m, double z, int have_z,
                     const dk_step_opts *o, double *mag)
{
    const double beta = s->beta[t], alpha = 1.0 - beta;
    const double ab = s->ab[t], ab_prev = s->ab[t - 1];
    const double var = o->variance == DK_VAR_FIXED_LARGE ? beta : beta * (1.0 - ab_prev) / (1.0 - ab);
    const double sigma = (have_z && t > 1) ? sqrt(var) : 0.0;
    const double noise = sigma * (have_z && t > 1 ? z : 0.0);

    if (o->prediction == DK_PRED_EPSILON && !(o->clip > 0)) {
        /* DDPM eq. 11: (x_t - beta / sqrt(1 - ab) eps) / sqrt(alpha) + sigma z */
        const double k = beta / sqrt(1.0 - ab);
        *mag = fabs(xt / sqrt(alpha)) + fabs(k * m / sqrt(alpha)) + fabs(noise);
        return (xt - k * m) / sqrt(alpha) + noise;
    }
    double x0, x0_mag;
    if (o->prediction == DK_PRED_EPSILON) {
        x0 = (xt - sqrt(1.0 - ab) * m) / sqrt(ab);
        x0_mag = (fabs(xt) + fabs(sqrt(1.0 - ab) * m)) / sqrt(ab);
    } else if (o->prediction == DK_PRED_V) {
        x0 = sqrt(ab) * xt - sqrt(1.0 - ab) * m;
        x0_mag = fabs(sqrt(ab) * xt) + fabs(sqrt(1.0 - ab) * m);
    } else {
        x0 = m;
        x0_mag = fabs(m);
    }
    if (o->clip > 0)
        x0 = fmin(fmax(x0, -(double)o->clip), (double)o->clip);
    /* posterior mean, DDPM eq. 7 */
    const double c0 = beta * sqrt(ab_prev) / (1.0 - ab);
    const double c1 = (1.0 - ab_prev) * sqrt(alpha) / (1.0 - ab);
    *mag = c0 * x0_mag + fabs(c1 * xt) + fabs(noise);
    return c0 * x0 + c1 * xt + noise;
}
