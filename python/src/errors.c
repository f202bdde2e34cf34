#include "errors.h"

static const struct {
    const char *name;     /* the class */
    const char *argument; /* the argument it points at unless a call says otherwise */
} statuses[DK_STATUS_COUNT] = {
    [DK_ERR_NULL_POINTER] = {"NullPointerError", "an output"},
    [DK_ERR_TIMESTEP] = {"TimestepError", "t"},
    [DK_ERR_SIZE_OVERFLOW] = {"SizeOverflowError", "x0"},
    [DK_ERR_OVERLAP] = {"OverlapError", "out"},
    [DK_ERR_PREDICTION] = {"PredictionError", "prediction"},
    [DK_ERR_VARIANCE] = {"VarianceError", "variance"},
    [DK_ERR_CLIP] = {"ClipError", "clip"},
    [DK_ERR_SCHEDULE_KIND] = {"ScheduleKindError", "kind"},
    [DK_ERR_STEPS] = {"StepsError", "T"},
    [DK_ERR_BETA] = {"BetaError", "betas"},
    [DK_ERR_OUT_OF_MEMORY] = {"OutOfMemoryError", "-"},
    [DK_ERR_ISA_INVALID] = {"IsaInvalidError", "isa"},
    [DK_ERR_ISA_UNSUPPORTED] = {"IsaUnsupportedError", "isa"},
    [DK_ERR_NOISE_RANGE] = {"NoiseRangeError", "noise"},
    [DK_ERR_TIMESTEP_PREV] = {"TimestepPrevError", "t_prev"},
    [DK_ERR_ETA] = {"EtaError", "eta"},
    [DK_ERR_THRESHOLD] = {"ThresholdError", "threshold_ratio"},
    [DK_ERR_GUIDANCE] = {"GuidanceError", "guidance_scale"},
    [DK_ERR_ZERO_SNR] = {"ZeroSnrError", "t"},
    [DK_ERR_SPACING] = {"SpacingError", "spacing"},
    [DK_ERR_ALPHA_BAR] = {"AlphaBarError", "alpha_bar"},
    [DK_ERR_WEIGHTING] = {"WeightingError", "weighting"},
    [DK_ERR_DECODER] = {"DecoderError", "decoder"},
    [DK_ERR_THREADS] = {"ThreadsError", "n"},
};

static PyObject *classes[DK_STATUS_COUNT]; /* [0]: diffkern.Error */

int dkpy_errors_add(PyObject *module)
{
    classes[0] = PyErr_NewExceptionWithDoc("diffkern.Error", "A diffkern status other than DK_OK.",
                                           PyExc_ValueError, NULL);
    if (!classes[0] || PyModule_AddObjectRef(module, "Error", classes[0]) != 0)
        return -1;
    for (int s = 1; s < DK_STATUS_COUNT; s++) {
        char qualified[64];
        PyOS_snprintf(qualified, sizeof qualified, "diffkern.%s", statuses[s].name);
        PyObject *bases = s == DK_ERR_OUT_OF_MEMORY ? PyTuple_Pack(2, classes[0], PyExc_MemoryError)
                                                    : PyTuple_Pack(1, classes[0]);
        if (!bases)
            return -1;
        classes[s] = PyErr_NewExceptionWithDoc(qualified, dk_status_str((dk_status)s), bases, NULL);
        Py_DECREF(bases);
        if (!classes[s] || PyModule_AddObjectRef(module, statuses[s].name, classes[s]) != 0)
            return -1;
    }
    return 0;
}

const char *dkpy_default_argument(dk_status st)
{
    return (unsigned)st < DK_STATUS_COUNT && statuses[st].argument ? statuses[st].argument : "?";
}

PyObject *dkpy_raise(dk_status st, const char *argument)
{
    PyObject *cls = (unsigned)st < DK_STATUS_COUNT && classes[st] ? classes[st] : classes[0];
    PyObject *message = PyUnicode_FromFormat("%s (argument '%s')", dk_status_str(st),
                                             argument ? argument : dkpy_default_argument(st));
    if (!message)
        return NULL;
    PyObject *error = PyObject_CallOneArg(cls, message);
    Py_DECREF(message);
    if (!error)
        return NULL;
    PyObject *code = PyLong_FromLong((long)st);
    if (!code || PyObject_SetAttrString(error, "status", code) != 0) {
        Py_XDECREF(code);
        Py_DECREF(error);
        return NULL;
    }
    Py_DECREF(code);
    PyErr_SetObject(cls, error);
    Py_DECREF(error);
    return NULL;
}
