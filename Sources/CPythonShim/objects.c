// Py_None, Py_INCREF and friends are macros or inline functions Swift cannot always import.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"

PyObject *pyi_none(void) { return Py_None; }
void pyi_incref(PyObject *object) { Py_INCREF(object); }
void pyi_decref(PyObject *object) { Py_DECREF(object); }
void pyi_xdecref(PyObject *object) { Py_XDECREF(object); }
