/* diffkern: SIMD kernels for denoising diffusion models (DDPM, DDIM).
 *
 * README.md has the full text; doc/numerics.md the numerics contract (what
 * is bit-identical where, the bounds between families, NaN, rounding
 * mode); doc/noise.md the exact specification of the noise.
 *
 * Conventions:
 * - Timesteps are 1-based as in the DDPM paper: betas are beta_1..beta_T and
 *   alpha_bar_0 = 1. A 0-based diffusers timestep k is t = k + 1 here.
 * - Arrays are [rows x dim] row-major floats; row r uses timestep t[r].
 * - Every call validates all of its arguments before writing any output and
 *   returns a distinct non-zero dk_status on bad input; the outputs are then
 *   untouched. A required pointer may be NULL only when it addresses zero
 *   elements (rows == 0 for t, rows * dim == 0 for the float arrays and for
 *   the per-row outputs of losses and likelihood terms). A call with
 *   rows * dim == 0 writes nothing.
 * - An output may alias an input exactly (in place). Partial overlap of an
 *   output with any other array is rejected with DK_ERR_OVERLAP.
 * - NaN and Inf propagate as IEEE-754 says. A NaN result is NaN on every
 *   ISA, but its sign and payload are not specified (doc/numerics.md).
 * - The kernels assume the default floating-point environment: round to
 *   nearest, no flush-to-zero (the noise changes under other rounding modes).
 * - All functions are thread-safe; a dk_schedule is immutable once created
 *   and may be shared by any number of threads.
 */
#ifndef DIFFKERN_H
#define DIFFKERN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define DK_API __attribute__((visibility("default")))
#else
#define DK_API
#endif

#define DK_VERSION_MAJOR 0
#define DK_VERSION_MINOR 1
#define DK_VERSION_PATCH 0

/* Library version as "MAJOR.MINOR.PATCH" (of the library linked, which may
 * differ from the DK_VERSION_* macros of the header compiled against). */
DK_API const char *dk_version(void);

typedef enum dk_status {
    DK_OK = 0,
    DK_ERR_NULL_POINTER,    /* a required pointer is NULL */
    DK_ERR_TIMESTEP,        /* a t[r] is outside its domain (0..T or 1..T) */
    DK_ERR_SIZE_OVERFLOW,   /* rows * dim * sizeof(float) overflows size_t */
    DK_ERR_OVERLAP,         /* an output partially overlaps another array */
    DK_ERR_PREDICTION,      /* opts->prediction is not a dk_prediction */
    DK_ERR_VARIANCE,        /* opts->variance is not a dk_variance */
    DK_ERR_CLIP,            /* opts->clip is negative or NaN, set together with thresholding, or set
                               for a step that cannot clip (SDE, ODE) */
    DK_ERR_SCHEDULE_KIND,   /* kind is not a dk_beta_schedule */
    DK_ERR_STEPS,           /* T < 1, or inference steps outside 1..T, or T < 2 where a rescaling needs 2 */
    DK_ERR_BETA,            /* a beta (or beta_start/beta_end) is not in (0, 1), or an alpha_bar_t is
                               too small for the float coefficients (1 / sqrt(alpha_bar_t) overflows
                               a float) or so close to 1 that 1 - alpha_bar_t rounds to 0 */
    DK_ERR_OUT_OF_MEMORY,   /* an allocation failed */
    DK_ERR_ISA_INVALID,     /* the value is not a dk_isa */
    DK_ERR_ISA_UNSUPPORTED, /* the ISA is not built in or this CPU lacks it */
    DK_ERR_NOISE_RANGE,     /* noise.offset + the element count exceeds 2^64 - 1 */
    DK_ERR_TIMESTEP_PREV,   /* a t_prev[r] is outside 0..t[r] */
    DK_ERR_ETA,             /* opts->eta is outside [0, 1] or NaN */
    DK_ERR_THRESHOLD,       /* opts->threshold_ratio is outside [0, 1) or NaN, threshold_max < 1 (or NaN)
                               with thresholding on, or thresholding for a step that cannot (SDE, ODE) */
    DK_ERR_GUIDANCE,        /* opts->guidance_scale is not finite, or non-zero with opts->uncond NULL */
    DK_ERR_ZERO_SNR,        /* a step from a t whose alpha_bar_t is 0 that cannot be taken there:
                               epsilon or score prediction (x0 is lost), or an SDE or ODE step */
    DK_ERR_SPACING,         /* spacing is not a dk_spacing */
    DK_ERR_ALPHA_BAR,       /* alpha_bar is not strictly decreasing within (0, 1), its last value alone
                               allowed to be 0 */
    DK_ERR_WEIGHTING,       /* opts->weighting is not a dk_weighting, or its gamma is not finite and > 0,
                               or P2's k is not finite and >= 0 */
    DK_ERR_DECODER,         /* dec is not a dk_decoder, or the discretized decoder's data (x0 of a row
                               with t = 1) is outside [-1, 1] or NaN */
    DK_ERR_THREADS          /* a thread count outside 0..1024 */
} dk_status;
#define DK_STATUS_COUNT 25 /* DK_OK and the errors: 0 .. DK_STATUS_COUNT - 1 */

