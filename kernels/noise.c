/* The noise kernels: raw Philox words (known-answer tests) and standard
 * normals, written once over the vector layer and compiled once per ISA. */
#include <string.h>

#include "philox.h"
#include "variant.h"

void DK_FN(philox)(size_t nblocks, uint64_t seed, uint64_t stream, uint64_t first_block, uint32_t *out)
{
    const philox_key k = philox_key_of(seed, stream);
    for (size_t done = 0; done < nblocks; done += DK_CHUNK_BLOCKS) {
        vu x[DK_BATCHES][4];
        philox_chunk(&k, first_block + done, x); /* wraps modulo 2^64 */
        uint32_t words[DK_CHUNK];
        for (int b = 0; b < DK_BATCHES; b++) {
            vf w[4];
            for (int i = 0; i < 4; i++)
                w[i] = vf_from_bits(x[b][i]);
            vf_transpose4(&w[0], &w[1], &w[2], &w[3]); /* moves bits, no arithmetic */
            for (int i = 0; i < 4; i++)
                vu_storeu(words + (4 * b + i) * DK_W, vu_from_bits(w[i]));
        }
        const size_t blocks = nblocks - done < DK_CHUNK_BLOCKS ? nblocks - done : DK_CHUNK_BLOCKS;
        memcpy(out + 4 * done, words, 4 * blocks * sizeof(uint32_t));
    }
}

DK_INLINE void randn_block(size_t at, size_t part, vf z, float *out) { vf_store_block(out + at, z, part); }
DK_INLINE void randn_block_ahead(size_t at, float *out) { prefetch_chunk(out + at, 1); }

void DK_FN(randn)(size_t n, const dk_noise *noise, float *out)
{
    const philox_key k = philox_key_of(noise->seed, noise->stream);
    DK_FOR_NOISE_BLOCKS(n, &k, noise->offset, randn_block, out);
}
