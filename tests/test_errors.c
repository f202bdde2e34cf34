/* Bad input gets its own status and nothing is written. Every function of
 * api_list.h is checked from its roles: each required pointer NULL (and each
 * optional one NULL, which is fine), timesteps outside their domain, size
 * overflow, the noise index range, every bad option, every output partially
 * overlapping every other array (and exactly: fine for an input, refused for
 * another output; a row output overlaps nothing), t inside an output, zero
 * elements with NULL arrays, every output NULL where each is optional. Then
 * the schedule constructors, the ISA functions and the status strings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "diffkern.h"
#include "harness.h"

#define ROWS 4
#define DIM  3
#define N    (ROWS * DIM)
#define MARK 0x7fbadbadu /* a NaN no call writes */

/* Every array of a call lives in this arena, in slots of N floats with a
 * spare slot around each, so that an array can be moved to overlap another
 * without leaving the arena. */
#define SLOTS (2 * (API_MAX_IN + API_MAX_OUT) + 2)
static float arena[SLOTS * N];
static float *slot(int i) { return arena + (size_t)(2 * i + 1) * N; }

static void mark(float *p, size_t n)
{
    const uint32_t u = MARK;
    for (size_t i = 0; i < n; i++)
        memcpy(&p[i], &u, sizeof u);
}

static size_t marked(const float *p, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += dk_bits(p[i]) == MARK;
    return count;
}

/* The floats output k of f has in a good call. */
static size_t out_len(const api_spec *f, int k)
{
    const api_role_kind kind = api_out(f, k)->kind;
    return kind == ROLE_ROW_OUT_OPT ? ROWS : kind == ROLE_ROW_NATS ? 2 * ROWS : N;
}

/* A good call of f: its arrays in their own slots, valid data. */
typedef struct good_call {
    api_args g;
    int32_t t[ROWS], t_prev[ROWS];
    dk_step_opts opts;
    dk_loss_opts loss_opts;
} good_call;

/* The guidance input lives in the slot after the outputs'. */
#define UNCOND_SLOT (API_MAX_IN + API_MAX_OUT)

static void good_call_init(good_call *c, const api_spec *f, const dk_schedule *s)
{
    memset(c, 0, sizeof *c);
    const int32_t T = dk_schedule_steps(s), lo = (int32_t)api_t_min(f);
    const int32_t t[ROWS] = {lo, lo + 1, T, T}, t_prev[ROWS] = {0, lo, T - 1, T};
    memcpy(c->t, t, sizeof t);
    memcpy(c->t_prev, t_prev, sizeof t_prev);
    c->g.s = s;
    c->g.t = c->t;
    c->g.t_prev = api_role_of(f, ROLE_TPREV) ? c->t_prev : NULL;
    c->g.rows = api_is_flat(f) ? 1 : ROWS;
    c->g.dim = api_is_flat(f) ? N : DIM;
    c->g.n = N;
    for (int i = 0; i < api_inputs(f); i++) {
        c->g.in[i] = slot(i);
        dk_rand_fill(slot(i), N, 1.0);
    }
    for (int k = 0; k < api_outputs(f); k++)
        c->g.out[k] = slot(API_MAX_IN + k);
    c->g.noise = (dk_noise){1, 2, 3};
    c->opts = (dk_step_opts){.prediction = DK_PRED_EPSILON};
    c->g.opts = api_opts_role(f) ? &c->opts : NULL;
    c->loss_opts = (dk_loss_opts){.prediction = DK_PRED_V, .weighting = DK_WEIGHT_MIN_SNR, .gamma = 5.0f};
    c->g.loss_opts = api_role_of(f, ROLE_LOSS_OPTS) ? &c->loss_opts : NULL;
    dk_rand_fill(slot(UNCOND_SLOT), N, 1.0);
}

/* Calls f with g: the status must be want, and (for an error) no output
 * element written. */
static void expect(const api_spec *f, const api_args *g, dk_status want, const char *what)
{
    for (int k = 0; k < api_outputs(f); k++)
        if (g->out[k])
            mark(g->out[k], out_len(f, k));
    const dk_status got = f->call(g);
    dk_check(got == want, "%s, %s: got %d (%s), want %d (%s)", f->name, what, got, dk_status_str(got), want,
             dk_status_str(want));
    if (want == DK_OK)
        return;
    for (int k = 0; k < api_outputs(f); k++)
        if (g->out[k])
            dk_check(marked(g->out[k], out_len(f, k)) == out_len(f, k), "%s, %s: %s was written", f->name,
                     what, api_out(f, k)->name);
}

