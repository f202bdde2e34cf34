/* The samplers end to end, proven statistically. For a Gaussian mixture the
 * exact noise prediction is known at every t (the "model" below), so every
 * sampler can draw from pure noise without a network:
 *   DDPM 1000 steps, DDIM 50 steps with eta 0 and eta 1, the reverse SDE 1000
 *   steps, the probability-flow ODE 250 steps, DDIM with guidance,
 * on the seed's 1D bimodal data, 0.5 N(-2, 0.3^2) + 0.5 N(2, 0.3^2), and a 2D
 * mixture of 8 equal Gaussians on a circle (radius 2, sd 0.15), N = 2^16
 * samples each from the counter-based noise.
 *
 * Each run is compared with a reference: the same sampler written plainly in
 * double from the papers, with its own random numbers (the harness's, not
 * diffkern's), N samples too. What a sampler should give is the law of its
 * discretized chain, not the data exactly; the reference draws from that law,
 * so the comparison with it is sharp, and the distance to the data is the
 * method's own.
 *
 * The bounds (each at about p = 1e-4 under the null, or 5 standard errors):
 * 1D  two-sample Kolmogorov-Smirnov, diffkern against the reference:
 *       D <= c sqrt(2 / N), c = sqrt(ln(2 / 1e-4) / 2) = 2.23 (0.0123 at 2^16);
 *     one-sample KS, diffkern against the mixture's CDF:
 *       D <= c / sqrt(N) + D_ref + c / sqrt(N), D_ref the reference's own
 *       distance (the chain's bias, plus its sampling error, bounded by the
 *       last term).
 * 2D  the 8 sectors of the circle: by the mixture's symmetry (and the
 *     sampler's: isotropic noise, an equivariant model) each holds 1/8 of the
 *     law and its mean lies on the mode's axis, whatever the discretization:
 *       mass within 5 binomial standard errors of 1/8; the mean's component
 *       across the axis within 5 standard errors of 0; the mean along the
 *       axis within 5 standard errors of the reference's (two samples), and
 *       of the mode's radius 2 within 5 SE + |reference - 2| + 5 SE_ref;
 *       the variance along the axis within 5 SE of the reference's, in each
 *       sector and pooled over the 8 (a wrong sigma widens or narrows the
 *       modes more than it moves their means: sigma 15% too large moved the
 *       mean along the axis 4.2 to 6.0 SE from the reference's in three
 *       runs, its variance 13 SE in a sector and 34 SE pooled; the right
 *       samplers stayed within 2.2 and 1.9 in four runs).
 * Power: the test also runs the guided DDIM with its guidance term left out,
 * and the DDPM and SDE chains with sigma 15% too large (z scaled by 1.15),
 * and requires each to fail its 1D bound, and the 2D DDPM chain with that
 * sigma to fail its 2D bounds. (DDIM's eta is no probe of sigma:
 * DDIM keeps the marginals for every eta by design, and eta 0.25 against 1
 * moves the 1D law by about the bound only.)
 *
 * Native only (suite e2e), on two threads: tens of seconds, far too slow
 * under emulation, where threads hang besides. */
#define _POSIX_C_SOURCE 200809L /* pthreads */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diffkern.h"
#include "harness.h"

#define N        65536
#define T        1000
#define KS_C     2.2254 /* sqrt(ln(2 / 1e-4) / 2) */
#define SIGMAS   5.0
#define MAX_MODE 8
#define PI       3.14159265358979323846
/* The power checks' sigma error. 10% moves the 1D KS distance to the
 * reference to 0.015 to 0.018 against the bound of 0.0123: caught, but the
 * reference's own draw (its seed changes each run) spreads D by about
 * 0.0015, so 10% would pass now and then. 15% gives 0.022 to 0.025, six
 * such spreads over the bound. */
#define SIGMA_FAULT 1.15f

/* ---- the data, and its exact noise prediction ---- */

typedef struct mixture {
    int dim, modes;
    double w[MAX_MODE], mu[MAX_MODE][2], sd;
} mixture;

