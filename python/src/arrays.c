#include "arrays.h"

#include <stdint.h>
#include <string.h>

/* ---- DLPack, as the DLPack specification lays its structs out (the ABI
 * torch and numpy export; written here so as to need no header) ---- */

typedef struct {
    int32_t device_type, device_id;
} dl_device;
typedef struct {
    uint8_t code, bits;
    uint16_t lanes;
} dl_dtype;
typedef struct {
    void *data;
    dl_device device;
    int32_t ndim;
    dl_dtype dtype;
    int64_t *shape, *strides;
    uint64_t byte_offset;
} dl_tensor;
typedef struct dl_managed {
    dl_tensor t;
    void *manager_ctx;
    void (*deleter)(struct dl_managed *);
} dl_managed;

enum { DL_CPU = 1, DL_INT = 0, DL_FLOAT = 2 };

static const char *kind_name(dkpy_kind kind)
{
    return kind == DKPY_F32 ? "float32" : kind == DKPY_I32 ? "int32" : "float64";
}

/* The buffer protocol's format of each kind (native byte order). */
static int format_is(const char *format, dkpy_kind kind)
{
    if (!format)
        return 0;
    if (format[0] == '<' || format[0] == '=' || format[0] == '@')
        format++;
    if (kind == DKPY_F32)
        return strcmp(format, "f") == 0;
    if (kind == DKPY_F64)
        return strcmp(format, "d") == 0;
    return strcmp(format, "i") == 0 || (strcmp(format, "l") == 0 && sizeof(long) == 4);
}

static size_t kind_size(dkpy_kind kind) { return kind == DKPY_F64 ? 8 : 4; }

static int from_buffer(PyObject *obj, dkpy_kind kind, int writable, const char *name, dkpy_array *a)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &a->view, flags) != 0) {
        PyErr_Clear();
        if (PyObject_GetBuffer(obj, &a->view, PyBUF_RECORDS_RO) == 0) { /* say why */
            const int contiguous = PyBuffer_IsContiguous(&a->view, 'C');
            PyBuffer_Release(&a->view);
            PyErr_Format(PyExc_ValueError, "argument '%s': %s", name,
                         !contiguous
                             ? "the array is not C-contiguous (diffkern never copies: pass a contiguous "
                               "array)"
                             : "the array is read-only, and it is an output");
        } else {
            PyErr_Format(PyExc_TypeError, "argument '%s': %s has no usable buffer", name,
                         Py_TYPE(obj)->tp_name);
        }
        return -1;
    }
    a->has_view = 1;
    if (a->view.itemsize != (Py_ssize_t)kind_size(kind) || !format_is(a->view.format, kind)) {
        PyErr_Format(PyExc_TypeError,
                     "argument '%s': dtype must be %s, not format '%s' (diffkern never casts)", name,
                     kind_name(kind), a->view.format ? a->view.format : "?");
        return -1;
    }
    a->data = a->view.buf;
    a->count = (size_t)(a->view.len / a->view.itemsize);
    a->ndim = a->view.ndim;
    a->shape0 = a->view.ndim > 0 ? a->view.shape[0] : (Py_ssize_t)a->count;
    return 0;
}

