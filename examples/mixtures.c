/* Sampling Gaussian mixtures with every diffkern sampler, no network needed:
 * for a mixture the exact noise prediction E[eps | x_t] is known in closed
 * form, so it stands in for the model. From pure noise, each sampler draws
 * the samples and the program prints how far they are from the data:
 *   1D, 0.5 N(-2, 0.3^2) + 0.5 N(2, 0.3^2): the Kolmogorov-Smirnov distance
 *       to the mixture's CDF;
 *   2D, 8 Gaussians (sd 0.15) on a circle of radius 2: the largest departure
 *       of a mode's share of the samples from 1/8, and the mean radius (the
 *       data's is 2 + 0.15^2 / 4 = 2.0056, to first order).
 * With exact predictions the only errors are the sampler's discretization
 * and the sample's randomness (about 1 / sqrt(samples) for KS).
 *
 * usage: mixtures [samples]    (default 65536)
 * tests/test_samplers.c is the statistical test of the same, with bounds. */
#include <diffkern.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define PI 3.14159265358979323846

/* ---- the data and its noise prediction ---- */

typedef struct mixture {
    int dim, modes;
    double mu[8][2], sd;
} mixture; /* equal weights */

/* E[eps | x_t = x] at alpha_bar ab: x_t is a mixture of N(sqrt(ab) mu_k, v),
 * v = ab sd^2 + 1 - ab, and E[eps | x] = sqrt(1 - ab) (x - sum_k r_k(x)
 * sqrt(ab) mu_k) / v, with r_k the posterior probability of mode k. */
static void predict(const mixture *mx, double ab, size_t n, const float *x, float *eps)
{
    const double v = ab * mx->sd * mx->sd + 1.0 - ab, sa = sqrt(ab);
    for (size_t i = 0; i < n; i++) {
        const float *p = x + i * (size_t)mx->dim;
        double logp[8], top = -INFINITY, sum = 0, mean[2] = {0, 0};
        for (int k = 0; k < mx->modes; k++) {
            double d2 = 0;
            for (int j = 0; j < mx->dim; j++)
                d2 += (p[j] - sa * mx->mu[k][j]) * (p[j] - sa * mx->mu[k][j]);
            logp[k] = -d2 / (2 * v);
            top = logp[k] > top ? logp[k] : top;
        }
        for (int k = 0; k < mx->modes; k++) {
            const double r = exp(logp[k] - top);
            sum += r;
            for (int j = 0; j < mx->dim; j++)
                mean[j] += r * sa * mx->mu[k][j];
        }
        for (int j = 0; j < mx->dim; j++)
            eps[i * (size_t)mx->dim + j] = (float)(sqrt(1.0 - ab) * (p[j] - mean[j] / sum) / v);
    }
}

/* ---- the samplers: one batch row of n values, the same t for all ---- */

typedef enum sampler { DDPM, DDIM_ETA0, DDIM_ETA1, SDE, ODE } sampler;
static const char *const sampler_name[] = {"DDPM, 1000 steps", "DDIM, 50 steps, eta 0",
                                           "DDIM, 50 steps, eta 1", "reverse SDE, 1000 steps",
                                           "prob. flow ODE, 250 steps"};

/* Draws n values (samples x dim) into x from pure noise; eps is scratch. */
static dk_status draw(const dk_schedule *s, const mixture *mx, sampler which, size_t n, float *x, float *eps)
{
    const uint64_t seed = 2026;
    dk_status st = dk_randn((dk_noise){seed, 0, 0}, x, n); /* x_T, stream 0 */
    const int32_t T = dk_schedule_steps(s);
    const int steps = which == DDPM || which == SDE ? T : which == ODE ? 250 : 50;
    int32_t *t = malloc((size_t)steps * sizeof *t), *t_prev = malloc((size_t)steps * sizeof *t_prev);
    if (!t || !t_prev)
        st = DK_ERR_OUT_OF_MEMORY;
    if (st == DK_OK) /* diffusers' trailing spacing: from t = T down, the last step to t = 0 */
        st = dk_timesteps(T, steps, DK_SPACING_TRAILING, 0, 1, t, t_prev);
    const dk_step_opts opts = {.eta = which == DDIM_ETA1 ? 1.0f : 0.0f};
    for (int i = 0; i < steps && st == DK_OK; i++) {
        predict(mx, dk_schedule_alpha_bar(s, t[i]), n / (size_t)mx->dim, x, eps);
        const dk_noise noise = {seed, (uint64_t)i + 1, 0}; /* a stream per step */
        switch (which) {
        case DDPM:
            st = dk_p_step_randn(s, &t[i], 1, n, x, eps, noise, &opts, x);
            break;
        case DDIM_ETA0:
        case DDIM_ETA1:
            st = dk_ddim_step_randn(s, &t[i], &t_prev[i], 1, n, x, eps, noise, &opts, x);
            break;
        case SDE:
            st = dk_sde_step_randn(s, &t[i], &t_prev[i], 1, n, x, eps, noise, &opts, x);
            break;
        case ODE:
            st = dk_ode_step(s, &t[i], &t_prev[i], 1, n, x, eps, &opts, x);
            break;
        }
    }
    free(t);
    free(t_prev);
    return st;
}

