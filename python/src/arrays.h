/* Arrays from Python objects without copies: anything with the buffer
 * protocol (numpy arrays, memoryview, array.array) or DLPack (torch CPU
 * tensors), C-contiguous, of exactly the element type asked for. Anything
 * else is refused with a TypeError or ValueError naming the argument; no
 * copy or cast is ever made. */
#ifndef DKPY_ARRAYS_H
#define DKPY_ARRAYS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stddef.h>

typedef enum dkpy_kind { DKPY_F32, DKPY_I32, DKPY_F64 } dkpy_kind;

typedef struct dkpy_array {
    PyObject *obj; /* a new reference while held; NULL: no array */
    void *data;
    size_t count; /* elements */
    int ndim;
    Py_ssize_t shape0; /* the first dimension (count if 0-d) */
    int torch;         /* came by DLPack: outputs made for it are torch tensors */
    Py_buffer view;
    int has_view;
    PyObject *capsule; /* the DLPack capsule, held (not consumed) */
} dkpy_array;

/* Fills *a from obj. writable: the array will be written. Returns 0, or -1
 * with a Python exception set that names `name`. */
int dkpy_array_get(PyObject *obj, dkpy_kind kind, int writable, const char *name, dkpy_array *a);
void dkpy_array_release(dkpy_array *a);

/* A new array of `count` elements of kind: a torch tensor if like->torch,
 * else a numpy array; shaped as like (same_shape) or 1-d. Returns the new
 * object (and fills *a) or NULL with an exception set. */
PyObject *dkpy_array_new(const dkpy_array *like, int same_shape, size_t count, dkpy_kind kind, dkpy_array *a);

#endif /* DKPY_ARRAYS_H */
