/* The public reverse steps: DDPM (dk_p_step), DDIM, the reverse SDE and the
 * probability-flow ODE, each with z given or generated, all through one run
 * function over the one family of step kernels: a sampler is a choice of
 * coefficients (coefs.c). And diffusers' timesteps (dk_timesteps). */
#include <math.h>

#include "call.h"
#include "coefs.h"
#include "threshold.h"

/* What a call's run function needs beyond dk_call. */
typedef struct step_kind {
    dk_sampler sampler;
    int generated; /* the noise comes from c->noise, not from an array z */
} step_kind;

static const step_kind ddpm_z = {DK_SAMPLER_DDPM, 0}, ddpm_randn = {DK_SAMPLER_DDPM, 1};
static const step_kind ddim_z = {DK_SAMPLER_DDIM, 0}, ddim_randn = {DK_SAMPLER_DDIM, 1};
static const step_kind sde_z = {DK_SAMPLER_SDE, 0}, sde_randn = {DK_SAMPLER_SDE, 1};
static const step_kind ode = {DK_SAMPLER_ODE, 0};

/* The step kernel of n elements at `at` of a run, given the coefficients of
 * their row (threshold_s: that row's threshold, NULL for none; x0_row: the
 * row's x0, which a thresholded step without an m' term reads instead of m
 * and u, as step_x0's mode 2: the same operations on the same x0, so the
 * same bits, with fewer arrays and operations). A step whose
 * sigma is 0 adds no noise, and neither does a DDPM step at t = 1: it calls
 * the kernel without z, whether z was given or would be generated (whose
 * indices are then skipped). Normals made ahead (a->z_ahead) are read as a
 * given z. */
static void step_piece(const dk_call *c, const dk_kargs *a, int32_t t, int32_t t_prev, size_t at, size_t n,
                       const double *threshold_s, const float *x0_row)
{
    const step_kind *kind = c->ctx;
    dk_kargs b = *a;
    for (int i = 0; i < DK_MAX_IN; i++)
        b.in[i] = a->in[i] ? a->in[i] + at : NULL;
    b.out[0] = a->out[0] + at;
    b.noise.offset += at;
    int x0_form, mode;
    b.c = dk_step_coefs_of(c->s, kind->sampler, t, t_prev, c->opts, threshold_s, &x0_form, &mode);
    b.mode = mode;
    if (x0_row && mode == 1) {
        b.in[1] = x0_row;
        b.in[2] = NULL;
        b.mode = 2;
    }
    const int noisy =
        b.c.sigma != 0.0f && !(kind->sampler == DK_SAMPLER_DDPM && t == 1) && (kind->generated || b.in[3]);
    if (!noisy || kind->generated)
        b.in[3] = NULL;
    if (noisy && kind->generated && a->z_ahead)
        b.in[3] = a->z_ahead + at;
    dk_kernel_id id = x0_form ? DK_KERNEL_step_x0 : DK_KERNEL_step;
    if (noisy && kind->generated && !a->z_ahead)
        id = x0_form ? DK_KERNEL_step_x0_randn : DK_KERNEL_step_randn;
    dk_kernel(c, id)(n, &b);
}

/* A thresholded run: each row its own threshold, the rows in groups
 * (threshold.h): the x0 of the group's rows, the |x0| of each packed with
 * the bracket the row before left (x0_abs), then their thresholds, then
 * their steps.
 * A run starts with the bracket the task's run before it left (rows at
 * another t, whose bracket may or may not place this run's values). A task's
 * first row has none: its threshold is found as soon as its x0 is, and
 * the rest of its group is packed with the bracket it leaves. Packed with
 * none, every row of a call's first group paid for a sample and a second
 * pass (pack_within), and a call of a few rows, as most sampling calls are,
 * is only that group. */
