/* Runtime dispatch: the table of kernel builds, one-time thread-safe
 * initialization, the DIFFKERN_ISA override and the public ISA functions. */
#include "dispatch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "dk_config.h"

/* The optional builds: NULL where meson did not build one (dk_config.h). */
#if DK_HAVE_SSE41
#define KERNELS_SSE41 &dk_kernels_sse41
#else
#define KERNELS_SSE41 NULL
#endif
#if DK_HAVE_AVX2
#define KERNELS_AVX2 &dk_kernels_avx2
#else
#define KERNELS_AVX2 NULL
#endif
#if DK_HAVE_AVX512
#define KERNELS_AVX512 &dk_kernels_avx512
#else
#define KERNELS_AVX512 NULL
#endif
#if DK_HAVE_NEON
#define KERNELS_NEON &dk_kernels_neon
#else
#define KERNELS_NEON NULL
#endif

/* On x86-64 scalar_fma executes FMA instructions (-mfma), and SLEEF's
 * purecfma functions, which it calls for the noise, were compiled for AVX2
 * as well (Debian's Sleef_sincospif1_u35purecfma uses vpbroadcastb): a CPU
 * with FMA3 but no AVX2 (AMD Piledriver, qemu's Opteron_G5) runs the plain
 * scalar build, or it would die of SIGILL. */
#if defined(__x86_64__)
#define SCALAR_FMA_NEEDS (DK_CPU_FMA | DK_CPU_AVX2)
#else
#define SCALAR_FMA_NEEDS 0
#endif

static const dk_variant_info variants[DK_VARIANT_COUNT] = {
    /* name, kernels, CPU needs, fused, public ISA, width */
    [DK_VARIANT_SCALAR_PLAIN] = {"scalar_plain", &dk_kernels_scalar_plain, 0, 0, DK_ISA_SCALAR, 1},
    /* Built with -mfma on x86-64: it runs where every fused x86 build runs. */
    [DK_VARIANT_SCALAR_FMA] = {"scalar_fma", &dk_kernels_scalar_fma, SCALAR_FMA_NEEDS, 1, DK_ISA_SCALAR, 1},
    [DK_VARIANT_SSE41] = {"sse41", KERNELS_SSE41, DK_CPU_SSE41, 0, DK_ISA_SSE41, 4},
    [DK_VARIANT_AVX2] = {"avx2", KERNELS_AVX2, DK_CPU_AVX2 | DK_CPU_FMA, 1, DK_ISA_AVX2, 8},
    [DK_VARIANT_AVX512] = {"avx512", KERNELS_AVX512, DK_CPU_AVX512, 1, DK_ISA_AVX512, 16},
    [DK_VARIANT_NEON] = {"neon", KERNELS_NEON, DK_CPU_NEON, 1, DK_ISA_NEON, 4},
};

static const char *const isa_names[DK_ISA_COUNT] = {"scalar", "sse41", "avx2", "avx512", "neon"};

/* Written once under pthread_once; before that nothing reads it, so an
 * uninitialized state can never look like "all features". */
static unsigned cpu_features;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
/* The active variant: written by init and by dk_isa_select. */
static _Atomic int active_variant = DK_VARIANT_SCALAR_PLAIN;

const dk_variant_info *dk_variant_get(dk_variant v)
{
    return (unsigned)v < DK_VARIANT_COUNT ? &variants[v] : NULL;
}

static int variant_runs_on(dk_variant v, unsigned features)
{
    const dk_variant_info *info = dk_variant_get(v);
    return info && info->kernels && (info->cpu_needs & ~features) == 0;
}

static dk_variant variant_of_isa_on(dk_isa isa, unsigned features)
{
    switch (isa) {
    case DK_ISA_SCALAR:
        return variant_runs_on(DK_VARIANT_SCALAR_FMA, features) ? DK_VARIANT_SCALAR_FMA
                                                                : DK_VARIANT_SCALAR_PLAIN;
    case DK_ISA_SSE41:
        return DK_VARIANT_SSE41;
    case DK_ISA_AVX2:
        return DK_VARIANT_AVX2;
    case DK_ISA_AVX512:
        return DK_VARIANT_AVX512;
    case DK_ISA_NEON:
    default:
        return DK_VARIANT_NEON;
    }
}

static dk_isa isa_from_name(const char *name)
{
    for (int i = 0; i < DK_ISA_COUNT; i++)
        if (strcmp(name, isa_names[i]) == 0)
            return (dk_isa)i;
    return (dk_isa)-1;
}

static void dispatch_init(void)
{
    const unsigned features = dk_cpu_detect();
    cpu_features = features;
    dk_variant best = variant_of_isa_on(DK_ISA_SCALAR, features);
    static const dk_isa by_preference[] = {DK_ISA_AVX512, DK_ISA_AVX2, DK_ISA_NEON, DK_ISA_SSE41};
    for (size_t i = 0; i < sizeof by_preference / sizeof by_preference[0]; i++) {
        const dk_variant v = variant_of_isa_on(by_preference[i], features);
        if (variant_runs_on(v, features)) {
            best = v;
            break;
        }
    }
    const char *forced = getenv("DIFFKERN_ISA");
    if (forced && *forced) {
        const dk_isa isa = isa_from_name(forced);
        const dk_variant v = variant_of_isa_on(isa, features);
        if ((unsigned)isa < DK_ISA_COUNT && variant_runs_on(v, features))
            best = v;
        else
            fprintf(stderr, "diffkern: DIFFKERN_ISA=%s is not an ISA this build and CPU run; using %s\n",
                    forced, isa_names[variants[best].isa]);
    }
    atomic_store(&active_variant, (int)best);
}

static unsigned features_after_init(void)
{
    pthread_once(&init_once, dispatch_init);
    return cpu_features;
}

int dk_variant_runs(dk_variant v) { return variant_runs_on(v, features_after_init()); }

dk_variant dk_variant_of_isa(dk_isa isa) { return variant_of_isa_on(isa, features_after_init()); }

dk_variant dk_variant_reference(dk_variant v)
{
    return variants[v].fused ? DK_VARIANT_SCALAR_FMA : DK_VARIANT_SCALAR_PLAIN;
}

const dk_kernels *dk_active_kernels(void)
{
    features_after_init();
    return variants[atomic_load(&active_variant)].kernels;
}

const char *dk_isa_name(dk_isa isa) { return (unsigned)isa < DK_ISA_COUNT ? isa_names[isa] : "unknown"; }

int dk_isa_supported(dk_isa isa)
{
    if ((unsigned)isa >= DK_ISA_COUNT)
        return 0;
    const unsigned features = features_after_init();
    return variant_runs_on(variant_of_isa_on(isa, features), features);
}

dk_isa dk_isa_active(void)
{
    features_after_init();
    return variants[atomic_load(&active_variant)].isa;
}

dk_status dk_variant_select(dk_variant v)
{
    if (!variant_runs_on(v, features_after_init()))
        return DK_ERR_ISA_UNSUPPORTED;
    atomic_store(&active_variant, (int)v);
    return DK_OK;
}

dk_status dk_isa_select(dk_isa isa)
{
    if ((unsigned)isa >= DK_ISA_COUNT)
        return DK_ERR_ISA_INVALID;
    return dk_variant_select(dk_variant_of_isa(isa));
}
