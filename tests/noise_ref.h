/* A plain scalar implementation of the noise spec (DESIGN.md section 3),
 * written from the spec and sharing no code with kernels/: Philox4x32-10 one
 * round at a time, then Box-Muller with SLEEF's scalar u35 functions of one
 * numeric family. Tests compare every kernel build with it bit for bit. */
#ifndef DK_NOISE_REF_H
#define DK_NOISE_REF_H

#include <stddef.h>
#include <stdint.h>

/* Philox4x32-10 of one counter under one key (Random123's philox4x32). */
void noise_ref_philox(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* The words of block b of a stream: counter (b lo, b hi, stream lo,
 * stream hi), key (seed lo, seed hi). */
void noise_ref_block_words(uint64_t seed, uint64_t stream, uint64_t block, uint32_t out[4]);

/* The Box-Muller radius sqrtf(-2 logf_u35(u1)) of a family (fused != 0:
 * SLEEF purecfma, which executes FMA instructions; 0: purec). */
float noise_ref_radius(int fused, float u1);

/* out[i] = the normal of element offset + i of (seed, stream) in a family.
 * The fused family needs a CPU with FMA (dk_variant_runs(DK_VARIANT_SCALAR_FMA)). */
void noise_ref_randn(int fused, uint64_t seed, uint64_t stream, uint64_t offset, float *out, size_t n);

#endif /* DK_NOISE_REF_H */
