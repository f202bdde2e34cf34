/* Packing the values of a row within [lo, hi] and counting them, shared by
 * pack_within and x0_abs so that both give the same packed values and
 * counts: counts[0] the values below lo, counts[1] those within [lo, hi]
 * (packed in order, NaN after them), counts[2] the NaN. */
#ifndef DK_PACK_MATH_H
#define DK_PACK_MATH_H

#include <math.h>

#include "kernels.h"
#include "vec.h"

typedef struct pack_state {
    float *packed;
    vf lo, hi;
    float lo1, hi1;
    size_t kept, below, nans;
    vu t_below, t_nan; /* per-lane tallies, 32 bits: summed every 2^30 vectors */
    size_t until_sum;
} pack_state;

enum { PACK_SUM_EVERY = 1 << 30 };

DK_INLINE pack_state pack_start(float *packed, float lo, float hi)
{
    const pack_state p = {packed,     vf_set1(lo), vf_set1(hi),   lo, hi, 0, 0, 0,
                          vu_set1(0), vu_set1(0),  PACK_SUM_EVERY};
    return p;
}

DK_INLINE void pack_sum(pack_state *p)
{
    p->below += vu_tally_sum(p->t_below);
    p->nans += vu_tally_sum(p->t_nan);
    p->t_below = p->t_nan = vu_set1(0);
    p->until_sum = PACK_SUM_EVERY;
}

/* A whole vector: its values are the next DK_W of the row. The store lands
 * within packed[0 .. kept + DK_W), and kept never passes the values read, so
 * packed may be the row itself. */
DK_INLINE void pack_vector(pack_state *p, vf v)
{
    p->kept += vf_pack_within(p->packed + p->kept, v, p->lo, p->hi);
    p->t_below = vu_tally_lt(p->t_below, v, p->lo);
    p->t_nan = vu_tally_nan(p->t_nan, v);
    if (--p->until_sum == 0)
        pack_sum(p);
}

/* One value (the tail of a row). */
DK_INLINE void pack_one(pack_state *p, float v)
{
    p->packed[p->kept] = v;
    p->kept += (v >= p->lo1) & (v <= p->hi1);
    p->below += v < p->lo1;
    p->nans += v != v;
}

/* The counts, and NaN after the packed values up to n. */
DK_INLINE void pack_finish(pack_state *p, size_t n, size_t *counts)
{
    pack_sum(p);
    counts[0] = p->below;
    counts[1] = p->kept;
    counts[2] = p->nans;
    const vf nan = vf_set1(NAN);
    size_t at = p->kept;
    for (; at + DK_W <= n; at += DK_W)
        vf_storeu(p->packed + at, nan);
    for (; at < n; at++)
        p->packed[at] = NAN;
}

#endif /* DK_PACK_MATH_H */
