/* What every public kernel entry point shares: a declarative description of
 * its arguments, one validation of all of them in a fixed order before
 * anything is written, and one loop over runs of rows with equal timesteps.
 *
 *   dk_call c = dk_call_rows(s, t, rows, dim, 0);   // t[r] in 0..T
 *   dk_in(&c, x0);                                   // one line per array
 *   dk_in(&c, eps);
 *   dk_out(&c, xt);
 *   return dk_call_do(&c, q_sample_run);            // check all, then one kernel call per run
 *
 * The arrays go into dk_kargs in the order they are declared: inputs to
 * a.in[], outputs to a.out[], as the kernel's row in kernel_list.h lists them.
 */
#ifndef DK_CALL_H
#define DK_CALL_H

#include "dispatch.h"
#include "kernels.h"
#include "schedule.h"

/* Which options a call takes, and so how they are checked. */
typedef enum dk_opts_kind {
    DK_OPTS_NONE,
    DK_OPTS_STEP, /* dk_p_step, dk_ddim_step: everything; epsilon and score prediction refused at abar = 0 */
    DK_OPTS_FLOW, /* dk_sde_step, dk_ode_step: no clip or thresholding; abar = 0 refused */
    DK_OPTS_MEAN  /* dk_vlb_terms: the DDPM step's mean; no thresholding; abar = 0 as for STEP */
} dk_opts_kind;

typedef struct dk_call {
    const dk_schedule *s;  /* NULL for flat calls */
    const int32_t *t;      /* rows timesteps; NULL for flat calls */
    const int32_t *t_prev; /* rows targets in 0..t[r] (has_t_prev) */
    int has_t_prev;
    size_t rows, dim; /* flat calls: 1 row of n */
    int32_t t_min;    /* every t[r] in t_min..T */
    int flat;         /* no schedule and no timesteps (dk_randn) */
    int untimed;      /* a schedule and rows, but no timesteps (dk_prior_kl): the rows are one run */
    const float *in[DK_MAX_IN];
    float *out[DK_MAX_OUT];
    int inputs, outputs;
    unsigned optional;        /* as dk_kernel_desc.optional */
    void *row_out;            /* one value per row (a loss), NULL for none; the run function writes it */
    size_t row_out_size;      /* its element size */
    int row_out_optional;     /* row_out may be NULL */
    int needs_an_out;         /* every output is optional, but one must be given */
    int noise_ahead;          /* the run function takes a->z_ahead: dk_with_noise_ahead */
    const dk_noise *noise;    /* NULL: the call makes no noise */
    const dk_step_opts *opts; /* while running: never NULL (the defaults) */
    dk_opts_kind opts_kind;
    float *scratch;             /* while running, for calls that threshold: threshold.h */
    size_t group_rows;          /* while running, for calls that threshold: the rows of a group */
    struct dk_bracket *carried; /* while running, for calls that threshold: the bracket the task's
                                   last thresholded row left (threshold.h), for its next run */
    const dk_kernels *kernels;  /* while running: the ISA's kernels, fixed for the call */
    int whole_rows;  /* while running: the run function is given whole rows (a sum or threshold each) */
    int stream;      /* while running: the kernels may stream their output (dk_set_stream_min) */
    int noise_plain; /* while running: but those that make their noise store plainly (dk_noise_streams) */
    const void *ctx; /* the entry point's own data, for its run function and checks */
    /* The entry point's own checks, NULL for none: of its options (with the
     * step options), and of each row's t once every t is in its domain. */
    dk_status (*check_own_opts)(const struct dk_call *c);
    dk_status (*check_own_row)(const struct dk_call *c, size_t r);
} dk_call;

/* A call over rows x dim floats whose row r uses step t[r], t_min..T. */
dk_call dk_call_rows(const dk_schedule *s, const int32_t *t, size_t rows, size_t dim, int32_t t_min);
/* A call over rows x dim floats with a schedule but no timesteps. */
dk_call dk_call_untimed(const dk_schedule *s, size_t rows, size_t dim);
/* A call over n floats with neither schedule nor timesteps. */
dk_call dk_call_flat(size_t n);

/* Arrays of rows * dim floats: required, or optional (may be NULL). */
void dk_in(dk_call *c, const float *p);
void dk_in_opt(dk_call *c, const float *p);
void dk_out(dk_call *c, float *p);
void dk_out_opt(dk_call *c, float *p);
/* An array of rows values of elem_size bytes, required or optional, which
 * may overlap nothing; the run function writes it (row r0 onwards). */
