/* AVX-512F vector layer (fused family). */
#include <immintrin.h>
#include <sleef.h>

#include "pack_table.h"

#define DK_W     16
#define DK_FUSED 1

/* q_sample_randn and the steps with generated z (philox.h) stream their
 * outputs from dk_stream_min. On a Zen 4, paired: dk_q_sample_randn with eps
 * took 0.94 of the time at 8 MiB per array, 0.96 at 16, 0.79 to 0.95 at 64
 * (1.01 and 1.02 at 2 and 4); dk_p_step_randn 1.00 from 2 to 16 MiB, 0.87
 * at 64 with one t, 0.91 and 0.93 with a t per row, and 0.79 on 2 threads.
 * On AVX2 and SSE4.1 streaming lost from 4 to 16 MiB (1.04 to 1.09) and
 * gained little or nothing at 64 (0.96 to 1.0; dk_p_step_randn 1.04 to
 * 1.07), so those builds store plainly. On a Zen 5 the same streamed
 * stores lost to plain ones (0.84 to 0.97 of the time from 8 to 64 MiB, one
 * thread and two), so dispatch turns them off there (DK_CPU_SLOW_NOISE_NT,
 * a->noise_plain). */
#define DK_NOISE_STREAMS 1

typedef __m512 vf;
typedef __m512i vu;

DK_INLINE vf vf_set1(float x) { return _mm512_set1_ps(x); }
DK_INLINE vf vf_loadu(const float *p) { return _mm512_loadu_ps(p); }
DK_INLINE void vf_storeu(float *p, vf v) { _mm512_storeu_ps(p, v); }
DK_INLINE void vf_stream(float *p, vf v) { _mm512_stream_ps(p, v); }
DK_INLINE void vf_stream_fence(void) { _mm_sfence(); }
/* Masked-off lanes of AVX-512 loads and stores never fault. */
DK_INLINE __mmask16 vf_mask_(size_t n) { return (__mmask16)((1u << n) - 1u); }
DK_INLINE vf vf_load_part(const float *p, size_t n) { return _mm512_maskz_loadu_ps(vf_mask_(n), p); }
DK_INLINE void vf_store_part(float *p, vf v, size_t n) { _mm512_mask_storeu_ps(p, vf_mask_(n), v); }
DK_INLINE vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
DK_INLINE vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
DK_INLINE vf vf_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
DK_INLINE vf vf_abs(vf a) { return _mm512_abs_ps(a); }
DK_INLINE vf vf_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
DK_INLINE vf vf_min(vf a, vf b) { return _mm512_min_ps(a, b); }
DK_INLINE vf vf_max(vf a, vf b) { return _mm512_max_ps(a, b); }
DK_INLINE vf vf_sqrt(vf a) { return _mm512_sqrt_ps(a); }
/* vcompressps to a register, then a plain store: the memory form of
 * vcompressps is microcoded and slow on AMD Zen 4. */
