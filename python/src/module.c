/* diffkern._diffkern: every public C function, named without dk_. Arrays
 * come in and go out without copies (arrays.h); rows are len(t) and dim the
 * element count of each array over rows, whatever the arrays' shapes; an
 * output not given is made like the first array argument (numpy or torch).
 * The GIL is released while a kernel runs. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <limits.h>
#include <math.h>
#include <string.h>

#include <diffkern.h>

#include "arrays.h"
#include "errors.h"
#include "schedule.h"

/* ---- one call's arrays, released together ---- */

enum { MAX_ARRAYS = 10 };
typedef struct call {
    dkpy_array a[MAX_ARRAYS];
    int n;
    PyObject *made[3]; /* outputs this call made (new references) */
    int made_count;
} call;

static dkpy_array *take(call *c, PyObject *obj, dkpy_kind kind, int writable, const char *name)
{
    dkpy_array *a = &c->a[c->n];
    if (dkpy_array_get(obj, kind, writable, name, a) != 0)
        return NULL;
    c->n++;
    return a;
}

/* An optional array: NULL for None (returns 1 for "went well"). */
static int take_opt(call *c, PyObject *obj, dkpy_kind kind, int writable, const char *name, dkpy_array **out)
{
    *out = NULL;
    if (!obj || obj == Py_None)
        return 1;
    return (*out = take(c, obj, kind, writable, name)) != NULL;
}

/* The output `obj`, or one made like `like` (same shape, or `count` values). */
static dkpy_array *output(call *c, PyObject *obj, const dkpy_array *like, int same_shape, size_t count,
                          dkpy_kind kind, const char *name)
{
    if (obj && obj != Py_None)
        return take(c, obj, kind, 1, name);
    dkpy_array *a = &c->a[c->n];
    PyObject *made = dkpy_array_new(like, same_shape, count, kind, a);
    if (!made)
        return NULL;
    c->n++;
    c->made[c->made_count++] = made;
    return a;
}

static void call_end(call *c)
{
    for (int i = 0; i < c->n; i++)
        dkpy_array_release(&c->a[i]);
    for (int i = 0; i < c->made_count; i++)
        Py_XDECREF(c->made[i]);
    memset(c, 0, sizeof *c);
}

/* The result: the array given as out, or the one made. */
static PyObject *result_of(const dkpy_array *a)
{
    Py_INCREF(a->obj);
    return a->obj;
}

/* rows = len(t); each array of rows x dim elements; *dim from the first. */
static int shape_check(const dkpy_array *t, size_t *dim, const dkpy_array *arrays[], const char *names[],
                       int count)
{
    const size_t rows = t ? t->count : 0;
    for (int i = 0; i < count; i++) {
        if (!arrays[i])
            continue;
        const size_t n = arrays[i]->count;
        if (i == 0) {
            if (rows ? n % rows != 0 : n != 0) {
                PyErr_Format(PyExc_ValueError, "argument '%s': its %zu values are not len(t) = %zu rows",
                             names[i], n, rows);
                return -1;
            }
            *dim = rows ? n / rows : 0;
        } else if (n != rows * *dim) {
            PyErr_Format(PyExc_ValueError, "argument '%s': %zu values, where '%s' has %zu", names[i], n,
                         names[0], rows * *dim);
            return -1;
        }
    }
    return 0;
}

/* ---- options ---- */

typedef struct named {
    const char *name;
    int value;
} named;

/* An enum by name or number; a bad name raises `bad` naming `argument`. */
static int enum_of(PyObject *obj, const named *names, dk_status bad, const char *argument, int *value)
{
    if (!obj)
        return 0;
    if (PyLong_Check(obj)) {
        *value = (int)PyLong_AsLong(obj);
        return PyErr_Occurred() ? -1 : 0;
    }
    const char *text = PyUnicode_Check(obj) ? PyUnicode_AsUTF8(obj) : NULL;
    for (const named *n = names; text && n->name; n++)
        if (strcmp(text, n->name) == 0) {
            *value = n->value;
            return 0;
        }
    dkpy_raise(bad, argument);
    return -1;
}

static const named predictions[] = {{"epsilon", DK_PRED_EPSILON}, {"sample", DK_PRED_SAMPLE},
                                    {"v_prediction", DK_PRED_V},  {"v", DK_PRED_V},
                                    {"score", DK_PRED_SCORE},     {NULL, 0}};
static const named variances[] = {
    {"fixed_small", DK_VAR_FIXED_SMALL}, {"fixed_large", DK_VAR_FIXED_LARGE}, {NULL, 0}};
static const named weightings[] = {
    {"none", DK_WEIGHT_NONE}, {"min_snr", DK_WEIGHT_MIN_SNR}, {"p2", DK_WEIGHT_P2}, {NULL, 0}};
