/* Counter-based Gaussian noise over the vector layer: Philox4x32-10
 * (Salmon et al. 2011, as in Random123) and Box-Muller with SLEEF's u35
 * logf and sincospif, exactly as DESIGN.md section 3 lays them out.
 *
 * Element e of a stream is normal (e % 4) of Philox block b = e / 4, whose
 * counter is (b lo, b hi, stream lo, stream hi) under the key (seed lo,
 * seed hi). The integer work is exact and the float work is one fixed
 * sequence, so a family's builds give the same bits; the normals are a pure
 * function of (seed, stream, e), whatever the split of the work. */
#ifndef DK_PHILOX_H
#define DK_PHILOX_H

#include <stdint.h>

#include "kernels.h"
#include "sleef_u35.h"
#include "vec.h"

#define PHILOX_M0     0xD2511F53u /* multipliers */
#define PHILOX_M1     0xCD9E8D57u
#define PHILOX_W0     0x9E3779B9u /* key increments (golden ratio, sqrt(3) - 1) */
#define PHILOX_W1     0xBB67AE85u
#define PHILOX_ROUNDS 10

/* Independent Philox batches worked on together: one batch is a chain of
 * dependent multiplies, more keep the multipliers busy. Two on every build.
 * AVX2 had 3 until 2026-11-23; with today's multiply (vpmulld for the low
 * halves) two were as fast in cache and faster at 16M floats per array on
 * Zen 4: q_sample_randn 0.87 to 0.92 of the time in five paired runs,
 * randn 0.98, p_step_randn and loss_randn 0.94 to 1.05. AVX-512 with 3 or
 * 4 was no faster; Philox alone gains from more, the fused kernels do not. */
#ifndef DK_BATCHES
#define DK_BATCHES 2
#endif
#define DK_CHUNK_BLOCKS (DK_BATCHES * DK_W)   /* Philox blocks per chunk */
#define DK_CHUNK        (4 * DK_CHUNK_BLOCKS) /* normals per chunk */
#define DK_CHUNK_VECS   (4 * DK_BATCHES)      /* vectors per chunk */

/* Whether the rounds run on the even and the odd lanes of each batch apart
 * (vec_<isa>.h defines it to 1 where it pays, with three more layer ops:
 * vu_mul_even(a, m), the 64-bit products of the even 32-bit lanes of a and
 * m; vu_shr32_64(a), each 64-bit lane shifted down 32; and
 * vu_interleave_even(e, o), the even lanes of e in the even lanes and those
 * of o in the odd lanes). A half keeps each word in the low half of a 64-bit
 * lane, where one widening multiply leaves the low product in place and the
 * high one a shift away, and the next multiply reads only the low halves,
 * so the junk the xors leave in the high halves never matters: four
 * multiplies a round for 2 x DK_W/2 blocks instead of six (two widening
 * ones and a low one for each word), the same count of operations. */
#ifndef DK_PHILOX_HALVES
#define DK_PHILOX_HALVES 0
#endif

/* The block of lane i within a batch. Lane 4h + k holds block k * (W/4) + h,
 * so that a 4x4 transpose inside each 128-bit part of the vector
 * (vf_transpose4) leaves the normals in memory order. */
#define DK_LANE_BLOCK(i) (DK_W < 4 ? 0 : ((i) % 4) * (DK_W / 4) + (i) / 4)

/* The round keys of one seed, and what the first round makes of the
 * stream's half of the counter, the same in every block: the product of
 * its low word and M1, and its high word xored with the key. */
typedef struct philox_key {
    uint32_t k0[PHILOX_ROUNDS], k1[PHILOX_ROUNDS];
    uint32_t first_hi, first_lo; /* hi and lo of stream_lo * M1 */
    uint32_t first_x3k;          /* stream_hi ^ k1[0] */
} philox_key;

