/* checkasm-style comparison of one kernel build with its family's scalar
 * reference, bit for bit (NaN as NaN: doc/numerics.md):
 * - every kernel of kernel_list.h, from its row: every mode and clamp (none,
 *   clip, threshold, and for those that pack, a bracket open above) it reads, every optional array present
 * and absent, noise offsets on and off block boundaries and at the carry into the counter's high word;
 *   lengths 0 to 8 vector widths + 3, arrays flush against PROT_NONE guard
 *   pages on either side, misaligned starts inside canary-padded buffers,
 *   each output in place of each input; inputs with NaN, Inf, +-0,
 *   subnormal and huge values among them; the counts of kernels that
 *   write counts and the row sums of those that write sums;
 * - every function of api_list.h over rows x dim shapes with per-row
 *   timesteps, every option set, in place.
 * --bench times each raw kernel of the build against the reference.
 *
 * usage: test_isa <variant> [--function=GLOB] [--seed=N] [--bench]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "checkasm.h"
#include "harness.h"
#include "step_coefs.h"

#define PAD    16          /* canary floats before and after each array */
#define CANARY 0x7fa5c3e1u /* a NaN payload no kernel makes from these inputs */

static const dk_target *target;

/* One kernel with one set of parameters. */
typedef struct kcase {
    dk_kernel_id id;
    dk_kernel_desc d;
    dk_kargs args;   /* coefficients, mode, noise; the arrays are set per layout */
    unsigned absent; /* optional arrays left NULL, bits as dk_kernel_desc.optional */
    int alias_out;   /* out[alias_out] starts as a copy of in[alias_in] and replaces it; -1: none */
    int alias_in;
    int wide; /* inputs of magnitudes 2^-40 .. 2^40 (fill_input) */
    char label[160];
} kcase;

static int in_present(const kcase *c, int i) { return !(c->absent >> i & 1); }

/* The inputs of a layout: values in [-2, 2) with the special ones among them
 * or, for a row sum, magnitudes 2^-40 .. 2^40 with random signs. Squares of
 * values in [-2, 2) add exactly in double over any row tested here, whatever
 * the order; these do not, so a sum added in another order shows. */