static const named decoders[] = {
    {"gaussian", DK_DECODER_GAUSSIAN}, {"discrete_8bit", DK_DECODER_DISCRETE_8BIT}, {NULL, 0}};
static const named spacings[] = {{"leading", DK_SPACING_LEADING},
                                 {"trailing", DK_SPACING_TRAILING},
                                 {"linspace", DK_SPACING_LINSPACE},
                                 {NULL, 0}};

/* A dk_noise from (seed[, stream[, offset]]). */
static int noise_of(PyObject *obj, dk_noise *noise)
{
    unsigned long long seed = 0, stream = 0, offset = 0;
    PyObject *tuple = obj ? PySequence_Tuple(obj) : NULL;
    if (!tuple || !PyArg_ParseTuple(tuple, "K|KK", &seed, &stream, &offset)) {
        Py_XDECREF(tuple);
        PyErr_SetString(PyExc_TypeError,
                        "argument 'noise': (seed, stream, offset) of integers >= 0 is required");
        return -1;
    }
    Py_DECREF(tuple);
    *noise = (dk_noise){seed, stream, offset};
    return 0;
}

/* The step options from keywords; uncond becomes an array of the call. */
typedef struct step_kw {
    PyObject *prediction, *variance, *uncond;
    double clip, eta, threshold_ratio, threshold_max, guidance_scale;
    int recompute_eps;
} step_kw;

static int step_opts_of(call *c, const step_kw *kw, dk_step_opts *o, dkpy_array **uncond)
{
    int p = DK_PRED_EPSILON, v = DK_VAR_FIXED_SMALL;
    if (enum_of(kw->prediction, predictions, DK_ERR_PREDICTION, "prediction", &p) != 0 ||
        enum_of(kw->variance, variances, DK_ERR_VARIANCE, "variance", &v) != 0)
        return -1;
    dkpy_array *u;
    if (!take_opt(c, kw->uncond, DKPY_F32, 0, "uncond", &u))
        return -1;
    *uncond = u;
    *o = (dk_step_opts){(dk_prediction)p,         (dk_variance)v,
                        (float)kw->clip,          (float)kw->eta,
                        kw->recompute_eps,        (float)kw->threshold_ratio,
                        (float)kw->threshold_max, u ? (const float *)u->data : NULL,
                        (float)kw->guidance_scale};
    return 0;
}

#define STEP_KEYWORDS                                                                                        \
    "prediction", "variance", "clip", "eta", "recompute_eps", "threshold_ratio", "threshold_max", "uncond",  \
        "guidance_scale"
#define STEP_FORMAT "OOddpddOd"
#define STEP_ARGS(kw)                                                                                        \
    &(kw).prediction, &(kw).variance, &(kw).clip, &(kw).eta, &(kw).recompute_eps, &(kw).threshold_ratio,     \
        &(kw).threshold_max, &(kw).uncond, &(kw).guidance_scale

/* ---- the calls ---- */

static PyObject *finish(call *c, dk_status st, const char *argument, PyObject *result)
{
    if (st != DK_OK) {
        Py_XDECREF(result);
        call_end(c);
        return dkpy_raise(st, argument);
    }
    call_end(c);
    return result;
}

static PyObject *py_q_sample(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *kw[] = {"s", "t", "x0", "eps", "out", NULL};
    PyObject *so, *to, *x0o, *epso, *outo = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOO|$O:q_sample", kw, &so, &to, &x0o, &epso, &outo))
        return NULL;
    call c = {0};
    const dk_schedule *s = dkpy_schedule_of(so, "s");
    dkpy_array *t, *x0, *eps, *out;
    size_t dim = 0;
    if (!s || !(t = take(&c, to, DKPY_I32, 0, "t")) || !(x0 = take(&c, x0o, DKPY_F32, 0, "x0")) ||
        !(eps = take(&c, epso, DKPY_F32, 0, "eps")) || !(out = output(&c, outo, x0, 1, 0, DKPY_F32, "out"))) {
        call_end(&c);
        return NULL;
    }
    const dkpy_array *arrays[] = {x0, eps, out};
    const char *names[] = {"x0", "eps", "out"};
    if (shape_check(t, &dim, arrays, names, 3) != 0) {
        call_end(&c);
        return NULL;
    }
    dk_status st;
    Py_BEGIN_ALLOW_THREADS st = dk_q_sample(s, t->data, t->count, dim, x0->data, eps->data, out->data);
    Py_END_ALLOW_THREADS return finish(&c, st, NULL, result_of(out));
}