static int from_dlpack(PyObject *obj, dkpy_kind kind, const char *name, dkpy_array *a)
{
    PyObject *capsule = PyObject_CallMethod(obj, "__dlpack__", NULL);
    if (!capsule) {
        PyObject *type, *value, *trace;
        PyErr_Fetch(&type, &value, &trace);
        PyObject *why = value ? PyObject_Str(value) : NULL;
        PyErr_Format(PyExc_ValueError, "argument '%s': its DLPack export failed (%U)", name,
                     why ? why : Py_None);
        Py_XDECREF(why), Py_XDECREF(type), Py_XDECREF(value), Py_XDECREF(trace);
        return -1;
    }
    a->capsule = capsule;
    dl_managed *m = PyCapsule_GetPointer(capsule, "dltensor");
    if (!m)
        return -1;
    const dl_tensor *t = &m->t;
    if (t->device.device_type != DL_CPU) {
        PyErr_Format(PyExc_ValueError, "argument '%s': the tensor is not on the CPU", name);
        return -1;
    }
    const uint8_t code = kind == DKPY_I32 ? DL_INT : DL_FLOAT;
    if (t->dtype.code != code || t->dtype.bits != 8 * kind_size(kind) || t->dtype.lanes != 1) {
        PyErr_Format(PyExc_TypeError, "argument '%s': dtype must be %s (diffkern never casts)", name,
                     kind_name(kind));
        return -1;
    }
    size_t count = 1;
    int64_t expect = 1;
    int contiguous = 1;
    for (int d = t->ndim - 1; d >= 0; d--) { /* C order; a dimension of 1 may have any stride */
        if (t->strides && t->shape[d] != 1 && t->strides[d] != expect)
            contiguous = 0;
        expect *= t->shape[d];
        count *= (size_t)t->shape[d];
    }
    if (!contiguous) {
        PyErr_Format(
            PyExc_ValueError,
            "argument '%s': the tensor is not contiguous (diffkern never copies: call .contiguous())", name);
        return -1;
    }
    a->data = (char *)t->data + t->byte_offset;
    a->count = count;
    a->ndim = t->ndim;
    a->shape0 = t->ndim > 0 ? (Py_ssize_t)t->shape[0] : (Py_ssize_t)count;
    a->torch = 1;
    return 0;
}

int dkpy_array_get(PyObject *obj, dkpy_kind kind, int writable, const char *name, dkpy_array *a)
{
    memset(a, 0, sizeof *a);
    if (obj == NULL || obj == Py_None) {
        PyErr_Format(PyExc_TypeError, "argument '%s': an array is required", name);
        return -1;
    }
    Py_INCREF(obj);
    a->obj = obj;
    const int status = PyObject_CheckBuffer(obj) ? from_buffer(obj, kind, writable, name, a)
                       : PyObject_HasAttrString(obj, "__dlpack__")
                           ? from_dlpack(obj, kind, name, a)
                           : (PyErr_Format(PyExc_TypeError,
                                           "argument '%s': %s is not an "
                                           "array (numpy, torch or a buffer)",
                                           name, Py_TYPE(obj)->tp_name),
                              -1);
    if (status != 0)
        dkpy_array_release(a);
    return status;
}

void dkpy_array_release(dkpy_array *a)
{
    if (a->has_view)
        PyBuffer_Release(&a->view);
    Py_XDECREF(a->capsule);
    Py_XDECREF(a->obj);
    memset(a, 0, sizeof *a);
}

PyObject *dkpy_array_new(const dkpy_array *like, int same_shape, size_t count, dkpy_kind kind, dkpy_array *a)
{
    const int torch = like && like->torch;
    PyObject *module = PyImport_ImportModule(torch ? "torch" : "numpy");
    if (!module)
        return NULL;
    PyObject *dtype = PyObject_GetAttrString(module, kind_name(kind));
    PyObject *result = NULL;
    if (dtype) {
        PyObject *kwargs = Py_BuildValue("{s:O}", "dtype", dtype);
        if (kwargs) {
            if (same_shape && like) {
                PyObject *fn = PyObject_GetAttrString(module, "empty_like");
                PyObject *args = PyTuple_Pack(1, like->obj);
                if (fn && args)
                    result = PyObject_Call(fn, args, kwargs);
                Py_XDECREF(fn), Py_XDECREF(args);
            } else {
                PyObject *fn = PyObject_GetAttrString(module, "empty");
                PyObject *args = Py_BuildValue("((n))", (Py_ssize_t)count);
                if (fn && args)
                    result = PyObject_Call(fn, args, kwargs);
                Py_XDECREF(fn), Py_XDECREF(args);
            }
            Py_DECREF(kwargs);
        }
        Py_DECREF(dtype);
    }
    Py_DECREF(module);
    if (!result)
        return NULL;
    if (dkpy_array_get(result, kind, 1, "out", a) != 0) {
        Py_DECREF(result);
        return NULL;
    }
    return result;
}
