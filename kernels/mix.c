/* The mixing kernels, written once over the vector layer (vec.h) and compiled
 * once per ISA. DK_VARIANT names the build (scalar_fma, avx2, ...): it suffixes
 * every symbol, dk_<kernel>_<variant>, and names the table dk_kernels_<variant>. */
#include "kernels.h"
#include "vec.h"

#define DK_CAT3_(a, b, c) a##b##c
#define DK_CAT3(a, b, c)  DK_CAT3_(a, b, c)
#define DK_FN(name)       DK_CAT3(dk_, name, DK_CAT3(_, DK_VARIANT, ))

#define DK_KERNEL(name, params) void DK_FN(name) params;
#include "kernel_list.h"
#undef DK_KERNEL

/* ---- forward: xt = fma(a, x0, b * eps) ---- */

DK_INLINE void q_sample_block(size_t at, size_t part, vf a, vf b, const float *x0, const float *eps,
                              float *xt)
{
    vf x = vf_load_block(x0 + at, part);
    vf e = vf_load_block(eps + at, part);
    vf_store_block(xt + at, vf_fma(a, x, vf_mul(b, e)), part);
}

void DK_FN(q_sample)(size_t n, float a, float b, const float *x0, const float *eps, float *xt)
{
    DK_FOR_BLOCKS(n, q_sample_block, vf_set1(a), vf_set1(b), x0, eps, xt);
}

/* ---- reverse, epsilon form: fma(sigma, z, c_out * fma(-c_eps, eps_hat, xt)) ---- */

typedef struct eps_consts {
    vf c_out, neg_c_eps, sigma;
} eps_consts;

DK_INLINE void p_step_eps_block(size_t at, size_t part, const eps_consts *k, int noisy, const float *xt,
                                const float *eps_hat, const float *z, float *out)
{
    vf x = vf_load_block(xt + at, part);
    vf e = vf_load_block(eps_hat + at, part);
    vf r = vf_mul(k->c_out, vf_fma(k->neg_c_eps, e, x));
    if (noisy)
        r = vf_fma(k->sigma, vf_load_block(z + at, part), r);
    vf_store_block(out + at, r, part);
}

void DK_FN(p_step_eps)(size_t n, const dk_step_coefs *c, const float *xt, const float *eps_hat,
                       const float *z, float *out)
{
    const eps_consts k = {vf_set1(c->c_out), vf_set1(-c->c_eps), vf_set1(c->sigma)};
    if (z)
        DK_FOR_BLOCKS(n, p_step_eps_block, &k, 1, xt, eps_hat, z, out);
    else
        DK_FOR_BLOCKS(n, p_step_eps_block, &k, 0, xt, eps_hat, z, out);
}

/* ---- reverse, posterior-mean form ---- */

typedef struct post_consts {
    vf sqrt_abar, r_sqrt_abar, neg_sqrt_1m_abar, c0, c1, sigma, lo, hi;
} post_consts;

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

DK_INLINE void p_step_posterior_block(size_t at, size_t part, const post_consts *k, dk_prediction pred,
                                      int noisy, const float *xt, const float *model_out, const float *z,
                                      float *out)
{
    vf x = vf_load_block(xt + at, part);
    vf m = vf_load_block(model_out + at, part);
    /* Clamp with the data as the second operand so that NaN propagates; with
     * no clipping the bounds are -Inf and +Inf and the clamp is exact. */
    vf x0 = vf_min(k->hi, vf_max(k->lo, x0_hat_of(k, pred, x, m)));
    vf r = vf_fma(k->c0, x0, vf_mul(k->c1, x));
    if (noisy)
        r = vf_fma(k->sigma, vf_load_block(z + at, part), r);
    vf_store_block(out + at, r, part);
}

/* One specialized loop per (prediction, noise): the switch inside the block
 * folds away because both are constants here. */
#define POSTERIOR_LOOP(pred, noisy)                                                                          \
    DK_FOR_BLOCKS(n, p_step_posterior_block, &k, pred, noisy, xt, model_out, z, out)

void DK_FN(p_step_posterior)(size_t n, const dk_step_coefs *c, dk_prediction pred, const float *xt,
                             const float *model_out, const float *z, float *out)
{
    const post_consts k = {vf_set1(c->sqrt_abar), vf_set1(c->r_sqrt_abar), vf_set1(-c->sqrt_1m_abar),
                           vf_set1(c->c0),        vf_set1(c->c1),          vf_set1(c->sigma),
                           vf_set1(-c->clip),     vf_set1(c->clip)};
    switch (pred) {
    case DK_PRED_EPSILON:
        if (z)
            POSTERIOR_LOOP(DK_PRED_EPSILON, 1);
        else
            POSTERIOR_LOOP(DK_PRED_EPSILON, 0);
        break;
    case DK_PRED_V:
        if (z)
            POSTERIOR_LOOP(DK_PRED_V, 1);
        else
            POSTERIOR_LOOP(DK_PRED_V, 0);
        break;
    case DK_PRED_SAMPLE:
    default:
        if (z)
            POSTERIOR_LOOP(DK_PRED_SAMPLE, 1);
        else
            POSTERIOR_LOOP(DK_PRED_SAMPLE, 0);
        break;
    }
}

/* ---- this build's table ---- */

const dk_kernels DK_CAT3(dk_kernels_, DK_VARIANT, ) = {
#define DK_KERNEL(name, params) DK_FN(name),
#include "kernel_list.h"
#undef DK_KERNEL
};