static void check_pointers(const api_spec *f, const good_call *good)
{
    char what[96];
    api_args g = good->g;
    expect(f, &g, DK_OK, "a good call");
    for (const api_role *r = f->roles; r->kind != ROLE_END; r++) {
        g = good->g;
        snprintf(what, sizeof what, "%s NULL", r->name);
        switch (r->kind) {
        case ROLE_SCHED:
            g.s = NULL;
            expect(f, &g, DK_ERR_NULL_POINTER, what);
            break;
        case ROLE_T:
            g.t = NULL;
            expect(f, &g, DK_ERR_NULL_POINTER, what);
            break;
        case ROLE_TPREV:
            g.t_prev = NULL;
            expect(f, &g, DK_ERR_NULL_POINTER, what);
            break;
        case ROLE_IN:
        case ROLE_IN_UNIT:
            g.in[r->index] = NULL;
            expect(f, &g, DK_ERR_NULL_POINTER, what);
            break;
        case ROLE_IN_OPT:
            g.in[r->index] = NULL;
            expect(f, &g, DK_OK, what);
            break;
        case ROLE_OUT:
        case ROLE_ROW_NATS:
            g.out[r->index] = NULL;
            expect(f, &g, DK_ERR_NULL_POINTER, what);
            break;
        case ROLE_OUT_OPT:
        case ROLE_NOISE_OUT:
        case ROLE_MEAN_OUT_OPT:
        case ROLE_ROW_OUT_OPT:
            g.out[r->index] = NULL;
            expect(f, &g, DK_OK, what);
            break;
        case ROLE_OPTS:
        case ROLE_OPTS_FLOW:
            g.opts = NULL;
            expect(f, &g, DK_OK, "opts NULL (the defaults)");
            break;
        case ROLE_LOSS_OPTS:
            g.loss_opts = NULL;
            expect(f, &g, DK_OK, "opts NULL (the defaults)");
            break;
        default:
            break;
        }
    }
    if (api_needs_an_out(f)) {
        g = good->g;
        for (int k = 0; k < api_outputs(f); k++)
            g.out[k] = NULL;
        expect(f, &g, DK_ERR_NULL_POINTER, "every output NULL");
    }
}

/* The decoder: not a dk_decoder; the discretized one's data outside
 * [-1, 1] in a row with t = 1 (row 0 of the good call; row 2 has t = T). */
static void check_decoder(const api_spec *f, const good_call *good)
{
    float *x0 = (float *)good->g.in[0];
    float keep[N];
    memcpy(keep, x0, sizeof keep);
    api_args g = good->g;
    for (int j = 0; j < N; j++)
        x0[j] = (float)j / N * 2.0f - 1.0f;
    g.dec = (dk_decoder)DK_DECODER_COUNT;
    expect(f, &g, DK_ERR_DECODER, "dec = DK_DECODER_COUNT");
    g.dec = (dk_decoder)-1;
    expect(f, &g, DK_ERR_DECODER, "dec = -1");
    g.dec = DK_DECODER_DISCRETE_8BIT;
    expect(f, &g, DK_OK, "discretized decoder, data in [-1, 1]");
    const float bad[] = {1.0001f, -1.5f, NAN, INFINITY};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        char what[80];
        x0[DIM - 1] = bad[b]; /* row 0, t = 1 */
        snprintf(what, sizeof what, "discretized decoder, x0 = %g at t = 1", bad[b]);
        expect(f, &g, DK_ERR_DECODER, what);
        x0[DIM - 1] = 0.0f;
        x0[2 * DIM] = bad[b]; /* row 2, t = T */
        snprintf(what, sizeof what, "discretized decoder, x0 = %g at t = T", bad[b]);
        expect(f, &g, DK_OK, what);
        x0[2 * DIM] = 0.0f;
    }
    g.dec = DK_DECODER_GAUSSIAN;
    x0[0] = 7.0f;
    expect(f, &g, DK_OK, "Gaussian decoder, x0 = 7");
    memcpy(x0, keep, sizeof keep);
}

