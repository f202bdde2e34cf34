/* The candidates of a row's thresholding quantile: the values |a| within
 * [lo, hi], packed (dispatch/threshold.c), and the counts that place them
 * among the row's order statistics (pack_math.h). Exact, so every build
 * gives the same bits and counts. */
#include "pack_math.h"
#include "variant.h"

/* open: pack_vector_open (pack_math.h), for a bracket open above. */
DK_INLINE void pack_any(size_t n, const dk_kargs *a, int open)
{
    const float *in = a->in[0];
    pack_state p = pack_start(a->out[0], a->c.lo, a->c.hi);
    size_t at = 0;
    for (; at + DK_W <= n; pack_sum(&p))
        for (const size_t end = pack_span_end(at, n); at < end; at += DK_W) {
            const vf v = vf_abs(vf_loadu(in + at));
            if (open)
                pack_vector_open(&p, v);
            else
                pack_vector(&p, v);
        }
    if (open)
        pack_open_end(&p, at);
    for (; at < n; at++)
        pack_one(&p, fabsf(in[at]));
    pack_finish(&p, a->counts);
}

void DK_FN(pack_within)(size_t n, const dk_kargs *a)
{
    if (pack_is_open(a->c.lo, a->c.hi))
        pack_any(n, a, 1);
    else
        pack_any(n, a, 0);
}
