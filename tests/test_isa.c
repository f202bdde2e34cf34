/* checkasm-style comparison of one kernel build with its family's scalar
 * reference, bit for bit: every kernel of kernel_list.h, lengths 0 to
 * 8 vector widths + 3, arrays flush against PROT_NONE guard pages on either
 * side, misaligned starts inside canary-padded buffers, and in place.
 * Then the public API over rows x dim shapes with per-row timesteps.
 *
 * usage: test_isa <variant>   (scalar_plain, scalar_fma, sse41, avx2, avx512, neon)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "harness.h"
#include "step_coefs.h"

#define MAX_INPUTS 3
#define PAD        16          /* canary floats before and after each array */
#define CANARY     0x7fa5c3e1u /* a NaN payload no kernel produces from these inputs */

/* Calls one kernel over n floats; in[0] may be the output (in place). */
typedef void (*kernel_call)(const dk_kernels *k, size_t n, const float *const *in, float *out,
                            const void *params);

typedef struct kernel_case {
    const char *name; /* for messages */
    int inputs;       /* arrays read */
    kernel_call call;
    const void *params;
} kernel_case;

static const dk_kernels *test_k, *ref_k;
static int width;

static float canary(void)
{
    float f;
    const uint32_t u = CANARY;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* ---- layout 1 and 2: every array flush against a guard page ---- */

static void compare_guarded(const kernel_case *c, size_t n, int flush_end, int in_place)
{
    dk_guarded in[MAX_INPUTS], out_test = dk_guarded_alloc(n, flush_end),
                               out_ref = dk_guarded_alloc(n, flush_end);
    const float *in_test[MAX_INPUTS], *in_ref[MAX_INPUTS];
    for (int i = 0; i < c->inputs; i++) {
        in[i] = dk_guarded_alloc(n, flush_end);
        dk_rand_fill(in[i].p, n, 2.0);
        in_test[i] = in_ref[i] = in[i].p;
    }
    if (in_place) { /* the output starts as input 0 and replaces it */
        memcpy(out_test.p, in[0].p, n * sizeof(float));
        memcpy(out_ref.p, in[0].p, n * sizeof(float));
        in_test[0] = out_test.p;
        in_ref[0] = out_ref.p;
    }
    c->call(ref_k, n, in_ref, out_ref.p, c->params);
    c->call(test_k, n, in_test, out_test.p, c->params);
    const size_t d = dk_first_diff(out_test.p, out_ref.p, n);
    dk_check(d == n, "%s n=%zu %s%s: element %zu is %a, reference %a", c->name, n,
             flush_end ? "flush-end" : "flush-start", in_place ? " in-place" : "", d,
             d < n ? out_test.p[d] : 0.0, d < n ? out_ref.p[d] : 0.0);
    for (int i = 0; i < c->inputs; i++)
        dk_guarded_free(&in[i]);
    dk_guarded_free(&out_test);
    dk_guarded_free(&out_ref);
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

static void compare_misaligned(const kernel_case *c, size_t n, size_t mis, int in_place)
{
    float *in[MAX_INPUTS];
    const float *in_test[MAX_INPUTS], *in_ref[MAX_INPUTS];
    float *out_test = padded(n), *out_ref = padded(n);
    float *ot = out_test + PAD + mis, *orf = out_ref + PAD + mis;
    for (int i = 0; i < c->inputs; i++) {
        in[i] = padded(n);
        dk_rand_fill(in[i] + PAD + mis, n, 2.0);
        in_test[i] = in_ref[i] = in[i] + PAD + mis;
    }
    if (in_place) {
        memcpy(ot, in_test[0], n * sizeof(float));
        memcpy(orf, in_test[0], n * sizeof(float));
        in_test[0] = ot;
        in_ref[0] = orf;
    }
    c->call(ref_k, n, in_ref, orf, c->params);
    c->call(test_k, n, in_test, ot, c->params);
    const size_t d = dk_first_diff(ot, orf, n);
    dk_check(d == n, "%s n=%zu misaligned by %zu%s: element %zu differs from the reference", c->name, n, mis,
             in_place ? " in-place" : "", d);
    dk_check(canaries_intact(out_test, n, mis), "%s n=%zu misaligned by %zu: canary overwritten", c->name, n,
             mis);
    size_t unwritten = 0;
    for (size_t i = 0; i < n; i++)
        unwritten += dk_bits(ot[i]) == CANARY;
    dk_check(unwritten == 0, "%s n=%zu: %zu outputs not written", c->name, n, unwritten);
    for (int i = 0; i < c->inputs; i++)
        free(in[i]);
    free(out_test);
    free(out_ref);
}

static void compare_all_layouts(const kernel_case *c)
{
    const size_t max_n = 8 * (size_t)width + 3;
    for (size_t n = 0; n <= max_n; n++) {
        for (int in_place = 0; in_place <= (c->inputs > 0); in_place++) {
            compare_guarded(c, n, 1, in_place);
            compare_guarded(c, n, 0, in_place);
            for (size_t mis = 0; mis < 4; mis++)
                compare_misaligned(c, n, mis, in_place);
        }
    }
    /* a few long ones, where the main loop dominates */
    compare_guarded(c, 4096 + 5, 1, 0);
    compare_misaligned(c, 10000 + 3, 1, c->inputs > 0);
}

/* ---- the kernels: one check_<name> per entry of kernel_list.h ---- */

typedef struct step_params {
    dk_step_coefs c;
    dk_prediction pred;
    int noisy;
} step_params;

/* Plausible coefficients: those of a real schedule at a random step. */
static dk_step_coefs random_coefs(float clip)
{
    return test_step_coefs(dk_rand_uniform(1e-4, 0.05), dk_rand_uniform(1e-4, 1.0), clip);
}

static void call_q_sample(const dk_kernels *k, size_t n, const float *const *in, float *out,
                          const void *params)
{
    const float *ab = params;
    k->q_sample(n, ab[0], ab[1], in[0], in[1], out);
}

static void check_q_sample(void)
{
    const float ab[2] = {0.8f, 0.6f};
    const kernel_case c = {"q_sample", 2, call_q_sample, ab};
    compare_all_layouts(&c);
}

static void call_p_step_eps(const dk_kernels *k, size_t n, const float *const *in, float *out,
                            const void *params)
{
    const step_params *p = params;
    k->p_step_eps(n, &p->c, in[0], in[1], p->noisy ? in[2] : NULL, out);
}

static void check_p_step_eps(void)
{
    for (int noisy = 0; noisy <= 1; noisy++) {
        const step_params p = {random_coefs(INFINITY), DK_PRED_EPSILON, noisy};
        const kernel_case c = {noisy ? "p_step_eps+z" : "p_step_eps", 2 + noisy, call_p_step_eps, &p};
        compare_all_layouts(&c);
    }
}

static void call_p_step_posterior(const dk_kernels *k, size_t n, const float *const *in, float *out,
                                  const void *params)
{
    const step_params *p = params;
    k->p_step_posterior(n, &p->c, p->pred, in[0], in[1], p->noisy ? in[2] : NULL, out);
}

static void check_p_step_posterior(void)
{
    static const char *const names[] = {"p_step_posterior/epsilon", "p_step_posterior/sample",
                                        "p_step_posterior/v"};
    for (int pred = DK_PRED_EPSILON; pred <= DK_PRED_V; pred++)
        for (int noisy = 0; noisy <= 1; noisy++)
            for (int clipped = 0; clipped <= 1; clipped++) {
                const step_params p = {random_coefs(clipped ? 1.5f : INFINITY), (dk_prediction)pred, noisy};
                const kernel_case c = {names[pred], 2 + noisy, call_p_step_posterior, &p};
                compare_all_layouts(&c);
            }
}

/* ---- the kernels with generated noise ---- */

/* Noise offsets: on and off block boundaries, and with the block counter
 * about to carry into its high word. */
static const uint64_t noise_offsets[] = {0, 1, 2, 3, 4 * 0xfffffffdull + 1};
#define NOISE_OFFSETS (sizeof noise_offsets / sizeof noise_offsets[0])

static void check_philox(void)
{
    /* Raw words: every block count up to 8 widths + 3, flush against guard
     * pages on both sides, with a block counter that wraps modulo 2^64. */
    static const uint64_t firsts[] = {0, 0xfffffffeull, ~0ull - 2};
    for (size_t f = 0; f < sizeof firsts / sizeof firsts[0]; f++)
        for (size_t nb = 0; nb <= 8 * (size_t)width + 3; nb++)
            for (int flush_end = 0; flush_end <= 1; flush_end++) {
                dk_guarded gt = dk_guarded_alloc(4 * nb, flush_end), gr = dk_guarded_alloc(4 * nb, flush_end);
                const uint64_t seed = dk_rand_u64(), stream = dk_rand_u64();
                ref_k->philox(nb, seed, stream, firsts[f], (uint32_t *)(void *)gr.p);
                test_k->philox(nb, seed, stream, firsts[f], (uint32_t *)(void *)gt.p);
                dk_check(memcmp(gt.p, gr.p, 4 * nb * sizeof(uint32_t)) == 0,
                         "philox %zu blocks from %llu differ from the reference", nb,
                         (unsigned long long)firsts[f]);
                dk_guarded_free(&gt);
                dk_guarded_free(&gr);
            }
}

typedef struct noise_params {
    dk_noise noise;
    float a, b;       /* q_sample coefficients */
    step_params step; /* p_step coefficients */
    int eps_mode;     /* q_sample_randn: 0 no eps_out, 1 out is xt, 2 out is eps_out */
} noise_params;

/* Scratch for the second output of q_sample_randn, which the case does not check. */
static float *scratch_of(size_t n)
{
    static float *buf;
    static size_t size;
    if (n > size) {
        free(buf);
        size = n + 1024;
        if (!(buf = malloc(size * sizeof(float))))
            abort();
    }
    return buf;
}

static void call_randn(const dk_kernels *k, size_t n, const float *const *in, float *out, const void *params)
{
    (void)in;
    k->randn(n, &((const noise_params *)params)->noise, out);
}

static void check_randn(void)
{
    for (size_t o = 0; o < NOISE_OFFSETS; o++) {
        const noise_params p = {.noise = {dk_rand_u64(), dk_rand_u64(), noise_offsets[o]}};
        const kernel_case c = {"randn", 0, call_randn, &p};
        compare_all_layouts(&c);
    }
}

static void call_q_sample_randn(const dk_kernels *k, size_t n, const float *const *in, float *out,
                                const void *params)
{
    const noise_params *p = params;
    switch (p->eps_mode) {
    case 0:
        k->q_sample_randn(n, p->a, p->b, &p->noise, in[0], NULL, out);
        break;
    case 1:
        k->q_sample_randn(n, p->a, p->b, &p->noise, in[0], scratch_of(n), out);
        break;
    default: /* in place here means eps_out == x0 */
        k->q_sample_randn(n, p->a, p->b, &p->noise, in[0], out, scratch_of(n));
        break;
    }
}

static void check_q_sample_randn(void)
{
    static const char *const names[] = {"q_sample_randn", "q_sample_randn/xt", "q_sample_randn/eps_out"};
    for (size_t o = 0; o < NOISE_OFFSETS; o++)
        for (int mode = 0; mode <= 2; mode++) {
            const noise_params p = {.noise = {dk_rand_u64(), dk_rand_u64(), noise_offsets[o]},
                                    .a = 0.8f,
                                    .b = 0.6f,
                                    .eps_mode = mode};
            const kernel_case c = {names[mode], 1, call_q_sample_randn, &p};
            compare_all_layouts(&c);
        }
}

static void call_p_step_eps_randn(const dk_kernels *k, size_t n, const float *const *in, float *out,
                                  const void *params)
{
    const noise_params *p = params;
    k->p_step_eps_randn(n, &p->step.c, &p->noise, in[0], in[1], out);
}

static void check_p_step_eps_randn(void)
{
    for (size_t o = 0; o < NOISE_OFFSETS; o++) {
        const noise_params p = {.noise = {dk_rand_u64(), dk_rand_u64(), noise_offsets[o]},
                                .step = {random_coefs(INFINITY), DK_PRED_EPSILON, 1}};
        const kernel_case c = {"p_step_eps_randn", 2, call_p_step_eps_randn, &p};
        compare_all_layouts(&c);
    }
}

static void call_p_step_posterior_randn(const dk_kernels *k, size_t n, const float *const *in, float *out,
                                        const void *params)
{
    const noise_params *p = params;
    k->p_step_posterior_randn(n, &p->step.c, p->step.pred, &p->noise, in[0], in[1], out);
}

static void check_p_step_posterior_randn(void)
{
    static const char *const names[] = {"p_step_posterior_randn/epsilon", "p_step_posterior_randn/sample",
                                        "p_step_posterior_randn/v"};
    for (size_t o = 0; o < NOISE_OFFSETS; o += 2) /* offsets 0, 2 and the carry */
        for (int pred = DK_PRED_EPSILON; pred <= DK_PRED_V; pred++)
            for (int clipped = 0; clipped <= 1; clipped++) {
                const noise_params p = {
                    .noise = {dk_rand_u64(), dk_rand_u64(), noise_offsets[o]},
                    .step = {random_coefs(clipped ? 1.5f : INFINITY), (dk_prediction)pred, 1}};
                const kernel_case c = {names[pred], 2, call_p_step_posterior_randn, &p};
                compare_all_layouts(&c);
            }
}

/* ---- the public API over rows x dim, through this build and the reference ---- */

static void api_case(dk_variant v, dk_variant ref, const dk_schedule *s, size_t rows, size_t dim)
{
    const int32_t T = dk_schedule_steps(s);
    const size_t n = rows * dim;
    int32_t *t = malloc((rows + 1) * sizeof *t);
    float *a = malloc((n + 1) * sizeof(float)), *b = malloc((n + 1) * sizeof(float)),
          *z = malloc((n + 1) * sizeof(float)), *out_v = malloc((n + 1) * sizeof(float)),
          *out_r = malloc((n + 1) * sizeof(float));
    if (!t || !a || !b || !z || !out_v || !out_r)
        abort();
    for (size_t r = 0; r < rows; r++) /* runs of equal t, and both ends */
        t[r] = r % 3 == 0 ? 1 : r % 3 == 1 ? T : (int32_t)(1 + dk_rand_u64() % (uint64_t)T);
    dk_rand_fill(a, n, 2.0);
    dk_rand_fill(b, n, 1.0);
    dk_rand_fill(z, n, 1.0);

    dk_variant_select(ref);
    dk_q_sample(s, t, rows, dim, a, b, out_r);
    dk_variant_select(v);
    dk_q_sample(s, t, rows, dim, a, b, out_v);
    dk_check(dk_first_diff(out_v, out_r, n) == n, "dk_q_sample %zux%zu differs", rows, dim);

    for (int pred = DK_PRED_EPSILON; pred <= DK_PRED_V; pred++)
        for (int var = DK_VAR_FIXED_SMALL; var <= DK_VAR_FIXED_LARGE; var++)
            for (int clipped = 0; clipped <= 1; clipped++)
                for (int in_place = 0; in_place <= 1; in_place++) {
                    const dk_step_opts o = {(dk_prediction)pred, (dk_variance)var, clipped ? 1.0f : 0.0f};
                    const float *zz = (pred + var + clipped) % 2 ? z : NULL;
                    dk_variant_select(ref);
                    if (in_place)
                        memcpy(out_r, a, n * sizeof(float));
                    dk_p_step(s, t, rows, dim, in_place ? out_r : a, b, zz, &o, out_r);
                    dk_variant_select(v);
                    if (in_place)
                        memcpy(out_v, a, n * sizeof(float));
                    dk_p_step(s, t, rows, dim, in_place ? out_v : a, b, zz, &o, out_v);
                    dk_check(dk_first_diff(out_v, out_r, n) == n,
                             "dk_p_step %zux%zu pred=%d var=%d clip=%d z=%d in_place=%d differs", rows, dim,
                             pred, var, clipped, zz != NULL, in_place);
                }
    free(t), free(a), free(b), free(z), free(out_v), free(out_r);
}

static void check_api(dk_variant v, dk_variant ref)
{
    static const size_t shapes[][2] = {{1, 1}, {1, 37}, {3, 5}, {7, 33}, {64, 3}, {2, 1000}, {17, 16}};
    dk_schedule *s = NULL;
    if (dk_schedule_create(&s, DK_BETA_LINEAR, 1000, 1e-4, 0.02) != DK_OK)
        abort();
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        api_case(v, ref, s, shapes[i][0], shapes[i][1]);
    dk_schedule_destroy(s);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <variant>\n", argv[0]);
        return 2;
    }
    dk_variant v = DK_VARIANT_COUNT;
    for (int i = 0; i < DK_VARIANT_COUNT; i++)
        if (strcmp(argv[1], dk_variant_get((dk_variant)i)->name) == 0)
            v = (dk_variant)i;
    if (v == DK_VARIANT_COUNT) {
        fprintf(stderr, "unknown variant %s\n", argv[1]);
        return 2;
    }
    char name[64];
    snprintf(name, sizeof name, "test_isa %s", argv[1]);
    if (!dk_variant_get(v)->kernels)
        return dk_test_skip(name, "not built into this library");
    if (!dk_variant_runs(v))
        return dk_test_skip(name, "this CPU lacks it");
    dk_test_seed();
    const dk_variant ref = dk_variant_reference(v);
    test_k = dk_variant_get(v)->kernels;
    ref_k = dk_variant_get(ref)->kernels;
    width = dk_variant_get(v)->width;
    printf("%s: width %d, reference %s\n", name, width, dk_variant_get(ref)->name);

#define DK_KERNEL(kernel, params) check_##kernel();
#include "kernel_list.h"
#undef DK_KERNEL
    check_api(v, ref);
    return dk_test_finish(name);
}
