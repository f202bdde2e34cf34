/* The per-ISA vector layer. Exactly one DK_VEC_<ISA> macro is defined by the
 * build for each compilation of the kernel bodies; the chosen vec_<isa>.h
 * defines the same small set of inline names:
 *
 *   vf                     the vector of DK_W floats
 *   vf_set1(x)             broadcast
 *   vf_loadu(p)            DK_W floats from p, any alignment
 *   vf_storeu(p, v)
 *   vf_load_part(p, n)     the first n (0 < n < DK_W) floats from p, other
 *                          lanes 0; never touches p[n..]
 *   vf_store_part(p, v, n) the first n lanes to p; never touches p[n..]
 *   vf_add, vf_sub, vf_mul IEEE add, subtract and multiply
 *   vf_abs(a)              |a|: the sign bit cleared (exact, NaN included)
 *   vf_fma(a, b, c)        a * b + c: one rounding in the fused family,
 *                          two (product, then sum) in the plain family
 *   vf_min(a, b)           a < b ? a : b   (x86 semantics: a NaN in b is
 *   vf_max(a, b)           a > b ? a : b    returned, so put the data in b)
 *   vf_sqrt(a)
 *   vf_pack_within(dst, v, lo, hi)
 *                          stores the lanes of v with lo <= v <= hi (never
 *                          NaN) to dst in lane order, returns their count;
 *                          writes a whole vector at dst (the lanes past the
 *                          count are unspecified)
 *   vu_tally_lt(t, a, b)   t plus 1 in each lane where a < b (the lane
 *                          counts of a tally: vu_set1(0) to start)
 *   vu_tally_nan(t, a)     t plus 1 in each lane where a is NaN
 *   vu_tally_sum(t)        the sum of the lanes of a tally
 *   vd                     DK_W double lanes of a row sum (sum_math.h)
 *   vd_zero()              all lanes +0.0
 *   vd_add_vf(s, v)        s + v lane by lane, each float converted to
 *                          double (exact) and added with one rounding
 *   vd_storeu(p, s)        the DK_W doubles to p
 *
 * DK_FUSED is 1 in the fused family (scalar-fma, AVX2, AVX-512, NEON), else 0.
 */
#ifndef DK_VEC_H
#define DK_VEC_H

#include <stddef.h>

#define DK_INLINE static inline __attribute__((always_inline))

#if defined(DK_VEC_SCALAR)
#include "vec_scalar.h"
#elif defined(DK_VEC_SSE41)
#include "vec_sse41.h"
#elif defined(DK_VEC_AVX2)
#include "vec_avx2.h"
#elif defined(DK_VEC_AVX512)
#include "vec_avx512.h"
#elif defined(DK_VEC_NEON)
#include "vec_neon.h"
#else
#error "define one DK_VEC_<ISA> to compile the kernel bodies"
#endif

/* Block loads and stores: part == 0 means a full vector, 0 < part < DK_W a
 * tail. Kernels call them with a constant 0 in the main loop, so the test
 * folds away there, and with the tail length once at the end: the tail runs
 * through the same operations as every full vector. */
DK_INLINE vf vf_load_block(const float *p, size_t part) { return part ? vf_load_part(p, part) : vf_loadu(p); }

DK_INLINE void vf_store_block(float *p, vf v, size_t part)
{
    if (part)
        vf_store_part(p, v, part);
    else
        vf_storeu(p, v);
}

/* v with the lanes from part on set to +0 (part == 0: v whole). */
DK_INLINE vf vf_keep_block(vf v, size_t part)
{
    if (!part)
        return v;
    float lanes[DK_W];
    vf_store_part(lanes, v, part);
    return vf_load_part(lanes, part);
}

/* Runs BLOCK(at, part) over n floats: full vectors first, then one partial
 * vector for the tail. BLOCK is an always-inline function of the kernel. */
#define DK_FOR_BLOCKS(n, BLOCK, ...)                                                                         \
    do {                                                                                                     \
        size_t at_ = 0;                                                                                      \
        for (; at_ + DK_W <= (n); at_ += DK_W)                                                               \
            BLOCK(at_, 0, __VA_ARGS__);                                                                      \
        if (at_ < (n))                                                                                       \
            BLOCK(at_, (n)-at_, __VA_ARGS__);                                                                \
    } while (0)

#endif /* DK_VEC_H */
