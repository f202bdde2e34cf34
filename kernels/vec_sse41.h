/* SSE4.1 vector layer (plain family: no FMA). */
#include <sleef.h>
#include <smmintrin.h>
#include <string.h>

#include "pack_table.h"

#define DK_W     4
#define DK_FUSED 0

/* The steps with guidance or z (step.c: four arrays) streaming from memory
 * prefetch their inputs 48 lines ahead. Without FMA and on four lanes the
 * clamped, guided form is 16 operations per vector, 64 per line of each
 * array, and the out-of-order window then reaches too few lines ahead for
 * the memory. On a Zen 4 at 64 MiB, 8 lines ahead took step_x0 (guided,
 * z) from 1.26 to 1.09 of the plain loop's time and dk_p_step (clipped,
 * guided, z given) to 0.86 to 0.96 of its time; there, the same prefetch
 * on AVX2 and AVX-512 was no faster or slower. On a Zen 5 (about 40 GB/s
 * for one thread's triad) 8 lines ahead was slower than none (step 0.82 of
 * the loop's speed against 0.98 to 1.11, step_x0 0.76 against 0.91 to
 * 1.01), and 48 lines gave step 1.12 to 1.34 and step_x0 1.11 to 1.28, with
 * the loop of vec.h unrolled or not; the forms of three arrays gained
 * nothing from it there. 3 KiB ahead of each of
 * four arrays stays well inside L1. */
#define DK_STEP_PREFETCH_FLOATS 768

typedef __m128 vf;
typedef __m128i vu;