void dk_out_rows(dk_call *c, void *p, size_t elem_size, int optional);
/* The call's outputs are all optional but not all NULL (DK_ERR_NULL_POINTER)
 * unless the call has no elements. */
void dk_needs_an_out(dk_call *c);
/* The call's rows go from t[r] to t_prev[r], in 0..t[r]. */
void dk_with_t_prev(dk_call *c, const int32_t *t_prev);
/* The call generates noise from *noise (indices offset .. offset + n - 1). */
void dk_with_noise(dk_call *c, const dk_noise *noise);
/* The same, and its run function can take the normals made ahead: for runs
 * of rows shorter than DK_AHEAD_RUN floats, dk_call_do makes the normals of
 * many runs at once (one randn kernel call per DK_AHEAD floats) and passes
 * each run its own in a->z_ahead; the run function then calls the kernel that
 * reads its noise (dk_randn then the twin: the same bits). A noise kernel
 * makes whole chunks of normals, so a run of a few floats would otherwise
 * cost a chunk each. */
void dk_with_noise_ahead(dk_call *c, const dk_noise *noise);
enum { DK_AHEAD = 4096, DK_AHEAD_RUN = 1024 };
/* The call takes step options (NULL: the defaults) of that kind. The
 * guidance array opts->uncond is declared by the caller with dk_in_opt. */
void dk_with_opts(dk_call *c, const dk_step_opts *opts, dk_opts_kind kind);

/* The guidance array of opts (NULL for none), to declare as an input. */
static inline const float *dk_uncond_of(const dk_step_opts *opts) { return opts ? opts->uncond : NULL; }

/* Called once per run of elements with equal t (and t_prev), from the row r0
 * they start in: a holds the arrays from the run's first element on (NULL
 * stays NULL) and the noise from that element's index; it sets a->c and
 * calls a kernel over n floats. A run may start and end within rows (a
 * call split over threads), except where c->whole_rows: rows
 * [r0, r0 + n / dim) then. Runs may be called from several threads at once. */
typedef void (*dk_run_fn)(const dk_call *c, size_t r0, size_t n, dk_kargs *a);

/* Checks everything, in this order, and returns the first problem, having
 * written nothing: DK_ERR_SIZE_OVERFLOW, DK_ERR_NULL_POINTER, the options
 * (DK_ERR_PREDICTION, DK_ERR_VARIANCE, DK_ERR_CLIP, DK_ERR_ETA,
 * DK_ERR_THRESHOLD, DK_ERR_GUIDANCE), DK_ERR_NOISE_RANGE, DK_ERR_TIMESTEP,
 * DK_ERR_TIMESTEP_PREV, DK_ERR_ZERO_SNR, DK_ERR_OVERLAP (an output may be
 * exactly an input; it may not overlap anything else, another output, t or
 * t_prev included; the row output overlaps nothing), DK_ERR_OUT_OF_MEMORY (the thresholding scratch). A good
 * call is run (nothing runs when it has no elements) and DK_OK returned. */
dk_status dk_call_do(dk_call *c, dk_run_fn run);

/* Moves a run's arguments on by one row (dim elements): the arrays, the
 * noise offset and the normals made ahead; for run functions that call a
 * kernel row by row (those with row sums). */
void dk_kargs_next_row(const dk_call *c, dk_kargs *a);

/* A call's kernel: of the ISA active when it started. */
static inline dk_kernel_fn dk_kernel(const dk_call *c, dk_kernel_id id) { return c->kernels->fn[id]; }

/* A call is split into tasks of at least this many elements; smaller calls
 * stay on the calling thread. Measured on a Zen 4,
 * 2 threads, one timestep, in cache: q_sample gains from 2 x 16384
 * elements (3.5 -> 2.6 us), barely at 2 x 8192 (1.8 -> 1.7), loses below;
 * q_sample_randn gains from 2 x 2048 (3.8 -> 2.8 us), barely at 2 x 1024
 * (2.0 -> 1.9). */
enum { DK_SPLIT_MIN = 16384, DK_SPLIT_MIN_NOISE = 2048 };
/* Tasks per thread (thresholded calls: one, each has its scratch). */
enum { DK_TASKS_PER_THREAD = 8 };
/* Tests and the bench: another minimum for every call (0: the two above
 * again), so that small calls split too. Not for concurrent use with calls. */
void dk_set_split_min(size_t elements);

#endif /* DK_CALL_H */
