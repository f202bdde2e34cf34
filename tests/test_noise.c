/* The noise of one kernel build against the spec (doc/noise.md), bit for bit:
 * - the raw Philox words against the published known answers, the test's
 *   own plain Philox (noise_ref.c) and, where installed, Random123's;
 * - the normals against noise_ref of the build's family;
 * - partition invariance: any split of a range, through the kernel and
 *   through every function of api_list.h that makes noise, gives the bits
 *   of one call;
 * - every generate-and-use function (a TWIN row of api_list.h) against
 *   dk_randn followed by its twin that reads the noise, and its noise
 *   output against dk_randn;
 * - the build's inline logf and sincospif (kernels/sleef_u35.h) against its
 *   libsleef functions on every float of the noise's domain (a stride of
 *   it when DK_TEST_SCALE < 1, as under emulation).
 * Sizes are kept small enough for qemu-user (the aarch64 leg).
 *
 * usage: test_noise <variant> [--function=GLOB] [--seed=N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "checkasm.h"
#include "dk_config.h"
#include "harness.h"
#include "noise_ref.h"
#include "sleef_check.h"

#ifdef DK_HAVE_RANDOM123
#include <Random123/philox.h>
#endif

static const dk_target *target;
static long compared; /* normals or words compared, for the summary */

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p)
        abort();
    return p;
}

/* A public call that must succeed (a failure would also leave outputs unset,
 * which the comparisons after it catch too). */
static void ok(dk_status st, const char *call) { dk_check(st == DK_OK, "%s: %s", call, dk_status_str(st)); }

static size_t rand_below(size_t n) { return n ? (size_t)(dk_rand_u64() % n) : 0; }

/* The raw words of indices offset .. offset + n - 1 of (seed, stream). */
static void kernel_words(uint64_t seed, uint64_t stream, uint64_t offset, size_t n, uint32_t *out)
{
    const dk_kargs a = {.out = {(float *)(void *)out}, .noise = {seed, stream, offset}};
    target->k->fn[DK_KERNEL_philox](n, &a);
}

static void kernel_randn(dk_noise z, size_t n, float *out)
{
    const dk_kargs a = {.out = {out}, .noise = z};
    target->k->fn[DK_KERNEL_randn](n, &a);
}

/* ---- Philox words ---- */

/* Random123's kat_vectors for philox4x32 10: counter, key, words. */
typedef struct philox_kat {
    uint32_t ctr[4], key[2], out[4];
} philox_kat;

