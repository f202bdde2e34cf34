#include "oracle.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noise_ref.h"

#define U 0x1p-24 /* the unit of the error bounds */

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

oracle_schedule oracle_schedule_rescaled(const oracle_schedule *o)
{
    /* Lin et al. 2024, Algorithm 1: sqrt(abar) - sqrt(abar_T), scaled back
     * to sqrt(abar_1) at t = 1 */
    oracle_schedule s = {o->T, alloc_doubles((size_t)o->T + 1), alloc_doubles((size_t)o->T + 1)};
    const double first = sqrt(o->ab[1]), last = sqrt(o->ab[o->T]);
    s.ab[0] = 1.0;
    for (int t = 1; t <= o->T; t++) {
        const double r = (sqrt(o->ab[t]) - last) * first / (first - last);
        s.ab[t] = t == o->T ? 0.0 : r * r;
        s.beta[t] = 1.0 - s.ab[t] / s.ab[t - 1];
    }
    return s;
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

/* ---- the calls ---- */

typedef enum call_kind { Q_SAMPLE, RANDN, Q_SAMPLE_RANDN, STEP, LOSS, VLB, PRIOR } call_kind;
typedef enum sampler { DDPM, DDIM, SDE, ODE } sampler;

/* A loss row: its exact value, and its error budget (loss_rows). */
typedef struct loss_row {
    double want, mag, largest, extra_fused, extra_plain;
    double k_fused, k_plain; /* the bound's terms: per row */
    const char *form;
} loss_row;

struct oracle_call {
    const api_spec *f;
    const api_args *g;
    const oracle_schedule *s;
    call_kind kind;
    sampler smp;
    int generated;         /* the step's noise is generated, not read from z */
    dk_step_opts o;        /* the options, the defaults for NULL */
    double *row_s, *row_m; /* thresholding: each row's s, and its largest x0 magnitude */
    dk_loss_opts lo;       /* a loss's options, the defaults for NULL */
    loss_row *rows;        /* a loss's rows, and those of the bound's terms */
};

static const struct {
    const char *name;
    call_kind kind;
    sampler smp;
    int generated;
} functions[] = {
    {"dk_q_sample", Q_SAMPLE, DDPM, 0},
    {"dk_randn", RANDN, DDPM, 0},
    {"dk_q_sample_randn", Q_SAMPLE_RANDN, DDPM, 1},
    {"dk_p_step", STEP, DDPM, 0},
    {"dk_p_step_randn", STEP, DDPM, 1},
    {"dk_ddim_step", STEP, DDIM, 0},
    {"dk_ddim_step_randn", STEP, DDIM, 1},
    {"dk_sde_step", STEP, SDE, 0},
    {"dk_sde_step_randn", STEP, SDE, 1},
    {"dk_ode_step", STEP, ODE, 0},
    {"dk_loss", LOSS, DDPM, 0},
    {"dk_loss_randn", LOSS, DDPM, 1},
    {"dk_vlb_terms", VLB, DDPM, 0},
    {"dk_prior_kl", PRIOR, DDPM, 0},
};

int oracle_has(const char *function)
{
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if (strcmp(functions[i].name, function) == 0)
            return 1;
    return 0;
}

double oracle_tolerance(const oracle_value *v, int fused)
{
    return ((fused ? v->k_fused : v->k_plain) * v->mag + (fused ? v->extra_fused : v->extra_plain)) * U *
               1.01 +
           0x1p-149;
}

/* x0 and eps of a prediction as maps of (x, m): x0 = x0x x + x0m m,
 * eps = ex x + em m; ab = alpha_bar_t. Written from the definitions:
 * eps: x0 = (x - sqrt(1-ab) m) / sqrt(ab); sample: eps = (x - sqrt(ab) m) /
 * sqrt(1-ab); v: x0 = sqrt(ab) x - sqrt(1-ab) m, eps = sqrt(ab) m +
 * sqrt(1-ab) x; score: eps = -sqrt(1-ab) m. */
typedef struct maps {
    double x0x, x0m, ex, em;
} maps;

static maps maps_of(dk_prediction p, double ab)
{
    const double a = sqrt(ab), b = sqrt(1.0 - ab);
    maps f = {0, 0, 0, 0};
    if (p == DK_PRED_EPSILON) {
        f.x0x = 1.0 / a, f.x0m = -b / a, f.ex = 0.0, f.em = 1.0;
    } else if (p == DK_PRED_SAMPLE) {
        f.x0x = 0.0, f.x0m = 1.0, f.ex = 1.0 / b, f.em = -a / b;
    } else if (p == DK_PRED_V) {
        f.x0x = a, f.x0m = -b, f.ex = b, f.em = a;
    } else { /* score: eps = -b m, x0 = (x - b eps) / a */
        f.ex = 0.0, f.em = -b;
        f.x0x = 1.0 / a, f.x0m = b * b / a;
    }
    return f;
}

/* The guided model output m' of element i, and the sum of the magnitudes of
 * its terms (w m, w u and u, as the kernel evaluates w (m - u) + u). */
static double guided(const oracle_call *oc, size_t i, double *mag)
{
    const double m = oc->g->in[1][i];
    if (!oc->o.uncond) {
        *mag = fabs(m);
        return m;
    }
    const double u = oc->o.uncond[i], w = oc->o.guidance_scale;
    *mag = fabs(w) * (fabs(m) + fabs(u)) + fabs(u);
    return u + w * (m - u);
}

static int compare_doubles(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Each row's dynamic threshold from its exact x0, by sorting (not the
 * library's selection), and the row's largest x0 magnitude. */
static void thresholds(oracle_call *oc)
{
    const api_args *g = oc->g;
    const size_t dim = g->dim;
    double *a = alloc_doubles(dim);
    oc->row_s = alloc_doubles(g->rows), oc->row_m = alloc_doubles(g->rows);
    for (size_t r = 0; r < g->rows; r++) {
        const maps f = maps_of(oc->o.prediction, oc->s->ab[g->t[r]]);
        double big = 0;
        for (size_t j = 0; j < dim; j++) {
            double mag;
            const size_t i = r * dim + j;
            const double m = guided(oc, i, &mag), x = g->in[0][i];
            a[j] = fabs(f.x0x * x + f.x0m * m);
            const double x0_mag = fabs(f.x0x * x) + fabs(f.x0m) * mag;
            if (x0_mag > big) /* not fmax: aarch64 gcc 12's vectorizer dies on that reduction */
                big = x0_mag;
        }
        qsort(a, dim, sizeof *a, compare_doubles);
        const double pos = oc->o.threshold_ratio * (double)(dim - 1);
        const size_t lo = (size_t)floor(pos), hi = lo + 1 < dim ? lo + 1 : lo;
        const double q = a[lo] + (pos - (double)lo) * (a[hi] - a[lo]);
        oc->row_s[r] = fmin(fmax(q, 1.0), oc->o.threshold_max);
        oc->row_m[r] = big;
    }
    free(a);
}

/* ---- the training loss ---- */

/* The weight of a loss row, from the papers: snr = ab / (1 - ab); min-SNR
 * (Hang et al. 2023) min(snr, g) / snr for eps (1 at snr = 0), min(snr, g) /
 * (snr + 1) for v, min(snr, g) for x0; P2 (Choi et al. 2022) (k + snr)^-g;
 * score: the eps weight times 1 - ab (its target is eps / sqrt(1 - ab)). */
static double loss_weight_of(const dk_loss_opts *o, double ab)
{
    const double snr = ab / (1.0 - ab), g = o->gamma;
    const int eps_like = o->prediction == DK_PRED_EPSILON || o->prediction == DK_PRED_SCORE;
    double w = 1.0;
    if (o->weighting == DK_WEIGHT_MIN_SNR)
        w = eps_like                     ? (snr == 0.0 ? 1.0 : fmin(snr, g) / snr)
            : o->prediction == DK_PRED_V ? fmin(snr, g) / (snr + 1.0)
                                         : fmin(snr, g);
    else if (o->weighting == DK_WEIGHT_P2)
        w = 1.0 / pow(o->k + snr, g);
    return o->prediction == DK_PRED_SCORE ? w * (1.0 - ab) : w;
}

/* One element of a loss: d = m - target exactly, the terms' magnitude S
 * (|m| + |target's terms|), and |target's eps coefficient| * the normal's
 * radius for generated eps (0 otherwise). */
typedef struct loss_elem {
    double d, S, noise, largest;
} loss_elem;

static loss_elem loss_elem_of(const oracle_call *oc, size_t i)
{
    const api_args *g = oc->g;
    const double ab = oc->s->ab[g->t[i / g->dim]], a = sqrt(ab), b = sqrt(1.0 - ab);
    const double x0 = g->in[0][i];
    double eps, radius = 0;
    if (oc->generated)
        eps = oracle_normal(g->noise.seed, g->noise.stream, g->noise.offset + i, &radius);
    else
        eps = g->in[1][i];
    const double m = g->in[oc->generated ? 1 : 2][i];
    double tx = 0, te = 0; /* target = tx x0 + te eps */
    switch (oc->lo.prediction) {
    case DK_PRED_EPSILON:
        te = 1;
        break;
    case DK_PRED_SAMPLE:
        tx = 1;
        break;
    case DK_PRED_V:
        tx = -b, te = a;
        break; /* v = sqrt(ab) eps - sqrt(1 - ab) x0 */
    default:
        te = -1.0 / b;
        break; /* the score -eps / sqrt(1 - ab) */
    }
    loss_elem e;
    e.d = m - (tx * x0 + te * eps);
    e.S = fabs(m) + fabs(tx * x0) + fabs(te * eps);
    e.noise = fabs(te) * radius;
    e.largest = fmax(fabs(m), fmax(fabs(tx * x0), fabs(te * eps)));
    return e;
}

/* Roundings on the longest path of d = m - fma(kx, x0, km eps): the eps
 * term's coefficient, product, fma and subtraction (plain: the fma is a
 * product and an addition). */
#define LOSS_K_D_FUSED 4.0
#define LOSS_K_D_PLAIN 5.0

/* Each row's loss w / dim * sum d^2. Its float evaluation is off by
 * 2 |d| err(d) + d^2 2^-24 per element, the double sum's own error
 * (below dim 2^-53 of it) and the final rounding: k_d units of the
 * magnitude w / dim * sum 2 |d| S, and extra = twice the loss, plus the
 * normals' error through |d|. */
static void loss_rows(oracle_call *oc)
{
    const api_args *g = oc->g;
    oc->rows = calloc(g->rows ? g->rows : 1, sizeof *oc->rows);
    if (!oc->rows)
        abort();
    for (size_t r = 0; r < g->rows; r++) {
        const double w = loss_weight_of(&oc->lo, oc->s->ab[g->t[r]]);
        double sum = 0, mag = 0, noise = 0, big = 0;
        for (size_t j = 0; j < g->dim; j++) {
            const loss_elem e = loss_elem_of(oc, r * g->dim + j);
            sum += e.d * e.d;
            mag += 2 * fabs(e.d) * e.S;
            noise += 2 * fabs(e.d) * e.noise;
            big = fmax(big, e.d * e.d);
        }
        loss_row *row = &oc->rows[r];
        const double scale = g->dim ? w / (double)g->dim : 0;
        row->want = scale * sum;
        row->mag = scale * mag;
        row->largest = fmax(scale * big, row->want);
        const double rounding = 2 * row->want + (double)g->dim * 0x1p-29 * row->want;
        row->extra_fused = rounding + scale * noise * ORACLE_K_NORMAL;
        row->extra_plain = row->extra_fused;
    }
}

static void loss_value(const oracle_call *oc, int k, size_t i, oracle_value *v)
{
    const api_args *g = oc->g;
    if (api_out(oc->f, k)->kind == ROLE_ROW_OUT_OPT) {
        const loss_row *row = &oc->rows[i];
        v->want = row->want, v->mag = row->mag, v->largest = row->largest;
        v->k_fused = LOSS_K_D_FUSED, v->k_plain = LOSS_K_D_PLAIN;
        v->extra_fused = row->extra_fused, v->extra_plain = row->extra_plain;
        v->form = oc->generated ? "loss_randn row_loss" : "loss row_loss";
        return;
    }
    /* the gradient: (2 w / (rows dim)) d, two more roundings (the scale's, the product) */
    const double w = loss_weight_of(&oc->lo, oc->s->ab[g->t[i / g->dim]]);
    const double scale = 2 * w / ((double)g->rows * (double)g->dim);
    const loss_elem e = loss_elem_of(oc, i);
    v->want = scale * e.d;
    v->mag = scale * e.S;
    v->largest = fmax(fabs(v->want), scale * e.largest);
    v->k_fused = LOSS_K_D_FUSED + 2, v->k_plain = LOSS_K_D_PLAIN + 2;
    v->extra_fused = v->extra_plain = scale * e.noise * ORACLE_K_NORMAL;
    v->form = oc->generated ? "loss_randn grad" : "loss grad";
}

/* ---- the variational bound ---- */

#define PI 3.14159265358979323846

/* ln Q(z), Q(z) = P(N(0, 1) > z): erfc where it is far from underflow,
 * beyond that the continued fraction of the Mills ratio, Q(z) = phi(z) /
 * (z + 1/(z + 2/(z + 3/(z + ...)))), evaluated from the back (a method of
 * its own: the library uses the asymptotic series). */
static double oracle_log_q(double z)
{
    if (z < 30.0)
        return log(erfc(z / sqrt(2.0)) / 2.0);
    double cf = z;
    for (int k = 60; k >= 1; k--)
        cf = z + k / cf;
    return -z * z / 2.0 - 0.5 * log(2.0 * PI) - log(cf);
}

/* ln(Phi(b) - Phi(a)), a < b, and ln phi. */
static double oracle_log_bin(double a, double b)
{
    if (a > 0.0) {
        const double la = oracle_log_q(a), lb = oracle_log_q(b);
        return la + log1p(-exp(lb - la));
    }
    if (b < 0.0) {
        const double la = oracle_log_q(-b), lb = oracle_log_q(-a);
        return la + log1p(-exp(lb - la));
    }
    return log(1.0 - erfc(b / sqrt(2.0)) / 2.0 - erfc(-a / sqrt(2.0)) / 2.0);
}

static double log_phi(double z) { return -z * z / 2.0 - 0.5 * log(2.0 * PI); }

/* -ln P(x) of Ho et al.'s discretized decoder with mean mu, |d/dmu| of it,
 * and |d/d ln sigma| of it. */
static double oracle_discrete(double x, double mu, double sigma, double *slope, double *slope_sigma)
{
    const double a = (x - mu - 1.0 / 255.0) / sigma, b = (x - mu + 1.0 / 255.0) / sigma;
    double L, pa, pb; /* ln P, and phi(a) / P, phi(b) / P (0 for an open end) */
    if (x < -0.999) {
        L = oracle_log_q(-b);
        pa = 0.0, pb = exp(log_phi(b) - L);
    } else if (x > 0.999) {
        L = oracle_log_q(a);
        pa = exp(log_phi(a) - L), pb = 0.0;
    } else {
        L = oracle_log_bin(a, b);
        pa = exp(log_phi(a) - L), pb = exp(log_phi(b) - L);
    }
    *slope = fabs(pb - pa) / sigma;       /* dP/dmu = (phi(a) - phi(b)) / sigma */
    *slope_sigma = fabs(b * pb - a * pa); /* a, b go as 1 / sigma */
    return -L;
}

/* The model's x0 of element i of the bound (x = xt, m = model_out, uncond
 * guided), clamped as opts say, and the magnitude of its terms. */
static double vlb_x0_hat(const oracle_call *oc, size_t i, double *mag)
{
    const api_args *g = oc->g;
    const double ab = oc->s->ab[g->t[i / g->dim]], a = sqrt(ab), b = sqrt(1.0 - ab);
    const double x = g->in[1][i];
    double m = g->in[2][i], m_mag = fabs(m);
    if (oc->o.uncond) {
        const double u = oc->o.uncond[i], w = oc->o.guidance_scale;
        m = u + w * (m - u);
        m_mag = fabs(w) * (fabs(g->in[2][i]) + fabs(u)) + fabs(u);
    }
    const maps f = maps_of(oc->o.prediction, ab);
    (void)a, (void)b;
    const double x0 = f.x0x * x + f.x0m * m;
    *mag = fabs(f.x0x * x) + fabs(f.x0m) * m_mag;
    return oc->o.clip > 0 ? fmin(fmax(x0, -oc->o.clip), oc->o.clip) : x0;
}

/* How far the double numbers of the library's schedule and the oracle's
 * may differ relatively (vlb_rows). */
static double oracle_sched_eps(const oracle_schedule *s) { return 4.0 * (s->T + 4) * 0x1p-53 / s->beta[1]; }

/* ln(bp / bq) + bq / bp - 1 of the KL of two Gaussians: 0 for bp = bq; for
 * bp = beta it is u - ln(1 + u), u = bq / bp - 1 = (ab - ap) / (1 - ab),
 * which cancels to u^2 / 2: summed here from ln(1 + u)'s series where
 * |u| < 0.2 (its terms decrease as 0.2^k), in long double otherwise. */
static double var_kl(double bp, double bq, double ab, double ap)
{
    if (bp == bq)
        return 0.0;
    const double u = (ab - ap) / (1.0 - ab);
    if (fabs(u) >= 0.2)
        return (double)((long double)u - log1pl((long double)u));
    double sum = 0, power = -u; /* (-u)^k: u - ln(1 + u) = sum_k>=2 (-u)^k / k */
    for (int k = 2; k < 60; k++) {
        power *= -u;
        sum += power / k;
    }
    return sum;
}

/* Each row's term, written from the papers: t >= 2 the KL of two Gaussians
 * with the posterior mean and the model's DDPM mean (DDPM eq. 7), t = 1 the
 * decoder at the model's x0 with variance beta_tilde_2 (beta_1 if T = 1).
 * The library evaluates e = x0 - x0_hat in float: its error is k roundings
 * of M = |x0| + |x0_hat's terms| (the x0 map's coefficient, product, fma,
 * the subtraction; guidance 2 or 3 more), and e^2 rounds once more, so a
 * row is within k units of mag = k2 sum 2 |e| M plus k2 sum e^2, k2 the
 * sum's coefficient. The discretized decoder is within k units of
 * sum |d nll / d mu| M', M' the x0 map's terms, plus libm's 16 2^-52 of
 * each term.
 * Beyond roundings of the float work, the library's and the oracle's
 * schedules (alpha_bar a product of T factors, each side its own way) agree
 * to some T 2^-53 relatively in alpha_bar, so in 1 - alpha_bar to that over
 * beta_1 (its smallest value): sched_eps covers them, and
 * every double term is allowed its sensitivity to that: the constant terms
 * (at most quadratic in the schedule's numbers, 4 sched_eps of them), the
 * variance in e^2 / (2 var) and the decoder's sigma (|d nll / d ln sigma|,
 * which grows as z^2 in the tails). */
static void vlb_rows(oracle_call *oc)
{
    const api_args *g = oc->g;
    const oracle_schedule *s = oc->s;
    oc->rows = calloc(g->rows ? g->rows : 1, sizeof *oc->rows);
    if (!oc->rows)
        abort();
    const int guide = oc->o.uncond != NULL;
    for (size_t r = 0; r < g->rows; r++) {
        const int t = g->t[r];
        const double beta = s->beta[t], ab = s->ab[t], ap = s->ab[t - 1];
        const double c0 = beta * sqrt(ap) / (1.0 - ab), c1 = (1.0 - ap) * sqrt(1.0 - beta) / (1.0 - ab);
        const double bq = beta * (1.0 - ap) / (1.0 - ab);
        const double bp = oc->o.variance == DK_VAR_FIXED_LARGE ? beta : bq;
        const double dvar = s->T >= 2 ? s->beta[2] * (1.0 - s->ab[1]) / (1.0 - s->ab[2]) : s->beta[1];
        const int discrete = t == 1 && g->dec == DK_DECODER_DISCRETE_8BIT;
        const double sched_eps = oracle_sched_eps(s);
        double want = 0, mag = 0, sq = 0, libm = 0, sched = 0; /* sched: absolute */
        for (size_t j = 0; j < g->dim; j++) {
            const size_t i = r * g->dim + j;
            double x0_mag;
            const double x0 = g->in[0][i], xt = g->in[1][i], x0_hat = vlb_x0_hat(oc, i, &x0_mag);
            const double M = fabs(x0) + x0_mag, e = x0 - x0_hat;
            if (t >= 2) {
                const double mq = c0 * x0 + c1 * xt, mp = c0 * x0_hat + c1 * xt;
                want += 0.5 * (var_kl(bp, bq, ab, ap) + (mq - mp) * (mq - mp) / bp);
                mag += c0 * c0 / (2 * bp) * 2 * fabs(e) * M;
                sq += c0 * c0 / (2 * bp) * e * e;
            } else if (!discrete) {
                want += 0.5 * log(2 * PI * dvar) + e * e / (2 * dvar);
                mag += 2 * fabs(e) * M / (2 * dvar);
                sq += e * e / (2 * dvar);
            } else {
                double slope, slope_sigma;
                const double nll = oracle_discrete(x0, x0_hat, sqrt(dvar), &slope, &slope_sigma);
                want += nll;
                mag += slope * x0_mag;
                libm += 16 * 0x1p-28 * fabs(nll);
                sched += slope_sigma * sched_eps;
            }
        }
        loss_row *row = &oc->rows[r];
        row->want = want, row->mag = mag, row->largest = fmax(fabs(want), sq);
        row->k_fused = 4 + 2 * guide, row->k_plain = 5 + 3 * guide;
        /* the constant terms in double: a log of variances that the
         * library and the oracle compute their own ways, which agree to
         * about 2^-46 (zero-SNR rescaling), so 2^-44 of them */
        const double consts = (double)g->dim * 4 * sched_eps *
                              fabs(t >= 2 ? 0.5 * var_kl(bp, bq, ab, ap) : 0.5 * log(2 * PI * dvar));
        sched += consts + 4 * sched_eps * sq;
        row->extra_fused = row->extra_plain =
            sq + libm + sched / 0x1p-24 + (double)g->dim * 0x1p-29 * fabs(want);
        row->form = t >= 2 ? "vlb KL" : discrete ? "vlb discrete decoder" : "vlb Gaussian decoder";
    }
}

/* KL(N(sqrt(ab_T) x0, 1 - ab_T) || N(0, 1)) per value, summed: the library
 * rounds each x0^2 once (k = 1 unit of ab_T / 2 sum x0^2). The constant
 * term -ab_T - ln(1 - ab_T) cancels to ab_T^2 / 2: here in long double,
 * allowed 2^-44 of itself (the library sums its series); and ab_T's
 * disagreement between the two schedules (vlb_rows). */
static void prior_rows(oracle_call *oc)
{
    const api_args *g = oc->g;
    const double ab = oc->s->ab[oc->s->T];
    oc->rows = calloc(g->rows ? g->rows : 1, sizeof *oc->rows);
    if (!oc->rows)
        abort();
    for (size_t r = 0; r < g->rows; r++) {
        double want = 0, mag = 0;
        for (size_t j = 0; j < g->dim; j++) {
            /* (var + mu^2 - 1 - ln var) / 2, var - 1 = -ab_T, ordered so that
             * nothing near 1 is added to mu^2 or cancels */
            const double x0 = g->in[0][r * g->dim + j], mu = sqrt(ab) * x0;
            want += 0.5 * (mu * mu + (double)(-(long double)ab - log1pl(-(long double)ab)));
            mag += 0.5 * ab * x0 * x0;
        }
        loss_row *row = &oc->rows[r];
        row->want = want, row->mag = mag, row->largest = fabs(want);
        row->k_fused = row->k_plain = 1;
        row->extra_fused = row->extra_plain = (double)g->dim * 0x1p-20 * 0.5 * (-ab - log1p(-ab)) +
                                              (double)g->dim * 0x1p-29 * fabs(want) +
                                              4 * oracle_sched_eps(oc->s) * fabs(want) / 0x1p-24;
        row->form = "prior KL";
    }
}

oracle_call *oracle_begin(const api_spec *f, const api_args *g, const oracle_schedule *s, dk_status *expect)
{
    size_t which = sizeof functions / sizeof functions[0];
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if (strcmp(functions[i].name, f->name) == 0)
            which = i;
    if (which == sizeof functions / sizeof functions[0])
        return NULL;
    oracle_call *oc = calloc(1, sizeof *oc);
    if (!oc)
        abort();
    oc->f = f, oc->g = g, oc->s = s;
    oc->kind = functions[which].kind;
    oc->smp = functions[which].smp;
    oc->generated = functions[which].generated;
    if (g->opts)
        oc->o = *g->opts;
    /* x0 is lost at alpha_bar = 0 for epsilon and score; the SDE/ODE need
     * ln(alpha_bar). (A loop that stops at the first: aarch64 gcc 12's
     * vectorizer dies on it written as a reduction.) */
    const int refused_at_zero = (oc->kind == STEP || oc->kind == VLB) &&
                                (oc->smp == SDE || oc->smp == ODE || oc->o.prediction == DK_PRED_EPSILON ||
                                 oc->o.prediction == DK_PRED_SCORE);
    *expect = DK_OK;
    for (size_t r = 0; refused_at_zero && r < g->rows; r++)
        if (s->ab[g->t[r]] == 0.0) {
            *expect = DK_ERR_ZERO_SNR;
            break;
        }
    if (oc->kind == STEP && oc->o.threshold_ratio > 0 && *expect == DK_OK && g->dim > 0)
        thresholds(oc);
    if (oc->kind == LOSS) {
        if (g->loss_opts)
            oc->lo = *g->loss_opts;
        for (size_t r = 0; r < g->rows; r++) /* P2 with k = 0 at snr = 0: an infinite weight */
            if (oc->lo.weighting == DK_WEIGHT_P2 && oc->lo.k == 0.0f && s->ab[g->t[r]] == 0.0) {
                *expect = DK_ERR_ZERO_SNR;
                break;
            }
        if (*expect == DK_OK)
            loss_rows(oc);
    }
    if (oc->kind == VLB && *expect == DK_OK)
        vlb_rows(oc);
    if (oc->kind == PRIOR)
        prior_rows(oc);
    return oc;
}

void oracle_end(oracle_call *oc)
{
    if (!oc)
        return;
    free(oc->row_s);
    free(oc->row_m);
    free(oc->rows);
    free(oc);
}

/* The largest of the terms and the result. */
static double largest_of(const double *terms, int n, double want)
{
    double big = fabs(want);
    for (int i = 0; i < n; i++)
        if (fabs(terms[i]) > big)
            big = fabs(terms[i]);
    return big;
}

static void q_sample_value(const oracle_call *oc, size_t i, double eps, oracle_value *v)
{
    const int t = oc->g->t[i / oc->g->dim];
    const double a = sqrt(oc->s->ab[t]), b = sqrt(1.0 - oc->s->ab[t]), x0 = oc->g->in[0][i];
    const double terms[2] = {a * x0, b * eps};
    v->want = terms[0] + terms[1];
    v->mag = fabs(terms[0]) + fabs(terms[1]);
    v->largest = largest_of(terms, 2, v->want);
    v->k_fused = v->k_plain = 3; /* a, b * eps, the sum */
    v->form = "q_sample";
}

/* The name of a step's form, kept for the program's life (error tables). */
static const char *form_name(const char *sampler_name, const char *clamp, int guided_)
{
    static char forms[64][64];
    static int count;
    char form[64];
    snprintf(form, sizeof form, "%s, %s%s", sampler_name, clamp, guided_ ? ", guided" : "");
    for (int k = 0; k < count; k++)
        if (strcmp(forms[k], form) == 0)
            return forms[k];
    if (count == 64)
        abort();
    strcpy(forms[count], form);
    return forms[count++];
}

/* One element of a reverse step. */
static void step_value(const oracle_call *oc, size_t i, oracle_value *v)
{
    const api_args *g = oc->g;
    const oracle_schedule *s = oc->s;
    const dk_step_opts *o = &oc->o;
    const size_t r = i / g->dim;
    const int t = g->t[r], tp = oc->smp == DDPM ? t - 1 : g->t_prev[r];
    const double ab = s->ab[t], ap = s->ab[tp], a = sqrt(ab), b = sqrt(1.0 - ab);
    const double x = g->in[0][i];
    double m_mag;
    const double m = guided(oc, i, &m_mag);
    const maps f = maps_of(o->prediction, ab);
    const double x0 = o->prediction == DK_PRED_EPSILON  ? (x - b * m) / a
                      : o->prediction == DK_PRED_SAMPLE ? m
                      : o->prediction == DK_PRED_V      ? a * x - b * m
                                                        : (x + b * b * m) / a;
    const double eps = o->prediction == DK_PRED_EPSILON  ? m
                       : o->prediction == DK_PRED_SAMPLE ? (x - a * m) / b
                       : o->prediction == DK_PRED_V      ? a * m + b * x
                                                         : -b * m;
    /* the noise: z given, generated, or none */
    double z = 0, radius = 0;
    int have_z = 0;
    if (oc->generated) {
        z = oracle_normal(g->noise.seed, g->noise.stream, g->noise.offset + i, &radius);
        have_z = 1;
    } else if (g->in[2] && oc->smp != ODE) {
        z = g->in[2][i];
        have_z = 1;
    }
    /* the clamp */
    const int thr = o->threshold_ratio > 0, clamped = thr || o->clip > 0;
    const double S = thr ? oc->row_s[r] : 1.0, c = thr ? S : o->clip;
    const double x0c = clamped ? fmin(fmax(x0, -c), c) / S : x0;
    /* the result, and its coefficients as the kernel evaluates it:
     * linear: ax x + am m' + sigma z; through x0: a0 x0c + ax x + am m' + sigma z */
    double want, sigma = 0, a0 = 0, ax, am;
    /* the sums of |terms| of the coefficients the library folds in double:
     * their own rounding, relative to these, is below 2^-53 per operation */
    double a0_parts = 0, ax_parts = 0, am_parts = 0;
    int noisy;
    const char *name;
    if (oc->smp == DDPM) {
        const double beta = s->beta[t];
        const double c0 = beta * sqrt(ap) / (1.0 - ab), c1 = (1.0 - ap) * sqrt(1.0 - beta) / (1.0 - ab);
        sigma = sqrt(o->variance == DK_VAR_FIXED_LARGE ? beta : beta * (1.0 - ap) / (1.0 - ab));
        noisy = have_z && t > 1;
        want = c0 * x0c + c1 * x + (noisy ? sigma * z : 0.0); /* DDPM eq. 7 */
        a0 = c0, ax = clamped ? c1 : c0 * f.x0x + c1, am = clamped ? 0.0 : c0 * f.x0m;
        ax_parts = fabs(c0 * f.x0x) + c1;
        name = "p_step";
    } else if (oc->smp == DDIM) {
        /* DDIM eq. 16, sigma = eta sqrt((1 - ap) / (1 - ab)) sqrt(1 - ab / ap), and
         * the direction's sqrt(1 - ap - sigma^2), written so that no
         * cancellation leaves a spurious root where it is 0 (eta = 1, ab = 0):
         * 1 - ap - sigma^2 = (1 - ap) (ab (1 - ap) + (1 - eta^2)(ap - ab)) / (ap (1 - ab)) */
        double dir2 = 1.0 - ap;
        if (tp != t) {
            const double eta = o->eta;
            sigma = eta * sqrt((1.0 - ap) / (1.0 - ab)) * sqrt((ap - ab) / ap);
            dir2 = (1.0 - ap) * (ab * (1.0 - ap) + (1.0 - eta * eta) * (ap - ab)) / (ap * (1.0 - ab));
        }
        const double dir = sqrt(dir2);
        const double eps_dir = o->recompute_eps && clamped ? (x - a * x0c) / b : eps;
        noisy = have_z && sigma != 0;
        want = sqrt(ap) * x0c + dir * eps_dir + (noisy ? sigma * z : 0.0); /* DDIM eq. 12 */
        if (!clamped)
            a0 = 0, ax = sqrt(ap) * f.x0x + dir * f.ex, am = sqrt(ap) * f.x0m + dir * f.em;
        else if (o->recompute_eps)
            a0 = sqrt(ap) - dir * a / b, ax = dir / b, am = 0;
        else
            a0 = sqrt(ap), ax = dir * f.ex, am = dir * f.em;
        a0_parts = sqrt(ap) + dir * a / b;
        ax_parts = fabs(sqrt(ap) * f.x0x) + fabs(dir * f.ex) + dir / b;
        am_parts = fabs(sqrt(ap) * f.x0m) + fabs(dir * f.em);
        name = "ddim_step";
    } else { /* Song et al. 2021, VP: B = ln(ap / ab), score = -eps / sqrt(1 - ab) */
        const double B = log(ap / ab), k = oc->smp == SDE ? B : B / 2.0, score = -eps / b;
        sigma = oc->smp == SDE ? sqrt(B) : 0.0;
        noisy = have_z && sigma != 0;
        want = (1.0 + B / 2.0) * x + k * score + (noisy ? sigma * z : 0.0);
        ax = 1.0 + B / 2.0 - k * f.ex / b, am = -k * f.em / b;
        ax_parts = 1.0 + B / 2.0 + fabs(k * f.ex / b);
        name = oc->smp == SDE ? "sde_step" : "ode_step";
    }
    const double nz = noisy ? fabs(sigma * z) : 0.0;
    /* the magnitudes of the terms as evaluated: the x0 terms through the
     * clamp and the scale 1/S, the direct ones, the noise */
    const double x0_mag = (fabs(f.x0x * x) + fabs(f.x0m) * m_mag) / S;
    /* the largest term, for the ulp figures: the x0 terms, the guidance
     * terms inside m', the direct ones, the noise */
    const double terms[6] = {clamped ? a0 * f.x0x * x / S : 0.0,
                             clamped ? a0 * f.x0m * m_mag / S : 0.0,
                             clamped ? a0 * x0c : 0.0,
                             ax * x,
                             am * m_mag,
                             nz};
    v->want = want;
    v->mag = (clamped ? fabs(a0) * x0_mag : 0.0) + fabs(ax * x) + fabs(am) * m_mag + nz;
    v->largest = largest_of(terms, 6, want);
    /* roundings on the longest path of a term (kernels.h): the coefficient,
     * the products and fmas after it (a plain fma rounds twice), guidance
     * 2 (fused) or 3 (plain) on m', the threshold's scale 2 */
    const int guide = o->uncond != NULL;
    if (!clamped) {
        v->k_fused = 4 + 2 * guide, v->k_plain = 4 + 3 * guide;
    } else {
        v->k_fused = 6 + 2 * thr + 2 * guide, v->k_plain = 7 + 2 * thr + 3 * guide;
    }
    v->extra_fused = v->extra_plain = 0;
    if (thr) { /* s itself is off by at most the largest x0 error of the row */
        const double rel = oc->row_m[r] / S / S;
        v->extra_fused = fabs(a0 * x0c) * S * (3 + 2 * guide) * rel;
        v->extra_plain = fabs(a0 * x0c) * S * (3 + 3 * guide) * rel;
    }
    /* each coefficient folded in double through a few operations, 8 at most,
     * each within 2^-53 (2^-29 units) of the sum of its terms */
    const double fold = 8 * 0x1p-29 * (a0_parts * x0_mag + ax_parts * fabs(x) + am_parts * m_mag);
    v->extra_fused += fold;
    v->extra_plain += fold;
    if (noisy && oc->generated) { /* the normal's own error, in units of its radius */
        v->extra_fused += ORACLE_K_NORMAL * sigma * radius;
        v->extra_plain += ORACLE_K_NORMAL * sigma * radius;
    }
    v->form = form_name(name, thr ? "threshold" : clamped ? "clip" : "linear", guide);
}

void oracle_value_of(oracle_call *oc, int k, size_t i, oracle_value *v)
{
    memset(v, 0, sizeof *v);
    double radius;
    switch (oc->kind) {
    case Q_SAMPLE:
        q_sample_value(oc, i, oc->g->in[1][i], v);
        break;
    case RANDN:
    case Q_SAMPLE_RANDN: {
        const double z =
            oracle_normal(oc->g->noise.seed, oc->g->noise.stream, oc->g->noise.offset + i, &radius);
        if (oc->kind == RANDN || k == 1) { /* the normal itself (eps_out) */
            v->want = z;
            v->mag = v->largest = radius;
            v->k_fused = v->k_plain = ORACLE_K_NORMAL;
            v->form = "normal";
            break;
        }
        q_sample_value(oc, i, z, v);
        const double b = sqrt(1.0 - oc->s->ab[oc->g->t[i / oc->g->dim]]);
        v->extra_fused = v->extra_plain = ORACLE_K_NORMAL * b * radius;
        v->form = "q_sample_randn";
        break;
    }
    case LOSS:
        loss_value(oc, k, i, v);
        break;
    case VLB:
    case PRIOR: {
        const loss_row *row = &oc->rows[i];
        v->want = row->want, v->mag = row->mag, v->largest = row->largest;
        v->k_fused = row->k_fused, v->k_plain = row->k_plain;
        v->extra_fused = row->extra_fused, v->extra_plain = row->extra_plain;
        v->form = row->form;
        break;
    }
    case STEP:
    default:
        step_value(oc, i, v);
        break;
    }
}