static mixture bimodal(void)
{
    mixture m = {1, 2, {0.5, 0.5}, {{-2, 0}, {2, 0}}, 0.3};
    return m;
}

static mixture circle(void)
{
    mixture m = {2, 8, {0}, {{0}}, 0.15};
    for (int k = 0; k < 8; k++) {
        m.w[k] = 1.0 / 8;
        m.mu[k][0] = 2 * cos(2 * PI * k / 8), m.mu[k][1] = 2 * sin(2 * PI * k / 8);
    }
    return m;
}

/* E[eps | x_t = x] of a mixture at alpha_bar ab: x_t is the mixture of
 * N(sqrt(ab) mu_k, v I), v = ab sd^2 + 1 - ab, and E[eps | x] =
 * sqrt(1 - ab) (x - sum_k r_k(x) sqrt(ab) mu_k) / v, r_k the posterior of
 * mode k. The constants of one t, computed once per step: */
typedef struct model_t {
    int dim, modes;
    double half_inv_v, scale; /* 1 / (2 v), sqrt(1 - ab) / v */
    double logw[MAX_MODE], amu[MAX_MODE][2];
} model_t;

static model_t model_at(const mixture *mx, double ab)
{
    const double v = ab * mx->sd * mx->sd + 1.0 - ab;
    model_t m = {mx->dim, mx->modes, 1.0 / (2 * v), sqrt(1.0 - ab) / v, {0}, {{0}}};
    for (int k = 0; k < mx->modes; k++) {
        m.logw[k] = log(mx->w[k]);
        for (int j = 0; j < mx->dim; j++)
            m.amu[k][j] = sqrt(ab) * mx->mu[k][j];
    }
    return m;
}

static void model(const model_t *m, const double *x, double *eps)
{
    double logp[MAX_MODE], top = -INFINITY;
    for (int k = 0; k < m->modes; k++) {
        double d2 = 0;
        for (int j = 0; j < m->dim; j++)
            d2 += (x[j] - m->amu[k][j]) * (x[j] - m->amu[k][j]);
        logp[k] = m->logw[k] - d2 * m->half_inv_v;
        if (logp[k] > top)
            top = logp[k];
    }
    double sum = 0, mean[2] = {0, 0};
    for (int k = 0; k < m->modes; k++) {
        /* expf: the weights need no more than float's precision (the model is
         * the experiment's "network", the same for diffkern and the
         * reference), and the test runs three times faster */
        const double r = expf((float)(logp[k] - top));
        sum += r;
        for (int j = 0; j < m->dim; j++)
            mean[j] += r * m->amu[k][j];
    }
    for (int j = 0; j < m->dim; j++)
        eps[j] = m->scale * (x[j] - mean[j] / sum);
}

/* The model of mode 0 alone: the "conditional" output of guidance. */
static mixture mode0(const mixture *mx)
{
    mixture c = *mx;
    c.modes = 1, c.w[0] = 1.0;
    return c;
}

/* ---- the samplers ---- */

typedef enum kind { DDPM, DDIM, SDE, ODE } kind;

typedef struct sampler {
    const char *name;
    kind k;
    int steps;   /* DDIM and ODE: inference steps (trailing spacing); else T */
    float eta;   /* DDIM */
    float guide; /* > 0: guidance to mode 0 with this scale */
} sampler;

static dk_schedule *sched;
static double ab[T + 1], betas[T + 1];

/* The (t, t_prev) pairs of a sampler: every step, or dk_timesteps'. The
 * reference takes the same pairs: they are the method, not its arithmetic. */
static int pairs(const sampler *s, int32_t *t, int32_t *tp)
{
    if (s->k == DDPM || s->k == SDE) {
        for (int i = 0; i < T; i++)
            t[i] = T - i, tp[i] = T - i - 1;
        return T;
    }
    if (dk_timesteps(T, s->steps, DK_SPACING_TRAILING, 0, 1, t, tp) != DK_OK)
        abort();
    return s->steps;
}

/* ---- work split over the CPUs (native only: qemu-user hangs on threads) ---- */

