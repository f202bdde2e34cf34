/* libFuzzer target: every function of api_list.h on every kernel build this
 * CPU runs, from one input: the function, the shape, per-row timesteps, the
 * misalignment of the arrays, the noise (seed, stream and an offset near
 * 2^64 or at the carry of the block counter), the options and the data.
 * - Every build gives the bits of its family's scalar reference (NaN as
 *   NaN: doc/numerics.md), and every call a valid input makes succeeds.
 * - A function with noise gives the same bits split in two at any row (or
 *   element), each part's noise offset at its first element.
 * - A generate-and-use function (TWIN in api_list.h) gives the bits of
 *   dk_randn followed by its twin.
 * A failure prints what differed and traps, so libFuzzer keeps the input.
 *
 * Build: meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined
 *        -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link (CC=clang)
 * Run:   build-fuzz/tests/fuzz_api -max_total_time=600 corpus/ tests/fuzz_corpus/
 * (scripts/test runs it for a short, fixed time on a copy of the corpus.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "dispatch.h"
#include "harness.h"

/* ---- reading the input ---- */

typedef struct reader {
    const uint8_t *p;
    size_t left;
    uint64_t fill; /* an LCG for the data past the end of the input */
} reader;

static uint64_t take(reader *r, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
        uint8_t b;
        if (r->left) {
            b = *r->p++;
            r->left--;
        } else {
            r->fill = r->fill * 6364136223846793005ull + 1442695040888963407ull;
            b = (uint8_t)(r->fill >> 56);
        }
        v = v << 8 | b;
    }
    return v;
}

/* A float from 4 bytes: any bits (NaN, Inf, subnormal) a quarter of the
 * time, else a plain value of moderate size. */
static float take_float(reader *r)
{
    const uint32_t u = (uint32_t)take(r, 4);
    if ((u & 3) == 0) {
        float f;
        memcpy(&f, &u, sizeof f);
        return f;
    }
    return (float)((int32_t)u >> 2) * 0x1p-28f;
}

/* ---- the call ---- */

#define MAX_ROWS 16
#define MAX_DIM  80
#define MAX_N    (MAX_ROWS * MAX_DIM)

#define SCHEDULES 5
static dk_schedule *schedules[SCHEDULES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const double betas[1] = {0.3};
    if (dk_schedule_create(&schedules[0], DK_BETA_LINEAR, 1000, 1e-4, 0.02) != DK_OK ||
        dk_schedule_create(&schedules[1], DK_BETA_COSINE, 50, 0, 0) != DK_OK ||
        dk_schedule_create(&schedules[2], DK_BETA_SIGMOID, 10, 1e-4, 0.2) != DK_OK ||
        dk_schedule_from_betas(&schedules[3], betas, 1) != DK_OK ||
        dk_schedule_rescale_zero_snr(&schedules[4], schedules[1]) != DK_OK) /* alpha_bar_T = 0 */
        abort();
    return 0;
}

typedef struct fuzz_call {
    const api_spec *f;
    api_args g; /* g.out[k] is NULL for an optional output left out, else a placeholder */
    int32_t t[MAX_ROWS], t_prev[MAX_ROWS];
    dk_step_opts opts;
    dk_loss_opts loss_opts;
    float *uncond_buf;
    size_t mis;   /* every array starts this many floats into its allocation */
    int in_place; /* output 0 replaces input 0 */
    float *in_buf[API_MAX_IN];
} fuzz_call;

/* Output arrays of one run: exactly mis + n floats each, so that
 * AddressSanitizer sees any write past the end. */
typedef struct outs {
    float *buf[API_MAX_OUT];
    float *p[API_MAX_OUT];
} outs;

static outs outs_new(const fuzz_call *c)
{
    outs o = {{0}, {0}};
    for (int k = 0; k < api_outputs(c->f); k++) { /* doubles stay aligned: 2 mis floats */
        const size_t mis = api_out(c->f, k)->kind == ROLE_ROW_NATS ? 2 * c->mis : c->mis;
        if (!(o.buf[k] = malloc((mis + api_out_len(c->f, k, &c->g)) * sizeof(float) + 1)))
            abort();
        o.p[k] = o.buf[k] + mis;
    }
    return o;
}