/* Bad weighting parameters, each alone. */
static void check_loss_opts(const api_spec *f, const good_call *good)
{
    const struct {
        dk_loss_opts o;
        dk_status want;
        const char *what;
    } cases[] = {
        {{(dk_prediction)DK_PRED_COUNT, DK_WEIGHT_NONE, 0, 0},
         DK_ERR_PREDICTION,
         "prediction = DK_PRED_COUNT"},
        {{(dk_prediction)-1, DK_WEIGHT_NONE, 0, 0}, DK_ERR_PREDICTION, "prediction = -1"},
        {{DK_PRED_EPSILON, (dk_weighting)DK_WEIGHT_COUNT, 5, 1},
         DK_ERR_WEIGHTING,
         "weighting = DK_WEIGHT_COUNT"},
        {{DK_PRED_EPSILON, (dk_weighting)-1, 5, 1}, DK_ERR_WEIGHTING, "weighting = -1"},
        {{DK_PRED_EPSILON, DK_WEIGHT_MIN_SNR, 0, 0}, DK_ERR_WEIGHTING, "min-SNR gamma = 0"},
        {{DK_PRED_V, DK_WEIGHT_MIN_SNR, -5, 0}, DK_ERR_WEIGHTING, "min-SNR gamma < 0"},
        {{DK_PRED_V, DK_WEIGHT_MIN_SNR, NAN, 0}, DK_ERR_WEIGHTING, "min-SNR gamma NaN"},
        {{DK_PRED_V, DK_WEIGHT_MIN_SNR, INFINITY, 0}, DK_ERR_WEIGHTING, "min-SNR gamma Inf"},
        {{DK_PRED_SAMPLE, DK_WEIGHT_P2, 0, 1}, DK_ERR_WEIGHTING, "P2 gamma = 0"},
        {{DK_PRED_SAMPLE, DK_WEIGHT_P2, NAN, 1}, DK_ERR_WEIGHTING, "P2 gamma NaN"},
        {{DK_PRED_SAMPLE, DK_WEIGHT_P2, 1, -1}, DK_ERR_WEIGHTING, "P2 k < 0"},
        {{DK_PRED_SAMPLE, DK_WEIGHT_P2, 1, NAN}, DK_ERR_WEIGHTING, "P2 k NaN"},
        {{DK_PRED_SAMPLE, DK_WEIGHT_P2, 1, INFINITY}, DK_ERR_WEIGHTING, "P2 k Inf"},
        {{DK_PRED_SCORE, DK_WEIGHT_P2, 0.5f, 0}, DK_OK, "P2 k = 0 (alpha_bar > 0)"},
        {{DK_PRED_SCORE, DK_WEIGHT_NONE, NAN, -1}, DK_OK, "no weighting: gamma and k unread"},
        {{DK_PRED_EPSILON, DK_WEIGHT_MIN_SNR, 5, NAN}, DK_OK, "min-SNR: k unread"},
    };
    for (size_t b = 0; b < sizeof cases / sizeof cases[0]; b++) {
        api_args g = good->g;
        g.loss_opts = &cases[b].o;
        expect(f, &g, cases[b].want, cases[b].what);
    }
}

