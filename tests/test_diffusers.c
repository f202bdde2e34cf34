/* diffkern against diffusers' own DDIMScheduler and DDPMScheduler
 * (tests/vectors/diffusers_schedulers.json, diffusers' 0-based k being
 * t = k + 1 here), on every kernel build this CPU runs:
 * - dk_timesteps gives diffusers' timesteps and prev_timesteps exactly, for
 *   every spacing and offset, with set_alpha_to_one both ways;
 * - the schedules' alpha_bar, zero-SNR rescaling included, within 1e-6 of
 *   diffusers' (which computes them in float32);
 * - dk_ddim_step for every prediction with eta 0, 0.5 and 1, clipping,
 *   use_clipped_model_output and thresholding, and dk_p_step with
 *   fixed_small and fixed_large, clipping and v prediction: each value within
 *   1e-5 of the values' scale (the largest |value| of the case, at least 1),
 *   on a schedule built from diffusers' own float32 alpha_bar
 *   (dk_schedule_from_alpha_bar; tests/make_diffusers_alphas.py, checked here
 *   against the values diffusers_schedulers.json gives), and the DDIM steps
 *   on diffkern's own double schedule too. One part of a DDPM step is
 *   diffusers' float32 rounding, not a difference of method: its step
 *   computes current_beta_t = 1 - alpha_bar_t / alpha_bar_{t-1} in float32,
 *   within 2^-24 absolute, so within 2^-24 / beta_t relative (5e-4 at t = 2),
 *   and that error scales the x0 term c0 x0 and, halved, the noise term. The
 *   DDPM bound adds twice that to the 1e-5; the fraction of it used is
 *   printed.
 * The largest differences are printed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "diffkern.h"
#include "dispatch.h"
#include "harness.h"

typedef struct timesteps_case {
    int32_t T, steps;
    dk_spacing spacing;
    int32_t offset;
    const int32_t *k, *prev;
} timesteps_case;

typedef struct alphas_case {
    dk_beta_schedule kind;
    double beta_start, beta_end;
    int zero_snr;
    int count;
    const int32_t *k;
    const double *alpha_bar;
} alphas_case;

typedef struct step_case {
    dk_prediction prediction;
    float clip;            /* clip_sample_range where clip_sample, else 0 */
    float threshold_ratio; /* dynamic_thresholding_ratio where thresholding, else 0 */
    float threshold_max;   /* sample_max_value */
    int fixed_large;
    int steps, k, k_prev; /* steps: DDIM's inference steps; k_prev: the previous 0-based step */
    float eta;
    int recompute_eps;
    int rows, dim;
    const float *sample, *model_output, *noise, *prev_sample;
} step_case;

#include "diffusers_cases.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void check_timesteps(void)
{
    for (size_t c = 0; c < N_OF(timesteps_cases); c++) {
        const timesteps_case *tc = &timesteps_cases[c];
        int32_t t[1000], tp[1000];
        for (int final_one = 0; final_one <= 1; final_one++) {
            const dk_status st = dk_timesteps(tc->T, tc->steps, tc->spacing, tc->offset, final_one, t, tp);
            dk_check(st == DK_OK, "timesteps case %zu: %s", c, dk_status_str(st));
            for (int i = 0; st == DK_OK && i < tc->steps; i++) {
                const int32_t want_prev = tc->prev[i] >= 0 ? tc->prev[i] + 1 : final_one ? 0 : 1;
                dk_check(
                    t[i] == tc->k[i] + 1 && tp[i] == want_prev,
                    "timesteps case %zu (T %d, %d steps, spacing %d, offset %d) step %d: t %d t_prev %d, "
                    "diffusers k %d prev %d",
                    c, tc->T, tc->steps, tc->spacing, tc->offset, i, t[i], tp[i], tc->k[i], tc->prev[i]);
            }
        }
    }
}

static double worst_alpha, worst_ddim, worst_ddpm, own_ddim, own_ddpm;

static void check_alphas(void)
{
    for (size_t c = 0; c < N_OF(alphas_cases); c++) {
        const alphas_case *ac = &alphas_cases[c];
        dk_schedule *s = NULL, *z = NULL;
        dk_check(dk_schedule_create(&s, ac->kind, 1000, ac->beta_start, ac->beta_end) == DK_OK,
                 "alphas case %zu: schedule", c);
        if (ac->zero_snr) {
            dk_check(dk_schedule_rescale_zero_snr(&z, s) == DK_OK, "alphas case %zu: rescale", c);
            dk_schedule_destroy(s);
            s = z;
        }
        for (int i = 0; s && i < ac->count; i++) {
            const double got = dk_schedule_alpha_bar(s, ac->k[i] + 1), diff = fabs(got - ac->alpha_bar[i]);
            worst_alpha = fmax(worst_alpha, diff);
            dk_check(diff <= 1e-6, "alphas case %zu k %d: %.9g, diffusers %.9g", c, ac->k[i], got,
                     ac->alpha_bar[i]);
        }
        dk_schedule_destroy(s);
    }
}

/* One case on schedule s; checked against 1e-5 when check, else only the
 * largest difference kept. */
