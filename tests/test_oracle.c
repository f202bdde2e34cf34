/* The library against the double-precision oracle (oracle.c), through every
 * function of api_list.h on one kernel build: every schedule kind and
 * explicit betas, T in {1, 2, 10, 1000}, every option set, random inputs,
 * random per-row timesteps that include the smallest, 2 and T, random noise.
 * Each output element must be within k * 2^-24 * mag of the exact value,
 * k and mag as the oracle states them for the build's family (plus 1% for
 * second-order terms, and 2^-149 for underflow).
 *
 * usage: test_oracle <variant> [--function=GLOB] [--seed=N]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkasm.h"
#include "harness.h"
#include "oracle.h"

static int fused;
static int reps = 4; /* random cases per schedule and function, times DK_TEST_SCALE */

/* The worst error seen per (function, form), in units of 2^-24 * mag. */
#define MAX_FORMS 256
static struct worst {
    const char *function, *form;
    double units, k;
} worst[MAX_FORMS];
static int forms;

static struct worst *worst_of(const char *function, const char *form)
{
    for (int i = 0; i < forms; i++)
        if (strcmp(worst[i].function, function) == 0 && strcmp(worst[i].form, form) == 0)
            return &worst[i];
    if (forms == MAX_FORMS)
        abort();
    worst[forms] = (struct worst){function, form, 0, 0};
    return &worst[forms++];
}

/* The timestep of element i of output k (a row output: of row i). */
static int row_t(const api_case *c, int k, size_t i)
{
    if (!c->g.t)
        return 0;
    return c->g.t[api_out_per_row(c->f, k) ? i : i / c->g.dim];
}

static void check_case(const api_case *c, const oracle_schedule *os, const char *label, int opts_index)
{
    const api_spec *f = c->f;
    dk_status expect;
    oracle_call *oc = oracle_begin(f, &c->g, os, &expect);
    const dk_status got = api_case_call(c);
    dk_check(got == expect, "%s %s opts %d: status %s, the oracle expects %s", f->name, label, opts_index,
             dk_status_str(got), dk_status_str(expect));
    for (int k = 0; got == DK_OK && expect == DK_OK && k < api_outputs(f); k++)
        for (size_t i = 0; i < api_out_values(f, k, &c->g); i++) {
            oracle_value v;
            oracle_value_of(oc, k, i, &v);
            const double out = api_out_value(f, k, c->out[k], i), err = fabs(out - v.want),
                         tol = oracle_tolerance(&v, fused);
            const double unit = 0x1p-24 * v.mag;
            const double units = unit > 0 ? err / unit : (err > 0 ? INFINITY : 0);
            struct worst *w = worst_of(f->name, v.form);
            w->units = fmax(w->units, units);
            w->k = fused ? v.k_fused : v.k_plain;
            dk_check(err <= tol,
                     "%s %s, %s[%zu] (t=%d, opts %d): got %.9g, oracle %.9g, error %.3g units of "
                     "2^-24 * %.3g (bound %g + extra %.3g)",
                     f->name, label, api_out(f, k)->name, i, row_t(c, k, i), opts_index, out, v.want, units,
                     v.mag, fused ? v.k_fused : v.k_plain, fused ? v.extra_fused : v.extra_plain);
        }
    oracle_end(oc);
}

static void check_function(const api_spec *f, const dk_schedule *s, const oracle_schedule *os,
                           const char *label)
{
    if (!oracle_has(f->name))
        return; /* reported once in run() */
    const size_t rows = 1 + dk_rand_u64() % 40, dim = 1 + dk_rand_u64() % 70;
    api_case *c = api_case_new(f, s, rows, dim);
    if (c->t && rows >= 2) { /* both ends of the domain, and t = 2 (the first KL term of the bound) */
        c->t[0] = (int32_t)api_t_min(f);
        c->t[rows - 1] = dk_schedule_steps(s);
        if (rows >= 3 && dk_schedule_steps(s) >= 2)
            c->t[1] = 2;
    }
    api_case_fix_t_prev(c);
    for (int o = 0; o < api_opts_count(f); o++) {
        api_case_set_opts(c, o);
        check_case(c, os, label, o);
    }
    api_case_free(c);
}

static void check_schedule(const char *label, const dk_schedule *s, const oracle_schedule *os, int reps)
{
    for (size_t i = 0; i < api_spec_count; i++)
        if (dk_checkasm_wants(api_specs[i].name))
            for (int rep = 0; rep < reps; rep++)
                check_function(&api_specs[i], s, os, label);
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
    check_schedule(label, s, &os, reps);
    oracle_schedule_free(&os);
    dk_schedule_destroy(s);
}

static void run(const dk_target *t)
{
    fused = t->info->fused;
    reps = (int)ceil(4 * dk_test_scale());
    for (size_t i = 0; i < api_spec_count; i++)
        dk_check(oracle_has(api_specs[i].name), "%s has no oracle function (tests/oracle.c)",
                 api_specs[i].name);
    static const int steps[] = {1, 2, 10, 1000};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        check_kind(DK_BETA_LINEAR, "linear", steps[i], 1e-4, 0.02);
        check_kind(DK_BETA_SCALED_LINEAR, "scaled_linear", steps[i], 0.00085, 0.012);
        check_kind(DK_BETA_COSINE, "cosine", steps[i], 0, 0);
        check_kind(DK_BETA_SIGMOID, "sigmoid", steps[i], 1e-4, 0.02);
    }
    /* zero terminal SNR (alpha_bar_T = 0): the library's rescaling against
     * the oracle's; epsilon and score prediction and the SDE/ODE are refused
     * at t = T, v and sample prediction go through */
    for (size_t i = 1; i < sizeof steps / sizeof steps[0]; i++) {
        dk_schedule *base = NULL, *s = NULL;
        dk_check(dk_schedule_create(&base, DK_BETA_SCALED_LINEAR, steps[i], 0.00085, 0.012) == DK_OK &&
                     dk_schedule_rescale_zero_snr(&s, base) == DK_OK,
                 "zero-SNR T=%d: create", steps[i]);
        if (s) {
            oracle_schedule ob = oracle_schedule_make(DK_BETA_SCALED_LINEAR, steps[i], 0.00085, 0.012);
            oracle_schedule os = oracle_schedule_rescaled(&ob);
            char label[64];
            snprintf(label, sizeof label, "zero-SNR scaled_linear T=%d", steps[i]);
            check_schedule(label, s, &os, reps);
            oracle_schedule_free(&ob);
            oracle_schedule_free(&os);
        }
        dk_schedule_destroy(base);
        dk_schedule_destroy(s);
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
        check_schedule("from_betas", s, &os, 1);
        oracle_schedule_free(&os);
        dk_schedule_destroy(s);
    }
    printf("  worst error in units of 2^-24 * mag (%s family):\n", fused ? "fused" : "plain");
    for (int i = 0; i < forms; i++)
        printf("    %-20s %-24s %6.2f  (bound %g)\n", worst[i].function, worst[i].form, worst[i].units,
               worst[i].k);
}

int main(int argc, char **argv) { return dk_checkasm_main(argc, argv, "test_oracle", run); }
