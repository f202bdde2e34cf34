/* The one list of kernels. Dispatch builds its table from it, every ISA's
 * body file defines each entry, and tests and bench include it so that a new
 * kernel cannot be forgotten by any of them.
 *
 * DK_KERNEL(name, params): every kernel returns void; n counts floats.
 * No X-macro guard: this file is included once per expansion. */

/* xt = fma(a, x0, b * eps) */
DK_KERNEL(q_sample, (size_t n, float a, float b, const float *x0, const float *eps, float *xt))

/* The seed's epsilon form:
 * out = fma(sigma, z, c_out * fma(-c_eps, eps_hat, xt)); without z: the inner part. */
DK_KERNEL(p_step_eps, (size_t n, const dk_step_coefs *c, const float *xt, const float *eps_hat,
                       const float *z, float *out))

/* The posterior-mean form: x0_hat from the prediction, clamped to
 * [-clip, clip], mu = fma(c0, x0_hat, c1 * xt), out = fma(sigma, z, mu). */
DK_KERNEL(p_step_posterior, (size_t n, const dk_step_coefs *c, dk_prediction pred, const float *xt,
                             const float *model_out, const float *z, float *out))
