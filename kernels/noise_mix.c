/* The forward step with its noise made in registers and used at once, one
 * pass over memory. The arithmetic is that of q_sample (step_math.h), so
 * dk_randn followed by dk_q_sample gives the same bits. (The reverse steps
 * with generated noise are in step.c.) */
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

DK_INLINE void q_sample_randn_block_ahead(size_t at, size_t part, vf a, vf b, const float *x0, float *eps_out,
                                          float *xt)
{
    (void)a, (void)b;
    prefetch_chunk(x0 + at, 0);
    if (part == DK_STREAMED) /* a streamed store needs no line in the cache */
        return;
    prefetch_chunk(xt + at, 1);
    if (eps_out)
        prefetch_chunk(eps_out + at, 1);
}

void DK_FN(q_sample_randn)(size_t n, const dk_kargs *a)
{
    const float *x0 = a->in[0];
    float *xt = a->out[0], *eps_out = a->out[1];
    const philox_key k = philox_key_of(a->noise.seed, a->noise.stream);
    const vf va = vf_set1(a->c.ax), vb = vf_set1(a->c.am);
    /* streamed where xt is aligned, so both only where they have one alignment */
    const int stream = noise_may_stream(a) &&
                       (!eps_out || ((uintptr_t)xt - (uintptr_t)eps_out) % (DK_W * sizeof(float)) == 0);
    if (eps_out)
        DK_FOR_NOISE_BLOCKS(n, &k, a->noise.offset, xt, stream, q_sample_randn_block, va, vb, x0, eps_out,
                            xt);
    else
        DK_FOR_NOISE_BLOCKS(n, &k, a->noise.offset, xt, stream, q_sample_randn_block, va, vb, x0,
                            (float *)NULL, xt);
}
