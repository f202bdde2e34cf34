/* The dynamic threshold of one row (Saharia et al. 2022, diffusers'
 * _threshold_sample): an exact quantile of the row's |x0|. */
#ifndef DK_THRESHOLD_H
#define DK_THRESHOLD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ratio quantile of a[0..n) (n >= 1, ratio in [0, 1)) with linear
 * interpolation between order statistics (torch.quantile's default),
 * clamped to [1, max]. work holds n floats of scratch. May reorder a;
 * allocates nothing. Expected time about one pass over a, worst case
 * O(n log n). NaN if a NaN is among the values. */
double dk_threshold_of(float *a, float *work, size_t n, double ratio, double max);

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
