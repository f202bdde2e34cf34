/* The training loss of a row (kernel_list.h), written once over the vector
 * layer: the squared error's row sum (sum_math.h) and its gradient; with
 * eps generated, a piece of the row at a time. */
#include "philox.h"
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

/* ---- with eps generated ----
 * The normals of a piece of the row go to a buffer in L1, then the piece's
 * loss reads them as loss reads eps: the same bits as randn then loss. A
 * piece is whole groups of 16 columns, so the sum's lanes (sum_math.h) stay
 * those of the row, and whole chunks of normals, about 1024 of them. */
enum { LOSS_PIECE = 2 * DK_CHUNK * (512 / DK_CHUNK) };
_Static_assert(LOSS_PIECE % SUM_LANES == 0, "a piece is whole groups of the sum's lanes");

DK_INLINE void eps_block(size_t at, size_t part, vf z, float *eps) { vf_store_block(eps + at, z, part); }
DK_INLINE void eps_block_ahead(size_t at, size_t part, float *eps) { (void)at, (void)part, (void)eps; }

void DK_FN(loss_randn)(size_t n, const dk_kargs *a)
{
    const float *x0 = a->in[0], *m = a->in[1];
    float *grad = a->out[0];
    const philox_key k = philox_key_of(a->noise.seed, a->noise.stream);
    const step_consts c = step_consts_of(&a->c);
    row_sum s = row_sum_start();
    float eps[LOSS_PIECE];
    for (size_t at = 0; at < n; at += LOSS_PIECE) {
        const size_t len = n - at < LOSS_PIECE ? n - at : LOSS_PIECE;
        DK_FOR_NOISE_BLOCKS(len, &k, a->noise.offset + at, eps, 0, eps_block, eps);
        if (grad)
            DK_FOR_SUM_BLOCKS(len, loss_block, &c, 1, &s, x0 + at, eps, m + at, grad + at);
        else
            DK_FOR_SUM_BLOCKS(len, loss_block, &c, 0, &s, x0 + at, eps, m + at, grad);
    }
    *a->sum = row_sum_finish(&s);
}
