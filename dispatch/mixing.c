/* The public entry points of the forward step and of the noise: declare the
 * arguments, check them all (call.c), then run the active ISA's kernel over
 * each run of rows that share a timestep. (The reverse steps: samplers.c.) */
#include <string.h>

#include "call.h"
#include "coefs.h"

static void q_sample_run(const dk_call *c, size_t r0, size_t n, dk_kargs *a)
{
    a->c = dk_q_sample_coefs(c->s, c->t[r0]);
    dk_kernel(c, DK_KERNEL_q_sample)(n, a);
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

static void q_sample_randn_run(const dk_call *c, size_t r0, size_t n, dk_kargs *a)
{
    a->c = dk_q_sample_coefs(c->s, c->t[r0]);
    if (!a->z_ahead) {
        dk_kernel(c, DK_KERNEL_q_sample_randn)(n, a);
        return;
    }
    /* q_sample on the normals made ahead, then eps_out receives them: after,
     * since eps_out may be x0 */
    dk_kargs b = *a;
    b.in[1] = a->z_ahead;
    b.out[1] = NULL;
    dk_kernel(c, DK_KERNEL_q_sample)(n, &b);
    if (a->out[1])
        memcpy(a->out[1], a->z_ahead, n * sizeof(float));
}

dk_status dk_q_sample_randn(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *x0,
                            dk_noise noise, float *eps_out, float *xt)
{
    dk_call c = dk_call_rows(s, t, rows, dim, 0);
    dk_in(&c, x0);
    dk_out(&c, xt);
    dk_out_opt(&c, eps_out);
    dk_with_noise_ahead(&c, &noise);
    return dk_call_do(&c, q_sample_randn_run);
}

static void randn_run(const dk_call *c, size_t r0, size_t n, dk_kargs *a)
{
    (void)c, (void)r0;
    dk_kernel(c, DK_KERNEL_randn)(n, a);
}

dk_status dk_randn(dk_noise noise, float *out, size_t n)
{
    dk_call c = dk_call_flat(n);
    dk_out(&c, out);
    dk_with_noise(&c, &noise);
    return dk_call_do(&c, randn_run);
}
