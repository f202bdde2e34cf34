/* The reverse step kernels: one family for every sampler (DDPM, DDIM, SDE,
 * ODE), driven by per-run coefficients (kernels.h), written once over the
 * vector layer and compiled once per ISA. Each kernel specializes its loop
 * for what a call has (guidance, noise, mode) so that the per-element work
 * has no branch. */
#include "pack_math.h"
#include "philox.h"
#include "step_math.h"
#include "variant.h"

/* ---- with z read from memory (or none) ---- */

/* How far ahead the streamed steps that read four arrays (guidance and z)
 * prefetch them, by ISA (vec_*.h); 0: not at all. */
#ifndef DK_STEP_PREFETCH_FLOATS
#define DK_STEP_PREFETCH_FLOATS 0
#endif

DK_INLINE void step_block(size_t at, size_t part, const step_consts *k, int x0_form, int mode, int guide,
                          int noisy, const float *x, const float *m, const float *u, const float *z,
                          float *out)
{
    if (DK_STEP_PREFETCH_FLOATS && (guide || noisy) && part == DK_STREAMED && starts_line(at)) {
        prefetch_ahead(x + at, DK_STEP_PREFETCH_FLOATS);
        prefetch_ahead(m + at, DK_STEP_PREFETCH_FLOATS);
        if (guide)
            prefetch_ahead(u + at, DK_STEP_PREFETCH_FLOATS);
        if (noisy)
            prefetch_ahead(z + at, DK_STEP_PREFETCH_FLOATS);
    }
    const vf vx = vf_load_block(x + at, part), vm = vf_load_block(m + at, part);
    const vf vu = guide ? vf_load_block(u + at, part) : vm;
    vf r = step_mean(k, x0_form, mode, guide, vx, vm, vu);
    if (noisy)
        r = add_noise(k->sigma, vf_load_block(z + at, part), r);
    vf_store_block(out + at, r, part);
}

#define STEP_LOOP(x0_form, mode, guide, noisy)                                                               \
    DK_FOR_BLOCKS_TO(n, out, a->stream, step_block, &k, x0_form, mode, guide, noisy, x, m, u, z, out)

/* The loops of one mode: with and without guidance, with and without z. */
#define STEP_FORMS(x0_form, mode)                                                                            \
    do {                                                                                                     \
        if (u && z)                                                                                          \
            STEP_LOOP(x0_form, mode, 1, 1);                                                                  \
        else if (u)                                                                                          \
            STEP_LOOP(x0_form, mode, 1, 0);                                                                  \
        else if (z)                                                                                          \
            STEP_LOOP(x0_form, mode, 0, 1);                                                                  \
        else                                                                                                 \
            STEP_LOOP(x0_form, mode, 0, 0);                                                                  \
    } while (0)

/* x0_form is a constant at both call sites, and so is every case below. */
DK_INLINE void step_any(size_t n, const dk_kargs *a, int x0_form)
{
    const float *x = a->in[0], *m = a->in[1], *u = a->in[2], *z = a->in[3];
    float *out = a->out[0];
    const step_consts k = step_consts_of(&a->c);
    switch (x0_form ? a->mode : 0) {
    case 0:
        STEP_FORMS(x0_form, 0);
        break;
    case 1:
        STEP_FORMS(x0_form, 1);
        break;
    default:
        STEP_FORMS(x0_form, 2);
        break;
    }
}

void DK_FN(step)(size_t n, const dk_kargs *a) { step_any(n, a, 0); }
void DK_FN(step_x0)(size_t n, const dk_kargs *a) { step_any(n, a, 1); }

/* ---- x0 for the thresholding quantile ---- */

DK_INLINE vf x0_vector(const step_consts *k, int guide, vf x, vf m, vf u)
{
    if (guide)
        m = guided(k, m, u);
    return x0_of(k, x, m);
}

/* One pass: x0 to out (step_x0's mode 2 reads it back), and those |x0|
 * within [lo, hi] packed (pack_math.h).
 * open: hi is +Inf, and |x0| is never below 0, so pack_vector_open packs
 * (the bracket of a quantile near the top, as thresholding's 0.995 is).
 * far: the call's arrays are past the caches (a->stream), so x, m and u are
 * prefetched a line at a time, DK_PREFETCH_FLOATS ahead. The hardware
 * prefetchers alone leave this pass short of the memory's bandwidth, and in
 * cache the prefetches cost more than they save (measured on a Zen 4: 0.87
 * to 0.96 of the time of a thresholded step at 64 MiB, 1.00 to 1.07 at 1
 * MiB). */
