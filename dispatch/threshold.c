/* The per-row quantile of dynamic thresholding, exact, so every ISA gives
 * the same threshold and the thresholded step stays bit-identical within a
 * family.
 *
 * A thresholded step is two passes over a row that stays in cache (|x0|,
 * then the step) with this selection between them, which must cost about a
 * pass. Selection by data-dependent branches mispredicts about every other
 * comparison (20 cycles a value). So, as Floyd and Rivest's SELECT does: a
 * strided sample of the row brackets the wanted order statistics in
 * [lo, hi]; the pack_within kernel gathers the values in [lo, hi] (a few
 * percent of the row) and counts those below lo, which places them among
 * the row's order statistics; the selection runs on those. Every selection
 * partitions without a branch on the data. When the bracket misses (unlucky
 * or adversarial data) the whole row is selected instead. */
#include "threshold.h"

#include <math.h>

#include "call.h"

static void swap(float *a, float *b)
{
    const float t = *a;
    *a = *b;
    *b = t;
}

/* The max-heap of a[0..end) below root, restored after a[root] changed. */
static void sift_down(float *a, size_t root, size_t end)
{
    for (size_t child; (child = 2 * root + 1) < end; root = child) {
        if (child + 1 < end && a[child] < a[child + 1])
            child++;
        if (!(a[root] < a[child]))
            return;
        swap(&a[root], &a[child]);
    }
}

/* Sorts a[0..n) in place: the worst-case guard of dk_select_kth. */
static void heap_sort(float *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (size_t end = n; end > 1;) {
        swap(&a[0], &a[--end]);
        sift_down(a, 0, end);
    }
}

void dk_select_kth(float *a, size_t n, size_t k, int rounds)
{
    size_t lo = 0, hi = n; /* the k-th smallest lies in a[lo .. hi) */
    while (hi - lo > 1) {
        if (rounds-- == 0) {
            heap_sort(a + lo, hi - lo);
            return;
        }
        /* the median of the first, middle and last values as the pivot, at last */
        const size_t mid = lo + (hi - lo) / 2, last = hi - 1;
        if (a[mid] < a[lo])
            swap(&a[mid], &a[lo]);
        if (a[last] < a[lo])
            swap(&a[last], &a[lo]);
        if (a[mid] < a[last])
            swap(&a[mid], &a[last]);
        const float pivot = a[last];
        /* Lomuto's partition, branch-free: a[lo .. s) < pivot <= a[s .. i).
         * Each value swaps with a[s], which moves on past it if it is below
         * the pivot. */
        size_t s = lo;
        for (size_t i = lo; i < last; i++) {
            const float v = a[i];
            a[i] = a[s];
            a[s] = v;
            s += v < pivot;
        }
        swap(&a[s], &a[last]);
        if (k < s)
            hi = s;
        else if (k > s)
            lo = s + 1;
        else
            return;
    }
}

/* dk_select_kth with the round budget of random data, 2 log2(n) + 8
 * (which it practically never needs). */
static void select_kth(float *a, size_t n, size_t k)
{
    int rounds = 8;
    for (size_t m = n; m > 1; m /= 2)
        rounds += 2;
    dk_select_kth(a, n, k, rounds);
}

/* The smallest of a[0..n), n >= 1. */
static float min_of(const float *a, size_t n)
{
    float m = a[0];
    for (size_t i = 1; i < n; i++)
        m = a[i] < m ? a[i] : m;
    return m;
}

enum { SAMPLE_MAX = 256, FILTER_MIN_N = 256 };

/* The k-th smallest (0-based) of a[0..n) in *below and, if pair, the
 * (k+1)-th in *above (k + 1 < n then); work holds n floats. 0 if a NaN is
 * among the values. */
static int order_stats(float *a, float *work, size_t n, size_t k, int pair, float *below, float *above)
{
    const size_t last = pair ? k + 1 : k;
    if (n >= FILTER_MIN_N) {
        /* The sample: m values at even strides, m about 2 sqrt(n). Sample
         * rank j stands for row rank about j n / m, give or take
         * sqrt(m p (1 - p)) sample ranks (binomial); the bracket is that 4
         * times over, plus 2, on each side. */
        size_t m = (size_t)(2.0 * sqrt((double)n));
        m = m > SAMPLE_MAX ? SAMPLE_MAX : m;
        float sample[SAMPLE_MAX];
        for (size_t j = 0; j < m; j++) {
            sample[j] = a[(2 * j + 1) * n / (2 * m)];
            if (isnan(sample[j]))
                return 0; /* and the selection must not see it */
        }
        const double p = ((double)k + 0.5) / (double)n;
        const double spread = 4.0 * sqrt((double)m * p * (1.0 - p)) + 2.0;
        const double centre = p * (double)m;
        const double lo_rank = floor(centre - spread), hi_rank = ceil(centre + spread);
        dk_kargs pack = {.in = {a}, .out = {work}, .counts = (size_t[DK_MAX_COUNTS]){0}};
        pack.c.lo = -INFINITY, pack.c.hi = INFINITY;
        size_t lo_at = 0;
        if (lo_rank >= 0) {
            lo_at = (size_t)lo_rank;
            select_kth(sample, m, lo_at);
            pack.c.lo = sample[lo_at];
        }
        if (hi_rank < (double)m) { /* among the sample values above lo's */
            const size_t hi_at = (size_t)hi_rank;
            select_kth(sample + lo_at, m - lo_at, hi_at - lo_at);
            pack.c.hi = sample[hi_at];
        }
        dk_kernel(DK_KERNEL_pack_within)(n, &pack);
        const size_t under = pack.counts[0], inside = pack.counts[1];
        if (pack.counts[2])
            return 0;
        /* ranks under .. under + inside - 1 are the values in [lo, hi] */
        if (under <= k && last < under + inside) {
            k -= under;
            select_kth(work, inside, k);
            *below = work[k];
            if (pair)
                *above = min_of(work + k + 1, inside - k - 1);
            return 1;
        }
    } else {
        for (size_t i = 0; i < n; i++)
            if (isnan(a[i]))
                return 0;
    }
    select_kth(a, n, k);
    *below = a[k];
    if (pair)
        *above = min_of(a + k + 1, n - k - 1);
    return 1;
}

double dk_threshold_of(float *a, float *work, size_t n, double ratio, double max)
{
    /* torch.quantile, linear: the value at position ratio (n - 1) */
    const double pos = ratio * (double)(n - 1);
    const size_t k = (size_t)pos;
    const int pair = k + 1 < n && pos > (double)k;
    float below, above = 0.0f;
    if (!order_stats(a, work, n, k, pair, &below, &above))
        return NAN;
    const double q = pair ? below + (pos - (double)k) * ((double)above - below) : below;
    return fmin(fmax(q, 1.0), max);
}
