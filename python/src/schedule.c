#include "schedule.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"

/* A schedule kind by name (diffusers' beta_schedule names too) or number. */
static int kind_of(PyObject *obj, int *kind)
{
    static const struct {
        const char *name;
        dk_beta_schedule kind;
    } names[] = {{"linear", DK_BETA_LINEAR},
                 {"scaled_linear", DK_BETA_SCALED_LINEAR},
                 {"cosine", DK_BETA_COSINE},
                 {"squaredcos_cap_v2", DK_BETA_COSINE},
                 {"sigmoid", DK_BETA_SIGMOID}};
    if (PyLong_Check(obj)) {
        *kind = (int)PyLong_AsLong(obj);
        return PyErr_Occurred() ? -1 : 0;
    }
    const char *text = PyUnicode_Check(obj) ? PyUnicode_AsUTF8(obj) : NULL;
    for (size_t i = 0; text && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(text, names[i].name) == 0) {
            *kind = (int)names[i].kind;
            return 0;
        }
    dkpy_raise(DK_ERR_SCHEDULE_KIND, "kind");
    return -1;
}

static PyObject *wrap(dk_schedule *s)
{
    dkpy_schedule *self = PyObject_New(dkpy_schedule, &dkpy_schedule_type);
    if (!self) {
        dk_schedule_destroy(s);
        return NULL;
    }
    self->s = s;
    return (PyObject *)self;
}

static int schedule_init(PyObject *op, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"kind", "T", "beta_start", "beta_end", NULL};
    dkpy_schedule *self = (dkpy_schedule *)op;
    PyObject *kind_obj = NULL;
    int T = 1000, kind = DK_BETA_LINEAR;
    double start = 1e-4, end = 0.02;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|Oidd:Schedule", keywords, &kind_obj, &T, &start, &end))
        return -1;
    if (kind_obj && kind_of(kind_obj, &kind) != 0)
        return -1;
    dk_schedule *s = NULL;
    const dk_status st = dk_schedule_create(&s, (dk_beta_schedule)kind, T, start, end);
    if (st != DK_OK) {
        dkpy_raise(st, st == DK_ERR_BETA ? "beta_start/beta_end" : NULL);
        return -1;
    }
    dk_schedule_destroy(self->s);
    self->s = s;
    return 0;
}

static void schedule_dealloc(PyObject *op)
{
    dk_schedule_destroy(((dkpy_schedule *)op)->s);
    Py_TYPE(op)->tp_free(op);
}

/* A sequence of numbers as doubles (these parameters are copied, as the C
 * API copies them). */
