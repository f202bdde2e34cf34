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

/* The float coefficients of one run of rows, computed in double from the
 * schedule and the options and rounded once (dispatch/coefs.c). Every step
 * kernel is a fixed sequence over them (kernels/step_math.h):
 *   guidance     m' = fma(w, m - u, u), or m without u
 *   linear       out = fma(sigma, z, fma(ax, x, am * m'))
 *   through x0   x0 = fma(kx, x, km * m'), x0c = min(hi, max(lo, x0)) * scale,
 *                out = fma(sigma, z, fma(a0, x0c, fma(ax, x, am * m')))
 *                (mode 1: fma(a0, x0c, ax * x), no m' term; mode 2: mode 1
 *                with x0 = m', the x0 a thresholded step's first pass stored)
 * and q_sample is xt = fma(ax, x0, am * eps). */
typedef struct dk_step_coefs {
    float w;             /* guidance scale */
    float kx, km;        /* x0 as a linear map of (x, m') */
    float lo, hi, scale; /* the clamp of x0 (-Inf, +Inf for none) and the threshold's 1/s (else 1) */
    float a0, ax, am;    /* the result as a map of (x0c, x, m'), or of (x, m') */
    float sigma;         /* the noise scale, used only with noise */
} dk_step_coefs;

#define DK_MAX_IN     4 /* float arrays a kernel reads */
#define DK_MAX_OUT    2 /* and writes */
#define DK_MAX_COUNTS 3 /* counts a DK_WRITES_COUNTS kernel writes */

/* The arguments of every kernel call, over n elements of each array. Which
 * fields a kernel reads is in its row of kernel_list.h. */
typedef struct dk_kargs {
    const float *in[DK_MAX_IN];
    float *out[DK_MAX_OUT]; /* an output may be exactly an input (in place) */
    dk_step_coefs c;
    int mode;        /* 0 .. the row's DK_MODES - 1 */
    dk_noise noise;  /* element i of the call uses index noise.offset + i */
    size_t *counts;  /* DK_WRITES_COUNTS kernels: DK_MAX_COUNTS counts of the call */
    double *sum;     /* DK_WRITES_SUM kernels: the row sum of the call (sum_math.h) */
    int stream;      /* 1: the call's arrays are past the caches (dk_stream_min). DK_STREAMS kernels
                        then store their outputs bypassing the caches, DK_PREFETCHES kernels prefetch their
                        inputs; the same bits either way */
    int noise_plain; /* 1: even so, the DK_STREAMS kernels that make their noise store plainly
                        (dk_noise_streams) */
    /* Dispatch only, never read by a kernel: the normals of the run's
     * indices, made ahead for many short runs at once (call.h), or NULL. */
    const float *z_ahead;
} dk_kargs;

typedef void (*dk_kernel_fn)(size_t n, const dk_kargs *a);

/* The "uses" flags of kernel_list.h. */
enum {
    DK_USES_CLIP = 1u << 0,  /* the clamp and scale of x0 */
    DK_USES_NOISE = 1u << 1, /* a->noise */
    DK_WRITES_WORDS = 1u << 2,
    DK_WRITES_COUNTS = 1u << 3, /* a->counts */
    DK_WRITES_SUM = 1u << 4,    /* *a->sum */
    DK_STREAMS = 1u << 5,       /* a->stream: non-temporal stores */
    DK_PREFETCHES = 1u << 6,    /* a->stream: software prefetches */
};
/* The values out[k] of a call defines: all n, except the packed output (the
 * last) of a DK_WRITES_COUNTS kernel, which defines its first counts[1];
 * past them its contents are unspecified and differ between ISAs (a vector
 * store of each ISA's width lands there). Tests compare only these. */
static inline size_t dk_out_defined(unsigned uses, int k, int outputs, size_t n, const size_t *counts)
{
    const int packed = (uses & DK_WRITES_COUNTS) && k == outputs - 1;
    return packed && counts[1] < n ? counts[1] : n; /* at most n, whatever a wrong count says */
}

/* The kernel has n modes (a->mode), 1 when not given. */
#define DK_MODES(n)       ((unsigned)(n) << 8)
#define DK_MODES_OF(uses) ((uses) >> 8 ? (int)((uses) >> 8) : 1)

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
