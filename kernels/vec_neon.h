/* AArch64 Advanced SIMD vector layer (fused family: vfmaq_f32, never vmlaq_f32). */
#include <arm_neon.h>
#include <sleef.h>
#include <string.h>

#include "pack_table.h"

#define DK_W     4
#define DK_FUSED 1

typedef float32x4_t vf;
typedef uint32x4_t vu;

DK_INLINE vf vf_set1(float x) { return vdupq_n_f32(x); }
DK_INLINE vf vf_loadu(const float *p) { return vld1q_f32(p); }
DK_INLINE void vf_storeu(float *p, vf v) { vst1q_f32(p, v); }
/* Plain stores: NEON's non-temporal pair store has no intrinsic. */
DK_INLINE void vf_stream(float *p, vf v) { vst1q_f32(p, v); }
DK_INLINE void vf_stream_fence(void) {}
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
DK_INLINE vf vf_sub(vf a, vf b) { return vsubq_f32(a, b); }
DK_INLINE vf vf_abs(vf a) { return vabsq_f32(a); }
DK_INLINE vf vf_fma(vf a, vf b, vf c) { return vfmaq_f32(c, a, b); }
/* vminq/vmaxq treat NaN differently from x86; select to match a < b ? a : b. */
DK_INLINE vf vf_min(vf a, vf b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
DK_INLINE vf vf_max(vf a, vf b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
DK_INLINE vf vf_sqrt(vf a) { return vsqrtq_f32(a); }
/* The lanes of in (all ones: taken) to dst: tbl of their bytes
 * (pack_table.h), the lane mask as bits 1, 2, 4, 8. */
DK_INLINE size_t vf_pack_mask(float *dst, vf v, uint32x4_t in)
{
    static const uint32_t lane_bits[4] = {1, 2, 4, 8};
    const unsigned mask = vaddvq_u32(vandq_u32(in, vld1q_u32(lane_bits)));
    const uint8x16_t bytes = vld1q_u8(dk_pack_bytes[mask]);
    vst1q_f32(dst, vreinterpretq_f32_u8(vqtbl1q_u8(vreinterpretq_u8_f32(v), bytes)));
    return dk_pack_count[mask];
}
DK_INLINE size_t vf_pack_within(float *dst, vf v, vf lo, vf hi)
{
    return vf_pack_mask(dst, v, vandq_u32(vcgeq_f32(v, lo), vcleq_f32(v, hi)));
}
DK_INLINE size_t vf_pack_bits_above(float *dst, vf v, vu floor)
{
    return vf_pack_mask(dst, v, vcgtq_s32(vreinterpretq_s32_f32(v), vreinterpretq_s32_u32(floor)));
}
/* A true comparison is all ones, -1 as an integer. */
DK_INLINE vu vu_tally_lt(vu t, vf a, vf b) { return vsubq_u32(t, vcltq_f32(a, b)); }
DK_INLINE vu vu_tally_nan(vu t, vf a) { return vsubq_u32(t, vmvnq_u32(vceqq_f32(a, a))); }
DK_INLINE size_t vu_tally_sum(vu t)
{
    return (size_t)vgetq_lane_u32(t, 0) + vgetq_lane_u32(t, 1) + vgetq_lane_u32(t, 2) + vgetq_lane_u32(t, 3);
}
/* Row sums (vec.h): DK_W double lanes, each float converted exactly. */
typedef struct {
    float64x2_t lo, hi;
} vd;
DK_INLINE vd vd_zero(void)
{
    const vd s = {vdupq_n_f64(0.0), vdupq_n_f64(0.0)};
    return s;
}
DK_INLINE vd vd_add_vf(vd s, vf v)
{
    s.lo = vaddq_f64(s.lo, vcvt_f64_f32(vget_low_f32(v)));
    s.hi = vaddq_f64(s.hi, vcvt_high_f64_f32(v));
    return s;
}
DK_INLINE void vd_storeu(double *p, vd s)
{
    vst1q_f64(p, s.lo);
    vst1q_f64(p + 2, s.hi);
}

DK_INLINE vu vu_set1(uint32_t x) { return vdupq_n_u32(x); }
DK_INLINE vu vu_loadu(const uint32_t *p) { return vld1q_u32(p); }
DK_INLINE void vu_storeu(uint32_t *p, vu v) { vst1q_u32(p, v); }
DK_INLINE vu vu_add(vu a, vu b) { return vaddq_u32(a, b); }
DK_INLINE vu vu_xor(vu a, vu b) { return veorq_u32(a, b); }
DK_INLINE vu vu_shr1(vu a) { return vshrq_n_u32(a, 1); }
DK_INLINE vu vu_shr8(vu a) { return vshrq_n_u32(a, 8); }
/* a * m as 64-bit products: lanes 0-1 and 2-3, then split the halves. */
DK_INLINE void vu_mul_wide(vu a, vu m, vu *hi, vu *lo)
{
    const uint32x4_t p01 = vreinterpretq_u32_u64(vmull_u32(vget_low_u32(a), vget_low_u32(m)));
    const uint32x4_t p23 = vreinterpretq_u32_u64(vmull_high_u32(a, m));
    *lo = vuzp1q_u32(p01, p23);
    *hi = vuzp2q_u32(p01, p23);
}
DK_INLINE vf vf_of_i32(vu a) { return vcvtq_f32_s32(vreinterpretq_s32_u32(a)); }
DK_INLINE vf vf_from_bits(vu a) { return vreinterpretq_f32_u32(a); }
DK_INLINE vu vu_from_bits(vf a) { return vreinterpretq_u32_f32(a); }
DK_INLINE vf vf_div(vf a, vf b) { return vdivq_f32(a, b); }
DK_INLINE vu vu_and(vu a, vu b) { return vandq_u32(a, b); }
DK_INLINE vu vu_sub(vu a, vu b) { return vsubq_u32(a, b); }
DK_INLINE vu vu_shr23(vu a) { return vshrq_n_u32(a, 23); }
DK_INLINE vu vu_shl23(vu a) { return vshlq_n_u32(a, 23); }
DK_INLINE vu vu_shl8(vu a) { return vshlq_n_u32(a, 8); }
DK_INLINE vf vf_select_if_sign(vu m, vf a, vf b)
{
    return vbslq_f32(vcltzq_s32(vreinterpretq_s32_u32(m)), a, b);
}
DK_INLINE void vf_transpose4(vf *a, vf *b, vf *c, vf *d)
{
    const float32x4x2_t ab = vtrnq_f32(*a, *b), cd = vtrnq_f32(*c, *d);
    *a = vcombine_f32(vget_low_f32(ab.val[0]), vget_low_f32(cd.val[0]));
    *b = vcombine_f32(vget_low_f32(ab.val[1]), vget_low_f32(cd.val[1]));
    *c = vcombine_f32(vget_high_f32(ab.val[0]), vget_high_f32(cd.val[0]));
    *d = vcombine_f32(vget_high_f32(ab.val[1]), vget_high_f32(cd.val[1]));
}
DK_INLINE vf vf_logf_u35_sleef(vf a) { return Sleef_logf4_u35advsimd(a); }
DK_INLINE void vf_sincospif_u35_sleef(vf a, vf *s, vf *c)
{
    const Sleef_float32x4_t_2 sc = Sleef_sincospif4_u35advsimd(a);
    *s = sc.x;
    *c = sc.y;
}