DK_INLINE philox_key philox_key_of(uint64_t seed, uint64_t stream)
{
    philox_key k;
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int r = 0; r < PHILOX_ROUNDS; r++) {
        k.k0[r] = k0;
        k.k1[r] = k1;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    const uint64_t product = (uint64_t)(uint32_t)stream * PHILOX_M1;
    k.first_hi = (uint32_t)(product >> 32);
    k.first_lo = (uint32_t)product;
    k.first_x3k = (uint32_t)(stream >> 32) ^ k.k1[0];
    return k;
}

/* The 64-bit block counters of one batch's lanes, split into halves. */
DK_INLINE void philox_counters(uint64_t first, vu *lo, vu *hi)
{
    if ((uint32_t)first <= UINT32_MAX - (DK_W - 1)) {
        /* no carry into the high half inside this batch */
        uint32_t lanes[DK_W];
        for (int i = 0; i < DK_W; i++)
            lanes[i] = (uint32_t)DK_LANE_BLOCK(i);
        *lo = vu_add(vu_set1((uint32_t)first), vu_loadu(lanes));
        *hi = vu_set1((uint32_t)(first >> 32));
        return;
    }
    uint32_t l[DK_W], h[DK_W];
    for (int i = 0; i < DK_W; i++) {
        const uint64_t b = first + (uint64_t)DK_LANE_BLOCK(i); /* wraps modulo 2^64 */
        l[i] = (uint32_t)b;
        h[i] = (uint32_t)(b >> 32);
    }
    *lo = vu_loadu(l);
    *hi = vu_loadu(h);
}

#if DK_PHILOX_HALVES
#define DK_PHILOX_PARTS 2
/* Part p of a batch's lanes: its even lanes (p = 0) or its odd ones
 * shifted down (p = 1), each word in the low half of a 64-bit lane. */
DK_INLINE vu philox_part(vu v, int p) { return p ? vu_shr32_64(v) : v; }
/* The high and low halves of a * m for the words of a part: the low half
 * stays in place, under junk that the next multiply never reads. */
DK_INLINE void philox_mul(vu a, vu m, vu *hi, vu *lo)
{
    const vu product = vu_mul_even(a, m);
    *hi = vu_shr32_64(product);
    *lo = product;
}
DK_INLINE vu philox_merge(const vu part[DK_PHILOX_PARTS]) { return vu_interleave_even(part[0], part[1]); }
#else
#define DK_PHILOX_PARTS 1
DK_INLINE vu philox_part(vu v, int p) { return (void)p, v; }
DK_INLINE void philox_mul(vu a, vu m, vu *hi, vu *lo) { vu_mul_wide(a, m, hi, lo); }
DK_INLINE vu philox_merge(const vu part[DK_PHILOX_PARTS]) { return part[0]; }
#endif

/* The raw words of one chunk: x[b][w] is word w of the batch-b lanes, whose
 * blocks are first_block + b * DK_W + DK_LANE_BLOCK(lane). */
DK_INLINE void philox_chunk(const philox_key *k, uint64_t first_block, vu x[DK_BATCHES][4])
{
    const vu m0 = vu_set1(PHILOX_M0), m1 = vu_set1(PHILOX_M1);
    vu state[DK_BATCHES][DK_PHILOX_PARTS][4]; /* words 0..3 of each part of each batch */
    /* Round 0: the counter's words 2 and 3 (the stream) are the same in
     * every lane, so their multiply is the key's. */
    for (int b = 0; b < DK_BATCHES; b++) {
        vu counter_lo, counter_hi;
        philox_counters(first_block + (uint64_t)b * DK_W, &counter_lo, &counter_hi);
        for (int p = 0; p < DK_PHILOX_PARTS; p++) {
            vu *y = state[b][p], hi0, lo0;
            philox_mul(philox_part(counter_lo, p), m0, &hi0, &lo0);
            y[0] = vu_xor(philox_part(counter_hi, p), vu_set1(k->first_hi ^ k->k0[0]));
            y[1] = vu_set1(k->first_lo);
            y[2] = vu_xor(hi0, vu_set1(k->first_x3k));
            y[3] = lo0;
        }
    }
    for (int r = 1; r < PHILOX_ROUNDS; r++) {
        const vu k0 = vu_set1(k->k0[r]), k1 = vu_set1(k->k1[r]);
        for (int b = 0; b < DK_BATCHES; b++)
            for (int p = 0; p < DK_PHILOX_PARTS; p++) {
                vu *y = state[b][p], hi0, lo0, hi1, lo1;
                philox_mul(y[0], m0, &hi0, &lo0);
                philox_mul(y[2], m1, &hi1, &lo1);
                y[0] = vu_xor(hi1, vu_xor(y[1], k0)); /* the key first: off the critical path */
                y[1] = lo1;
                y[2] = vu_xor(hi0, vu_xor(y[3], k1));
                y[3] = lo0;
            }
    }
    for (int b = 0; b < DK_BATCHES; b++)
        for (int w = 0; w < 4; w++) {
            vu parts[DK_PHILOX_PARTS];
            for (int p = 0; p < DK_PHILOX_PARTS; p++)
                parts[p] = state[b][p][w];
            x[b][w] = philox_merge(parts);
        }
}