static void check_values(const api_spec *f, const good_call *good)
{
    api_args g = good->g;
    const int32_t T = dk_schedule_steps(good->g.s), lo = (int32_t)api_t_min(f);
    if (api_role_of(f, ROLE_T)) {
        const int32_t bad[] = {lo - 1, T + 1, INT32_MIN, INT32_MAX};
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            int32_t t[ROWS];
            memcpy(t, good->t, sizeof t);
            t[b % ROWS] = bad[b];
            g.t = t;
            char what[64];
            snprintf(what, sizeof what, "t[%zu] = %d", b % ROWS, (int)bad[b]);
            expect(f, &g, DK_ERR_TIMESTEP, what);
        }
        g = good->g;
        /* zero elements: nothing is read, but every t is still checked */
        api_args empty = {.s = g.s,
                          .t = good->t,
                          .t_prev = g.t_prev,
                          .rows = ROWS,
                          .dim = 0,
                          .opts = g.opts,
                          .noise = g.noise};
        expect(f, &empty, DK_OK, "dim = 0, arrays NULL");
        int32_t t_bad[ROWS] = {lo, lo, T + 1, lo};
        empty.t = t_bad;
        expect(f, &empty, DK_ERR_TIMESTEP, "dim = 0, t > T");
    }
    const size_t huge = (size_t)1 << 40;
    if (api_is_flat(f)) {
        g.dim = g.n = SIZE_MAX / 2;
        expect(f, &g, DK_ERR_SIZE_OVERFLOW, "n * sizeof(float) overflows");
        api_args empty = {.noise = good->g.noise};
        expect(f, &empty, DK_OK, "n = 0, arrays NULL");
    } else {
        g.rows = g.dim = huge;
        expect(f, &g, DK_ERR_SIZE_OVERFLOW, "rows * dim overflows");
        g = good->g;
        g.rows = SIZE_MAX / 2, g.dim = 0;
        expect(f, &g, DK_ERR_SIZE_OVERFLOW, "rows * sizeof(int32_t) overflows");
        api_args empty = {
            .s = good->g.s, .rows = 0, .dim = DIM, .opts = good->g.opts, .noise = good->g.noise};
        expect(f, &empty, DK_OK, "rows = 0, t and arrays NULL");
    }
    if (api_role_of(f, ROLE_NOISE)) {
        g = good->g;
        g.noise.offset = UINT64_MAX - N + 1; /* the last index would be 2^64 */
        expect(f, &g, DK_ERR_NOISE_RANGE, "noise indices past 2^64 - 1");
        g.noise.offset = UINT64_MAX - N; /* the last index is 2^64 - 1 */
        expect(f, &g, DK_OK, "noise indices up to 2^64 - 1");
    }
    if (api_role_of(f, ROLE_TPREV)) {
        const int32_t bad[] = {-1, lo + 2, T + 1, INT32_MIN};
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            int32_t t_prev[ROWS];
            memcpy(t_prev, good->t_prev, sizeof t_prev);
            t_prev[b % 2] = bad[b]; /* rows 0 and 1: t = lo and lo + 1 */
            g = good->g;
            g.t_prev = t_prev;
            char what[64];
            snprintf(what, sizeof what, "t_prev[%zu] = %d, t = %d", b % 2, (int)bad[b], (int)good->t[b % 2]);
            expect(f, &g, DK_ERR_TIMESTEP_PREV, what);
        }
    }
    if (api_role_of(f, ROLE_LOSS_OPTS))
        check_loss_opts(f, good);
    if (api_role_of(f, ROLE_DECODER))
        check_decoder(f, good);
    const api_role *opts = api_opts_role(f);
    if (opts) {
        const float *u = slot(UNCOND_SLOT);
        const int flow = opts->kind == ROLE_OPTS_FLOW, mean = opts->kind == ROLE_OPTS_MEAN;
        const struct {
            dk_step_opts o;
            dk_status want;
            const char *what;
        } cases[] = {
            {{.prediction = (dk_prediction)DK_PRED_COUNT}, DK_ERR_PREDICTION, "prediction = DK_PRED_COUNT"},
            {{.prediction = (dk_prediction)-1}, DK_ERR_PREDICTION, "prediction = -1"},
            {{.variance = (dk_variance)DK_VAR_COUNT}, DK_ERR_VARIANCE, "variance = DK_VAR_COUNT"},
            {{.variance = (dk_variance)-1}, DK_ERR_VARIANCE, "variance = -1"},
            {{.clip = -1.0f}, DK_ERR_CLIP, "clip < 0"},
            {{.prediction = DK_PRED_SAMPLE, .clip = NAN}, DK_ERR_CLIP, "clip NaN"},
            {{.clip = 1.0f, .threshold_ratio = 0.9f, .threshold_max = 2.0f},
             DK_ERR_CLIP,
             "clip together with thresholding"},
            {{.clip = 1.0f}, flow ? DK_ERR_CLIP : DK_OK, flow ? "clip for an SDE/ODE step" : "clip 1"},
            {{.eta = -0.1f}, DK_ERR_ETA, "eta < 0"},
            {{.eta = 1.5f}, DK_ERR_ETA, "eta > 1"},
            {{.eta = NAN}, DK_ERR_ETA, "eta NaN"},
            {{.eta = 1.0f, .recompute_eps = 1}, DK_OK, "eta 1, recompute_eps"},
            {{.threshold_ratio = -0.1f}, DK_ERR_THRESHOLD, "threshold_ratio < 0"},
            {{.threshold_ratio = 1.0f, .threshold_max = 2.0f}, DK_ERR_THRESHOLD, "threshold_ratio = 1"},
            {{.threshold_ratio = NAN}, DK_ERR_THRESHOLD, "threshold_ratio NaN"},
            {{.threshold_ratio = 0.9f, .threshold_max = 0.5f}, DK_ERR_THRESHOLD, "threshold_max < 1"},
            {{.threshold_ratio = 0.9f, .threshold_max = NAN}, DK_ERR_THRESHOLD, "threshold_max NaN"},
            {{.threshold_ratio = 0.9f, .threshold_max = 2.0f},
             flow || mean ? DK_ERR_THRESHOLD : DK_OK,
             flow   ? "thresholding for an SDE/ODE step"
             : mean ? "thresholding for the bound"
                    : "thresholding"},
            {{.guidance_scale = 2.0f}, DK_ERR_GUIDANCE, "guidance_scale set, uncond NULL"},
            {{.uncond = u, .guidance_scale = INFINITY}, DK_ERR_GUIDANCE, "guidance_scale Inf"},
            {{.uncond = u, .guidance_scale = NAN}, DK_ERR_GUIDANCE, "guidance_scale NaN"},
            {{.uncond = u, .guidance_scale = 7.5f}, DK_OK, "guidance"},
            {{.uncond = u}, DK_OK, "uncond with guidance_scale 0 (the unconditional output)"},
        };
        for (size_t b = 0; b < sizeof cases / sizeof cases[0]; b++) {
            g = good->g;
            g.opts = &cases[b].o;
            expect(f, &g, cases[b].want, cases[b].what);
        }
    }
}

