/* Schedule math, all in double: betas of each kind, alpha_bar, the posterior
 * variance, and the float coefficients of each step. */
#include "schedule.h"

#include <math.h>
#include <stdlib.h>

#define PI              3.14159265358979323846
#define COSINE_S        0.008
#define COSINE_MAX_BETA 0.999

/* numpy.linspace(start, stop, count)[i]: start + i * step, the last exactly stop. */
static double linspace_at(double start, double stop, int32_t count, int32_t i)
{
    if (count == 1)
        return start;
    if (i == count - 1)
        return stop;
    return start + (double)i * ((stop - start) / (double)(count - 1));
}

/* Nichol & Dhariwal's f(u) = cos((u + s) / (1 + s) * pi / 2)^2, u = t / T. */
static double cosine_f(double u)
{
    const double c = cos((u + COSINE_S) / (1.0 + COSINE_S) * (PI / 2.0));
    return c * c;
}

static void fill_betas(double *beta, dk_beta_schedule kind, int32_t T, double start, double end)
{
    for (int32_t i = 0; i < T; i++) {
        double b;
        switch (kind) {
        case DK_BETA_LINEAR:
            b = linspace_at(start, end, T, i);
            break;
        case DK_BETA_SCALED_LINEAR: {
            const double r = linspace_at(sqrt(start), sqrt(end), T, i);
            b = r * r;
            break;
        }
        case DK_BETA_COSINE: {
            const double ratio = cosine_f((double)(i + 1) / T) / cosine_f((double)i / T);
            b = fmin(1.0 - ratio, COSINE_MAX_BETA);
            break;
        }
        case DK_BETA_SIGMOID:
        default: {
            const double u = linspace_at(-6.0, 6.0, T, i);
            b = 1.0 / (1.0 + exp(-u)) * (end - start) + start;
            break;
        }
        }
        beta[i + 1] = b;
    }
}

static int beta_in_range(double b) { return b > 0.0 && b < 1.0; } /* false for NaN */

/* Allocates a schedule for T steps in one block. */
static dk_schedule *schedule_alloc(int32_t T)
{
    const size_t n = (size_t)T + 1;
    if (n > SIZE_MAX / (3 * sizeof(double)) - 1)
        return NULL;
    dk_schedule *s = calloc(1, sizeof(dk_schedule) + n * 3 * sizeof(double));
    if (!s)
        return NULL;
    double *p = (double *)(s + 1);
    s->steps = T;
    s->beta = p;
    s->alpha_bar = p + n;
    s->post_var = p + 2 * n;
    return s;
}

/* The smallest alpha_bar whose coefficients stay finite in float:
 * 1 / sqrt(alpha_bar) and beta / sqrt(alpha_bar) below FLT_MAX with room. */
#define MIN_ALPHA_BAR 1e-70

/* Given beta[1..T] (or, with from_alpha_bar, alpha_bar[1..T]), derives the
 * other and the posterior variance. Fails if a step is degenerate: alpha_bar_t
 * so small that a float coefficient would overflow (only alpha_bar_T may be 0
 * exactly: zero terminal SNR, with beta_T = 1), or 1 - alpha_bar_t rounds to 0. */
static dk_status schedule_derive(dk_schedule *s, int from_alpha_bar)
{
    const int32_t T = s->steps;
    s->beta[0] = NAN;
    s->post_var[0] = NAN;
    s->alpha_bar[0] = 1.0;
    for (int32_t t = 1; t <= T; t++) {
        const double abar_prev = s->alpha_bar[t - 1];
        if (from_alpha_bar)
            s->beta[t] = s->alpha_bar[t] == 0.0 ? 1.0 : 1.0 - s->alpha_bar[t] / abar_prev;
        const double beta = s->beta[t];
        const int zero_snr = t == T && beta == 1.0;
        if (!beta_in_range(beta) && !zero_snr)
            return DK_ERR_BETA;
        const double abar = from_alpha_bar ? s->alpha_bar[t] : zero_snr ? 0.0 : abar_prev * (1.0 - beta);
        const double one_m_abar = 1.0 - abar;
        if ((!(abar >= MIN_ALPHA_BAR) && !zero_snr) || !(one_m_abar > 0.0))
            return DK_ERR_BETA;
        s->alpha_bar[t] = abar;
        s->post_var[t] = beta * (1.0 - abar_prev) / one_m_abar;
    }
    return DK_OK;
}

static dk_status schedule_finish(dk_schedule *s, dk_schedule **out, int from_alpha_bar)
{
    const dk_status st = schedule_derive(s, from_alpha_bar);
    if (st != DK_OK) {
        free(s);
        return st;
    }
    *out = s;
    return DK_OK;
}

