/* The candidates of a row's thresholding quantile: the values within
 * [lo, hi], packed (dispatch/threshold.c), and the counts that place them
 * among the row's order statistics (pack_math.h). Exact, so every build
 * gives the same bits and counts. */
#include "pack_math.h"
#include "variant.h"

void DK_FN(pack_within)(size_t n, const dk_kargs *a)
{
    const float *in = a->in[0];
    pack_state p = pack_start(a->out[0], a->c.lo, a->c.hi);
    size_t at = 0;
    for (; at + DK_W <= n; pack_sum(&p))
        for (const size_t end = pack_span_end(at, n); at < end; at += DK_W)
            pack_vector(&p, vf_loadu(in + at));
    for (; at < n; at++)
        pack_one(&p, in[at]);
    pack_finish(&p, a->counts);
}
