/* The public kernel entry points: validate every argument, then run the
 * active ISA's kernel over each run of rows that share a timestep. */
#include <math.h>
#include <stdint.h>

#include "diffkern.h"
#include "dispatch.h"
#include "schedule.h"

static const dk_step_opts default_opts = {DK_PRED_EPSILON, DK_VAR_FIXED_SMALL, 0.0f};

/* A pointer that addresses count elements: NULL only when count is 0. */
static int missing(const void *p, size_t count) { return p == NULL && count != 0; }

static dk_status check_shape(const int32_t *t, size_t rows, size_t dim, size_t *n_out)
{
    if (rows > SIZE_MAX / sizeof(int32_t))
        return DK_ERR_SIZE_OVERFLOW;
    if (rows != 0 && dim > SIZE_MAX / sizeof(float) / rows)
        return DK_ERR_SIZE_OVERFLOW;
    if (missing(t, rows))
        return DK_ERR_NULL_POINTER;
    *n_out = rows * dim;
    return DK_OK;
}

static dk_status check_timesteps(const int32_t *t, size_t rows, int32_t lo, int32_t hi)
{
    for (size_t r = 0; r < rows; r++)
        if (t[r] < lo || t[r] > hi)
            return DK_ERR_TIMESTEP;
    return DK_OK;
}

/* True if [a, a + a_bytes) and [b, b + b_bytes) share a byte. */
static int intersects(const void *a, size_t a_bytes, const void *b, size_t b_bytes)
{
    const uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
    return a_bytes && b_bytes && pa < pb + b_bytes && pb < pa + a_bytes;
}

/* An output of n floats may equal an input of n floats exactly, nothing else. */
static int overlaps_partially(const float *out, const float *in, size_t n)
{
    return in != out && intersects(out, n * sizeof(float), in, n * sizeof(float));
}

static int overlaps_timesteps(const float *out, size_t n, const int32_t *t, size_t rows)
{
    return intersects(out, n * sizeof(float), t, rows * sizeof(int32_t));
}

/* Rows [r, end) share t[r]: one kernel call covers them all. */
static size_t run_end(const int32_t *t, size_t rows, size_t r)
{
    size_t end = r + 1;
    while (end < rows && t[end] == t[r])
        end++;
    return end;
}

dk_status dk_q_sample(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *x0,
                      const float *eps, float *xt)
{
    size_t n;
    dk_status st = check_shape(t, rows, dim, &n);
    if (st != DK_OK)
        return st;
    if (!s || missing(x0, n) || missing(eps, n) || missing(xt, n))
        return DK_ERR_NULL_POINTER;
    if ((st = check_timesteps(t, rows, 0, s->steps)) != DK_OK)
        return st;
    if (overlaps_partially(xt, x0, n) || overlaps_partially(xt, eps, n) || overlaps_timesteps(xt, n, t, rows))
        return DK_ERR_OVERLAP;
    if (n == 0)
        return DK_OK;

    const dk_kernels *k = dk_active_kernels();
    for (size_t r = 0, end; r < rows; r = end) {
        end = run_end(t, rows, r);
        const size_t at = r * dim;
        k->q_sample((end - r) * dim, s->q_a[t[r]], s->q_b[t[r]], x0 + at, eps + at, xt + at);
    }
    return DK_OK;
}

static dk_status check_opts(const dk_step_opts *o)
{
    if ((unsigned)o->prediction > DK_PRED_V)
        return DK_ERR_PREDICTION;
    if ((unsigned)o->variance > DK_VAR_FIXED_LARGE)
        return DK_ERR_VARIANCE;
    if (!(o->clip >= 0.0f)) /* negative or NaN */
        return DK_ERR_CLIP;
    return DK_OK;
}

/* The coefficients of step t with this call's noise scale and clip. */
static dk_step_coefs step_coefs_of(const dk_schedule *s, int32_t t, const dk_step_opts *o, const float *sigma)
{
    dk_step_coefs c = s->step[t];
    c.sigma = sigma[t];
    c.clip = o->clip > 0.0f ? o->clip : INFINITY;
    return c;
}

/* ---- kernels with generated noise ---- */

/* Indices offset .. offset + n - 1 must not wrap. */
static int noise_out_of_range(const dk_noise *noise, size_t n)
{
    return (uint64_t)n > UINT64_MAX - noise->offset;
}

/* The noise of the floats from element at of the call on. */
static dk_noise noise_at(dk_noise noise, size_t at)
{
    noise.offset += at;
    return noise;
}

dk_status dk_randn(dk_noise noise, float *out, size_t n)
{
    if (n > SIZE_MAX / sizeof(float))
        return DK_ERR_SIZE_OVERFLOW;
    if (missing(out, n))
        return DK_ERR_NULL_POINTER;
    if (noise_out_of_range(&noise, n))
        return DK_ERR_NOISE_RANGE;
    if (n != 0)
        dk_active_kernels()->randn(n, &noise, out);
    return DK_OK;
}