static void check_step(const step_case *sc, size_t index, int ddim, const dk_schedule *s, double *worst,
                       int check)
{
    const size_t n = (size_t)sc->rows * (size_t)sc->dim;
    float out[256];
    int32_t t[16], tp[16];
    if (n > N_OF(out) || (size_t)sc->rows > N_OF(t))
        abort();
    for (int r = 0; r < sc->rows; r++) {
        t[r] = sc->k + 1;
        tp[r] = sc->k_prev >= 0 ? sc->k_prev + 1 : 0; /* set_alpha_to_one */
    }
    dk_step_opts o = {.prediction = sc->prediction,
                      .variance = sc->fixed_large ? DK_VAR_FIXED_LARGE : DK_VAR_FIXED_SMALL};
    o.clip = sc->clip;
    o.threshold_ratio = sc->threshold_ratio, o.threshold_max = sc->threshold_max;
    o.eta = sc->eta;
    o.recompute_eps = sc->recompute_eps;
    /* DDPM: diffusers' own float32 error (above), per element */
    const double ab = dk_schedule_alpha_bar(s, sc->k + 1), ap = dk_schedule_alpha_bar(s, sc->k);
    const double beta = 1.0 - ab / ap, c0 = sqrt(ap) * beta / (1.0 - ab);
    const double sigma = sqrt(sc->fixed_large ? beta : beta * (1.0 - ap) / (1.0 - ab));
    const dk_status st = ddim ? dk_ddim_step(s, t, tp, (size_t)sc->rows, (size_t)sc->dim, sc->sample,
                                             sc->model_output, sc->eta > 0 ? sc->noise : NULL, &o, out)
                              : dk_p_step(s, t, (size_t)sc->rows, (size_t)sc->dim, sc->sample,
                                          sc->model_output, sc->noise, &o, out);
    dk_check(st == DK_OK, "%s case %zu: %s", ddim ? "ddim" : "ddpm", index, dk_status_str(st));
    double scale = 1.0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(sc->prev_sample[i]));
    for (size_t i = 0; st == DK_OK && i < n; i++) {
        double allowance = 1e-5;
        if (!ddim) {
            const double x = sc->sample[i], m = sc->model_output[i];
            double x0 = sc->prediction == DK_PRED_V ? sqrt(ab) * x - sqrt(1.0 - ab) * m
                                                    : (x - sqrt(1.0 - ab) * m) / sqrt(ab);
            if (sc->clip > 0)
                x0 = fmin(fmax(x0, -sc->clip), sc->clip);
            const double z = sc->noise && sc->k > 0 ? fabs(sigma * sc->noise[i]) : 0.0;
            allowance += 2 * 0x1p-24 / beta * (fabs(c0 * x0) + z / 2) / scale;
        }
        const double rel = fabs((double)out[i] - sc->prev_sample[i]) / scale;
        *worst = fmax(*worst, ddim ? rel : rel / allowance); /* DDPM: the fraction of its bound */
        if (check)
            dk_check(rel <= allowance,
                     "%s case %zu (pred %d, clip %g, threshold %g, eta %g, recompute %d, k %d) [%zu]: %.8g, "
                     "diffusers %.8g",
                     ddim ? "ddim" : "ddpm", index, sc->prediction, (double)sc->clip,
                     (double)sc->threshold_ratio, (double)sc->eta, sc->recompute_eps, sc->k, i, out[i],
                     sc->prev_sample[i]);
    }
}

int main(void)
{
    check_timesteps();
    check_alphas();
    /* diffusers' float32 alpha_bar, as it gives some of them */
    const alphas_case *linear = &alphas_cases[0];
    dk_check(linear->kind == DK_BETA_LINEAR && !linear->zero_snr,
             "the first alphas case is diffusers' default");
    for (int i = 0; i < linear->count; i++)
        dk_check(diffusers_linear_alpha_bar[linear->k[i]] == linear->alpha_bar[i],
                 "diffusers_linear_alphas_cumprod.json differs from diffusers_schedulers.json at k %d",
                 linear->k[i]);
    dk_schedule *s = NULL, *own = NULL;
    if (dk_schedule_from_alpha_bar(&s, diffusers_linear_alpha_bar, 1000) != DK_OK ||
        dk_schedule_create(&own, DK_BETA_LINEAR, 1000, 1e-4, 0.02) != DK_OK)
        return 1;
    int builds = 0;
    for (int v = 0; v < DK_VARIANT_COUNT; v++) {
        if (!dk_variant_runs((dk_variant)v))
            continue;
        dk_variant_select((dk_variant)v);
        for (size_t c = 0; c < N_OF(ddim_cases); c++) {
            check_step(&ddim_cases[c], c, 1, s, &worst_ddim, 1);
            check_step(&ddim_cases[c], c, 1, own, &own_ddim, 1);
        }
        for (size_t c = 0; c < N_OF(ddpm_cases); c++) {
            check_step(&ddpm_cases[c], c, 0, s, &worst_ddpm, 1);
            check_step(&ddpm_cases[c], c, 0, own, &own_ddpm, 1);
        }
        builds++;
    }
    dk_schedule_destroy(s);
    dk_schedule_destroy(own);
    printf("test_diffusers: %zu timestep cases exact; alpha_bar within %.2g\n", N_OF(timesteps_cases),
           worst_alpha);
    printf("  %zu DDIM and %zu DDPM steps on %d builds, largest difference in the values' scale:\n",
           N_OF(ddim_cases), N_OF(ddpm_cases), builds);
    printf("  on diffusers' float32 alpha_bar: DDIM %.2g (bound 1e-5); DDPM %.0f%% of its bound (1e-5 and\n"
           "  diffusers' own float32 error)\n",
           worst_ddim, 100 * worst_ddpm);
    printf("  on diffkern's double schedule:   DDIM %.2g (bound 1e-5); DDPM %.0f%% of that bound\n", own_ddim,
           100 * own_ddpm);
    return dk_test_finish("test_diffusers");
}
