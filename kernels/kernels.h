/* Internal interface between the kernel bodies and dispatch. */
#ifndef DK_KERNELS_H
#define DK_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "diffkern.h"

/* The float coefficients of one reverse step, rounded once from double when
 * the schedule is built (sigma and clip are filled in per call). */
typedef struct dk_step_coefs {
    float c_out;        /* 1 / sqrt(alpha_t) */
    float c_eps;        /* beta_t / sqrt(1 - abar_t) */
    float sqrt_abar;    /* sqrt(abar_t): x0_hat from v */
    float r_sqrt_abar;  /* 1 / sqrt(abar_t): x0_hat from epsilon */
    float sqrt_1m_abar; /* sqrt(1 - abar_t) */
    float c0;           /* beta_t sqrt(abar_{t-1}) / (1 - abar_t) */
    float c1;           /* (1 - abar_{t-1}) sqrt(alpha_t) / (1 - abar_t) */
    float sigma;        /* noise scale of this step, used only with z */
    float clip;         /* x0_hat clamp; +Inf for none */
} dk_step_coefs;

/* One table of kernel pointers per ISA build. */
typedef struct dk_kernels {
#define DK_KERNEL(name, params) void(*name) params;
#include "kernel_list.h"
#undef DK_KERNEL
} dk_kernels;

/* The builds of the kernel bodies; each exists only where meson built it
 * (see dk_config.h). */
extern const dk_kernels dk_kernels_scalar_plain;
extern const dk_kernels dk_kernels_scalar_fma;
extern const dk_kernels dk_kernels_sse41;
extern const dk_kernels dk_kernels_avx2;
extern const dk_kernels dk_kernels_avx512;
extern const dk_kernels dk_kernels_neon;

#endif /* DK_KERNELS_H */
