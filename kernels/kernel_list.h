/* The one list of kernels. Dispatch builds its tables from it, every ISA
 * build defines each entry (dk_<name>_<variant>), and the per-ISA tests, the
 * fuzzer and the bench walk it, so a kernel cannot be left out of any of them.
 *
 * DK_KERNEL(name, arrays, uses)
 *   arrays  the float arrays of a call, "inputs -> outputs": a->in[0],
 *           a->in[1], ... then a->out[0], ...; a name ending in '?' may be
 *           NULL, and the kernel then neither reads nor writes it.
 *   uses    what the kernel reads of dk_kargs besides the arrays and the
 *           coefficients a->c: DK_USES_PRED (a->pred), DK_USES_CLIP
 *           (a->c.clip), DK_USES_NOISE (a->noise: element i of the call has
 *           the normal, or Philox word, of index a->noise.offset + i);
 *           DK_WRITES_WORDS: out[0] receives raw 32-bit words, not floats.
 * Every kernel is void f(size_t n, const dk_kargs *a) over n elements of each
 * array. Tests and bench read the row through dk_kernel_describe().
 * No include guard: this file is included once per expansion. */

/* xt = fma(sqrt_abar, x0, sqrt_1m_abar * eps) */
DK_KERNEL(q_sample, "x0 eps -> xt", 0)

/* The seed's epsilon form: x_prev = fma(sigma, z, c_out * fma(-c_eps, eps_hat, xt));
 * without z the fma with sigma is left out. */
DK_KERNEL(p_step_eps, "xt eps_hat z? -> x_prev", 0)

/* The posterior-mean form: x0_hat from the prediction, clamped to
 * [-clip, clip], mu = fma(c0, x0_hat, c1 * xt), x_prev = fma(sigma, z, mu). */
DK_KERNEL(p_step_posterior, "xt model_out z? -> x_prev", DK_USES_PRED | DK_USES_CLIP)

/* Raw Philox4x32-10 words: word e is word e % 4 of block e / 4, the words
 * every noise kernel turns into normals (known-answer tests). */
DK_KERNEL(philox, "-> words", DK_USES_NOISE | DK_WRITES_WORDS)

/* Standard normals. */
DK_KERNEL(randn, "-> out", DK_USES_NOISE)

/* q_sample with generated eps; eps_out, if given, receives it (it may be x0). */
DK_KERNEL(q_sample_randn, "x0 -> xt eps_out?", DK_USES_NOISE)

/* p_step_eps with generated z. */
DK_KERNEL(p_step_eps_randn, "xt eps_hat -> x_prev", DK_USES_NOISE)

/* p_step_posterior with generated z. */
DK_KERNEL(p_step_posterior_randn, "xt model_out -> x_prev", DK_USES_PRED | DK_USES_CLIP | DK_USES_NOISE)
