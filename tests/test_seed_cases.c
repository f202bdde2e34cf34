/* The worked examples of the seed documents (shared/vectors/seed_cases.json),
 * on every kernel build this CPU runs, to their stated 1e-4. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "dispatch.h"
#include "harness.h"

typedef struct seed_case {
    int n, steps, t;
    const double *betas;
    const float *x0, *eps, *eps_hat, *z; /* z NULL: no noise */
    const float *xt, *x_prev;
} seed_case;

#include "seed_cases.h"

#define TOL 1e-4 /* the expected values are rounded to 4 decimals */

static void run_case(const char *variant, int index, const seed_case *c)
{
    dk_schedule *s = NULL;
    dk_check(dk_schedule_from_betas(&s, c->betas, c->steps) == DK_OK, "case %d: schedule", index);
    if (!s)
        return;
    float xt[16], x_prev[16];
    const int32_t t = c->t;
    dk_check(dk_q_sample(s, &t, 1, (size_t)c->n, c->x0, c->eps, xt) == DK_OK, "case %d: q_sample", index);
    dk_check(dk_p_step(s, &t, 1, (size_t)c->n, xt, c->eps_hat, c->z, NULL, x_prev) == DK_OK,
             "case %d: p_step", index);
    for (int i = 0; i < c->n; i++) {
        dk_check(fabs(xt[i] - c->xt[i]) <= TOL, "%s case %d: x_t[%d] = %.6f, expected %.4f", variant, index,
                 i, xt[i], c->xt[i]);
        dk_check(fabs(x_prev[i] - c->x_prev[i]) <= TOL, "%s case %d: x_t-1[%d] = %.6f, expected %.4f",
                 variant, index, i, x_prev[i], c->x_prev[i]);
    }
    dk_schedule_destroy(s);
}

int main(void)
{
    int ran = 0;
    for (int v = 0; v < DK_VARIANT_COUNT; v++) {
        if (!dk_variant_runs((dk_variant)v)) {
            printf("test_seed_cases: %s skipped (not built or not run by this CPU)\n",
                   dk_variant_get((dk_variant)v)->name);
            continue;
        }
        dk_variant_select((dk_variant)v);
        for (int i = 0; i < SEED_CASE_COUNT; i++)
            run_case(dk_variant_get((dk_variant)v)->name, i, &seed_cases[i]);
        ran++;
    }
    printf("test_seed_cases: %d cases on %d kernel builds\n", SEED_CASE_COUNT, ran);
    return dk_test_finish("test_seed_cases");
}