static PyObject *py_q_sample_randn(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *kw[] = {"s", "t", "x0", "noise", "eps_out", "out", NULL};
    PyObject *so, *to, *x0o, *noiseo, *epso = NULL, *outo = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOO|$OO:q_sample_randn", kw, &so, &to, &x0o, &noiseo,
                                     &epso, &outo))
        return NULL;
    call c = {0};
    dk_noise noise;
    const dk_schedule *s = dkpy_schedule_of(so, "s");
    dkpy_array *t, *x0, *eps = NULL, *out;
    size_t dim = 0;
    if (!s || noise_of(noiseo, &noise) != 0 || !(t = take(&c, to, DKPY_I32, 0, "t")) ||
        !(x0 = take(&c, x0o, DKPY_F32, 0, "x0")) || !take_opt(&c, epso, DKPY_F32, 1, "eps_out", &eps) ||
        !(out = output(&c, outo, x0, 1, 0, DKPY_F32, "out"))) {
        call_end(&c);
        return NULL;
    }
    const dkpy_array *arrays[] = {x0, eps, out};
    const char *names[] = {"x0", "eps_out", "out"};
    if (shape_check(t, &dim, arrays, names, 3) != 0) {
        call_end(&c);
        return NULL;
    }
    dk_status st;
    Py_BEGIN_ALLOW_THREADS st =
        dk_q_sample_randn(s, t->data, t->count, dim, x0->data, noise, eps ? eps->data : NULL, out->data);
    Py_END_ALLOW_THREADS return finish(&c, st, NULL, result_of(out));
}

/* Every reverse step: which sampler, with t_prev or not, z given or noise. */
typedef enum step_fn { P_STEP, P_STEP_RANDN, DDIM, DDIM_RANDN, SDE, SDE_RANDN, ODE } step_fn;

static PyObject *step_call(PyObject *args, PyObject *kwargs, step_fn fn, const char *fname)
{
    const int has_prev = fn != P_STEP && fn != P_STEP_RANDN;
    const int randn = fn == P_STEP_RANDN || fn == DDIM_RANDN || fn == SDE_RANDN;
    const int has_z = fn == P_STEP || fn == DDIM || fn == SDE;
    /* positional: s, t, [t_prev,] xt, model_out, [noise]; keywords: z, the options, out */
    static char *kw_prev_randn[] = {"s",     "t",           "t_prev", "xt", "model_out",
                                    "noise", STEP_KEYWORDS, "out",    NULL};
    static char *kw_prev_z[] = {"s", "t", "t_prev", "xt", "model_out", "z", STEP_KEYWORDS, "out", NULL};
    static char *kw_prev[] = {"s", "t", "t_prev", "xt", "model_out", STEP_KEYWORDS, "out", NULL};
    static char *kw_randn[] = {"s", "t", "xt", "model_out", "noise", STEP_KEYWORDS, "out", NULL};
    static char *kw_z[] = {"s", "t", "xt", "model_out", "z", STEP_KEYWORDS, "out", NULL};
    PyObject *so, *to, *tpo = NULL, *xo, *mo, *extra = NULL, *outo = NULL;
    step_kw k = {NULL, NULL, NULL, 0, 0, 0, 0, 0, 0};
    char format[64];
    int ok;
    if (has_prev && randn) {
        PyOS_snprintf(format, sizeof format, "OOOOOO|$" STEP_FORMAT "O:%s", fname);
        ok = PyArg_ParseTupleAndKeywords(args, kwargs, format, kw_prev_randn, &so, &to, &tpo, &xo, &mo,
                                         &extra, STEP_ARGS(k), &outo);
    } else if (has_prev && has_z) {
        PyOS_snprintf(format, sizeof format, "OOOOO|O$" STEP_FORMAT "O:%s", fname);
        ok = PyArg_ParseTupleAndKeywords(args, kwargs, format, kw_prev_z, &so, &to, &tpo, &xo, &mo, &extra,
                                         STEP_ARGS(k), &outo);
    } else if (has_prev) {
        PyOS_snprintf(format, sizeof format, "OOOOO|$" STEP_FORMAT "O:%s", fname);
        ok = PyArg_ParseTupleAndKeywords(args, kwargs, format, kw_prev, &so, &to, &tpo, &xo, &mo,
                                         STEP_ARGS(k), &outo);
    } else if (randn) {
        PyOS_snprintf(format, sizeof format, "OOOOO|$" STEP_FORMAT "O:%s", fname);
        ok = PyArg_ParseTupleAndKeywords(args, kwargs, format, kw_randn, &so, &to, &xo, &mo, &extra,
                                         STEP_ARGS(k), &outo);
    } else {
        PyOS_snprintf(format, sizeof format, "OOOO|O$" STEP_FORMAT "O:%s", fname);
        ok = PyArg_ParseTupleAndKeywords(args, kwargs, format, kw_z, &so, &to, &xo, &mo, &extra, STEP_ARGS(k),
                                         &outo);
    }
    if (!ok)
        return NULL;
    call c = {0};
    dk_noise noise = {0, 0, 0};
    dk_step_opts o;
    const dk_schedule *s = dkpy_schedule_of(so, "s");
    dkpy_array *t, *tp = NULL, *x, *m, *z = NULL, *out, *uncond = NULL;
    size_t dim = 0;
    if (!s || (randn && noise_of(extra, &noise) != 0) || !(t = take(&c, to, DKPY_I32, 0, "t")) ||
        (has_prev && !(tp = take(&c, tpo, DKPY_I32, 0, "t_prev"))) ||
        !(x = take(&c, xo, DKPY_F32, 0, "xt")) || !(m = take(&c, mo, DKPY_F32, 0, "model_out")) ||
        (has_z && !take_opt(&c, extra, DKPY_F32, 0, "z", &z)) || step_opts_of(&c, &k, &o, &uncond) != 0 ||
        !(out = output(&c, outo, x, 1, 0, DKPY_F32, "out"))) {
        call_end(&c);
        return NULL;
    }
    const dkpy_array *arrays[] = {x, m, z, uncond, out};
    const char *names[] = {"xt", "model_out", "z", "uncond", "out"};
    if (shape_check(t, &dim, arrays, names, 5) != 0) {
        call_end(&c);
        return NULL;
    }
    if (tp && tp->count != t->count) {
        call_end(&c);
        return PyErr_Format(PyExc_ValueError, "argument 't_prev': %zu values, len(t) = %zu", tp->count,
                            t->count);
    }
    const size_t rows = t->count;
    const float *zd = z ? z->data : NULL;
    const int32_t *td = t->data, *tpd = tp ? tp->data : NULL;
    dk_status st = DK_OK;
    Py_BEGIN_ALLOW_THREADS switch (fn)
    {
    case P_STEP:
        st = dk_p_step(s, td, rows, dim, x->data, m->data, zd, &o, out->data);
        break;
    case P_STEP_RANDN:
        st = dk_p_step_randn(s, td, rows, dim, x->data, m->data, noise, &o, out->data);
        break;
    case DDIM:
        st = dk_ddim_step(s, td, tpd, rows, dim, x->data, m->data, zd, &o, out->data);
        break;
    case DDIM_RANDN:
        st = dk_ddim_step_randn(s, td, tpd, rows, dim, x->data, m->data, noise, &o, out->data);
        break;
    case SDE:
        st = dk_sde_step(s, td, tpd, rows, dim, x->data, m->data, zd, &o, out->data);
        break;
    case SDE_RANDN:
        st = dk_sde_step_randn(s, td, tpd, rows, dim, x->data, m->data, noise, &o, out->data);
        break;
    case ODE:
        st = dk_ode_step(s, td, tpd, rows, dim, x->data, m->data, &o, out->data);
        break;
    }
    Py_END_ALLOW_THREADS return finish(&c, st, NULL, result_of(out));
}

