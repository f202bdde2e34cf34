/* AVX2 + FMA3 vector layer (fused family). */
#include <immintrin.h>

#define DK_W     8
#define DK_FUSED 1

typedef __m256 vf;

DK_INLINE vf vf_set1(float x) { return _mm256_set1_ps(x); }
DK_INLINE vf vf_loadu(const float *p) { return _mm256_loadu_ps(p); }
DK_INLINE void vf_storeu(float *p, vf v) { _mm256_storeu_ps(p, v); }
/* Lanes below n: all ones. Masked-off lanes of vmaskmov never fault. */
DK_INLINE __m256i vf_mask_(size_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
DK_INLINE vf vf_load_part(const float *p, size_t n) { return _mm256_maskload_ps(p, vf_mask_(n)); }
DK_INLINE void vf_store_part(float *p, vf v, size_t n) { _mm256_maskstore_ps(p, vf_mask_(n), v); }
DK_INLINE vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
DK_INLINE vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
DK_INLINE vf vf_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
DK_INLINE vf vf_min(vf a, vf b) { return _mm256_min_ps(a, b); }
DK_INLINE vf vf_max(vf a, vf b) { return _mm256_max_ps(a, b); }
DK_INLINE vf vf_sqrt(vf a) { return _mm256_sqrt_ps(a); }
