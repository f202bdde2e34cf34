/* The training loss of a row (kernel_list.h), written once over the vector
 * layer: the squared error's row sum (sum_math.h) and its gradient. */
#include "step_math.h"
#include "sum_math.h"
#include "variant.h"

DK_INLINE void loss_block(size_t at, size_t part, int k, const step_consts *c, int with_grad, row_sum *s,
                          const float *x0, const float *eps, const float *m, float *grad)
{
    const vf target =
        vf_fma(c->kx, vf_load_block(x0 + at, part), vf_mul(c->km, vf_load_block(eps + at, part)));
    const vf d = vf_sub(vf_load_block(m + at, part), target);
    if (with_grad)
        vf_store_block(grad + at, vf_mul(c->scale, d), part);
    row_sum_add(s, k, vf_keep_block(vf_mul(d, d), part));
}

void DK_FN(loss)(size_t n, const dk_kargs *a)
{
    const float *x0 = a->in[0], *eps = a->in[1], *m = a->in[2];
    float *grad = a->out[0];
    const step_consts c = step_consts_of(&a->c);
    row_sum s = row_sum_start();
    if (grad)
        DK_FOR_SUM_BLOCKS(n, loss_block, &c, 1, &s, x0, eps, m, grad);
    else
        DK_FOR_SUM_BLOCKS(n, loss_block, &c, 0, &s, x0, eps, m, grad);
    *a->sum = row_sum_finish(&s);
}
