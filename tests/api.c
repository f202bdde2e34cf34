#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* ---- each row of api_list.h as a call from api_args ---- */

#define SCHED                 g->s
#define T(min)                g->t
#define TPREV                 g->t_prev
#define ROWS                  g->rows
#define DIM                   g->dim
#define N                     g->n
#define IN(i, name)           g->in[i]
#define IN_OPT(i, name)       g->in[i]
#define IN_UNIT(i, name)      g->in[i]
#define OUT(i, name)          g->out[i]
#define OUT_OPT(i, name)      g->out[i]
#define NOISE_OUT(i, name)    g->out[i]
#define MEAN_OUT_OPT(i, name) g->out[i]
#define ROW_OUT_OPT(i, name)  g->out[i]
#define ROW_NATS(i, name)     (double *)(void *)g->out[i]
#define NOISE                 g->noise
#define OPTS                  g->opts
#define OPTS_FLOW             g->opts
#define OPTS_MEAN             g->opts
#define LOSS_OPTS             g->loss_opts
#define DECODER               g->dec
#define DK_API_ROW(fn, twin, ...)                                                                            \
    static dk_status call_##fn(const api_args *g) { return fn(__VA_ARGS__); }
#include "api_list.h"
#undef DK_API_ROW
#undef SCHED
#undef T
#undef TPREV
#undef ROWS
#undef DIM
#undef N
#undef IN
#undef IN_OPT
#undef IN_UNIT
#undef OUT
#undef OUT_OPT
#undef NOISE_OUT
#undef MEAN_OUT_OPT
#undef ROW_OUT_OPT
#undef ROW_NATS
#undef NOISE
#undef OPTS
#undef OPTS_FLOW
#undef LOSS_OPTS
#undef OPTS_MEAN
#undef DECODER

/* ---- and as a table of roles ---- */

/* One role a line: clang-format would spread each brace over three. */
// clang-format off
#define SCHED              {ROLE_SCHED, 0, "s"}
#define T(min)             {ROLE_T, min, "t"}
#define TPREV              {ROLE_TPREV, 0, "t_prev"}
#define ROWS               {ROLE_ROWS, 0, "rows"}
#define DIM                {ROLE_DIM, 0, "dim"}
#define N                  {ROLE_N, 0, "n"}
#define IN(i, name)        {ROLE_IN, i, #name}
#define IN_OPT(i, name)    {ROLE_IN_OPT, i, #name}
#define IN_UNIT(i, name)   {ROLE_IN_UNIT, i, #name}
#define OUT(i, name)       {ROLE_OUT, i, #name}
#define OUT_OPT(i, name)   {ROLE_OUT_OPT, i, #name}
#define NOISE_OUT(i, name) {ROLE_NOISE_OUT, i, #name}
#define MEAN_OUT_OPT(i, name) {ROLE_MEAN_OUT_OPT, i, #name}
#define ROW_OUT_OPT(i, name)  {ROLE_ROW_OUT_OPT, i, #name}
#define ROW_NATS(i, name)     {ROLE_ROW_NATS, i, #name}
#define NOISE              {ROLE_NOISE, 0, "noise"}
#define OPTS               {ROLE_OPTS, 0, "opts"}
#define OPTS_FLOW          {ROLE_OPTS_FLOW, 0, "opts"}
#define LOSS_OPTS          {ROLE_LOSS_OPTS, 0, "opts"}
#define OPTS_MEAN          {ROLE_OPTS_MEAN, 0, "opts"}
#define DECODER            {ROLE_DECODER, 0, "dec"}
#define TWIN(fn, i)        #fn, i
#define NO_TWIN            NULL, 0
// clang-format on
#define DK_API_ROW(fn, twin, ...) {#fn, call_##fn, twin, {__VA_ARGS__}},
const api_spec api_specs[] = {
#include "api_list.h"
};
const size_t api_spec_count = sizeof api_specs / sizeof api_specs[0];

/* ---- queries ---- */

const api_spec *api_by_name(const char *name)
{
    for (size_t i = 0; name && i < api_spec_count; i++)
        if (strcmp(api_specs[i].name, name) == 0)
            return &api_specs[i];
    return NULL;
}