/* A short English description of s; never NULL. */
DK_API const char *dk_status_str(dk_status s);

/* ---- instruction sets ---------------------------------------------------- */

typedef enum dk_isa {
    DK_ISA_SCALAR,
    DK_ISA_SSE41,
    DK_ISA_AVX2, /* AVX2 + FMA3 */
    DK_ISA_AVX512,
    DK_ISA_NEON
} dk_isa;

#define DK_ISA_COUNT 5

/* "scalar" "sse41" "avx2" "avx512" "neon"; "unknown" for other values. */
DK_API const char *dk_isa_name(dk_isa isa);
/* 1 if the ISA is built into this library and this CPU (and OS) runs it. */
DK_API int dk_isa_supported(dk_isa isa);
/* The ISA the kernels use now. The first use picks the best supported one,
 * or the one named by the environment variable DIFFKERN_ISA. */
DK_API dk_isa dk_isa_active(void);
/* Force an ISA for all later calls of this process (tests, benchmarks). A
 * call that is running when it changes finishes on the ISA it started with. */
DK_API dk_status dk_isa_select(dk_isa isa);

/* ---- threads ------------------------------------------------------------- */

/* The threads a large call splits over, the calling thread included: n in
 * 1..1024, or 0 for one per CPU this process may run on (its affinity mask:
 * the online cores unless taskset or a cpuset narrows them); outside
 * 0..1024 is DK_ERR_THREADS. Until this is called the count comes from the
 * environment variable DIFFKERN_NUM_THREADS (same meaning), else 0.
 * - The output bits never depend on the thread count: a call is split into
 *   ranges of whole 64-element pieces of the noise (whole rows where a row
 *   has a sum or a threshold), up to 8 per thread, each computed as one
 *   call over it would be.
 * - Calls too small to gain (README.md, Threads) stay on the calling thread.
 * - The pool (libpthreadpool) is made at the first call that splits. If a
 *   call of another user thread is using it, a call runs on its own thread
 *   alone rather than wait. Each piece runs with the calling thread's
 *   floating-point environment.
 * - Fork-safe: a child forked from a process that used the pool makes its
 *   own at its first split call (PyTorch's DataLoader workers).
 * - Under an emulator that cannot create threads (qemu-user on some hosts),
 *   set DIFFKERN_NUM_THREADS=1: no thread is ever created then. */
DK_API dk_status dk_set_num_threads(int n);
/* Streaming stores: a call whose output is at least `bytes` per array
 * writes it with non-temporal stores, bypassing the caches (dk_q_sample,
 * the steps whose noise is given or absent: dk_p_step, dk_ddim_step,
 * dk_sde_step, dk_ode_step; on AVX-512 also dk_q_sample_randn and the
 * _randn steps, except on an AMD Zen 5 by default, where their streamed
 * stores were slower). That is faster once the arrays no longer fit
 * in the cache, and slower for a caller that reads the output right after:
 * raise it (SIZE_MAX: never stream) when the next pass reads it from cache.
 * 0 restores the default, measured per ISA (README.md, Streaming stores);
 * a size applies to all of the kernels above, on every CPU.
 * From the same size a thresholded step prefetches x and m in its first
 * pass. The output bits are the same either way. Applies to the whole
 * process. */
DK_API void dk_set_stream_min(size_t bytes);
/* The size from which the active ISA streams now (SIZE_MAX: never). */
DK_API size_t dk_stream_min(void);

/* The thread count a call splits over now: at least 1; always 1 in a build
 * without the pool (meson -Dpool=disabled). */
