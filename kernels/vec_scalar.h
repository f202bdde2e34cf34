/* Scalar vector layer: one float per "vector". DK_SCALAR_FUSED selects the
 * family: 1 uses fmaf (one rounding), 0 rounds the product then the sum. */
#include <math.h>
#include <stdint.h>
#include <string.h>

/* SLEEF declares the purecfma functions only where FP_FAST_FMA is defined
 * (math.h does so when the target has FMA, as -mfma and aarch64 do); those
 * functions use the FMA instruction, so this build already needs it. */
#if DK_SCALAR_FUSED && !defined(FP_FAST_FMA)
#define FP_FAST_FMA
#endif
#include <sleef.h>

#ifndef DK_SCALAR_FUSED
#error "DK_SCALAR_FUSED must be 0 or 1"
#endif

#define DK_W     1
#define DK_FUSED DK_SCALAR_FUSED

typedef float vf;
typedef uint32_t vu;

DK_INLINE vf vf_set1(float x) { return x; }
DK_INLINE vf vf_loadu(const float *p) { return *p; }
DK_INLINE void vf_storeu(float *p, vf v) { *p = v; }
/* No non-temporal stores in the portable scalar build. */
DK_INLINE void vf_stream(float *p, vf v) { *p = v; }
DK_INLINE void vf_stream_fence(void) {}
/* With DK_W == 1 there is never a tail; these exist for the common code. */
DK_INLINE vf vf_load_part(const float *p, size_t n) { return n ? *p : 0.0f; }
DK_INLINE void vf_store_part(float *p, vf v, size_t n)
{
    if (n)
        *p = v;
}
DK_INLINE vf vf_add(vf a, vf b) { return a + b; }
DK_INLINE vf vf_mul(vf a, vf b) { return a * b; }
DK_INLINE vf vf_sub(vf a, vf b) { return a - b; }
DK_INLINE vf vf_abs(vf a) { return fabsf(a); }
#if DK_SCALAR_FUSED
DK_INLINE vf vf_fma(vf a, vf b, vf c) { return fmaf(a, b, c); }
#else
DK_INLINE vf vf_fma(vf a, vf b, vf c) { return a * b + c; } /* -ffp-contract=off */
#endif
DK_INLINE vf vf_min(vf a, vf b) { return a < b ? a : b; }
DK_INLINE vf vf_max(vf a, vf b) { return a > b ? a : b; }
DK_INLINE vf vf_sqrt(vf a) { return sqrtf(a); }
DK_INLINE size_t vf_pack_within(float *dst, vf v, vf lo, vf hi)
{
    *dst = v;
    return (v >= lo) & (v <= hi);
}
DK_INLINE size_t vf_pack_bits_above(float *dst, vf v, vu floor)
{
    int32_t bits;
    memcpy(&bits, &v, sizeof bits);
    *dst = v;
    return bits > (int32_t)floor;
}
DK_INLINE vu vu_tally_lt(vu t, vf a, vf b) { return t + (a < b); }
DK_INLINE vu vu_tally_nan(vu t, vf a) { return t + (a != a); }
DK_INLINE size_t vu_tally_sum(vu t) { return t; }
/* Row sums (vec.h): DK_W double lanes, each float converted exactly. */
typedef double vd;
DK_INLINE vd vd_zero(void) { return 0.0; }
DK_INLINE vd vd_add_vf(vd s, vf v) { return s + (double)v; }
DK_INLINE void vd_storeu(double *p, vd s) { *p = s; }

DK_INLINE vu vu_set1(uint32_t x) { return x; }
DK_INLINE vu vu_loadu(const uint32_t *p) { return *p; }
DK_INLINE void vu_storeu(uint32_t *p, vu v) { *p = v; }
DK_INLINE vu vu_add(vu a, vu b) { return a + b; }
DK_INLINE vu vu_xor(vu a, vu b) { return a ^ b; }
DK_INLINE vu vu_shr1(vu a) { return a >> 1; }
DK_INLINE vu vu_shr8(vu a) { return a >> 8; }
DK_INLINE void vu_mul_wide(vu a, vu m, vu *hi, vu *lo)
{
    const uint64_t p = (uint64_t)a * m;
    *hi = (uint32_t)(p >> 32);
    *lo = (uint32_t)p;
}
DK_INLINE vf vf_of_i32(vu a) { return (float)(int32_t)a; }
DK_INLINE vf vf_from_bits(vu a)
{
    float f;
    memcpy(&f, &a, sizeof f);
    return f;
}
DK_INLINE vu vu_from_bits(vf a)
{
    uint32_t u;
    memcpy(&u, &a, sizeof u);
    return u;
}
DK_INLINE vf vf_div(vf a, vf b) { return a / b; }
DK_INLINE vu vu_and(vu a, vu b) { return a & b; }
DK_INLINE vu vu_sub(vu a, vu b) { return a - b; }
DK_INLINE vu vu_shr23(vu a) { return a >> 23; }
DK_INLINE vu vu_shl23(vu a) { return a << 23; }
DK_INLINE vu vu_shl8(vu a) { return a << 8; }
DK_INLINE vf vf_select_if_sign(vu m, vf a, vf b) { return m >> 31 ? a : b; }
/* One block per "vector": its four normals are already in memory order. */
DK_INLINE void vf_transpose4(vf *a, vf *b, vf *c, vf *d) { (void)a, (void)b, (void)c, (void)d; }
#if DK_SCALAR_FUSED
DK_INLINE vf vf_logf_u35_sleef(vf a) { return Sleef_logf1_u35purecfma(a); }
DK_INLINE void vf_sincospif_u35_sleef(vf a, vf *s, vf *c)
{
    const Sleef_float_2 sc = Sleef_sincospif1_u35purecfma(a);
    *s = sc.x;
    *c = sc.y;
}
#else
DK_INLINE vf vf_logf_u35_sleef(vf a) { return Sleef_logf1_u35purec(a); }
DK_INLINE void vf_sincospif_u35_sleef(vf a, vf *s, vf *c)
{
    const Sleef_float_2 sc = Sleef_sincospif1_u35purec(a);
    *s = sc.x;
    *c = sc.y;
}
#endif
