/* AVX-512F vector layer (fused family). */
#include <immintrin.h>

#define DK_W     16
#define DK_FUSED 1

typedef __m512 vf;

DK_INLINE vf vf_set1(float x) { return _mm512_set1_ps(x); }
DK_INLINE vf vf_loadu(const float *p) { return _mm512_loadu_ps(p); }
DK_INLINE void vf_storeu(float *p, vf v) { _mm512_storeu_ps(p, v); }
/* Masked-off lanes of AVX-512 loads and stores never fault. */
DK_INLINE __mmask16 vf_mask_(size_t n) { return (__mmask16)((1u << n) - 1u); }
DK_INLINE vf vf_load_part(const float *p, size_t n) { return _mm512_maskz_loadu_ps(vf_mask_(n), p); }
DK_INLINE void vf_store_part(float *p, vf v, size_t n) { _mm512_mask_storeu_ps(p, vf_mask_(n), v); }
DK_INLINE vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
DK_INLINE vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
DK_INLINE vf vf_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
DK_INLINE vf vf_min(vf a, vf b) { return _mm512_min_ps(a, b); }
DK_INLINE vf vf_max(vf a, vf b) { return _mm512_max_ps(a, b); }
DK_INLINE vf vf_sqrt(vf a) { return _mm512_sqrt_ps(a); }
