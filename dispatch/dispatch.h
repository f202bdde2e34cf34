/* Internal dispatch interface: the kernel builds ("variants") and the active
 * table. Tests and the benchmark use it to reach every build directly. */
#ifndef DK_DISPATCH_H
#define DK_DISPATCH_H

#include "kernels.h"

/* Every build of the kernel bodies. The public "scalar" ISA is scalar_fma
 * where the CPU has FMA and scalar_plain otherwise; tests use both. */
typedef enum dk_variant {
    DK_VARIANT_SCALAR_PLAIN,
    DK_VARIANT_SCALAR_FMA,
    DK_VARIANT_SSE41,
    DK_VARIANT_AVX2,
    DK_VARIANT_AVX512,
    DK_VARIANT_NEON,
    DK_VARIANT_COUNT
} dk_variant;

typedef struct dk_variant_info {
    const char *name;          /* "scalar_plain", "avx2", ... */
    const dk_kernels *kernels; /* NULL where this build lacks it */
    unsigned cpu_needs;        /* DK_CPU_* bits the CPU must have */
    int fused;                 /* 1: fused family, 0: plain family */
    dk_isa isa;                /* the public ISA it serves */
    int width;                 /* floats per vector */
} dk_variant_info;

const dk_variant_info *dk_variant_get(dk_variant v);
/* Built into this library, and this CPU runs it. */
int dk_variant_runs(dk_variant v);
/* The variant the public ISA selects on this CPU. */
dk_variant dk_variant_of_isa(dk_isa isa);
/* The family's scalar reference: scalar_fma or scalar_plain. */
dk_variant dk_variant_reference(dk_variant v);
/* Force one build for all later calls, like dk_isa_select but reaching
 * both scalar references (tests). Fails if the variant does not run here. */
dk_status dk_variant_select(dk_variant v);
/* The kernels in use now (initializing dispatch on first use). */
const dk_kernels *dk_active_kernels(void);

#endif /* DK_DISPATCH_H */
