#include "checkasm.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const char *function_glob;
static int bench_mode;

int dk_checkasm_wants(const char *name) { return !function_glob || fnmatch(function_glob, name, 0) == 0; }

int dk_checkasm_bench(void) { return bench_mode; }

static int usage(const char *test)
{
    fprintf(stderr, "usage: %s <variant> [--function=GLOB] [--seed=N] [--bench]\n  variants:", test);
    for (int v = 0; v < DK_VARIANT_COUNT; v++)
        fprintf(stderr, " %s", dk_variant_get((dk_variant)v)->name);
    fputc('\n', stderr);
    return 2;
}

int dk_checkasm_main(int argc, char **argv, const char *test, void (*run)(const dk_target *t))
{
    const char *variant = NULL;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--function=", 11) == 0)
            function_glob = argv[i] + 11;
        else if (strncmp(argv[i], "--seed=", 7) == 0)
            dk_test_set_seed(strtoull(argv[i] + 7, NULL, 0));
        else if (strcmp(argv[i], "--bench") == 0)
            bench_mode = 1;
        else if (!variant && argv[i][0] != '-')
            variant = argv[i];
        else
            return usage(test);
    }
    dk_target t = {.v = variant ? dk_variant_by_name(variant) : DK_VARIANT_COUNT};
    if (t.v == DK_VARIANT_COUNT)
        return usage(test);
    snprintf(t.name, sizeof t.name, "%s %s", test, variant);
    if (!dk_variant_kernels(t.v))
        return dk_test_skip(t.name, "not built into this library");
    if (!dk_variant_runs(t.v))
        return dk_test_skip(t.name, "this CPU lacks it");
    t.ref = dk_variant_reference(t.v);
    /* The fused reference needs FMA, and on x86-64 AVX2 (SLEEF's purecfma):
     * every fused SIMD build needs as much, so this skips nothing real. */
    if (!dk_variant_runs(t.ref))
        return dk_test_skip(t.name, "this CPU cannot run the family's scalar reference");
    t.info = dk_variant_get(t.v);
    t.k = dk_variant_kernels(t.v);
    t.ref_k = dk_variant_kernels(t.ref);
    dk_variant_select(t.v);
    dk_test_seed();
    printf("%s: width %d, %s family, reference %s%s%s\n", t.name, t.info->width,
           t.info->fused ? "fused" : "plain", dk_variant_get(t.ref)->name,
           function_glob ? ", functions " : "", function_glob ? function_glob : "");
    run(&t);
    if (bench_mode)
        return dk_test_failures ? 1 : 0; /* timings, not a test: no check need run */
    return dk_test_finish(t.name);
}