/* Box-Muller of one pair of words: u1 in (0, 1] (smallest 2^-32, which caps
 * the radius at sqrt(64 ln 2)), u2 in [0, 1). Products with powers of two
 * are exact, so one fma gives u1 as the product and the add do. The angle
 * 2 pi u2 goes to sincospif as the integer rb >> 8 of 2 u2 = (rb >> 8)
 * 2^-23. The functions are SLEEF's, inline (sleef_u35.h: the bits of
 * libsleef's on this domain). */
DK_INLINE void box_muller(vu ra, vu rb, vf *n_cos, vf *n_sin)
{
    const vf u1 = vf_fma(vf_of_i32(vu_shr1(ra)), vf_set1(0x1p-31f), vf_set1(0x1p-32f));
    const vf radius = vf_sqrt(vf_mul(vf_set1(-2.0f), dk_logf_u35(u1)));
    vf s, c;
    dk_sincospif_u35_k23(vu_shr8(rb), &s, &c);
    *n_cos = vf_mul(radius, c);
    *n_sin = vf_mul(radius, s);
}

/* The normals of elements 4 * first_block + v * DK_W + lane, for v below
 * DK_CHUNK_VECS: one chunk in memory order. */
DK_INLINE void noise_chunk(const philox_key *k, uint64_t first_block, vf z[DK_CHUNK_VECS])
{
    vu x[DK_BATCHES][4];
    philox_chunk(k, first_block, x);
    for (int b = 0; b < DK_BATCHES; b++) {
        vf *o = z + 4 * b;
        box_muller(x[b][0], x[b][1], &o[0], &o[1]);
        box_muller(x[b][2], x[b][3], &o[2], &o[3]);
        vf_transpose4(&o[0], &o[1], &o[2], &o[3]);
    }
}

/* How far ahead of the work the kernels prefetch their arrays. Making the
 * noise of one chunk takes long enough that the hardware prefetchers fall
 * behind: an explicit prefetch lets the memory traffic of the next chunks
 * overlap the arithmetic of this one. Prefetches never fault, so running past
 * the end of an array is harmless. */
#define DK_PREFETCH_FLOATS 512

/* Prefetches the floats of one chunk, DK_PREFETCH_FLOATS ahead of p. */
DK_INLINE void prefetch_chunk(const float *p, int for_write)
{
    /* Integer arithmetic: the address may lie past the array's end, where
     * pointer arithmetic would be undefined. */
    const uintptr_t ahead = (uintptr_t)p + DK_PREFETCH_FLOATS * sizeof(float);
    for (size_t b = 0; b < DK_CHUNK * sizeof(float); b += 64) {
        if (for_write)
            __builtin_prefetch((const void *)(ahead + b), 1);
        else
            __builtin_prefetch((const void *)(ahead + b), 0);
    }
}

/* Whether DK_FOR_NOISE_BLOCKS streams the stores of the kernels that ask
 * for it (q_sample_randn, step_randn, step_x0_randn) in calls past the
 * caches, by ISA (vec_*.h); 0: never. */