const api_role *api_role_of(const api_spec *f, api_role_kind kind)
{
    for (const api_role *r = f->roles; r->kind != ROLE_END; r++)
        if (r->kind == kind)
            return r;
    return NULL;
}

static int is_in(api_role_kind k) { return k == ROLE_IN || k == ROLE_IN_OPT || k == ROLE_IN_UNIT; }
static int is_out(api_role_kind k)
{
    return k == ROLE_OUT || k == ROLE_OUT_OPT || k == ROLE_NOISE_OUT || k == ROLE_MEAN_OUT_OPT ||
           k == ROLE_ROW_OUT_OPT || k == ROLE_ROW_NATS;
}

const api_role *api_in(const api_spec *f, int i)
{
    for (const api_role *r = f->roles; r->kind != ROLE_END; r++)
        if (is_in(r->kind) && r->index == i)
            return r;
    return NULL;
}

const api_role *api_out(const api_spec *f, int k)
{
    for (const api_role *r = f->roles; r->kind != ROLE_END; r++)
        if (is_out(r->kind) && r->index == k)
            return r;
    return NULL;
}

int api_inputs(const api_spec *f)
{
    int count = 0;
    while (api_in(f, count))
        count++;
    return count;
}

int api_outputs(const api_spec *f)
{
    int count = 0;
    while (api_out(f, count))
        count++;
    return count;
}

int api_is_flat(const api_spec *f) { return api_role_of(f, ROLE_ROWS) == NULL; }

size_t api_out_len(const api_spec *f, int k, const api_args *g)
{
    const api_role_kind kind = api_out(f, k)->kind;
    return kind == ROLE_ROW_OUT_OPT ? g->rows : kind == ROLE_ROW_NATS ? 2 * g->rows : g->n;
}

int api_out_per_row(const api_spec *f, int k)
{
    const api_role_kind kind = api_out(f, k)->kind;
    return kind == ROLE_ROW_OUT_OPT || kind == ROLE_ROW_NATS;
}

size_t api_out_values(const api_spec *f, int k, const api_args *g)
{
    return api_out_per_row(f, k) ? g->rows : g->n;
}

double api_out_value(const api_spec *f, int k, const float *out, size_t i)
{
    if (api_out(f, k)->kind != ROLE_ROW_NATS)
        return out[i];
    double v;
    memcpy(&v, out + 2 * i, sizeof v);
    return v;
}

size_t api_out_first_diff(const api_spec *f, int k, const api_args *g, const float *a, const float *b)
{
    const size_t values = api_out_values(f, k, g);
    if (api_out(f, k)->kind != ROLE_ROW_NATS)
        return dk_first_diff(a, b, values);
    for (size_t i = 0; i < values; i++) {
        const double x = api_out_value(f, k, a, i), y = api_out_value(f, k, b, i);
        if (!(isnan(x) && isnan(y)) && memcmp(&x, &y, sizeof x) != 0)
            return i;
    }
    return values;
}

int api_out_optional(const api_spec *f, int k)
{
    const api_role_kind kind = api_out(f, k)->kind;
    return kind != ROLE_OUT && kind != ROLE_ROW_NATS;
}

int api_out_split_invariant(const api_spec *f, int k) { return api_out(f, k)->kind != ROLE_MEAN_OUT_OPT; }

int api_needs_an_out(const api_spec *f)
{
    for (int k = 0; k < api_outputs(f); k++)
        if (!api_out_optional(f, k))
            return 0;
    return api_outputs(f) > 0;
}

api_args api_args_part(const api_spec *f, const api_args *whole, size_t first, size_t count,
                       float *const *out, dk_step_opts *opts)
{
    api_args g = *whole;
    const size_t at = api_is_flat(f) ? first : first * whole->dim;
    if (api_is_flat(f)) {
        g.dim = g.n = count;
    } else {
        g.t = whole->t + first;
        g.t_prev = whole->t_prev ? whole->t_prev + first : NULL;
        g.rows = count;
    }
    if (g.opts) { /* the guidance input, split as the others */
        *opts = *g.opts;
        if (opts->uncond)
            opts->uncond += at;
        g.opts = opts;
    }
    for (int i = 0; i < api_inputs(f); i++)
        g.in[i] = whole->in[i] ? whole->in[i] + at : NULL;
    for (int k = 0; k < api_outputs(f); k++)
        g.out[k] = !whole->out[k]                            ? NULL
                   : api_out(f, k)->kind == ROLE_ROW_OUT_OPT ? out[k] + first
                   : api_out(f, k)->kind == ROLE_ROW_NATS    ? out[k] + 2 * first
                                                             : out[k] + at;
    g.noise.offset += at;
    return g;
}

