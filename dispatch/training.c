/* The public entry points of training (DESIGN.md section 7): the timestep
 * draws, one Philox word per row mapped onto 1..T by a multiply and a
 * shift; the losses, whose target and weight are per-row coefficients
 * computed here in double, over the loss kernels' row sums. */
#include <math.h>
#include <string.h>

#include "call.h"

static void words_run(const dk_call *c, size_t r0, size_t n, dk_kargs *a)
{
    (void)c, (void)r0;
    dk_kernel(c, DK_KERNEL_philox)(n, a);
}

dk_status dk_sample_timesteps(dk_noise noise, int32_t T, int32_t *t, size_t rows)
{
    if (T < 1)
        return DK_ERR_STEPS;
    /* The words land in t itself (32 bits each), then each becomes its step. */
    dk_call c = dk_call_flat(rows);
    dk_out(&c, (float *)(void *)t);
    dk_with_noise(&c, &noise);
    const dk_status st = dk_call_do(&c, words_run);
    if (st != DK_OK)
        return st;
    for (size_t r = 0; r < rows; r++) {
        uint32_t w; /* memcpy: the kernel stored the words as floats' bits */
        memcpy(&w, &t[r], sizeof w);
        t[r] = 1 + (int32_t)((uint64_t)w * (uint64_t)T >> 32);
    }
    return DK_OK;
}

/* ---- the losses ---- */

static const dk_loss_opts default_loss_opts = {DK_PRED_EPSILON, DK_WEIGHT_NONE, 0.0f, 0.0f};

typedef struct loss_call {
    const dk_loss_opts *o;
    dk_kernel_id kernel;
} loss_call;

static dk_status check_loss_opts(const dk_call *c)
{
    const dk_loss_opts *o = ((const loss_call *)c->ctx)->o;
    if ((unsigned)o->prediction >= DK_PRED_COUNT)
        return DK_ERR_PREDICTION;
    if ((unsigned)o->weighting >= DK_WEIGHT_COUNT)
        return DK_ERR_WEIGHTING;
    if (o->weighting != DK_WEIGHT_NONE && !(o->gamma > 0.0f && isfinite(o->gamma))) /* NaN too */
        return DK_ERR_WEIGHTING;
    if (o->weighting == DK_WEIGHT_P2 && !(o->k >= 0.0f && isfinite(o->k)))
        return DK_ERR_WEIGHTING;
    return DK_OK;
}

/* P2 with k = 0 weighs snr = 0 (alpha_bar_t = 0) by 1 / 0. */
static dk_status check_loss_row(const dk_call *c, size_t r)
{
    const dk_loss_opts *o = ((const loss_call *)c->ctx)->o;
    const int infinite = o->weighting == DK_WEIGHT_P2 && o->k == 0.0f && c->s->alpha_bar[c->t[r]] == 0.0;
    return infinite ? DK_ERR_ZERO_SNR : DK_OK;
}

/* The weight of a row at alpha_bar ab (diffkern.h, dk_weighting). */
static double loss_weight(const dk_loss_opts *o, double ab)
{
    const double snr = ab / (1.0 - ab), g = o->gamma;
    double w = 1.0;
    if (o->weighting == DK_WEIGHT_MIN_SNR) {
        const double clipped = snr < g ? snr : g;
        if (o->prediction == DK_PRED_EPSILON || o->prediction == DK_PRED_SCORE)
            w = snr <= g ? 1.0 : g / snr; /* min(snr, g) / snr, and 1 at snr = 0 */
        else if (o->prediction == DK_PRED_V)
            w = clipped / (snr + 1.0);
        else
            w = clipped;
    } else if (o->weighting == DK_WEIGHT_P2) {
        w = pow((double)o->k + snr, -g);
    }
    return o->prediction == DK_PRED_SCORE ? w * (1.0 - ab) : w;
}

/* The target as a map of (x0, eps): tx x0 + te eps. */
static void loss_target(dk_prediction p, double ab, double *tx, double *te)
{
    *tx = p == DK_PRED_SAMPLE ? 1.0 : p == DK_PRED_V ? -sqrt(1.0 - ab) : 0.0;
    *te = p == DK_PRED_EPSILON ? 1.0
          : p == DK_PRED_V     ? sqrt(ab)
          : p == DK_PRED_SCORE ? -1.0 / sqrt(1.0 - ab)
                               : 0.0;
}

/* One kernel call per row (each has its own sum); the rows of a run share
 * the coefficients. */
static void loss_run(const dk_call *c, size_t r0, size_t n, dk_kargs *a)
{
    const loss_call *lc = c->ctx;
    const double ab = c->s->alpha_bar[c->t[r0]], w = loss_weight(lc->o, ab);
    double tx, te;
    loss_target(lc->o->prediction, ab, &tx, &te);
    a->c.kx = (float)tx;
    a->c.km = (float)te;
    a->c.scale = (float)(2.0 * w / ((double)c->rows * (double)c->dim));
    const dk_kernel_fn kernel = dk_kernel(c, lc->kernel), given = dk_kernel(c, DK_KERNEL_loss);
    float *row_loss = c->row_out;
    for (size_t r = r0; r < r0 + n / c->dim; r++) {
        double sum;
        a->sum = &sum;
        if (a->z_ahead) { /* dk_loss_randn's normals made ahead: dk_loss on them */
            dk_kargs b = *a;
            b.in[1] = a->z_ahead, b.in[2] = a->in[1];
            given(c->dim, &b);
        } else {
            kernel(c->dim, a);
        }
        if (row_loss)
            row_loss[r] = (float)(w * sum / (double)c->dim);
        dk_kargs_next_row(c, a);
    }
}

static dk_status loss_do(dk_call *c, const dk_loss_opts *opts, dk_kernel_id kernel, float *row_loss,
                         float *grad)
{
    const loss_call lc = {opts ? opts : &default_loss_opts, kernel};
    dk_out_opt(c, grad);
    dk_out_rows(c, row_loss, sizeof *row_loss, 1);
    dk_needs_an_out(c);
    c->ctx = &lc;
    c->check_own_opts = check_loss_opts;
    c->check_own_row = check_loss_row;
    return dk_call_do(c, loss_run);
}

dk_status dk_loss(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *x0,
                  const float *eps, const float *model_out, const dk_loss_opts *opts, float *row_loss,
                  float *grad)
{
    dk_call c = dk_call_rows(s, t, rows, dim, 1);
    dk_in(&c, x0);
    dk_in(&c, eps);
    dk_in(&c, model_out);
    return loss_do(&c, opts, DK_KERNEL_loss, row_loss, grad);
}

dk_status dk_loss_randn(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *x0,
                        dk_noise noise, const float *model_out, const dk_loss_opts *opts, float *row_loss,
                        float *grad)
{
    dk_call c = dk_call_rows(s, t, rows, dim, 1);
    dk_in(&c, x0);
    dk_in(&c, model_out);
    dk_with_noise_ahead(&c, &noise);
    return loss_do(&c, opts, DK_KERNEL_loss_randn, row_loss, grad);
}