#define THREADS 2

typedef struct rng {
    uint64_t s[4];
    double spare; /* Box-Muller makes normals in pairs */
    int have_spare;
} rng;

typedef struct job {
    void (*fn)(struct job *j, size_t r0, size_t r1);
    const void *ctx;
    rng *rng; /* the reference's own generator, one per thread */
    size_t r0, r1;
} job;

static void *job_main(void *arg)
{
    job *j = arg;
    j->fn(j, j->r0, j->r1);
    return NULL;
}

/* Runs fn over the rows [0, N) in THREADS pieces. */
static void parallel(job *jobs, void (*fn)(job *j, size_t r0, size_t r1), const void *ctx)
{
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i].fn = fn, jobs[i].ctx = ctx;
        jobs[i].r0 = (size_t)N * i / THREADS, jobs[i].r1 = (size_t)N * (i + 1) / THREADS;
        if (pthread_create(&threads[i], NULL, job_main, &jobs[i]) != 0)
            abort();
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
}

/* xoshiro256** and Box-Muller: the reference's normals, from a generator of
 * the test's own (not diffkern's counter-based noise). */
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next_u64(uint64_t *s)
{
    const uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= t, s[3] = rotl(s[3], 45);
    return result;
}

static double normal(rng *g)
{
    if (g->have_spare) {
        g->have_spare = 0;
        return g->spare;
    }
    const double u1 = ((double)(next_u64(g->s) >> 11) + 1.0) * 0x1p-53;
    const double u2 = (double)(next_u64(g->s) >> 11) * 0x1p-53, r = sqrt(-2.0 * log(u1));
    g->spare = r * sin(2 * PI * u2), g->have_spare = 1;
    return r * cos(2 * PI * u2);
}

/* ---- one step of each chain ---- */

typedef struct step_ctx {
    const sampler *s;
    model_t model, cond; /* cond: mode 0 alone, the "conditional" output of guidance */
    int dim;
    double a, p, beta; /* alpha_bar_t, alpha_bar_{t_prev}, beta_t */
    int t;
    /* the reference's step, from the papers: x_prev = cx0 x0 + cx x + ce eps + sigma z */
    double cx0, cx, ce, sigma;
    float *xf, *m, *u; /* diffkern's samples and model outputs */
    double *x;         /* the reference's samples */
} step_ctx;

/* diffkern's model outputs for rows [r0, r1). */
static void fill_model(job *j, size_t r0, size_t r1)
{
    const step_ctx *c = j->ctx;
    for (size_t r = r0; r < r1; r++) {
        const double xd[2] = {c->xf[r * c->dim], c->dim > 1 ? c->xf[r * c->dim + 1] : 0};
        double e[2], ue[2];
        model(c->s->guide > 0 ? &c->cond : &c->model, xd, e);
        if (c->s->guide > 0)
            model(&c->model, xd, ue);
        for (int k = 0; k < c->dim; k++) {
            c->m[r * c->dim + k] = (float)e[k];
            c->u[r * c->dim + k] = c->s->guide > 0 ? (float)ue[k] : 0.0f;
        }
    }
}

/* The reference's step for rows [r0, r1). */
static void reference_step(job *j, size_t r0, size_t r1)
{
    const step_ctx *c = j->ctx;
    const double a = c->a;
    for (size_t r = r0; r < r1; r++) {
        double *xr = c->x + r * c->dim, e[2], ue[2];
        model(c->s->guide > 0 ? &c->cond : &c->model, xr, e);
        if (c->s->guide > 0) { /* uncond + w (cond - uncond) */
            model(&c->model, xr, ue);
            for (int k = 0; k < c->dim; k++)
                e[k] = ue[k] + c->s->guide * (e[k] - ue[k]);
        }
        for (int k = 0; k < c->dim; k++) {
            const double x0 = (xr[k] - sqrt(1 - a) * e[k]) / sqrt(a);
            xr[k] =
                c->cx0 * x0 + c->cx * xr[k] + c->ce * e[k] + (c->sigma > 0 ? c->sigma * normal(j->rng) : 0.0);
        }
    }
}

