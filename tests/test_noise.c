/* The noise of one kernel build against the spec, bit for bit:
 * - the raw Philox words against the published known answers, the test's
 *   own plain Philox (noise_ref.c) and, where installed, Random123's;
 * - the normals against noise_ref of the build's family;
 * - partition invariance: any split of a range, through the kernel and the
 *   public API, gives the bits of one call;
 * - the fused generate-and-mix calls against dk_randn followed by the
 *   kernels that read their noise.
 * Sizes are kept small enough for qemu-user (the aarch64 leg).
 *
 * usage: test_noise <variant>   (scalar_plain, scalar_fma, sse41, avx2, avx512, neon)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dispatch.h"
#include "harness.h"
#include "noise_ref.h"

#ifdef DK_HAVE_RANDOM123
#include <Random123/philox.h>
#endif

static dk_variant variant;
static const dk_kernels *kern;
static int width, fused;
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

static size_t first_word_diff(const uint32_t *a, const uint32_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return i;
    return n;
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

/* The kernel's counter is (first_block lo, hi, stream lo, hi), its key the seed. */
static void check_philox_known_answers(void)
{
    for (size_t i = 0; i < sizeof kats / sizeof kats[0]; i++) {
        const philox_kat *t = &kats[i];
        uint32_t got[4], ref[4];
        kern->philox(1, join(t->key[0], t->key[1]), join(t->ctr[2], t->ctr[3]), join(t->ctr[0], t->ctr[1]),
                     got);
        noise_ref_philox(t->ctr, t->key, ref);
        compared += 8;
        dk_check(first_word_diff(ref, t->out, 4) == 4,
                 "noise_ref Philox known answer %zu: %08x %08x %08x %08x", i, ref[0], ref[1], ref[2], ref[3]);
        dk_check(first_word_diff(got, t->out, 4) == 4, "philox known answer %zu: %08x %08x %08x %08x", i,
                 got[0], got[1], got[2], got[3]);
    }
}

/* A first block such that nblocks from it cross the multiple of 2^32 (or
 * 2^64, for edge 0) at a random place, or just reach it. */
static uint64_t block_near(uint64_t edge, size_t nblocks) { return edge - 1 - rand_below(nblocks + 2); }

static void check_philox_run(size_t nblocks, uint64_t first, int flush_end)
{
    const uint64_t seed = dk_rand_u64(), stream = dk_rand_u64();
    dk_guarded g = dk_guarded_alloc(4 * nblocks, flush_end); /* words are float-sized */
    uint32_t *got = (uint32_t *)(void *)g.p, *ref = xmalloc(4 * nblocks * sizeof *ref);
    kern->philox(nblocks, seed, stream, first, got);
    for (size_t b = 0; b < nblocks; b++)
        noise_ref_block_words(seed, stream, first + b, ref + 4 * b); /* wraps modulo 2^64 */
    const size_t d = first_word_diff(got, ref, 4 * nblocks);
    dk_check(d == 4 * nblocks, "philox nblocks=%zu first=%#llx: word %zu is %08x, reference %08x", nblocks,
             (unsigned long long)first, d, d < 4 * nblocks ? got[d] : 0, d < 4 * nblocks ? ref[d] : 0);
    compared += (long)(4 * nblocks);
    free(ref);
    dk_guarded_free(&g);
}

/* Every count up to three vector widths and a few, from random blocks and
 * across the carries of the 64-bit block counter. */
