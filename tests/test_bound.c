/* The variational bound against closed forms, on data whose likelihood is
 * known: x0 ~ N(0, s^2) per value, and the model that predicts the exact
 * posterior mean, eps_hat = E[eps | x_t] = k_t x_t, k_t = sqrt(1 - ab) / V_t,
 * V_t = ab s^2 + 1 - ab.
 *
 * Everything is Gaussian, so the expected terms have closed forms (written
 * here from the definitions): with the posterior variance of x0 given x_t,
 * P_t = s^2 (1 - ab) / V_t,
 *   t >= 2  E[KL] = (ln(bp / bq) + bq / bp - 1) / 2 + c0^2 P_t / (2 bp)
 *   t = 1   E[-ln p(x0 | x1)] = ln(2 pi var) / 2 + P_1 / (2 var)
 *   prior   (ab_T s^2 - ab_T - ln(1 - ab_T)) / 2
 * per value, and their sum is an upper bound on the model's expected
 * negative log-likelihood, itself at least the data's entropy
 * H = ln(2 pi e s^2) / 2 (the cross-entropy exceeds the entropy).
 *
 * The library's terms (dk_q_sample_randn, the model, dk_vlb_terms,
 * dk_prior_kl over ROWS independent rows of DIM values) estimate that sum
 * by Monte Carlo: the estimate must be within 5 standard errors (the rows'
 * own spread) of the closed form, and the closed form at least H. A wrong
 * coefficient in a term moves the estimate by more than 5 standard errors:
 * when this test was written, the decoder's variance beta_1 for
 * beta_tilde_2 moved it by 27 and 34 of them at T = 1000 (5.2 at T = 100 with
 * beta), the KL's c0^2 / (2 beta_tilde) for c0^2 / (2 beta) by 160 and 265.
 * The four sums share their data, so their deviations are correlated. The
 * figures printed are how far the bound is above the entropy, for T = 1000
 * and 100. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <diffkern.h>

#include "harness.h"

#define PI 3.14159265358979323846
enum { ROWS = 512, DIM = 256 };
static const double S = 0.5;

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes);
    if (!p)
        abort();
    return p;
}

/* The expected bound per value, in nats, term by term from the schedule's
 * alpha_bar (the library's getters: the schedule itself is not under test). */
static double closed_form(const dk_schedule *s, dk_variance variance)
{
    const int T = dk_schedule_steps(s);
    double sum = 0;
    for (int t = 1; t <= T; t++) {
        const double ab = dk_schedule_alpha_bar(s, t), ap = dk_schedule_alpha_bar(s, t - 1);
        const double beta = 1.0 - ab / ap, v = ab * S * S + 1.0 - ab, post = S * S * (1.0 - ab) / v;
        if (t >= 2) {
            const double bq = beta * (1.0 - ap) / (1.0 - ab), bp = variance == DK_VAR_FIXED_LARGE ? beta : bq;
            const double c0 = beta * sqrt(ap) / (1.0 - ab);
            sum += 0.5 * (log(bp / bq) + bq / bp - 1.0) + c0 * c0 * post / (2.0 * bp);
        } else {
            const double ab2 = T >= 2 ? dk_schedule_alpha_bar(s, 2) : 0;
            const double var = T >= 2 ? (1.0 - ab2 / ab) * (1.0 - ab) / (1.0 - ab2) : beta;
            sum += 0.5 * log(2.0 * PI * var) + post / (2.0 * var);
        }
    }
    const double abT = dk_schedule_alpha_bar(s, T);
    return sum + 0.5 * (abT * S * S - abT - log1p(-abT));
}

/* The library's estimate: per row, the sum of its terms over t and the
 * prior, per value; returns the mean over rows and sets *se to its
 * standard error. */
