/* The public entry points of training (DESIGN.md section 7). So far the
 * timestep draws: one Philox word per row, the words the philox kernel
 * gives, mapped onto 1..T by a multiply and a shift. */
#include <string.h>

#include "call.h"

static void words_run(const dk_call *c, size_t r0, size_t n, dk_kargs *a)
{
    (void)c, (void)r0;
    dk_kernel(DK_KERNEL_philox)(n, a);
}

dk_status dk_sample_timesteps(dk_noise noise, int32_t T, int32_t *t, size_t rows)
{
    if (T < 1)
        return DK_ERR_STEPS;
    /* The words land in t itself (32 bits each), then each becomes its step. */
    dk_call c = dk_call_flat(rows);
    dk_out(&c, (float *)(void *)t);
    dk_with_noise(&c, &noise);
    const dk_status st = dk_call_do(&c, words_run);
    if (st != DK_OK)
        return st;
    for (size_t r = 0; r < rows; r++) {
        uint32_t w; /* memcpy: the kernel stored the words as floats' bits */
        memcpy(&w, &t[r], sizeof w);
        t[r] = 1 + (int32_t)((uint64_t)w * (uint64_t)T >> 32);
    }
    return DK_OK;
}
