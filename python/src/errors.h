/* diffkern's statuses as Python exceptions: diffkern.Error (a ValueError)
 * and one subclass per status, whose message is dk_status_str's text and
 * the argument at fault, and whose `status` attribute is the dk_status. */
#ifndef DKPY_ERRORS_H
#define DKPY_ERRORS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <diffkern.h>

/* Creates the classes and adds them to the module. 0, or -1 on failure. */
int dkpy_errors_add(PyObject *module);
/* Raises the exception of st (not DK_OK) naming `argument`; returns NULL. */
PyObject *dkpy_raise(dk_status st, const char *argument);
/* The argument a status points at by default (each call may name its own). */
const char *dkpy_default_argument(dk_status st);

#endif /* DKPY_ERRORS_H */
