/* The candidates of a row's thresholding quantile: the values within
 * [lo, hi], packed (dispatch/threshold.c), and the counts that place them
 * among the row's order statistics. Exact, so every build gives the same
 * bits and counts. */
#include <math.h>

#include "variant.h"
#include "vec.h"

void DK_FN(pack_within)(size_t n, const dk_kargs *a)
{
    const float *in = a->in[0];
    float *out = a->out[0];
    const float lo = a->c.lo, hi = a->c.hi;
    const vf vlo = vf_set1(lo), vhi = vf_set1(hi);
    /* kept <= at: each whole-vector store lands within out[0 .. at + DK_W),
     * on values already read, so out may be in. The tallies count per lane
     * in 32 bits: summed every 2^30 vectors, before a lane could overflow. */
    size_t kept = 0, below = 0, nans = 0, at = 0;
    while (at + DK_W <= n) {
        const size_t end = n - at >= ((size_t)1 << 30) * DK_W ? at + ((size_t)1 << 30) * DK_W : n;
        vu t_below = vu_set1(0), t_nan = vu_set1(0);
        for (; at + DK_W <= end; at += DK_W) {
            const vf v = vf_loadu(in + at);
            kept += vf_pack_within(out + kept, v, vlo, vhi);
            t_below = vu_tally_lt(t_below, v, vlo);
            t_nan = vu_tally_nan(t_nan, v);
        }
        below += vu_tally_sum(t_below);
        nans += vu_tally_sum(t_nan);
    }
    for (; at < n; at++) {
        const float v = in[at];
        out[kept] = v;
        kept += (v >= lo) & (v <= hi);
        below += v < lo;
        nans += v != v;
    }
    a->counts[0] = below;
    a->counts[1] = kept;
    a->counts[2] = nans;
    const vf nan = vf_set1(NAN);
    for (; kept + DK_W <= n; kept += DK_W)
        vf_storeu(out + kept, nan);
    for (; kept < n; kept++)
        out[kept] = NAN;
}
