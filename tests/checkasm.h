/* The driver of the per-build tests, in the style of dav1d's checkasm: one
 * build of the kernels ("variant") per run, its family's scalar reference,
 * a printed seed, a function filter and a timing mode.
 *
 *   <test> <variant> [--function=GLOB] [--seed=N] [--bench]
 *
 * <variant> is a name of kernels/variant_list.h. A build this library lacks
 * or this CPU cannot run exits 77 (meson: SKIP), saying which. --function
 * runs only the kernels or functions whose name matches GLOB (fnmatch);
 * --seed=N is DK_TEST_SEED=N; --bench times each raw kernel of the build
 * against its reference instead of (test_isa) or after the checks. */
#ifndef DK_TEST_CHECKASM_H
#define DK_TEST_CHECKASM_H

#include "dispatch.h"

typedef struct dk_target {
    dk_variant v, ref;           /* the build under test and its reference */
    const dk_variant_info *info; /* of v */
    const dk_kernels *k, *ref_k; /* their tables */
    char name[64];               /* "<test> <variant>", for messages */
} dk_target;

/* Parses the command line, skips or selects the build (dk_variant_select),
 * seeds, runs run(&target) and returns the exit code (dk_test_finish). */
int dk_checkasm_main(int argc, char **argv, const char *test, void (*run)(const dk_target *t));
/* True if --function is absent or matches name. */
int dk_checkasm_wants(const char *name);
/* True with --bench. */
int dk_checkasm_bench(void);

#endif /* DK_TEST_CHECKASM_H */