static void check_overlaps(const api_spec *f, const good_call *good)
{
    char what[128];
    for (int k = 0; k < api_outputs(f); k++) {
        const char *out = api_out(f, k)->name;
        const size_t len = out_len(f, k);
        const int per_row = api_out_per_row(f, k); /* overlaps nothing */
        for (int i = 0; i < api_inputs(f); i++) {
            const char *in = api_in(f, i)->name;
            api_args g = good->g;
            g.in[i] = g.out[k];
            snprintf(what, sizeof what, "%s is %s (%s)", out, in, per_row ? "a row output" : "in place");
            expect(f, &g, per_row ? DK_ERR_OVERLAP : DK_OK, what);
            for (int shift = -1; shift <= 1; shift += 2) {
                g.in[i] = shift < 0 ? g.out[k] - (N - 1) : g.out[k] + (len - 1);
                snprintf(what, sizeof what, "%s overlaps %s by one float (%s)", in, out,
                         shift < 0 ? "before" : "after");
                expect(f, &g, DK_ERR_OVERLAP, what);
            }
        }
        for (int j = 0; j < k; j++) {
            const char *other = api_out(f, j)->name;
            api_args g = good->g;
            g.out[k] = g.out[j];
            snprintf(what, sizeof what, "%s is %s", out, other);
            expect(f, &g, DK_ERR_OVERLAP, what);
            g.out[k] = g.out[j] + 1;
            snprintf(what, sizeof what, "%s overlaps %s", out, other);
            expect(f, &g, DK_ERR_OVERLAP, what);
        }
        if (api_opts_role(f)) { /* the guidance input is an input too */
            api_args g = good->g;
            dk_step_opts o = {.uncond = g.out[k], .guidance_scale = 2.0f};
            g.opts = &o;
            snprintf(what, sizeof what, "%s is uncond (%s)", out, per_row ? "a row output" : "in place");
            expect(f, &g, per_row ? DK_ERR_OVERLAP : DK_OK, what);
            o.uncond = g.out[k] + (len - 1);
            snprintf(what, sizeof what, "uncond overlaps %s", out);
            expect(f, &g, DK_ERR_OVERLAP, what);
        }
        if (api_role_of(f, ROLE_TPREV)) { /* t_prev inside an output */
            api_args g = good->g;
            mark(g.out[k], len);
            int32_t *in_out = (int32_t *)(void *)(g.out[k] + len - 2);
            memcpy(in_out, good->t_prev, ROWS * sizeof(int32_t));
            g.t_prev = in_out;
            const dk_status st = f->call(&g);
            dk_check(st == DK_ERR_OVERLAP, "%s, t_prev inside %s: got %s", f->name, out, dk_status_str(st));
            dk_check(marked(g.out[k], len - 2) == len - 2, "%s, t_prev inside %s: %s was written", f->name,
                     out, out);
        }
        if (api_role_of(f, ROLE_T)) { /* the timesteps inside an output */
            api_args g = good->g;
            mark(g.out[k], len);
            int32_t *t_in_out = (int32_t *)(void *)(g.out[k] + len - 2);
            memcpy(t_in_out, good->t, ROWS * sizeof(int32_t)); /* reaches 2 floats past the output */
            g.t = t_in_out;
            const dk_status st = f->call(&g);
            dk_check(st == DK_ERR_OVERLAP, "%s, t inside %s: got %s", f->name, out, dk_status_str(st));
            dk_check(marked(g.out[k], len - 2) == len - 2, "%s, t inside %s: %s was written", f->name, out,
                     out);
        }
    }
}

static void check_function(const api_spec *f, const dk_schedule *s)
{
    good_call good;
    good_call_init(&good, f, s);
    check_pointers(f, &good);
    check_values(f, &good);
    check_overlaps(f, &good);
}

/* ---- the rest of the API ---- */

static void check_status_strings(void)
{
    const char *seen[DK_STATUS_COUNT] = {0};
    for (int s = 0; s < DK_STATUS_COUNT; s++) {
        const char *str = dk_status_str((dk_status)s);
        dk_check(str && *str && strcmp(str, "unknown dk_status") != 0, "status %d has no string", s);
        for (int j = 0; j < s; j++)
            dk_check(strcmp(seen[j], str) != 0, "statuses %d and %d share a string", j, s);
        seen[s] = str;
    }
    dk_check(strcmp(dk_status_str((dk_status)DK_STATUS_COUNT), "unknown dk_status") == 0,
             "status past the last");
    dk_check(strcmp(dk_status_str((dk_status)-1), "unknown dk_status") == 0, "status -1");
}