#define STEP_ENTRY(pyname, fn)                                                                               \
    static PyObject *py_##pyname(PyObject *self, PyObject *args, PyObject *kwargs)                           \
    {                                                                                                        \
        (void)self;                                                                                          \
        return step_call(args, kwargs, fn, #pyname);                                                         \
    }
STEP_ENTRY(p_step, P_STEP)
STEP_ENTRY(p_step_randn, P_STEP_RANDN)
STEP_ENTRY(ddim_step, DDIM)
STEP_ENTRY(ddim_step_randn, DDIM_RANDN)
STEP_ENTRY(sde_step, SDE)
STEP_ENTRY(sde_step_randn, SDE_RANDN)
STEP_ENTRY(ode_step, ODE)

static PyObject *py_randn(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *kw[] = {"noise", "n", "out", NULL};
    PyObject *noiseo, *outo = NULL;
    Py_ssize_t n = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|n$O:randn", kw, &noiseo, &n, &outo))
        return NULL;
    call c = {0};
    dk_noise noise;
    dkpy_array *out;
    if (noise_of(noiseo, &noise) != 0)
        return NULL;
    if ((!outo || outo == Py_None) && n < 0)
        return PyErr_Format(PyExc_TypeError, "randn: give n or out");
    if (!(out = output(&c, outo, NULL, 0, (size_t)(n < 0 ? 0 : n), DKPY_F32, "out"))) {
        call_end(&c);
        return NULL;
    }
    if (n >= 0 && (size_t)n != out->count) {
        call_end(&c);
        return PyErr_Format(PyExc_ValueError, "argument 'out': %zu values, n = %zd", out->count, n);
    }
    dk_status st;
    Py_BEGIN_ALLOW_THREADS st = dk_randn(noise, out->data, out->count);
    Py_END_ALLOW_THREADS return finish(&c, st, NULL, result_of(out));
}

static PyObject *py_sample_timesteps(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *kw[] = {"noise", "T", "rows", "out", NULL};
    PyObject *noiseo, *outo = NULL;
    int T;
    Py_ssize_t rows = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "Oi|n$O:sample_timesteps", kw, &noiseo, &T, &rows, &outo))
        return NULL;
    call c = {0};
    dk_noise noise;
    dkpy_array *out;
    if (noise_of(noiseo, &noise) != 0)
        return NULL;
    if ((!outo || outo == Py_None) && rows < 0)
        return PyErr_Format(PyExc_TypeError, "sample_timesteps: give rows or out");
    if (!(out = output(&c, outo, NULL, 0, (size_t)(rows < 0 ? 0 : rows), DKPY_I32, "out"))) {
        call_end(&c);
        return NULL;
    }
    dk_status st;
    Py_BEGIN_ALLOW_THREADS st = dk_sample_timesteps(noise, T, out->data, out->count);
    Py_END_ALLOW_THREADS return finish(&c, st, "T", result_of(out));
}

