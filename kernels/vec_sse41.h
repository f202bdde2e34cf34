/* SSE4.1 vector layer (plain family: no FMA). */
#include <smmintrin.h>
#include <string.h>

#define DK_W     4
#define DK_FUSED 0

typedef __m128 vf;

DK_INLINE vf vf_set1(float x) { return _mm_set1_ps(x); }
DK_INLINE vf vf_loadu(const float *p) { return _mm_loadu_ps(p); }
DK_INLINE void vf_storeu(float *p, vf v) { _mm_storeu_ps(p, v); }
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
DK_INLINE vf vf_fma(vf a, vf b, vf c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
DK_INLINE vf vf_min(vf a, vf b) { return _mm_min_ps(a, b); }
DK_INLINE vf vf_max(vf a, vf b) { return _mm_max_ps(a, b); }
DK_INLINE vf vf_sqrt(vf a) { return _mm_sqrt_ps(a); }