DK_API int dk_num_threads(void);

/* ---- schedules ----------------------------------------------------------- */

typedef enum dk_beta_schedule {
    DK_BETA_LINEAR,        /* linspace(beta_start, beta_end, T) */
    DK_BETA_SCALED_LINEAR, /* linspace(sqrt(beta_start), sqrt(beta_end), T)^2 */
    DK_BETA_COSINE,        /* Nichol & Dhariwal 2021, s = 0.008, beta <= 0.999;
                              beta_start and beta_end are ignored */
    DK_BETA_SIGMOID        /* sigmoid(linspace(-6, 6, T)) * (end - start) + start */
} dk_beta_schedule;
#define DK_BETA_SCHEDULE_COUNT 4

typedef struct dk_schedule dk_schedule; /* opaque, immutable, thread-safe */

/* Every resulting beta must lie in (0, 1); for linear, scaled_linear and
 * sigmoid, beta_start and beta_end must lie in (0, 1) too. The schedule is
 * also refused (DK_ERR_BETA) when alpha_bar_t gets so small that a float
 * coefficient overflows (1 / sqrt(alpha_bar_t) > FLT_MAX, about alpha_bar_t
 * < 1e-77), or underflows to 0 in double: for example linear 0.1 -> 0.3 with
 * T = 1000, sigmoid 0.5 -> 0.9 with T = 1000, or linear 1e-4 -> 0.02 with
 * T = 100000. */
DK_API dk_status dk_schedule_create(dk_schedule **out, dk_beta_schedule kind, int32_t T, double beta_start,
                                    double beta_end);
/* betas[0] is beta_1; each must lie in (0, 1). The array is copied. */
DK_API dk_status dk_schedule_from_betas(dk_schedule **out, const double *betas, int32_t T);
DK_API void dk_schedule_destroy(dk_schedule *s);                               /* NULL is a no-op */
DK_API int32_t dk_schedule_steps(const dk_schedule *s);                        /* T; 0 for NULL */
DK_API double dk_schedule_beta(const dk_schedule *s, int32_t t);               /* 1..T, NaN outside */
DK_API double dk_schedule_alpha_bar(const dk_schedule *s, int32_t t);          /* 0..T, NaN outside */
DK_API double dk_schedule_posterior_variance(const dk_schedule *s, int32_t t); /* 1..T */

/* A schedule from its alpha_bar_1..alpha_bar_T (alpha_bar[0] is alpha_bar_1;
 * copied): strictly decreasing within (0, 1), except that the last may be 0
 * (zero terminal SNR: beta_T = 1). Otherwise DK_ERR_ALPHA_BAR; DK_ERR_BETA
 * as dk_schedule_create for values too small for float coefficients. */
DK_API dk_status dk_schedule_from_alpha_bar(dk_schedule **out, const double *alpha_bar, int32_t T);

/* Lin et al. 2024, "Common diffusion noise schedules and sample steps are
 * flawed", Algorithm 1 (diffusers' rescale_betas_zero_snr): sqrt(alpha_bar)
 * shifted and scaled so that alpha_bar_T = 0 and alpha_bar_1 is unchanged.
 * A new schedule; s is left as it is. T must be at least 2 (DK_ERR_STEPS). */
DK_API dk_status dk_schedule_rescale_zero_snr(dk_schedule **out, const dk_schedule *s);

/* ---- kernels ------------------------------------------------------------- */

/* What the model predicts: the noise eps, the clean sample x0, v = sqrt(abar) eps
 * - sqrt(1 - abar) x0, or the score -eps / sqrt(1 - abar). */
typedef enum dk_prediction { DK_PRED_EPSILON, DK_PRED_SAMPLE, DK_PRED_V, DK_PRED_SCORE } dk_prediction;
#define DK_PRED_COUNT 4
typedef enum dk_variance { DK_VAR_FIXED_SMALL, DK_VAR_FIXED_LARGE } dk_variance;
#define DK_VAR_COUNT 2
/* The options of every reverse step. All zero (or opts NULL) means epsilon
 * prediction, fixed_small variance and nothing else. */
