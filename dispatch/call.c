/* The validation and the run loop every public kernel entry point shares. */
#include "call.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "threads.h"
#include "threshold.h"

static const dk_step_opts default_opts = {
    DK_PRED_EPSILON, DK_VAR_FIXED_SMALL, 0.0f, 0.0f, 0, 0.0f, 0.0f, NULL, 0.0f};

dk_call dk_call_rows(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, int32_t t_min)
{
    const dk_call c = {.s = s, .t = t, .rows = rows, .dim = dim, .t_min = t_min};
    return c;
}

dk_call dk_call_untimed(const dk_schedule *s, size_t rows, size_t dim)
{
    const dk_call c = {.s = s, .rows = rows, .dim = dim, .untimed = 1};
    return c;
}

dk_call dk_call_flat(size_t n)
{
    const dk_call c = {.rows = 1, .dim = n, .flat = 1};
    return c;
}

/* More arrays than dk_kargs holds is a bug of the entry point that every
 * test of it trips over at once. */
static void add_in(dk_call *c, const float *p, int optional)
{
    if (c->inputs == DK_MAX_IN)
        __builtin_trap();
    c->optional |= (unsigned)optional << c->inputs;
    c->in[c->inputs++] = p;
}

static void add_out(dk_call *c, float *p, int optional)
{
    if (c->outputs == DK_MAX_OUT)
        __builtin_trap();
    c->optional |= (unsigned)optional << (DK_MAX_IN + c->outputs);
    c->out[c->outputs++] = p;
}

void dk_in(dk_call *c, const float *p) { add_in(c, p, 0); }
void dk_in_opt(dk_call *c, const float *p) { add_in(c, p, 1); }
void dk_out(dk_call *c, float *p) { add_out(c, p, 0); }
void dk_out_opt(dk_call *c, float *p) { add_out(c, p, 1); }
void dk_out_rows(dk_call *c, void *p, size_t elem_size, int optional)
{
    c->row_out = p;
    c->row_out_size = elem_size;
    c->row_out_optional = optional;
}
void dk_needs_an_out(dk_call *c) { c->needs_an_out = 1; }
void dk_with_t_prev(dk_call *c, const int32_t *t_prev)
{
    c->t_prev = t_prev;
    c->has_t_prev = 1;
}
void dk_with_noise(dk_call *c, const dk_noise *noise) { c->noise = noise; }
void dk_with_noise_ahead(dk_call *c, const dk_noise *noise)
{
    c->noise = noise;
    c->noise_ahead = 1;
}

void dk_kargs_next_row(const dk_call *c, dk_kargs *a)
{
    for (int i = 0; i < DK_MAX_IN; i++)
        if (a->in[i])
            a->in[i] += c->dim;
    for (int k = 0; k < DK_MAX_OUT; k++)
        if (a->out[k])
            a->out[k] += c->dim;
    if (a->z_ahead)
        a->z_ahead += c->dim;
    a->noise.offset += c->dim;
}

void dk_with_opts(dk_call *c, const dk_step_opts *opts, dk_opts_kind kind)
{
    c->opts = opts;
    c->opts_kind = kind;
}

/* A pointer that addresses count elements: NULL only when count is 0. */
static int missing(const void *p, size_t count) { return p == NULL && count != 0; }

/* True if [a, a + a_bytes) and [b, b + b_bytes) share a byte. */
static int intersects(const void *a, size_t a_bytes, const void *b, size_t b_bytes)
{
    const uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
    return a && b && a_bytes && b_bytes && pa < pb + b_bytes && pb < pa + a_bytes;
}