dk_status dk_schedule_create(dk_schedule **out, dk_beta_schedule kind, int32_t T, double beta_start,
                             double beta_end)
{
    if (!out)
        return DK_ERR_NULL_POINTER;
    if ((unsigned)kind > DK_BETA_SIGMOID)
        return DK_ERR_SCHEDULE_KIND;
    if (T < 1)
        return DK_ERR_STEPS;
    if (kind != DK_BETA_COSINE && (!beta_in_range(beta_start) || !beta_in_range(beta_end)))
        return DK_ERR_BETA;
    dk_schedule *s = schedule_alloc(T);
    if (!s)
        return DK_ERR_OUT_OF_MEMORY;
    fill_betas(s->beta, kind, T, beta_start, beta_end);
    return schedule_finish(s, out, 0);
}

dk_status dk_schedule_from_betas(dk_schedule **out, const double *betas, int32_t T)
{
    if (!out || !betas)
        return DK_ERR_NULL_POINTER;
    if (T < 1)
        return DK_ERR_STEPS;
    for (int32_t i = 0; i < T; i++)
        if (!beta_in_range(betas[i]))
            return DK_ERR_BETA;
    dk_schedule *s = schedule_alloc(T);
    if (!s)
        return DK_ERR_OUT_OF_MEMORY;
    for (int32_t i = 0; i < T; i++)
        s->beta[i + 1] = betas[i];
    return schedule_finish(s, out, 0);
}

/* 1 > alpha_bar_1 > ... > alpha_bar_T >= 0, only the last one 0. */
static int alpha_bar_valid(const double *ab, int32_t T)
{
    double prev = 1.0;
    for (int32_t i = 0; i < T; i++) {
        const int last = i == T - 1;
        if (!(ab[i] < prev) || !(last ? ab[i] >= 0.0 : ab[i] > 0.0))
            return 0; /* NaN fails too */
        prev = ab[i];
    }
    return 1;
}

dk_status dk_schedule_from_alpha_bar(dk_schedule **out, const double *alpha_bar, int32_t T)
{
    if (!out || !alpha_bar)
        return DK_ERR_NULL_POINTER;
    if (T < 1)
        return DK_ERR_STEPS;
    if (!alpha_bar_valid(alpha_bar, T))
        return DK_ERR_ALPHA_BAR;
    dk_schedule *s = schedule_alloc(T);
    if (!s)
        return DK_ERR_OUT_OF_MEMORY;
    /* kept as given; beta_t = 1 - alpha_bar_t / alpha_bar_{t-1} */
    for (int32_t t = 1; t <= T; t++)
        s->alpha_bar[t] = alpha_bar[t - 1];
    return schedule_finish(s, out, 1);
}

dk_status dk_schedule_rescale_zero_snr(dk_schedule **out, const dk_schedule *s)
{
    if (!out || !s)
        return DK_ERR_NULL_POINTER;
    const int32_t T = s->steps;
    if (T < 2)
        return DK_ERR_STEPS;
    double *ab = malloc((size_t)T * sizeof *ab);
    if (!ab)
        return DK_ERR_OUT_OF_MEMORY;
    /* sqrt(alpha_bar) shifted so that the last is 0, scaled so that the
     * first is unchanged (Lin et al. 2024, Algorithm 1). */
    const double first = sqrt(s->alpha_bar[1]), last = sqrt(s->alpha_bar[T]);
    const double scale = first / (first - last);
    for (int32_t t = 1; t <= T; t++) {
        const double r = t == T ? 0.0 : (sqrt(s->alpha_bar[t]) - last) * scale;
        ab[t - 1] = r * r;
    }
    const dk_status st = dk_schedule_from_alpha_bar(out, ab, T);
    free(ab);
    return st;
}

void dk_schedule_destroy(dk_schedule *s) { free(s); }

int32_t dk_schedule_steps(const dk_schedule *s) { return s ? s->steps : 0; }

double dk_schedule_beta(const dk_schedule *s, int32_t t)
{
    return s && t >= 1 && t <= s->steps ? s->beta[t] : NAN;
}

double dk_schedule_alpha_bar(const dk_schedule *s, int32_t t)
{
    return s && t >= 0 && t <= s->steps ? s->alpha_bar[t] : NAN;
}

double dk_schedule_posterior_variance(const dk_schedule *s, int32_t t)
{
    return s && t >= 1 && t <= s->steps ? s->post_var[t] : NAN;
}