static void threshold_run(const dk_call *c, const dk_kargs *a, int32_t t, int32_t t_prev, size_t n)
{
    const step_kind *kind = c->ctx;
    const dk_step_opts *o = c->opts;
    const size_t dim = c->dim, group = c->group_rows;
    float *x0_rows = c->scratch, *candidates = c->scratch + group * dim;
    const double any = 1.0; /* the x0 map does not depend on the threshold */
    int x0_form, mode;
    dk_kargs x0 = {.c = dk_step_coefs_of(c->s, kind->sampler, t, t_prev, o, &any, &x0_form, &mode),
                   .stream = a->stream};
    dk_bracket next = *c->carried, brackets[DK_GROUP_MAX];
    double s[DK_GROUP_MAX];
    const dk_kernel_fn pack_within = dk_kernel(c, DK_KERNEL_pack_within);
    for (size_t first = 0; first < n; first += group * dim) {
        const size_t rows = (n - first) / dim < group ? (n - first) / dim : group;
        size_t found = 0; /* the rows whose threshold is known */
        for (size_t r = 0; r < rows; r++) {
            const size_t at = first + r * dim;
            for (int i = 0; i < 3; i++)
                x0.in[i] = a->in[i] ? a->in[i] + at : NULL;
            x0.out[0] = x0_rows + r * dim;
            x0.out[1] = candidates + r * dim;
            brackets[r] = next;
            x0.c.lo = next.lo, x0.c.hi = next.hi;
            x0.counts = brackets[r].counts;
            dk_kernel(c, DK_KERNEL_x0_abs)(dim, &x0);
            if (r == 0 && next.lo == INFINITY) { /* no bracket yet */
                s[0] = dk_threshold_of(x0_rows, candidates, dim, o->threshold_ratio, o->threshold_max,
                                       &brackets[0], pack_within);
                next = brackets[0];
                found = 1;
            }
        }
        for (size_t r = found; r < rows; r++) {
            s[r] = dk_threshold_of(x0_rows + r * dim, candidates + r * dim, dim, o->threshold_ratio,
                                   o->threshold_max, &brackets[r], pack_within);
            next = brackets[r];
        }
        for (size_t r = 0; r < rows; r++)
            step_piece(c, a, t, t_prev, first + r * dim, dim, &s[r], x0_rows + r * dim);
    }
    *c->carried = next;
}

/* a->in = {x, m, u or NULL, z or NULL} (z absent where generated). A run of
 * rows with equal (t, t_prev) is one kernel call; with thresholding each row
 * is one, with its own threshold. */
static void step_run(const dk_call *c, size_t r0, size_t n, dk_kargs *a)
{
    const step_kind *kind = c->ctx;
    const int32_t t = c->t[r0], t_prev = kind->sampler == DK_SAMPLER_DDPM ? t - 1 : c->t_prev[r0];
    if (c->opts->threshold_ratio > 0.0f)
        threshold_run(c, a, t, t_prev, n);
    else
        step_piece(c, a, t, t_prev, 0, n, NULL, NULL);
}

/* The arguments every step shares; z NULL and noise NULL for none. */
static dk_status step_call(const step_kind *kind, const dk_schedule *s, const int32_t *t,
                           const int32_t *t_prev, size_t rows, size_t dim, const float *xt,
                           const float *model_out, const float *z, const dk_noise *noise,
                           const dk_step_opts *opts, float *x_prev)
{
    dk_call c = dk_call_rows(s, t, rows, dim, 1);
    dk_in(&c, xt);
    dk_in(&c, model_out);
    dk_in_opt(&c, dk_uncond_of(opts));
    if (!kind->generated)
        dk_in_opt(&c, z);
    dk_out(&c, x_prev);
    if (kind->sampler != DK_SAMPLER_DDPM)
        dk_with_t_prev(&c, t_prev);
    if (noise)
        dk_with_noise_ahead(&c, noise);
    dk_with_opts(&c, opts,
                 kind->sampler == DK_SAMPLER_SDE || kind->sampler == DK_SAMPLER_ODE ? DK_OPTS_FLOW
                                                                                    : DK_OPTS_STEP);
    c.ctx = kind;
    return dk_call_do(&c, step_run);
}

dk_status dk_p_step(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *xt,
                    const float *model_out, const float *z, const dk_step_opts *opts, float *x_prev)
{
    return step_call(&ddpm_z, s, t, NULL, rows, dim, xt, model_out, z, NULL, opts, x_prev);
}

dk_status dk_p_step_randn(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *xt,
                          const float *model_out, dk_noise noise, const dk_step_opts *opts, float *x_prev)
{
    return step_call(&ddpm_randn, s, t, NULL, rows, dim, xt, model_out, NULL, &noise, opts, x_prev);
}

dk_status dk_ddim_step(const dk_schedule *s, const int32_t *t, const int32_t *t_prev, size_t rows, size_t dim,
                       const float *xt, const float *model_out, const float *z, const dk_step_opts *opts,
                       float *x_prev)
{
    return step_call(&ddim_z, s, t, t_prev, rows, dim, xt, model_out, z, NULL, opts, x_prev);
}