static void check_philox_blocks(void)
{
    for (size_t nblocks = 0; nblocks <= 3 * (size_t)width + 5; nblocks++) {
        const int flush_end = (int)(nblocks % 2);
        check_philox_run(nblocks, dk_rand_u64(), flush_end);
        check_philox_run(nblocks, block_near(1ull << 32, nblocks), !flush_end);
        check_philox_run(nblocks, block_near((dk_rand_u64() | 1) << 32, nblocks), flush_end);
        check_philox_run(nblocks, block_near(0, nblocks), !flush_end); /* 2^64 */
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
        const uint64_t first = rep % 4 ? dk_rand_u64() : block_near(rep % 8 ? 1ull << 32 : 0, MAX_BLOCKS);
        const size_t nblocks = 1 + rand_below(rep % 2 ? MAX_BLOCKS : 4);
        kern->philox(nblocks, seed, stream, first, got);
        for (size_t b = 0; b < nblocks; b++, blocks++) {
            const uint64_t block = first + b;
            const philox4x32_ctr_t ctr = {
                {(uint32_t)block, (uint32_t)(block >> 32), (uint32_t)stream, (uint32_t)(stream >> 32)}};
            const philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
            const philox4x32_ctr_t want = philox4x32(ctr, key);
            dk_check(first_word_diff(got + 4 * b, want.v, 4) == 4,
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
    kern->randn(n, &z, g.p);
    noise_ref_randn(fused, z.seed, z.stream, z.offset, ref, n);
    const size_t d = dk_first_diff(g.p, ref, n);
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
    const size_t max_n = 24 * (size_t)width + 5;
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

static void check_randn_partition(size_t n, dk_noise z)
{
    float *whole = xmalloc(n * sizeof(float)), *parts = xmalloc(n * sizeof(float)),
          *api = xmalloc(n * sizeof(float));
    size_t cuts[MAX_PIECES + 1];
    const size_t pieces = random_cuts(n, cuts, MAX_PIECES);
    kern->randn(n, &z, whole);
    for (size_t p = 0; p < pieces; p++) {
        const dk_noise zp = {z.seed, z.stream, z.offset + cuts[p]};
        kern->randn(cuts[p + 1] - cuts[p], &zp, parts + cuts[p]);
        ok(dk_randn(zp, api + cuts[p], cuts[p + 1] - cuts[p]), "dk_randn piece");
    }
    dk_check(dk_first_diff(parts, whole, n) == n, "randn n=%zu offset %#llx in %zu pieces differs", n,
             (unsigned long long)z.offset, pieces);
    dk_check(dk_first_diff(api, whole, n) == n, "dk_randn n=%zu offset %#llx in %zu pieces differs", n,
             (unsigned long long)z.offset, pieces);
    compared += 2 * (long)n;
    free(whole), free(parts), free(api);
}

/* A schedule's timesteps in runs of equal t (rows share a kernel call then),
 * with lo, 1 and T frequent. */
static void random_timesteps(int32_t *t, size_t rows, int32_t lo, int32_t T)
{
    for (size_t r = 0; r < rows;) {
        const size_t pick = rand_below(5), run = 1 + rand_below(3);
        const int32_t v = pick == 0   ? lo
                          : pick == 1 ? 1
                          : pick == 2 ? T
                                      : lo + (int32_t)rand_below((size_t)(T - lo) + 1);
        for (size_t i = 0; i < run && r < rows; i++)
            t[r++] = v;
    }
}

/* The arrays of one rows x dim case. */
typedef struct rows_case {
    size_t rows, dim, n;
    int32_t *t;
    float *x, *m, *a, *b, *c, *d; /* inputs x, m; outputs a..d */
} rows_case;

static rows_case rows_case_new(size_t rows, size_t dim, int32_t t_lo, int32_t T)
{
    rows_case rc = {.rows = rows, .dim = dim, .n = rows * dim, .t = xmalloc(rows * sizeof(int32_t))};
    float **arrays[] = {&rc.x, &rc.m, &rc.a, &rc.b, &rc.c, &rc.d};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        *arrays[i] = xmalloc(rc.n * sizeof(float));
    random_timesteps(rc.t, rows, t_lo, T);
    dk_rand_fill(rc.x, rc.n, 2.0);
    dk_rand_fill(rc.m, rc.n, 1.0);
    return rc;
}

static void rows_case_free(rows_case *rc)
{
    free(rc->t), free(rc->x), free(rc->m), free(rc->a), free(rc->b), free(rc->c), free(rc->d);
}

static dk_noise noise_from(dk_noise z, size_t at)
{
    z.offset += at;
    return z;
}

/* The row kernels split by rows: row r0's noise starts at offset + r0 * dim. */
static void check_rows_partition(const dk_schedule *s, size_t rows, size_t dim)
{
    const int32_t T = dk_schedule_steps(s);
    rows_case q = rows_case_new(rows, dim, 0, T);
    const dk_noise z = random_noise((int)rand_below(8), q.n);
    size_t cuts[MAX_PIECES + 1];
    const size_t pieces = random_cuts(rows, cuts, MAX_PIECES);

    ok(dk_q_sample_randn(s, q.t, rows, dim, q.x, z, q.a, q.b), "dk_q_sample_randn");
    for (size_t p = 0; p < pieces; p++) {
        const size_t r0 = cuts[p], at = r0 * dim;
        ok(dk_q_sample_randn(s, q.t + r0, cuts[p + 1] - r0, dim, q.x + at, noise_from(z, at), q.c + at,
                             q.d + at),
           "dk_q_sample_randn");
    }
    dk_check(dk_first_diff(q.c, q.a, q.n) == q.n && dk_first_diff(q.d, q.b, q.n) == q.n,
             "dk_q_sample_randn %zux%zu in %zu pieces of rows differs", rows, dim, pieces);
    rows_case_free(&q);

    rows_case p = rows_case_new(rows, dim, 1, T);
    const dk_step_opts o = {(dk_prediction)rand_below(3), (dk_variance)rand_below(2),
                            rand_below(2) ? 1.0f : 0.0f};
    ok(dk_p_step_randn(s, p.t, rows, dim, p.x, p.m, z, &o, p.a), "dk_p_step_randn");
    for (size_t i = 0; i < pieces; i++) {
        const size_t r0 = cuts[i], at = r0 * dim;
        ok(dk_p_step_randn(s, p.t + r0, cuts[i + 1] - r0, dim, p.x + at, p.m + at, noise_from(z, at), &o,
                           p.c + at),
           "dk_p_step_randn");
    }
    dk_check(dk_first_diff(p.c, p.a, p.n) == p.n,
             "dk_p_step_randn %zux%zu pred=%d var=%d clip=%g in %zu pieces differs", rows, dim, o.prediction,
             o.variance, (double)o.clip, pieces);
    compared += 3 * (long)q.n;
    rows_case_free(&p);
}

static void check_partitions(const dk_schedule *s)
{
    for (int rep = 0; rep < 200; rep++) {
        const size_t n = rep % 4 ? rand_below(40 * (size_t)width) : rand_below(3000);
        check_randn_partition(n, random_noise(rep, n));
    }
    for (int rep = 0; rep < 40; rep++)
        check_rows_partition(s, 1 + rand_below(24), 1 + rand_below(rep % 2 ? 8 : 70));
}

/* ---- generated noise in registers == dk_randn then the plain kernel ---- */

static void check_q_sample_fused(const dk_schedule *s, size_t rows, size_t dim)
{
    rows_case q = rows_case_new(rows, dim, 0, dk_schedule_steps(s));
    const size_t n = q.n;
    const dk_noise z = random_noise((int)rand_below(8), n);
    ok(dk_randn(z, q.a, n), "dk_randn");                              /* a: the noise */
    ok(dk_q_sample(s, q.t, rows, dim, q.x, q.a, q.b), "dk_q_sample"); /* b: the unfused result */
    ok(dk_q_sample_randn(s, q.t, rows, dim, q.x, z, q.c, q.d), "dk_q_sample_randn");
    dk_check(dk_first_diff(q.d, q.b, n) == n, "dk_q_sample_randn %zux%zu differs from dk_randn + dk_q_sample",
             rows, dim);
    dk_check(dk_first_diff(q.c, q.a, n) == n, "dk_q_sample_randn %zux%zu: eps_out differs from dk_randn",
             rows, dim);

    ok(dk_q_sample_randn(s, q.t, rows, dim, q.x, z, NULL, q.d), "dk_q_sample_randn");
    dk_check(dk_first_diff(q.d, q.b, n) == n, "dk_q_sample_randn %zux%zu eps_out NULL differs", rows, dim);

    memcpy(q.d, q.x, n * sizeof(float)); /* in place: xt == x0 */
    ok(dk_q_sample_randn(s, q.t, rows, dim, q.d, z, q.c, q.d), "dk_q_sample_randn");
    dk_check(dk_first_diff(q.d, q.b, n) == n && dk_first_diff(q.c, q.a, n) == n,
             "dk_q_sample_randn %zux%zu in place (xt == x0) differs", rows, dim);

    memcpy(q.c, q.x, n * sizeof(float)); /* the noise replaces x0: eps_out == x0 */
    ok(dk_q_sample_randn(s, q.t, rows, dim, q.c, z, q.c, q.d), "dk_q_sample_randn");
    dk_check(dk_first_diff(q.d, q.b, n) == n && dk_first_diff(q.c, q.a, n) == n,
             "dk_q_sample_randn %zux%zu with eps_out == x0 differs", rows, dim);
    compared += 6 * (long)n;
    rows_case_free(&q);
}

static void check_p_step_fused_opts(const dk_schedule *s, rows_case *p, dk_noise z, const dk_step_opts *o,
                                    int in_place)
{
    const size_t n = p->n;
    /* a holds dk_randn's noise; b gets the unfused result */
    ok(dk_p_step(s, p->t, p->rows, p->dim, p->x, p->m, p->a, o, p->b), "dk_p_step");
    const float *xt = p->x;
    if (in_place) {
        memcpy(p->c, p->x, n * sizeof(float));
        xt = p->c;
    }
    ok(dk_p_step_randn(s, p->t, p->rows, p->dim, xt, p->m, z, o, p->c), "dk_p_step_randn");
    dk_check(dk_first_diff(p->c, p->b, n) == n,
             "dk_p_step_randn %zux%zu pred=%d var=%d clip=%g%s differs from dk_randn + dk_p_step", p->rows,
             p->dim, o->prediction, o->variance, (double)o->clip, in_place ? " in place" : "");
    compared += (long)n;
}

static void check_p_step_fused(const dk_schedule *s, size_t rows, size_t dim)
{
    rows_case p = rows_case_new(rows, dim, 1, dk_schedule_steps(s));
    if (rows > 1) /* both kinds of row in every shape that has two */
        p.t[0] = 1, p.t[rows - 1] = 2 + (int32_t)rand_below(100);
    const dk_noise z = random_noise((int)rand_below(8), p.n);
    ok(dk_randn(z, p.a, p.n), "dk_randn");
    for (int pred = DK_PRED_EPSILON; pred <= DK_PRED_V; pred++)
        for (int var = DK_VAR_FIXED_SMALL; var <= DK_VAR_FIXED_LARGE; var++)
            for (int clipped = 0; clipped <= 1; clipped++) {
                const dk_step_opts o = {(dk_prediction)pred, (dk_variance)var, clipped ? 1.0f : 0.0f};
                check_p_step_fused_opts(s, &p, z, &o, (pred + var + clipped) % 2);
            }
    rows_case_free(&p);
}

static void check_fused_equals_unfused(const dk_schedule *s)
{
    static const size_t shapes[][2] = {{1, 1}, {3, 5}, {7, 33}, {17, 16}, {2, 1000}, {12, 3}, {5, 67}};
    for (int rep = 0; rep < 3; rep++)
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
            check_q_sample_fused(s, shapes[i][0], shapes[i][1]);
            check_p_step_fused(s, shapes[i][0], shapes[i][1]);
        }
}

/* ---- driver ---- */

static int find_variant(const char *name, dk_variant *v)
{
    for (int i = 0; i < DK_VARIANT_COUNT; i++)
        if (strcmp(name, dk_variant_get((dk_variant)i)->name) == 0) {
            *v = (dk_variant)i;
            return 1;
        }
    return 0;
}

/* Runs one group of checks and prints its count and CPU time. */
static void run(const char *what, void (*check)(void))
{
    const long before = compared;
    const clock_t start = clock();
    check();
    printf("  %-34s %9ld values  %.2f s\n", what, compared - before,
           (double)(clock() - start) / CLOCKS_PER_SEC);
}

static dk_schedule *sched;
static void check_partitions_all(void) { check_partitions(sched); }
static void check_fused_all(void) { check_fused_equals_unfused(sched); }

int main(int argc, char **argv)
{
    if (argc != 2 || !find_variant(argv[1], &variant)) {
        fprintf(stderr, "usage: %s <variant>\n", argv[0]);
        return 2;
    }
    char name[64];
    snprintf(name, sizeof name, "test_noise %s", argv[1]);
    const dk_variant_info *info = dk_variant_get(variant);
    if (!info->kernels)
        return dk_test_skip(name, "not built into this library");
    if (!dk_variant_runs(variant))
        return dk_test_skip(name, "this CPU lacks it");
    kern = info->kernels;
    width = info->width;
    fused = info->fused;
    if (fused && !dk_variant_runs(DK_VARIANT_SCALAR_FMA)) /* cannot happen on x86-64 or AArch64 */
        return dk_test_skip(name, "the fused reference (SLEEF purecfma) needs FMA");
    dk_test_seed();
    printf("%s: width %d, %s family\n", name, width, fused ? "fused" : "plain");
    if (dk_variant_select(variant) != DK_OK ||
        dk_schedule_create(&sched, DK_BETA_LINEAR, 1000, 1e-4, 0.02) != DK_OK)
        return 1;

    run("philox known answers", check_philox_known_answers);
    run("philox blocks vs noise_ref", check_philox_blocks);
#ifdef DK_HAVE_RANDOM123
    run("philox vs Random123", check_philox_random123);
#else
    printf("  (no Random123/philox.h: that comparison is skipped)\n");
#endif
    run("randn vs noise_ref", check_randn_reference);
    run("partition invariance", check_partitions_all);
    run("fused == dk_randn + kernel", check_fused_all);
    dk_schedule_destroy(sched);
    return dk_test_finish(name);
}