static void check_schedule_errors(void)
{
    static float sentinel_storage;
    dk_schedule *s = (dk_schedule *)(void *)&sentinel_storage; /* must stay as it is on error */
    dk_schedule *const sentinel = s;
    const double good[3] = {0.1, 0.2, 0.3};
    dk_check(dk_schedule_create(NULL, DK_BETA_LINEAR, 10, 1e-4, 0.02) == DK_ERR_NULL_POINTER,
             "create out NULL");
    dk_check(dk_schedule_create(&s, (dk_beta_schedule)DK_BETA_SCHEDULE_COUNT, 10, 1e-4, 0.02) ==
                 DK_ERR_SCHEDULE_KIND,
             "kind DK_BETA_SCHEDULE_COUNT");
    dk_check(dk_schedule_create(&s, (dk_beta_schedule)-1, 10, 1e-4, 0.02) == DK_ERR_SCHEDULE_KIND, "kind -1");
    dk_check(dk_schedule_create(&s, DK_BETA_LINEAR, 0, 1e-4, 0.02) == DK_ERR_STEPS, "T = 0");
    dk_check(dk_schedule_create(&s, DK_BETA_LINEAR, -5, 1e-4, 0.02) == DK_ERR_STEPS, "T < 0");
    dk_check(dk_schedule_create(&s, DK_BETA_LINEAR, 10, 0.0, 0.02) == DK_ERR_BETA, "beta_start 0");
    dk_check(dk_schedule_create(&s, DK_BETA_LINEAR, 10, 1e-4, 1.0) == DK_ERR_BETA, "beta_end 1");
    dk_check(dk_schedule_create(&s, DK_BETA_SIGMOID, 10, NAN, 0.02) == DK_ERR_BETA, "beta_start NaN");
    dk_check(dk_schedule_create(&s, DK_BETA_SCALED_LINEAR, 10, 1e-4, INFINITY) == DK_ERR_BETA,
             "beta_end Inf");
    /* every beta in (0, 1), but alpha_bar too small: the examples of the header */
    dk_check(dk_schedule_create(&s, DK_BETA_LINEAR, 1000, 0.1, 0.3) == DK_ERR_BETA,
             "linear 0.1..0.3, T = 1000");
    dk_check(dk_schedule_create(&s, DK_BETA_SIGMOID, 1000, 0.5, 0.9) == DK_ERR_BETA, "sigmoid 0.5..0.9");
    dk_check(dk_schedule_create(&s, DK_BETA_LINEAR, 100000, 1e-4, 0.02) == DK_ERR_BETA,
             "linear 1e-4..0.02, T = 100000");
    dk_check(dk_schedule_from_betas(NULL, good, 3) == DK_ERR_NULL_POINTER, "from_betas out NULL");
    dk_check(dk_schedule_from_betas(&s, NULL, 3) == DK_ERR_NULL_POINTER, "from_betas betas NULL");
    dk_check(dk_schedule_from_betas(&s, good, 0) == DK_ERR_STEPS, "from_betas T = 0");
    const double bad[3][3] = {{0.1, 0.0, 0.3}, {0.1, 1.0, 0.3}, {0.1, NAN, 0.3}};
    for (int i = 0; i < 3; i++)
        dk_check(dk_schedule_from_betas(&s, bad[i], 3) == DK_ERR_BETA, "from_betas bad beta %d", i);
    double tiny[40]; /* alpha_bar_40 = 1e-80: 1/sqrt(alpha_bar) overflows a float */
    for (int i = 0; i < 40; i++)
        tiny[i] = 0.99;
    dk_check(dk_schedule_from_betas(&s, tiny, 40) == DK_ERR_BETA, "from_betas degenerate");
    const double one_ulp[1] = {0x1p-60}; /* 1 - alpha_bar_1 rounds to 0 in double */
    dk_check(dk_schedule_from_betas(&s, one_ulp, 1) == DK_ERR_BETA, "from_betas beta below double's epsilon");
    dk_check(s == sentinel, "a failed create wrote its output");
    /* getters outside their domain */
    dk_schedule *ok = NULL;
    dk_check(dk_schedule_from_betas(&ok, good, 3) == DK_OK, "from_betas good");
    dk_check(isnan(dk_schedule_beta(ok, 0)) && isnan(dk_schedule_beta(ok, 4)), "beta outside 1..T");
    dk_check(isnan(dk_schedule_alpha_bar(ok, -1)) && isnan(dk_schedule_alpha_bar(ok, 4)), "abar outside");
    dk_check(dk_schedule_alpha_bar(ok, 0) == 1.0, "abar_0 = 1");
    dk_check(isnan(dk_schedule_posterior_variance(ok, 0)), "posterior variance at 0");
    dk_check(isnan(dk_schedule_beta(NULL, 1)) && dk_schedule_steps(NULL) == 0, "NULL schedule getters");
    dk_schedule_destroy(ok);
    dk_schedule_destroy(NULL);
}

