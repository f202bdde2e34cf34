/* The per-vector arithmetic of the mixing steps, shared by the kernels that
 * read their noise (mix.c) and those that generate it (noise_mix.c), so both
 * run the very same operation sequence and give the same bits. */
#ifndef DK_STEP_MATH_H
#define DK_STEP_MATH_H

#include "kernels.h"
#include "vec.h"

/* forward: xt = fma(a, x0, b * eps) */
DK_INLINE vf q_sample_math(vf a, vf b, vf x0, vf eps) { return vf_fma(a, x0, vf_mul(b, eps)); }

/* reverse, epsilon form: c_out * fma(-c_eps, eps_hat, xt), then + sigma * z */
typedef struct eps_consts {
    vf c_out, neg_c_eps, sigma;
} eps_consts;

DK_INLINE eps_consts eps_consts_of(const dk_step_coefs *c)
{
    const eps_consts k = {vf_set1(c->c_out), vf_set1(-c->c_eps), vf_set1(c->sigma)};
    return k;
}

DK_INLINE vf eps_mean(const eps_consts *k, vf xt, vf eps_hat)
{
    return vf_mul(k->c_out, vf_fma(k->neg_c_eps, eps_hat, xt));
}

/* reverse, posterior-mean form */
typedef struct post_consts {
    vf sqrt_abar, r_sqrt_abar, neg_sqrt_1m_abar, c0, c1, sigma, lo, hi;
} post_consts;

DK_INLINE post_consts post_consts_of(const dk_step_coefs *c)
{
    const post_consts k = {vf_set1(c->sqrt_abar), vf_set1(c->r_sqrt_abar), vf_set1(-c->sqrt_1m_abar),
                           vf_set1(c->c0),        vf_set1(c->c1),          vf_set1(c->sigma),
                           vf_set1(-c->clip),     vf_set1(c->clip)};
    return k;
}

DK_INLINE vf x0_hat_of(const post_consts *k, dk_prediction pred, vf x, vf m)
{
    switch (pred) {
    case DK_PRED_EPSILON: /* (x - sqrt(1 - abar) m) / sqrt(abar) */
        return vf_mul(k->r_sqrt_abar, vf_fma(k->neg_sqrt_1m_abar, m, x));
    case DK_PRED_V: /* sqrt(abar) x - sqrt(1 - abar) m */
        return vf_fma(k->sqrt_abar, x, vf_mul(k->neg_sqrt_1m_abar, m));
    case DK_PRED_SAMPLE:
    default:
        return m;
    }
}

/* mu = fma(c0, clamp(x0_hat), c1 * xt). The clamp has the data as its second
 * operand so that NaN propagates; with no clipping the bounds are -Inf and
 * +Inf and the clamp is exact. */
DK_INLINE vf posterior_mean(const post_consts *k, dk_prediction pred, vf xt, vf model_out)
{
    const vf x0 = vf_min(k->hi, vf_max(k->lo, x0_hat_of(k, pred, xt, model_out)));
    return vf_fma(k->c0, x0, vf_mul(k->c1, xt));
}

/* x_prev = fma(sigma, z, mean) */
DK_INLINE vf add_noise(vf sigma, vf z, vf mean) { return vf_fma(sigma, z, mean); }

#endif /* DK_STEP_MATH_H */
