/* The per-row quantile of dynamic thresholding, exact, so every ISA gives
 * the same threshold and the thresholded step stays bit-identical within a
 * family.
 *
 * A thresholded step is two passes over a row that stays in cache (|x0|,
 * then the step) with this selection between them: it must cost no more
 * than a pass. Hoare's selection alone costs about 3n data-dependent
 * branches, ten times a pass. So, as Floyd and Rivest's SELECT does: a
 * strided sample of the row brackets the wanted order statistics in
 * [lo, hi]; a vectorized pass counts the values below lo and in [lo, hi];
 * the pack_within kernel moves those in [lo, hi] (a few percent of the row)
 * to the front, and the selection runs on those. When the bracket misses
 * (unlucky or adversarial data) the whole row is selected instead. */
#include "threshold.h"

#include <math.h>
#include <stdint.h>

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

/* Sorts a[0..n) in place: the worst-case guard of select_kth. */
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
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        if (rounds-- == 0) {
            heap_sort(a + lo, hi - lo + 1);
            return;
        }
        const size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo])
            swap(&a[mid], &a[lo]);
        if (a[hi] < a[lo])
            swap(&a[hi], &a[lo]);
        if (a[hi] < a[mid])
            swap(&a[hi], &a[mid]);
        const float pivot = a[mid];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (pivot < a[j])
                j--;
            if (i <= j) {
                swap(&a[i], &a[j]);
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return; /* j < k < i: a[k] equals the pivot, in place */
    }
}

/* Hoare's selection with the round budget of random data, 2 log2(n) + 8
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

/* The values of a[0..n) below lo, within [lo, hi], and NaN: 32-bit counts
 * in chunks, which the compiler vectorizes four to a register or more. */
typedef struct counts {
    size_t under, inside, nans;
} counts;

static counts count_within(const float *a, size_t n, float lo, float hi)
{
    enum { CHUNK = 1 << 30 };
    counts c = {0, 0, 0};
    for (size_t at = 0; at < n; at += CHUNK) {
        const size_t end = n - at > CHUNK ? at + CHUNK : n;
        uint32_t under = 0, inside = 0, nans = 0;
        for (size_t i = at; i < end; i++) {
            const float v = a[i];
            under += v < lo;
            inside += (v >= lo) & (v <= hi);
            nans += v != v;
        }
        c.under += under, c.inside += inside, c.nans += nans;
    }
    return c;
}

/* The k-th smallest (0-based) of a[0..n) in *below and, if pair, the
 * (k+1)-th in *above (k + 1 < n then). 0 if a NaN is among the values. */
static int order_stats(float *a, size_t n, size_t k, int pair, float *below, float *above)
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
                return 0; /* and select_kth must not see it */
        }
        const double p = ((double)k + 0.5) / (double)n;
        const double spread = 4.0 * sqrt((double)m * p * (1.0 - p)) + 2.0;
        const double centre = p * (double)m;
        const double lo_rank = floor(centre - spread), hi_rank = ceil(centre + spread);
        float lo = -INFINITY, hi = INFINITY;
        size_t lo_at = 0;
        if (lo_rank >= 0) {
            lo_at = (size_t)lo_rank;
            select_kth(sample, m, lo_at);
            lo = sample[lo_at];
        }
        if (hi_rank < (double)m) { /* among the sample values above lo's */
            const size_t hi_at = (size_t)hi_rank;
            select_kth(sample + lo_at, m - lo_at, hi_at - lo_at);
            hi = sample[hi_at];
        }
        const counts c = count_within(a, n, lo, hi);
        if (c.nans)
            return 0;
        if (c.under <= k && last < c.under + c.inside) {
            /* Ranks under .. under + inside - 1 are the values in [lo, hi]:
             * packed to the front by the kernel (the rest is not needed). */
            dk_kargs pack = {.in = {a}, .out = {a}};
            pack.c.lo = lo, pack.c.hi = hi;
            dk_kernel(DK_KERNEL_pack_within)(n, &pack);
            k -= c.under;
            select_kth(a, c.inside, k);
            *below = a[k];
            if (pair)
                *above = min_of(a + k + 1, c.inside - k - 1);
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

double dk_threshold_of(float *a, size_t n, double ratio, double max)
{
    /* torch.quantile, linear: the value at position ratio (n - 1) */
    const double pos = ratio * (double)(n - 1);
    const size_t k = (size_t)pos;
    const int pair = k + 1 < n && pos > (double)k;
    float below, above = 0.0f;
    if (!order_stats(a, n, k, pair, &below, &above))
        return NAN;
    const double q = pair ? below + (pos - (double)k) * ((double)above - below) : below;
    return fmin(fmax(q, 1.0), max);
}
