/* The bound between the two numeric families: the fused reference
 * (scalar_fma) against the plain one (scalar_plain), kernel by kernel, on
 * random inputs and coefficients. Every SIMD build is bit-identical to its
 * family's reference (test_isa), so this bounds any pair of ISAs.
 *
 * Reported in ulp of the largest-magnitude term of the expression (or of the
 * result, where the terms add up to more than the largest); checked
 * against the sum of the two families' oracle bounds (test_oracle.c), in
 * units of 2^-24 * sum|terms|.
 *
 * The noise (randn) is reported per normal in ulp of its pair's Box-Muller
 * radius, the hypot of the pair: both normals of a pair carry the radius's
 * error, and a normal near zero has no ulp of its own that means anything.
 * Checked against the design target of DESIGN.md section 2, 4 ulp. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dispatch.h"
#include "harness.h"
#include "step_coefs.h"

#define N 200000

static float a[N], b[N], z[N], out_f[N], out_p[N];

typedef struct tally {
    const char *name;
    double bound;     /* in 2^-24 * sum|terms| */
    double worst_ulp; /* in ulp(largest term) */
    double worst_sum; /* in 2^-24 * sum|terms| */
} tally;

static void record(tally *t, size_t i, const double *terms, int nterms)
{
    double largest = 0, sum = 0, result = 0;
    for (int k = 0; k < nterms; k++) {
        largest = fmax(largest, fabs(terms[k]));
        sum += fabs(terms[k]);
        result += terms[k];
    }
    largest = fmax(largest, fabs(result));
    const double diff = fabs((double)out_f[i] - (double)out_p[i]);
    const double in_ulp = largest > 0 ? diff / dk_ulp(largest) : diff;
    const double in_sum = sum > 0 ? diff / (0x1p-24 * sum) : diff;
    t->worst_ulp = fmax(t->worst_ulp, in_ulp);
    t->worst_sum = fmax(t->worst_sum, in_sum);
    dk_check(in_sum <= t->bound * 1.01 + 0x1p-149, "%s element %zu: fused %a plain %a (%.2f units)", t->name,
             i, out_f[i], out_p[i], in_sum);
}

/* ---- noise: randn of the two families ---- */

#define NOISE_RUNS  4
#define NOISE_RUN   (1 << 18) /* 2^20 normals in all */
#define NOISE_BOUND 4.0       /* ulp of the pair's radius */

static float noise_f[NOISE_RUN], noise_p[NOISE_RUN];

/* The larger of the two families' radii of the pair at i (even): the
 * normals of a pair are radius * (cos, sin) of one angle. */
static double pair_radius(size_t i)
{
    return fmax(hypot(noise_f[i], noise_f[i + 1]), hypot(noise_p[i], noise_p[i + 1]));
}

static void check_noise(const dk_kernels *kf, const dk_kernels *kp)
{
    const clock_t start = clock();
    double worst = 0;
    long differ = 0;
    for (int run = 0; run < NOISE_RUNS; run++) {
        /* an even offset, so that the pairs start at even indices */
        const dk_noise z = {dk_rand_u64(), dk_rand_u64(), (dk_rand_u64() >> 2) * 2};
        kf->randn(NOISE_RUN, &z, noise_f);
        kp->randn(NOISE_RUN, &z, noise_p);
        for (size_t i = 0; i < NOISE_RUN; i += 2) {
            const double ulp = dk_ulp(pair_radius(i));
            for (size_t j = i; j < i + 2; j++) {
                const double diff = fabs((double)noise_f[j] - (double)noise_p[j]) / ulp;
                differ += diff != 0;
                worst = fmax(worst, diff);
                dk_check(diff <= NOISE_BOUND,
                         "randn element %llu of seed %#llx stream %#llx: fused %a plain %a (%.2f ulp)",
                         (unsigned long long)(z.offset + j), (unsigned long long)z.seed,
                         (unsigned long long)z.stream, noise_f[j], noise_p[j], diff);
            }
        }
    }
    printf("  %-26s max %.2f ulp of the pair's radius (bound %.0f); %ld of %d normals differ (%.2f s)\n",
           "randn", worst, NOISE_BOUND, differ, NOISE_RUNS * NOISE_RUN,
           (double)(clock() - start) / CLOCKS_PER_SEC);
}

