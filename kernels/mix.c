/* The mixing kernels that read their noise from memory, written once over the
 * vector layer (vec.h) and compiled once per ISA. */
#include "step_math.h"
#include "variant.h"

/* ---- forward ---- */

DK_INLINE void q_sample_block(size_t at, size_t part, vf a, vf b, const float *x0, const float *eps,
                              float *xt)
{
    const vf x = vf_load_block(x0 + at, part), e = vf_load_block(eps + at, part);
    vf_store_block(xt + at, q_sample_math(a, b, x, e), part);
}

void DK_FN(q_sample)(size_t n, const dk_kargs *a)
{
    const float *x0 = a->in[0], *eps = a->in[1];
    float *xt = a->out[0];
    DK_FOR_BLOCKS(n, q_sample_block, vf_set1(a->c.sqrt_abar), vf_set1(a->c.sqrt_1m_abar), x0, eps, xt);
}

/* ---- reverse, epsilon form ---- */

DK_INLINE void p_step_eps_block(size_t at, size_t part, const eps_consts *k, int noisy, const float *xt,
                                const float *eps_hat, const float *z, float *out)
{
    const vf x = vf_load_block(xt + at, part), e = vf_load_block(eps_hat + at, part);
    vf r = eps_mean(k, x, e);
    if (noisy)
        r = add_noise(k->sigma, vf_load_block(z + at, part), r);
    vf_store_block(out + at, r, part);
}

void DK_FN(p_step_eps)(size_t n, const dk_kargs *a)
{
    const float *xt = a->in[0], *eps_hat = a->in[1], *z = a->in[2];
    float *x_prev = a->out[0];
    const eps_consts k = eps_consts_of(&a->c);
    if (z)
        DK_FOR_BLOCKS(n, p_step_eps_block, &k, 1, xt, eps_hat, z, x_prev);
    else
        DK_FOR_BLOCKS(n, p_step_eps_block, &k, 0, xt, eps_hat, z, x_prev);
}

/* ---- reverse, posterior-mean form ---- */

DK_INLINE void p_step_posterior_block(size_t at, size_t part, const post_consts *k, dk_prediction pred,
                                      int noisy, const float *xt, const float *model_out, const float *z,
                                      float *out)
{
    const vf x = vf_load_block(xt + at, part), m = vf_load_block(model_out + at, part);
    vf r = posterior_mean(k, pred, x, m);
    if (noisy)
        r = add_noise(k->sigma, vf_load_block(z + at, part), r);
    vf_store_block(out + at, r, part);
}

/* One specialized loop per (prediction, noise): the switch inside the block
 * folds away because both are constants here. */
#define POSTERIOR_LOOP(pred)                                                                                 \
    do {                                                                                                     \
        if (z)                                                                                               \
            DK_FOR_BLOCKS(n, p_step_posterior_block, &k, pred, 1, xt, model_out, z, x_prev);                 \
        else                                                                                                 \
            DK_FOR_BLOCKS(n, p_step_posterior_block, &k, pred, 0, xt, model_out, z, x_prev);                 \
    } while (0)

void DK_FN(p_step_posterior)(size_t n, const dk_kargs *a)
{
    const float *xt = a->in[0], *model_out = a->in[1], *z = a->in[2];
    float *x_prev = a->out[0];
    const post_consts k = post_consts_of(&a->c);
    switch (a->pred) {
    case DK_PRED_EPSILON:
        POSTERIOR_LOOP(DK_PRED_EPSILON);
        break;
    case DK_PRED_V:
        POSTERIOR_LOOP(DK_PRED_V);
        break;
    case DK_PRED_SAMPLE:
    default:
        POSTERIOR_LOOP(DK_PRED_SAMPLE);
        break;
    }
}
