/* Packing the values of a row within [lo, hi] and counting them, shared by
 * pack_within and x0_abs so that both give the same packed values and
 * counts: counts[0] the values below lo, counts[1] those within [lo, hi]
 * (packed in order; what lies after them is each ISA's own), counts[2] the
 * NaN. */
#ifndef DK_PACK_MATH_H
#define DK_PACK_MATH_H

#include "kernels.h"
#include "vec.h"

typedef struct pack_state {
    float *packed;
    vf lo, hi;
    float lo1, hi1;
    size_t kept, below, nans;
    vu t_below, t_nan; /* per-lane tallies, 32 bits: summed after each span */
} pack_state;

/* The whole vectors of a span: the loops of the kernels run over spans of
 * at most this many, and sum the tallies after each, before a 32-bit lane
 * could wrap. A count in the loop would cost more than the work it counts. */
enum { PACK_SPAN = 1 << 30 };

/* The end of the span of whole vectors that starts at at, of a row of n. */
DK_INLINE size_t pack_span_end(size_t at, size_t n)
{
    const size_t vectors = (n - at) / DK_W;
    return at + (vectors < PACK_SPAN ? vectors : PACK_SPAN) * DK_W;
}

DK_INLINE pack_state pack_start(float *packed, float lo, float hi)
{
    const pack_state p = {packed, vf_set1(lo), vf_set1(hi), lo, hi, 0, 0, 0, vu_set1(0), vu_set1(0)};
    return p;
}

DK_INLINE void pack_sum(pack_state *p)
{
    p->below += vu_tally_sum(p->t_below);
    p->nans += vu_tally_sum(p->t_nan);
    p->t_below = p->t_nan = vu_set1(0);
}

/* A whole vector: its values are the next DK_W of the row. The store lands
 * within packed[0 .. kept + DK_W), and kept never passes the values read, so
 * packed may be the row itself. At most PACK_SPAN of them between two
 * pack_sum. */
DK_INLINE void pack_vector(pack_state *p, vf v)
{
    p->kept += vf_pack_within(p->packed + p->kept, v, p->lo, p->hi);
    p->t_below = vu_tally_lt(p->t_below, v, p->lo);
    p->t_nan = vu_tally_nan(p->t_nan, v);
}

/* One value (the tail of a row). */
DK_INLINE void pack_one(pack_state *p, float v)
{
    p->packed[p->kept] = v;
    p->kept += (v >= p->lo1) & (v <= p->hi1);
    p->below += v < p->lo1;
    p->nans += v != v;
}

/* The counts. Nothing fills the packed output past its values: that was
 * another store pass over the row, a third of the x0_abs kernel's time. */
DK_INLINE void pack_finish(pack_state *p, size_t *counts)
{
    pack_sum(p);
    counts[0] = p->below;
    counts[1] = p->kept;
    counts[2] = p->nans;
}

#endif /* DK_PACK_MATH_H */
