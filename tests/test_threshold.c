/* The per-row quantile of dynamic thresholding (dispatch/threshold.c)
 * against a sort: exact, so equal to the last bit, on the inputs that
 * exercise each of its paths: short rows (plain selection), long rows whose
 * sample brackets the quantile (the filtered path), rows whose strided
 * sample lies about the row (the bracket misses: the fallback), brackets
 * carried from the row before (placing the values or not), ties, a
 * median-of-three killer (the heap-sort guard), infinities and NaN. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "harness.h"
#include "threshold.h"

static int by_value(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* torch.quantile (linear) of a sorted copy, clamped to [1, max]. */
static double reference(const float *a, size_t n, double ratio, double max)
{
    float *s = malloc(n * sizeof *s);
    memcpy(s, a, n * sizeof *s);
    for (size_t i = 0; i < n; i++)
        if (isnan(s[i])) {
            free(s);
            return NAN;
        }
    qsort(s, n, sizeof *s, by_value);
    const double pos = ratio * (double)(n - 1);
    const size_t k = (size_t)pos;
    double q = s[k];
    if (k + 1 < n && pos > (double)k)
        q = s[k] + (pos - (double)k) * ((double)s[k + 1] - s[k]);
    free(s);
    return fmin(fmax(q, 1.0), max);
}

/* dk_threshold_of as the library calls it: on a row of x0, whose |x0| are
 * the values of a (here each of a with a random sign), the values within
 * the bracket packed and counted first (here by the test's own loop, where
 * the library has the x0_abs kernel). The bracket comes back for the next
 * row; the row itself must come back as it was (the step reads it next). */
static double threshold(const float *a, size_t n, double ratio, double max, dk_bracket *b)
{
    float *row = malloc(n * sizeof *row), *given = malloc(n * sizeof *given),
          *candidates = malloc(n * sizeof *candidates);
    for (size_t i = 0; i < n; i++)
        given[i] = row[i] = dk_rand_u64() & 1 ? -a[i] : a[i];
    size_t below = 0, within = 0, nans = 0;
    for (size_t i = 0; i < n; i++) {
        below += a[i] < b->lo;
        nans += isnan(a[i]) != 0;
        if (a[i] >= b->lo && a[i] <= b->hi)
            candidates[within++] = a[i];
    }
    b->counts[0] = below, b->counts[1] = within, b->counts[2] = nans;
    const double q =
        dk_threshold_of(row, candidates, n, ratio, max, b, dk_active_kernels()->fn[DK_KERNEL_pack_within]);
    dk_check(memcmp(row, given, n * sizeof *row) == 0, "n = %zu: dk_threshold_of changed the row", n);
    free(row);
    free(given);
    free(candidates);
    return q;
}

static void check_with(const char *what, const float *a, size_t n, double ratio, double max, dk_bracket *b,
                       double want)
{
    const double got = threshold(a, n, ratio, max, b);
    const int same = got == want || (isnan(got) && isnan(want));
    dk_check(same, "%s, n = %zu, ratio %.9g, max %g: %.17g, the sort says %.17g", what, n, ratio, max, got,
             want);
}

/* A first row (no bracket yet), the same row again with the bracket it
 * left (the library's next row, when rows are alike), and a bracket of
 * random bounds. */
static void check(const char *what, const float *a, size_t n, double ratio, double max)
{
    const double want = reference(a, n, ratio, max);
    dk_bracket b = {INFINITY, INFINITY, {0}};
    check_with(what, a, n, ratio, max, &b, want);
    check_with(what, a, n, ratio, max, &b, want);
    float lo = (float)dk_rand_uniform(0, 4), hi = (float)dk_rand_uniform(0, 4);
    dk_bracket r = {lo < hi ? lo : hi, lo < hi ? hi : lo, {0}};
    check_with(what, a, n, ratio, max, &r, want);
}

enum { N_SHAPES = 9 };
static const char *const shape_name[N_SHAPES] = {
    "uniform",    "|normal| x 3", "all equal",          "four values", "ascending",
    "descending", "sample lies",  "median-of-3 killer", "with +Inf",
};

/* The size of dispatch/threshold.c's sample of a row of n. */
static size_t sample_size(size_t n)
{
    const size_t m = (size_t)(4.0 * sqrt((double)n));
    return m > 512 ? 512 : m;
}

/* Row of a shape; the sample of dispatch/threshold.c takes positions
 * (2j + 1) n / 2m: "sample lies" makes exactly those small. */
static void make(int shape, float *a, size_t n)
{
    const size_t m = sample_size(n);
    for (size_t i = 0; i < n; i++) {
        switch (shape) {
        case 0:
            a[i] = (float)dk_rand_uniform(0, 4);
            break;
        case 1:
            a[i] = fabsf((float)(3 * dk_rand_normal()));
            break;
        case 2:
            a[i] = 2.5f;
            break;
        case 3:
            a[i] = (float)(dk_rand_u64() % 4) * 0.75f;
            break;
        case 4:
            a[i] = (float)i / 64;
            break;
        case 5:
            a[i] = (float)(n - i) / 64;
            break;
        case 6:
            a[i] = 8 + (float)dk_rand_uniform(0, 1);
            break;
        case 7: /* Musser's median-of-3 killer order (for Hoare's middle pivot, near enough) */
            a[i] = (float)(i % 2 ? i : n - i) / 16;
            break;
        default:
            a[i] = dk_rand_u64() % 50 ? (float)dk_rand_uniform(0, 3) : INFINITY;
            break;
        }
    }
    if (shape == 6 && m > 0)
        for (size_t j = 0; j < m; j++)
            a[(2 * j + 1) * n / (2 * m)] = (float)dk_rand_uniform(0, 1);
}

