/* Runtime dispatch: the table of kernel builds, one-time thread-safe
 * initialization, the DIFFKERN_ISA override and the public ISA functions. */
#include "dispatch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "dk_config.h"

static const dk_variant_info variants[DK_VARIANT_COUNT] = {
#define DK_VARIANT(name, isa, fused, width, cpu_needs)                                                       \
    [DK_VARIANT_##name] = {#name, isa, fused, width, cpu_needs},
#include "variant_list.h"
#undef DK_VARIANT
};

/* The builds meson made: DK_BUILT_VARIANTS (dk_config.h) is DK_BUILT(name)
 * for each of them; the others stay NULL. */
#define DK_BUILT(name) [DK_VARIANT_##name] = &dk_kernels_##name,
static const dk_kernels *const built[DK_VARIANT_COUNT] = {DK_BUILT_VARIANTS};
#undef DK_BUILT

static const char *const isa_names[DK_ISA_COUNT] = {"scalar", "sse41", "avx2", "avx512", "neon"};

/* Written once under pthread_once; before that nothing reads it, so an
 * uninitialized state can never look like "all features". */
static unsigned cpu_features;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
/* The active variant: written by init and by dk_isa_select. */
static _Atomic int active_variant = DK_VARIANT_scalar_plain;

const dk_variant_info *dk_variant_get(dk_variant v)
{
    return (unsigned)v < DK_VARIANT_COUNT ? &variants[v] : NULL;
}

const dk_kernels *dk_variant_kernels(dk_variant v)
{
    return (unsigned)v < DK_VARIANT_COUNT ? built[v] : NULL;
}

dk_variant dk_variant_by_name(const char *name)
{
    for (int v = 0; v < DK_VARIANT_COUNT; v++)
        if (strcmp(name, variants[v].name) == 0)
            return (dk_variant)v;
    return DK_VARIANT_COUNT;
}

static int variant_runs_on(dk_variant v, unsigned features)
{
    return dk_variant_kernels(v) && (variants[v].cpu_needs & ~features) == 0;
}

/* The build behind a public ISA: its own, or for scalar the fused build
 * where it runs and the plain one elsewhere. DK_VARIANT_COUNT for none. */
static dk_variant variant_of_isa_on(dk_isa isa, unsigned features)
{
    if (isa == DK_ISA_SCALAR)
        return variant_runs_on(DK_VARIANT_scalar_fma, features) ? DK_VARIANT_scalar_fma
                                                                : DK_VARIANT_scalar_plain;
    for (int v = 0; v < DK_VARIANT_COUNT; v++)
        if (variants[v].isa == isa)
            return (dk_variant)v;
    return DK_VARIANT_COUNT;
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
        const dk_variant v =
            (unsigned)isa < DK_ISA_COUNT ? variant_of_isa_on(isa, features) : DK_VARIANT_COUNT;
        if (variant_runs_on(v, features))
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
    return variants[v].fused ? DK_VARIANT_scalar_fma : DK_VARIANT_scalar_plain;
}

const dk_kernels *dk_active_kernels(void)
{
    features_after_init();
    return built[atomic_load(&active_variant)];
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

/* Streaming stores from this many bytes per output array, by ISA: where the
 * non-temporal stores of q_sample overtook the cached ones on a Zen 4 with
 * 32 MiB of L3 (README.md, Streaming stores: SSE4.1 0.97x at 4 MiB, 1.33x
 * at 8; AVX2 1.03x and AVX-512 1.08x at 4 MiB, 0.96x and 0.95x at 2). The
 * scalar and NEON builds store plainly either way. */
static const size_t stream_default[DK_ISA_COUNT] = {
    [DK_ISA_SCALAR] = SIZE_MAX,        /* no streaming stores */
    [DK_ISA_SSE41] = (size_t)8 << 20,  /* 8 MiB */
    [DK_ISA_AVX2] = (size_t)4 << 20,   /* 4 MiB */
    [DK_ISA_AVX512] = (size_t)4 << 20, /* 4 MiB */
    [DK_ISA_NEON] = SIZE_MAX,          /* no streaming stores */
};
static _Atomic size_t stream_set; /* dk_set_stream_min's, 0 for the default */

void dk_set_stream_min(size_t bytes) { atomic_store(&stream_set, bytes); }

size_t dk_stream_min_of(dk_isa isa)
{
    const size_t set = atomic_load(&stream_set);
    return set ? set : (unsigned)isa < DK_ISA_COUNT ? stream_default[isa] : SIZE_MAX;
}

size_t dk_stream_min(void) { return dk_stream_min_of(dk_isa_active()); }

int dk_noise_streams(void)
{
    return atomic_load(&stream_set) != 0 || !(features_after_init() & DK_CPU_SLOW_NOISE_NT);
}