static PyObject *py_timesteps(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *kw[] = {"T", "steps", "spacing", "offset", "final_alpha_one", NULL};
    PyObject *spacingo = NULL;
    int T, steps, offset = 0, final_alpha_one = 1, spacing = DK_SPACING_LEADING;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "ii|Oip:timesteps", kw, &T, &steps, &spacingo, &offset,
                                     &final_alpha_one))
        return NULL;
    if (enum_of(spacingo, spacings, DK_ERR_SPACING, "spacing", &spacing) != 0)
        return NULL;
    call c = {0};
    dkpy_array *t, *tp;
    const size_t n = steps > 0 ? (size_t)steps : 0;
    if (!(t = output(&c, NULL, NULL, 0, n, DKPY_I32, "t")) ||
        !(tp = output(&c, NULL, NULL, 0, n, DKPY_I32, "t_prev"))) {
        call_end(&c);
        return NULL;
    }
    const dk_status st =
        dk_timesteps(T, steps, (dk_spacing)spacing, offset, final_alpha_one, t->data, tp->data);
    PyObject *pair = st == DK_OK ? PyTuple_Pack(2, t->obj, tp->obj) : NULL;
    return finish(&c, st, st == DK_ERR_STEPS ? "steps" : st == DK_ERR_TIMESTEP ? "offset" : NULL, pair);
}

/* dk_loss and dk_loss_randn: (row_loss, grad); either output False to skip it. */
static PyObject *loss_call(PyObject *args, PyObject *kwargs, int randn)
{
    static char *kw[] = {"s",         "t",     "x0", "eps",      "model_out", "prediction",
                         "weighting", "gamma", "k",  "row_loss", "grad",      NULL};
    static char *kw_randn[] = {"s",         "t",     "x0", "noise",    "model_out", "prediction",
                               "weighting", "gamma", "k",  "row_loss", "grad",      NULL};
    PyObject *so, *to, *x0o, *eo, *mo, *predo = NULL, *weighto = NULL, *rlo = NULL, *go = NULL;
    double gamma = 0, k = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, randn ? "OOOOO|$OOddOO:loss_randn" : "OOOOO|$OOddOO:loss",
                                     randn ? kw_randn : kw, &so, &to, &x0o, &eo, &mo, &predo, &weighto,
                                     &gamma, &k, &rlo, &go))
        return NULL;
    int p = DK_PRED_EPSILON, w = DK_WEIGHT_NONE;
    if (enum_of(predo, predictions, DK_ERR_PREDICTION, "prediction", &p) != 0 ||
        enum_of(weighto, weightings, DK_ERR_WEIGHTING, "weighting", &w) != 0)
        return NULL;
    const dk_loss_opts o = {(dk_prediction)p, (dk_weighting)w, (float)gamma, (float)k};
    call c = {0};
    dk_noise noise = {0, 0, 0};
    const dk_schedule *s = dkpy_schedule_of(so, "s");
    dkpy_array *t, *x0, *eps = NULL, *m, *rl = NULL, *g = NULL;
    size_t dim = 0;
    const int want_rl = rlo != Py_False, want_g = go != Py_False;
    if (!s || (randn && noise_of(eo, &noise) != 0) || !(t = take(&c, to, DKPY_I32, 0, "t")) ||
        !(x0 = take(&c, x0o, DKPY_F32, 0, "x0")) || (!randn && !(eps = take(&c, eo, DKPY_F32, 0, "eps"))) ||
        !(m = take(&c, mo, DKPY_F32, 0, "model_out")) ||
        (want_rl && !(rl = output(&c, rlo, x0, 0, t->count, DKPY_F32, "row_loss"))) ||
        (want_g && !(g = output(&c, go, m, 1, 0, DKPY_F32, "grad")))) {
        call_end(&c);
        return NULL;
    }
    const dkpy_array *arrays[] = {x0, eps, m, g};
    const char *names[] = {"x0", "eps", "model_out", "grad"};
    if (shape_check(t, &dim, arrays, names, 4) != 0) {
        call_end(&c);
        return NULL;
    }
    if (rl && rl->count != t->count) {
        call_end(&c);
        return PyErr_Format(PyExc_ValueError, "argument 'row_loss': %zu values, len(t) = %zu", rl->count,
                            t->count);
    }
    dk_status st;
    float *rld = rl ? rl->data : NULL, *gd = g ? g->data : NULL;
    Py_BEGIN_ALLOW_THREADS st =
        randn ? dk_loss_randn(s, t->data, t->count, dim, x0->data, noise, m->data, &o, rld, gd)
              : dk_loss(s, t->data, t->count, dim, x0->data, eps->data, m->data, &o, rld, gd);
    Py_END_ALLOW_THREADS PyObject *pair =
        st == DK_OK ? PyTuple_Pack(2, rl ? rl->obj : Py_None, g ? g->obj : Py_None) : NULL;
    const char *fault = (unsigned)w >= DK_WEIGHT_COUNT     ? "weighting"
                        : !(gamma > 0 && gamma < HUGE_VAL) ? "gamma"
                                                           : "k";
    return finish(&c, st, st == DK_ERR_WEIGHTING ? fault : NULL, pair);
}

