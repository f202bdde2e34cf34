/* Training end to end, on data whose best model is known in closed form.
 *
 * The data: x0 ~ N(0, s^2) per value (s = 0.5). Then x_t = sqrt(ab) x0 +
 * sqrt(1 - ab) eps is N(0, V), V = ab s^2 + 1 - ab, and the best noise
 * prediction is linear: E[eps | x_t] = a*_t x_t, a*_t = sqrt(1 - ab) / V.
 *
 * The model: one number a_t per timestep, eps_hat = a_t x_t, T = 100. It
 * learns by SGD on diffkern's training step, once without weighting and once
 * with min-SNR-5, and every a_t must end within the bound derived below:
 *
 *   dk_sample_timesteps   t per row, uniform over 1..T
 *   dk_q_sample_randn     x_t; eps is never stored
 *   model_out = a_t x_t   the "network"
 *   dk_loss_randn         d(mean row loss)/d model_out, eps regenerated from
 *                         the same noise indices as the noising used
 *   dL/da_t = sum over the rows at t of sum_j grad_j x_t_j (the chain rule)
 *
 * usage: train_linear [steps [s_check]]
 *   steps    default 12000: half to converge, half averaged
 *   s_check  the s of the a*_t the learned a_t are checked against (default
 *            0.5, the data's); another value shows that the bound is not
 *            vacuous: 0.505 must fail (a meson test expects it to)
 * It prints a_t against a*_t at a few t and exits non-zero if any a_t is
 * outside its bound.
 */
#include <diffkern.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T = 100, ROWS = 256, DIM = 64 };
static const double S = 0.5;      /* the data's standard deviation */
static const double LR = 0.2 * T; /* see the bound: a step contracts a_t - a*_t by 0.4 w V */

/* A stream of noise per use, so that no two draws share indices. */
enum { STREAM_DATA = 1, STREAM_TIMESTEPS = 2, STREAM_NOISE = 3 };

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static void check(dk_status st, const char *what)
{
    if (st != DK_OK) {
        fprintf(stderr, "%s: %s\n", what, dk_status_str(st));
        exit(2);
    }
}

/* The min-SNR-gamma weight of epsilon prediction, min(snr, gamma) / snr. */
static double min_snr_weight(double ab, double gamma)
{
    const double snr = ab / (1.0 - ab);
    return snr > gamma ? gamma / snr : 1.0;
}

/* Learns a[1..T] (the average of the iterates of the second half of the
 * run) with the given loss options, and returns how many a_t miss their
 * bound.
 *
 * The bound. At t the expected loss is w_t (a^2 V_t - 2 a b_t + 1), b_t =
 * sqrt(1 - ab), least at a*_t = b_t / V_t. About ROWS / T rows of a batch
 * have t, so a step moves a_t - a*_t by the factor 1 - h_t in expectation,
 * h_t = LR 2 w_t V_t / T, plus gradient noise. Started at 0, the error left
 * when averaging begins (after K0 steps) is at most |a*_t| (1 - h_t)^K0; we
 * allow twice that, for the randomness of the batch counts. The average of
 * the last M iterates of this AR(1) has a variance at most that of least
 * squares on the N_t = M ROWS DIM / T values it saw, sigma_t^2 / (N_t V_t),
 * sigma_t^2 = E[(eps - a*_t x_t)^2] = 1 - b_t^2 / V_t (the residual is
 * independent of x_t: jointly Gaussian, uncorrelated); we allow 5 standard
 * deviations of it (about 6e-7 two-sided per t).
 * The weight w_t changes how fast each a_t moves, not where it goes. */
