/* Scalar vector layer: one float per "vector". DK_SCALAR_FUSED selects the
 * family: 1 uses fmaf (one rounding), 0 rounds the product then the sum. */
#include <math.h>

#ifndef DK_SCALAR_FUSED
#error "DK_SCALAR_FUSED must be 0 or 1"
#endif

#define DK_W     1
#define DK_FUSED DK_SCALAR_FUSED

typedef float vf;

DK_INLINE vf vf_set1(float x) { return x; }
DK_INLINE vf vf_loadu(const float *p) { return *p; }
DK_INLINE void vf_storeu(float *p, vf v) { *p = v; }
/* With DK_W == 1 there is never a tail; these exist for the common code. */
DK_INLINE vf vf_load_part(const float *p, size_t n) { return n ? *p : 0.0f; }
DK_INLINE void vf_store_part(float *p, vf v, size_t n)
{
    if (n)
        *p = v;
}
DK_INLINE vf vf_add(vf a, vf b) { return a + b; }
DK_INLINE vf vf_mul(vf a, vf b) { return a * b; }
#if DK_SCALAR_FUSED
DK_INLINE vf vf_fma(vf a, vf b, vf c) { return fmaf(a, b, c); }
#else
DK_INLINE vf vf_fma(vf a, vf b, vf c) { return a * b + c; } /* -ffp-contract=off */
#endif
DK_INLINE vf vf_min(vf a, vf b) { return a < b ? a : b; }
DK_INLINE vf vf_max(vf a, vf b) { return a > b ? a : b; }
DK_INLINE vf vf_sqrt(vf a) { return sqrtf(a); }
