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
    if (n > SIZE_MAX / (3 * sizeof(double) + 2 * sizeof(float) + sizeof(dk_step_coefs)) - 1)
        return NULL;
    const size_t bytes =
        sizeof(dk_schedule) + n * (3 * sizeof(double)) + n * sizeof(dk_step_coefs) + n * (2 * sizeof(float));
    dk_schedule *s = calloc(1, bytes);
    if (!s)
        return NULL;
    /* Doubles first, then the coefficient structs, then floats: each part
     * stays aligned for its type. */
    char *p = (char *)(s + 1);
    s->steps = T;
    s->beta = (double *)p, p += n * sizeof(double);
    s->alpha_bar = (double *)p, p += n * sizeof(double);
    s->post_var = (double *)p, p += n * sizeof(double);
    s->step = (dk_step_coefs *)p, p += n * sizeof(dk_step_coefs);
    s->sigma_small = (float *)p, p += n * sizeof(float);
    s->sigma_large = (float *)p;
    return s;
}

/* False if a float coefficient of step t overflowed (alpha_bar_t so small
 * that 1 / sqrt(alpha_bar_t) exceeds FLT_MAX). */
static int coefs_finite(const dk_schedule *s, int32_t t)
{
    const dk_step_coefs *c = &s->step[t];
    const float all[] = {s->sigma_small[t], s->sigma_large[t], c->c_out, c->c_eps, c->sqrt_abar,
                         c->r_sqrt_abar,    c->sqrt_1m_abar,   c->c0,    c->c1};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!isfinite(all[i]))
            return 0;
    return 1;
}

/* Given beta[1..T], derives everything else; fails if a step is degenerate
 * in double (1 - abar_t rounds to 0, so the coefficients would be infinite). */
static dk_status schedule_derive(dk_schedule *s)
{
    const int32_t T = s->steps;
    s->beta[0] = NAN;
    s->post_var[0] = NAN;
    s->alpha_bar[0] = 1.0;
    s->step[0] = (dk_step_coefs){.sqrt_abar = 1.0f, .sqrt_1m_abar = 0.0f}; /* q_sample at t = 0 */
    for (int32_t t = 1; t <= T; t++) {
        const double beta = s->beta[t];
        if (!beta_in_range(beta))
            return DK_ERR_BETA;
        const double alpha = 1.0 - beta;
        const double abar_prev = s->alpha_bar[t - 1];
        const double abar = abar_prev * alpha;
        const double one_m_abar = 1.0 - abar;
        if (!(abar > 0.0) || !(one_m_abar > 0.0))
            return DK_ERR_BETA;
        s->alpha_bar[t] = abar;
        s->post_var[t] = beta * (1.0 - abar_prev) / one_m_abar;
        s->sigma_small[t] = (float)sqrt(s->post_var[t]);
        s->sigma_large[t] = (float)sqrt(beta);
        s->step[t] = (dk_step_coefs){
            .c_out = (float)(1.0 / sqrt(alpha)),
            .c_eps = (float)(beta / sqrt(one_m_abar)),
            .sqrt_abar = (float)sqrt(abar),
            .r_sqrt_abar = (float)(1.0 / sqrt(abar)),
            .sqrt_1m_abar = (float)sqrt(one_m_abar),
            .c0 = (float)(beta * sqrt(abar_prev) / one_m_abar),
            .c1 = (float)((1.0 - abar_prev) * sqrt(alpha) / one_m_abar),
            .sigma = 0.0f,
            .clip = 0.0f,
        };
        if (!coefs_finite(s, t))
            return DK_ERR_BETA;
    }
    return DK_OK;
}

static dk_status schedule_finish(dk_schedule *s, dk_schedule **out)
{
    const dk_status st = schedule_derive(s);
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
    return schedule_finish(s, out);
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
    return schedule_finish(s, out);
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

dk_step_coefs dk_schedule_coefs(const dk_schedule *s, int32_t t, const dk_step_opts *opts)
{
    dk_step_coefs c = s->step[t];
    c.sigma = (opts->variance == DK_VAR_FIXED_LARGE ? s->sigma_large : s->sigma_small)[t];
    c.clip = opts->clip > 0.0f ? opts->clip : INFINITY;
    return c;
}

double dk_schedule_posterior_variance(const dk_schedule *s, int32_t t)
{
    return s && t >= 1 && t <= s->steps ? s->post_var[t] : NAN;
}
