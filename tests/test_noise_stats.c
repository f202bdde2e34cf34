/* Is dk_randn standard normal, and independent? 2^24 normals of one fixed
 * (seed, stream) from the active ISA, so the outcome is the same on every
 * run; every bound below is a multiple of the statistic's standard error
 * under the null hypothesis (independent N(0, 1)), computed here:
 * - mean, variance, skewness, excess kurtosis: 5 standard errors
 *   (1/sqrt(N), sqrt(2/N), sqrt(6/N), sqrt(24/N) for normal data);
 * - Kolmogorov-Smirnov distance to Phi: the asymptotic critical value
 *   for p = 1e-4, sqrt(ln(2/p) / 2) / sqrt(N);
 * - counts beyond 3, 4, 5 sigma: expected N * erfc(k / sqrt 2), within 5
 *   binomial standard deviations;
 * - Pearson correlation between streams, between seeds (2^20 each) and at
 *   lags 1, 2, 4 within the stream, of the values and of their squares:
 *   5 / sqrt(count);
 * - max |z| at most the Box-Muller radius of the smallest uniform, 2^-32,
 *   and DK_NOISE_MAX_ABS; no NaN or Inf.
 * A 5-sigma bound fails a good generator with probability about 6e-7 per
 * statistic; with the fixed seed it either always passes or never does. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dispatch.h"
#include "harness.h"
#include "noise_ref.h"

#define LOG2_N 24
#define N      ((size_t)1 << LOG2_N)
#define N_CORR ((size_t)1 << 20)
#define SIGMAS 5.0
#define KS_P   1e-4
#define SEED   0x243f6a8885a308d3ull /* digits of pi: nothing up the sleeve */
#define STREAM 7ull

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes);
    if (!p)
        abort();
    return p;
}

static double seconds_since(clock_t start) { return (double)(clock() - start) / CLOCKS_PER_SEC; }

/* |value - expected| <= SIGMAS * se, printed either way. */
static void check_within(const char *what, double value, double expected, double se)
{
    const double z = (value - expected) / se;
    printf("  %-32s %+.6e  (expected %+.3e, %+.2f standard errors; bound %.0f)\n", what, value, expected, z,
           SIGMAS);
    dk_check(fabs(z) <= SIGMAS, "%s = %.6e is %.2f standard errors from %.3e", what, value, z, expected);
}

/* ---- moments, tails, range, lags: one pass (qemu runs it too) ---- */

#define NLAGS 3
static const size_t lags[NLAGS] = {1, 2, 4};

/* Raw sums of one pass over the normals. The mean is about 1e-4, so
 * central moments from raw ones lose nothing that matters in double. */
typedef struct sums {
    double pow[5];                    /* sum of z^k, k = 0..4 */
    double lag[NLAGS], lag_sq[NLAGS]; /* sum of z_i z_{i+k}, of z_i^2 z_{i+k}^2 */
    size_t beyond[6];                 /* count of |z| > k, k = 3..5 */
    size_t nonfinite;
    float max_abs;
} sums;

/* Adds elements [i, end) to s, through partial sums so that rounding
 * stays far below the bounds. */
static void add_block(sums *s, const float *z, size_t n, size_t i, size_t end)
{
    double p[5] = {0}, l[NLAGS] = {0}, lsq[NLAGS] = {0};
    for (; i < end; i++) {
        const double x = z[i], x2 = x * x;
        p[1] += x, p[2] += x2, p[3] += x2 * x, p[4] += x2 * x2;
        for (int k = 0; k < NLAGS; k++)
            if (i + lags[k] < n) {
                const double y = z[i + lags[k]];
                l[k] += x * y, lsq[k] += x2 * (y * y);
            }
        const float a = fabsf(z[i]);
        for (int k = 3; k <= 5; k++)
            s->beyond[k] += a > (float)k;
        s->nonfinite += !isfinite(a);
        s->max_abs = fmaxf(s->max_abs, a); /* ignores NaN: counted above */
    }
    for (int k = 1; k <= 4; k++)
        s->pow[k] += p[k];
    for (int k = 0; k < NLAGS; k++)
        s->lag[k] += l[k], s->lag_sq[k] += lsq[k];
}

