/* The schedule getters against the oracle's double-precision schedule, and
 * the properties the conventions promise: of dk_schedule_create, of
 * dk_schedule_from_alpha_bar and of dk_schedule_rescale_zero_snr. */
#include <math.h>
#include <stdio.h>

#include "diffkern.h"
#include "harness.h"
#include "oracle.h"

static void compare(dk_beta_schedule kind, const char *name, int T, double b0, double b1)
{
    dk_schedule *s = NULL;
    dk_check(dk_schedule_create(&s, kind, T, b0, b1) == DK_OK, "%s T=%d: create", name, T);
    if (!s)
        return;
    oracle_schedule o = oracle_schedule_make(kind, T, b0, b1);
    dk_check(dk_schedule_steps(s) == T, "%s: steps", name);
    dk_check(dk_schedule_alpha_bar(s, 0) == 1.0, "%s: alpha_bar_0", name);
    double worst = 0;
    for (int t = 1; t <= T; t++) {
        const double beta = dk_schedule_beta(s, t), ab = dk_schedule_alpha_bar(s, t);
        const double var = dk_schedule_posterior_variance(s, t);
        const double want_var = o.beta[t] * (1 - o.ab[t - 1]) / (1 - o.ab[t]);
        const double e = fmax(fabs(beta / o.beta[t] - 1),
                              fmax(fabs(ab / o.ab[t] - 1), t > 1 ? fabs(var / want_var - 1) : fabs(var)));
        worst = fmax(worst, e);
        dk_check(beta > 0 && beta < 1, "%s T=%d: beta_%d = %g", name, T, t, beta);
    }
    /* 1e-10: the cosine betas are 1 - f(t)/f(t-1), a cancellation that turns
     * 1e-16 differences of f into up to ~1e-11 relative differences of beta. */
    dk_check(worst < 1e-10, "%s T=%d: relative difference from the oracle %g", name, T, worst);
    dk_check(dk_schedule_posterior_variance(s, 1) == 0.0, "%s: beta_tilde_1 = 0", name);
    if (kind == DK_BETA_LINEAR) { /* numpy.linspace hits both ends exactly */
        dk_check(dk_schedule_beta(s, 1) == b0, "%s: beta_1 = beta_start", name);
        dk_check(T == 1 || dk_schedule_beta(s, T) == b1, "%s: beta_T = beta_end", name);
    }
    if (kind == DK_BETA_COSINE && T >= 100)
        dk_check(dk_schedule_beta(s, T) == 0.999, "cosine: last beta capped at 0.999, got %.17g",
                 dk_schedule_beta(s, T));
    oracle_schedule_free(&o);
    dk_schedule_destroy(s);
}

/* The largest relative difference of s's getters from o's beta, alpha_bar
 * and posterior variance (alpha_bar 0 and beta_tilde_1 = 0 exactly). */
static double worst_getter(const dk_schedule *s, const oracle_schedule *o)
{
    double worst = 0;
    for (int t = 1; t <= o->T; t++) {
        const double want_var = o->beta[t] * (1 - o->ab[t - 1]) / (1 - o->ab[t]);
        const double ab = dk_schedule_alpha_bar(s, t), var = dk_schedule_posterior_variance(s, t);
        const double e_ab = o->ab[t] == 0 ? (ab == 0 ? 0 : INFINITY) : fabs(ab / o->ab[t] - 1);
        const double e_var = t > 1 ? fabs(var / want_var - 1) : var == 0 ? 0 : INFINITY;
        worst = fmax(worst, fmax(fabs(dk_schedule_beta(s, t) / o->beta[t] - 1), fmax(e_ab, e_var)));
    }
    return worst;
}

/* dk_schedule_from_alpha_bar on the oracle's alpha_bar of each kind, and
 * dk_schedule_rescale_zero_snr against the oracle's rescaling, written from
 * Lin et al. 2024. 1e-10: beta = 1 - ab_t / ab_{t-1} cancels, as in
 * compare(). */
static void compare_alpha_bar(dk_beta_schedule kind, const char *name, int T, double b0, double b1)
{
    oracle_schedule o = oracle_schedule_make(kind, T, b0, b1);
    dk_schedule *s = NULL, *made = NULL, *zero = NULL;
    dk_check(dk_schedule_from_alpha_bar(&s, o.ab + 1, T) == DK_OK, "%s T=%d: from_alpha_bar", name, T);
    if (s) {
        const double worst = worst_getter(s, &o);
        dk_check(worst < 1e-10, "%s T=%d: from_alpha_bar %g from the oracle", name, T, worst);
        for (int t = 0; t <= T; t++)
            dk_check(dk_schedule_alpha_bar(s, t) == o.ab[t], "%s T=%d: alpha_bar_%d not kept exactly", name,
                     T, t);
    }
    if (T >= 2 && dk_schedule_create(&made, kind, T, b0, b1) == DK_OK) {
        oracle_schedule z = oracle_schedule_rescaled(&o);
        dk_check(dk_schedule_rescale_zero_snr(&zero, made) == DK_OK, "%s T=%d: rescale", name, T);
        if (zero) {
            const double worst = worst_getter(zero, &z);
            dk_check(worst < 1e-10, "%s T=%d: rescaled %g from the oracle", name, T, worst);
            dk_check(dk_schedule_alpha_bar(zero, T) == 0.0 && dk_schedule_beta(zero, T) == 1.0,
                     "%s T=%d: rescaled alpha_bar_T = %g", name, T, dk_schedule_alpha_bar(zero, T));
            dk_check(fabs(dk_schedule_alpha_bar(zero, 1) / o.ab[1] - 1) < 1e-14,
                     "%s T=%d: rescaled alpha_bar_1", name, T);
        }
        oracle_schedule_free(&z);
    }
    dk_schedule_destroy(zero);
    dk_schedule_destroy(made);
    dk_schedule_destroy(s);
    oracle_schedule_free(&o);
}

int main(void)
{
    static const int steps[] = {1, 2, 3, 50, 1000, 4000};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        compare(DK_BETA_LINEAR, "linear", steps[i], 1e-4, 0.02);
        compare(DK_BETA_SCALED_LINEAR, "scaled_linear", steps[i], 0.00085, 0.012);
        compare(DK_BETA_COSINE, "cosine", steps[i], 0, 0);
        compare(DK_BETA_SIGMOID, "sigmoid", steps[i], 1e-4, 0.02);
        compare_alpha_bar(DK_BETA_LINEAR, "linear", steps[i], 1e-4, 0.02);
        compare_alpha_bar(DK_BETA_SCALED_LINEAR, "scaled_linear", steps[i], 0.00085, 0.012);
        compare_alpha_bar(DK_BETA_COSINE, "cosine", steps[i], 0, 0);
        compare_alpha_bar(DK_BETA_SIGMOID, "sigmoid", steps[i], 1e-4, 0.02);
    }
    /* the explicit array is copied: changing it afterwards changes nothing */
    double betas[3] = {0.1, 0.2, 0.3};
    dk_schedule *s = NULL;
    dk_check(dk_schedule_from_betas(&s, betas, 3) == DK_OK, "from_betas");
    betas[1] = 0.5;
    dk_check(dk_schedule_beta(s, 2) == 0.2, "from_betas copies its input");
    dk_check(fabs(dk_schedule_alpha_bar(s, 3) - 0.9 * 0.8 * 0.7) < 1e-15, "alpha_bar_3");
    dk_schedule_destroy(s);
    return dk_test_finish("test_schedule");
}