static void check_isa_errors(void)
{
    dk_check(dk_isa_select((dk_isa)DK_ISA_COUNT) == DK_ERR_ISA_INVALID, "select ISA DK_ISA_COUNT");
    dk_check(dk_isa_select((dk_isa)-1) == DK_ERR_ISA_INVALID, "select ISA -1");
    dk_check(strcmp(dk_isa_name((dk_isa)99), "unknown") == 0, "name of ISA 99");
    dk_check(!dk_isa_supported((dk_isa)99), "ISA 99 supported");
    const dk_isa before = dk_isa_active();
    for (int i = 0; i < DK_ISA_COUNT; i++)
        if (!dk_isa_supported((dk_isa)i))
            dk_check(dk_isa_select((dk_isa)i) == DK_ERR_ISA_UNSUPPORTED, "select unsupported %s",
                     dk_isa_name((dk_isa)i));
    dk_check(dk_isa_active() == before, "a failed select changed the ISA");
    dk_check(dk_isa_supported(DK_ISA_SCALAR), "scalar unsupported");
}

/* Zero terminal SNR: x0 is lost at alpha_bar_T = 0 for epsilon and score
 * prediction, and the SDE and ODE cannot start there; v and sample
 * prediction step on. */
static void check_zero_snr(void)
{
    const double ab[4] = {0.9, 0.5, 0.1, 0.0};
    dk_schedule *s = NULL;
    dk_check(dk_schedule_from_alpha_bar(&s, ab, 4) == DK_OK, "from_alpha_bar with alpha_bar_T = 0");
    if (!s)
        return;
    dk_check(dk_schedule_alpha_bar(s, 4) == 0.0 && dk_schedule_beta(s, 4) == 1.0,
             "alpha_bar_T = 0, beta_T = 1");
    for (size_t i = 0; i < api_spec_count; i++) {
        const api_spec *f = &api_specs[i];
        good_call good;
        good_call_init(&good, f, s);          /* t = {lo, lo + 1, T, T} */
        if (api_role_of(f, ROLE_LOSS_OPTS)) { /* every target and weight is finite, but P2 with k = 0 */
            for (int i = 0; i < api_opts_count(f); i++) {
                api_args g = good.g;
                const dk_loss_opts o = api_loss_opts_at(i);
                g.loss_opts = &o;
                expect(f, &g, DK_OK, "t = T at zero SNR");
            }
            api_args g = good.g;
            const dk_loss_opts p2 = {DK_PRED_V, DK_WEIGHT_P2, 1.0f, 0.0f};
            g.loss_opts = &p2;
            expect(f, &g, DK_ERR_ZERO_SNR, "t = T at zero SNR, P2 with k = 0");
            continue;
        }
        if (!api_opts_role(f)) {
            if (api_role_of(f, ROLE_T))
                expect(f, &good.g, DK_OK, "t = T at zero SNR");
            continue;
        }
        const int flow = api_opts_role(f)->kind == ROLE_OPTS_FLOW;
        for (int p = 0; p < DK_PRED_COUNT; p++) { /* flow steps refuse every prediction, the rest two */
            api_args g = good.g;
            const dk_step_opts o = {.prediction = (dk_prediction)p};
            g.opts = &o;
            const int refused = flow || p == DK_PRED_EPSILON || p == DK_PRED_SCORE;
            char what[64];
            snprintf(what, sizeof what, "t = T at zero SNR, prediction %d", p);
            expect(f, &g, refused ? DK_ERR_ZERO_SNR : DK_OK, what);
        }
    }
    dk_schedule_destroy(s);
}

