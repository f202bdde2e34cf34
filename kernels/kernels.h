/* Internal interface between the kernel bodies and everything that calls
 * them: the arguments every kernel takes, and the table of one build. */
#ifndef DK_KERNELS_H
#define DK_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "diffkern.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The float coefficients of one step, rounded once from double when the
 * schedule is built (sigma and clip are chosen per call). */
typedef struct dk_step_coefs {
    float c_out;        /* 1 / sqrt(alpha_t) */
    float c_eps;        /* beta_t / sqrt(1 - abar_t) */
    float sqrt_abar;    /* sqrt(abar_t): q_sample, and x0_hat from v */
    float r_sqrt_abar;  /* 1 / sqrt(abar_t): x0_hat from epsilon */
    float sqrt_1m_abar; /* sqrt(1 - abar_t) */
    float c0;           /* beta_t sqrt(abar_{t-1}) / (1 - abar_t) */
    float c1;           /* (1 - abar_{t-1}) sqrt(alpha_t) / (1 - abar_t) */
    float sigma;        /* noise scale of this step, used only with noise */
    float clip;         /* x0_hat clamp; +Inf for none */
} dk_step_coefs;

#define DK_MAX_IN  4 /* float arrays a kernel reads */
#define DK_MAX_OUT 2 /* and writes */

/* The arguments of every kernel call, over n elements of each array. Which
 * fields a kernel reads is in its row of kernel_list.h. */
typedef struct dk_kargs {
    const float *in[DK_MAX_IN];
    float *out[DK_MAX_OUT]; /* an output may be exactly an input (in place) */
    dk_step_coefs c;
    dk_prediction pred;
    dk_noise noise; /* element i of the call uses index noise.offset + i */
} dk_kargs;

typedef void (*dk_kernel_fn)(size_t n, const dk_kargs *a);

/* The "uses" flags of kernel_list.h. */
enum {
    DK_USES_PRED = 1u << 0,
    DK_USES_CLIP = 1u << 1,
    DK_USES_NOISE = 1u << 2,
    DK_WRITES_WORDS = 1u << 3,
};

/* DK_KERNEL_<name>: a kernel's index in every table. */
typedef enum dk_kernel_id {
#define DK_KERNEL(name, arrays, uses) DK_KERNEL_##name,
#include "kernel_list.h"
#undef DK_KERNEL
    DK_KERNEL_COUNT
} dk_kernel_id;

/* One build's kernels, indexed by dk_kernel_id. */
typedef struct dk_kernels {
    dk_kernel_fn fn[DK_KERNEL_COUNT];
} dk_kernels;

/* The tables of the builds; each exists only where meson built it. */
#define DK_VARIANT(name, isa, fused, width, cpu_needs) extern const dk_kernels dk_kernels_##name;
#include "variant_list.h"
#undef DK_VARIANT

#ifdef __cplusplus
}
#endif

#endif /* DK_KERNELS_H */