/* The reference's coefficients of a step from t to t_prev (a, p their
 * alpha_bar), from the papers' formulas. */
static void reference_coefs(step_ctx *c)
{
    const double a = c->a, p = c->p, beta = c->beta;
    switch (c->s->k) {
    case DDPM: /* DDPM eq. 7: posterior mean, and sqrt(beta_tilde) */
        c->cx0 = beta * sqrt(p) / (1 - a), c->cx = (1 - p) * sqrt(1 - beta) / (1 - a), c->ce = 0;
        c->sigma = c->t > 1 ? sqrt(beta * (1 - p) / (1 - a)) : 0;
        break;
    case DDIM: /* DDIM eq. 12 and 16 */
        c->sigma = c->s->eta * sqrt((1 - p) / (1 - a)) * sqrt(1 - a / p);
        c->cx0 = sqrt(p), c->cx = 0, c->ce = sqrt(fmax(0.0, 1 - p - c->sigma * c->sigma));
        break;
    default: { /* VP (Song et al. 2021): B = ln(p / a), score = -eps / sqrt(1 - a) */
        const double B = log(p / a);
        c->cx0 = 0, c->cx = 1 + B / 2, c->ce = -(c->s->k == SDE ? B : B / 2) / sqrt(1 - a);
        c->sigma = c->s->k == SDE ? sqrt(B) : 0;
        break;
    }
    }
}

/* The deliberate faults of the power checks: none, the guidance term left
 * out, or sigma 15% too large (the step's z, made by dk_randn from the
 * same indices as the _randn call's, scaled by SIGMA_FAULT and given to
 * the z-taking twin: the same step, with sigma * 1.15). */
typedef enum fault { NO_FAULT, NO_GUIDANCE, SIGMA_TOO_LARGE } fault;

/* diffkern: N samples in x (rows of dim floats), from dk_randn noise. */
static void run_diffkern(const sampler *s, const mixture *mx, float *x, fault f)
{
    const int dim = mx->dim;
    static int32_t t[T], tp[T], rt[N], rp[N];
    static float m[N * 2], u[N * 2], z[N * 2];
    const int steps = pairs(s, t, tp);
    const mixture cond = mode0(mx);
    job jobs[THREADS];
    if (dk_randn((dk_noise){.seed = 20261122, .stream = 999999, .offset = 0}, x, (size_t)N * dim) != DK_OK)
        abort();
    for (int i = 0; i < steps; i++) {
        step_ctx c = {
            s,   model_at(mx, ab[t[i]]), model_at(&cond, ab[t[i]]), dim, 0, 0, 0, t[i], 0, 0, 0, 0, x, m, u,
            NULL};
        parallel(jobs, fill_model, &c);
        for (size_t r = 0; r < N; r++)
            rt[r] = t[i], rp[r] = tp[i];
        dk_step_opts o = {.prediction = DK_PRED_EPSILON, .eta = s->eta};
        if (s->guide > 0 && f != NO_GUIDANCE)
            o.uncond = u, o.guidance_scale = s->guide;
        const dk_noise noise = {.seed = 20261122, .stream = (uint64_t)i, .offset = 0};
        dk_status st = DK_OK;
        if (f == SIGMA_TOO_LARGE) {
            if (dk_randn(noise, z, (size_t)N * dim) != DK_OK)
                abort();
            for (size_t r = 0; r < (size_t)N * dim; r++)
                z[r] *= SIGMA_FAULT;
        }
        switch (s->k) {
        case DDPM:
            st = f == SIGMA_TOO_LARGE ? dk_p_step(sched, rt, N, (size_t)dim, x, m, z, &o, x)
                                      : dk_p_step_randn(sched, rt, N, (size_t)dim, x, m, noise, &o, x);
            break;
        case DDIM:
            st = s->eta > 0 ? dk_ddim_step_randn(sched, rt, rp, N, (size_t)dim, x, m, noise, &o, x)
                            : dk_ddim_step(sched, rt, rp, N, (size_t)dim, x, m, NULL, &o, x);
            break;
        case SDE:
            st = f == SIGMA_TOO_LARGE ? dk_sde_step(sched, rt, rp, N, (size_t)dim, x, m, z, &o, x)
                                      : dk_sde_step_randn(sched, rt, rp, N, (size_t)dim, x, m, noise, &o, x);
            break;
        case ODE:
            st = dk_ode_step(sched, rt, rp, N, (size_t)dim, x, m, &o, x);
            break;
        }
        if (st != DK_OK) {
            fprintf(stderr, "%s: %s\n", s->name, dk_status_str(st));
            abort();
        }
    }
}