static double estimate(const dk_schedule *s, dk_variance variance, double *se)
{
    const int T = dk_schedule_steps(s);
    const size_t n = (size_t)ROWS * DIM;
    float *x0 = xmalloc(n * sizeof *x0), *xt = xmalloc(n * sizeof *xt), *m = xmalloc(n * sizeof *m);
    double total[ROWS] = {0}, nats[ROWS];
    int32_t t[ROWS];
    const dk_noise data = {7, 1, 0};
    if (dk_randn(data, x0, n) != DK_OK)
        abort();
    for (size_t i = 0; i < n; i++)
        x0[i] = (float)(S * x0[i]);
    const dk_step_opts opts = {.prediction = DK_PRED_EPSILON, .variance = variance};
    for (int k = 1; k <= T; k++) {
        const double ab = dk_schedule_alpha_bar(s, k), kt = sqrt(1.0 - ab) / (ab * S * S + 1.0 - ab);
        for (int r = 0; r < ROWS; r++)
            t[r] = k;
        const dk_noise noise = {7, 2, (uint64_t)k * n}; /* fresh noise per t */
        dk_check(dk_q_sample_randn(s, t, ROWS, DIM, x0, noise, NULL, xt) == DK_OK, "q_sample_randn");
        for (size_t i = 0; i < n; i++)
            m[i] = (float)(kt * xt[i]);
        dk_check(dk_vlb_terms(s, t, ROWS, DIM, x0, xt, m, &opts, DK_DECODER_GAUSSIAN, nats) == DK_OK,
                 "vlb_terms at t=%d", k);
        for (int r = 0; r < ROWS; r++)
            total[r] += nats[r];
    }
    dk_check(dk_prior_kl(s, ROWS, DIM, x0, nats) == DK_OK, "prior_kl");
    double mean = 0, var = 0;
    for (int r = 0; r < ROWS; r++)
        mean += (total[r] + nats[r]) / DIM / ROWS;
    for (int r = 0; r < ROWS; r++) {
        const double d = (total[r] + nats[r]) / DIM - mean;
        var += d * d / (ROWS - 1);
    }
    *se = sqrt(var / ROWS);
    free(x0), free(xt), free(m);
    return mean;
}

static void check_schedule(const char *label, const dk_schedule *s)
{
    const double entropy = 0.5 * log(2.0 * PI * exp(1.0) * S * S);
    for (int v = 0; v < DK_VAR_COUNT; v++) {
        const dk_variance variance = (dk_variance)v;
        const double exact = closed_form(s, variance);
        double se;
        const double got = estimate(s, variance, &se);
        const char *name = v == DK_VAR_FIXED_SMALL ? "beta_tilde" : "beta";
        dk_check(exact >= entropy, "%s, %s: the closed-form bound %.6f is below the entropy %.6f", label,
                 name, exact, entropy);
        dk_check(fabs(got - exact) <= 5 * se,
                 "%s, %s: the library's terms sum to %.6f nats/value, closed form %.6f "
                 "(%.1f standard errors of %.2g)",
                 label, name, got, exact, fabs(got - exact) / se, se);
        printf("  %s, variance %-10s bound %.5f nats/value (library %.5f +- %.5f), entropy %.5f: "
               "%.5f nats = %.5f bits/value above\n",
               label, name, exact, got, se, entropy, exact - entropy, (exact - entropy) / log(2.0));
    }
}

int main(void)
{
    dk_test_seed();
    dk_schedule *s1000 = NULL, *s100 = NULL;
    if (dk_schedule_create(&s1000, DK_BETA_LINEAR, 1000, 1e-4, 0.02) != DK_OK ||
        dk_schedule_create(&s100, DK_BETA_LINEAR, 100, 1e-3, 0.2) != DK_OK)
        return 1;
    check_schedule("T=1000 (linear 1e-4..0.02)", s1000);
    check_schedule("T=100 (linear 1e-3..0.2)", s100);
    dk_schedule_destroy(s1000);
    dk_schedule_destroy(s100);
    return dk_test_finish("test_bound");
}