static PyObject *py_loss(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    return loss_call(args, kwargs, 0);
}

static PyObject *py_loss_randn(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    return loss_call(args, kwargs, 1);
}

static PyObject *py_vlb_terms(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *kw[] = {"s", "t", "x0", "xt", "model_out", "decoder", STEP_KEYWORDS, "out", NULL};
    PyObject *so, *to, *x0o, *xo, *mo, *deco = NULL, *outo = NULL;
    step_kw k = {NULL, NULL, NULL, 0, 0, 0, 0, 0, 0};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOO|$O" STEP_FORMAT "O:vlb_terms", kw, &so, &to, &x0o,
                                     &xo, &mo, &deco, STEP_ARGS(k), &outo))
        return NULL;
    int dec = DK_DECODER_GAUSSIAN;
    if (enum_of(deco, decoders, DK_ERR_DECODER, "decoder", &dec) != 0)
        return NULL;
    call c = {0};
    dk_step_opts o;
    const dk_schedule *s = dkpy_schedule_of(so, "s");
    dkpy_array *t, *x0, *x, *m, *out, *uncond = NULL;
    size_t dim = 0;
    if (!s || !(t = take(&c, to, DKPY_I32, 0, "t")) || !(x0 = take(&c, x0o, DKPY_F32, 0, "x0")) ||
        !(x = take(&c, xo, DKPY_F32, 0, "xt")) || !(m = take(&c, mo, DKPY_F32, 0, "model_out")) ||
        step_opts_of(&c, &k, &o, &uncond) != 0 ||
        !(out = output(&c, outo, x0, 0, t->count, DKPY_F64, "out"))) {
        call_end(&c);
        return NULL;
    }
    const dkpy_array *arrays[] = {x0, x, m, uncond};
    const char *names[] = {"x0", "xt", "model_out", "uncond"};
    if (shape_check(t, &dim, arrays, names, 4) != 0) {
        call_end(&c);
        return NULL;
    }
    if (out->count != t->count) {
        call_end(&c);
        return PyErr_Format(PyExc_ValueError, "argument 'out': %zu values, len(t) = %zu", out->count,
                            t->count);
    }
    dk_status st;
    Py_BEGIN_ALLOW_THREADS st =
        dk_vlb_terms(s, t->data, t->count, dim, x0->data, x->data, m->data, &o, (dk_decoder)dec, out->data);
    Py_END_ALLOW_THREADS return finish(
        &c, st, st == DK_ERR_DECODER && dec == DK_DECODER_DISCRETE_8BIT ? "x0" : NULL, result_of(out));
}

