/* The public entry points of the forward and reverse steps and the noise:
 * declare the arguments, check them all (call.c), then run the active ISA's
 * kernel over each run of rows that share a timestep. */
#include "call.h"

/* ---- forward ---- */

static void q_sample_run(const dk_call *c, int32_t t, size_t n, dk_kargs *a)
{
    a->c = c->s->step[t];
    dk_kernel(DK_KERNEL_q_sample)(n, a);
}

dk_status dk_q_sample(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *x0,
                      const float *eps, float *xt)
{
    dk_call c = dk_call_rows(s, t, rows, dim, 0);
    dk_in(&c, x0);
    dk_in(&c, eps);
    dk_out(&c, xt);
    return dk_call_do(&c, q_sample_run);
}

static void q_sample_randn_run(const dk_call *c, int32_t t, size_t n, dk_kargs *a)
{
    a->c = c->s->step[t];
    dk_kernel(DK_KERNEL_q_sample_randn)(n, a);
}

dk_status dk_q_sample_randn(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *x0,
                            dk_noise noise, float *eps_out, float *xt)
{
    dk_call c = dk_call_rows(s, t, rows, dim, 0);
    dk_in(&c, x0);
    dk_out(&c, xt);
    dk_out_opt(&c, eps_out);
    dk_with_noise(&c, &noise);
    return dk_call_do(&c, q_sample_randn_run);
}

/* ---- noise ---- */

static void randn_run(const dk_call *c, int32_t t, size_t n, dk_kargs *a)
{
    (void)c, (void)t;
    dk_kernel(DK_KERNEL_randn)(n, a);
}

dk_status dk_randn(dk_noise noise, float *out, size_t n)
{
    dk_call c = dk_call_flat(n);
    dk_out(&c, out);
    dk_with_noise(&c, &noise);
    return dk_call_do(&c, randn_run);
}

/* ---- the reverse step, with z or with generated noise ---- */

/* The seed's epsilon form unless the prediction or clipping needs x0_hat. */
static int posterior_form(const dk_step_opts *o)
{
    return o->prediction != DK_PRED_EPSILON || o->clip > 0.0f;
}

/* a->in = {xt, model_out, z or NULL}; rows with t = 1 add no noise. */
static void p_step_run(const dk_call *c, int32_t t, size_t n, dk_kargs *a)
{
    a->c = dk_schedule_coefs(c->s, t, c->opts);
    if (t == 1)
        a->in[2] = NULL;
    dk_kernel(posterior_form(c->opts) ? DK_KERNEL_p_step_posterior : DK_KERNEL_p_step_eps)(n, a);
}

dk_status dk_p_step(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *xt,
                    const float *model_out, const float *z, const dk_step_opts *opts, float *x_prev)
{
    dk_call c = dk_call_rows(s, t, rows, dim, 1);
    dk_in(&c, xt);
    dk_in(&c, model_out);
    dk_in_opt(&c, z);
    dk_out(&c, x_prev);
    dk_with_opts(&c, opts);
    return dk_call_do(&c, p_step_run);
}

/* a->in = {xt, model_out}; rows with t = 1 add no noise and run the kernel
 * without z (their noise indices are skipped). */
static void p_step_randn_run(const dk_call *c, int32_t t, size_t n, dk_kargs *a)
{
    if (t == 1) {
        p_step_run(c, t, n, a);
        return;
    }
    a->c = dk_schedule_coefs(c->s, t, c->opts);
    dk_kernel(posterior_form(c->opts) ? DK_KERNEL_p_step_posterior_randn : DK_KERNEL_p_step_eps_randn)(n, a);
}

dk_status dk_p_step_randn(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *xt,
                          const float *model_out, dk_noise noise, const dk_step_opts *opts, float *x_prev)
{
    dk_call c = dk_call_rows(s, t, rows, dim, 1);
    dk_in(&c, xt);
    dk_in(&c, model_out);
    dk_out(&c, x_prev);
    dk_with_noise(&c, &noise);
    dk_with_opts(&c, opts);
    return dk_call_do(&c, p_step_randn_run);
}