typedef struct dk_step_opts {
    dk_prediction prediction;
    dk_variance variance;  /* dk_p_step only: sigma_t = sqrt(beta_tilde_t) or sqrt(beta_t) */
    float clip;            /* > 0: clamp x0_hat to [-clip, clip]; 0: no clamping */
    float eta;             /* dk_ddim_step: 0 deterministic DDIM, 1 the DDPM variance; in [0, 1] */
    int recompute_eps;     /* dk_ddim_step: the direction term uses eps recomputed from the clamped
                              x0_hat (diffusers' use_clipped_model_output) */
    float threshold_ratio; /* in (0, 1): dynamic thresholding (Saharia et al. 2022) at this quantile of
                              |x0_hat| per row; 0: off. Exclusive with clip. The call allocates one
                              scratch block, 8 dim bytes per row up to max(1 MiB, 8 dim bytes) per
                              thread it uses, and frees it before returning (DK_ERR_OUT_OF_MEMORY
                              if it cannot) */
    float threshold_max;   /* >= 1: the largest threshold s (diffusers' sample_max_value) */
    const float *uncond;   /* classifier-free guidance: the unconditional model output, rows x dim;
                              NULL: off */
    float guidance_scale;  /* m = uncond + guidance_scale * (model_out - uncond) */
} dk_step_opts;

/* Counter-based standard normal noise: the normal of element index e is a
 * pure function of (seed, stream, e), Philox4x32-10 and Box-Muller as
 * doc/noise.md specifies. Every ISA of the fused family (scalar with
 * FMA, AVX2, AVX-512, NEON) gives the same bits, so any split of a range by
 * offset, over threads, processes or machines, gives the same noise.
 * A call over n floats uses indices offset .. offset + n - 1; in the row
 * kernels, row r column j uses offset + r * dim + j. |normal| never exceeds
 * DK_NOISE_MAX_ABS (the Box-Muller radius of the smallest uniform, 2^-32). */
typedef struct dk_noise {
    uint64_t seed, stream, offset;
} dk_noise;
#define DK_NOISE_MAX_ABS 6.6605f /* just above sqrt(64 ln 2) = 6.66043 */

/* x_t = sqrt(abar_t) * x0 + sqrt(1 - abar_t) * eps, t[r] in 0..T. */
DK_API dk_status dk_q_sample(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *x0,
                             const float *eps, float *xt);

/* One reverse (ancestral, DDPM) step x_t -> x_{t-1}, t[r] in 1..T. model_out
 * is what opts->prediction says; guidance, clipping and thresholding apply
 * (eta and recompute_eps are dk_ddim_step's and are only checked here). z is
 * standard normal noise, or NULL for none; rows with t = 1 add no noise and
 * do not read z. Epsilon or score prediction at a t with alpha_bar_t = 0:
 * DK_ERR_ZERO_SNR. */
DK_API dk_status dk_p_step(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *xt,
                           const float *model_out, const float *z, const dk_step_opts *opts, float *x_prev);

/* ---- kernels with generated noise ----------------------------------------- */

/* Training's timestep draws, uniform over 1..T: t[r] = 1 + (w * T >> 32) in
 * 64 bits, w the Philox word of index noise.offset + r (the words of
 * doc/noise.md, before Box-Muller: block index / 4, word index % 4). The
 * same (noise, r) gives the same t[r] on every ISA and however the rows are
 * split. T < 1: DK_ERR_STEPS; t NULL with rows > 0: DK_ERR_NULL_POINTER;
 * DK_ERR_NOISE_RANGE as dk_randn. Nothing is written on an error. */
DK_API dk_status dk_sample_timesteps(dk_noise noise, int32_t T, int32_t *t, size_t rows);

/* out[i] = the standard normal of index noise.offset + i. */
DK_API dk_status dk_randn(dk_noise noise, float *out, size_t n);

/* dk_q_sample with eps generated in registers: one pass over memory, the
 * same bits as dk_randn then dk_q_sample. eps_out, if not NULL, receives the
 * noise (the training target); it may be x0 but must not overlap xt. */
DK_API dk_status dk_q_sample_randn(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim,
                                   const float *x0, dk_noise noise, float *eps_out, float *xt);

/* dk_p_step with z generated in registers: the same bits as dk_randn then
 * dk_p_step. Rows with t = 1 add no noise (their indices are skipped). */
DK_API dk_status dk_p_step_randn(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim,
                                 const float *xt, const float *model_out, dk_noise noise,
                                 const dk_step_opts *opts, float *x_prev);

/* ---- samplers --------------------------------------------------------------- */

