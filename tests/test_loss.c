/* The training losses beyond what the generic tests of api_list.h cover
 * (errors, the oracle, every ISA against its reference, dk_loss_randn ==
 * dk_randn + dk_loss):
 * - the gradient against a central difference of the library's own mean row
 *   loss, on every ISA this host runs;
 * - the weights against their formulas, written as diffusers' training
 *   scripts write them (snr = (alpha / sigma)^2, min-SNR by a min and a
 *   division), at every t of several schedules, zero terminal SNR included;
 * - dk_q_sample_randn writing eps, then dk_loss, gives the bits of
 *   dk_q_sample_randn without eps, then dk_loss_randn. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <diffkern.h>

#include "harness.h"

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p)
        abort();
    return p;
}

/* A value in [-1, 1] on a grid of 2^-20: v + 0.25 and v - 0.25 are floats
 * exactly, so the difference steps below are exactly +-h. */
static float grid_value(void) { return (float)(floor(dk_rand_uniform(-1.0, 1.0) * 0x1p20) * 0x1p-20); }

/* ---- the weights and targets, as the papers and diffusers write them ---- */

/* diffusers' compute_snr: (alpha / sigma)^2, alpha = sqrt(abar), sigma = sqrt(1 - abar). */
static double snr_of(double ab)
{
    const double alpha = sqrt(ab), sigma = sqrt(1.0 - ab);
    return (alpha / sigma) * (alpha / sigma);
}

/* train_text_to_image.py's min-SNR weights: min(snr, gamma), divided by snr
 * (epsilon) or snr + 1 (v), left as it is for sample prediction (the
 * paper's); where snr = 0 the epsilon weight is 1 (min(snr, gamma) / snr is
 * 0 / 0 there: the limit from above). Score: epsilon's times 1 - abar.
 * P2 (Choi et al. 2022, eq. 8): 1 / (k + snr)^gamma. */
static double weight_formula(const dk_loss_opts *o, double ab)
{
    const double snr = snr_of(ab), g = o->gamma, clipped = snr < g ? snr : g;
    double w = 1.0;
    const int eps_like = o->prediction == DK_PRED_EPSILON || o->prediction == DK_PRED_SCORE;
    if (o->weighting == DK_WEIGHT_MIN_SNR) {
        if (eps_like)
            w = snr > 0 ? clipped / snr : 1.0;
        else if (o->prediction == DK_PRED_V)
            w = clipped / (snr + 1.0);
        else
            w = clipped;
    } else if (o->weighting == DK_WEIGHT_P2) {
        w = 1.0 / pow(o->k + snr, g);
    }
    return o->prediction == DK_PRED_SCORE ? w * (1.0 - ab) : w;
}

/* The target's coefficients: target = tx x0 + te eps. */
static void target_of(dk_prediction p, double ab, double *tx, double *te)
{
    *tx = *te = 0;
    if (p == DK_PRED_EPSILON)
        *te = 1;
    else if (p == DK_PRED_SAMPLE)
        *tx = 1;
    else if (p == DK_PRED_V)
        *tx = -sqrt(1 - ab), *te = sqrt(ab);
    else
        *te = -1 / sqrt(1 - ab);
}

/* ---- the gradient against a central difference ----
 * The mean row loss L(m) is a quadratic in each m_i, so the central
 * difference (L(m_i + h) - L(m_i - h)) / (2h) is its derivative exactly; only
 * row r = i / dim changes, so it is (row_loss_r(+h) - row_loss_r(-h)) /
 * (2 h rows). What is left is the float evaluation: each row loss within
 * (5 w / dim sum_j 2 |d_j| S_j + 2 L_r) 2^-24 of the exact one (the
 * oracle's bound, tests/oracle.c, S_j = |m_j| + |the target's terms|), and
 * the gradient within 7 units of 2 w S_i / (rows dim). The bound is their
 * sum, 1% more for second-order terms. */
enum { GROWS = 5, GDIM = 9 };

/* The bound of a row loss with m_i moved by dm. */
static double row_loss_error(const float *x0, const float *eps, const float *m, int r, int i, double dm,
                             double w, double tx, double te)
{
    double mag = 0, loss = 0;
    for (int j = r * GDIM; j < (r + 1) * GDIM; j++) {
        const double mj = (double)m[j] + (j == i ? dm : 0.0);
        const double d = mj - (tx * x0[j] + te * eps[j]);
        mag += 2 * fabs(d) * (fabs(mj) + fabs(tx * x0[j]) + fabs(te * eps[j]));
        loss += d * d;
    }
    return (5 * w / GDIM * mag + 2 * w / GDIM * loss) * 0x1p-24 * 1.01;
}

