/* Internal dispatch interface: the kernel builds ("variants"), the active
 * table, and the kernel rows as data. Tests and the bench use it to reach
 * every build directly. */
#ifndef DK_DISPATCH_H
#define DK_DISPATCH_H

#include "kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every build of kernel_list.h, from variant_list.h: DK_VARIANT_<name>. */
typedef enum dk_variant {
#define DK_VARIANT(name, isa, fused, width, cpu_needs) DK_VARIANT_##name,
#include "variant_list.h"
#undef DK_VARIANT
    DK_VARIANT_COUNT
} dk_variant;

typedef struct dk_variant_info {
    const char *name;   /* "scalar_plain", "avx2", ... */
    dk_isa isa;         /* the public ISA it serves */
    int fused;          /* 1: fused family, 0: plain family */
    int width;          /* floats per vector */
    unsigned cpu_needs; /* DK_CPU_* bits the CPU must have */
} dk_variant_info;

/* NULL for a value outside the enum. */
const dk_variant_info *dk_variant_get(dk_variant v);
/* Its table of kernels; NULL where this library lacks the build. */
const dk_kernels *dk_variant_kernels(dk_variant v);
/* The variant of that name, or DK_VARIANT_COUNT. */
dk_variant dk_variant_by_name(const char *name);
/* Built into this library, and this CPU runs it. */
int dk_variant_runs(dk_variant v);
/* The size from which a call on isa streams its output (dk_set_stream_min). */
size_t dk_stream_min_of(dk_isa isa);
/* Whether the kernels that make their noise stream too, past that size: 0
 * on a CPU with DK_CPU_SLOW_NOISE_NT unless dk_set_stream_min was given a
 * size (the caller's choice then holds for every kernel). */
int dk_noise_streams(void);
/* The variant the public ISA selects on this CPU. */
dk_variant dk_variant_of_isa(dk_isa isa);
/* The family's scalar reference: scalar_fma or scalar_plain. */
dk_variant dk_variant_reference(dk_variant v);
/* Force one build for all later calls, like dk_isa_select but reaching
 * both scalar references (tests). Fails if the variant does not run here. */
dk_status dk_variant_select(dk_variant v);
/* The kernels in use now (initializing dispatch on first use). */
const dk_kernels *dk_active_kernels(void);

/* A row of kernel_list.h as data. */
typedef struct dk_kernel_desc {
    const char *name;
    const char *arrays; /* as written in the row */
    unsigned uses;      /* DK_USES_*, DK_WRITES_WORDS and DK_MODES */
    int modes;          /* a->mode takes 0 .. modes - 1 */
    int inputs, outputs;
    unsigned optional;            /* bit i: in[i] may be NULL; bit DK_MAX_IN + k: out[k] */
    char in_names[DK_MAX_IN][24]; /* without the '?' */
    char out_names[DK_MAX_OUT][24];
} dk_kernel_desc;

/* Fills *d for kernel id; 0 for an id outside the list. */
int dk_kernel_describe(dk_kernel_id id, dk_kernel_desc *d);

#ifdef __cplusplus
}
#endif

#endif /* DK_DISPATCH_H */
