/* The public entry points of likelihood (DESIGN.md section 7): the terms of
 * the variational bound and the prior term. The float work is one row sum
 * per row (kernels/vlb.c); each term is a few double operations on it, and
 * the discretized decoder a log-probability per element from the exact
 * normal CDF. */
#include <math.h>

#include "call.h"
#include "coefs.h"

/* ---- the normal tail in logs ---- */

/* ln Q(z), Q(z) = P(N(0, 1) > z) = erfc(z / sqrt 2) / 2: erfc itself until it
 * nears underflow (z = 37.5), beyond that the asymptotic series of
 * Abramowitz & Stegun 26.2.12, whose first left-out term is below 2^-49 of
 * the sum there. */
static double log_q(double z)
{
    if (z < 37.0)
        return log(0.5 * erfc(z / sqrt(2.0)));
    const double r = 1.0 / (z * z);
    const double series = r * (-1.0 + r * (3.0 + r * (-15.0 + r * (105.0 + r * -945.0))));
    return -0.5 * z * z - log(z) - 0.5 * log(2.0 * 3.14159265358979323846) + log1p(series);
}

/* ln(Q(a) - Q(b)) for a < b, with no cancellation: on either side of 0 the
 * smaller tail is the one written out; across 0, 1 minus both tails. */
static double log_q_diff(double a, double b)
{
    if (a >= 0.0)
        return log_q(a) + log(-expm1(log_q(b) - log_q(a)));
    if (b <= 0.0) /* Q(a) - Q(b) = Q(-b) - Q(-a) */
        return log_q(-b) + log(-expm1(log_q(-a) - log_q(-b)));
    return log1p(-(0.5 * erfc(b / sqrt(2.0)) + 0.5 * erfc(-a / sqrt(2.0))));
}

/* -ln P(bin of x) under N(mean, sigma^2): Ho et al. 2020's discretized
 * decoder, bins of width 2/255 centred on x, open beyond -0.999 and 0.999
 * (their code's bounds). */
static double discrete_nll(double x, double mean, double sigma)
{
    const double lo = (x - mean - 1.0 / 255.0) / sigma, hi = (x - mean + 1.0 / 255.0) / sigma;
    if (x < -0.999)
        return -log_q(-hi); /* ln Phi(hi) */
    if (x > 0.999)
        return -log_q(lo); /* ln(1 - Phi(lo)) */
    return -log_q_diff(lo, hi);
}

/* -a - ln(1 - a), a in [0, 1), which is a^2 / 2 + a^3 / 3 + ...: by that
 * series where the logarithm would cancel (a < 0.1, whose terms past the
 * 40th are below 2^-60 of the sum), else directly (cancelling no more than
 * 2^-49 of it). Both the prior and the KL of two variances are this. */
static double log_gap(double a)
{
    if (a >= 0.1)
        return -a - log1p(-a);
    double term = a, sum = 0.0;
    for (int k = 2; k <= 40; k++) {
        term *= a;
        sum += term / k;
    }
    return sum;
}

/* ---- the variational bound ---- */

typedef struct vlb_call {
    dk_decoder dec;
} vlb_call;

static dk_status check_decoder(const dk_call *c)
{
    const vlb_call *v = c->ctx;
    return (unsigned)v->dec >= DK_DECODER_COUNT ? DK_ERR_DECODER : DK_OK;
}

/* The discretized decoder's data must lie in [-1, 1]: x0 of rows at t = 1. */
static dk_status check_decoder_row(const dk_call *c, size_t r)
{
    const vlb_call *v = c->ctx;
    if (v->dec != DK_DECODER_DISCRETE_8BIT || c->t[r] != 1)
        return DK_OK;
    const float *x0 = c->in[0] + r * c->dim;
    for (size_t j = 0; j < c->dim; j++)
        if (!(x0[j] >= -1.0f && x0[j] <= 1.0f)) /* NaN too */
            return DK_ERR_DECODER;
    return DK_OK;
}

/* The decoder's variance: beta_tilde_2, or beta_1 when T = 1. */
static double decoder_var(const dk_schedule *s) { return s->steps >= 2 ? s->post_var[2] : s->beta[1]; }

/* The discretized decoder's nats for a row, its means made a piece at a time. */
static double discrete_row(const dk_call *c, const dk_kargs *row)
{
    enum { PIECE = 1024 };
    float mean[PIECE];
    const double sigma = sqrt(decoder_var(c->s));
    double nats = 0.0;
    for (size_t at = 0; at < c->dim; at += PIECE) {
        const size_t len = c->dim - at < PIECE ? c->dim - at : PIECE;
        dk_kargs piece = *row;
        double unused;
        for (int i = 0; i < c->inputs; i++)
            piece.in[i] = row->in[i] ? row->in[i] + at : NULL;
        piece.out[0] = mean;
        piece.sum = &unused;
        dk_kernel(c, DK_KERNEL_x0_err)(len, &piece);
        for (size_t j = 0; j < len; j++)
            nats += discrete_nll(piece.in[0][j], mean[j], sigma);
    }
    return nats;
}