const api_role *api_opts_role(const api_spec *f)
{
    const api_role *r = api_role_of(f, ROLE_OPTS);
    if (!r)
        r = api_role_of(f, ROLE_OPTS_FLOW);
    return r ? r : api_role_of(f, ROLE_OPTS_MEAN);
}

int api_t_min(const api_spec *f)
{
    const api_role *r = api_role_of(f, ROLE_T);
    return r ? r->index : 0;
}

/* ---- random valid calls ---- */

void api_fill_unit(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++) /* the 8-bit levels mostly, -1 and 1 often, else anything in [-1, 1] */
        p[i] = dk_rand_u64() % 4   ? (float)((int)(dk_rand_u64() % 256) * 2 - 255) / 255.0f
               : dk_rand_u64() % 2 ? (dk_rand_u64() % 2 ? 1.0f : -1.0f)
                                   : (float)dk_rand_uniform(-1.0, 1.0);
}

static void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size);
    if (!p)
        abort();
    return p;
}

/* Runs of equal t (one kernel call each), with t_min, 1 and T frequent;
 * t_prev, if asked for, in runs too: 0, t, t - 1 or anything in 0..t. */
static void random_timesteps(int32_t *t, int32_t *t_prev, size_t rows, int32_t lo, int32_t T)
{
    for (size_t r = 0; r < rows;) {
        const uint64_t pick = dk_rand_u64() % 5, run = 1 + dk_rand_u64() % 3, prev = dk_rand_u64() % 4;
        const int32_t v = pick == 0   ? lo
                          : pick == 1 ? (lo > 1 ? lo : 1)
                          : pick == 2 ? T
                                      : lo + (int32_t)(dk_rand_u64() % (uint64_t)(T - lo + 1));
        const int32_t p = prev == 0   ? 0
                          : prev == 1 ? v
                          : prev == 2 ? v - 1
                                      : (int32_t)(dk_rand_u64() % (uint64_t)(v + 1));
        for (uint64_t i = 0; i < run && r < rows; i++, r++) {
            t[r] = v;
            if (t_prev)
                t_prev[r] = p;
        }
    }
}

api_case *api_case_new(const api_spec *f, const dk_schedule *s, size_t rows, size_t dim)
{
    api_case *c = xcalloc(1, sizeof *c);
    const size_t n = rows * dim;
    c->f = f;
    if (api_is_flat(f)) {
        c->g.rows = 1;
        c->g.dim = c->g.n = n;
    } else {
        c->g.s = s;
        c->g.rows = rows;
        c->g.dim = dim;
        c->g.n = n;
        c->t = xcalloc(rows, sizeof *c->t);
        if (api_role_of(f, ROLE_TPREV))
            c->g.t_prev = c->t_prev = xcalloc(rows, sizeof *c->t_prev);
        random_timesteps(c->t, c->t_prev, rows, api_t_min(f), dk_schedule_steps(s));
        c->g.t = c->t;
    }
    for (int i = 0; i < api_inputs(f); i++) {
        c->in[i] = xcalloc(n, sizeof(float));
        if (api_in(f, i)->kind == ROLE_IN_UNIT)
            api_fill_unit(c->in[i], n);
        else
            dk_rand_fill(c->in[i], n, i == 0 ? 2.0 : 1.0);
        c->g.in[i] = c->in[i];
    }
    for (int k = 0; k < api_outputs(f); k++)
        c->g.out[k] = c->out[k] = xcalloc(api_out_len(f, k, &c->g), sizeof(float));
    c->g.noise = (dk_noise){dk_rand_u64(), dk_rand_u64(), dk_rand_u64() >> 8};
    if (api_opts_role(f)) {
        c->uncond = xcalloc(n, sizeof(float));
        dk_rand_fill(c->uncond, n, 1.0);
        c->g.opts = &c->opts;
    }
    c->opts = (dk_step_opts){0};
    if (api_role_of(f, ROLE_LOSS_OPTS))
        c->g.loss_opts = &c->loss_opts;
    c->loss_opts = (dk_loss_opts){0};
    return c;
}

