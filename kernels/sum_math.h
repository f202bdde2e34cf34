/* Row sums, bit-identical within a family on every ISA (DESIGN.md section
 * 8): each element's term is one float-op sequence of the kernel; the term of
 * column j of a row goes, converted to double, into lane j % 16 of 16 double
 * lanes, in increasing j; then lane i += lane i + 8 (i < 8), i + 4, i + 2,
 * i + 1, and lane 0 is the sum. A vector of DK_W terms (DK_W divides 16) adds
 * into lanes of its own, so every width adds each lane's terms in the same
 * order. One call sums one row: its elements are the columns. */
#ifndef DK_SUM_MATH_H
#define DK_SUM_MATH_H

#include "kernels.h"
#include "vec.h"

enum { SUM_LANES = 16, SUM_SLOTS = SUM_LANES / DK_W };

typedef struct row_sum {
    vd slot[SUM_SLOTS]; /* slot k: lanes k DK_W .. (k + 1) DK_W - 1 */
} row_sum;

DK_INLINE row_sum row_sum_start(void)
{
    row_sum s;
    for (int k = 0; k < SUM_SLOTS; k++)
        s.slot[k] = vd_zero();
    return s;
}

/* The terms of columns at .. at + DK_W - 1, at % 16 == k DK_W; the lanes
 * past a tail must hold +0 (vf_keep_block), which leaves a sum as it is. */
DK_INLINE void row_sum_add(row_sum *s, int k, vf terms) { s->slot[k] = vd_add_vf(s->slot[k], terms); }

DK_INLINE double row_sum_finish(const row_sum *s)
{
    double lane[SUM_LANES];
    for (int k = 0; k < SUM_SLOTS; k++)
        vd_storeu(lane + k * DK_W, s->slot[k]);
    for (int half = SUM_LANES / 2; half >= 1; half /= 2)
        for (int i = 0; i < half; i++)
            lane[i] += lane[i + half];
    return lane[0];
}

/* Runs BLOCK(at, part, k, ...) over a row of n: groups of 16 columns, a
 * vector at a time (k its slot, a constant after unrolling), then the last
 * group's vectors, the final one partial (part > 0) if 16 does not divide n. */
#define DK_FOR_SUM_BLOCKS(n, BLOCK, ...)                                                                     \
    do {                                                                                                     \
        size_t at_ = 0;                                                                                      \
        for (; at_ + SUM_LANES <= (n); at_ += SUM_LANES)                                                     \
            for (int k_ = 0; k_ < SUM_SLOTS; k_++)                                                           \
                BLOCK(at_ + (size_t)k_ * DK_W, 0, k_, __VA_ARGS__);                                          \
        for (int k_ = 0; at_ < (n); k_++, at_ += DK_W)                                                       \
            BLOCK(at_, (n)-at_ < DK_W ? (n)-at_ : 0, k_, __VA_ARGS__);                                       \
    } while (0)

#endif /* DK_SUM_MATH_H */