/* ---- how far from the data ---- */

static int by_value(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov distance of n samples to the 1D mixture's CDF. */
static double ks_distance(const mixture *mx, float *x, size_t n)
{
    qsort(x, n, sizeof *x, by_value);
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        double cdf = 0;
        for (int k = 0; k < mx->modes; k++)
            cdf += 0.5 * erfc(-(x[i] - mx->mu[k][0]) / (mx->sd * sqrt(2.0))) / mx->modes;
        const double above = (double)(i + 1) / (double)n - cdf, below = cdf - (double)i / (double)n;
        d = fmax(d, fmax(above, below));
    }
    return d;
}

/* 2D: the largest |share of a mode's sector - 1/8| and the mean radius. */
static void circle_figures(const float *x, size_t samples, double *worst_share, double *radius)
{
    size_t count[8] = {0};
    double r = 0;
    for (size_t i = 0; i < samples; i++) {
        const double a = atan2(x[2 * i + 1], x[2 * i]);
        const int sector = ((int)floor(a / (2 * PI / 8) + 0.5) + 8) % 8; /* the nearest mode */
        count[sector]++;
        r += hypot(x[2 * i], x[2 * i + 1]);
    }
    *worst_share = 0;
    for (int k = 0; k < 8; k++)
        *worst_share = fmax(*worst_share, fabs((double)count[k] / (double)samples - 1.0 / 8));
    *radius = r / (double)samples;
}

int main(int argc, char **argv)
{
    const size_t samples = argc > 1 ? strtoul(argv[1], NULL, 10) : 65536;
    if (samples < 16) {
        fprintf(stderr, "usage: mixtures [samples >= 16]\n");
        return 2;
    }
    const mixture bimodal = {1, 2, {{-2, 0}, {2, 0}}, 0.3};
    mixture circle = {2, 8, {{0}}, 0.15};
    for (int k = 0; k < 8; k++)
        circle.mu[k][0] = 2 * cos(2 * PI * k / 8), circle.mu[k][1] = 2 * sin(2 * PI * k / 8);

    dk_schedule *s = NULL;
    dk_status st = dk_schedule_create(&s, DK_BETA_LINEAR, 1000, 1e-4, 0.02);
    float *x = malloc(2 * samples * sizeof *x), *eps = malloc(2 * samples * sizeof *eps);
    if (st == DK_OK && (!x || !eps))
        st = DK_ERR_OUT_OF_MEMORY;
    if (st == DK_OK)
        printf("%zu samples each, on %s; the KS distance of that many samples from the law itself is "
               "about %.4f\n\n%-27s %12s   %18s %12s\n",
               samples, dk_isa_name(dk_isa_active()), 0.87 / sqrt((double)samples), "sampler", "1D: KS",
               "2D: worst share", "mean radius");
    if (st == DK_OK)
        printf("%-27s %12s   %18s %12s\n", "(the data)", "0", "0", "2.0056");
    for (int which = DDPM; which <= ODE && st == DK_OK; which++) {
        double ks = 0, share = 0, radius = 0;
        st = draw(s, &bimodal, (sampler)which, samples, x, eps);
        if (st == DK_OK)
            ks = ks_distance(&bimodal, x, samples);
        if (st == DK_OK)
            st = draw(s, &circle, (sampler)which, 2 * samples, x, eps);
        if (st == DK_OK) {
            circle_figures(x, samples, &share, &radius);
            printf("%-27s %12.4f   %11.4f of 1/8 %12.4f\n", sampler_name[which], ks, share, radius);
        }
    }
    if (st != DK_OK)
        fprintf(stderr, "mixtures: %s\n", dk_status_str(st));
    free(x);
    free(eps);
    dk_schedule_destroy(s);
    return st == DK_OK ? 0 : 1;
}
