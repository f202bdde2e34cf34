/* SLEEF's 3.5-ulp logf and sincospif, inline, on the noise spec's domain
 * only: the same sequence of float operations as SLEEF 3.5.1's xlogf and
 * xsincospif_u35 (src/libm/sleefsimdsp.c, Boost Software License 1.0), or
 * integer operations that give the same values where SLEEF's are exact, so
 * the same bits, written once over the vector layer. SLEEF's fused builds
 * (purecfma, avx2, avx512f, advsimd) use an FMA where it writes vmla, its
 * plain builds (purec, sse4) a product and a sum: vf_fma is exactly that in
 * each family (vec.h).
 *
 * Why: called through the shared library, each is a call per vector, and
 * each carries the selects of its special cases (zero, negative, subnormal,
 * Inf and NaN inputs; |a| > 1e7), none of which can occur in the noise:
 * u1 in [2^-32, 1] and 2 u2 in [0, 2), multiples of 2^-23. Inline and
 * without them, the compiler interleaves the two functions and Philox.
 *
 * tests/test_noise.c checks both against libsleef on every float of that
 * domain, on every ISA (DESIGN.md section 3 keeps SLEEF's results as the
 * spec). Outside the domain the results are not SLEEF's. */
#ifndef DK_SLEEF_U35_H
#define DK_SLEEF_U35_H

#include "vec.h"

/* The e and m of SLEEF's logf for normal d in [2^-32, 1]: e = ilogb(d /
 * 0.75) from the exponent field of d * (1 / 0.75f), as a float, and m = d
 * 2^-e (an exponent-field add), in [0.75, 1.5). The AVX-512 layer has its
 * own, from vgetexpps and vgetmantps as SLEEF's AVX-512 build takes them;
 * libsleef's AVX-512 logf and its other builds agree on every float of the
 * domain (tests/test_noise.c checks each build's inline logf against its
 * libsleef, on all of them), so the two give the same values. */
#ifndef DK_HAS_LOGF_SPLIT
DK_INLINE void vf_logf_split(vf d, vf *e, vf *m)
{
    /* d / 0.75 is positive: its bits shifted down are the biased exponent */
    const vu ei = vu_sub(vu_shr23(vu_from_bits(vf_mul(d, vf_set1(1.0f / 0.75f)))), vu_set1(0x7f));
    *m = vf_from_bits(vu_sub(vu_from_bits(d), vu_shl23(ei))); /* ldexp(d, -e) */
    *e = vf_of_i32(ei);
}
#endif

/* logf(d) for normal d in [2^-32, 1]. SLEEF: d = m 2^e (vf_logf_split);
 * x = (m - 1) / (m + 1); log d = x t(x^2) + e ln 2. */
DK_INLINE vf dk_logf_u35(vf d)
{
    vf e, m;
    vf_logf_split(d, &e, &m);
    const vf x = vf_div(vf_sub(m, vf_set1(1.0f)), vf_add(vf_set1(1.0f), m));
    const vf x2 = vf_mul(x, x);
    vf t = vf_set1(0.2392828464508056640625f);
    t = vf_fma(t, x2, vf_set1(0.28518211841583251953125f));
    t = vf_fma(t, x2, vf_set1(0.400005877017974853515625f));
    t = vf_fma(t, x2, vf_set1(0.666666686534881591796875f));
    t = vf_fma(t, x2, vf_set1(2.0f));
    return vf_fma(x, t, vf_mul(vf_set1(0.693147180559945286226764f), e));
}

/* sin(pi d) and cos(pi d) for d = k 2^-23, k an integer in [0, 2^24): d in
 * [0, 2) as the noise makes it. SLEEF: q = trunc(4 d) rounded up to even
 * (its general form (q + ((q >> 31) ^ 1)) & ~1 is that for q >= 0),
 * s = 4 d - q in [-1, 1), two polynomials in s^2 for sin(pi s / 4) and
 * cos(pi s / 4), swapped where q & 2 and negated where q & 4 (sin) and
 * (q + 2) & 4 (cos): sign bits put in by xor. The constants go through a
 * double to a float, as SLEEF's vcast_vf_f of a double literal does.
 *
 * Here q and s come from k in integers, the same values: 4 d = k 2^-21
 * exactly, so with w = k + 2^21, q = (w >> 21) & ~1 and 4 d - q =
 * (k - (w & ~(2^22 - 1))) 2^-21, exact as SLEEF's float subtraction is
 * (an integer of at most 2^21 in magnitude); bits 22 and 23 of w are bits
 * 1 and 2 of q, and bit 2 of q + 2 is their xor. */
DK_INLINE void dk_sincospif_u35_k23(vu k, vf *sin_out, vf *cos_out)
{
    const vu w = vu_add(k, vu_set1(1u << 21));
    const vf t = vf_mul(vf_of_i32(vu_sub(k, vu_and(w, vu_set1(~((1u << 22) - 1u))))), vf_set1(0x1p-21f));
    const vf s = vf_mul(t, t);
    vf u = vf_set1((float)-0.3600925265e-4);
    u = vf_fma(u, s, vf_set1((float)+0.2490088111e-2));
    u = vf_fma(u, s, vf_set1((float)-0.8074551076e-1));
    u = vf_fma(u, s, vf_set1((float)+0.7853981853e+0));
    const vf rx = vf_mul(u, t);
    u = vf_set1((float)+0.3539815225e-5);
    u = vf_fma(u, s, vf_set1((float)-0.3259574005e-3));
    u = vf_fma(u, s, vf_set1((float)+0.1585431583e-1));
    u = vf_fma(u, s, vf_set1((float)-0.3084251285e+0));
    const vf ry = vf_fma(u, s, vf_set1(1.0f));
    /* q4: bit 2 of q (bit 23 of w) in the sign bit; q2: bit 1 (bit 22) */
    const vu q4 = vu_shl8(w), q2 = vu_add(q4, q4);
    const vf x = vf_select_if_sign(q2, ry, rx), y = vf_select_if_sign(q2, rx, ry);
    const vu sign = vu_set1(0x80000000u);
    *sin_out = vf_from_bits(vu_xor(vu_from_bits(x), vu_and(q4, sign)));
    *cos_out = vf_from_bits(vu_xor(vu_from_bits(y), vu_and(vu_xor(q4, q2), sign)));
}

#endif /* DK_SLEEF_U35_H */