DK_INLINE void x0_abs_any(size_t n, const dk_kargs *a, int guide, int far, int open)
{
    const float *x = a->in[0], *m = a->in[1], *u = a->in[2];
    float *out = a->out[0];
    const step_consts k = step_consts_of(&a->c);
    pack_state p = pack_start(a->out[1], a->c.lo, a->c.hi);
    size_t at = 0;
    for (; at + DK_W <= n; pack_sum(&p))
        for (const size_t end = pack_span_end(at, n); at < end; at += DK_W) {
            if (far && starts_line(at)) {
                prefetch_ahead(x + at, DK_PREFETCH_FLOATS);
                prefetch_ahead(m + at, DK_PREFETCH_FLOATS);
                if (guide)
                    prefetch_ahead(u + at, DK_PREFETCH_FLOATS);
            }
            const vf v =
                x0_vector(&k, guide, vf_loadu(x + at), vf_loadu(m + at), guide ? vf_loadu(u + at) : k.w);
            vf_storeu(out + at, v);
            if (open)
                pack_vector_open(&p, vf_abs(v));
            else
                pack_vector(&p, vf_abs(v));
        }
    if (open)
        pack_open_end(&p, at);
    if (at < n) { /* the tail through the same operations, then packed one by one */
        const size_t part = n - at;
        const vf v = x0_vector(&k, guide, vf_load_part(x + at, part), vf_load_part(m + at, part),
                               guide ? vf_load_part(u + at, part) : k.w);
        vf_store_part(out + at, v, part);
        for (; at < n; at++)
            pack_one(&p, fabsf(out[at]));
    }
    pack_finish(&p, a->counts);
}

/* Each case a loop of its own, with no branch in it. */
#define X0_ABS_OPEN(open)                                                                                    \
    do {                                                                                                     \
        if (a->stream)                                                                                       \
            a->in[2] ? x0_abs_any(n, a, 1, 1, open) : x0_abs_any(n, a, 0, 1, open);                          \
        else                                                                                                 \
            a->in[2] ? x0_abs_any(n, a, 1, 0, open) : x0_abs_any(n, a, 0, 0, open);                          \
    } while (0)

void DK_FN(x0_abs)(size_t n, const dk_kargs *a)
{
    if (pack_is_open(a->c.lo, a->c.hi))
        X0_ABS_OPEN(1);
    else
        X0_ABS_OPEN(0);
}

/* ---- with z generated in registers ---- */

DK_INLINE void step_randn_block(size_t at, size_t part, vf z, const step_consts *k, int x0_form, int mode,
                                int guide, const float *x, const float *m, const float *u, float *out)
{
    const vf vx = vf_load_block(x + at, part), vm = vf_load_block(m + at, part);
    const vf vu = guide ? vf_load_block(u + at, part) : vm;
    vf_store_block(out + at, add_noise(k->sigma, z, step_mean(k, x0_form, mode, guide, vx, vm, vu)), part);
}

DK_INLINE void step_randn_block_ahead(size_t at, size_t part, const step_consts *k, int x0_form, int mode,
                                      int guide, const float *x, const float *m, const float *u, float *out)
{
    (void)k, (void)x0_form, (void)mode;
    prefetch_chunk(x + at, 0);
    prefetch_chunk(m + at, 0);
    if (guide)
        prefetch_chunk(u + at, 0);
    if (part != DK_STREAMED)
        prefetch_chunk(out + at, 1);
}

/* Streamed where its ISA's layer says so (DK_NOISE_STREAMS, philox.h). */
#define STEP_RANDN_LOOP(x0_form, mode, guide)                                                                \
    DK_FOR_NOISE_BLOCKS(n, &key, a->noise.offset, out, noise_may_stream(a), step_randn_block, &k, x0_form,   \
                        mode, guide, x, m, u, out)

DK_INLINE void step_randn_any(size_t n, const dk_kargs *a, int x0_form)
{
    const float *x = a->in[0], *m = a->in[1], *u = a->in[2];
    float *out = a->out[0];
    const step_consts k = step_consts_of(&a->c);
    const philox_key key = philox_key_of(a->noise.seed, a->noise.stream);
    switch (x0_form ? a->mode : 0) {
    case 0:
        if (u)
            STEP_RANDN_LOOP(x0_form, 0, 1);
        else
            STEP_RANDN_LOOP(x0_form, 0, 0);
        break;
    case 1:
        if (u)
            STEP_RANDN_LOOP(x0_form, 1, 1);
        else
            STEP_RANDN_LOOP(x0_form, 1, 0);
        break;
    default:
        if (u)
            STEP_RANDN_LOOP(x0_form, 2, 1);
        else
            STEP_RANDN_LOOP(x0_form, 2, 0);
        break;
    }
}

void DK_FN(step_randn)(size_t n, const dk_kargs *a) { step_randn_any(n, a, 0); }
void DK_FN(step_x0_randn)(size_t n, const dk_kargs *a) { step_randn_any(n, a, 1); }