#ifndef DK_NOISE_STREAMS
#define DK_NOISE_STREAMS 0
#endif

/* Whether a kernel that makes its noise may stream its stores: its call is
 * past the caches and the CPU does not prefer plain stores for it. */
DK_INLINE int noise_may_stream(const dk_kargs *a) { return a->stream && !a->noise_plain; }

/* Runs BLOCK(at, part, z, ...) over n floats whose normals start at element
 * index e0: z holds the normals for floats at .. at + DK_W - 1 (the first
 * part of them when part > 0, as in DK_FOR_BLOCKS). Whole chunks that start
 * on a block boundary use their normals straight from registers. A head that
 * starts inside a block, and the tail, go through a buffer and partial
 * loads: the same operations on the same values, so the same bits.
 * Before each whole chunk it calls BLOCK##_ahead(at, part, ...), which
 * prefetches the kernel's arrays (prefetch_chunk). stream non-zero
 * (noise_may_stream, of DK_STREAMS kernels) on an ISA with DK_NOISE_STREAMS: the whole chunks
 * where out + at is aligned to a vector get part DK_STREAMED, whose stores bypass the caches (out: the
 * output the kernel's alignment goes by), and the fence comes at the end.
 * Only the stores differ, never the bits. */
#define DK_FOR_NOISE_BLOCKS(n, key, e0, out, stream, BLOCK, ...)                                             \
    do {                                                                                                     \
        const size_t n_ = (n);                                                                               \
        size_t at_ = 0, skip_ = (size_t)((e0) % 4);                                                          \
        uint64_t block_ = (e0) / 4;                                                                          \
        vf z_[DK_CHUNK_VECS];                                                                                \
        for (; at_ < n_; block_ += DK_CHUNK_BLOCKS) {                                                        \
            noise_chunk((key), block_, z_);                                                                  \
            if (skip_ == 0 && n_ - at_ >= DK_CHUNK) {                                                        \
                if (DK_NOISE_STREAMS && (stream) &&                                                          \
                    (uintptr_t)((out) + at_) % (DK_W * sizeof(float)) == 0) {                                \
                    BLOCK##_ahead(at_, DK_STREAMED, __VA_ARGS__);                                            \
                    for (size_t v_ = 0; v_ < DK_CHUNK_VECS; v_++)                                            \
                        BLOCK(at_ + v_ * DK_W, DK_STREAMED, z_[v_], __VA_ARGS__);                            \
                } else {                                                                                     \
                    BLOCK##_ahead(at_, 0, __VA_ARGS__);                                                      \
                    for (size_t v_ = 0; v_ < DK_CHUNK_VECS; v_++)                                            \
                        BLOCK(at_ + v_ * DK_W, 0, z_[v_], __VA_ARGS__);                                      \
                }                                                                                            \
                at_ += DK_CHUNK;                                                                             \
                continue;                                                                                    \
            }                                                                                                \
            float buf_[DK_CHUNK];                                                                            \
            for (size_t v_ = 0; v_ < DK_CHUNK_VECS; v_++)                                                    \
                vf_storeu(buf_ + v_ * DK_W, z_[v_]);                                                         \
            const size_t count_ = n_ - at_ < DK_CHUNK - skip_ ? n_ - at_ : DK_CHUNK - skip_;                 \
            for (size_t i_ = 0; i_ < count_; i_ += DK_W) {                                                   \
                const size_t part_ = count_ - i_ < DK_W ? count_ - i_ : 0;                                   \
                BLOCK(at_ + i_, part_, vf_load_block(buf_ + skip_ + i_, part_), __VA_ARGS__);                \
            }                                                                                                \
            at_ += count_;                                                                                   \
            skip_ = 0;                                                                                       \
        }                                                                                                    \
        if (DK_NOISE_STREAMS && (stream))                                                                    \
            vf_stream_fence();                                                                               \
    } while (0)

#endif /* DK_PHILOX_H */