static void outs_free(outs *o)
{
    for (int k = 0; k < API_MAX_OUT; k++)
        free(o->buf[k]);
}

static void fail(const fuzz_call *c, const char *what, int k, size_t i)
{
    fprintf(stderr, "fuzz_api: %s: %s, output %d element %zu (rows %zu dim %zu, noise %#llx %#llx %#llx)\n",
            c->f->name, what, k, i, c->g.rows, c->g.dim, (unsigned long long)c->g.noise.seed,
            (unsigned long long)c->g.noise.stream, (unsigned long long)c->g.noise.offset);
    __builtin_trap();
}

static void read_call(reader *r, fuzz_call *c)
{
    memset(c, 0, sizeof *c);
    c->f = &api_specs[take(r, 1) % api_spec_count];
    const api_spec *f = c->f;
    const dk_schedule *s = schedules[take(r, 1) % SCHEDULES];
    const int32_t T = dk_schedule_steps(s), lo = (int32_t)api_t_min(f);
    if (api_is_flat(f)) {
        c->g.rows = 1;
        c->g.dim = c->g.n = take(r, 2) % (MAX_N + 1);
    } else {
        c->g.s = s;
        c->g.rows = 1 + take(r, 1) % MAX_ROWS;
        c->g.dim = take(r, 1) % (MAX_DIM + 1);
        c->g.n = c->g.rows * c->g.dim;
        for (size_t i = 0; i < c->g.rows; i++) { /* runs of equal t come from repeated bytes */
            c->t[i] = lo + (int32_t)(take(r, 2) % (uint64_t)(T - lo + 1));
            const uint64_t p = take(r, 2); /* t_prev: 0, t, t - 1 or anything below */
            c->t_prev[i] = p % 4 == 0   ? 0
                           : p % 4 == 1 ? c->t[i]
                           : p % 4 == 2 ? c->t[i] - 1
                                        : (int32_t)(p / 4 % (uint64_t)(c->t[i] + 1));
            if (c->t_prev[i] < 0)
                c->t_prev[i] = 0;
        }
        c->g.t = c->t;
        c->g.t_prev = api_role_of(f, ROLE_TPREV) ? c->t_prev : NULL;
    }
    const size_t n = c->g.n, mis = take(r, 1) % 4;
    c->g.noise.seed = take(r, 8);
    c->g.noise.stream = take(r, 8);
    const uint64_t kind = take(r, 1) % 4, off = take(r, 8);
    c->g.noise.offset = kind == 0   ? off
                        : kind == 1 ? UINT64_MAX - n - off % 64                   /* up to index 2^64 - 1 */
                        : kind == 2 ? ((off >> 40 | 1) << 34) - 1 - off % (n + 9) /* the high word's carry */
                                    : off % 64;
    if (kind == 0 && n > UINT64_MAX - c->g.noise.offset)
        c->g.noise.offset = UINT64_MAX - n;
    /* the options: prediction, variance, eta, recompute_eps, a clamp (none,
     * clip or thresholding; none for the SDE/ODE) and guidance */
    const uint64_t o = take(r, 4);
    const api_role *opts = api_opts_role(f);
    c->opts = (dk_step_opts){.prediction = (dk_prediction)(o % DK_PRED_COUNT),
                             .variance = (dk_variance)(o / 4 % DK_VAR_COUNT)};
    c->opts.eta = (float)(o / 8 % 5) * 0.25f;
    c->opts.recompute_eps = (int)(o / 40 % 2);
    const int clamp = !opts                          ? 0
                      : opts->kind == ROLE_OPTS      ? (int)(o / 80 % 3)
                      : opts->kind == ROLE_OPTS_MEAN ? (int)(o / 80 % 2) /* no thresholding */
                                                     : 0;
    if (clamp == 1)
        c->opts.clip = (float)(1 + o / 240 % 8) * 0.25f;
    if (clamp == 2) {
        c->opts.threshold_ratio = (float)(o / 240 % 100) * 0.01f;
        c->opts.threshold_max = 1.0f + (float)(o / 24000 % 8) * 0.5f;
        if (c->opts.threshold_ratio == 0.0f)
            c->opts.threshold_ratio = 0.5f;
    }
    if (opts && o / 192000 % 2) { /* guidance: uncond from the input too */
        if (!(c->uncond_buf = malloc((mis + n) * sizeof(float) + 1)))
            abort();
        for (size_t j = 0; j < n; j++)
            c->uncond_buf[mis + j] = take_float(r);
        c->opts.uncond = c->uncond_buf + mis;
        c->opts.guidance_scale = (float)(o / 384000 % 16) * 0.5f;
    }
    c->g.opts = opts ? &c->opts : NULL;
    /* a loss: any prediction and weighting, gamma 0.5 .. 5, P2's k 0 .. 1.5 */
    c->loss_opts = (dk_loss_opts){(dk_prediction)(o % DK_PRED_COUNT), (dk_weighting)(o / 4 % DK_WEIGHT_COUNT),
                                  0.5f + (float)(o / 12 % 10) * 0.5f, (float)(o / 120 % 4) * 0.5f};
    c->g.loss_opts = api_role_of(f, ROLE_LOSS_OPTS) ? &c->loss_opts : NULL;
    c->g.dec = (dk_decoder)(o / 768000 % DK_DECODER_COUNT);
    for (int i = 0; i < api_inputs(f); i++) {
        if (!(c->in_buf[i] = malloc((mis + n) * sizeof(float) + 1)))
            abort();
        float *p = c->in_buf[i] + mis;
        for (size_t j = 0; j < n; j++)
            p[j] = take_float(r);
        if (api_in(f, i)->kind == ROLE_IN_UNIT) /* the discretized decoder's data: [-1, 1] */
            for (size_t j = 0; j < n; j++)
                p[j] = p[j] >= -1.0f && p[j] <= 1.0f ? p[j] : p[j] > 1.0f ? 1.0f : -1.0f;
        c->g.in[i] = p;
        if (api_in(f, i)->kind == ROLE_IN_OPT && take(r, 1) % 4 == 0)
            c->g.in[i] = NULL;
    }
    static float placeholder;
    int given = 0;
    for (int k = 0; k < api_outputs(f); k++) {
        c->g.out[k] = api_out_optional(f, k) && take(r, 1) % 4 == 0 ? NULL : &placeholder;
        given |= c->g.out[k] != NULL;
    }
    if (api_needs_an_out(f) && !given)
        c->g.out[0] = &placeholder;
    c->mis = mis;
    c->in_place = api_inputs(f) > 0 && c->g.in[0] && !api_out_per_row(f, 0) && take(r, 1) % 4 == 0;
}

