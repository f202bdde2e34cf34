/* The noise spec of DESIGN.md section 3, one element at a time. Written
 * plainly from the spec (and Salmon et al. 2011) rather than from the
 * kernels, so that a shared mistake is unlikely. */

/* sleef.h declares the purecfma functions only where FP_FAST_FMA is defined
 * (it defines it itself only for AVX2 and ARM targets). The library holds
 * them on every target; they execute FMA instructions, so callers use the
 * fused family only where the CPU has FMA. */
#ifndef FP_FAST_FMA
#define FP_FAST_FMA 1
#endif

#include "noise_ref.h"

#include <math.h>
#include <sleef.h>

#define M0 0xD2511F53u /* Philox4x32 multipliers */
#define M1 0xCD9E8D57u
#define W0 0x9E3779B9u /* Weyl key increments */
#define W1 0xBB67AE85u

/* One Philox round: two 32x32 -> 64-bit products, their halves mixed with
 * the other two words and the round key. */
static void philox_round(uint32_t x[4], const uint32_t key[2])
{
    const uint64_t p0 = (uint64_t)M0 * x[0];
    const uint64_t p1 = (uint64_t)M1 * x[2];
    const uint32_t y0 = (uint32_t)(p1 >> 32) ^ x[1] ^ key[0];
    const uint32_t y1 = (uint32_t)p1;
    const uint32_t y2 = (uint32_t)(p0 >> 32) ^ x[3] ^ key[1];
    const uint32_t y3 = (uint32_t)p0;
    x[0] = y0, x[1] = y1, x[2] = y2, x[3] = y3;
}

void noise_ref_philox(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t x[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
    uint32_t k[2] = {key[0], key[1]};
    for (int round = 0; round < 10; round++) {
        if (round > 0) { /* the key is bumped between rounds, not before the first */
            k[0] += W0;
            k[1] += W1;
        }
        philox_round(x, k);
    }
    for (int i = 0; i < 4; i++)
        out[i] = x[i];
}

void noise_ref_block_words(uint64_t seed, uint64_t stream, uint64_t block, uint32_t out[4])
{
    const uint32_t ctr[4] = {(uint32_t)block, (uint32_t)(block >> 32), (uint32_t)stream,
                             (uint32_t)(stream >> 32)};
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    noise_ref_philox(ctr, key, out);
}

float noise_ref_radius(int fused, float u1)
{
    const float log_u1 = fused ? Sleef_logf1_u35purecfma(u1) : Sleef_logf1_u35purec(u1);
    return sqrtf(-2.0f * log_u1);
}

/* (sin, cos) of pi * a in a family. */
static void sincospi(int fused, float a, float *s, float *c)
{
    const Sleef_float_2 sc = fused ? Sleef_sincospif1_u35purecfma(a) : Sleef_sincospif1_u35purec(a);
    *s = sc.x;
    *c = sc.y;
}

/* The two normals of one pair of words. With -ffp-contract=off each
 * operation below rounds on its own, as the spec writes them. */
static void box_muller(int fused, uint32_t ra, uint32_t rb, float *n_cos, float *n_sin)
{
    const float u1 = (float)(int32_t)(ra >> 1) * 0x1p-31f + 0x1p-32f; /* (0, 1] */
    const float u2 = (float)(rb >> 8) * 0x1p-24f;                     /* [0, 1) */
    const float radius = noise_ref_radius(fused, u1);
    float s, c;
    sincospi(fused, 2.0f * u2, &s, &c);
    *n_cos = radius * c;
    *n_sin = radius * s;
}

static void block_normals(int fused, uint64_t seed, uint64_t stream, uint64_t block, float z[4])
{
    uint32_t r[4];
    noise_ref_block_words(seed, stream, block, r);
    box_muller(fused, r[0], r[1], &z[0], &z[1]);
    box_muller(fused, r[2], r[3], &z[2], &z[3]);
}

void noise_ref_randn(int fused, uint64_t seed, uint64_t stream, uint64_t offset, float *out, size_t n)
{
    float z[4];
    uint64_t have = 0; /* the block z holds, valid once any is made */
    int made = 0;
    for (size_t i = 0; i < n; i++) {
        const uint64_t e = offset + i, b = e / 4;
        if (!made || b != have) {
            block_normals(fused, seed, stream, b, z);
            have = b;
            made = 1;
        }
        out[i] = z[e % 4];
    }
}