static PyObject *py_prior_kl(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *kw[] = {"s", "x0", "rows", "out", NULL};
    PyObject *so, *x0o, *outo = NULL;
    Py_ssize_t rows = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|n$O:prior_kl", kw, &so, &x0o, &rows, &outo))
        return NULL;
    call c = {0};
    const dk_schedule *s = dkpy_schedule_of(so, "s");
    dkpy_array *x0, *out;
    if (!s || !(x0 = take(&c, x0o, DKPY_F32, 0, "x0"))) {
        call_end(&c);
        return NULL;
    }
    const size_t r = rows >= 0 ? (size_t)rows
                               : (size_t)(x0->shape0 > 0 ? x0->shape0 : 0); /* default: the first dimension */
    if (r ? x0->count % r != 0 : x0->count != 0) {
        call_end(&c);
        return PyErr_Format(PyExc_ValueError, "argument 'x0': its %zu values are not %zu rows", x0->count, r);
    }
    if (!(out = output(&c, outo, x0, 0, r, DKPY_F64, "out"))) {
        call_end(&c);
        return NULL;
    }
    if (out->count != r) {
        call_end(&c);
        return PyErr_Format(PyExc_ValueError, "argument 'out': %zu values for %zu rows", out->count, r);
    }
    dk_status st;
    Py_BEGIN_ALLOW_THREADS st = dk_prior_kl(s, r, r ? x0->count / r : 0, x0->data, out->data);
    Py_END_ALLOW_THREADS return finish(&c, st, NULL, result_of(out));
}

/* ---- the rest ---- */

static PyObject *py_version(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    return PyUnicode_FromString(dk_version());
}

static PyObject *py_status_str(PyObject *self, PyObject *arg)
{
    (void)self;
    const long s = PyLong_AsLong(arg);
    return s == -1 && PyErr_Occurred() ? NULL : PyUnicode_FromString(dk_status_str((dk_status)s));
}

static PyObject *py_isa_name(PyObject *self, PyObject *arg)
{
    (void)self;
    const long i = PyLong_AsLong(arg);
    return i == -1 && PyErr_Occurred() ? NULL : PyUnicode_FromString(dk_isa_name((dk_isa)i));
}

static PyObject *py_isa_supported(PyObject *self, PyObject *arg)
{
    (void)self;
    const long i = PyLong_AsLong(arg);
    return i == -1 && PyErr_Occurred() ? NULL : PyBool_FromLong(dk_isa_supported((dk_isa)i));
}

static PyObject *py_isa_active(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    return PyLong_FromLong((long)dk_isa_active());
}

static PyObject *py_isa_select(PyObject *self, PyObject *arg)
{
    (void)self;
    const long i = PyLong_AsLong(arg);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    const dk_status st = dk_isa_select((dk_isa)i);
    if (st != DK_OK)
        return dkpy_raise(st, "isa");
    Py_RETURN_NONE;
}

static PyObject *py_set_num_threads(PyObject *self, PyObject *arg)
{
    (void)self;
    const long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    const dk_status st = dk_set_num_threads(n < INT_MIN ? INT_MIN : n > INT_MAX ? INT_MAX : (int)n);
    if (st != DK_OK)
        return dkpy_raise(st, "n");
    Py_RETURN_NONE;
}

static PyObject *py_set_stream_min(PyObject *self, PyObject *arg)
{
    (void)self;
    const size_t bytes = PyLong_AsSize_t(arg);
    if (bytes == (size_t)-1 && PyErr_Occurred())
        return NULL;
    dk_set_stream_min(bytes);
    Py_RETURN_NONE;
}

static PyObject *py_stream_min(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    return PyLong_FromSize_t(dk_stream_min());
}

static PyObject *py_num_threads(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    return PyLong_FromLong((long)dk_num_threads());
}

