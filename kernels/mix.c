/* The forward step that reads its noise from memory, written once over the
 * vector layer (vec.h) and compiled once per ISA. */
#include "step_math.h"
#include "variant.h"

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
    DK_FOR_BLOCKS_TO(n, xt, a->stream, q_sample_block, vf_set1(a->c.ax), vf_set1(a->c.am), x0, eps, xt);
}
