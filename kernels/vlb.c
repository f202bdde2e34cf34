/* The likelihood kernels (kernel_list.h), written once over the vector
 * layer: the row sum of the model's x0 error, from which every term of the
 * variational bound follows (dispatch/likelihood.c), and a row's sum of
 * squares for the prior term. */
#include "step_math.h"
#include "sum_math.h"
#include "variant.h"

/* clamp 0: x0_hat = fma(kx, x, km * m') (mode 0, no clip: what the clamp
 * with infinite bounds and scale 1 gives, exactly, in fewer operations). */
DK_INLINE void x0_err_block(size_t at, size_t part, int k, const step_consts *c, int clamp, int guide,
                            row_sum *s, const float *x0, const float *x, const float *m, const float *u,
                            float *x0_hat)
{
    vf mg = vf_load_block(m + at, part);
    if (guide)
        mg = guided(c, mg, vf_load_block(u + at, part));
    const vf x0_raw = x0_of(c, vf_load_block(x + at, part), mg);
    const vf x0c = clamp ? x0_clamped(c, x0_raw) : x0_raw;
    const vf e = vf_sub(vf_load_block(x0 + at, part), x0c);
    if (x0_hat)
        vf_store_block(x0_hat + at, x0c, part);
    row_sum_add(s, k, vf_keep_block(vf_mul(e, e), part));
}

void DK_FN(x0_err)(size_t n, const dk_kargs *a)
{
    const float *x0 = a->in[0], *x = a->in[1], *m = a->in[2], *u = a->in[3];
    float *x0_hat = a->out[0];
    const step_consts c = step_consts_of(&a->c);
    row_sum s = row_sum_start();
    switch (a->mode << 1 | (u != NULL)) {
    case 0:
        DK_FOR_SUM_BLOCKS(n, x0_err_block, &c, 0, 0, &s, x0, x, m, u, x0_hat);
        break;
    case 1:
        DK_FOR_SUM_BLOCKS(n, x0_err_block, &c, 0, 1, &s, x0, x, m, u, x0_hat);
        break;
    case 2:
        DK_FOR_SUM_BLOCKS(n, x0_err_block, &c, 1, 0, &s, x0, x, m, u, x0_hat);
        break;
    default:
        DK_FOR_SUM_BLOCKS(n, x0_err_block, &c, 1, 1, &s, x0, x, m, u, x0_hat);
        break;
    }
    *a->sum = row_sum_finish(&s);
}

DK_INLINE void sum_sq_block(size_t at, size_t part, int k, row_sum *s, const float *x)
{
    const vf v = vf_load_block(x + at, part);
    row_sum_add(s, k, vf_keep_block(vf_mul(v, v), part));
}

void DK_FN(sum_sq)(size_t n, const dk_kargs *a)
{
    row_sum s = row_sum_start();
    DK_FOR_SUM_BLOCKS(n, sum_sq_block, &s, a->in[0]);
    *a->sum = row_sum_finish(&s);
}