/* Rows whose sample is m copies of one value v, so that the bracket is
 * exactly [v, v]: the other n - m values are 0 .. n - m - 1 shuffled and
 * v = R - 1/2 has R of them below it. R around k walks the bracket's edges
 * past the wanted ranks k and k + 1 (in, half in, out: the fallback). */
static void check_bracket_edges(size_t n, double ratio)
{
    const size_t m = sample_size(n);
    const size_t k = (size_t)(ratio * (double)(n - 1));
    float *a = malloc(n * sizeof *a);
    for (size_t r = k > m + 1 ? k - m - 1 : 0; r <= k + 2 && r <= n - m; r++) {
        for (size_t i = 0; i < n; i++)
            a[i] = 0.0f;
        for (size_t j = 0; j < m; j++) /* the sample positions of dispatch/threshold.c */
            a[(2 * j + 1) * n / (2 * m)] = NAN;
        /* the other positions: 0 .. n - m - 1, shuffled */
        size_t w = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(a[i]))
                a[i] = (float)w++;
        for (size_t i = n; i-- > 1;) {
            const size_t j = dk_rand_u64() % (i + 1);
            if (!isnan(a[i]) && !isnan(a[j])) {
                const float t = a[i];
                a[i] = a[j];
                a[j] = t;
            }
        }
        for (size_t i = 0; i < n; i++)
            if (isnan(a[i]))
                a[i] = (float)r - 0.5f;
        check("bracket edge", a, n, ratio, 1e30);
    }
    free(a);
}

/* dk_select_kth with too few rounds for its input: the heap sort finishes. */
static void check_select_budget(void)
{
    float a[3000], sorted[3000];
    for (int c = 0; c < 200; c++) {
        const size_t n = 1 + dk_rand_u64() % 3000, k = dk_rand_u64() % n;
        const int rounds = (int)(dk_rand_u64() % 4);
        make((int)(dk_rand_u64() % 8), a, n);
        memcpy(sorted, a, n * sizeof *a);
        qsort(sorted, n, sizeof *a, by_value);
        dk_select_kth(a, n, k, rounds);
        int ok = a[k] == sorted[k];
        for (size_t i = 0; i < n; i++)
            ok &= i < k ? a[i] <= a[k] : a[i] >= a[k];
        dk_check(ok, "dk_select_kth, n = %zu, k = %zu, %d rounds: a[k] = %g, the sort says %g", n, k, rounds,
                 a[k], sorted[k]);
    }
}

int main(void)
{
    dk_test_seed();
    static const size_t sizes[] = {1, 2, 3, 7, 100, 255, 256, 257, 1000, 4096, 4097, 16384, 65536};
    static const double ratios[] = {0, 1e-4, 0.01, 0.5, 0.9, 0.995, 0.999, 0.99999, 0.9999999};
    static const double maxes[] = {1.0, 1.5, 1e30};
    float *a = malloc(65536 * sizeof *a);
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
        for (int shape = 0; shape < N_SHAPES; shape++)
            for (size_t ri = 0; ri < sizeof ratios / sizeof *ratios; ri++) {
                const size_t n = sizes[si];
                make(shape, a, n);
                for (size_t mi = 0; mi < (n <= 4096 ? sizeof maxes / sizeof *maxes : 1); mi++)
                    check(shape_name[shape], a, n, ratios[ri], maxes[sizeof maxes / sizeof *maxes - 1 - mi]);
            }
    /* random ratios, and a NaN anywhere (in the sample or not) */
    const int randoms = (int)(400 * dk_test_scale()), batches = (int)(40 * dk_test_scale());
    for (int r = 0; r < randoms; r++) {
        const size_t n = 1 + dk_rand_u64() % 20000;
        make((int)(dk_rand_u64() % N_SHAPES), a, n);
        const double ratio = dk_rand_uniform(0, 1);
        check("random ratio", a, n, ratio, 1e30);
        a[dk_rand_u64() % n] = NAN;
        check("one NaN", a, n, ratio, 1e30);
    }
    /* batches: rows of one length and ratio, alike and then not, the
     * bracket carried from row to row as the library does */
    for (int batch = 0; batch < batches; batch++) {
        const size_t n = 256 + dk_rand_u64() % 8000;
        const double ratio = batch % 2 ? 0.995 : dk_rand_uniform(0, 1);
        dk_bracket b = {INFINITY, INFINITY, {0}};
        for (int row = 0; row < 16; row++) {
            make(row < 8 ? 1 : (int)(dk_rand_u64() % N_SHAPES), a, n);
            check_with("batch row", a, n, ratio, 1e30, &b, reference(a, n, ratio, 1e30));
        }
    }
    free(a);
    static const size_t edge_sizes[] = {256, 1000, 4096};
    static const double edge_ratios[] = {0.3, 0.5, 0.7071};
    for (size_t si = 0; si < 3; si++)
        for (size_t ri = 0; ri < 3; ri++)
            check_bracket_edges(edge_sizes[si], edge_ratios[ri]);
    check_select_budget();
    return dk_test_finish("test_threshold");
}