static dk_status check_opts(const dk_step_opts *o, dk_opts_kind kind)
{
    const int threshold = o->threshold_ratio > 0.0f;
    if ((unsigned)o->prediction >= DK_PRED_COUNT)
        return DK_ERR_PREDICTION;
    if ((unsigned)o->variance >= DK_VAR_COUNT)
        return DK_ERR_VARIANCE;
    if (!(o->clip >= 0.0f) || (o->clip > 0.0f && (threshold || kind == DK_OPTS_FLOW))) /* NaN too */
        return DK_ERR_CLIP;
    if (!(o->eta >= 0.0f && o->eta <= 1.0f))
        return DK_ERR_ETA;
    if (!(o->threshold_ratio >= 0.0f && o->threshold_ratio < 1.0f) ||
        (threshold && (!(o->threshold_max >= 1.0f) || kind == DK_OPTS_FLOW || kind == DK_OPTS_MEAN)))
        return DK_ERR_THRESHOLD;
    if (!isfinite(o->guidance_scale) || (o->guidance_scale != 0.0f && !o->uncond))
        return DK_ERR_GUIDANCE;
    return DK_OK;
}

/* A step from alpha_bar_t = 0 that cannot be taken: x0 from epsilon or a
 * score needs 1 / sqrt(alpha_bar_t); the SDE and ODE need ln(alpha_bar). */
static int zero_snr_refused(const dk_call *c, int32_t t)
{
    if (c->opts_kind == DK_OPTS_NONE || c->s->alpha_bar[t] != 0.0)
        return 0;
    const dk_prediction p = c->opts->prediction;
    return c->opts_kind == DK_OPTS_FLOW || p == DK_PRED_EPSILON || p == DK_PRED_SCORE;
}

/* An output overlaps nothing but, exactly, an input. */
static dk_status check_overlap(const dk_call *c, size_t n)
{
    const size_t bytes = n * sizeof(float);
    for (int k = 0; k < c->outputs; k++) {
        const float *out = c->out[k];
        if (!c->flat && (intersects(out, bytes, c->t, c->rows * sizeof(int32_t)) ||
                         intersects(out, bytes, c->t_prev, c->rows * sizeof(int32_t))))
            return DK_ERR_OVERLAP;
        for (int i = 0; i < c->inputs; i++)
            if (c->in[i] != out && intersects(out, bytes, c->in[i], bytes))
                return DK_ERR_OVERLAP;
        for (int j = 0; j < k; j++)
            if (intersects(out, bytes, c->out[j], bytes))
                return DK_ERR_OVERLAP;
    }
    if (c->row_out) { /* overlaps nothing, not even exactly */
        const size_t row_bytes = c->rows * c->row_out_size;
        if (!c->flat && (intersects(c->row_out, row_bytes, c->t, c->rows * sizeof(int32_t)) ||
                         intersects(c->row_out, row_bytes, c->t_prev, c->rows * sizeof(int32_t))))
            return DK_ERR_OVERLAP;
        for (int i = 0; i < c->inputs; i++)
            if (intersects(c->row_out, row_bytes, c->in[i], bytes))
                return DK_ERR_OVERLAP;
        for (int k = 0; k < c->outputs; k++)
            if (intersects(c->row_out, row_bytes, c->out[k], bytes))
                return DK_ERR_OVERLAP;
    }
    return DK_OK;
}