static const philox_kat kats[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

static uint64_t join(uint32_t lo, uint32_t hi) { return (uint64_t)hi << 32 | lo; }

/* noise_ref on all three; the kernel where the counter is a block it can
 * reach (index / 4 < 2^62: the first vector). */
static void check_philox_known_answers(void)
{
    for (size_t i = 0; i < sizeof kats / sizeof kats[0]; i++) {
        const philox_kat *t = &kats[i];
        uint32_t ref[4];
        noise_ref_philox(t->ctr, t->key, ref);
        dk_check(dk_first_word_diff(ref, t->out, 4) == 4,
                 "noise_ref Philox known answer %zu: %08x %08x %08x %08x", i, ref[0], ref[1], ref[2], ref[3]);
        const uint64_t block = join(t->ctr[0], t->ctr[1]);
        if (block >= (uint64_t)1 << 62)
            continue;
        uint32_t got[4];
        kernel_words(join(t->key[0], t->key[1]), join(t->ctr[2], t->ctr[3]), 4 * block, 4, got);
        dk_check(dk_first_word_diff(got, t->out, 4) == 4, "philox known answer %zu: %08x %08x %08x %08x", i,
                 got[0], got[1], got[2], got[3]);
        compared += 8;
    }
}

/* A first word index such that n words from it cross the multiple of 2^34
 * (the carry of the block counter into its high word) at a random place, or
 * just reach it; edge 0 means the top of the index range. */
static uint64_t index_near(uint64_t edge, size_t n) { return edge - 1 - rand_below(n + 2) - (edge ? 0 : n); }

static void check_philox_run(size_t n, uint64_t first, int flush_end)
{
    const uint64_t seed = dk_rand_u64(), stream = dk_rand_u64();
    dk_guarded g = dk_guarded_alloc(n, flush_end); /* words are float-sized */
    uint32_t *got = (uint32_t *)(void *)g.p, *ref = xmalloc((n / 4 + 2) * 4 * sizeof *ref);
    kernel_words(seed, stream, first, n, got);
    for (size_t b = 0; b < n / 4 + 2; b++)
        noise_ref_block_words(seed, stream, first / 4 + b, ref + 4 * b);
    const uint32_t *want = ref + first % 4;
    const size_t d = dk_first_word_diff(got, want, n);
    dk_check(d == n, "philox n=%zu first=%#llx: word %zu is %08x, reference %08x", n,
             (unsigned long long)first, d, d < n ? got[d] : 0, d < n ? want[d] : 0);
    compared += (long)n;
    free(ref);
    dk_guarded_free(&g);
}

/* Every count up to three chunks and a few, from random indices and across
 * the carries of the block counter. */
static void check_philox_words(void)
{
    const size_t max_n = 4 * (3 * (size_t)target->info->width + 5);
    for (size_t n = 0; n <= max_n; n++) {
        const int flush_end = (int)(n % 2);
        check_philox_run(n, dk_rand_u64() >> 2, flush_end);
        check_philox_run(n, index_near((uint64_t)1 << 34, n), !flush_end);
        check_philox_run(n, index_near((dk_rand_u64() >> 30 | 1) << 34, n), flush_end);
        check_philox_run(n, index_near(0, n), !flush_end); /* up to index 2^64 - 1 */
    }
}

#ifdef DK_HAVE_RANDOM123
/* A third, independent Philox: Random123's own, on random counters and keys. */
static void check_philox_random123(void)
{
    enum { MAX_BLOCKS = 40 };
    uint32_t got[4 * MAX_BLOCKS];
    long blocks = 0;
    for (int rep = 0; rep < 1000; rep++) {
        const uint64_t seed = dk_rand_u64(), stream = dk_rand_u64();
        const size_t nblocks = 1 + rand_below(rep % 2 ? MAX_BLOCKS : 4);
        const uint64_t first =
            rep % 4 ? dk_rand_u64() >> 2 : index_near(rep % 8 ? (uint64_t)1 << 34 : 0, 4 * nblocks) / 4;
        kernel_words(seed, stream, 4 * first, 4 * nblocks, got);
        for (size_t b = 0; b < nblocks; b++, blocks++) {
            const uint64_t block = first + b;
            const philox4x32_ctr_t ctr = {
                {(uint32_t)block, (uint32_t)(block >> 32), (uint32_t)stream, (uint32_t)(stream >> 32)}};
            const philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
            const philox4x32_ctr_t want = philox4x32(ctr, key);
            dk_check(dk_first_word_diff(got + 4 * b, want.v, 4) == 4,
                     "philox block %#llx stream %#llx seed %#llx differs from Random123",
                     (unsigned long long)block, (unsigned long long)stream, (unsigned long long)seed);
        }
    }
    compared += 4 * blocks;
    printf("  Random123 philox4x32: %ld blocks\n", blocks);
}
#endif

/* ---- normals against the reference of the family ---- */

/* An offset for n elements: random, small, just below a carry of the block
 * counter into its high word (element 2^34 k), or at the top of the range. */
static uint64_t pick_offset(int kind, size_t n)
{
    switch (kind % 4) {
    case 0:
        return dk_rand_u64() % (UINT64_MAX - n);
    case 1:
        return rand_below(64);
    case 2:
        return ((uint64_t)(1 + rand_below(8)) << 34) - 1 - rand_below(n + 9);
    default:
        return UINT64_MAX - n - rand_below(9);
    }
}

static dk_noise random_noise(int kind, size_t n)
{
    dk_noise z = {dk_rand_u64(), dk_rand_u64(), pick_offset(kind, n)};
    if (kind % 8 >= 4) /* small seeds and streams, as people use them */
        z.seed = rand_below(4), z.stream = rand_below(4);
    return z;
}

static void check_randn_run(size_t n, dk_noise z, int flush_end)
{
    dk_guarded g = dk_guarded_alloc(n, flush_end);
    float *ref = xmalloc(n * sizeof *ref);
    kernel_randn(z, n, g.p);
    noise_ref_randn(target->info->fused, z.seed, z.stream, z.offset, ref, n);
    const size_t d = dk_first_word_diff(g.p, ref, n); /* no NaN here: every bit counts */
    dk_check(d == n, "randn n=%zu seed %#llx stream %#llx offset %#llx: element %zu is %a, reference %a", n,
             (unsigned long long)z.seed, (unsigned long long)z.stream, (unsigned long long)z.offset, d,
             d < n ? g.p[d] : 0.0, d < n ? ref[d] : 0.0);
    compared += (long)n;
    free(ref);
    dk_guarded_free(&g);
}

static void check_randn_reference(void)
{
    /* Three kernel chunks (2 batches x 4 vectors) and a few, from every
     * kind of offset, so heads inside a block and short tails all occur. */
    const size_t max_n = 24 * (size_t)target->info->width + 5;
    for (int kind = 0; kind < 8; kind++)
        for (size_t n = 0; n <= max_n; n++)
            check_randn_run(n, random_noise(kind, n), (int)((n + (size_t)kind) % 2));
    static const size_t long_n[] = {4096 + 5, 10000 + 3, 1 << 18};
    for (size_t i = 0; i < sizeof long_n / sizeof long_n[0]; i++)
        for (int kind = 0; kind < 4; kind++)
            check_randn_run(long_n[i], random_noise(kind, long_n[i]), kind % 2);
}

/* ---- partition invariance ---- */

/* Cuts [0, n) into pieces of random lengths (empty and short ones too):
 * cuts[0] = 0 < ... cuts[count] = n, count <= max. Returns count. */
static size_t random_cuts(size_t n, size_t *cuts, size_t max)
{
    size_t count = 0, at = 0;
    cuts[0] = 0;
    while (at < n && count + 1 < max) {
        const size_t pick = rand_below(4);
        const size_t len = pick == 0 ? rand_below(4) : pick == 1 ? rand_below(40) : rand_below(n - at + 1);
        at += len < n - at ? len : n - at;
        cuts[++count] = at;
    }
    cuts[++count] = n;
    return count;
}

#define MAX_PIECES 64

/* The kernel over [0, n) in pieces. */
static void check_kernel_partition(size_t n, dk_noise z)
{
    float *whole = xmalloc(n * sizeof(float)), *parts = xmalloc(n * sizeof(float));
    size_t cuts[MAX_PIECES + 1];
    const size_t pieces = random_cuts(n, cuts, MAX_PIECES);
    kernel_randn(z, n, whole);
    for (size_t p = 0; p < pieces; p++) {
        const dk_noise zp = {z.seed, z.stream, z.offset + cuts[p]};
        kernel_randn(zp, cuts[p + 1] - cuts[p], parts + cuts[p]);
    }
    dk_check(dk_first_word_diff(parts, whole, n) == n, "randn n=%zu offset %#llx in %zu pieces differs", n,
             (unsigned long long)z.offset, pieces);
    compared += (long)n;
    free(whole), free(parts);
}

/* A function with noise over its rows in pieces (flat ones: over its
 * elements), each piece's noise offset at its first element. */
static void check_function_partition(const api_spec *f, const dk_schedule *s, size_t rows, size_t dim)
{
    api_case *c = api_case_new(f, s, rows, dim);
    const size_t n = c->g.n, units = api_is_flat(f) ? n : rows;
    c->g.noise = random_noise((int)rand_below(8), n);
    api_case_set_opts(c, (int)rand_below((size_t)api_opts_count(f)));
    float *whole[API_MAX_OUT] = {0};
    ok(api_case_call(c), f->name);
    for (int k = 0; k < api_outputs(f); k++) {
        const size_t len = api_out_len(f, k, &c->g);
        whole[k] = xmalloc(len * sizeof(float));
        memcpy(whole[k], c->out[k], len * sizeof(float));
        memset(c->out[k], 0xff, len * sizeof(float));
    }
    size_t cuts[MAX_PIECES + 1];
    const size_t pieces = random_cuts(units, cuts, MAX_PIECES);
    for (size_t p = 0; p < pieces; p++) {
        dk_step_opts piece_opts;
        const api_args g = api_args_part(f, &c->g, cuts[p], cuts[p + 1] - cuts[p], c->out, &piece_opts);
        ok(f->call(&g), f->name);
    }
    for (int k = 0; k < api_outputs(f); k++) { /* a gradient of the mean over rows changes with the split */
        const size_t len = api_out_len(f, k, &c->g);
        dk_check(!api_out_split_invariant(f, k) || dk_first_diff(c->out[k], whole[k], len) == len,
                 "%s %zux%zu in %zu pieces: %s differs", f->name, rows, dim, pieces, api_out(f, k)->name);
        free(whole[k]);
    }
    compared += (long)n;
    api_case_free(c);
}

static dk_schedule *sched;

static void check_partitions(void)
{
    for (int rep = 0; rep < 200; rep++) {
        const size_t n = rep % 4 ? rand_below(40 * (size_t)target->info->width) : rand_below(3000);
        check_kernel_partition(n, random_noise(rep, n));
    }
    for (size_t i = 0; i < api_spec_count; i++)
        if (api_role_of(&api_specs[i], ROLE_NOISE) && dk_checkasm_wants(api_specs[i].name))
            for (int rep = 0; rep < 40; rep++)
                check_function_partition(&api_specs[i], sched, 1 + rand_below(24),
                                         1 + rand_below(rep % 2 ? 8 : 70));
}

/* ---- generated noise in registers == dk_randn then the twin ---- */

/* f's arguments with the noise as input twin_in of its twin: the twin's
 * inputs are f's with the noise inserted there, its outputs f's without the
 * noise output. */
static api_args twin_args(const api_spec *f, const api_args *g, const float *noise, float *const *twin_out)
{
    api_args t = *g;
    for (int i = 0, from = 0; i < api_inputs(f) + 1; i++)
        t.in[i] = i == f->twin_in ? noise : g->in[from++];
    for (int k = 0, to = 0; k < api_outputs(f); k++)
        if (api_out(f, k)->kind != ROLE_NOISE_OUT)
            t.out[to++] = twin_out[k];
    return t;
}

static void check_twin(const api_spec *f, const dk_schedule *s, size_t rows, size_t dim, int in_place)
{
    const api_spec *twin = api_by_name(f->twin);
    dk_check(twin != NULL, "%s: its twin %s is not in api_list.h", f->name, f->twin);
    if (!twin)
        return;
    api_case *c = api_case_new(f, s, rows, dim);
    const size_t n = c->g.n;
    c->g.noise = random_noise((int)rand_below(8), n);
    if (rows > 1 && c->t) { /* a row at the smallest t (t = 1: no noise in p_step) and one above */
        c->t[0] = (int32_t)(api_t_min(f) > 0 ? api_t_min(f) : 1);
        c->t[rows - 1] = 2 + (int32_t)rand_below(100);
        api_case_fix_t_prev(c);
    }
    float *noise = xmalloc(n * sizeof(float)), *twin_out[API_MAX_OUT];
    for (int k = 0; k < api_outputs(f); k++)
        twin_out[k] = xmalloc(api_out_len(f, k, &c->g) * sizeof(float));
    ok(dk_randn(c->g.noise, noise, n), "dk_randn");
    for (int o = 0; o < api_opts_count(f); o++) {
        api_case_set_opts(c, o);
        const api_args t = twin_args(f, &c->g, noise, twin_out);
        ok(twin->call(&t), twin->name);
        if (in_place) { /* output 0 replaces input 0 */
            memcpy(c->out[0], c->in[0], n * sizeof(float));
            c->g.in[0] = c->out[0];
        }
        ok(api_case_call(c), f->name);
        c->g.in[0] = c->in[0];
        for (int k = 0, tk = 0; k < api_outputs(f); k++) {
            const int noise_out = api_out(f, k)->kind == ROLE_NOISE_OUT;
            const float *want = noise_out ? noise : twin_out[tk++];
            const size_t len = api_out_len(f, k, &c->g);
            dk_check(dk_first_diff(c->out[k], want, len) == len, "%s %zux%zu opts %d%s: %s differs from %s",
                     f->name, rows, dim, o, in_place ? " in place" : "", api_out(f, k)->name,
                     noise_out ? "dk_randn" : twin->name);
        }
        compared += (long)n;
    }
    for (int k = 0; k < api_outputs(f); k++)
        free(twin_out[k]);
    free(noise);
    api_case_free(c);
}

static void check_twins(void)
{
    static const size_t shapes[][2] = {{1, 1},    {3, 5},  {7, 33}, {17, 16},
                                       {2, 1000}, {12, 3}, {5, 67}, {2, 2500}};
    for (size_t i = 0; i < api_spec_count; i++) {
        const api_spec *f = &api_specs[i];
        if (!f->twin || !dk_checkasm_wants(f->name))
            continue;
        for (int rep = 0; rep < 3; rep++)
            for (size_t j = 0; j < sizeof shapes / sizeof shapes[0]; j++)
                check_twin(f, sched, shapes[j][0], shapes[j][1], (int)((rep + j) % 2));
    }
}

/* ---- driver ---- */

/* Runs one group of checks and prints its count and CPU time. */
static void group(const char *what, const char *kernel, void (*check)(void))
{
    if (kernel && !dk_checkasm_wants(kernel))
        return;
    const long before = compared;
    const clock_t start = clock();
    check();
    printf("  %-34s %9ld values  %.2f s\n", what, compared - before,
           (double)(clock() - start) / CLOCKS_PER_SEC);
}

/* ---- the inline SLEEF functions against libsleef ---- */

#define DK_BUILT(name) size_t dk_sleef_check_##name(int, uint32_t, uint32_t, uint32_t, uint32_t *);
DK_BUILT_VARIANTS
#undef DK_BUILT

static dk_sleef_check_fn sleef_check_of(dk_variant v)
{
#define DK_BUILT(name)                                                                                       \
    if (v == DK_VARIANT_##name)                                                                              \
        return dk_sleef_check_##name;
    DK_BUILT_VARIANTS
#undef DK_BUILT
    return NULL;
}

static void check_inline_sleef(void)
{
    const dk_sleef_check_fn check = sleef_check_of(target->v);
    dk_check(check != NULL, "no sleef_check of this build");
    if (!check)
        return;
    /* every input natively; a stride (odd, so every residue class of the
     * low bits comes up) from a random start under DK_TEST_SCALE < 1 */
    const uint32_t step = dk_test_scale() >= 1.0 ? 1 : 257;
    static const struct {
        int which;
        const char *name;
        uint32_t first, last;
    } domains[] = {{DK_CHECK_LOGF, "logf", 0x2f800000u, 0x3f800000u},     /* 2^-32 .. 1 */
                   {DK_CHECK_SINCOSPIF, "sincospif", 0, (1u << 24) - 1}}; /* k 2^-23 in [0, 2) */
    for (size_t d = 0; d < sizeof domains / sizeof domains[0]; d++) {
        const uint32_t first = domains[d].first + (step > 1 ? (uint32_t)rand_below(step) : 0);
        uint32_t bad_at = 0;
        const size_t bad = check(domains[d].which, first, domains[d].last, step, &bad_at);
        const size_t values = (domains[d].last - first) / step + 1;
        compared += (long)values;
        dk_check(bad == 0, "%s: inline %s differs from libsleef's on %zu of %zu inputs (first: index %#x)",
                 target->name, domains[d].name, bad, values, bad_at);
    }
}

static void run(const dk_target *t)
{
    target = t;
    if (dk_schedule_create(&sched, DK_BETA_LINEAR, 1000, 1e-4, 0.02) != DK_OK)
        abort();
    group("philox known answers", "philox", check_philox_known_answers);
    group("philox words vs noise_ref", "philox", check_philox_words);
#ifdef DK_HAVE_RANDOM123
    group("philox vs Random123", "philox", check_philox_random123);
#else
    printf("  (no Random123/philox.h: that comparison is skipped)\n");
#endif
    group("randn vs noise_ref", "randn", check_randn_reference);
    group("partition invariance", NULL, check_partitions);
    group("generated == dk_randn + twin", NULL, check_twins);
    group("inline logf, sincospif vs libsleef", NULL, check_inline_sleef);
    dk_schedule_destroy(sched);
}

int main(int argc, char **argv) { return dk_checkasm_main(argc, argv, "test_noise", run); }