static int train(const dk_schedule *s, const dk_loss_opts *opts, const char *label, long steps,
                 double s_check)
{
    const size_t n = (size_t)ROWS * DIM;
    float *x0 = xmalloc(n * sizeof *x0), *xt = xmalloc(n * sizeof *xt);
    float *model_out = xmalloc(n * sizeof *model_out), *grad = xmalloc(n * sizeof *grad);
    int32_t t[ROWS];
    double a[T + 1] = {0}, avg[T + 1] = {0};
    const long k0 = steps / 2, m = steps - k0;
    uint64_t offset = 0; /* every step takes fresh indices */

    for (long step = 0; step < steps; step++, offset += n) {
        /* a batch: data, timesteps, noised data, the model's output */
        const dk_noise data = {2026, STREAM_DATA, offset},
                       draws = {2026, STREAM_TIMESTEPS, (uint64_t)step * ROWS};
        const dk_noise noise = {2026, STREAM_NOISE, offset};
        check(dk_randn(data, x0, n), "dk_randn");
        for (size_t i = 0; i < n; i++)
            x0[i] = (float)(S * x0[i]);
        check(dk_sample_timesteps(draws, T, t, ROWS), "dk_sample_timesteps");
        check(dk_q_sample_randn(s, t, ROWS, DIM, x0, noise, NULL, xt), "dk_q_sample_randn");
        for (size_t r = 0; r < ROWS; r++)
            for (size_t j = 0; j < DIM; j++)
                model_out[r * DIM + j] = (float)(a[t[r]] * xt[r * DIM + j]);
        /* the loss's gradient with respect to the model's output, then a_t's */
        check(dk_loss_randn(s, t, ROWS, DIM, x0, noise, model_out, opts, NULL, grad), "dk_loss_randn");
        double g[T + 1] = {0};
        for (size_t r = 0; r < ROWS; r++)
            for (size_t j = 0; j < DIM; j++)
                g[t[r]] += (double)grad[r * DIM + j] * xt[r * DIM + j];
        for (int k = 1; k <= T; k++) {
            a[k] -= LR * g[k];
            if (step >= k0)
                avg[k] += a[k] / (double)m;
        }
    }

    int missed = 0;
    double worst = 0;
    printf("%s (%ld steps of %d x %d, the last %ld averaged):\n     t   alpha_bar   a_t learned   a*_t "
           "exact   bound\n",
           label, steps, ROWS, DIM, m);
    for (int k = 1; k <= T; k++) {
        const double ab = dk_schedule_alpha_bar(s, k), b = sqrt(1.0 - ab),
                     v = ab * s_check * s_check + 1.0 - ab;
        const double best = b / v, sigma2 = 1.0 - b * b / v;
        const double w = opts->weighting == DK_WEIGHT_MIN_SNR ? min_snr_weight(ab, opts->gamma) : 1.0;
        const double h = LR * 2.0 * w * v / T, values = (double)m * ROWS * DIM / T;
        const double bound =
            5.0 * sqrt(sigma2 / (values * v)) + 2.0 * fabs(best) * pow(1.0 - h, (double)k0) + 1e-6;
        const double err = fabs(avg[k] - best);
        worst = fmax(worst, err / bound);
        missed += err > bound;
        if ((k == 1 || k == 2 || k == 10 || k == 50 || k == T || err > bound))
            printf("  %4d   %9.6f   %11.6f   %10.6f   %.2g%s\n", k, ab, avg[k], best, bound,
                   err > bound ? "  MISSED" : "");
    }
    printf("  worst |a_t - a*_t| / bound: %.3f; %d of %d outside\n", worst, missed, T);
    free(x0), free(xt), free(model_out), free(grad);
    return missed;
}

int main(int argc, char **argv)
{
    const long steps = argc > 1 ? atol(argv[1]) : 12000;
    const double s_check = argc > 2 ? atof(argv[2]) : S;
    if (steps < 2 || !(s_check > 0)) {
        fprintf(stderr, "usage: train_linear [steps >= 2 [s_check > 0]]\n");
        return 2;
    }
    /* DDPM's linear schedule, its betas scaled by 1000 / T (Nichol & Dhariwal 2021) */
    dk_schedule *s = NULL;
    check(dk_schedule_create(&s, DK_BETA_LINEAR, T, 1e-3, 0.2), "dk_schedule_create");
    const dk_loss_opts plain = {DK_PRED_EPSILON, DK_WEIGHT_NONE, 0.0f, 0.0f};
    const dk_loss_opts min_snr = {DK_PRED_EPSILON, DK_WEIGHT_MIN_SNR, 5.0f, 0.0f};
    int missed = train(s, &plain, "epsilon loss, no weighting", steps, s_check);
    missed += train(s, &min_snr, "epsilon loss, min-SNR-5", steps, s_check);
    dk_schedule_destroy(s);
    printf("%s\n", missed ? "FAILED: some a_t outside their bounds" : "every a_t within its bound");
    return missed ? 1 : 0;
}