static dk_status call_check(dk_call *c)
{
    if (c->rows > SIZE_MAX / sizeof(int32_t))
        return DK_ERR_SIZE_OVERFLOW;
    if (c->rows != 0 && c->dim > SIZE_MAX / sizeof(float) / c->rows)
        return DK_ERR_SIZE_OVERFLOW;
    const size_t n = c->rows * c->dim;

    if (!c->flat && (!c->s || (!c->untimed && missing(c->t, c->rows))))
        return DK_ERR_NULL_POINTER;
    if (c->has_t_prev && missing(c->t_prev, c->rows))
        return DK_ERR_NULL_POINTER;
    for (int i = 0; i < c->inputs; i++)
        if (!(c->optional >> i & 1) && missing(c->in[i], n))
            return DK_ERR_NULL_POINTER;
    for (int k = 0; k < c->outputs; k++)
        if (!(c->optional >> (DK_MAX_IN + k) & 1) && missing(c->out[k], n))
            return DK_ERR_NULL_POINTER;
    if (c->row_out_size && !c->row_out_optional && missing(c->row_out, n ? c->rows : 0))
        return DK_ERR_NULL_POINTER;
    if (c->needs_an_out && n > 0) { /* with no elements there is nothing to write */
        int given = c->row_out != NULL;
        for (int k = 0; k < c->outputs; k++)
            given |= c->out[k] != NULL;
        if (!given)
            return DK_ERR_NULL_POINTER;
    }

    dk_status st;
    if (c->opts_kind != DK_OPTS_NONE) {
        if (!c->opts)
            c->opts = &default_opts;
        if ((st = check_opts(c->opts, c->opts_kind)) != DK_OK)
            return st;
    }
    if (c->check_own_opts && (st = c->check_own_opts(c)) != DK_OK)
        return st;
    if (c->noise && (uint64_t)n > UINT64_MAX - c->noise->offset)
        return DK_ERR_NOISE_RANGE; /* the last index would pass 2^64 - 1 */
    if (!c->flat && !c->untimed) {
        for (size_t r = 0; r < c->rows; r++)
            if (c->t[r] < c->t_min || c->t[r] > c->s->steps)
                return DK_ERR_TIMESTEP;
        for (size_t r = 0; c->t_prev && r < c->rows; r++)
            if (c->t_prev[r] < 0 || c->t_prev[r] > c->t[r])
                return DK_ERR_TIMESTEP_PREV;
        for (size_t r = 0; r < c->rows; r++)
            if (zero_snr_refused(c, c->t[r]))
                return DK_ERR_ZERO_SNR;
        for (size_t r = 0; c->check_own_row && r < c->rows; r++)
            if ((st = c->check_own_row(c, r)) != DK_OK)
                return st;
    }
    return check_overlap(c, n);
}

/* Rows [r, end) share t[r] (and t_prev[r]). */
static size_t run_end(const dk_call *c, size_t r)
{
    size_t end = r + 1;
    while (end < c->rows && c->t[end] == c->t[r] && (!c->t_prev || c->t_prev[end] == c->t_prev[r]))
        end++;
    return end;
}

/* The runs of rows with equal t (and t_prev) within elements [begin, end):
 * one run function call each, a run cut where the range is. */
static void run_range(const dk_call *c, dk_run_fn run, size_t begin, size_t end)
{
    float ahead[DK_AHEAD];              /* the normals of indices ahead_at .. ahead_end - 1 of the call */
    size_t ahead_at = 0, ahead_end = 0; /* (relative to noise.offset) */
    for (size_t at = begin, stop; at < end; at = stop) {
        const size_t r = at / c->dim;
        const size_t run_stop = (c->flat || c->untimed ? c->rows : run_end(c, r)) * c->dim;
        stop = run_stop < end ? run_stop : end;
        const size_t len = stop - at;
        dk_kargs a = {.stream = c->stream, .noise_plain = c->noise_plain};
        if (c->noise_ahead && len < DK_AHEAD_RUN) {
            if (at < ahead_at || at + len > ahead_end) {
                const size_t count = end - at < DK_AHEAD ? end - at : DK_AHEAD;
                dk_kargs z = {.out = {ahead}, .noise = *c->noise};
                z.noise.offset += at;
                dk_kernel(c, DK_KERNEL_randn)(count, &z);
                ahead_at = at, ahead_end = at + count;
            }
            a.z_ahead = ahead + (at - ahead_at);
        }
        for (int i = 0; i < c->inputs; i++)
            a.in[i] = c->in[i] ? c->in[i] + at : NULL;
        for (int k = 0; k < c->outputs; k++)
            a.out[k] = c->out[k] ? c->out[k] + at : NULL;
        if (c->noise) {
            a.noise = *c->noise;
            a.noise.offset += at;
        }
        run(c, r, len, &a);
    }
}

static _Atomic size_t split_min; /* 0: by the call's kind */
void dk_set_split_min(size_t elements) { atomic_store(&split_min, elements); }