static double check_gradient(const dk_schedule *s, const char *isa, const dk_loss_opts *o)
{
    const float h = 0.25f;
    float x0[GROWS * GDIM], eps[GROWS * GDIM], m[GROWS * GDIM], grad[GROWS * GDIM], plus[GROWS], minus[GROWS];
    int32_t t[GROWS];
    for (int r = 0; r < GROWS; r++)
        t[r] = r == 0 ? 1 : r == 1 ? dk_schedule_steps(s) : 1 + (int32_t)(dk_rand_u64() % 1000);
    for (int i = 0; i < GROWS * GDIM; i++)
        x0[i] = grid_value(), eps[i] = grid_value(), m[i] = grid_value();
    dk_check(dk_loss(s, t, GROWS, GDIM, x0, eps, m, o, NULL, grad) == DK_OK, "%s: gradient refused", isa);
    double worst = 0; /* |fd - grad| / bound */
    for (int i = 0; i < GROWS * GDIM; i++) {
        const int r = i / GDIM;
        const float keep = m[i];
        m[i] = keep + h;
        const dk_status st_plus = dk_loss(s, t, GROWS, GDIM, x0, eps, m, o, plus, NULL);
        m[i] = keep - h;
        const dk_status st_minus = dk_loss(s, t, GROWS, GDIM, x0, eps, m, o, minus, NULL);
        m[i] = keep;
        dk_check(st_plus == DK_OK && st_minus == DK_OK, "%s: loss refused", isa);
        const double fd = ((double)plus[r] - (double)minus[r]) / (2.0 * h * GROWS);
        const double ab = dk_schedule_alpha_bar(s, t[r]), w = weight_formula(o, ab);
        double tx, te;
        target_of(o->prediction, ab, &tx, &te);
        const double S = fabs(m[i]) + fabs(tx * x0[i]) + fabs(te * eps[i]);
        const double bound = (row_loss_error(x0, eps, m, r, i, h, w, tx, te) +
                              row_loss_error(x0, eps, m, r, i, -h, w, tx, te)) /
                                 (2.0 * h * GROWS) +
                             7 * 2 * w * S / (GROWS * GDIM) * 0x1p-24 * 1.01 + 0x1p-149;
        const double err = fabs(fd - (double)grad[i]);
        worst = fmax(worst, err / bound);
        dk_check(
            err <= bound,
            "%s: prediction %d weighting %d, t=%d: grad[%d] = %.9g, central difference %.9g (bound %.3g)",
            isa, (int)o->prediction, (int)o->weighting, (int)t[r], i, grad[i], fd, bound);
    }
    return worst;
}

static const dk_loss_opts all_opts[] = {
    {DK_PRED_EPSILON, DK_WEIGHT_NONE, 0, 0},    {DK_PRED_SAMPLE, DK_WEIGHT_NONE, 0, 0},
    {DK_PRED_V, DK_WEIGHT_NONE, 0, 0},          {DK_PRED_SCORE, DK_WEIGHT_NONE, 0, 0},
    {DK_PRED_EPSILON, DK_WEIGHT_MIN_SNR, 5, 0}, {DK_PRED_SAMPLE, DK_WEIGHT_MIN_SNR, 5, 0},
    {DK_PRED_V, DK_WEIGHT_MIN_SNR, 5, 0},       {DK_PRED_SCORE, DK_WEIGHT_MIN_SNR, 1, 0},
    {DK_PRED_EPSILON, DK_WEIGHT_P2, 1, 1},      {DK_PRED_SAMPLE, DK_WEIGHT_P2, 0.5f, 1},
    {DK_PRED_V, DK_WEIGHT_P2, 1, 0.5f},         {DK_PRED_SCORE, DK_WEIGHT_P2, 0.5f, 0},
};
#define ALL_OPTS (sizeof all_opts / sizeof all_opts[0])

static void check_gradients(const dk_schedule *s)
{
    for (int i = 0; i < DK_ISA_COUNT; i++) {
        const dk_isa isa = (dk_isa)i;
        if (!dk_isa_supported(isa)) {
            printf("  %s: not on this CPU, skipped\n", dk_isa_name(isa));
            continue;
        }
        dk_isa_select(isa);
        double worst = 0;
        for (int rep = 0; rep < 4; rep++)
            for (size_t k = 0; k < ALL_OPTS; k++)
                worst = fmax(worst, check_gradient(s, dk_isa_name(isa), &all_opts[k]));
        printf("  %s: gradient vs central difference, worst error %.3f of its bound\n", dk_isa_name(isa),
               worst);
    }
}

/* ---- the weights at every t ----
 * x0 = eps = 0 and model_out = 1 make d = 1 exactly, so row_loss = w rounded
 * once to float: within half an ulp of w. The library's w and the
 * formula's, both in double through a few roundings and a pow, differ by
 * some 2^-50 of w: the bound is 0.501 ulp. */
