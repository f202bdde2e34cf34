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

typedef enum call_kind { Q_SAMPLE, RANDN, Q_SAMPLE_RANDN, STEP, LOSS } call_kind;
typedef enum sampler { DDPM, DDIM, SDE, ODE } sampler;

/* A loss row: its exact value, and its error budget (loss_rows). */
typedef struct loss_row {
    double want, mag, largest, extra_fused, extra_plain;
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
    loss_row *rows;        /* a loss's rows */
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
    const int refused_at_zero =
        oc->kind == STEP && (oc->smp == SDE || oc->smp == ODE || oc->o.prediction == DK_PRED_EPSILON ||
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
    case STEP:
    default:
        step_value(oc, i, v);
        break;
    }
}
