/* AArch64 Advanced SIMD vector layer (fused family: vfmaq_f32, never vmlaq_f32). */
#include <arm_neon.h>
#include <string.h>

#define DK_W     4
#define DK_FUSED 1

typedef float32x4_t vf;

DK_INLINE vf vf_set1(float x) { return vdupq_n_f32(x); }
DK_INLINE vf vf_loadu(const float *p) { return vld1q_f32(p); }
DK_INLINE void vf_storeu(float *p, vf v) { vst1q_f32(p, v); }
/* NEON has no masked load or store: go through a small stack buffer. */
DK_INLINE vf vf_load_part(const float *p, size_t n)
{
    float buf[DK_W] = {0};
    memcpy(buf, p, n * sizeof(float));
    return vld1q_f32(buf);
}
DK_INLINE void vf_store_part(float *p, vf v, size_t n)
{
    float buf[DK_W];
    vst1q_f32(buf, v);
    memcpy(p, buf, n * sizeof(float));
}
DK_INLINE vf vf_add(vf a, vf b) { return vaddq_f32(a, b); }
DK_INLINE vf vf_mul(vf a, vf b) { return vmulq_f32(a, b); }
DK_INLINE vf vf_fma(vf a, vf b, vf c) { return vfmaq_f32(c, a, b); }
/* vminq/vmaxq treat NaN differently from x86; select to match a < b ? a : b. */
DK_INLINE vf vf_min(vf a, vf b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
DK_INLINE vf vf_max(vf a, vf b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
DK_INLINE vf vf_sqrt(vf a) { return vsqrtq_f32(a); }