static sums sums_of(const float *z, size_t n)
{
    sums s;
    memset(&s, 0, sizeof s);
    s.pow[0] = (double)n;
    for (size_t i = 0; i < n; i += 4096)
        add_block(&s, z, n, i, i + 4096 < n ? i + 4096 : n);
    return s;
}

static void check_moments(const sums *s)
{
    const double n = s->pow[0], mean = s->pow[1] / n, r2 = s->pow[2] / n, r3 = s->pow[3] / n,
                 r4 = s->pow[4] / n;
    const double m2 = r2 - mean * mean, m3 = r3 - 3 * mean * r2 + 2 * mean * mean * mean,
                 m4 = r4 - 4 * mean * r3 + 6 * mean * mean * r2 - 3 * mean * mean * mean * mean;
    check_within("mean", mean, 0.0, sqrt(1.0 / n));
    check_within("variance", m2, 1.0, sqrt(2.0 / n));
    check_within("skewness", m3 / pow(m2, 1.5), 0.0, sqrt(6.0 / n));
    check_within("excess kurtosis", m4 / (m2 * m2) - 3.0, 0.0, sqrt(24.0 / n));
}

static void check_tails(const sums *s)
{
    for (int k = 3; k <= 5; k++) {
        const double p = erfc(k / sqrt(2.0)), expected = p * s->pow[0];
        char what[40];
        snprintf(what, sizeof what, "count |z| > %d", k);
        check_within(what, (double)s->beyond[k], expected, sqrt(expected * (1.0 - p)));
    }
}

/* Autocorrelation at each lag, of z and of z^2 (the squares catch a shared
 * radius, which leaves z itself uncorrelated). */
static void check_lags(const sums *s)
{
    const double n = s->pow[0], mean = s->pow[1] / n, var = s->pow[2] / n - mean * mean;
    const double mean_sq = s->pow[2] / n, var_sq = s->pow[4] / n - mean_sq * mean_sq;
    for (int k = 0; k < NLAGS; k++) {
        const double pairs = n - (double)lags[k];
        char what[40];
        snprintf(what, sizeof what, "corr lag %zu", lags[k]);
        check_within(what, (s->lag[k] / pairs - mean * mean) / var, 0.0, 1.0 / sqrt(pairs));
        snprintf(what, sizeof what, "corr lag %zu (z^2)", lags[k]);
        check_within(what, (s->lag_sq[k] / pairs - mean_sq * mean_sq) / var_sq, 0.0, 1.0 / sqrt(pairs));
    }
}

/* The largest normal the spec allows: the radius of u1 = 2^-32 times a
 * cosine or sine of magnitude at most 1. */
static void check_range(const sums *s, int fused)
{
    const float cap_libm = sqrtf(-2.0f * logf(0x1p-32f)), cap_family = noise_ref_radius(fused, 0x1p-32f);
    printf("  max |z| %.7g (%a); cap: SLEEF %s family %.7g (%a), libm %.7g; DK_NOISE_MAX_ABS %.7g\n",
           (double)s->max_abs, (double)s->max_abs, fused ? "fused" : "plain", (double)cap_family,
           (double)cap_family, (double)cap_libm, (double)DK_NOISE_MAX_ABS);
    dk_check(s->nonfinite == 0, "%zu normals are NaN or Inf", s->nonfinite);
    dk_check(s->max_abs <= cap_family && s->max_abs <= cap_libm, "max |z| = %a exceeds the Box-Muller cap %a",
             (double)s->max_abs, (double)fminf(cap_family, cap_libm));
    dk_check(cap_family <= DK_NOISE_MAX_ABS && cap_libm <= DK_NOISE_MAX_ABS,
             "the cap %a exceeds DK_NOISE_MAX_ABS", (double)fmaxf(cap_family, cap_libm));
}

/* ---- Kolmogorov-Smirnov ---- */

