/* The candidates of a row's thresholding quantile: the values within
 * [lo, hi], packed (dispatch/threshold.c). Exact, so every build gives the
 * same bits. */
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
     * on values already read, so out may be in. */
    size_t kept = 0, at = 0;
    for (; at + DK_W <= n; at += DK_W)
        kept += vf_pack_within(out + kept, vf_loadu(in + at), vlo, vhi);
    for (; at < n; at++) {
        const float v = in[at];
        out[kept] = v;
        kept += (v >= lo) & (v <= hi);
    }
    const vf nan = vf_set1(NAN);
    for (; kept + DK_W <= n; kept += DK_W)
        vf_storeu(out + kept, nan);
    for (; kept < n; kept++)
        out[kept] = NAN;
}
