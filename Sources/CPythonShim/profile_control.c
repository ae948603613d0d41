// Ends the profiler's sampling when the target's code ends: an atexit function registered before the target
// runs runs after the target's own ones but before finalization starts tearing down thread states (what the
// sampler reads). Ctrl-C and sys.exit() reach it too (Py_FinalizeEx runs atexit first).
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"

static PyObject *end_of_target(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    Py_BEGIN_ALLOW_THREADS   // the last tick may be waiting for a thread that wants the GIL to end
    pyi_profile_stop();
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyMethodDef end_of_target_def = {"_pyinspect_profile_end", end_of_target, METH_NOARGS, NULL};

int pyi_profile_stop_at_target_exit(void) {
    PyObject *function = PyCFunction_New(&end_of_target_def, NULL);
    PyObject *module = PyImport_ImportModule("atexit");
    PyObject *result = (function && module) ? PyObject_CallMethod(module, "register", "O", function) : NULL;
    int ok = result != NULL;
    if (!ok) PyErr_Clear();
    Py_XDECREF(result);
    Py_XDECREF(module);
    Py_XDECREF(function);
    return ok ? 0 : -1;
}