dk_status dk_ddim_step_randn(const dk_schedule *s, const int32_t *t, const int32_t *t_prev, size_t rows,
                             size_t dim, const float *xt, const float *model_out, dk_noise noise,
                             const dk_step_opts *opts, float *x_prev)
{
    return step_call(&ddim_randn, s, t, t_prev, rows, dim, xt, model_out, NULL, &noise, opts, x_prev);
}

dk_status dk_sde_step(const dk_schedule *s, const int32_t *t, const int32_t *t_prev, size_t rows, size_t dim,
                      const float *xt, const float *model_out, const float *z, const dk_step_opts *opts,
                      float *x_prev)
{
    return step_call(&sde_z, s, t, t_prev, rows, dim, xt, model_out, z, NULL, opts, x_prev);
}

dk_status dk_sde_step_randn(const dk_schedule *s, const int32_t *t, const int32_t *t_prev, size_t rows,
                            size_t dim, const float *xt, const float *model_out, dk_noise noise,
                            const dk_step_opts *opts, float *x_prev)
{
    return step_call(&sde_randn, s, t, t_prev, rows, dim, xt, model_out, NULL, &noise, opts, x_prev);
}

dk_status dk_ode_step(const dk_schedule *s, const int32_t *t, const int32_t *t_prev, size_t rows, size_t dim,
                      const float *xt, const float *model_out, const dk_step_opts *opts, float *x_prev)
{
    return step_call(&ode, s, t, t_prev, rows, dim, xt, model_out, NULL, NULL, opts, x_prev);
}

/* ---- diffusers' timesteps ---- */

/* The 0-based k of inference step i, as numpy computes it in diffusers'
 * DDIMScheduler.set_timesteps (np.round: half to even, which nearbyint does
 * in the default rounding mode). */
static int64_t timestep_k(int32_t T, int32_t steps, dk_spacing spacing, int32_t offset, int32_t i)
{
    switch (spacing) {
    case DK_SPACING_LEADING: /* arange(steps) * (T // steps), reversed, + offset */
        return (int64_t)(steps - 1 - i) * (T / steps) + offset;
    case DK_SPACING_TRAILING: { /* round(arange(T, 0, -T / steps)) - 1 */
        /* numpy's arange: a[0] = start, a[1] = start + step, then
         * start + i * (a[1] - a[0]) */
        const double step = -((double)T / steps), delta = ((double)T + step) - (double)T;
        const double v = i == 0 ? (double)T : i == 1 ? (double)T + step : (double)T + i * delta;
        return (int64_t)nearbyint(v) - 1;
    }
    case DK_SPACING_LINSPACE:
    default: { /* round(linspace(0, T - 1, steps)), reversed */
        const int32_t j = steps - 1 - i;
        if (steps == 1)
            return 0;
        if (j == steps - 1) /* numpy sets the last point to stop exactly */
            return T - 1;
        return (int64_t)nearbyint((double)j * ((double)(T - 1) / (double)(steps - 1)));
    }
    }
}

dk_status dk_timesteps(int32_t T, int32_t steps, dk_spacing spacing, int32_t offset, int final_alpha_one,
                       int32_t *t, int32_t *t_prev)
{
    if (T < 1 || steps < 1 || steps > T)
        return DK_ERR_STEPS;
    if ((unsigned)spacing >= DK_SPACING_COUNT)
        return DK_ERR_SPACING;
    if (!t || !t_prev)
        return DK_ERR_NULL_POINTER;
    const uintptr_t a = (uintptr_t)t, b = (uintptr_t)t_prev, bytes = (uintptr_t)steps * sizeof(int32_t);
    if (a < b + bytes && b < a + bytes)
        return DK_ERR_OVERLAP;
    for (int32_t i = 0; i < steps; i++) {
        const int64_t k = timestep_k(T, steps, spacing, spacing == DK_SPACING_LEADING ? offset : 0, i);
        if (k < 0 || k > T - 1)
            return DK_ERR_TIMESTEP; /* nothing written yet */
    }
    for (int32_t i = 0; i < steps; i++) {
        const int64_t k = timestep_k(T, steps, spacing, spacing == DK_SPACING_LEADING ? offset : 0, i);
        const int64_t k_prev = k - T / steps; /* diffusers' step: timestep - T // steps */
        t[i] = (int32_t)(k + 1);
        t_prev[i] = k_prev >= 0 ? (int32_t)(k_prev + 1) : final_alpha_one ? 0 : 1;
    }
    return DK_OK;
}
