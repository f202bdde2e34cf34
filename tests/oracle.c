#include "oracle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "noise_ref.h"

static double *alloc_doubles(size_t n)
{
    double *p = calloc(n, sizeof *p);
    if (!p)
        abort();
    return p;
}

static oracle_schedule finish(oracle_schedule s)
{
    s.ab = alloc_doubles((size_t)s.T + 1);
    s.ab[0] = 1.0;
    for (int t = 1; t <= s.T; t++)
        s.ab[t] = s.ab[t - 1] * (1.0 - s.beta[t]);
    return s;
}

oracle_schedule oracle_schedule_make(dk_beta_schedule kind, int T, double b0, double b1)
{
    oracle_schedule s = {T, alloc_doubles((size_t)T + 1), NULL};
    for (int k = 0; k < T; k++) {
        /* fraction of the way along a linspace of T points */
        const double f = T > 1 ? (double)k / (T - 1) : 0.0;
        double b;
        if (kind == DK_BETA_LINEAR) {
            b = b0 + (b1 - b0) * f;
        } else if (kind == DK_BETA_SCALED_LINEAR) {
            const double r = sqrt(b0) + (sqrt(b1) - sqrt(b0)) * f;
            b = r * r;
        } else if (kind == DK_BETA_COSINE) {
            /* alpha_bar(u) = cos^2(pi/2 (u + s)/(1 + s)), beta = 1 - ab(u2)/ab(u1) <= 0.999 */
            const double s8 = 0.008, half_pi = acos(0.0);
            const double c1 = cos(half_pi * ((double)k / T + s8) / (1 + s8));
            const double c2 = cos(half_pi * ((double)(k + 1) / T + s8) / (1 + s8));
            b = 1.0 - (c2 * c2) / (c1 * c1);
            if (b > 0.999)
                b = 0.999;
        } else {
            const double x = -6.0 + 12.0 * f;
            b = b0 + (b1 - b0) / (1.0 + exp(-x));
        }
        s.beta[k + 1] = b;
    }
    return finish(s);
}

oracle_schedule oracle_schedule_from(const double *betas, int T)
{
    oracle_schedule s = {T, alloc_doubles((size_t)T + 1), NULL};
    for (int k = 0; k < T; k++)
        s.beta[k + 1] = betas[k];
    return finish(s);
}

void oracle_schedule_free(oracle_schedule *s)
{
    free(s->beta);
    free(s->ab);
    s->beta = s->ab = NULL;
}

/* ---- noise ---- */

double oracle_normal(uint64_t seed, uint64_t stream, uint64_t e, double *radius)
{
    uint32_t w[4];
    noise_ref_block_words(seed, stream, e / 4, w);
    const int pair = (int)(e % 4 / 2);
    const uint32_t ra = w[2 * pair], rb = w[2 * pair + 1];
    /* the uniforms exactly as the spec computes them in float */
    const float u1 = (float)(int32_t)(ra >> 1) * 0x1p-31f + 0x1p-32f;
    const float u2 = (float)(rb >> 8) * 0x1p-24f;
    const double pi = 3.14159265358979323846;
    *radius = sqrt(-2.0 * log((double)u1));
    const double angle = 2.0 * pi * (double)u2;
    return *radius * (e % 2 ? sin(angle) : cos(angle));
}

/* ---- the mixing steps ---- */

static double row_t(const api_args *g, size_t i) { return g->t[i / g->dim]; }

static void q_sample_value(const oracle_schedule *s, int t, double x0, double eps, oracle_value *v)
{
    const double a = sqrt(s->ab[t]), b = sqrt(1.0 - s->ab[t]);
    v->want = a * x0 + b * eps;
    v->mag = fabs(a * x0) + fabs(b * eps);
    v->largest = fmax(fmax(fabs(a * x0), fabs(b * eps)), fabs(v->want));
    v->k_fused = v->k_plain = 3; /* a, b * eps, the sum */
    v->form = "q_sample";
}

static void oracle_q_sample(const api_args *g, const oracle_schedule *s, int k, size_t i, oracle_value *v)
{
    (void)k;
    q_sample_value(s, (int)row_t(g, i), g->in[0][i], g->in[1][i], v);
}

/* The noise of element i in a call with noise, as a term of scale `scale`:
 * adds its error allowance to v. */
static void add_noise_error(oracle_value *v, double scale, double radius)
{
    v->mag += scale * radius;
    v->k_fused += ORACLE_K_NORMAL;
    v->k_plain += ORACLE_K_NORMAL;
}

static void oracle_randn(const api_args *g, const oracle_schedule *s, int k, size_t i, oracle_value *v)
{
    (void)s, (void)k;
    double radius;
    v->want = oracle_normal(g->noise.seed, g->noise.stream, g->noise.offset + i, &radius);
    v->mag = v->largest = radius;
    v->k_fused = v->k_plain = ORACLE_K_NORMAL;
    v->form = "normal";
}

static void oracle_q_sample_randn(const api_args *g, const oracle_schedule *s, int k, size_t i,
                                  oracle_value *v)
{
    if (k == 1) { /* eps_out: the noise itself */
        oracle_randn(g, s, k, i, v);
        return;
    }
    double radius;
    const double z = oracle_normal(g->noise.seed, g->noise.stream, g->noise.offset + i, &radius);
    const int t = (int)row_t(g, i);
    q_sample_value(s, t, g->in[0][i], z, v);
    v->mag -= fabs(sqrt(1.0 - s->ab[t]) * z); /* counted again, as b * radius */
    add_noise_error(v, sqrt(1.0 - s->ab[t]), radius);
    v->form = "q_sample_randn";
}