/* A checked call cut into tasks, which the pool's threads take in turn:
 * task i takes the elements [edge(i), edge(i + 1)), with its own slice of
 * the scratch. */
typedef struct dk_split {
    const dk_call *c;
    dk_run_fn run;
    size_t tasks;
    size_t scratch_floats; /* per task */
} dk_split;

/* Task edges: whole rows for calls with a row's sum or threshold; else
 * multiples of DK_SPLIT_ALIGN elements of the noise index (offset + e; of e
 * for calls without noise), so that no Philox block, and no cache line of
 * arrays aligned to 64 bytes, is cut. */
enum { DK_SPLIT_ALIGN = 64 };
static size_t split_edge(const dk_split *sp, size_t i)
{
    const dk_call *c = sp->c;
    if (i == sp->tasks)
        return c->rows * c->dim;
    if (c->whole_rows)
        return (c->rows / sp->tasks * i + c->rows % sp->tasks * i / sp->tasks) * c->dim;
    const size_t n = c->rows * c->dim, e = n / sp->tasks * i + n % sp->tasks * i / sp->tasks;
    const size_t phase = (size_t)((c->noise ? c->noise->offset : 0) + e) % DK_SPLIT_ALIGN;
    return e - (phase <= e ? phase : e);
}

static void split_task(void *ctx, size_t i)
{
    const dk_split *sp = ctx;
    dk_call own = *sp->c;
    dk_bracket carried = {INFINITY, INFINITY, {0}};
    own.carried = &carried;
    if (own.scratch)
        own.scratch += i * sp->scratch_floats;
    run_range(&own, sp->run, split_edge(sp, i), split_edge(sp, i + 1));
}

dk_status dk_call_do(dk_call *c, dk_run_fn run)
{
    dk_status st = call_check(c);
    if (st != DK_OK || c->rows == 0 || c->dim == 0)
        return st;
    /* One kernel table for the whole call, whatever dk_isa_select does meanwhile. */
    c->kernels = dk_active_kernels();
    const int thresholded = c->opts_kind == DK_OPTS_STEP && c->opts->threshold_ratio > 0.0f;
    c->whole_rows = c->row_out_size != 0 || thresholded;
    c->stream = (uint64_t)c->rows * c->dim * sizeof(float) >= dk_stream_min();
    c->noise_plain = !dk_noise_streams();
    /* Threads: up to DK_TASKS_PER_THREAD tasks per thread, each of at least
     * `least` elements. */
    const size_t n = c->rows * c->dim, threads = (size_t)dk_num_threads(), forced = atomic_load(&split_min);
    const size_t least = forced ? forced : c->noise ? DK_SPLIT_MIN_NOISE : DK_SPLIT_MIN;
    const size_t most = threads > 1 && !thresholded ? threads * DK_TASKS_PER_THREAD : threads;
    size_t tasks = n / least < most ? n / least : most;
    if (c->whole_rows && tasks > c->rows)
        tasks = c->rows;
    dk_split sp = {c, run, tasks ? tasks : 1, 0};
    /* The one allocation a call may make: for thresholding, x0 and the
     * quantile's candidates of a group of rows (threshold.h), per task; a
     * group of no more rows than a task has. */
    if (thresholded) {
        const size_t group = dk_threshold_group(c->dim), task_rows = (c->rows + sp.tasks - 1) / sp.tasks;
        c->group_rows = group < task_rows ? group : task_rows;
        if (c->dim > SIZE_MAX / (2 * sizeof(float)) / c->group_rows / sp.tasks)
            return DK_ERR_OUT_OF_MEMORY;
        sp.scratch_floats = 2 * c->group_rows * c->dim;
        if (!(c->scratch = malloc(sp.tasks * sp.scratch_floats * sizeof(float))))
            return DK_ERR_OUT_OF_MEMORY;
    }
    dk_parallel(sp.tasks, split_task, &sp);
    free(c->scratch);
    c->scratch = NULL;
    return DK_OK;
}
