/* The public array functions of api_list.h as data: generic arguments, a
 * call through them, the role of every parameter, and random valid calls
 * with their own buffers. */
#ifndef DK_TEST_API_H
#define DK_TEST_API_H

#include <stddef.h>
#include <stdint.h>

#include "diffkern.h"

#define API_MAX_IN    4
#define API_MAX_OUT   2
#define API_MAX_ROLES 12

/* The arguments of any function of the list, by role. */
typedef struct api_args {
    const dk_schedule *s;
    const int32_t *t;
    const int32_t *t_prev;
    size_t rows, dim, n; /* n: the element count of flat calls (rows * dim) */
    const float *in[API_MAX_IN];
    float *out[API_MAX_OUT];
    dk_noise noise;
    const dk_step_opts *opts;
    const dk_loss_opts *loss_opts;
    dk_decoder dec;
} api_args;

typedef enum api_role_kind {
    ROLE_END, /* past the last parameter */
    ROLE_SCHED,
    ROLE_T,
    ROLE_TPREV,
    ROLE_ROWS,
    ROLE_DIM,
    ROLE_N,
    ROLE_IN,
    ROLE_IN_OPT,
    ROLE_IN_UNIT,
    ROLE_OUT,
    ROLE_OUT_OPT,
    ROLE_NOISE_OUT,
    ROLE_MEAN_OUT_OPT,
    ROLE_ROW_OUT_OPT,
    ROLE_ROW_NATS,
    ROLE_NOISE,
    ROLE_OPTS,
    ROLE_OPTS_FLOW,
    ROLE_LOSS_OPTS,
    ROLE_OPTS_MEAN,
    ROLE_DECODER
} api_role_kind;

typedef struct api_role {
    api_role_kind kind;
    int index; /* IN*, OUT*: the array; T: the smallest timestep */
    const char *name;
} api_role;

typedef struct api_spec {
    const char *name;
    dk_status (*call)(const api_args *g);
    const char *twin; /* NULL, or the function this one is with input twin_in generated */
    int twin_in;
    api_role roles[API_MAX_ROLES];
} api_spec;

extern const api_spec api_specs[];
extern const size_t api_spec_count;

const api_spec *api_by_name(const char *name);
/* The first role of that kind, or NULL. */
const api_role *api_role_of(const api_spec *f, api_role_kind kind);
int api_inputs(const api_spec *f);
int api_outputs(const api_spec *f);
/* The role of input i or output k. */
const api_role *api_in(const api_spec *f, int i);
const api_role *api_out(const api_spec *f, int k);
int api_is_flat(const api_spec *f); /* no rows: an element count instead */
/* The floats output k of call g takes in memory: g->rows for a row output
 * of floats, 2 g->rows for one of doubles, else g->n. */
size_t api_out_len(const api_spec *f, int k, const api_args *g);
/* Output k is one value per row (it overlaps nothing). */
int api_out_per_row(const api_spec *f, int k);
/* The values of output k (rows or n) and value i of it, as a double. */
size_t api_out_values(const api_spec *f, int k, const api_args *g);
double api_out_value(const api_spec *f, int k, const float *out, size_t i);
/* The index of the first value of output k where a and b differ (same bits,
 * or both NaN, as dk_same), or api_out_values() if none. */
size_t api_out_first_diff(const api_spec *f, int k, const api_args *g, const float *a, const float *b);
/* Output k is optional / the same whatever split of the rows made it. */
int api_out_optional(const api_spec *f, int k);
int api_out_split_invariant(const api_spec *f, int k);
/* Every output is optional, and a call needs one of them. */
int api_needs_an_out(const api_spec *f);
int api_t_min(const api_spec *f);
/* The arguments of units [first, first + count) of the call `whole` (rows,
 * or elements of a flat function): t, t_prev, the inputs, the guidance input
 * and the noise offset moved along; output k at out[k] moved along (NULL
 * where whole has none). The moved options are kept in *opts. */
api_args api_args_part(const api_spec *f, const api_args *whole, size_t first, size_t count,
                       float *const *out, dk_step_opts *opts);
/* The OPTS, OPTS_FLOW or OPTS_MEAN role, or NULL. */
const api_role *api_opts_role(const api_spec *f);

/* n values in [-1, 1], the data of an IN_UNIT input. */
void api_fill_unit(float *p, size_t n);

/* A valid call with buffers of its own. */
typedef struct api_case {
    const api_spec *f;
    api_args g;
    int32_t *t, *t_prev;
    float *in[API_MAX_IN], *out[API_MAX_OUT];
    float *uncond; /* the guidance input, used by option sets with guidance */
    dk_step_opts opts;
    dk_loss_opts loss_opts;
} api_case;

/* rows x dim floats per array (flat calls: n = rows * dim); timesteps random
 * in their domain with runs of equal t (and t_prev) and both ends, t_prev
 * random in 0..t including 0 and t; inputs random; every output present; a
 * random noise; the default options. */
api_case *api_case_new(const api_spec *f, const dk_schedule *s, size_t rows, size_t dim);
void api_case_free(api_case *c);
/* After a test changes c->t: each t_prev lowered to its row's t where above. */
void api_case_fix_t_prev(api_case *c);
dk_status api_case_call(const api_case *c);

/* The option sets the tests go through, for a function's options role:
 * every prediction with every clamp (none, clip, thresholding), guidance on
 * and off, eta 0, 0.5 and 1, recompute_eps on and off, both variances
 * (OPTS_FLOW: prediction x guidance only; LOSS_OPTS: every prediction with
 * every weighting; OPTS_MEAN and DECODER: prediction x guidance x clip x
 * variance x decoder). api_opts_count is 1 for a function without options. api_case_set_opts sets c->opts to
 * set i, its guidance input being c->uncond. */
int api_opts_count(const api_spec *f);
void api_case_set_opts(api_case *c, int i);
/* Option set i of a function, with uncond as its guidance input. */
dk_step_opts api_opts_at(const api_spec *f, int i, const float *uncond);
dk_loss_opts api_loss_opts_at(int i);

#endif /* DK_TEST_API_H */
