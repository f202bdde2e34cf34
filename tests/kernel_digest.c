/* A digest of every kernel's output per numeric family, on fixed inputs,
 * so that two machines (or a machine and an emulated CPU) can show they
 * compute the same bits: scripts/test compares the digests printed under
 * qemu-x86_64 -cpu <model> with the native ones.
 *
 * Every build this CPU runs computes every kernel of kernel_list.h with
 * every parameter set its row reads (modes, clamps, optional arrays, noise
 * offsets), at several lengths, on inputs with NaN, Inf, +-0,
 * subnormal and huge values among them. The builds of one family must agree
 * (the program fails otherwise); it prints one line per family and kernel:
 *   <family> <kernel> <hash of every output bit, NaN as one NaN>
 *
 * usage: kernel_digest */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "harness.h"
#include "step_coefs.h"

#define N_MAX 1000

static float inputs[DK_MAX_IN][N_MAX], outputs[DK_MAX_OUT][N_MAX];
static dk_step_coefs coefs[4]; /* no clamp, a clip, a threshold, an open bracket: fixed by the seed */

/* FNV-1a over the output bits; every NaN hashes as the same NaN, since the
 * contract leaves NaN sign and payload open. */
static uint64_t hash_floats(uint64_t h, const float *p, size_t n, int words)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u = dk_bits(p[i]);
        if (!words && isnan(p[i]))
            u = 0x7fc00000u;
        for (int b = 0; b < 4; b++)
            h = (h ^ (u >> (8 * b) & 0xff)) * 0x100000001b3ull;
    }
    return h;
}

static uint64_t digest(const dk_kernels *k, dk_kernel_id id, const dk_kernel_desc *d)
{
    static const size_t lengths[] = {0, 1, 3, 7, 17, 33, 64, 101, N_MAX};
    static const uint64_t offsets[] = {0, 1, 3, 4 * 0xfffffffdull + 1};
    uint64_t h = 0xcbf29ce484222325ull;
    const unsigned u = d->uses;
    for (unsigned absent = 0; absent <= d->optional; absent++) {
        if (absent & ~d->optional)
            continue;
        for (int mode = 0; mode < d->modes; mode++)
            /* none, clip, threshold, and for the kernels that pack a bracket open above */
            for (int clamp = 0; clamp < (u & DK_USES_CLIP ? u & DK_WRITES_COUNTS ? 4 : 3 : 1); clamp++)
                for (size_t o = 0; o < (u & DK_USES_NOISE ? sizeof offsets / sizeof offsets[0] : 1); o++)
                    for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
                        size_t counts[DK_MAX_COUNTS] = {0};
                        double sum = 0.0;
                        dk_kargs a = {.c = coefs[clamp],
                                      .mode = mode,
                                      .noise = {0x243f6a8885a308d3ull, 7, offsets[o]},
                                      .counts = counts,
                                      .sum = &sum};
                        for (int i = 0; i < d->inputs; i++)
                            a.in[i] = absent >> i & 1 ? NULL : inputs[i];
                        for (int j = 0; j < d->outputs; j++) {
                            a.out[j] = absent >> (DK_MAX_IN + j) & 1 ? NULL : outputs[j];
                            memset(outputs[j], 0, sizeof outputs[j]);
                        }
                        k->fn[id](lengths[l], &a);
                        for (int j = 0; j < d->outputs; j++)
                            h = hash_floats(h, outputs[j],
                                            dk_out_defined(u, j, d->outputs, lengths[l], counts),
                                            u & DK_WRITES_WORDS);
                        for (int j = 0; u & DK_WRITES_COUNTS && j < DK_MAX_COUNTS; j++)
                            for (int b = 0; b < 8; b++)
                                h = (h ^ ((uint64_t)counts[j] >> (8 * b) & 0xff)) * 0x100000001b3ull;
                        uint64_t sum_bits = 0x7ff8000000000000ull; /* any NaN as one, as hash_floats */
                        if (!isnan(sum))
                            memcpy(&sum_bits, &sum, sizeof sum_bits);
                        for (int b = 0; u & DK_WRITES_SUM && b < 8; b++)
                            h = (h ^ (sum_bits >> (8 * b) & 0xff)) * 0x100000001b3ull;
                    }
    }
    return h;
}

int main(void)
{
    dk_test_set_seed(20261122);
    for (int i = 0; i < DK_MAX_IN; i++)
        dk_rand_fill_special(inputs[i], N_MAX, 2.0);
    for (int clamp = 0; clamp < 4; clamp++)
        coefs[clamp] = test_step_coefs(clamp);
    for (int family = 0; family <= 1; family++) {
        const char *fam = family ? "fused" : "plain";
        for (int id = 0; id < DK_KERNEL_COUNT; id++) {
            dk_kernel_desc d;
            dk_check(dk_kernel_describe((dk_kernel_id)id, &d), "kernel %d: row does not parse", id);
            uint64_t first = 0;
            const char *first_name = NULL;
            char builds[128] = "";
            for (int v = 0; v < DK_VARIANT_COUNT; v++) {
                const dk_variant_info *info = dk_variant_get((dk_variant)v);
                if (info->fused != family || !dk_variant_runs((dk_variant)v))
                    continue;
                const uint64_t h = digest(dk_variant_kernels((dk_variant)v), (dk_kernel_id)id, &d);
                if (!first_name) {
                    first = h, first_name = info->name;
                } else {
                    dk_check(h == first, "%s %s: %s gives %016llx, %s %016llx", fam, d.name, info->name,
                             (unsigned long long)h, first_name, (unsigned long long)first);
                }
                strncat(builds, " ", sizeof builds - strlen(builds) - 1);
                strncat(builds, info->name, sizeof builds - strlen(builds) - 1);
            }
            if (first_name)
                printf("%s %s %016llx\n", fam, d.name, (unsigned long long)first);
            if (id == 0 && first_name)
                fprintf(stderr, "kernel_digest: %s family from%s\n", fam, builds);
        }
    }
    if (dk_test_failures) {
        fprintf(stderr, "kernel_digest: the builds of a family disagree\n");
        return 1;
    }
    return 0;
}