#define KW (PyCFunction)(void (*)(void))
static PyMethodDef methods[] = {
    {"version", py_version, METH_NOARGS, "version() -> the library's version, 'MAJOR.MINOR.PATCH'."},
    {"status_str", py_status_str, METH_O, "status_str(status) -> what a status means."},
    {"isa_name", py_isa_name, METH_O, "isa_name(isa) -> its name."},
    {"isa_supported", py_isa_supported, METH_O, "isa_supported(isa) -> built in and on this CPU."},
    {"isa_active", py_isa_active, METH_NOARGS, "isa_active() -> the ISA the kernels run on."},
    {"isa_select", py_isa_select, METH_O, "isa_select(isa): run on that ISA from now on."},
    {"set_num_threads", py_set_num_threads, METH_O,
     "set_num_threads(n): large calls split over n threads (0: one per CPU); the bits never change."},
    {"num_threads", py_num_threads, METH_NOARGS, "num_threads() -> the threads a large call splits over."},
    {"set_stream_min", py_set_stream_min, METH_O,
     "set_stream_min(bytes): outputs of at least bytes per array are stored bypassing the caches (0: the "
     "ISA's default; 2**64 - 1: never); the bits never change."},
    {"stream_min", py_stream_min, METH_NOARGS, "stream_min() -> the size from which outputs are streamed."},
    {"randn", KW py_randn, METH_VARARGS | METH_KEYWORDS,
     "randn(noise, n=None, *, out=None) -> the standard normals of indices offset .. offset + n - 1, "
     "noise = (seed, stream, offset)."},
    {"sample_timesteps", KW py_sample_timesteps, METH_VARARGS | METH_KEYWORDS,
     "sample_timesteps(noise, T, rows=None, *, out=None) -> int32 timesteps uniform over 1..T."},
    {"timesteps", KW py_timesteps, METH_VARARGS | METH_KEYWORDS,
     "timesteps(T, steps, spacing='leading', offset=0, final_alpha_one=True) -> (t, t_prev), diffusers' DDIM "
     "timesteps, 1-based."},
    {"q_sample", KW py_q_sample, METH_VARARGS | METH_KEYWORDS,
     "q_sample(s, t, x0, eps, *, out=None) -> x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, row r at t[r]."},
    {"q_sample_randn", KW py_q_sample_randn, METH_VARARGS | METH_KEYWORDS,
     "q_sample_randn(s, t, x0, noise, *, eps_out=None, out=None) -> x_t with eps generated."},
    {"p_step", KW py_p_step, METH_VARARGS | METH_KEYWORDS,
     "p_step(s, t, xt, model_out, z=None, *, prediction, variance, clip, eta, recompute_eps, "
     "threshold_ratio, threshold_max, uncond, guidance_scale, out=None) -> x_{t-1}: one DDPM step."},
    {"p_step_randn", KW py_p_step_randn, METH_VARARGS | METH_KEYWORDS,
     "p_step_randn(s, t, xt, model_out, noise, *, options, out=None) -> p_step with z generated."},
    {"ddim_step", KW py_ddim_step, METH_VARARGS | METH_KEYWORDS,
     "ddim_step(s, t, t_prev, xt, model_out, z=None, *, options, out=None) -> one DDIM step."},
    {"ddim_step_randn", KW py_ddim_step_randn, METH_VARARGS | METH_KEYWORDS,
     "ddim_step_randn(s, t, t_prev, xt, model_out, noise, *, options, out=None)."},
    {"sde_step", KW py_sde_step, METH_VARARGS | METH_KEYWORDS,
     "sde_step(s, t, t_prev, xt, model_out, z=None, *, options, out=None) -> a reverse VP-SDE step."},
    {"sde_step_randn", KW py_sde_step_randn, METH_VARARGS | METH_KEYWORDS,
     "sde_step_randn(s, t, t_prev, xt, model_out, noise, *, options, out=None)."},
    {"ode_step", KW py_ode_step, METH_VARARGS | METH_KEYWORDS,
     "ode_step(s, t, t_prev, xt, model_out, *, options, out=None) -> a probability-flow ODE step."},
    {"loss", KW py_loss, METH_VARARGS | METH_KEYWORDS,
     "loss(s, t, x0, eps, model_out, *, prediction='epsilon', weighting='none', gamma=0, k=0, row_loss=None, "
     "grad=None) -> (row_loss, grad); an output False is not computed."},
    {"loss_randn", KW py_loss_randn, METH_VARARGS | METH_KEYWORDS,
     "loss_randn(s, t, x0, noise, model_out, *, ...) -> loss, eps regenerated from q_sample_randn's "
     "indices."},
    {"vlb_terms", KW py_vlb_terms, METH_VARARGS | METH_KEYWORDS,
     "vlb_terms(s, t, x0, xt, model_out, *, decoder='gaussian', options, out=None) -> float64 nats per row."},
    {"prior_kl", KW py_prior_kl, METH_VARARGS | METH_KEYWORDS,
     "prior_kl(s, x0, rows=None, *, out=None) -> float64 nats per row (rows: x0's first dimension)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT,
                                        "diffkern._diffkern",
                                        "diffkern's C functions (see the diffkern package).",
                                        -1,
                                        methods,
                                        NULL,
                                        NULL,
                                        NULL,
                                        NULL};

PyMODINIT_FUNC PyInit__diffkern(void)
{
    PyObject *m = PyModule_Create(&module_def);
    if (!m)
        return NULL;
    if (PyType_Ready(&dkpy_schedule_type) != 0 ||
        PyModule_AddObjectRef(m, "Schedule", (PyObject *)&dkpy_schedule_type) != 0 ||
        dkpy_errors_add(m) != 0) {
        Py_DECREF(m);
        return NULL;
    }
    static const struct {
        const char *name;
        long value;
    } constants[] = {{"ISA_SCALAR", DK_ISA_SCALAR}, {"ISA_SSE41", DK_ISA_SSE41}, {"ISA_AVX2", DK_ISA_AVX2},
                     {"ISA_AVX512", DK_ISA_AVX512}, {"ISA_NEON", DK_ISA_NEON},   {"ISA_COUNT", DK_ISA_COUNT}};
    for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++)
        if (PyModule_AddIntConstant(m, constants[i].name, constants[i].value) != 0) {
            Py_DECREF(m);
            return NULL;
        }
    return m;
}
