/* Compiled once per kernel build, with its flags (tests/meson.build), as
 * DK_SLEEF_CHECK: the inline logf and sincospif of kernels/sleef_u35.h
 * against libsleef's own functions of that build (vec_<isa>.h), bit for bit.
 * Nothing here is a second implementation: both sides are SLEEF's
 * operations; the test is that inlining them kept every bit. */
#include <stdint.h>
#include <string.h>

#include "sleef_check.h"
#include "sleef_u35.h"

/* The input of index k: logf, the float of bits k; sincospif, k 2^-23. */
static float input_of(int which, uint32_t k)
{
    if (which == DK_CHECK_LOGF) {
        float x;
        memcpy(&x, &k, sizeof x);
        return x;
    }
    return (float)k * 0x1p-23f;
}

size_t DK_SLEEF_CHECK(int which, uint32_t first, uint32_t last, uint32_t step, uint32_t *first_bad)
{
    size_t bad = 0;
    float in[DK_W], got[2][DK_W], want[2][DK_W];
    uint32_t index[DK_W], index_or_valid[DK_W]; /* sincospif: the integer k of k 2^-23 */
    uint64_t k = first;
    while (k <= last) {
        int lanes = 0;
        for (; lanes < DK_W && k <= last; lanes++, k += step) {
            index[lanes] = (uint32_t)k;
            in[lanes] = input_of(which, (uint32_t)k);
        }
        for (int i = 0; i < DK_W; i++) /* the tail: a valid input, 0.5 = 2^22 2^-23 */
            index_or_valid[i] = i < lanes ? index[i] : 1u << 22;
        for (int i = lanes; i < DK_W; i++)
            in[i] = 0.5f;
        const vf x = vf_loadu(in);
        if (which == DK_CHECK_LOGF) {
            vf_storeu(got[0], dk_logf_u35(x));
            vf_storeu(want[0], vf_logf_u35_sleef(x));
        } else {
            vf s, c, ws, wc;
            dk_sincospif_u35_k23(vu_loadu(index_or_valid), &s, &c);
            vf_sincospif_u35_sleef(x, &ws, &wc);
            vf_storeu(got[0], s), vf_storeu(got[1], c);
            vf_storeu(want[0], ws), vf_storeu(want[1], wc);
        }
        for (int i = 0; i < lanes; i++) {
            const int differs =
                memcmp(&got[0][i], &want[0][i], sizeof(float)) != 0 ||
                (which != DK_CHECK_LOGF && memcmp(&got[1][i], &want[1][i], sizeof(float)) != 0);
            if (differs && bad++ == 0)
                *first_bad = index[i];
        }
    }
    return bad;
}
