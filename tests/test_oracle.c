/* The library against the double-precision oracle (oracle.c), through the
 * public API on one kernel build: every schedule kind and explicit betas,
 * every dk_p_step option, random inputs with random per-row timesteps that
 * include t = 1 and t = T (and t = 0 for q_sample).
 *
 * The bound: each result is within K * 2^-24 * mag of the exact value, mag
 * being the sum of the magnitudes of the expression's terms (oracle.c), and
 * K the number of roundings on the longest path of a term (coefficient
 * rounding to float included), first order:
 *   q_sample                    fused 3  plain 3  (a, b*eps, the sum)
 *   p_step epsilon (seed form)  fused 5  plain 6  (c_eps, c_out, inner, mul, noise fma)
 *   p_step posterior form       fused 7  plain 9  (r, s, inner, mul, c0, mu, noise)
 * plus 1% for second-order terms and underflow at 2^-149.
 *
 * usage: test_oracle <variant>
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "harness.h"
#include "oracle.h"

static int fused;
static double worst_q, worst_eps, worst_post; /* max error / (2^-24 mag) */

static void check_close(double got, double want, double mag, double k, double *worst, const char *what, int t)
{
    const double err = fabs(got - want), unit = 0x1p-24 * mag;
    const double rel = unit > 0 ? err / unit : (err > 0 ? INFINITY : 0);
    if (rel > *worst)
        *worst = rel;
    dk_check(err <= k * 1.01 * unit + 0x1p-149, "%s t=%d: got %.9g, oracle %.9g, error %.3g units (bound %g)",
             what, t, got, want, rel, k);
}

static void run_schedule(const char *label, const dk_schedule *s, const oracle_schedule *os)
{
    const int32_t T = dk_schedule_steps(s);
    const size_t rows = 1 + dk_rand_u64() % 40, dim = 1 + dk_rand_u64() % 70, n = rows * dim;
    int32_t *t = malloc(rows * sizeof *t);
    float *x = malloc(n * sizeof(float)), *m = malloc(n * sizeof(float)), *z = malloc(n * sizeof(float)),
          *out = malloc(n * sizeof(float));
    if (!t || !x || !m || !z || !out)
        abort();
    dk_rand_fill(x, n, 1.5);
    dk_rand_fill(m, n, 1.0);
    dk_rand_fill(z, n, 1.0);

    /* forward: t in 0..T, both ends present */
    for (size_t r = 0; r < rows; r++)
        t[r] = r == 0 ? 0 : r == 1 ? T : (int32_t)(dk_rand_u64() % ((uint64_t)T + 1));
    dk_check(dk_q_sample(s, t, rows, dim, x, m, out) == DK_OK, "%s: dk_q_sample failed", label);
    for (size_t i = 0; i < n; i++) {
        double mag;
        const double want = oracle_q_sample(os, t[i / dim], x[i], m[i], &mag);
        check_close(out[i], want, mag, 3, &worst_q, label, t[i / dim]);
    }

    /* reverse: t in 1..T, both ends present */
    for (size_t r = 0; r < rows; r++)
        t[r] = r == 0 ? 1 : r == 1 ? T : (int32_t)(1 + dk_rand_u64() % (uint64_t)T);
    for (int pred = DK_PRED_EPSILON; pred <= DK_PRED_V; pred++)
        for (int var = DK_VAR_FIXED_SMALL; var <= DK_VAR_FIXED_LARGE; var++)
            for (int clipped = 0; clipped <= 1; clipped++)
                for (int with_z = 0; with_z <= 1; with_z++) {
                    const dk_step_opts o = {(dk_prediction)pred, (dk_variance)var, clipped ? 1.0f : 0.0f};
                    const int seed_form = pred == DK_PRED_EPSILON && !clipped;
                    const double k = seed_form ? (fused ? 5 : 6) : (fused ? 7 : 9);
                    double *worst = seed_form ? &worst_eps : &worst_post;
                    dk_check(dk_p_step(s, t, rows, dim, x, m, with_z ? z : NULL, &o, out) == DK_OK,
                             "%s: dk_p_step failed", label);
                    for (size_t i = 0; i < n; i++) {
                        double mag;
                        const double want = oracle_p_step(os, t[i / dim], x[i], m[i], z[i], with_z, &o, &mag);
                        check_close(out[i], want, mag, k, worst, label, t[i / dim]);
                    }
                }
    /* opts NULL is epsilon, fixed_small, no clipping */
    const dk_step_opts defaults = {DK_PRED_EPSILON, DK_VAR_FIXED_SMALL, 0.0f};
    dk_check(dk_p_step(s, t, rows, dim, x, m, z, NULL, out) == DK_OK, "%s: opts NULL failed", label);
    for (size_t i = 0; i < n; i++) {
        double mag;
        const double want = oracle_p_step(os, t[i / dim], x[i], m[i], z[i], 1, &defaults, &mag);
        check_close(out[i], want, mag, fused ? 5 : 6, &worst_eps, label, t[i / dim]);
    }
    free(t), free(x), free(m), free(z), free(out);
}

static void check_kind(dk_beta_schedule kind, const char *name, int T, double b0, double b1)
{
    dk_schedule *s = NULL;
    char label[96];
    snprintf(label, sizeof label, "%s T=%d", name, T);
    dk_check(dk_schedule_create(&s, kind, T, b0, b1) == DK_OK, "%s: create failed", label);
    if (!s)
        return;
    oracle_schedule os = oracle_schedule_make(kind, T, b0, b1);
    for (int rep = 0; rep < 4; rep++)
        run_schedule(label, s, &os);
    oracle_schedule_free(&os);
    dk_schedule_destroy(s);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    dk_variant v = DK_VARIANT_COUNT;
    for (int i = 0; i < DK_VARIANT_COUNT; i++)
        if (strcmp(argv[1], dk_variant_get((dk_variant)i)->name) == 0)
            v = (dk_variant)i;
    if (v == DK_VARIANT_COUNT)
        return 2;
    char name[64];
    snprintf(name, sizeof name, "test_oracle %s", argv[1]);
    if (!dk_variant_get(v)->kernels || !dk_variant_runs(v))
        return dk_test_skip(name, "this build or CPU lacks it");
    dk_variant_select(v);
    fused = dk_variant_get(v)->fused;
    dk_test_seed();

    static const int steps[] = {1, 2, 10, 1000};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        check_kind(DK_BETA_LINEAR, "linear", steps[i], 1e-4, 0.02);
        check_kind(DK_BETA_SCALED_LINEAR, "scaled_linear", steps[i], 0.00085, 0.012);
        check_kind(DK_BETA_COSINE, "cosine", steps[i], 0, 0);
        check_kind(DK_BETA_SIGMOID, "sigmoid", steps[i], 1e-4, 0.02);
    }
    /* explicit betas, random in (0, 0.3) */
    for (int T = 1; T <= 50; T += 7) {
        double betas[50];
        for (int i = 0; i < T; i++)
            betas[i] = dk_rand_uniform(1e-5, 0.3);
        dk_schedule *s = NULL;
        dk_check(dk_schedule_from_betas(&s, betas, T) == DK_OK, "from_betas T=%d failed", T);
        if (!s)
            continue;
        oracle_schedule os = oracle_schedule_from(betas, T);
        run_schedule("from_betas", s, &os);
        oracle_schedule_free(&os);
        dk_schedule_destroy(s);
    }
    printf("%s: worst error in units of 2^-24 * sum|terms|: q_sample %.2f, p_step epsilon %.2f, "
           "p_step posterior %.2f\n",
           name, worst_q, worst_eps, worst_post);
    return dk_test_finish(name);
}
