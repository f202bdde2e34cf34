/* What dispatch makes of this CPU, and that every ISA it offers runs.
 * - The active ISA is the best supported one in the documented order (or
 *   the one DIFFKERN_ISA names), and the scalar ISA is the fused build
 *   exactly where that build runs.
 * - Every supported ISA, selected, runs a noise call and a step (so an ISA
 *   offered where SLEEF's functions cannot run would die here of SIGILL).
 * - With --expect-isa=NAME and --expect-scalar=VARIANT (the emulated-CPU
 *   leg of scripts/test), the choice must be that one.
 * - The noise kernels store plainly past the caches exactly on an AMD
 *   family 1Ah (Zen 5), as cpuid names the CPU, unless dk_set_stream_min
 *   was given a size.
 *
 * usage: test_cpu [--expect-isa=NAME] [--expect-scalar=scalar_plain|scalar_fma] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diffkern.h"
#include "dispatch.h"
#include "harness.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* Whether cpuid names an AMD family 26 (1Ah, Zen 5): the vendor string of
 * leaf 0 (ebx, edx, ecx) and the displayed family of leaf 1, decoded here
 * on their own. Under qemu-user cpuid is the emulated CPU's. */
static int cpuid_is_zen5(char vendor[13], unsigned *family)
{
    unsigned regs[4], eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &regs[0], &regs[1], &regs[2], &regs[3]))
        return 0;
    memcpy(vendor, &regs[1], 4);
    memcpy(vendor + 4, &regs[3], 4);
    memcpy(vendor + 8, &regs[2], 4);
    vendor[12] = '\0';
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return 0;
    const unsigned base = (eax >> 8) & 15;
    *family = base == 15 ? base + ((eax >> 20) & 255) : base;
    return strcmp(vendor, "AuthenticAMD") == 0 && *family == 26;
}
#endif

int main(int argc, char **argv)
{
    const char *expect_isa = NULL, *expect_scalar = NULL;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--expect-isa=", 13) == 0)
            expect_isa = argv[i] + 13;
        else if (strncmp(argv[i], "--expect-scalar=", 16) == 0)
            expect_scalar = argv[i] + 16;
        else {
            fprintf(stderr, "usage: %s [--expect-isa=NAME] [--expect-scalar=VARIANT]\n", argv[0]);
            return 2;
        }
    }
    const dk_isa active = dk_isa_active();
    const dk_variant scalar = dk_variant_of_isa(DK_ISA_SCALAR);
    printf("test_cpu: supported:");
    for (int i = 0; i < DK_ISA_COUNT; i++)
        if (dk_isa_supported((dk_isa)i))
            printf(" %s", dk_isa_name((dk_isa)i));
    printf("; builds that run:");
    for (int v = 0; v < DK_VARIANT_COUNT; v++)
        if (dk_variant_runs((dk_variant)v))
            printf(" %s", dk_variant_get((dk_variant)v)->name);
    printf("; active %s; scalar is %s\n", dk_isa_name(active), dk_variant_get(scalar)->name);

    static const dk_isa preference[] = {DK_ISA_AVX512, DK_ISA_AVX2, DK_ISA_NEON, DK_ISA_SSE41, DK_ISA_SCALAR};
    dk_isa best = DK_ISA_SCALAR;
    for (int i = 4; i >= 0; i--)
        if (dk_isa_supported(preference[i]))
            best = preference[i];
    /* DIFFKERN_ISA, when it names an ISA this CPU runs, wins (test_env tests that) */
    const char *forced = getenv("DIFFKERN_ISA");
    for (int i = 0; forced && i < DK_ISA_COUNT; i++)
        if (strcmp(forced, dk_isa_name((dk_isa)i)) == 0 && dk_isa_supported((dk_isa)i))
            best = (dk_isa)i;
    dk_check(active == best, "active ISA %s, but the best supported is %s", dk_isa_name(active),
             dk_isa_name(best));
    const dk_variant want_scalar =
        dk_variant_runs(DK_VARIANT_scalar_fma) ? DK_VARIANT_scalar_fma : DK_VARIANT_scalar_plain;
    dk_check(scalar == want_scalar, "scalar ISA is %s, expected %s", dk_variant_get(scalar)->name,
             dk_variant_get(want_scalar)->name);
    if (expect_isa)
        dk_check(strcmp(dk_isa_name(active), expect_isa) == 0, "active ISA %s, expected %s",
                 dk_isa_name(active), expect_isa);
    if (expect_scalar)
        dk_check(strcmp(dk_variant_get(scalar)->name, expect_scalar) == 0, "scalar is %s, expected %s",
                 dk_variant_get(scalar)->name, expect_scalar);

#if defined(__x86_64__) || defined(__i386__)
    char vendor[13] = "";
    unsigned family = 0;
    const int zen5 = cpuid_is_zen5(vendor, &family);
    dk_check(dk_noise_streams() == !zen5, "noise kernels %s past the caches on %s family %u",
             dk_noise_streams() ? "stream" : "store plainly", vendor, family);
#endif
    dk_set_stream_min((size_t)1 << 20);
    dk_check(dk_noise_streams(), "noise kernels store plainly after dk_set_stream_min(1 MiB)");
    dk_set_stream_min(0);
    printf("  noise kernels past the caches: %s\n", dk_noise_streams() ? "streamed" : "plain stores");

    /* every ISA on offer runs its kernels, noise included */
    dk_schedule *s = NULL;
    dk_check(dk_schedule_create(&s, DK_BETA_LINEAR, 1000, 1e-4, 0.02) == DK_OK, "schedule");
    for (int i = 0; i < DK_ISA_COUNT && s; i++) {
        if (!dk_isa_supported((dk_isa)i))
            continue;
        enum { N = 100 };
        float x[N], out[N], eps[N];
        const int32_t t = 500;
        for (int j = 0; j < N; j++)
            x[j] = (float)j / N;
        dk_check(dk_isa_select((dk_isa)i) == DK_OK, "select %s", dk_isa_name((dk_isa)i));
        dk_check(dk_randn((dk_noise){1, 2, 3}, out, N) == DK_OK, "%s: dk_randn", dk_isa_name((dk_isa)i));
        dk_check(dk_q_sample_randn(s, &t, 1, N, x, (dk_noise){1, 2, 3}, eps, out) == DK_OK,
                 "%s: q_sample_randn", dk_isa_name((dk_isa)i));
        dk_check(dk_p_step(s, &t, 1, N, out, eps, NULL, NULL, x) == DK_OK, "%s: p_step",
                 dk_isa_name((dk_isa)i));
        printf("  %s runs\n", dk_isa_name((dk_isa)i));
    }
    dk_schedule_destroy(s);
    return dk_test_finish("test_cpu");
}
