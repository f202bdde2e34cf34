/* Packing the values of a row within [lo, hi] and counting them, shared by
 * pack_within and x0_abs so that both give the same packed values and
 * counts: counts[0] the values below lo, counts[1] those within [lo, hi]
 * (packed in order; what lies after them is each ISA's own), counts[2] the
 * NaN. */
#ifndef DK_PACK_MATH_H
#define DK_PACK_MATH_H

#include <math.h>
#include <string.h>

#include "kernels.h"
#include "vec.h"

typedef struct pack_state {
    float *packed;
    vf lo, hi;
    float lo1, hi1;
    size_t kept, below, nans;
    vu t_below, t_nan; /* per-lane tallies, 32 bits: summed after each span */
    vu floor;          /* a bracket open above: pack_vector_open */
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

/* The bits of lo, less 1, as pack_vector_open compares them: -1 (every
 * value with its sign bit clear) for lo <= 0. */
DK_INLINE uint32_t pack_floor_of(float lo)
{
    uint32_t bits;
    memcpy(&bits, &lo, sizeof bits);
    return lo > 0.0f ? bits - 1 : UINT32_MAX;
}

DK_INLINE pack_state pack_start(float *packed, float lo, float hi)
{
    const pack_state p = {.packed = packed,
                          .lo = vf_set1(lo),
                          .hi = vf_set1(hi),
                          .lo1 = lo,
                          .hi1 = hi,
                          .t_below = vu_set1(0),
                          .t_nan = vu_set1(0),
                          .floor = vu_set1(pack_floor_of(lo))};
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

/* A bracket open above, [lo, +Inf], over values whose sign bit is clear
 * (|x0|): such values order as their bits do as integers, with +Inf below
 * every NaN. So one integer comparison a vector packs the values >= lo and
 * the NaN (bits above pack_floor_of(lo)), pack_open_end takes the NaN out
 * again, and the values not packed are those below lo: no tallies, and
 * about half the operations of pack_vector, whose two comparisons and two
 * tallies ran at the speed of the x0_abs kernel's arithmetic. */
DK_INLINE int pack_is_open(float lo, float hi) { return hi == INFINITY && lo == lo; }

DK_INLINE void pack_vector_open(pack_state *p, vf v)
{
    p->kept += vf_pack_bits_above(p->packed + p->kept, v, p->floor);
}

/* After the whole vectors of pack_vector_open, the first `at` values of the
 * row: the counts, and the NaN, if any, out of the packed values (the order
 * of the others kept). The NaN are counted a vector at a time: one by one,
 * the count took 3% of the time of a thresholded step. */
DK_INLINE void pack_open_end(pack_state *p, size_t at)
{
    vu t_nan = vu_set1(0);
    size_t i = 0, nans = 0;
    for (; i + DK_W <= p->kept; i += DK_W)
        t_nan = vu_tally_nan(t_nan, vf_loadu(p->packed + i));
    for (nans = vu_tally_sum(t_nan); i < p->kept; i++)
        nans += p->packed[i] != p->packed[i];
    p->below += at - p->kept;
    if (nans) {
        size_t kept = 0;
        for (i = 0; i < p->kept; i++) {
            const float v = p->packed[i];
            p->packed[kept] = v;
            kept += v == v;
        }
        p->kept = kept;
        p->nans += nans;
    }
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