static void free_call(fuzz_call *c)
{
    for (int i = 0; i < API_MAX_IN; i++)
        free(c->in_buf[i]);
    free(c->uncond_buf);
}

/* Runs c on build v into out (its optional outputs left out as in c). A
 * valid input can only be refused for a step from alpha_bar = 0 that cannot
 * be taken there: the status every build must give is *status. */
static void run_on(const fuzz_call *c, dk_variant v, const outs *out, dk_status *status)
{
    api_args g = c->g;
    for (int k = 0; k < api_outputs(c->f); k++)
        g.out[k] = c->g.out[k] ? out->p[k] : NULL;
    if (c->in_place) {
        memcpy(out->p[0], c->g.in[0], c->g.n * sizeof(float));
        g.in[0] = out->p[0];
    }
    if (dk_variant_select(v) != DK_OK)
        abort();
    const dk_status st = c->f->call(&g);
    if ((st != DK_OK && st != DK_ERR_ZERO_SNR) || (*status != (dk_status)-1 && st != *status))
        fail(c, dk_status_str(st), -1, 0);
    *status = st;
}

/* split: the call was split in parts, which changes the outputs that are
 * not split-invariant (a gradient of a mean over rows): those are left out. */
static void compare(const fuzz_call *c, const outs *got_o, const outs *want_o, const char *what, int split)
{
    float *const *got = got_o->p, *const *want = want_o->p;
    for (int k = 0; k < api_outputs(c->f); k++) {
        if (!c->g.out[k] || (split && !api_out_split_invariant(c->f, k)))
            continue;
        const size_t len = api_out_values(c->f, k, &c->g),
                     d = api_out_first_diff(c->f, k, &c->g, got[k], want[k]);
        if (d != len)
            fail(c, what, k, d);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, size, size};
    fuzz_call c;
    read_call(&r, &c);
    const api_spec *f = c.f;
    const size_t n = c.g.n;

    /* 1. every build against its family's reference */
    outs ref[2] = {outs_new(&c), outs_new(&c)}, got = outs_new(&c);
    int have_ref[2] = {0, 0};
    dk_status status = (dk_status)-1;
    for (int fam = 0; fam <= 1; fam++) {
        const dk_variant refv = fam ? DK_VARIANT_scalar_fma : DK_VARIANT_scalar_plain;
        if (dk_variant_runs(refv)) {
            run_on(&c, refv, &ref[fam], &status);
            have_ref[fam] = 1;
        }
    }
    for (int v = 0; v < DK_VARIANT_COUNT; v++) {
        const int fam = dk_variant_get((dk_variant)v)->fused;
        if (!dk_variant_runs((dk_variant)v) || !have_ref[fam])
            continue;
        run_on(&c, (dk_variant)v, &got, &status);
        if (status == DK_OK)
            compare(&c, &got, &ref[fam], dk_variant_get((dk_variant)v)->name, 0);
    }
    if (status != DK_OK) { /* refused alike by every build: nothing more to compare */
        outs_free(&ref[0]);
        outs_free(&ref[1]);
        outs_free(&got);
        free_call(&c);
        return 0;
    }
    const dk_variant best = dk_variant_of_isa(dk_isa_active());
    const outs *whole = &ref[dk_variant_get(best)->fused];

    /* 2. split in two, each part's noise from its first element */
    if (api_role_of(f, ROLE_NOISE) && n > 0) {
        const size_t units = api_is_flat(f) ? n : c.g.rows;
        const size_t cut = (size_t)(take(&r, 2) % (units + 1));
        if (c.in_place)
            memcpy(got.p[0], c.g.in[0], n * sizeof(float));
        for (int part = 0; part < 2; part++) {
            const size_t first = part ? cut : 0, count = part ? units - cut : cut;
            dk_step_opts part_opts;
            api_args g = api_args_part(f, &c.g, first, count, got.p, &part_opts);
            if (c.in_place) /* output 0's buffer, even where output 0 itself is left out */
                g.in[0] = got.p[0] + (api_is_flat(f) ? first : first * c.g.dim);
            if (dk_variant_select(best) != DK_OK || f->call(&g) != DK_OK)
                fail(&c, "a part of the split failed", -1, 0);
        }
        compare(&c, &got, whole, "split in two", 1);
    }

    /* 3. generated == dk_randn then the twin */
    const api_spec *twin = api_by_name(f->twin);
    if (twin && n > 0) {
        float *noise = malloc(n * sizeof(float));
        if (!noise || dk_variant_select(best) != DK_OK || dk_randn(c.g.noise, noise, n) != DK_OK)
            fail(&c, "dk_randn failed", -1, 0);
        api_args g = c.g;
        for (int i = 0, from = 0; i < api_inputs(f) + 1; i++)
            g.in[i] = i == f->twin_in ? noise : c.g.in[from++];
        for (int k = 0, to = 0; k < api_outputs(f); k++)
            if (api_out(f, k)->kind != ROLE_NOISE_OUT)
                g.out[to++] = got.p[k];
        if (twin->call(&g) != DK_OK)
            fail(&c, "the twin failed", -1, 0);
        for (int k = 0; k < api_outputs(f); k++) {
            if (!c.g.out[k])
                continue;
            const int noise_out = api_out(f, k)->kind == ROLE_NOISE_OUT;
            const float *want = noise_out ? noise : got.p[k];
            const size_t len = api_out_len(f, k, &c.g), d = dk_first_diff(whole->p[k], want, len);
            if (d != len)
                fail(&c, noise_out ? "noise output differs from dk_randn" : "differs from dk_randn + twin", k,
                     d);
        }
        free(noise);
    }
    outs_free(&ref[0]);
    outs_free(&ref[1]);
    outs_free(&got);
    free_call(&c);
    return 0;
}