static void vlb_run(const dk_call *c, size_t r0, size_t n, dk_kargs *a)
{
    const vlb_call *v = c->ctx;
    const dk_schedule *s = c->s;
    const int32_t t = c->t[r0];
    int x0_form, mode;
    a->c = dk_step_coefs_of(s, DK_SAMPLER_DDPM, t, t - 1, c->opts, NULL, &x0_form, &mode);
    a->mode = c->opts->clip > 0.0f; /* x0_err's clamp */
    /* The row's nats = k2 * sum + dim * k0. t >= 2: the KL of N(c0 x0 + c1 x,
     * bq) from N(c0 x0_hat + c1 x, bp), bq = beta_tilde_t: (c0^2 / (2 bp)) sum
     * + dim (ln(bp / bq) + bq / bp - 1) / 2. t = 1 (c0 = 1): the Gaussian
     * decoder's sum / (2 var) + dim ln(2 pi var) / 2. */
    double k2, k0;
    if (t >= 2) {
        const double ab = s->alpha_bar[t], beta = s->beta[t],
                     c0 = beta * sqrt(s->alpha_bar[t - 1]) / (1.0 - ab);
        const double bq = s->post_var[t], bp = c->opts->variance == DK_VAR_FIXED_LARGE ? beta : bq;
        k2 = c0 * c0 / (2.0 * bp);
        /* (ln(bp / bq) + bq / bp - 1) / 2 = log_gap(1 - bq / bp) / 2, and
         * 1 - bq / beta = (ap - ab) / (1 - ab) without cancellation */
        k0 = bp == bq ? 0.0 : 0.5 * log_gap((s->alpha_bar[t - 1] - ab) / (1.0 - ab));
    } else {
        const double var = decoder_var(s);
        k2 = 1.0 / (2.0 * var);
        k0 = 0.5 * log(2.0 * 3.14159265358979323846 * var);
    }
    double *nats = c->row_out;
    for (size_t r = r0; r < r0 + n / c->dim; r++) {
        if (t == 1 && v->dec == DK_DECODER_DISCRETE_8BIT) {
            nats[r] = discrete_row(c, a);
        } else {
            double sum;
            a->sum = &sum;
            dk_kernel(c, DK_KERNEL_x0_err)(c->dim, a);
            nats[r] = k2 * sum + (double)c->dim * k0;
        }
        dk_kargs_next_row(c, a);
    }
}

dk_status dk_vlb_terms(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *x0,
                       const float *xt, const float *model_out, const dk_step_opts *opts, dk_decoder dec,
                       double *nats)
{
    const vlb_call v = {dec};
    dk_call c = dk_call_rows(s, t, rows, dim, 1);
    dk_in(&c, x0);
    dk_in(&c, xt);
    dk_in(&c, model_out);
    dk_in_opt(&c, dk_uncond_of(opts));
    dk_with_opts(&c, opts, DK_OPTS_MEAN);
    dk_out_rows(&c, nats, sizeof *nats, 0);
    c.ctx = &v;
    c.check_own_opts = check_decoder;
    c.check_own_row = check_decoder_row;
    return dk_call_do(&c, vlb_run);
}

/* ---- the prior term ---- */

static void prior_run(const dk_call *c, size_t r0, size_t n, dk_kargs *a)
{
    const double ab = c->s->alpha_bar[c->s->steps];
    double *nats = c->row_out;
    for (size_t r = r0; r < r0 + n / c->dim; r++) {
        double sum;
        a->sum = &sum;
        dk_kernel(c, DK_KERNEL_sum_sq)(c->dim, a);
        /* KL(N(sqrt(ab) x0, 1 - ab) || N(0, 1)) = (ab x0^2 - ab - ln(1 - ab)) / 2 per value */
        nats[r] = 0.5 * (ab * sum + (double)c->dim * log_gap(ab));
        dk_kargs_next_row(c, a);
    }
}

dk_status dk_prior_kl(const dk_schedule *s, size_t rows, size_t dim, const float *x0, double *nats)
{
    dk_call c = dk_call_untimed(s, rows, dim);
    dk_in(&c, x0);
    dk_out_rows(&c, nats, sizeof *nats, 0);
    return dk_call_do(&c, prior_run);
}
