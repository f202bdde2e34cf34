/* AVX2 + FMA3 vector layer (fused family). */
#include <immintrin.h>
#include <sleef.h>

#include "pack_table8.h"

#define DK_W     8
#define DK_FUSED 1

typedef __m256 vf;
typedef __m256i vu;

DK_INLINE vf vf_set1(float x) { return _mm256_set1_ps(x); }
DK_INLINE vf vf_loadu(const float *p) { return _mm256_loadu_ps(p); }
DK_INLINE void vf_storeu(float *p, vf v) { _mm256_storeu_ps(p, v); }
DK_INLINE void vf_stream(float *p, vf v) { _mm256_stream_ps(p, v); }
DK_INLINE void vf_stream_fence(void) { _mm_sfence(); }
/* Lanes below n: all ones. Masked-off lanes of vmaskmov never fault. */
DK_INLINE __m256i vf_mask_(size_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
DK_INLINE vf vf_load_part(const float *p, size_t n) { return _mm256_maskload_ps(p, vf_mask_(n)); }
DK_INLINE void vf_store_part(float *p, vf v, size_t n) { _mm256_maskstore_ps(p, vf_mask_(n), v); }
DK_INLINE vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
DK_INLINE vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
DK_INLINE vf vf_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
DK_INLINE vf vf_abs(vf a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
DK_INLINE vf vf_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
DK_INLINE vf vf_min(vf a, vf b) { return _mm256_min_ps(a, b); }
DK_INLINE vf vf_max(vf a, vf b) { return _mm256_max_ps(a, b); }
DK_INLINE vf vf_sqrt(vf a) { return _mm256_sqrt_ps(a); }
/* One vpermps of the lanes within [lo, hi] to the front (pack_table8.h):
 * the 8 nibbles of the mask's entry, each shifted down to the low bits of
 * its lane (vpermps reads only those). */
DK_INLINE size_t vf_pack_mask(float *dst, vf v, unsigned mask)
{
    const __m256i lanes = _mm256_srlv_epi32(_mm256_set1_epi32((int)dk_pack_lanes8[mask]),
                                            _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28));
    _mm256_storeu_ps(dst, _mm256_permutevar8x32_ps(v, lanes));
    return dk_pack_count8[mask];
}
DK_INLINE size_t vf_pack_within(float *dst, vf v, vf lo, vf hi)
{
    const vf in = _mm256_and_ps(_mm256_cmp_ps(v, lo, _CMP_GE_OQ), _mm256_cmp_ps(v, hi, _CMP_LE_OQ));
    return vf_pack_mask(dst, v, (unsigned)_mm256_movemask_ps(in));
}
DK_INLINE size_t vf_pack_bits_above(float *dst, vf v, vu floor)
{
    const __m256i in = _mm256_cmpgt_epi32(_mm256_castps_si256(v), floor);
    return vf_pack_mask(dst, v, (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(in)));
}
/* A true comparison is all ones, -1 as an integer. */
DK_INLINE vu vu_tally_lt(vu t, vf a, vf b)
{
    return _mm256_sub_epi32(t, _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_LT_OQ)));
}
DK_INLINE vu vu_tally_nan(vu t, vf a)
{
    return _mm256_sub_epi32(t, _mm256_castps_si256(_mm256_cmp_ps(a, a, _CMP_UNORD_Q)));
}
DK_INLINE size_t vu_tally_sum(vu t)
{
    uint32_t lanes[8];
    _mm256_storeu_si256((__m256i *)lanes, t);
    size_t sum = 0;
    for (int i = 0; i < 8; i++)
        sum += lanes[i];
    return sum;
}
/* Row sums (vec.h): DK_W double lanes, each float converted exactly. */
typedef struct {
    __m256d lo, hi;
} vd;
DK_INLINE vd vd_zero(void)
{
    const vd s = {_mm256_setzero_pd(), _mm256_setzero_pd()};
    return s;
}
DK_INLINE vd vd_add_vf(vd s, vf v)
{
    s.lo = _mm256_add_pd(s.lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    s.hi = _mm256_add_pd(s.hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    return s;
}
DK_INLINE void vd_storeu(double *p, vd s)
{
    _mm256_storeu_pd(p, s.lo);
    _mm256_storeu_pd(p + 4, s.hi);
}

DK_INLINE vu vu_set1(uint32_t x) { return _mm256_set1_epi32((int)x); }
DK_INLINE vu vu_loadu(const uint32_t *p) { return _mm256_loadu_si256((const __m256i *)p); }
DK_INLINE void vu_storeu(uint32_t *p, vu v) { _mm256_storeu_si256((__m256i *)p, v); }
DK_INLINE vu vu_add(vu a, vu b) { return _mm256_add_epi32(a, b); }
DK_INLINE vu vu_xor(vu a, vu b) { return _mm256_xor_si256(a, b); }
DK_INLINE vu vu_shr1(vu a) { return _mm256_srli_epi32(a, 1); }
DK_INLINE vu vu_shr8(vu a) { return _mm256_srli_epi32(a, 8); }
/* a * m as 64-bit products, m broadcast: the high halves from vpmuludq on
 * the even lanes and on the odd lanes shifted down, the low halves from one
 * vpmulld (fewer ops than a shift and a blend, and off the rounds' critical
 * path, which runs through the high halves). */
DK_INLINE void vu_mul_wide(vu a, vu m, vu *hi, vu *lo)
{
    const __m256i even = _mm256_mul_epu32(a, m), odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    *lo = _mm256_mullo_epi32(a, m);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xaa);
}
DK_INLINE vf vf_of_i32(vu a) { return _mm256_cvtepi32_ps(a); }
DK_INLINE vf vf_from_bits(vu a) { return _mm256_castsi256_ps(a); }
DK_INLINE vu vu_from_bits(vf a) { return _mm256_castps_si256(a); }
DK_INLINE vf vf_div(vf a, vf b) { return _mm256_div_ps(a, b); }
DK_INLINE vu vu_and(vu a, vu b) { return _mm256_and_si256(a, b); }
DK_INLINE vu vu_sub(vu a, vu b) { return _mm256_sub_epi32(a, b); }
DK_INLINE vu vu_shr23(vu a) { return _mm256_srli_epi32(a, 23); }
DK_INLINE vu vu_shl23(vu a) { return _mm256_slli_epi32(a, 23); }
DK_INLINE vu vu_shl8(vu a) { return _mm256_slli_epi32(a, 8); }
DK_INLINE vf vf_select_if_sign(vu m, vf a, vf b) { return _mm256_blendv_ps(b, a, _mm256_castsi256_ps(m)); }
/* A 4x4 transpose inside each 128-bit half; the lane order of the Philox
 * counters (DK_LANE_BLOCK) makes the result memory order without crossing
 * halves. */
DK_INLINE void vf_transpose4(vf *a, vf *b, vf *c, vf *d)
{
    const __m256 ab_lo = _mm256_unpacklo_ps(*a, *b), ab_hi = _mm256_unpackhi_ps(*a, *b);
    const __m256 cd_lo = _mm256_unpacklo_ps(*c, *d), cd_hi = _mm256_unpackhi_ps(*c, *d);
    *a = _mm256_shuffle_ps(ab_lo, cd_lo, 0x44);
    *b = _mm256_shuffle_ps(ab_lo, cd_lo, 0xee);
    *c = _mm256_shuffle_ps(ab_hi, cd_hi, 0x44);
    *d = _mm256_shuffle_ps(ab_hi, cd_hi, 0xee);
}
DK_INLINE vf vf_logf_u35_sleef(vf a) { return Sleef_logf8_u35avx2(a); }
DK_INLINE void vf_sincospif_u35_sleef(vf a, vf *s, vf *c)
{
    const Sleef___m256_2 sc = Sleef_sincospif8_u35avx2(a);
    *s = sc.x;
    *c = sc.y;
}
