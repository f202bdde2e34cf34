/* diffkern.Schedule: a dk_schedule as a Python object (immutable, shareable
 * between threads). */
#ifndef DKPY_SCHEDULE_H
#define DKPY_SCHEDULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <diffkern.h>

typedef struct {
    PyObject_HEAD dk_schedule *s;
} dkpy_schedule;

extern PyTypeObject dkpy_schedule_type;

/* The dk_schedule of obj, or NULL with a TypeError naming `name`. */
const dk_schedule *dkpy_schedule_of(PyObject *obj, const char *name);

#endif /* DKPY_SCHEDULE_H */