static double *doubles_of(PyObject *obj, const char *name, int *count)
{
    PyObject *seq = PySequence_Fast(obj, "a sequence of numbers is required");
    if (!seq)
        return NULL;
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (!v) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        v[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(seq, i));
        if (PyErr_Occurred()) {
            PyErr_Format(PyExc_TypeError, "argument '%s': element %zd is not a number", name, i);
            free(v);
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    if (n > INT32_MAX) {
        free(v);
        dkpy_raise(DK_ERR_STEPS, name);
        return NULL;
    }
    *count = (int)n;
    return v;
}

static PyObject *from_values(PyObject *arg, int alpha_bar)
{
    const char *name = alpha_bar ? "alpha_bar" : "betas";
    int T;
    double *v = doubles_of(arg, name, &T);
    if (!v)
        return NULL;
    dk_schedule *s = NULL;
    const dk_status st = alpha_bar ? dk_schedule_from_alpha_bar(&s, v, T) : dk_schedule_from_betas(&s, v, T);
    free(v);
    if (st != DK_OK)
        return dkpy_raise(st, name);
    return wrap(s);
}

static PyObject *schedule_from_betas(PyObject *cls, PyObject *arg)
{
    (void)cls;
    return from_values(arg, 0);
}

static PyObject *schedule_from_alpha_bar(PyObject *cls, PyObject *arg)
{
    (void)cls;
    return from_values(arg, 1);
}

static PyObject *schedule_rescale_zero_snr(PyObject *op, PyObject *unused)
{
    (void)unused;
    dk_schedule *s = NULL;
    const dk_status st = dk_schedule_rescale_zero_snr(&s, ((dkpy_schedule *)op)->s);
    return st != DK_OK ? dkpy_raise(st, "self") : wrap(s);
}

/* beta(t), alpha_bar(t), posterior_variance(t): NaN outside their domain, as in C. */
static PyObject *schedule_value(PyObject *op, PyObject *arg, double (*fn)(const dk_schedule *, int32_t))
{
    const long t = PyLong_AsLong(arg);
    if (t == -1 && PyErr_Occurred())
        return NULL;
    const int32_t t32 = t < INT32_MIN ? INT32_MIN : t > INT32_MAX ? INT32_MAX : (int32_t)t;
    return PyFloat_FromDouble(fn(((dkpy_schedule *)op)->s, t32));
}

static PyObject *schedule_beta(PyObject *op, PyObject *t) { return schedule_value(op, t, dk_schedule_beta); }
static PyObject *schedule_alpha_bar(PyObject *op, PyObject *t)
{
    return schedule_value(op, t, dk_schedule_alpha_bar);
}
static PyObject *schedule_posterior_variance(PyObject *op, PyObject *t)
{
    return schedule_value(op, t, dk_schedule_posterior_variance);
}

static PyObject *schedule_steps(PyObject *op, void *unused)
{
    (void)unused;
    return PyLong_FromLong((long)dk_schedule_steps(((dkpy_schedule *)op)->s));
}

static PyMethodDef schedule_methods[] = {
    {"from_betas", schedule_from_betas, METH_O | METH_CLASS,
     "Schedule.from_betas(betas): your betas, betas[0] being beta_1."},
    {"from_alpha_bar", schedule_from_alpha_bar, METH_O | METH_CLASS,
     "Schedule.from_alpha_bar(alpha_bar): alpha_bar_1..alpha_bar_T, strictly decreasing; the last may be 0."},
    {"rescale_zero_snr", schedule_rescale_zero_snr, METH_NOARGS,
     "A new schedule with alpha_bar_T = 0 (Lin et al. 2024; diffusers' rescale_betas_zero_snr)."},
    {"beta", schedule_beta, METH_O, "beta(t), t in 1..T; NaN outside."},
    {"alpha_bar", schedule_alpha_bar, METH_O, "alpha_bar(t), t in 0..T (alpha_bar(0) = 1); NaN outside."},
    {"posterior_variance", schedule_posterior_variance, METH_O, "beta_tilde(t), t in 1..T; NaN outside."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef schedule_getset[] = {{"steps", schedule_steps, NULL, "T, the number of steps.", NULL},
                                        {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject dkpy_schedule_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "diffkern.Schedule",
    .tp_basicsize = sizeof(dkpy_schedule),
    .tp_dealloc = schedule_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Schedule(kind='linear', T=1000, beta_start=1e-4, beta_end=0.02): a beta schedule of T steps, "
              "computed in double. kind: 'linear', 'scaled_linear', 'cosine' (or 'squaredcos_cap_v2'), "
              "'sigmoid'. Timesteps are 1-based: diffusers' timestep k is t = k + 1.",
    .tp_methods = schedule_methods,
    .tp_getset = schedule_getset,
    .tp_init = schedule_init,
    .tp_new = PyType_GenericNew,
};

const dk_schedule *dkpy_schedule_of(PyObject *obj, const char *name)
{
    if (!PyObject_TypeCheck(obj, &dkpy_schedule_type) || !((dkpy_schedule *)obj)->s) {
        PyErr_Format(PyExc_TypeError, "argument '%s': a diffkern.Schedule is required", name);
        return NULL;
    }
    return ((dkpy_schedule *)obj)->s;
}