DK_INLINE vf vf_set1(float x) { return _mm_set1_ps(x); }
DK_INLINE vf vf_loadu(const float *p) { return _mm_loadu_ps(p); }
DK_INLINE void vf_storeu(float *p, vf v) { _mm_storeu_ps(p, v); }
DK_INLINE void vf_stream(float *p, vf v) { _mm_stream_ps(p, v); }
DK_INLINE void vf_stream_fence(void) { _mm_sfence(); }
/* SSE has no masked load or store: go through a small stack buffer. */
DK_INLINE vf vf_load_part(const float *p, size_t n)
{
    float buf[DK_W] = {0};
    memcpy(buf, p, n * sizeof(float));
    return _mm_loadu_ps(buf);
}
DK_INLINE void vf_store_part(float *p, vf v, size_t n)
{
    float buf[DK_W];
    _mm_storeu_ps(buf, v);
    memcpy(p, buf, n * sizeof(float));
}
DK_INLINE vf vf_add(vf a, vf b) { return _mm_add_ps(a, b); }
DK_INLINE vf vf_mul(vf a, vf b) { return _mm_mul_ps(a, b); }
DK_INLINE vf vf_sub(vf a, vf b) { return _mm_sub_ps(a, b); }
DK_INLINE vf vf_abs(vf a) { return _mm_andnot_ps(_mm_set1_ps(-0.0f), a); }
DK_INLINE vf vf_fma(vf a, vf b, vf c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
DK_INLINE vf vf_min(vf a, vf b) { return _mm_min_ps(a, b); }
DK_INLINE vf vf_max(vf a, vf b) { return _mm_max_ps(a, b); }
DK_INLINE vf vf_sqrt(vf a) { return _mm_sqrt_ps(a); }
/* The lanes of mask (bit i: lane i) to dst: pshufb of their bytes
 * (pack_table.h). */
DK_INLINE size_t vf_pack_mask(float *dst, vf v, int mask)
{
    const __m128i bytes = _mm_loadu_si128((const __m128i *)dk_pack_bytes[mask]);
    _mm_storeu_si128((__m128i *)dst, _mm_shuffle_epi8(_mm_castps_si128(v), bytes));
    return dk_pack_count[mask];
}
DK_INLINE size_t vf_pack_within(float *dst, vf v, vf lo, vf hi)
{
    return vf_pack_mask(dst, v, _mm_movemask_ps(_mm_and_ps(_mm_cmpge_ps(v, lo), _mm_cmple_ps(v, hi))));
}
DK_INLINE size_t vf_pack_bits_above(float *dst, vf v, vu floor)
{
    return vf_pack_mask(dst, v,
                        _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(_mm_castps_si128(v), floor))));
}
/* A true comparison is all ones, -1 as an integer. */
DK_INLINE vu vu_tally_lt(vu t, vf a, vf b) { return _mm_sub_epi32(t, _mm_castps_si128(_mm_cmplt_ps(a, b))); }
DK_INLINE vu vu_tally_nan(vu t, vf a) { return _mm_sub_epi32(t, _mm_castps_si128(_mm_cmpunord_ps(a, a))); }
DK_INLINE size_t vu_tally_sum(vu t)
{
    uint32_t lanes[4];
    _mm_storeu_si128((__m128i *)lanes, t);
    return (size_t)lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
/* Row sums (vec.h): DK_W double lanes, each float converted exactly. */
typedef struct {
    __m128d lo, hi;
} vd;
DK_INLINE vd vd_zero(void)
{
    const vd s = {_mm_setzero_pd(), _mm_setzero_pd()};
    return s;
}
DK_INLINE vd vd_add_vf(vd s, vf v)
{
    s.lo = _mm_add_pd(s.lo, _mm_cvtps_pd(v));
    s.hi = _mm_add_pd(s.hi, _mm_cvtps_pd(_mm_movehl_ps(v, v)));
    return s;
}
DK_INLINE void vd_storeu(double *p, vd s)
{
    _mm_storeu_pd(p, s.lo);
    _mm_storeu_pd(p + 2, s.hi);
}

DK_INLINE vu vu_set1(uint32_t x) { return _mm_set1_epi32((int)x); }
DK_INLINE vu vu_loadu(const uint32_t *p) { return _mm_loadu_si128((const __m128i *)p); }
DK_INLINE void vu_storeu(uint32_t *p, vu v) { _mm_storeu_si128((__m128i *)p, v); }
DK_INLINE vu vu_add(vu a, vu b) { return _mm_add_epi32(a, b); }
DK_INLINE vu vu_xor(vu a, vu b) { return _mm_xor_si128(a, b); }
DK_INLINE vu vu_shr1(vu a) { return _mm_srli_epi32(a, 1); }
DK_INLINE vu vu_shr8(vu a) { return _mm_srli_epi32(a, 8); }
/* a * m as 64-bit products, m broadcast: _mm_mul_epu32 multiplies lanes 0
 * and 2; shifting a right by 32 in each 64-bit half brings lanes 1 and 3. */
DK_INLINE void vu_mul_wide(vu a, vu m, vu *hi, vu *lo)
{
    const __m128i even = _mm_mul_epu32(a, m), odd = _mm_mul_epu32(_mm_srli_epi64(a, 32), m);
    *lo = _mm_mullo_epi32(a, m); /* one pmulld for a shift and a blend (as AVX2) */
    *hi = _mm_blend_epi16(_mm_srli_epi64(even, 32), odd, 0xcc);
}
DK_INLINE vf vf_of_i32(vu a) { return _mm_cvtepi32_ps(a); }
DK_INLINE vf vf_from_bits(vu a) { return _mm_castsi128_ps(a); }
DK_INLINE vu vu_from_bits(vf a) { return _mm_castps_si128(a); }
DK_INLINE vf vf_div(vf a, vf b) { return _mm_div_ps(a, b); }
DK_INLINE vu vu_and(vu a, vu b) { return _mm_and_si128(a, b); }
DK_INLINE vu vu_sub(vu a, vu b) { return _mm_sub_epi32(a, b); }
DK_INLINE vu vu_shr23(vu a) { return _mm_srli_epi32(a, 23); }
DK_INLINE vu vu_shl23(vu a) { return _mm_slli_epi32(a, 23); }
DK_INLINE vu vu_shl8(vu a) { return _mm_slli_epi32(a, 8); }
DK_INLINE vf vf_select_if_sign(vu m, vf a, vf b) { return _mm_blendv_ps(b, a, _mm_castsi128_ps(m)); }
DK_INLINE void vf_transpose4(vf *a, vf *b, vf *c, vf *d) { _MM_TRANSPOSE4_PS(*a, *b, *c, *d); }
DK_INLINE vf vf_logf_u35_sleef(vf a) { return Sleef_logf4_u35sse4(a); }
DK_INLINE void vf_sincospif_u35_sleef(vf a, vf *s, vf *c)
{
    const Sleef___m128_2 sc = Sleef_sincospif4_u35sse4(a);
    *s = sc.x;
    *c = sc.y;
}
