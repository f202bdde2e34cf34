/* The noise kernels: raw Philox words (known-answer tests) and standard
 * normals, written once over the vector layer and compiled once per ISA. */
#include <string.h>

#include "philox.h"
#include "variant.h"

/* Word e of the call is word (offset + e) % 4 of block (offset + e) / 4: whole
 * chunks are made and the words wanted are copied out, so any range of words
 * (a head inside a block, a short tail) costs at most one extra chunk. */
void DK_FN(philox)(size_t n, const dk_kargs *a)
{
    const philox_key k = philox_key_of(a->noise.seed, a->noise.stream);
    char *out = (char *)a->out[0]; /* raw words, copied byte-wise: no type punning */
    uint64_t block = a->noise.offset / 4;
    size_t skip = (size_t)(a->noise.offset % 4);
    for (size_t done = 0; done < n; block += DK_CHUNK_BLOCKS) {
        vu x[DK_BATCHES][4];
        philox_chunk(&k, block, x); /* the block counter wraps modulo 2^64 */
        uint32_t words[DK_CHUNK];
        for (int b = 0; b < DK_BATCHES; b++) {
            vf w[4];
            for (int i = 0; i < 4; i++)
                w[i] = vf_from_bits(x[b][i]);
            vf_transpose4(&w[0], &w[1], &w[2], &w[3]); /* moves bits, no arithmetic */
            for (int i = 0; i < 4; i++)
                vu_storeu(words + (4 * b + i) * DK_W, vu_from_bits(w[i]));
        }
        const size_t count = n - done < DK_CHUNK - skip ? n - done : DK_CHUNK - skip;
        memcpy(out + done * sizeof(uint32_t), words + skip, count * sizeof(uint32_t));
        done += count;
        skip = 0;
    }
}

DK_INLINE void randn_block(size_t at, size_t part, vf z, float *out) { vf_store_block(out + at, z, part); }
DK_INLINE void randn_block_ahead(size_t at, size_t part, float *out)
{
    (void)part;
    prefetch_chunk(out + at, 1);
}

/* Never streamed: it is bound by its arithmetic, and streaming its stores
 * gained nothing (AVX2 and AVX-512 at 16M floats, Zen 4, paired: 1.00). */
void DK_FN(randn)(size_t n, const dk_kargs *a)
{
    const philox_key k = philox_key_of(a->noise.seed, a->noise.stream);
    DK_FOR_NOISE_BLOCKS(n, &k, a->noise.offset, a->out[0], 0, randn_block, a->out[0]);
}