/* The reference: the same chain in double, with the test's own normals. */
static void run_reference(const sampler *s, const mixture *mx, double *x)
{
    static int32_t t[T], tp[T];
    const int steps = pairs(s, t, tp);
    const mixture cond = mode0(mx);
    job jobs[THREADS];
    rng gens[THREADS];
    for (int i = 0; i < THREADS; i++) {
        for (int k = 0; k < 4; k++)
            gens[i].s[k] = dk_rand_u64();
        gens[i].have_spare = 0;
        jobs[i].rng = &gens[i];
    }
    for (size_t i = 0; i < (size_t)N * mx->dim; i++)
        x[i] = normal(&gens[0]);
    for (int i = 0; i < steps; i++) {
        step_ctx c = {s,
                      model_at(mx, ab[t[i]]),
                      model_at(&cond, ab[t[i]]),
                      mx->dim,
                      ab[t[i]],
                      ab[tp[i]],
                      betas[t[i]],
                      t[i],
                      0,
                      0,
                      0,
                      0,
                      NULL,
                      NULL,
                      NULL,
                      x};
        reference_coefs(&c);
        parallel(jobs, reference_step, &c);
    }
}

/* ---- statistics ---- */

static int compare_doubles(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double mixture_cdf(const mixture *mx, double x)
{
    double c = 0;
    for (int k = 0; k < mx->modes; k++)
        c += mx->w[k] * 0.5 * erfc(-(x - mx->mu[k][0]) / (mx->sd * sqrt(2.0)));
    return c;
}

/* One-sample KS distance of sorted a to the mixture's CDF. */
static double ks_one(const double *a, const mixture *mx)
{
    double d = 0;
    for (size_t i = 0; i < N; i++) {
        const double f = mixture_cdf(mx, a[i]);
        d = fmax(d, fmax(fabs((double)(i + 1) / N - f), fabs(f - (double)i / N)));
    }
    return d;
}

/* Two-sample KS distance of sorted a and b, both N long. */
static double ks_two(const double *a, const double *b)
{
    double d = 0;
    size_t i = 0, j = 0;
    while (i < N && j < N) {
        const double v = fmin(a[i], b[j]);
        while (i < N && a[i] <= v)
            i++;
        while (j < N && b[j] <= v)
            j++;
        d = fmax(d, fabs((double)i / N - (double)j / N));
    }
    return d;
}

/* The 8 sectors of the circle: mass, the mean along and across each
 * mode's axis, and the variance along it, with their standard errors (the
 * variance's from the sample's fourth central moment, sqrt((m4 - v^2) / n),
 * which assumes no shape). */
typedef struct sectors {
    double mass[8], along[8], across[8], se_along[8], se_across[8], var[8], se_var[8];
} sectors;

/* The sector k of point (px, py) and its coordinates along and across
 * mode k's axis. */
static int axis_coords(double px, double py, double *along, double *across)
{
    const int k = ((int)lround(atan2(py, px) / (2 * PI / 8)) + 8) % 8;
    const double ux = cos(2 * PI * k / 8), uy = sin(2 * PI * k / 8);
    *along = px * ux + py * uy, *across = -px * uy + py * ux;
    return k;
}

static sectors sectors_of(const double *x)
{
    double n[8] = {0}, s1[8] = {0}, s2[8] = {0}, c1[8] = {0}, c2[8] = {0};
    for (size_t r = 0; r < N; r++) {
        double along, across;
        const int k = axis_coords(x[2 * r], x[2 * r + 1], &along, &across);
        n[k]++, s1[k] += along, s2[k] += along * along, c1[k] += across, c2[k] += across * across;
    }
    sectors s;
    for (int k = 0; k < 8; k++) {
        const double m = fmax(n[k], 1);
        s.mass[k] = n[k] / N;
        s.along[k] = s1[k] / m, s.across[k] = c1[k] / m;
        s.se_along[k] = sqrt(fmax(s2[k] / m - s.along[k] * s.along[k], 0) / m);
        s.se_across[k] = sqrt(fmax(c2[k] / m - s.across[k] * s.across[k], 0) / m);
    }
    double c2s[8] = {0}, c4s[8] = {0}; /* central moments along the axis, a second pass */
    for (size_t r = 0; r < N; r++) {
        double along, across;
        const int k = axis_coords(x[2 * r], x[2 * r + 1], &along, &across);
        const double d = along - s.along[k];
        c2s[k] += d * d, c4s[k] += d * d * d * d;
    }
    for (int k = 0; k < 8; k++) {
        const double m = fmax(n[k], 1), v = c2s[k] / m;
        s.var[k] = v;
        s.se_var[k] = sqrt(fmax(c4s[k] / m - v * v, 0) / m);
    }
    return s;
}

/* ---- the experiments ---- */

static float lib_f[N * 2];
static double lib[N * 2], ref[N * 2];

/* 1D: returns 1 if every bound holds (expect_fail: the power checks). */
static int check_1d(const sampler *s, const sampler *reference, fault f, int report)
{
    const mixture mx = bimodal();
    const clock_t start = clock();
    run_diffkern(s, &mx, lib_f, f);
    for (size_t i = 0; i < N; i++)
        lib[i] = lib_f[i];
    run_reference(reference, &mx, ref);
    qsort(lib, N, sizeof *lib, compare_doubles);
    qsort(ref, N, sizeof *ref, compare_doubles);
    const double d_two = ks_two(lib, ref), bound_two = KS_C * sqrt(2.0 / N);
    const int guided = s->guide > 0;
    /* the data's CDF is the target only without guidance */
    const double d_lib = guided ? 0 : ks_one(lib, &mx), d_ref = guided ? 0 : ks_one(ref, &mx);
    const double bound_one = 2 * KS_C / sqrt(N) + d_ref;
    const int ok = d_two <= bound_two && (guided || d_lib <= bound_one);
    if (!report)
        return ok;
    printf("  1D %-22s KS to the reference %.4f (bound %.4f); ", s->name, d_two, bound_two);
    if (guided) /* guidance sharpens the modes on purpose: the data is not the target */
        printf("to the data: not a target when guided");
    else
        printf("to the data %.4f (bound %.4f; the reference's %.4f)", d_lib, bound_one, d_ref);
    printf("  %.1f s\n", (double)(clock() - start) / CLOCKS_PER_SEC);
    return ok;
}

static int check_2d(const sampler *s, fault f)
{
    const mixture mx = circle();
    const clock_t start = clock();
    run_diffkern(s, &mx, lib_f, f);
    for (size_t i = 0; i < 2 * (size_t)N; i++)
        lib[i] = lib_f[i];
    run_reference(s, &mx, ref);
    const sectors a = sectors_of(lib), b = sectors_of(ref);
    const double se_mass = sqrt(0.125 * 0.875 / N);
    double worst_mass = 0, worst_across = 0, worst_two = 0, worst_radius = 0, radius_bound = 0, worst_var = 0;
    double var_diff = 0, var_se2 = 0; /* the 8 sectors' variances pooled */
    int ok = 1;
    for (int k = 0; k < 8; k++) {
        const double mass_z = fabs(a.mass[k] - 0.125) / se_mass;
        const double across_z = fabs(a.across[k]) / a.se_across[k];
        const double two_z = fabs(a.along[k] - b.along[k]) / hypot(a.se_along[k], b.se_along[k]);
        const double to_radius = fabs(a.along[k] - 2.0);
        const double bound = SIGMAS * a.se_along[k] + fabs(b.along[k] - 2.0) + SIGMAS * b.se_along[k];
        worst_mass = fmax(worst_mass, mass_z), worst_across = fmax(worst_across, across_z);
        worst_two = fmax(worst_two, two_z);
        const double var_z = fabs(a.var[k] - b.var[k]) / hypot(a.se_var[k], b.se_var[k]);
        worst_var = fmax(worst_var, var_z);
        var_diff += a.var[k] - b.var[k], var_se2 += a.se_var[k] * a.se_var[k] + b.se_var[k] * b.se_var[k];
        if (to_radius > worst_radius)
            worst_radius = to_radius, radius_bound = bound;
        ok &= mass_z <= SIGMAS && across_z <= SIGMAS && two_z <= SIGMAS && to_radius <= bound &&
              var_z <= SIGMAS;
    }
    const double pooled_var_z = fabs(var_diff) / sqrt(var_se2);
    ok &= pooled_var_z <= SIGMAS;
    printf("  2D %-22s sectors: mass %.2f SE from 1/8, across the axis %.2f SE from 0, along it %.2f SE from "
           "the reference and %.4f from the radius 2 (bound %.4f), its variance %.2f SE from the reference's "
           "(all 8 pooled: %.2f SE); all SE bounds 5  %.1f s\n",
           s->name, worst_mass, worst_across, worst_two, worst_radius, radius_bound, worst_var, pooled_var_z,
           (double)(clock() - start) / CLOCKS_PER_SEC);
    return ok;
}

int main(void)
{
    dk_test_seed();
    if (dk_schedule_create(&sched, DK_BETA_LINEAR, T, 1e-4, 0.02) != DK_OK)
        return 1;
    for (int t = 0; t <= T; t++) {
        ab[t] = dk_schedule_alpha_bar(sched, t);
        betas[t] = t ? dk_schedule_beta(sched, t) : 0;
    }
    printf("test_samplers: %d samples each, on %s\n", N, dk_isa_name(dk_isa_active()));
    static const sampler samplers[] = {
        {"DDPM, 1000 steps", DDPM, T, 0, 0},       {"DDIM, 50 steps, eta 0", DDIM, 50, 0, 0},
        {"DDIM, 50 steps, eta 1", DDIM, 50, 1, 0}, {"SDE, 1000 steps", SDE, T, 0, 0},
        {"ODE, 250 steps", ODE, 250, 0, 0},        {"DDIM, 50, guided w=3", DDIM, 50, 0, 3},
    };
    for (size_t i = 0; i < sizeof samplers / sizeof samplers[0]; i++)
        dk_check(check_1d(&samplers[i], &samplers[i], NO_FAULT, 1), "1D %s: a bound failed",
                 samplers[i].name);
    for (size_t i = 0; i < sizeof samplers / sizeof samplers[0] - 1; i++)
        dk_check(check_2d(&samplers[i], NO_FAULT), "2D %s: a bound failed", samplers[i].name);

    /* power: a deliberately wrong sampler must fail the same bounds */
    printf("  deliberately wrong, each must exceed its bound:\n");
    dk_check(!check_1d(&samplers[5], &samplers[5], NO_GUIDANCE, 1),
             "a step without its guidance term passed the bounds");
    printf("  (above: the guidance term left out)\n");
    dk_check(!check_1d(&samplers[0], &samplers[0], SIGMA_TOO_LARGE, 1),
             "a DDPM step with sigma 15%% too large passed the bounds");
    dk_check(!check_1d(&samplers[3], &samplers[3], SIGMA_TOO_LARGE, 1),
             "an SDE step with sigma 15%% too large passed the bounds");
    dk_check(!check_2d(&samplers[0], SIGMA_TOO_LARGE),
             "2D: a DDPM step with sigma 15%% too large passed the bounds");
    printf("  (above: sigma 15%% too large)\n");
    dk_schedule_destroy(sched);
    return dk_test_finish("test_samplers");
}
