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
 *   vf_stream(p, v)        vf_storeu bypassing the caches (non-temporal)
 *                          where the ISA has it; p aligned to DK_W floats
 *   vf_stream_fence()      orders the streamed stores before later ones
 *   vf_add, vf_sub, vf_mul IEEE add, subtract and multiply
 *   vf_abs(a)              |a|: the sign bit cleared (exact, NaN included)
 *   vf_fma(a, b, c)        a * b + c: one rounding in the fused family,
 *                          two (product, then sum) in the plain family
 *   vf_min(a, b)           a < b ? a : b   (x86 semantics: a NaN in b is
 *   vf_max(a, b)           a > b ? a : b    returned, so put the data in b)
 *   vf_sqrt(a), vf_div(a, b)   IEEE square root and division
 *   vf_pack_within(dst, v, lo, hi)
 *                          stores the lanes of v with lo <= v <= hi (never
 *                          NaN) to dst in lane order, returns their count;
 *                          writes a whole vector at dst (the lanes past the
 *                          count are unspecified)
 *   vf_pack_bits_above(dst, v, floor)
 *                          the same for the lanes of v whose bits, read as
 *                          a signed 32-bit integer, exceed floor's lane: for
 *                          values with the sign bit clear (|x|) and
 *                          floor = bits(lo) - 1, lo > 0, the lanes >= lo,
 *                          NaN among them (their bits are above +Inf's)
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
#include <stdint.h>

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

/* Block loads and stores: part == 0 means a full vector, DK_STREAMED a
 * full vector whose stores bypass the caches (aligned), 0 < part < DK_W a
 * tail. Kernels call them with a constant 0 or DK_STREAMED in the main
 * loop, so the tests fold away there, and with the tail length once at the
 * end: the tail runs through the same operations as every full vector. */
#define DK_STREAMED ((size_t)-1)
DK_INLINE int vf_part_is_tail(size_t part) { return part != 0 && part != DK_STREAMED; }

DK_INLINE vf vf_load_block(const float *p, size_t part)
{
    return vf_part_is_tail(part) ? vf_load_part(p, part) : vf_loadu(p);
}

DK_INLINE void vf_store_block(float *p, vf v, size_t part)
{
    if (part == DK_STREAMED)
        vf_stream(p, v);
    else if (part)
        vf_store_part(p, v, part);
    else
        vf_storeu(p, v);
}

/* v with the lanes from part on set to +0 (a full vector: v whole). */
DK_INLINE vf vf_keep_block(vf v, size_t part)
{
    if (!vf_part_is_tail(part))
        return v;
    float lanes[DK_W];
    vf_store_part(lanes, v, part);
    return vf_load_part(lanes, part);
}

/* Prefetches, for reading, the cache line `floats` floats past p. Integer
 * arithmetic: the address may lie past the array's end, where pointer
 * arithmetic would be undefined; a prefetch never faults. */
DK_INLINE void prefetch_ahead(const float *p, size_t floats)
{
    __builtin_prefetch((const void *)((uintptr_t)p + floats * sizeof(float)), 0);
}

/* Whether the vector at float `at` starts a 64-byte line of an array aligned
 * to one: where a loop that prefetches a line ahead issues it. */
DK_INLINE int starts_line(size_t at) { return DK_W >= 16 || at % 16 == 0; }

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

/* The streamed loop below is unrolled four times (a cache line a turn on
 * SSE4.1): the blocks then share the loop's count, compare and branch,
 * which were as many operations as the arithmetic of SSE4.1's clamped step
 * of three arrays (measured on a Zen 5 at 64 MiB: SSE4.1 step_x0 without
 * guidance or z from 0.83-1.06 to 1.13-1.14 of the plain loop's speed;
 * AVX2 and AVX-512 unchanged). The same blocks in the same order: the
 * same bits. */
#define DK_UNROLL_LINE _Pragma("GCC unroll 4")

/* DK_FOR_BLOCKS, the full vectors storing to out with non-temporal stores
 * when stream is non-zero (a->stream of DK_STREAMS kernels): a partial
 * block first up to out's vector alignment, then full vectors as
 * DK_STREAMED, the tail, and the fence. The blocks' operations are the
 * same: only the stores differ, never the bits. */
#define DK_FOR_BLOCKS_TO(n, out, stream, BLOCK, ...)                                                         \
    do {                                                                                                     \
        const size_t align_ = DK_W * sizeof(float), addr_ = (size_t)(uintptr_t)(out);                        \
        if (!(stream) || DK_W == 1 || addr_ % sizeof(float) != 0) {                                          \
            DK_FOR_BLOCKS(n, BLOCK, __VA_ARGS__);                                                            \
            break;                                                                                           \
        }                                                                                                    \
        size_t at_ = (align_ - addr_ % align_) % align_ / sizeof(float);                                     \
        if (at_ > (n))                                                                                       \
            at_ = (n);                                                                                       \
        if (at_)                                                                                             \
            BLOCK(0, at_, __VA_ARGS__);                                                                      \
        DK_UNROLL_LINE for (; at_ + DK_W <= (n); at_ += DK_W) BLOCK(at_, DK_STREAMED, __VA_ARGS__);          \
        if (at_ < (n))                                                                                       \
            BLOCK(at_, (n)-at_, __VA_ARGS__);                                                                \
        vf_stream_fence();                                                                                   \
    } while (0)

#endif /* DK_VEC_H */
