/* The per-row quantile of dynamic thresholding, exact, so every ISA gives
 * the same threshold and the thresholded step stays bit-identical within a
 * family.
 *
 * A thresholded step is two passes over a row that stays in cache (x0,
 * then the step from it) with this selection of a quantile of |x0| between
 * them, which must cost about a pass. Selection by data-dependent branches
 * mispredicts about every other comparison (20 cycles a value). So, as Floyd and Rivest's SELECT does: a
 * strided sample of the row brackets the wanted order statistics in
 * [lo, hi]; the pack_within kernel gathers the values in [lo, hi] (a few
 * percent of the row) and counts those below lo, which places them among
 * the row's order statistics; the selection runs on those. Every selection
 * partitions without a branch on the data. The rows of a batch are alike:
 * x0_abs packs each row with the bracket of the row before, in its own pass,
 * and a row whose values that bracket places needs no sample and no second
 * pass. When no bracket places them (unlucky or adversarial data) the whole
 * row is selected instead. */
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

enum { SAMPLE_MAX = 512, FILTER_MIN_N = 256 };

/* The sample of a row of n: m values at even strides, m about 4 sqrt(n)
 * (at most 512). The bracket then takes in about 3% of a row of 4096 at
 * the 0.995 quantile, against 4.7% with 2 sqrt(n): the selection among them
 * is shorter, by 2 to 6% of a thresholded step (measured on a Zen 4), and
 * the sample is taken only for rows that no bracket before them placed.
 * Sample rank j stands for row rank about j n / m, give or take
 * sqrt(m p (1 - p)) sample ranks (binomial): the bracket of the k-th value
 * is the sample ranks [lo_rank, hi_rank], that spread 4 times over, plus 2,
 * on each side (lo_rank < 0: no lower bound; hi_rank >= m: no upper). */
typedef struct sample_plan {
    size_t m;
    double lo_rank, hi_rank;
} sample_plan;

static sample_plan plan_of(size_t n, size_t k)
{
    sample_plan s;
    s.m = (size_t)(4.0 * sqrt((double)n));
    s.m = s.m > SAMPLE_MAX ? SAMPLE_MAX : s.m;
    const double p = ((double)k + 0.5) / (double)n;
    const double spread = 4.0 * sqrt((double)s.m * p * (1.0 - p)) + 2.0, centre = p * (double)s.m;
    s.lo_rank = floor(centre - spread);
    s.hi_rank = ceil(centre + spread);
    return s;
}

/* The values a fresh bracket takes in, about: a bracket from another row
 * that takes in more than twice this is not worth its selection. */
static size_t fresh_size(const sample_plan *s, size_t n)
{
    const double lo = s->lo_rank < 0 ? 0 : s->lo_rank,
                 hi = s->hi_rank > (double)s->m ? (double)s->m : s->hi_rank;
    return (size_t)((hi - lo) / (double)s->m * (double)n) + 1;
}

/* A new bracket from the row's sample (the row has no NaN), and
 * pack_within's candidates and counts for it. */
static void bracket_from_sample(const float *a, float *work, size_t n, const sample_plan *s, dk_bracket *b,
                                dk_kernel_fn pack_within)
{
    float sample[SAMPLE_MAX];
    for (size_t j = 0; j < s->m; j++)
        sample[j] = fabsf(a[(2 * j + 1) * n / (2 * s->m)]);
    b->lo = -INFINITY, b->hi = INFINITY;
    size_t lo_at = 0;
    if (s->lo_rank >= 0) {
        lo_at = (size_t)s->lo_rank;
        select_kth(sample, s->m, lo_at);
        b->lo = sample[lo_at];
    }
    if (s->hi_rank < (double)s->m) { /* among the sample values above lo's */
        const size_t hi_at = (size_t)s->hi_rank;
        select_kth(sample + lo_at, s->m - lo_at, hi_at - lo_at);
        b->hi = sample[hi_at];
    }
    dk_kargs pack = {.in = {a}, .out = {work}, .counts = b->counts};
    pack.c.lo = b->lo, pack.c.hi = b->hi;
    pack_within(n, &pack);
}

/* The k-th smallest (0-based) of |a[0..n)| in *below and, if pair, the
 * (k+1)-th in *above (k + 1 < n then). b: on entry a bracket with its
 * candidates in work and its counts; on return the bracket for the next
 * row. 0 if a NaN is among the values: b's counts say so for the whole
 * row, so nothing after that check meets a NaN. */
static int order_stats(const float *a, float *work, size_t n, size_t k, int pair, dk_bracket *b,
                       dk_kernel_fn pack_within, float *below, float *above)
{
    const size_t last = pair ? k + 1 : k;
    if (b->counts[2])
        return 0;
    if (n >= FILTER_MIN_N) {
        const sample_plan plan = plan_of(n, k);
        /* ranks counts[0] .. counts[0] + counts[1] - 1 are the values in [lo, hi] */
        int hit = b->counts[0] <= k && last < b->counts[0] + b->counts[1];
        if (!hit || b->counts[1] > 2 * fresh_size(&plan, n)) {
            bracket_from_sample(a, work, n, &plan, b, pack_within);
            hit = b->counts[0] <= k && last < b->counts[0] + b->counts[1];
        }
        if (hit) {
            const size_t inside = b->counts[1];
            k -= b->counts[0];
            select_kth(work, inside, k);
            *below = work[k];
            if (pair)
                *above = min_of(work + k + 1, inside - k - 1);
            return 1;
        }
    }
    for (size_t i = 0; i < n; i++) /* the whole row, in work: a stays as it is */
        work[i] = fabsf(a[i]);
    select_kth(work, n, k);
    *below = work[k];
    if (pair)
        *above = min_of(work + k + 1, n - k - 1);
    return 1;
}

size_t dk_threshold_group(size_t dim)
{
    const size_t bytes = 1 << 20, row = 2 * dim * sizeof(float);
    const size_t rows = dim > bytes / (2 * sizeof(float)) ? 1 : bytes / row;
    return rows < 1 ? 1 : rows > DK_GROUP_MAX ? DK_GROUP_MAX : rows;
}

double dk_threshold_of(const float *a, float *work, size_t n, double ratio, double max, dk_bracket *b,
                       dk_kernel_fn pack_within)
{
    /* torch.quantile, linear: the value at position ratio (n - 1) */
    const double pos = ratio * (double)(n - 1);
    const size_t k = (size_t)pos;
    const int pair = k + 1 < n && pos > (double)k;
    float below, above = 0.0f;
    if (!order_stats(a, work, n, k, pair, b, pack_within, &below, &above))
        return NAN;
    const double q = pair ? below + (pos - (double)k) * ((double)above - below) : below;
    return fmin(fmax(q, 1.0), max);
}
