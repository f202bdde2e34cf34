/* The fused generate-and-mix kernels: each element's normal is made in
 * registers and used at once, one pass over memory. The arithmetic is that
 * of the kernels that read their noise (step_math.h), so dk_randn followed by
 * those gives the same bits. */
#include "philox.h"
#include "step_math.h"
#include "variant.h"

/* ---- forward, writing the noise too when eps_out is given ---- */

DK_INLINE void q_sample_randn_block(size_t at, size_t part, vf z, vf a, vf b, const float *x0, float *eps_out,
                                    float *xt)
{
    const vf x = vf_load_block(x0 + at, part); /* before any store: eps_out may be x0 */
    if (eps_out)
        vf_store_block(eps_out + at, z, part);
    vf_store_block(xt + at, q_sample_math(a, b, x, z), part);
}

DK_INLINE void q_sample_randn_block_ahead(size_t at, vf a, vf b, const float *x0, float *eps_out, float *xt)
{
    (void)a, (void)b;
    prefetch_chunk(x0 + at, 0);
    prefetch_chunk(xt + at, 1);
    if (eps_out)
        prefetch_chunk(eps_out + at, 1);
}

void DK_FN(q_sample_randn)(size_t n, const dk_kargs *a)
{
    const float *x0 = a->in[0];
    float *xt = a->out[0], *eps_out = a->out[1];
    const philox_key k = philox_key_of(a->noise.seed, a->noise.stream);
    const vf va = vf_set1(a->c.sqrt_abar), vb = vf_set1(a->c.sqrt_1m_abar);
    if (eps_out)
        DK_FOR_NOISE_BLOCKS(n, &k, a->noise.offset, q_sample_randn_block, va, vb, x0, eps_out, xt);
    else
        DK_FOR_NOISE_BLOCKS(n, &k, a->noise.offset, q_sample_randn_block, va, vb, x0, (float *)NULL, xt);
}

/* ---- reverse, epsilon form ---- */

DK_INLINE void p_step_eps_randn_block(size_t at, size_t part, vf z, const eps_consts *k, const float *xt,
                                      const float *eps_hat, float *out)
{
    const vf x = vf_load_block(xt + at, part), e = vf_load_block(eps_hat + at, part);
    vf_store_block(out + at, add_noise(k->sigma, z, eps_mean(k, x, e)), part);
}

DK_INLINE void p_step_eps_randn_block_ahead(size_t at, const eps_consts *k, const float *xt,
                                            const float *eps_hat, float *out)
{
    (void)k;
    prefetch_chunk(xt + at, 0);
    prefetch_chunk(eps_hat + at, 0);
    prefetch_chunk(out + at, 1);
}

void DK_FN(p_step_eps_randn)(size_t n, const dk_kargs *a)
{
    const float *xt = a->in[0], *eps_hat = a->in[1];
    float *x_prev = a->out[0];
    const philox_key k = philox_key_of(a->noise.seed, a->noise.stream);
    const eps_consts ec = eps_consts_of(&a->c);
    DK_FOR_NOISE_BLOCKS(n, &k, a->noise.offset, p_step_eps_randn_block, &ec, xt, eps_hat, x_prev);
}

/* ---- reverse, posterior-mean form ---- */

DK_INLINE void p_step_posterior_randn_block(size_t at, size_t part, vf z, const post_consts *k,
                                            dk_prediction pred, const float *xt, const float *model_out,
                                            float *out)
{
    const vf x = vf_load_block(xt + at, part), m = vf_load_block(model_out + at, part);
    vf_store_block(out + at, add_noise(k->sigma, z, posterior_mean(k, pred, x, m)), part);
}

DK_INLINE void p_step_posterior_randn_block_ahead(size_t at, const post_consts *k, dk_prediction pred,
                                                  const float *xt, const float *model_out, float *out)
{
    (void)k, (void)pred;
    prefetch_chunk(xt + at, 0);
    prefetch_chunk(model_out + at, 0);
    prefetch_chunk(out + at, 1);
}

/* One loop per prediction: the switch in the block folds away. */
#define POSTERIOR_RANDN_LOOP(pred)                                                                           \
    DK_FOR_NOISE_BLOCKS(n, &k, a->noise.offset, p_step_posterior_randn_block, &pc, pred, xt, model_out,      \
                        x_prev)

void DK_FN(p_step_posterior_randn)(size_t n, const dk_kargs *a)
{
    const float *xt = a->in[0], *model_out = a->in[1];
    float *x_prev = a->out[0];
    const philox_key k = philox_key_of(a->noise.seed, a->noise.stream);
    const post_consts pc = post_consts_of(&a->c);
    switch (a->pred) {
    case DK_PRED_EPSILON:
        POSTERIOR_RANDN_LOOP(DK_PRED_EPSILON);
        break;
    case DK_PRED_V:
        POSTERIOR_RANDN_LOOP(DK_PRED_V);
        break;
    case DK_PRED_SAMPLE:
    default:
        POSTERIOR_RANDN_LOOP(DK_PRED_SAMPLE);
        break;
    }
}