static void check_weights_on(const char *label, const dk_schedule *s)
{
    const int32_t T = dk_schedule_steps(s);
    int32_t *t = xmalloc((size_t)T * sizeof *t);
    float *zero = xmalloc((size_t)T * sizeof *zero), *one = xmalloc((size_t)T * sizeof *one);
    float *loss = xmalloc((size_t)T * sizeof *loss);
    for (int32_t i = 0; i < T; i++)
        t[i] = i + 1, zero[i] = 0.0f, one[i] = 1.0f;
    double worst = 0;
    for (size_t k = 0; k < ALL_OPTS; k++) {
        const dk_loss_opts *o = &all_opts[k];
        const int refused = o->weighting == DK_WEIGHT_P2 && o->k == 0 && dk_schedule_alpha_bar(s, T) == 0;
        /* one row per t: rows = T, dim = 1 */
        const dk_status st = dk_loss(s, t, (size_t)(refused ? T - 1 : T), 1, zero, zero, one, o, loss, NULL);
        dk_check(st == DK_OK, "%s: weights refused (%s)", label, dk_status_str(st));
        for (int32_t i = 0; st == DK_OK && i < (refused ? T - 1 : T); i++) {
            const double want = weight_formula(o, dk_schedule_alpha_bar(s, i + 1));
            const double ulps = fabs((double)loss[i] - want) / dk_ulp(want);
            worst = fmax(worst, ulps);
            dk_check(ulps <= 0.501,
                     "%s: prediction %d weighting %d gamma %g k %g at t=%d: %.9g, formula %.9g", label,
                     (int)o->prediction, (int)o->weighting, o->gamma, o->k, (int)(i + 1), loss[i], want);
        }
    }
    printf("  weights, %s: every t, %zu option sets, worst %.2f ulp of the formula\n", label, ALL_OPTS,
           worst);
    free(t), free(zero), free(one), free(loss);
}

static void check_weights(void)
{
    dk_schedule *lin = NULL, *cos = NULL, *zsnr = NULL;
    if (dk_schedule_create(&lin, DK_BETA_LINEAR, 1000, 1e-4, 0.02) != DK_OK ||
        dk_schedule_create(&cos, DK_BETA_COSINE, 1000, 0, 0) != DK_OK ||
        dk_schedule_rescale_zero_snr(&zsnr, lin) != DK_OK)
        abort();
    check_weights_on("linear T=1000", lin);
    check_weights_on("cosine T=1000", cos);
    check_weights_on("zero-SNR linear T=1000", zsnr);
    dk_schedule_destroy(lin), dk_schedule_destroy(cos), dk_schedule_destroy(zsnr);
}

/* ---- the pair: noise written by q_sample_randn, regenerated by the loss ---- */
static void check_pair(const dk_schedule *s)
{
    enum { ROWS = 6, DIM = 1500 }; /* longer rows than the loss kernels' pieces */
    const size_t n = ROWS * DIM;
    float *x0 = xmalloc(n * sizeof *x0), *xt = xmalloc(n * sizeof *xt), *eps = xmalloc(n * sizeof *eps);
    float *m = xmalloc(n * sizeof *m), *g1 = xmalloc(n * sizeof *g1), *g2 = xmalloc(n * sizeof *g2);
    float l1[ROWS], l2[ROWS];
    int32_t t[ROWS];
    const dk_noise noise = {dk_rand_u64(), dk_rand_u64(), dk_rand_u64() >> 4};
    dk_check(dk_sample_timesteps(noise, dk_schedule_steps(s), t, ROWS) == DK_OK, "timesteps");
    dk_rand_fill(x0, n, 1.0);
    dk_rand_fill(m, n, 1.0);
    for (size_t k = 0; k < ALL_OPTS; k++) {
        dk_check(dk_q_sample_randn(s, t, ROWS, DIM, x0, noise, eps, xt) == DK_OK, "q_sample_randn with eps");
        dk_check(dk_loss(s, t, ROWS, DIM, x0, eps, m, &all_opts[k], l1, g1) == DK_OK, "dk_loss");
        dk_check(dk_loss_randn(s, t, ROWS, DIM, x0, noise, m, &all_opts[k], l2, g2) == DK_OK,
                 "dk_loss_randn");
        dk_check(dk_first_diff(l1, l2, ROWS) == ROWS && dk_first_diff(g1, g2, n) == n,
                 "option set %zu: dk_loss_randn differs from dk_loss on q_sample_randn's eps", k);
    }
    free(x0), free(xt), free(eps), free(m), free(g1), free(g2);
}

int main(void)
{
    dk_test_seed();
    dk_schedule *s = NULL;
    if (dk_schedule_create(&s, DK_BETA_LINEAR, 1000, 1e-4, 0.02) != DK_OK)
        return 1;
    check_gradients(s);
    check_weights();
    dk_isa_select(dk_isa_active());
    check_pair(s);
    dk_schedule_destroy(s);
    return dk_test_finish("test_loss");
}
