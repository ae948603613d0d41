// faulthandler's dumper, exported by libpython but declared only in internal headers.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"

PyAPI_FUNC(const char *) _Py_DumpTracebackThreads(int fd, PyInterpreterState *interp,
                                                  PyThreadState *current_tstate);

const char *pyi_dump_all_tracebacks(int fd) {
    return _Py_DumpTracebackThreads(fd, NULL, NULL);
}
