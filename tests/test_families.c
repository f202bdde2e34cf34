/* The bound between the two numeric families: every function of api_list.h
 * on the fused reference build (scalar_fma) and on the plain one
 * (scalar_plain), with the same random arguments. Every SIMD build is
 * bit-identical to its family's reference (test_isa), so this bounds any
 * pair of ISAs.
 *
 * Each element must agree within the sum of the two families' oracle bounds
 * (oracle.c), k_fused + k_plain units of 2^-24 * mag. The difference is
 * reported in ulp of the largest term of the expression (or of the result).
 * The normals have the tighter design target of doc/numerics.md, 4 ulp of
 * their Box-Muller radius, asserted on about 2^20 of them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "dispatch.h"
#include "harness.h"
#include "oracle.h"

#define NORMAL_ULP_BOUND 4.0

#define MAX_FORMS 256
static struct tally {
    const char *form;
    double worst_ulp, worst_units, bound;
    long elements, differ;
} tallies[MAX_FORMS];
static int forms;

static struct tally *tally_of(const char *form)
{
    for (int i = 0; i < forms; i++)
        if (strcmp(tallies[i].form, form) == 0)
            return &tallies[i];
    if (forms == MAX_FORMS)
        abort();
    tallies[forms] = (struct tally){.form = form};
    return &tallies[forms++];
}

static void compare(const api_case *c, float *const *plain, oracle_call *oc)
{
    for (int k = 0; k < api_outputs(c->f); k++)
        for (size_t i = 0; i < api_out_values(c->f, k, &c->g); i++) {
            oracle_value v;
            oracle_value_of(oc, k, i, &v);
            const double f = api_out_value(c->f, k, c->out[k], i), p = api_out_value(c->f, k, plain[k], i),
                         diff = fabs(f - p);
            const double ulp = diff / dk_ulp(v.largest), units = v.mag > 0 ? diff / (0x1p-24 * v.mag) : diff;
            const double tol = oracle_tolerance(&v, 1) + oracle_tolerance(&v, 0);
            struct tally *t = tally_of(v.form);
            t->bound = v.k_fused + v.k_plain;
            t->worst_ulp = fmax(t->worst_ulp, ulp);
            t->worst_units = fmax(t->worst_units, units);
            t->elements++;
            t->differ += diff != 0;
            dk_check(diff <= tol, "%s %s[%zu]: fused %a, plain %a: %.2f units (bound %g)", c->f->name,
                     api_out(c->f, k)->name, i, f, p, units, t->bound);
            if (strcmp(v.form, "normal") == 0)
                dk_check(ulp <= NORMAL_ULP_BOUND, "%s %s[%zu]: fused %a, plain %a: %.2f ulp of the radius",
                         c->f->name, api_out(c->f, k)->name, i, f, p, ulp);
        }
}

static void check_function(const api_spec *f, const dk_schedule *s, const oracle_schedule *os)
{
    enum { DIM = 512 };
    const size_t ROWS = (size_t)(64 * dk_test_scale()) + 1;
    const int opts = api_opts_count(f), cases = opts < 8 ? 8 / opts : 1;
    float *plain[API_MAX_OUT] = {0};
    for (int k = 0; k < api_outputs(f); k++)
        if (!(plain[k] = malloc(ROWS * DIM * sizeof(float))))
            abort();
    for (int rep = 0; rep < cases; rep++) {
        api_case *c = api_case_new(f, s, ROWS, DIM);
        for (int o = 0; o < opts; o++) {
            api_case_set_opts(c, o);
            dk_status expect;
            oracle_call *oc = oracle_begin(f, &c->g, os, &expect);
            dk_variant_select(DK_VARIANT_scalar_plain);
            dk_check(api_case_call(c) == expect, "%s: not the status the oracle expects", f->name);
            for (int k = 0; k < api_outputs(f); k++)
                memcpy(plain[k], c->out[k], api_out_len(f, k, &c->g) * sizeof(float));
            dk_variant_select(DK_VARIANT_scalar_fma);
            dk_check(api_case_call(c) == expect, "%s: not the status the oracle expects", f->name);
            if (expect == DK_OK)
                compare(c, plain, oc);
            oracle_end(oc);
        }
        api_case_free(c);
    }
    for (int k = 0; k < API_MAX_OUT; k++)
        free(plain[k]);
}

int main(void)
{
    if (!dk_variant_runs(DK_VARIANT_scalar_fma))
        return dk_test_skip("test_families",
                            "this CPU cannot run the fused scalar build (FMA, and AVX2 on x86-64)");
    dk_test_seed();
    const clock_t start = clock();
    /* Schedules whose coefficients span what people use, and beyond: the
     * cosine schedule's last steps (abar near 0, large 1/sqrt(abar)) and
     * random betas up to 0.3. */
    double betas[20];
    for (int i = 0; i < 20; i++)
        betas[i] = dk_rand_uniform(1e-5, 0.3);
    dk_schedule *scheds[3] = {NULL, NULL, NULL};
    oracle_schedule os[3];
    if (dk_schedule_create(&scheds[0], DK_BETA_LINEAR, 1000, 1e-4, 0.02) != DK_OK ||
        dk_schedule_create(&scheds[1], DK_BETA_COSINE, 1000, 0, 0) != DK_OK ||
        dk_schedule_from_betas(&scheds[2], betas, 20) != DK_OK)
        return 1;
    os[0] = oracle_schedule_make(DK_BETA_LINEAR, 1000, 1e-4, 0.02);
    os[1] = oracle_schedule_make(DK_BETA_COSINE, 1000, 0, 0);
    os[2] = oracle_schedule_from(betas, 20);
    for (size_t i = 0; i < api_spec_count; i++) {
        dk_check(oracle_has(api_specs[i].name), "%s has no oracle", api_specs[i].name);
        for (int k = 0; k < 3 && oracle_has(api_specs[i].name); k++)
            check_function(&api_specs[i], scheds[k], &os[k]);
    }
    printf("test_families: scalar_fma against scalar_plain (%.1f s):\n",
           (double)(clock() - start) / CLOCKS_PER_SEC);
    for (int i = 0; i < forms; i++) {
        const struct tally *t = &tallies[i];
        printf("  %-24s max %.2f ulp of the largest term (%.2f units of 2^-24 * mag, bound %g); %ld of %ld "
               "differ\n",
               t->form, t->worst_ulp, t->worst_units, t->bound, t->differ, t->elements);
    }
    for (int k = 0; k < 3; k++) {
        oracle_schedule_free(&os[k]);
        dk_schedule_destroy(scheds[k]);
    }
    return dk_test_finish("test_families");
}
