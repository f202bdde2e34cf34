/* The dynamic threshold of one row (Saharia et al. 2022, diffusers'
 * _threshold_sample): an exact quantile of the row's |x0|. */
#ifndef DK_THRESHOLD_H
#define DK_THRESHOLD_H

#include <stddef.h>

#include "kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A bracket [lo, hi] of a row's values and the counts of the x0_abs (or
 * pack_within) kernel for it: counts[0] the values below lo, counts[1]
 * those within (packed at the start of the candidates row), counts[2] NaN.
 * {+Inf, +Inf} before the first row. */
typedef struct dk_bracket {
    float lo, hi;
    size_t counts[DK_MAX_COUNTS];
} dk_bracket;

/* The ratio quantile of |a[0..n)| (n >= 1, ratio in [0, 1)) with linear
 * interpolation between order statistics (torch.quantile's default),
 * clamped to [1, max]. work holds n floats: on entry the values |a| within
 * b's bracket, packed, as b's counts say. On return b is the bracket to
 * pack the next row with. May reorder work; a is left as it is (the
 * thresholded step's second pass reads it); allocates nothing.
 * Expected time about one pass over a, worst case O(n log n). NaN if a NaN
 * is among the values. pack_within: the call's kernel of that name. */
double dk_threshold_of(const float *a, float *work, size_t n, double ratio, double max, dk_bracket *b,
                       dk_kernel_fn pack_within);

/* A thresholded call works in groups of rows (dispatch/samplers.c): the
 * x0 of every row of a group in one stream over x and m, then their
 * thresholds, then their steps, which read x and that x0 (x and m where the
 * step has an m' term) again from cache: about
 * 1 MiB of x and m, at most DK_GROUP_MAX rows, at least one. Streams that
 * long keep the memory busy (measured on a Zen 4 at 64 MiB per array: a
 * thresholded step takes 1.9x the time of the step without it in groups of
 * 1 MiB, 2.3x in groups of 128 KiB, 2.4x row by row). The scratch is
 * 2 dim floats per row of a group, x0 and candidates; a call's groups
 * have at most dk_threshold_group(dim) rows, and no more than a task of
 * the call has (dispatch/call.c). */
#define DK_GROUP_MAX 64
size_t dk_threshold_group(size_t dim);

/* Moves the k-th smallest (0-based) of a[0..n) (n >= 1, no NaN) to a[k],
 * smaller ones before it and larger ones after: quickselect with a
 * median-of-three pivot and a branch-free partition for at most rounds
 * partitions, then a heap sort of what is left, so never worse than
 * O(n log n). dk_threshold_of gives it
 * 2 log2(n) + 8 rounds; the tests give it fewer, to reach the heap sort. */
void dk_select_kth(float *a, size_t n, size_t k, int rounds);

#ifdef __cplusplus
}
#endif

#endif /* DK_THRESHOLD_H */