static void check_alpha_bar_errors(void)
{
    static float sentinel_storage;
    dk_schedule *s = (dk_schedule *)(void *)&sentinel_storage, *const sentinel = s;
    const double good[3] = {0.9, 0.5, 0.1};
    dk_check(dk_schedule_from_alpha_bar(NULL, good, 3) == DK_ERR_NULL_POINTER, "from_alpha_bar out NULL");
    dk_check(dk_schedule_from_alpha_bar(&s, NULL, 3) == DK_ERR_NULL_POINTER, "from_alpha_bar NULL");
    dk_check(dk_schedule_from_alpha_bar(&s, good, 0) == DK_ERR_STEPS, "from_alpha_bar T = 0");
    const double bad[][3] = {{0.9, 0.9, 0.1}, {0.5, 0.9, 0.1},  {1.0, 0.5, 0.1},
                             {0.9, 0.0, 0.0}, {0.9, 0.5, -0.1}, {0.9, NAN, 0.1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        dk_check(dk_schedule_from_alpha_bar(&s, bad[i], 3) == DK_ERR_ALPHA_BAR, "from_alpha_bar bad %zu", i);
    const double tiny[3] = {0.9, 1e-80, 1e-90}; /* decreasing, but 1/sqrt overflows a float */
    dk_check(dk_schedule_from_alpha_bar(&s, tiny, 3) == DK_ERR_BETA, "from_alpha_bar too small");
    dk_check(dk_schedule_rescale_zero_snr(NULL, sentinel) == DK_ERR_NULL_POINTER, "rescale out NULL");
    dk_check(dk_schedule_rescale_zero_snr(&s, NULL) == DK_ERR_NULL_POINTER, "rescale s NULL");
    dk_schedule *one = NULL;
    dk_check(dk_schedule_create(&one, DK_BETA_LINEAR, 1, 0.1, 0.1) == DK_OK, "T = 1");
    dk_check(dk_schedule_rescale_zero_snr(&s, one) == DK_ERR_STEPS, "rescale T = 1");
    dk_schedule_destroy(one);
    dk_check(s == sentinel, "a failed create wrote its output");
}

static void check_timesteps_errors(void)
{
    int32_t t[8], tp[8];
    const int32_t mark_value = -12345;
    for (int i = 0; i < 8; i++)
        t[i] = tp[i] = mark_value;
    const struct {
        int32_t T, steps;
        int spacing;
        int32_t offset;
        dk_status want;
        const char *what;
    } cases[] = {
        {0, 1, DK_SPACING_LEADING, 0, DK_ERR_STEPS, "T = 0"},
        {100, 0, DK_SPACING_LEADING, 0, DK_ERR_STEPS, "steps = 0"},
        {5, 8, DK_SPACING_LEADING, 0, DK_ERR_STEPS, "steps > T"},
        {100, 8, DK_SPACING_COUNT, 0, DK_ERR_SPACING, "spacing = DK_SPACING_COUNT"},
        {100, 8, -1, 0, DK_ERR_SPACING, "spacing = -1"},
        {100, 8, DK_SPACING_LEADING, -1, DK_ERR_TIMESTEP, "leading offset -1"},
        {100, 8, DK_SPACING_LEADING, 20, DK_ERR_TIMESTEP, "leading offset past T"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const dk_status st =
            dk_timesteps(cases[i].T, cases[i].steps, (dk_spacing)cases[i].spacing, cases[i].offset, 1, t, tp);
        dk_check(st == cases[i].want, "dk_timesteps %s: got %s", cases[i].what, dk_status_str(st));
    }
    dk_check(dk_timesteps(100, 8, DK_SPACING_LEADING, 0, 1, NULL, tp) == DK_ERR_NULL_POINTER,
             "timesteps t NULL");
    dk_check(dk_timesteps(100, 8, DK_SPACING_LEADING, 0, 1, t, NULL) == DK_ERR_NULL_POINTER, "t_prev NULL");
    dk_check(dk_timesteps(100, 8, DK_SPACING_LEADING, 0, 1, t, t + 3) == DK_ERR_OVERLAP, "t overlaps t_prev");
    for (int i = 0; i < 8; i++)
        dk_check(t[i] == mark_value && tp[i] == mark_value, "dk_timesteps wrote on error");
    dk_check(dk_timesteps(100, 8, DK_SPACING_LEADING, 0, 1, t, tp) == DK_OK, "dk_timesteps good");
}

int main(void)
{
    dk_schedule *s = NULL;
    if (dk_schedule_create(&s, DK_BETA_LINEAR, 10, 1e-4, 0.02) != DK_OK)
        return 1;
    dk_test_seed();
    check_status_strings();
    check_schedule_errors();
    for (size_t i = 0; i < api_spec_count; i++) {
        const long before = dk_test_checks;
        check_function(&api_specs[i], s);
        printf("  %-20s %ld checks\n", api_specs[i].name, dk_test_checks - before);
    }
    check_zero_snr();
    check_alpha_bar_errors();
    check_timesteps_errors();
    check_isa_errors();
    dk_schedule_destroy(s);
    return dk_test_finish("test_errors");
}
