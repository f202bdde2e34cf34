/* The per-vector arithmetic of the mixing steps, shared by the kernels that
 * read their noise (step.c, mix.c) and those that generate it, so both run
 * the very same operation sequence and give the same bits. The sequences are
 * the contract of kernels.h. */
#ifndef DK_STEP_MATH_H
#define DK_STEP_MATH_H

#include "kernels.h"
#include "vec.h"

/* forward: xt = fma(ax, x0, am * eps) */
DK_INLINE vf q_sample_math(vf ax, vf am, vf x0, vf eps) { return vf_fma(ax, x0, vf_mul(am, eps)); }

/* The coefficients of a step, broadcast once per call. */
typedef struct step_consts {
    vf w, kx, km, lo, hi, scale, a0, ax, am, sigma;
} step_consts;

DK_INLINE step_consts step_consts_of(const dk_step_coefs *c)
{
    const step_consts k = {vf_set1(c->w),  vf_set1(c->kx),    vf_set1(c->km), vf_set1(c->lo),
                           vf_set1(c->hi), vf_set1(c->scale), vf_set1(c->a0), vf_set1(c->ax),
                           vf_set1(c->am), vf_set1(c->sigma)};
    return k;
}

/* classifier-free guidance: m' = fma(w, m - u, u) */
DK_INLINE vf guided(const step_consts *k, vf m, vf u) { return vf_fma(k->w, vf_sub(m, u), u); }

/* x0 = fma(kx, x, km * m') */
DK_INLINE vf x0_of(const step_consts *k, vf x, vf m) { return vf_fma(k->kx, x, vf_mul(k->km, m)); }

/* min(hi, max(lo, x0)) * scale. The data is the second operand of each
 * clamp, so NaN propagates; with no clamp the bounds are -Inf and +Inf and
 * the clamp is exact, and so is the scale 1. */
DK_INLINE vf x0_clamped(const step_consts *k, vf x0)
{
    return vf_mul(vf_min(k->hi, vf_max(k->lo, x0)), k->scale);
}

/* The step without noise. x0_form 0: fma(ax, x, am * m'); 1: through the
 * clamped x0, fma(a0, x0c, fma(ax, x, am * m')), or in mode 1
 * fma(a0, x0c, ax * x), or in mode 2 the same with x0 = m' (given, not
 * made). guide: m' from m and u. All four are constants where the kernels
 * call it, so the branches fold away. */
DK_INLINE vf step_mean(const step_consts *k, int x0_form, int mode, int guide, vf x, vf m, vf u)
{
    if (guide)
        m = guided(k, m, u);
    if (!x0_form)
        return vf_fma(k->ax, x, vf_mul(k->am, m));
    const vf x0c = x0_clamped(k, mode == 2 ? m : x0_of(k, x, m));
    if (mode)
        return vf_fma(k->a0, x0c, vf_mul(k->ax, x));
    return vf_fma(k->a0, x0c, vf_fma(k->ax, x, vf_mul(k->am, m)));
}

/* x_prev = fma(sigma, z, mean) */
DK_INLINE vf add_noise(vf sigma, vf z, vf mean) { return vf_fma(sigma, z, mean); }

#endif /* DK_STEP_MATH_H */