/* The float order as unsigned order: negatives reversed below positives. */
static uint32_t sort_key(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u & 0x80000000u ? ~u : u | 0x80000000u;
}

static double key_value(uint32_t k)
{
    const uint32_t u = k & 0x80000000u ? k & 0x7fffffffu : ~k;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* LSD radix sort, 3 passes of 11 bits: a few passes over memory instead of
 * n log n comparisons (the test also runs under qemu). */
static void radix_sort(uint32_t *keys, size_t n)
{
    uint32_t *tmp = xmalloc(n * sizeof *tmp), *src = keys, *dst = tmp;
    for (int shift = 0; shift < 33; shift += 11) {
        static size_t count[2048];
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[src[i] >> shift & 2047]++;
        for (size_t b = 0, at = 0; b < 2048; b++) {
            const size_t c = count[b];
            count[b] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[src[i] >> shift & 2047]++] = src[i];
        uint32_t *t = src;
        src = dst, dst = t;
    }
    if (src != keys) /* an odd number of passes ends in tmp */
        memcpy(keys, src, n * sizeof *keys);
    free(tmp);
}

static double phi(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

/* The KS terms of sorted value i (0-based): F above the ECDF just before
 * it, and the ECDF at it above F. */
static double ks_term(const uint32_t *keys, size_t i, size_t n)
{
    const double f = phi(key_value(keys[i]));
    return fmax(f - (double)i / (double)n, (double)(i + 1) / (double)n - f);
}

/* The exact sup |ECDF - Phi| with few erfc calls: over a group of sorted
 * values [a, b], F(x_i) >= F(x_a) and F(x_i) <= F(x_b), so the group's terms
 * are at most max((b + 1) / n - F(x_a), F(x_b) - a / n). Only the groups
 * whose bound beats the best exact term so far are evaluated in full. */
static double ks_distance(const uint32_t *keys, size_t n)
{
    enum { GROUP = 64 };
    const size_t groups = (n + GROUP - 1) / GROUP;
    double *bound = xmalloc(groups * sizeof *bound), d = 0;
    for (size_t g = 0; g < groups; g++) {
        const size_t a = g * GROUP, b = a + GROUP < n ? a + GROUP - 1 : n - 1;
        const double fa = phi(key_value(keys[a])), fb = phi(key_value(keys[b]));
        bound[g] = fmax((double)(b + 1) / (double)n - fa, fb - (double)a / (double)n);
        d = fmax(d, fmax(ks_term(keys, a, n), ks_term(keys, b, n)));
    }
    size_t full = 0;
    for (size_t g = 0; g < groups; g++) {
        if (bound[g] <= d)
            continue;
        full++;
        for (size_t i = g * GROUP; i < n && i < (g + 1) * GROUP; i++)
            d = fmax(d, ks_term(keys, i, n));
    }
    printf("  (KS: %zu of %zu groups of %d evaluated in full)\n", full, groups, GROUP);
    free(bound);
    return d;
}

/* The asymptotic Kolmogorov tail P(sqrt(n) D > x). */
static double kolmogorov_p(double x)
{
    double p = 0;
    for (int k = 1; k <= 100; k++)
        p += (k % 2 ? 2.0 : -2.0) * exp(-2.0 * k * k * x * x);
    return fmin(fmax(p, 0.0), 1.0);
}

/* The normals as sorted keys (z may be freed afterwards). */
static uint32_t *sorted_keys(const float *z, size_t n)
{
    uint32_t *keys = xmalloc(n * sizeof *keys);
    for (size_t i = 0; i < n; i++)
        keys[i] = sort_key(z[i]);
    radix_sort(keys, n);
    return keys;
}

static void check_ks(const uint32_t *keys, size_t n)
{
    const double d = ks_distance(keys, n), sqrt_n = sqrt((double)n);
    const double crit = sqrt(log(2.0 / KS_P) / 2.0) / sqrt_n; /* first term of the series */
    printf("  %-32s %.6e  (sqrt(N) D = %.4f, p = %.3g; critical value %.6e for p = %g)\n", "KS distance", d,
           d * sqrt_n, kolmogorov_p(d * sqrt_n), crit, KS_P);
    dk_check(d <= crit, "KS distance %.6e exceeds the critical value %.6e", d, crit);
}

/* ---- independence ---- */

/* Pearson correlation of a[i] and b[i], or of their squares. */
static double pearson(const float *a, const float *b, size_t n, int squares)
{
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (size_t i = 0; i < n; i++) {
        const double x = squares ? (double)a[i] * a[i] : a[i], y = squares ? (double)b[i] * b[i] : b[i];
        sa += x, sb += y, saa += x * x, sbb += y * y, sab += x * y;
    }
    const double dn = (double)n;
    const double cov = sab / dn - sa / dn * (sb / dn);
    return cov / sqrt((saa / dn - sa / dn * (sa / dn)) * (sbb / dn - sb / dn * (sb / dn)));
}

static void check_correlation(const char *what, const float *a, const float *b, size_t n)
{
    char name[64];
    for (int squares = 0; squares <= 1; squares++) {
        snprintf(name, sizeof name, "corr %s%s", what, squares ? " (z^2)" : "");
        check_within(name, pearson(a, b, n, squares), 0.0, 1.0 / sqrt((double)n));
    }
}

/* Sequences that differ in one word of the key or the counter only:
 * neighbouring seeds and streams, and the high halves. */
static void check_streams_and_seeds(void)
{
    static const struct {
        const char *what;
        dk_noise a, b;
    } pairs[] = {
        {"stream s, s+1", {SEED, STREAM, 0}, {SEED, STREAM + 1, 0}},
        {"stream s, s+2^32", {SEED, STREAM, 0}, {SEED, STREAM + (1ull << 32), 0}},
        {"stream 0, 1 (seed 0)", {0, 0, 0}, {0, 1, 0}},
        {"seed k, k+1", {SEED, STREAM, 0}, {SEED + 1, STREAM, 0}},
        {"seed k, k+2^32", {SEED, STREAM, 0}, {SEED + (1ull << 32), STREAM, 0}},
        {"seed 0, 1 (stream 0)", {0, 0, 0}, {1, 0, 0}},
    };
    float *a = xmalloc(N_CORR * sizeof *a), *b = xmalloc(N_CORR * sizeof *b);
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        dk_check(dk_randn(pairs[i].a, a, N_CORR) == DK_OK && dk_randn(pairs[i].b, b, N_CORR) == DK_OK,
                 "dk_randn failed");
        check_correlation(pairs[i].what, a, b, N_CORR);
    }
    free(a), free(b);
}

int main(void)
{
    const dk_isa isa = dk_isa_active();
    const int fused = dk_variant_get(dk_variant_of_isa(isa))->fused;
    printf("test_noise_stats: %zu normals of seed %#llx stream %llu from ISA %s (%s family)\n", N,
           (unsigned long long)SEED, (unsigned long long)STREAM, dk_isa_name(isa), fused ? "fused" : "plain");
    float *z = xmalloc(N * sizeof *z);
    clock_t start = clock();
    const dk_noise noise = {SEED, STREAM, 0};
    dk_check(dk_randn(noise, z, N) == DK_OK, "dk_randn failed");
    printf("  generated in %.2f s\n", seconds_since(start));

    start = clock();
    const sums s = sums_of(z, N);
    check_range(&s, fused);
    check_moments(&s);
    check_tails(&s);
    check_lags(&s);
    printf("  (moments, tails, lags: %.2f s)\n", seconds_since(start));
    start = clock();
    uint32_t *keys = sorted_keys(z, N);
    free(z);
    check_ks(keys, N);
    free(keys);
    printf("  (KS: %.2f s)\n", seconds_since(start));
    start = clock();
    check_streams_and_seeds();
    printf("  (streams and seeds, %zu each: %.2f s)\n", N_CORR, seconds_since(start));
    return dk_test_finish("test_noise_stats");
}