static void fill_input(const kcase *c, float *p, size_t n)
{
    if (!c->wide) {
        dk_rand_fill_special(p, n, 2.0);
        return;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(ldexp(dk_rand_uniform(1.0, 2.0), (int)(dk_rand_u64() % 81) - 40) *
                       (dk_rand_u64() & 1 ? -1.0 : 1.0));
}
static int out_present(const kcase *c, int k) { return !(c->absent >> (DK_MAX_IN + k) & 1); }

static float canary(void)
{
    float f;
    const uint32_t u = CANARY;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* The first element where the build and the reference differ, or n. */
static size_t first_diff(const kcase *c, const float *got, const float *want, size_t n)
{
    if (c->d.uses & DK_WRITES_WORDS)
        return dk_first_word_diff(got, want, n);
    return dk_first_diff(got, want, n);
}

/* What a call writes besides its arrays: the counts (DK_WRITES_COUNTS) and
 * the row sum (DK_WRITES_SUM). */
typedef struct results {
    size_t counts[DK_MAX_COUNTS];
    double sum;
} results;

/* Runs both builds on the arrays of one layout: in[] are the inputs (shared),
 * out_test[] and out_ref[] the outputs (NULL where absent), res_test and
 * res_ref what else each writes. */
static void run_pair(const kcase *c, size_t n, float *const *in, float *const *out_test,
                     float *const *out_ref, results *res_test, results *res_ref)
{
    dk_kargs test = c->args, ref = c->args;
    for (int i = 0; i < c->d.inputs; i++)
        test.in[i] = ref.in[i] = in_present(c, i) ? in[i] : NULL;
    for (int k = 0; k < c->d.outputs; k++) {
        test.out[k] = out_test[k];
        ref.out[k] = out_ref[k];
    }
    if (c->alias_out >= 0) { /* the output starts as the input and replaces it */
        const int k = c->alias_out, i = c->alias_in;
        memcpy(out_test[k], in[i], n * sizeof(float));
        memcpy(out_ref[k], in[i], n * sizeof(float));
        test.in[i] = out_test[k];
        ref.in[i] = out_ref[k];
    }
    for (int j = 0; j < DK_MAX_COUNTS; j++)
        res_test->counts[j] = res_ref->counts[j] = (size_t)-1;
    res_test->sum = res_ref->sum = -1.0; /* a sum of squares is never negative */
    test.counts = res_test->counts, test.sum = &res_test->sum;
    ref.counts = res_ref->counts, ref.sum = &res_ref->sum;
    target->ref_k->fn[c->id](n, &ref);
    target->k->fn[c->id](n, &test);
}

static void check_outputs(const kcase *c, size_t n, float *const *got, float *const *want,
                          const results *res_got, const results *res_want, const char *layout)
{
    for (int k = 0; k < c->d.outputs; k++) {
        if (!out_present(c, k))
            continue;
        /* only the values the kernel defines (of the packed output, its first counts[1]) */
        const size_t len = dk_out_defined(c->d.uses, k, c->d.outputs, n, res_want->counts);
        const size_t d = first_diff(c, got[k], want[k], len);
        dk_check(d == len, "%s n=%zu %s: %s[%zu] is %a (%08x), reference %a (%08x)", c->label, n, layout,
                 c->d.out_names[k], d, d < len ? got[k][d] : 0.0, d < len ? dk_bits(got[k][d]) : 0,
                 d < len ? want[k][d] : 0.0, d < len ? dk_bits(want[k][d]) : 0);
    }
    if (c->d.uses & DK_WRITES_COUNTS)
        for (int j = 0; j < DK_MAX_COUNTS; j++)
            dk_check(res_got->counts[j] == res_want->counts[j] && res_want->counts[j] <= n,
                     "%s n=%zu %s: count %d is %zu, reference %zu", c->label, n, layout, j,
                     res_got->counts[j], res_want->counts[j]);
    if (c->d.uses & DK_WRITES_SUM) /* bit for bit, any NaN as any other (as dk_same) */
        dk_check((memcmp(&res_got->sum, &res_want->sum, sizeof(double)) == 0 ||
                  (isnan(res_got->sum) && isnan(res_want->sum))) &&
                     !(res_want->sum < 0.0),
                 "%s n=%zu %s: sum %a, reference %a", c->label, n, layout, res_got->sum, res_want->sum);
}

/* The index of the array named name among n names, or -1. */
static int array_named(const char (*names)[24], int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return i;
    return -1;
}

/* The counts and packed values of a kernel that packs, from its values a (an
 * input or an output) by kernel_list.h's definition, which packs |a|: a
 * second implementation beside the reference build, which shares
 * pack_math.h with the others. */
static void check_packing(const kcase *c, size_t n, float *const *in, float *const *out, const results *res,
                          const char *layout)
{
    const int a_in = array_named(c->d.in_names, c->d.inputs, "a"),
              a_out = array_named(c->d.out_names, c->d.outputs, "a"),
              packed_out = array_named(c->d.out_names, c->d.outputs, "packed");
    dk_check(packed_out >= 0 && (a_in >= 0 || a_out >= 0), "%s: no arrays a and packed", c->label);
    const float *a = a_in >= 0 ? in[a_in] : out[a_out], *packed = out[packed_out];
    const float lo = c->args.c.lo, hi = c->args.c.hi;
    size_t below = 0, within = 0, nans = 0, misplaced = 0;
    for (size_t i = 0; i < n; i++) {
        const float v = fabsf(a[i]);
        if (v != v) {
            nans++;
        } else if (v < lo) {
            below++;
        } else if (v <= hi) {
            misplaced += dk_bits(packed[within]) != dk_bits(v);
            within++;
        }
    }
    dk_check(res->counts[0] == below && res->counts[1] == within && res->counts[2] == nans && misplaced == 0,
             "%s n=%zu %s: counts %zu %zu %zu (%zu packed values misplaced), by definition %zu %zu %zu",
             c->label, n, layout, res->counts[0], res->counts[1], res->counts[2], misplaced, below, within,
             nans);
}

/* ---- layouts 1 and 2: every array flush against a guard page ---- */

static void compare_guarded(const kcase *c, size_t n, int flush_end)
{
    dk_guarded g_in[DK_MAX_IN] = {{0}}, g_test[DK_MAX_OUT] = {{0}}, g_ref[DK_MAX_OUT] = {{0}};
    float *in[DK_MAX_IN] = {0}, *out_test[DK_MAX_OUT] = {0}, *out_ref[DK_MAX_OUT] = {0};
    for (int i = 0; i < c->d.inputs; i++)
        if (in_present(c, i)) {
            g_in[i] = dk_guarded_alloc(n, flush_end);
            in[i] = g_in[i].p;
            fill_input(c, in[i], n);
        }
    for (int k = 0; k < c->d.outputs; k++)
        if (out_present(c, k)) {
            g_test[k] = dk_guarded_alloc(n, flush_end);
            g_ref[k] = dk_guarded_alloc(n, flush_end);
            out_test[k] = g_test[k].p;
            out_ref[k] = g_ref[k].p;
        }
    results res_test, res_ref;
    run_pair(c, n, in, out_test, out_ref, &res_test, &res_ref);
    check_outputs(c, n, out_test, out_ref, &res_test, &res_ref, flush_end ? "flush-end" : "flush-start");
    if (c->d.uses & DK_WRITES_COUNTS)
        check_packing(c, n, in, out_test, &res_test, flush_end ? "flush-end" : "flush-start");
    for (int i = 0; i < c->d.inputs; i++)
        if (in[i])
            dk_guarded_free(&g_in[i]);
    for (int k = 0; k < c->d.outputs; k++)
        if (out_test[k]) {
            dk_guarded_free(&g_test[k]);
            dk_guarded_free(&g_ref[k]);
        }
}

/* ---- layout 3: misaligned starts inside canary-padded buffers ---- */

/* A buffer of canaries with room for n floats at PAD + mis, mis < 4. */
static float *padded(size_t n)
{
    float *b = malloc((n + 2 * PAD + 4) * sizeof(float));
    if (!b)
        abort();
    for (size_t i = 0; i < n + 2 * PAD + 4; i++)
        b[i] = canary();
    return b;
}

static int canaries_intact(const float *b, size_t n, size_t mis)
{
    const size_t total = n + 2 * PAD + 4, start = PAD + mis;
    for (size_t i = 0; i < total; i++)
        if ((i < start || i >= start + n) && dk_bits(b[i]) != CANARY)
            return 0;
    return 1;
}

static void compare_misaligned(const kcase *c, size_t n, size_t mis)
{
    float *b_in[DK_MAX_IN] = {0}, *b_test[DK_MAX_OUT] = {0}, *b_ref[DK_MAX_OUT] = {0};
    float *in[DK_MAX_IN] = {0}, *out_test[DK_MAX_OUT] = {0}, *out_ref[DK_MAX_OUT] = {0};
    for (int i = 0; i < c->d.inputs; i++)
        if (in_present(c, i)) {
            in[i] = (b_in[i] = padded(n)) + PAD + mis;
            fill_input(c, in[i], n);
        }
    for (int k = 0; k < c->d.outputs; k++)
        if (out_present(c, k)) {
            out_test[k] = (b_test[k] = padded(n)) + PAD + mis;
            out_ref[k] = (b_ref[k] = padded(n)) + PAD + mis;
        }
    results res_test, res_ref;
    run_pair(c, n, in, out_test, out_ref, &res_test, &res_ref);
    char layout[32];
    snprintf(layout, sizeof layout, "misaligned by %zu", mis);
    check_outputs(c, n, out_test, out_ref, &res_test, &res_ref, layout);
    for (int k = 0; k < c->d.outputs; k++) {
        if (!b_test[k])
            continue;
        dk_check(canaries_intact(b_test[k], n, mis), "%s n=%zu %s: %s: canary overwritten", c->label, n,
                 layout, c->d.out_names[k]);
        /* every value it defines (the packed output: its first counts[1]) */
        const size_t len = dk_out_defined(c->d.uses, k, c->d.outputs, n, res_test.counts);
        size_t unwritten = 0;
        for (size_t i = 0; i < len; i++)
            unwritten += dk_bits(out_test[k][i]) == CANARY;
        dk_check(unwritten == 0, "%s n=%zu: %zu of %s not written", c->label, n, unwritten,
                 c->d.out_names[k]);
    }
    for (int i = 0; i < DK_MAX_IN; i++)
        free(b_in[i]);
    for (int k = 0; k < DK_MAX_OUT; k++)
        free(b_test[k]), free(b_ref[k]);
}

static void compare_all_layouts(kcase *c)
{
    const size_t max_n = 8 * (size_t)target->info->width + 3;
    for (size_t n = 0; n <= max_n; n++) {
        compare_guarded(c, n, 1);
        compare_guarded(c, n, 0);
        for (size_t mis = 0; mis < 4; mis++)
            compare_misaligned(c, n, mis);
    }
    compare_guarded(c, 4096 + 5, 1); /* a few long ones, where the main loop dominates */
    compare_misaligned(c, 10000 + 3, 1);

    /* each present output in place of each present input */
    char base[sizeof c->label];
    memcpy(base, c->label, sizeof base);
    for (int k = 0; k < c->d.outputs; k++)
        for (int i = 0; i < c->d.inputs; i++) {
            if (!out_present(c, k) || !in_present(c, i) || (c->d.uses & DK_WRITES_WORDS))
                continue;
            c->alias_out = k, c->alias_in = i;
            if (snprintf(c->label, sizeof c->label, "%.100s, %s in place of %s", base, c->d.out_names[k],
                         c->d.in_names[i]) < 0)
                abort();
            for (size_t n = 0; n <= max_n; n++) {
                compare_guarded(c, n, 1);
                compare_misaligned(c, n, n % 4);
            }
        }
    c->alias_out = c->alias_in = -1;
    memcpy(c->label, base, sizeof base);
}

/* ---- the parameter sets of a kernel row ---- */

/* Noise offsets: on and off block boundaries, and with the block counter
 * about to carry into its high word. */
static const uint64_t noise_offsets[] = {0, 1, 2, 3, 4 * 0xfffffffdull + 1};
#define NOISE_OFFSETS (sizeof noise_offsets / sizeof noise_offsets[0])

/* A kernel that packs, at the edges of brackets: values at lo, just below
 * and above it, zeros, infinities, NaN, subnormals, with lo positive,
 * subnormal, zero, negative and infinite, and hi +Inf (the open form) or
 * finite. x0_abs packs |x| here: kx 1, km 0, m and u 0. */
static void check_bracket_edges(dk_kernel_id id)
{
    kcase c = {.id = id, .alias_out = -1, .alias_in = -1};
    dk_check(dk_kernel_describe(id, &c.d), "kernel %d: its row of kernel_list.h does not parse", (int)id);
    if (!(c.d.uses & DK_WRITES_COUNTS) || !dk_checkasm_wants(c.d.name))
        return;
    static const float los[] = {1.5f, 0x1p-149f, 0x1p-126f, 0.0f, -0.0f, -1.0f, INFINITY, 0x1.fffffep127f};
    const size_t n = 8 * (size_t)target->info->width + 3;
    float *in[DK_MAX_IN] = {0}, *out_test[DK_MAX_OUT] = {0}, *out_ref[DK_MAX_OUT] = {0};
    for (int i = 0; i < c.d.inputs; i++)
        in[i] = calloc(n, sizeof(float));
    for (int k = 0; k < c.d.outputs; k++)
        out_test[k] = calloc(n, sizeof(float)), out_ref[k] = calloc(n, sizeof(float));
    for (size_t l = 0; l < sizeof los / sizeof los[0]; l++)
        for (int open = 0; open <= 1; open++) {
            const float lo = los[l];
            const float row[] = {lo,
                                 nextafterf(lo, 0.0f),
                                 nextafterf(lo, INFINITY),
                                 -lo,
                                 0.0f,
                                 -0.0f,
                                 1.0f,
                                 INFINITY,
                                 -INFINITY,
                                 NAN,
                                 -NAN,
                                 0x1p-140f,
                                 2.0f,
                                 0x1.fffffep127f};
            for (size_t i = 0; i < n; i++)
                in[0][i] = row[(i * 5 + l) % (sizeof row / sizeof row[0])];
            c.args = (dk_kargs){.c = {.kx = 1.0f, .scale = 1.0f, .lo = lo, .hi = open ? INFINITY : 2.0f}};
            snprintf(c.label, sizeof c.label, "%s bracket [%a, %a]", c.d.name, lo, c.args.c.hi);
            results res_test, res_ref;
            run_pair(&c, n, in, out_test, out_ref, &res_test, &res_ref);
            check_outputs(&c, n, out_test, out_ref, &res_test, &res_ref, "edges");
            check_packing(&c, n, in, out_test, &res_test, "edges");
        }
    for (int i = 0; i < DK_MAX_IN; i++)
        free(in[i]);
    for (int k = 0; k < DK_MAX_OUT; k++)
        free(out_test[k]), free(out_ref[k]);
}

static void check_kernel(dk_kernel_id id)
{
    kcase c = {.id = id, .alias_out = -1, .alias_in = -1};
    dk_check(dk_kernel_describe(id, &c.d), "kernel %d: its row of kernel_list.h does not parse", (int)id);
    if (!dk_checkasm_wants(c.d.name))
        return;
    const unsigned u = c.d.uses;
    /* none, a clip, a threshold, a bracket open above */
    const int clamps = u & DK_USES_CLIP ? u & DK_WRITES_COUNTS ? 4 : 3 : 1;
    const size_t offsets = u & DK_USES_NOISE ? NOISE_OFFSETS : 1;
    /* With many other parameters, the noise offsets 0, 2 and the carry. */
    const size_t offset_step = clamps * c.d.modes > 2 ? 2 : 1;
    /* every subset of the optional arrays absent */
    for (unsigned absent = 0; absent <= c.d.optional; absent++) {
        if (absent & ~c.d.optional)
            continue;
        for (int mode = 0; mode < c.d.modes; mode++)
            for (int clamp = 0; clamp < clamps; clamp++)
                for (size_t o = 0; o < offsets; o += offset_step) {
                    c.absent = absent;
                    c.args = (dk_kargs){.c = test_step_coefs(clamp), .mode = mode};
                    c.args.noise = (dk_noise){dk_rand_u64(), dk_rand_u64(), noise_offsets[o]};
                    int len = snprintf(c.label, sizeof c.label, "%s", c.d.name);
                    if (c.d.modes > 1)
                        len += snprintf(c.label + len, sizeof c.label - (size_t)len, " mode=%d", mode);
                    if (u & DK_USES_CLIP)
                        len += snprintf(c.label + len, sizeof c.label - (size_t)len, " clamp=%s",
                                        clamp == 3   ? "open"
                                        : clamp == 2 ? "threshold"
                                        : clamp      ? "clip"
                                                     : "none");
                    if (u & DK_USES_NOISE)
                        len += snprintf(c.label + len, sizeof c.label - (size_t)len, " offset=%#llx",
                                        (unsigned long long)noise_offsets[o]);
                    for (int k = 0; k < DK_MAX_IN + DK_MAX_OUT; k++)
                        if (absent >> k & 1)
                            len += snprintf(c.label + len, sizeof c.label - (size_t)len, " no %s",
                                            k < DK_MAX_IN ? c.d.in_names[k] : c.d.out_names[k - DK_MAX_IN]);
                    compare_all_layouts(&c);
                    /* the form of calls past the caches: non-temporal stores (the
                     * head to alignment, the tail), prefetches */
                    if (u & (DK_STREAMS | DK_PREFETCHES)) {
                        c.args.stream = 1;
                        const int at = len;
                        len += snprintf(c.label + len, sizeof c.label - (size_t)len, " streamed");
                        compare_all_layouts(&c);
                        c.args.stream = 0;
                        c.label[at] = '\0';
                        len = at;
                    }
                    if (u & DK_WRITES_SUM) { /* and the order of its sum */
                        c.wide = 1;
                        len += snprintf(c.label + len, sizeof c.label - (size_t)len, " wide");
                        compare_all_layouts(&c);
                        c.wide = 0;
                    }
                }
    }
}

/* ---- the public functions over rows x dim ---- */

static void call_on(dk_variant v, const api_case *c)
{
    dk_variant_select(v);
    dk_check(api_case_call(c) == DK_OK, "%s failed", c->f->name);
}

static void check_function(const api_spec *f, const dk_schedule *s, size_t rows, size_t dim)
{
    api_case *ref = api_case_new(f, s, rows, dim), *test = api_case_new(f, s, rows, dim);
    const size_t n = ref->g.n;
    /* the same arguments, on arrays of their own */
    if (ref->t)
        memcpy(test->t, ref->t, rows * sizeof(int32_t));
    if (ref->t_prev)
        memcpy(test->t_prev, ref->t_prev, rows * sizeof(int32_t));
    if (ref->uncond) {
        dk_rand_fill_special(ref->uncond, n, 1.0);
        memcpy(test->uncond, ref->uncond, n * sizeof(float));
    }
    test->g.noise = ref->g.noise;
    for (int i = 0; i < api_inputs(f); i++) {
        if (api_in(f, i)->kind == ROLE_IN_UNIT) /* the discretized decoder's data */
            api_fill_unit(ref->in[i], n);
        else
            dk_rand_fill_special(ref->in[i], n, 2.0);
        memcpy(test->in[i], ref->in[i], n * sizeof(float));
    }
    for (int o = 0; o < api_opts_count(f); o++)
        for (int in_place = 0; in_place <= (api_inputs(f) > 0 && !api_out_per_row(f, 0)); in_place++) {
            api_case_set_opts(ref, o);
            api_case_set_opts(test, o);
            if (in_place) { /* output 0 replaces input 0 */
                memcpy(ref->out[0], ref->in[0], n * sizeof(float));
                memcpy(test->out[0], ref->in[0], n * sizeof(float));
                ref->g.in[0] = ref->out[0];
                test->g.in[0] = test->out[0];
            }
            call_on(target->ref, ref);
            /* cached stores, then streamed ones (dk_set_stream_min) */
            for (int streamed = 0; streamed <= 1; streamed++) {
                if (in_place)
                    memcpy(test->out[0], ref->in[0], n * sizeof(float));
                dk_set_stream_min(streamed ? 1 : 0);
                call_on(target->v, test);
                dk_set_stream_min(0);
                for (int k = 0; k < api_outputs(f); k++) {
                    const size_t len = api_out_values(f, k, &ref->g),
                                 d = api_out_first_diff(f, k, &ref->g, test->out[k], ref->out[k]);
                    dk_check(d == len, "%s %zux%zu opts %d%s%s: %s[%zu] differs from the reference", f->name,
                             rows, dim, o, in_place ? " in place" : "", streamed ? " streamed" : "",
                             api_out(f, k)->name, d);
                }
            }
            ref->g.in[0] = ref->in[0];
            test->g.in[0] = test->in[0];
        }
    api_case_free(ref);
    api_case_free(test);
}

static void check_functions(void)
{
    /* {3, 2500}: rows longer than the loss kernels' pieces of generated noise */
    static const size_t shapes[][2] = {{1, 1},  {1, 37},   {3, 5},   {7, 33},
                                       {64, 3}, {2, 1000}, {17, 16}, {3, 2500}};
    dk_schedule *s = NULL;
    if (dk_schedule_create(&s, DK_BETA_LINEAR, 1000, 1e-4, 0.02) != DK_OK)
        abort();
    for (size_t i = 0; i < api_spec_count; i++)
        if (dk_checkasm_wants(api_specs[i].name))
            for (size_t j = 0; j < sizeof shapes / sizeof shapes[0]; j++)
                check_function(&api_specs[i], s, shapes[j][0], shapes[j][1]);
    dk_variant_select(target->v);
    dk_schedule_destroy(s);
}

/* ---- --bench: the raw kernels against the reference ---- */

static double seconds_per_call(const dk_kernels *k, dk_kernel_id id, size_t n, const dk_kargs *a)
{
    struct timespec t0, t1;
    long calls = 0;
    double elapsed = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        for (int i = 0; i < 16; i++, calls++)
            k->fn[id](n, a);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        elapsed = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    } while (elapsed < 0.05);
    return elapsed / (double)calls;
}

static void bench_kernels(void)
{
    enum { N = 4096 }; /* in L1 and L2: the arithmetic, not the memory */
    static float arrays[DK_MAX_IN + DK_MAX_OUT][N];
    for (int i = 0; i < DK_MAX_IN + DK_MAX_OUT; i++)
        dk_rand_fill(arrays[i], N, 1.0);
    printf("  %-26s %12s %12s %9s   (ns per element, %d elements in cache)\n", "kernel", target->info->name,
           dk_variant_get(target->ref)->name, "speed-up", N);
    for (int id = 0; id < DK_KERNEL_COUNT; id++) {
        dk_kernel_desc d;
        if (!dk_kernel_describe((dk_kernel_id)id, &d) || !dk_checkasm_wants(d.name))
            continue;
        results res;
        dk_kargs a = {.c = test_step_coefs(1), .noise = {1, 2, 0}, .counts = res.counts, .sum = &res.sum};
        for (int i = 0; i < d.inputs; i++)
            a.in[i] = arrays[i];
        for (int k = 0; k < d.outputs; k++)
            a.out[k] = arrays[DK_MAX_IN + k];
        const double test = seconds_per_call(target->k, (dk_kernel_id)id, N, &a);
        const double ref = seconds_per_call(target->ref_k, (dk_kernel_id)id, N, &a);
        printf("  %-26s %12.3f %12.3f %8.2fx\n", d.name, 1e9 * test / N, 1e9 * ref / N, ref / test);
    }
}

static void run(const dk_target *t)
{
    target = t;
    if (dk_checkasm_bench()) {
        bench_kernels();
        return;
    }
    for (int id = 0; id < DK_KERNEL_COUNT; id++)
        check_kernel((dk_kernel_id)id);
    for (int id = 0; id < DK_KERNEL_COUNT; id++)
        check_bracket_edges((dk_kernel_id)id);
    check_functions();
}

int main(int argc, char **argv) { return dk_checkasm_main(argc, argv, "test_isa", run); }
