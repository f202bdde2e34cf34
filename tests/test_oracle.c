/* The library against the double-precision oracle (oracle.c), through every
 * function of api_list.h on one kernel build: every schedule kind and
 * explicit betas, T in {1, 2, 10, 1000}, every option set, random inputs,
 * random per-row timesteps that include the smallest and T, random noise.
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

/* The worst error seen per (function, form), in units of 2^-24 * mag. */
#define MAX_FORMS 32
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

static void check_case(const api_case *c, const oracle_schedule *os, oracle_fn oracle, const char *label)
{
    const api_spec *f = c->f;
    for (int k = 0; k < api_outputs(f); k++)
        for (size_t i = 0; i < c->g.n; i++) {
            oracle_value v;
            oracle(&c->g, os, k, i, &v);
            const double got = c->out[k][i], err = fabs(got - v.want), unit = 0x1p-24 * v.mag;
            const double units = unit > 0 ? err / unit : (err > 0 ? INFINITY : 0);
            const double bound = fused ? v.k_fused : v.k_plain;
            struct worst *w = worst_of(f->name, v.form);
            w->units = fmax(w->units, units);
            w->k = bound;
            dk_check(err <= bound * 1.01 * unit + 0x1p-149,
                     "%s %s, %s[%zu] (t=%d, opts pred=%d var=%d clip=%g): got %.9g, oracle %.9g, error %.3g "
                     "units of 2^-24 * %.3g (bound %g)",
                     f->name, label, api_out(f, k)->name, i, c->g.t ? c->g.t[i / c->g.dim] : 0,
                     c->g.opts ? (int)c->g.opts->prediction : -1, c->g.opts ? (int)c->g.opts->variance : -1,
                     c->g.opts ? (double)c->g.opts->clip : 0.0, got, v.want, units, v.mag, bound);
        }
}

static void check_function(const api_spec *f, const dk_schedule *s, const oracle_schedule *os,
                           const char *label)
{
    const oracle_fn oracle = oracle_for(f->name);
    if (!oracle)
        return; /* reported once in run() */
    const size_t rows = 1 + dk_rand_u64() % 40, dim = 1 + dk_rand_u64() % 70;
    api_case *c = api_case_new(f, s, rows, dim);
    if (c->t && rows >= 2) { /* both ends of the domain */
        c->t[0] = (int32_t)api_t_min(f);
        c->t[rows - 1] = dk_schedule_steps(s);
    }
    for (int o = 0; o < api_opts_count(f); o++) {
        c->opts = api_opts_at(o);
        dk_check(api_case_call(c) == DK_OK, "%s %s: the call failed", f->name, label);
        check_case(c, os, oracle, label);
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
    check_schedule(label, s, &os, 4);
    oracle_schedule_free(&os);
    dk_schedule_destroy(s);
}

static void run(const dk_target *t)
{
    fused = t->info->fused;
    for (size_t i = 0; i < api_spec_count; i++)
        dk_check(oracle_for(api_specs[i].name) != NULL, "%s has no oracle function (tests/oracle.c)",
                 api_specs[i].name);
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
