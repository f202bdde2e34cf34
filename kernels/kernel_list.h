/* The one list of kernels. Dispatch builds its table from it, every ISA's
 * body files define each entry, and tests and bench include it so that a new
 * kernel cannot be forgotten by any of them.
 *
 * DK_KERNEL(name, params): every kernel returns void; n counts floats.
 * Kernels with noise generate it in registers (kernels/philox.h): element i
 * of the call uses the normal of index noise->offset + i of the stream.
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

/* The raw Philox4x32-10 words of nblocks counters (first_block + i, stream),
 * the block counter wrapping modulo 2^64: 4 words per block (known-answer
 * tests). */
DK_KERNEL(philox, (size_t nblocks, uint64_t seed, uint64_t stream, uint64_t first_block, uint32_t *out))

/* out[i] = the standard normal of element noise->offset + i. */
DK_KERNEL(randn, (size_t n, const dk_noise *noise, float *out))

/* q_sample with generated eps; eps_out (may be NULL) receives it. */
DK_KERNEL(q_sample_randn,
          (size_t n, float a, float b, const dk_noise *noise, const float *x0, float *eps_out, float *xt))

/* p_step_eps with generated z. */
DK_KERNEL(p_step_eps_randn, (size_t n, const dk_step_coefs *c, const dk_noise *noise, const float *xt,
                             const float *eps_hat, float *out))

/* p_step_posterior with generated z. */
DK_KERNEL(p_step_posterior_randn,
          (size_t n, const dk_step_coefs *c, dk_prediction pred, const dk_noise *noise, const float *xt,
           const float *model_out, float *out))
