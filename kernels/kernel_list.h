/* The one list of kernels. Dispatch builds its tables from it, every ISA
 * build defines each entry (dk_<name>_<variant>), and the per-ISA tests, the
 * fuzzer and the bench walk it, so a kernel cannot be left out of any of them.
 *
 * DK_KERNEL(name, arrays, uses)
 *   arrays  the float arrays of a call, "inputs -> outputs": a->in[0],
 *           a->in[1], ... then a->out[0], ...; a name ending in '?' may be
 *           NULL, and the kernel then neither reads nor writes it.
 *   uses    what the kernel reads of dk_kargs besides the arrays and the
 *           coefficients a->c: DK_USES_CLIP (the clamp and scale of x0:
 *           tests try finite and infinite bounds), DK_USES_NOISE (a->noise:
 *           element i of the call has the normal, or Philox word, of index
 *           a->noise.offset + i), DK_MODES(n) (a->mode in 0..n-1);
 *           DK_WRITES_WORDS: out[0] receives raw 32-bit words, not floats;
 *           DK_WRITES_COUNTS: a->counts[0 .. DK_MAX_COUNTS) receives counts;
 *           DK_WRITES_SUM: *a->sum receives the call's row sum (its n
 *           elements are the columns of one row: sum_math.h);
 *           DK_STREAMS: a->stream set stores the outputs with non-temporal
 *           stores (kernels whose outputs are not read soon, where that was
 *           measured faster);
 *           DK_PREFETCHES: a->stream set prefetches the inputs ahead.
 * Every kernel is void f(size_t n, const dk_kargs *a) over n elements of each
 * array; kernels.h gives the operation sequences. Tests and bench read the
 * row through dk_kernel_describe(). No include guard: this file is included
 * once per expansion. */

/* xt = fma(ax, x0, am * eps) */
DK_KERNEL(q_sample, "x0 eps -> xt", DK_STREAMS)

/* Every reverse step whose result is linear in (x, m'): m' = fma(w, m - u, u)
 * with guidance (u given), x_prev = fma(sigma, z, fma(ax, x, am * m'));
 * without z the outer fma is left out. DDPM, DDIM, SDE and ODE steps without
 * clipping or thresholding, any prediction. */
DK_KERNEL(step, "x m u? z? -> x_prev", DK_STREAMS)

/* The reverse step through a clamped x0: x0 = fma(kx, x, km * m'),
 * x0c = min(hi, max(lo, x0)) * scale, x_prev = fma(sigma, z, fma(a0, x0c,
 * fma(ax, x, am * m'))); mode 1 drops the m' term: fma(a0, x0c, ax * x).
 * Mode 2 is mode 1 with m' as x0 itself (x0 = m'): the second pass of a
 * thresholded step, which reads the x0 its first pass stored (x0_abs). */
DK_KERNEL(step_x0, "x m u? z? -> x_prev", DK_USES_CLIP | DK_STREAMS | DK_MODES(3))

/* x0 of a row, for its thresholding quantile: a = fma(kx, x, km * m');
 * packed and counts: those of pack_within on a (of |x0|, whence the name),
 * in the same pass. */
DK_KERNEL(x0_abs, "x m u? -> a packed", DK_USES_CLIP | DK_WRITES_COUNTS | DK_PREFETCHES)

/* The values |a| within [lo, hi] (never NaN), in order: the candidates of
 * the quantile. No arithmetic besides |a|. counts: the values |a| below lo,
 * within [lo, hi], and NaN. packed[counts[1] .. n) is scratch
 * (dk_out_defined). */
DK_KERNEL(pack_within, "a -> packed", DK_USES_CLIP | DK_WRITES_COUNTS)

/* The squared error of a training loss over one row: d = m - fma(kx, x0,
 * km * eps) (the target as a map of x0 and eps), sum = the row sum of d * d,
 * grad = scale * d. */
DK_KERNEL(loss, "x0 eps m -> grad?", DK_WRITES_SUM)

/* Raw Philox4x32-10 words: word e is word e % 4 of block e / 4, the words
 * every noise kernel turns into normals (known-answer tests). */
DK_KERNEL(philox, "-> words", DK_USES_NOISE | DK_WRITES_WORDS)

/* Standard normals. */
DK_KERNEL(randn, "-> out", DK_USES_NOISE)

/* q_sample with generated eps; eps_out, if given, receives it (it may be x0).
 * It and the two below stream only where their ISA's vector layer says so
 * (DK_NOISE_STREAMS): on the other builds their streamed form is the plain
 * one. */
DK_KERNEL(q_sample_randn, "x0 -> xt eps_out?", DK_USES_NOISE | DK_STREAMS)

/* step and step_x0 with generated z. */
DK_KERNEL(step_randn, "x m u? -> x_prev", DK_USES_NOISE | DK_STREAMS)
DK_KERNEL(step_x0_randn, "x m u? -> x_prev", DK_USES_CLIP | DK_USES_NOISE | DK_STREAMS | DK_MODES(3))

/* loss with generated eps. */
DK_KERNEL(loss_randn, "x0 m -> grad?", DK_USES_NOISE | DK_WRITES_SUM)

/* The model's x0 error of a row, for the variational bound: x0c as step_x0
 * makes it, min(hi, max(lo, fma(kx, x, km * m'))) * scale in mode 1,
 * fma(kx, x, km * m') in mode 0 (no clamp); e = x0 - x0c; sum = the row sum
 * of e * e; x0_hat = x0c. */
DK_KERNEL(x0_err, "x0 x m u? -> x0_hat?", DK_USES_CLIP | DK_WRITES_SUM | DK_MODES(2))

/* The row sum of x * x (the prior term). */
DK_KERNEL(sum_sq, "x ->", DK_WRITES_SUM)