void api_case_free(api_case *c)
{
    if (!c)
        return;
    free(c->t);
    free(c->t_prev);
    free(c->uncond);
    for (int i = 0; i < API_MAX_IN; i++)
        free(c->in[i]);
    for (int k = 0; k < API_MAX_OUT; k++)
        free(c->out[k]);
    free(c);
}

void api_case_fix_t_prev(api_case *c)
{
    for (size_t r = 0; c->t_prev && r < c->g.rows; r++)
        if (c->t_prev[r] > c->t[r])
            c->t_prev[r] = c->t[r];
}

dk_status api_case_call(const api_case *c) { return c->f->call(&c->g); }

/* 24 sets for OPTS: i % 4 and i % 3 give every prediction with every clamp
 * (none, clip, thresholding) within 12 consecutive sets, (i / 3) % 2
 * guidance, (i / 2) % 3 eta, (i / 12) % 2 recompute_eps, (i / 4) % 2 the
 * variance. 8 sets for OPTS_FLOW: prediction x guidance. */
int api_opts_count(const api_spec *f)
{
    const api_role *r = api_opts_role(f);
    if (api_role_of(f, ROLE_LOSS_OPTS))
        return DK_PRED_COUNT * DK_WEIGHT_COUNT;
    if (r && r->kind == ROLE_OPTS_MEAN)
        return 32;
    return !r ? 1 : r->kind == ROLE_OPTS ? 24 : 8;
}

/* i % 4 the prediction, i / 4 the weighting: min-SNR with gamma 5 (the
 * paper's), P2 with k 1 and gamma 1 or, every other time, 0.5. */
dk_loss_opts api_loss_opts_at(int i)
{
    const dk_weighting w = (dk_weighting)(i / DK_PRED_COUNT % DK_WEIGHT_COUNT);
    dk_loss_opts o = {(dk_prediction)(i % DK_PRED_COUNT), w, 0.0f, 0.0f};
    if (w == DK_WEIGHT_MIN_SNR)
        o.gamma = 5.0f;
    if (w == DK_WEIGHT_P2)
        o.gamma = i % 2 ? 0.5f : 1.0f, o.k = 1.0f;
    return o;
}

dk_step_opts api_opts_at(const api_spec *f, int i, const float *uncond)
{
    const api_role *r = api_opts_role(f);
    dk_step_opts o = {.prediction = (dk_prediction)(i % DK_PRED_COUNT)};
    int guide = i / 4 % 2;
    if (r && r->kind == ROLE_OPTS) {
        static const float etas[3] = {0.0f, 0.5f, 1.0f};
        const int clamp = i % 3;
        guide = i / 3 % 2;
        o.variance = (dk_variance)(i / 4 % DK_VAR_COUNT);
        o.clip = clamp == 1 ? 1.0f : 0.0f;
        o.threshold_ratio = clamp == 2 ? 0.9f : 0.0f;
        o.threshold_max = clamp == 2 ? 1.5f : 0.0f;
        o.eta = etas[i / 2 % 3];
        o.recompute_eps = i / 12 % 2;
    }
    if (r && r->kind == ROLE_OPTS_MEAN) { /* (i / 16) % 2 is the decoder: api_case_set_opts */
        guide = i / 4 % 2;
        o.clip = i / 8 % 2 ? 1.0f : 0.0f;
        o.variance = (dk_variance)((i + i / 4) % 2);
    }
    if (guide) {
        o.uncond = uncond;
        o.guidance_scale = 3.0f;
    }
    return o;
}

void api_case_set_opts(api_case *c, int i)
{
    c->opts = api_opts_at(c->f, i, c->uncond);
    c->loss_opts = api_loss_opts_at(i);
    c->g.dec = (dk_decoder)(i / 16 % DK_DECODER_COUNT);
}