dk_status dk_q_sample_randn(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *x0,
                            dk_noise noise, float *eps_out, float *xt)
{
    size_t n;
    dk_status st = check_shape(t, rows, dim, &n);
    if (st != DK_OK)
        return st;
    if (!s || missing(x0, n) || missing(xt, n))
        return DK_ERR_NULL_POINTER;
    if (noise_out_of_range(&noise, n))
        return DK_ERR_NOISE_RANGE;
    if ((st = check_timesteps(t, rows, 0, s->steps)) != DK_OK)
        return st;
    if (overlaps_partially(xt, x0, n) || overlaps_timesteps(xt, n, t, rows))
        return DK_ERR_OVERLAP;
    if (eps_out && (overlaps_partially(eps_out, x0, n) ||
                    intersects(eps_out, n * sizeof(float), xt, n * sizeof(float)) ||
                    overlaps_timesteps(eps_out, n, t, rows)))
        return DK_ERR_OVERLAP;
    if (n == 0)
        return DK_OK;

    const dk_kernels *k = dk_active_kernels();
    for (size_t r = 0, end; r < rows; r = end) {
        end = run_end(t, rows, r);
        const size_t at = r * dim;
        const dk_noise nz = noise_at(noise, at);
        k->q_sample_randn((end - r) * dim, s->q_a[t[r]], s->q_b[t[r]], &nz, x0 + at,
                          eps_out ? eps_out + at : NULL, xt + at);
    }
    return DK_OK;
}

/* ---- the reverse step, with z or with generated noise ---- */

/* Everything dk_p_step and dk_p_step_randn check, in order, before writing:
 * noise is NULL for dk_p_step. Sets *n and *o (opts or the defaults). */
static dk_status check_p_step(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim,
                              const float *xt, const float *model_out, const float *z, const dk_noise *noise,
                              const dk_step_opts *opts, const float *x_prev, size_t *n,
                              const dk_step_opts **o)
{
    dk_status st = check_shape(t, rows, dim, n);
    if (st != DK_OK)
        return st;
    if (!s || missing(xt, *n) || missing(model_out, *n) || missing(x_prev, *n))
        return DK_ERR_NULL_POINTER;
    *o = opts ? opts : &default_opts;
    if ((st = check_opts(*o)) != DK_OK)
        return st;
    if (noise && noise_out_of_range(noise, *n))
        return DK_ERR_NOISE_RANGE;
    if ((st = check_timesteps(t, rows, 1, s->steps)) != DK_OK)
        return st;
    if (overlaps_partially(x_prev, xt, *n) || overlaps_partially(x_prev, model_out, *n) ||
        (z && overlaps_partially(x_prev, z, *n)) || overlaps_timesteps(x_prev, *n, t, rows))
        return DK_ERR_OVERLAP;
    return DK_OK;
}

/* Runs the reverse step over validated arguments, one kernel call per run of
 * equal t. The noise is z, or generated from noise, or none (both NULL);
 * rows with t = 1 add none. */
static void run_p_step(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *xt,
                       const float *model_out, const float *z, const dk_noise *noise, const dk_step_opts *o,
                       float *x_prev)
{
    /* The seed's epsilon form unless the prediction or clipping needs x0_hat. */
    const int posterior = o->prediction != DK_PRED_EPSILON || o->clip > 0.0f;
    const float *sigma = o->variance == DK_VAR_FIXED_LARGE ? s->sigma_large : s->sigma_small;
    const dk_kernels *k = dk_active_kernels();
    for (size_t r = 0, end; r < rows; r = end) {
        end = run_end(t, rows, r);
        const size_t at = r * dim, count = (end - r) * dim;
        const dk_step_coefs c = step_coefs_of(s, t[r], o, sigma);
        if (noise && t[r] > 1) {
            const dk_noise nz = noise_at(*noise, at);
            if (posterior)
                k->p_step_posterior_randn(count, &c, o->prediction, &nz, xt + at, model_out + at,
                                          x_prev + at);
            else
                k->p_step_eps_randn(count, &c, &nz, xt + at, model_out + at, x_prev + at);
            continue;
        }
        const float *z_run = z && t[r] > 1 ? z + at : NULL; /* t = 1 adds no noise */
        if (posterior)
            k->p_step_posterior(count, &c, o->prediction, xt + at, model_out + at, z_run, x_prev + at);
        else
            k->p_step_eps(count, &c, xt + at, model_out + at, z_run, x_prev + at);
    }
}

dk_status dk_p_step(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *xt,
                    const float *model_out, const float *z, const dk_step_opts *opts, float *x_prev)
{
    size_t n;
    const dk_step_opts *o;
    const dk_status st = check_p_step(s, t, rows, dim, xt, model_out, z, NULL, opts, x_prev, &n, &o);
    if (st == DK_OK && n != 0)
        run_p_step(s, t, rows, dim, xt, model_out, z, NULL, o, x_prev);
    return st;
}

dk_status dk_p_step_randn(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *xt,
                          const float *model_out, dk_noise noise, const dk_step_opts *opts, float *x_prev)
{
    size_t n;
    const dk_step_opts *o;
    const dk_status st = check_p_step(s, t, rows, dim, xt, model_out, NULL, &noise, opts, x_prev, &n, &o);
    if (st == DK_OK && n != 0)
        run_p_step(s, t, rows, dim, xt, model_out, NULL, &noise, o, x_prev);
    return st;
}
