#include "coefs.h"

#include <math.h>

/* x0 and eps as linear maps of (x, m) for a prediction at alpha_bar ab:
 * x0 = x0x x + x0m m, eps = ex x + em m. ab = 0 only for sample and v. */
typedef struct pred_map {
    double x0x, x0m, ex, em;
} pred_map;

static pred_map pred_map_of(dk_prediction p, double ab)
{
    const double sa = sqrt(ab), sb = sqrt(1.0 - ab);
    pred_map f;
    switch (p) {
    case DK_PRED_EPSILON: /* x0 = (x - sb m) / sa, eps = m */
        f = (pred_map){1.0 / sa, -sb / sa, 0.0, 1.0};
        break;
    case DK_PRED_SAMPLE: /* x0 = m, eps = (x - sa m) / sb */
        f = (pred_map){0.0, 1.0, 1.0 / sb, -sa / sb};
        break;
    case DK_PRED_V: /* x0 = sa x - sb m, eps = sa m + sb x */
        f = (pred_map){sa, -sb, sb, sa};
        break;
    case DK_PRED_SCORE: /* eps = -sb m, x0 = (x - sb eps) / sa */
    default:
        f = (pred_map){1.0 / sa, (1.0 - ab) / sa, 0.0, -sb};
        break;
    }
    return f;
}

dk_step_coefs dk_q_sample_coefs(const dk_schedule *s, int32_t t)
{
    const double ab = s->alpha_bar[t];
    dk_step_coefs c = {0};
    c.ax = (float)sqrt(ab);
    c.am = (float)sqrt(1.0 - ab);
    return c;
}

dk_step_coefs dk_step_coefs_of(const dk_schedule *s, dk_sampler sampler, int32_t t, int32_t t_prev,
                               const dk_step_opts *o, const double *threshold_s, int *x0_form, int *mode)
{
    const double ab = s->alpha_bar[t];
    const pred_map f = pred_map_of(o->prediction, ab);
    const int through_x0 = threshold_s || o->clip > 0.0f;
    double kx = f.x0x, km = f.x0m, a0 = 0.0, ax, am, sigma = 0.0;

    switch (sampler) {
    case DK_SAMPLER_DDPM: {
        /* posterior mean c0 x0 + c1 x (DDPM eq. 7) */
        const double beta = s->beta[t], ap = s->alpha_bar[t - 1];
        const double c0 = beta * sqrt(ap) / (1.0 - ab), c1 = (1.0 - ap) * sqrt(1.0 - beta) / (1.0 - ab);
        sigma = sqrt(o->variance == DK_VAR_FIXED_LARGE ? beta : s->post_var[t]);
        a0 = c0, ax = c1, am = 0.0;
        if (!through_x0) /* fold x0 in: linear in (x, m) */
            ax = c0 * f.x0x + c1, am = c0 * f.x0m;
        break;
    }
    case DK_SAMPLER_DDIM: {
        /* sqrt(ap) x0 + sqrt(1 - ap - sigma^2) eps + sigma z (DDIM eq. 12, 16) */
        /* sigma^2 = eta^2 (1 - ap)(ap - ab) / (ap (1 - ab)) and the direction's
         * 1 - ap - sigma^2 = (1 - ap)(ap (1 - ab) - eta^2 (ap - ab)) / (ap (1 - ab)),
         * whose second factor is >= ab (1 - ap) >= 0: no cancellation to a
         * spurious square root where it is 0 (eta = 1 at ab = 0). */
        const double ap = s->alpha_bar[t_prev], eta2 = (double)o->eta * o->eta;
        double dir2 = 1.0 - ap;
        if (t_prev != t) {
            const double d = ap * (1.0 - ab);
            sigma = sqrt(eta2 * (1.0 - ap) * (ap - ab) / d);
            dir2 = (1.0 - ap) * (ap * (1.0 - ab) - eta2 * (ap - ab)) / d;
        }
        const double dir = sqrt(fmax(0.0, dir2)), sap = sqrt(ap);
        if (!through_x0) {
            ax = sap * f.x0x + dir * f.ex, am = sap * f.x0m + dir * f.em;
        } else if (o->recompute_eps) { /* eps = (x - sqrt(ab) x0c) / sqrt(1 - ab) */
            const double sb = sqrt(1.0 - ab);
            a0 = sap - dir * sqrt(ab) / sb, ax = dir / sb, am = 0.0;
        } else {
            a0 = sap, ax = dir * f.ex, am = dir * f.em;
        }
        break;
    }
    case DK_SAMPLER_SDE:
    case DK_SAMPLER_ODE:
    default: {
        /* (1 + B/2) x + b sc (+ sqrt(B) z), sc = -eps / sqrt(1 - ab), b = B (SDE) or B/2 (ODE) */
        const double B = log(s->alpha_bar[t_prev] / ab), sb = sqrt(1.0 - ab);
        const double b = sampler == DK_SAMPLER_SDE ? B : B / 2.0;
        ax = 1.0 + B / 2.0 - b * f.ex / sb, am = -b * f.em / sb;
        if (sampler == DK_SAMPLER_SDE)
            sigma = sqrt(B);
        break;
    }
    }

    dk_step_coefs c = {0};
    c.w = o->guidance_scale;
    c.kx = (float)kx, c.km = (float)km;
    c.lo = -INFINITY, c.hi = INFINITY, c.scale = 1.0f;
    if (threshold_s) {
        c.hi = (float)*threshold_s, c.lo = -c.hi, c.scale = (float)(1.0 / *threshold_s);
    } else if (o->clip > 0.0f) {
        c.hi = o->clip, c.lo = -o->clip;
    }
    c.a0 = (float)a0, c.ax = (float)ax, c.am = (float)am;
    c.sigma = (float)sigma;
    *x0_form = through_x0;
    *mode = through_x0 && c.am == 0.0f; /* no m' term */
    return c;
}