DK_INLINE size_t vf_pack_mask(float *dst, vf v, __mmask16 in)
{
    _mm512_storeu_ps(dst, _mm512_maskz_compress_ps(in, v));
    return (size_t)dk_pack_count[in & 15u] + dk_pack_count[in >> 4 & 15u] + dk_pack_count[in >> 8 & 15u] +
           dk_pack_count[in >> 12];
}
DK_INLINE size_t vf_pack_within(float *dst, vf v, vf lo, vf hi)
{
    return vf_pack_mask(dst, v,
                        _mm512_cmp_ps_mask(v, lo, _CMP_GE_OQ) & _mm512_cmp_ps_mask(v, hi, _CMP_LE_OQ));
}
DK_INLINE size_t vf_pack_bits_above(float *dst, vf v, vu floor)
{
    return vf_pack_mask(dst, v, _mm512_cmpgt_epi32_mask(_mm512_castps_si512(v), floor));
}
DK_INLINE vu vu_tally_lt(vu t, vf a, vf b)
{
    return _mm512_mask_add_epi32(t, _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), t, _mm512_set1_epi32(1));
}
DK_INLINE vu vu_tally_nan(vu t, vf a)
{
    return _mm512_mask_add_epi32(t, _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q), t, _mm512_set1_epi32(1));
}
DK_INLINE size_t vu_tally_sum(vu t)
{
    uint32_t lanes[16];
    _mm512_storeu_si512(lanes, t);
    size_t sum = 0;
    for (int i = 0; i < 16; i++)
        sum += lanes[i];
    return sum;
}
/* Row sums (vec.h): DK_W double lanes, each float converted exactly. */
typedef struct {
    __m512d lo, hi;
} vd;
DK_INLINE vd vd_zero(void)
{
    const vd s = {_mm512_setzero_pd(), _mm512_setzero_pd()};
    return s;
}
DK_INLINE vd vd_add_vf(vd s, vf v)
{
    s.lo = _mm512_add_pd(s.lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
    s.hi = _mm512_add_pd(s.hi,
                         _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
    return s;
}
DK_INLINE void vd_storeu(double *p, vd s)
{
    _mm512_storeu_pd(p, s.lo);
    _mm512_storeu_pd(p + 8, s.hi);
}

DK_INLINE vu vu_set1(uint32_t x) { return _mm512_set1_epi32((int)x); }
DK_INLINE vu vu_loadu(const uint32_t *p) { return _mm512_loadu_si512(p); }
DK_INLINE void vu_storeu(uint32_t *p, vu v) { _mm512_storeu_si512(p, v); }
DK_INLINE vu vu_add(vu a, vu b) { return _mm512_add_epi32(a, b); }
DK_INLINE vu vu_xor(vu a, vu b) { return _mm512_xor_si512(a, b); }
DK_INLINE vu vu_shr1(vu a) { return _mm512_srli_epi32(a, 1); }
DK_INLINE vu vu_shr8(vu a) { return _mm512_srli_epi32(a, 8); }
/* a * m as 64-bit products, m broadcast: the high halves from vpmuludq on
 * the even lanes and on the odd lanes shifted down, merged by one masked
 * shuffle; the low halves from one vpmulld. */
DK_INLINE void vu_mul_wide(vu a, vu m, vu *hi, vu *lo)
{
    const __m512i even = _mm512_mul_epu32(a, m), odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
    *lo = _mm512_mullo_epi32(a, m);
    *hi = _mm512_mask_shuffle_epi32(odd, 0x5555, even, _MM_PERM_DDBB);
}
/* Philox on the even and the odd lanes apart (philox.h): four vpmuludq a
 * round where the full-width form takes four and two vpmulld. Zen 5, the
 * public calls against the full-width build in alternation: dk_randn 0.92
 * to 0.93 of the time in cache and at 16M floats, q_sample_randn 0.94 in
 * cache and 0.97 to 0.98 at 64 MiB. 1 or 3 batches with it were 18% slower
 * than 2. AVX2 took 1.22 of the time with it (Zen 5, as the
 * issue-12 prototype found on Zen 3), so only AVX-512 has it. */
#define DK_PHILOX_HALVES 1
DK_INLINE vu vu_mul_even(vu a, vu m) { return _mm512_mul_epu32(a, m); }
DK_INLINE vu vu_shr32_64(vu a) { return _mm512_srli_epi64(a, 32); }
DK_INLINE vu vu_interleave_even(vu e, vu o) { return _mm512_mask_shuffle_epi32(e, 0xAAAA, o, _MM_PERM_CCAA); }
/* SLEEF's logf split of d (sleef_u35.h) as its AVX-512 build makes it: e =
 * getexp(d * (1 / 0.75f)), m = getmant(d) normalized to [0.75, 1.5). Three
 * operations where the integer form takes six: dk_q_sample_randn took 0.91
 * of the time at 64 MiB per array, randn 0.93 (Zen 4, paired). */
#define DK_HAS_LOGF_SPLIT 1
DK_INLINE void vf_logf_split(vf d, vf *e, vf *m)
{
    *e = _mm512_getexp_ps(_mm512_mul_ps(d, _mm512_set1_ps(1.0f / 0.75f)));
    *m = _mm512_getmant_ps(d, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_nan);
}
DK_INLINE vf vf_of_i32(vu a) { return _mm512_cvtepi32_ps(a); }
DK_INLINE vf vf_from_bits(vu a) { return _mm512_castsi512_ps(a); }
DK_INLINE vu vu_from_bits(vf a) { return _mm512_castps_si512(a); }
DK_INLINE vf vf_div(vf a, vf b) { return _mm512_div_ps(a, b); }
DK_INLINE vu vu_and(vu a, vu b) { return _mm512_and_si512(a, b); }
DK_INLINE vu vu_sub(vu a, vu b) { return _mm512_sub_epi32(a, b); }
DK_INLINE vu vu_shr23(vu a) { return _mm512_srli_epi32(a, 23); }
DK_INLINE vu vu_shl23(vu a) { return _mm512_slli_epi32(a, 23); }
DK_INLINE vu vu_shl8(vu a) { return _mm512_slli_epi32(a, 8); }
DK_INLINE vf vf_select_if_sign(vu m, vf a, vf b)
{
    return _mm512_mask_blend_ps(_mm512_test_epi32_mask(m, _mm512_set1_epi32((int)0x80000000u)), b, a);
}
/* A 4x4 transpose inside each 128-bit quarter; the lane order of the Philox
 * counters (DK_LANE_BLOCK) makes the result memory order. */
DK_INLINE void vf_transpose4(vf *a, vf *b, vf *c, vf *d)
{
    const __m512 ab_lo = _mm512_unpacklo_ps(*a, *b), ab_hi = _mm512_unpackhi_ps(*a, *b);
    const __m512 cd_lo = _mm512_unpacklo_ps(*c, *d), cd_hi = _mm512_unpackhi_ps(*c, *d);
    *a = _mm512_shuffle_ps(ab_lo, cd_lo, 0x44);
    *b = _mm512_shuffle_ps(ab_lo, cd_lo, 0xee);
    *c = _mm512_shuffle_ps(ab_hi, cd_hi, 0x44);
    *d = _mm512_shuffle_ps(ab_hi, cd_hi, 0xee);
}
DK_INLINE vf vf_logf_u35_sleef(vf a) { return Sleef_logf16_u35avx512f(a); }
DK_INLINE void vf_sincospif_u35_sleef(vf a, vf *s, vf *c)
{
    const Sleef___m512_2 sc = Sleef_sincospif16_u35avx512f(a);
    *s = sc.x;
    *c = sc.y;
}