static void report(const tally *t)
{
    printf(
        "  %-26s max %.2f ulp of the largest term or result (%.2f units of 2^-24 sum|terms|, bound %.0f)\n",
        t->name, t->worst_ulp, t->worst_sum, t->bound);
}

int main(void)
{
    if (!dk_variant_runs(DK_VARIANT_SCALAR_FMA))
        return dk_test_skip("test_families", "this CPU lacks FMA, so no fused build runs here");
    const dk_kernels *kf = dk_variant_get(DK_VARIANT_SCALAR_FMA)->kernels;
    const dk_kernels *kp = dk_variant_get(DK_VARIANT_SCALAR_PLAIN)->kernels;
    dk_test_seed();
    dk_rand_fill(a, N, 2.0);
    dk_rand_fill(b, N, 1.0);
    dk_rand_fill(z, N, 1.0);

    tally q = {"q_sample", 6, 0, 0}, eps = {"p_step epsilon form", 11, 0, 0};
    tally post[3] = {{"p_step posterior epsilon", 16, 0, 0},
                     {"p_step posterior sample", 16, 0, 0},
                     {"p_step posterior v", 16, 0, 0}};
    for (int rep = 0; rep < 20; rep++) {
        /* coefficients of a real step of a random schedule */
        const double beta = dk_rand_uniform(1e-4, 0.05), ab_prev = dk_rand_uniform(1e-3, 1.0);
        const double ab = ab_prev * (1 - beta);
        const float qa = (float)sqrt(ab), qb = (float)sqrt(1 - ab);
        const dk_step_coefs c = test_step_coefs(beta, ab_prev, INFINITY);

        kf->q_sample(N, qa, qb, a, b, out_f);
        kp->q_sample(N, qa, qb, a, b, out_p);
        for (size_t i = 0; i < N; i++) {
            const double terms[2] = {(double)qa * a[i], (double)qb * b[i]};
            record(&q, i, terms, 2);
        }

        kf->p_step_eps(N, &c, a, b, z, out_f);
        kp->p_step_eps(N, &c, a, b, z, out_p);
        for (size_t i = 0; i < N; i++) {
            const double terms[3] = {(double)c.c_out * a[i], (double)c.c_out * c.c_eps * b[i],
                                     (double)c.sigma * z[i]};
            record(&eps, i, terms, 3);
        }

        for (int pred = DK_PRED_EPSILON; pred <= DK_PRED_V; pred++) {
            kf->p_step_posterior(N, &c, (dk_prediction)pred, a, b, z, out_f);
            kp->p_step_posterior(N, &c, (dk_prediction)pred, a, b, z, out_p);
            for (size_t i = 0; i < N; i++) {
                double terms[4] = {0, 0, (double)c.c1 * a[i], (double)c.sigma * z[i]};
                if (pred == DK_PRED_EPSILON) {
                    terms[0] = (double)c.c0 * c.r_sqrt_abar * a[i];
                    terms[1] = (double)c.c0 * c.r_sqrt_abar * c.sqrt_1m_abar * b[i];
                } else if (pred == DK_PRED_V) {
                    terms[0] = (double)c.c0 * c.sqrt_abar * a[i];
                    terms[1] = (double)c.c0 * c.sqrt_1m_abar * b[i];
                } else {
                    terms[0] = (double)c.c0 * b[i];
                }
                record(&post[pred], i, terms, 4);
            }
        }
    }
    printf("test_families: scalar_fma against scalar_plain on %d random elements each:\n", 20 * N);
    report(&q);
    report(&eps);
    for (int p = 0; p < 3; p++)
        report(&post[p]);
    check_noise(kf, kp);
    return dk_test_finish("test_families");
}