/* Every sampler step takes x_t to x_{t_prev}, per row: t[r] in 1..T and
 * t_prev[r] in 0..t[r] (alpha_bar_0 = 1); rows with equal (t, t_prev) run as
 * one. The prediction, guidance, clipping and thresholding are as for
 * dk_p_step; README: Samplers has the formulas. */

/* DDIM (Song et al. 2021): sigma = eta sqrt((1 - ap)/(1 - ab)) sqrt(1 - ab/ap),
 * x_prev = sqrt(ap) x0 + sqrt(1 - ap - sigma^2) eps + sigma z (ab = alpha_bar_t,
 * ap = alpha_bar_{t_prev}); z NULL: no noise. */
DK_API dk_status dk_ddim_step(const dk_schedule *s, const int32_t *t, const int32_t *t_prev, size_t rows,
                              size_t dim, const float *xt, const float *model_out, const float *z,
                              const dk_step_opts *opts, float *x_prev);
DK_API dk_status dk_ddim_step_randn(const dk_schedule *s, const int32_t *t, const int32_t *t_prev,
                                    size_t rows, size_t dim, const float *xt, const float *model_out,
                                    dk_noise noise, const dk_step_opts *opts, float *x_prev);

/* The reverse VP-SDE by Euler-Maruyama (Song et al. 2021): B = ln(ap/ab),
 * score sc = -eps / sqrt(1 - ab), x_prev = (1 + B/2) x + B sc + sqrt(B) z.
 * Clipping and thresholding are refused (DK_ERR_CLIP, DK_ERR_THRESHOLD), and
 * so is alpha_bar_t = 0 (DK_ERR_ZERO_SNR). */
DK_API dk_status dk_sde_step(const dk_schedule *s, const int32_t *t, const int32_t *t_prev, size_t rows,
                             size_t dim, const float *xt, const float *model_out, const float *z,
                             const dk_step_opts *opts, float *x_prev);
DK_API dk_status dk_sde_step_randn(const dk_schedule *s, const int32_t *t, const int32_t *t_prev, size_t rows,
                                   size_t dim, const float *xt, const float *model_out, dk_noise noise,
                                   const dk_step_opts *opts, float *x_prev);

/* The probability-flow ODE by Euler: x_prev = (1 + B/2) x + (B/2) sc, as dk_sde_step
 * without noise. */
DK_API dk_status dk_ode_step(const dk_schedule *s, const int32_t *t, const int32_t *t_prev, size_t rows,
                             size_t dim, const float *xt, const float *model_out, const dk_step_opts *opts,
                             float *x_prev);

/* diffusers' DDIMScheduler.set_timesteps(steps) and the prev_timestep of its
 * step, 1-based: for inference step i (0 = the first, the noisiest),
 * t[i] = k_i + 1 and t_prev[i] = k_i - T / steps + 1 (integer division), or,
 * where that is below 1, 0 if final_alpha_one (set_alpha_to_one) else 1.
 * k_i: leading (k_i = (steps - 1 - i) * (T / steps) + offset, offset being
 * steps_offset), trailing (round(T - i T / steps) - 1) or linspace
 * (round(i-th of linspace(T - 1, 0, steps))), rounding half to even as numpy
 * does. offset applies to leading only. steps in 1..T (DK_ERR_STEPS); a k_i
 * outside 0..T-1 is DK_ERR_TIMESTEP. */
typedef enum dk_spacing { DK_SPACING_LEADING, DK_SPACING_TRAILING, DK_SPACING_LINSPACE } dk_spacing;
#define DK_SPACING_COUNT 3
DK_API dk_status dk_timesteps(int32_t T, int32_t steps, dk_spacing spacing, int32_t offset,
                              int final_alpha_one, int32_t *t, int32_t *t_prev);

/* ---- training ------------------------------------------------------------ */

/* The loss weighting per row, snr = alpha_bar_t / (1 - alpha_bar_t):
 * none; min-SNR-gamma (Hang et al. 2023): min(snr, gamma) / snr for epsilon
 * prediction (1 where snr = 0), min(snr, gamma) / (snr + 1) for v,
 * min(snr, gamma) for sample; P2 (Choi et al. 2022): 1 / (k + snr)^gamma.
 * Score prediction always multiplies the epsilon weight by 1 - alpha_bar_t,
 * so that its loss is the epsilon loss in scale. Computed in double. */