/* One element of p_step (z_or_nan: the noise, or NaN for none). */
static void p_step_value(const oracle_schedule *s, int t, double xt, double m, double z,
                         const dk_step_opts *o, oracle_value *v)
{
    const double beta = s->beta[t], alpha = 1.0 - beta;
    const double ab = s->ab[t], ab_prev = s->ab[t - 1];
    const double var = o->variance == DK_VAR_FIXED_LARGE ? beta : beta * (1.0 - ab_prev) / (1.0 - ab);
    const double noise = isnan(z) || t == 1 ? 0.0 : sqrt(var) * z;

    if (o->prediction == DK_PRED_EPSILON && !(o->clip > 0)) {
        /* DDPM eq. 11: (x_t - beta / sqrt(1 - ab) eps) / sqrt(alpha) + sigma z */
        const double k = beta / sqrt(1.0 - ab);
        const double terms[3] = {xt / sqrt(alpha), k * m / sqrt(alpha), noise};
        v->want = (xt - k * m) / sqrt(alpha) + noise;
        v->mag = fabs(terms[0]) + fabs(terms[1]) + fabs(terms[2]);
        v->largest = fmax(fmax(fabs(terms[0]), fabs(terms[1])), fmax(fabs(terms[2]), fabs(v->want)));
        v->k_fused = 5; /* c_eps, c_out, inner fma, product, noise fma */
        v->k_plain = 6;
        v->form = "p_step, epsilon form";
        return;
    }
    double x0, x0_mag, x0_terms[2];
    if (o->prediction == DK_PRED_EPSILON) {
        x0_terms[0] = xt / sqrt(ab), x0_terms[1] = sqrt(1.0 - ab) * m / sqrt(ab);
        x0 = x0_terms[0] - x0_terms[1];
    } else if (o->prediction == DK_PRED_V) {
        x0_terms[0] = sqrt(ab) * xt, x0_terms[1] = sqrt(1.0 - ab) * m;
        x0 = x0_terms[0] - x0_terms[1];
    } else {
        x0_terms[0] = m, x0_terms[1] = 0;
        x0 = m;
    }
    x0_mag = fabs(x0_terms[0]) + fabs(x0_terms[1]);
    if (o->clip > 0)
        x0 = fmin(fmax(x0, -(double)o->clip), (double)o->clip);
    /* posterior mean, DDPM eq. 7 */
    const double c0 = beta * sqrt(ab_prev) / (1.0 - ab);
    const double c1 = (1.0 - ab_prev) * sqrt(alpha) / (1.0 - ab);
    v->want = c0 * x0 + c1 * xt + noise;
    v->mag = c0 * x0_mag + fabs(c1 * xt) + fabs(noise);
    v->largest = fmax(fmax(c0 * fabs(x0_terms[0]), c0 * fabs(x0_terms[1])),
                      fmax(fmax(fabs(c1 * xt), fabs(noise)), fabs(v->want)));
    v->k_fused = 7; /* r, s, inner, product, c0, mu, noise */
    v->k_plain = 9;
    v->form = "p_step, posterior form";
}

static const dk_step_opts default_opts = {DK_PRED_EPSILON, DK_VAR_FIXED_SMALL, 0.0f};

static void oracle_p_step(const api_args *g, const oracle_schedule *s, int k, size_t i, oracle_value *v)
{
    (void)k;
    const double z = g->in[2] ? g->in[2][i] : NAN;
    p_step_value(s, (int)row_t(g, i), g->in[0][i], g->in[1][i], z, g->opts ? g->opts : &default_opts, v);
}

static void oracle_p_step_randn(const api_args *g, const oracle_schedule *s, int k, size_t i, oracle_value *v)
{
    (void)k;
    const dk_step_opts *o = g->opts ? g->opts : &default_opts;
    const int t = (int)row_t(g, i);
    double radius = 0, z = NAN;
    if (t > 1)
        z = oracle_normal(g->noise.seed, g->noise.stream, g->noise.offset + i, &radius);
    p_step_value(s, t, g->in[0][i], g->in[1][i], z, o, v);
    if (t > 1) {
        const double beta = s->beta[t];
        const double var =
            o->variance == DK_VAR_FIXED_LARGE ? beta : beta * (1.0 - s->ab[t - 1]) / (1.0 - s->ab[t]);
        v->mag -= fabs(sqrt(var) * z); /* counted again, as sigma * radius */
        add_noise_error(v, sqrt(var), radius);
        v->form =
            v->k_fused == 5 + ORACLE_K_NORMAL ? "p_step_randn, epsilon form" : "p_step_randn, posterior form";
    }
}

oracle_fn oracle_for(const char *function)
{
    static const struct {
        const char *name;
        oracle_fn fn;
    } table[] = {
        {"dk_q_sample", oracle_q_sample},
        {"dk_p_step", oracle_p_step},
        {"dk_randn", oracle_randn},
        {"dk_q_sample_randn", oracle_q_sample_randn},
        {"dk_p_step_randn", oracle_p_step_randn},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, function) == 0)
            return table[i].fn;
    return NULL;
}