typedef enum dk_weighting { DK_WEIGHT_NONE, DK_WEIGHT_MIN_SNR, DK_WEIGHT_P2 } dk_weighting;
#define DK_WEIGHT_COUNT 3
/* What a loss compares the model output with. All zero (or opts NULL): the
 * epsilon target, no weighting. */
typedef struct dk_loss_opts {
    dk_prediction prediction; /* what the model predicts: the target */
    dk_weighting weighting;
    float gamma; /* min-SNR's gamma (5 in the paper), P2's exponent (1 or 0.5); finite, > 0 */
    float k;     /* P2's k (1 in the paper); finite, >= 0 */
} dk_loss_opts;

/* The training loss of model_out against its target, t[r] in 1..T: eps,
 * x0 (sample), v = sqrt(ab) eps - sqrt(1 - ab) x0 or the score
 * -eps / sqrt(1 - ab), ab = alpha_bar_t[r]. Per row, with d = model_out -
 * target evaluated in float (target = fma(tx, x0, te * eps)):
 *   row_loss[r] = w_r * (sum_j d_j^2) / dim, the sum in double in the order
 *                 of README: Reductions, the same bits on every ISA;
 *   grad[i]     = the derivative of the mean of row_loss over the rows with
 *                 respect to model_out[i] = (2 w_r / (rows dim)) d_i.
 * Either output may be NULL, not both (DK_ERR_NULL_POINTER); row_loss
 * overlaps nothing; grad may be model_out itself. P2 with k = 0 at a t whose
 * alpha_bar is 0 is DK_ERR_ZERO_SNR (an infinite weight). */
DK_API dk_status dk_loss(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, const float *x0,
                         const float *eps, const float *model_out, const dk_loss_opts *opts, float *row_loss,
                         float *grad);
/* dk_loss with eps generated from noise, the indices dk_q_sample_randn used
 * (row r column j: noise.offset + r dim + j): the same bits as dk_randn then
 * dk_loss, and eps is never stored. */
DK_API dk_status dk_loss_randn(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim,
                               const float *x0, dk_noise noise, const float *model_out,
                               const dk_loss_opts *opts, float *row_loss, float *grad);

/* ---- likelihood ------------------------------------------------------------ */

/* The decoder -log p(x0 | x1) at t = 1: a Gaussian density, or Ho et al.
 * 2020's discretized Gaussian over 256 bins of width 2/255 centred on the
 * 8-bit levels of [-1, 1], the end bins open (exact normal CDF). */
typedef enum dk_decoder { DK_DECODER_GAUSSIAN, DK_DECODER_DISCRETE_8BIT } dk_decoder;
#define DK_DECODER_COUNT 2

/* The terms of the variational bound in nats, one per row, each summed over
 * the row's dim values (Ho et al. 2020 eq. 5; Nichol & Dhariwal 2021 L_vlb);
 * t[r] in 1..T, xt the sample at t[r], model_out what opts->prediction says:
 * - t >= 2: KL(q(x_{t-1} | x_t, x0) || p(x_{t-1} | x_t)), the model's mean
 *   that of dk_p_step without noise (prediction, clip, guidance), its
 *   variance beta_tilde_t or beta_t by opts->variance;
 * - t = 1: the decoder's -log p(x0 | x1) with mean x0_hat and variance
 *   beta_tilde_2 (Nichol & Dhariwal's clipped log variance; beta_1 if T = 1).
 * The mean's error enters as c0 (x0 - x0_hat), c0 the posterior mean's x0
 * coefficient, its squares summed in float then double as README:
 * Reductions says. Thresholding is refused (DK_ERR_THRESHOLD); so are
 * epsilon and score prediction at alpha_bar_t = 0 (DK_ERR_ZERO_SNR). */
DK_API dk_status dk_vlb_terms(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim,
                              const float *x0, const float *xt, const float *model_out,
                              const dk_step_opts *opts, dk_decoder dec, double *nats);

/* The prior term per row: KL(N(sqrt(abar_T) x0, 1 - abar_T) || N(0, 1)) in
 * nats, summed over the row. */
DK_API dk_status dk_prior_kl(const dk_schedule *s, size_t rows, size_t dim, const float *x0, double *nats);

#ifdef __cplusplus
}
#endif

#endif /* DIFFKERN_H */
