// The one file that reads CPython 3.11's internal GIL state (`_PyRuntime.ceval.gil`, struct
// _gil_runtime_state in internal/pycore_gil.h) and frames. 3.12 moved the GIL into the interpreter and
// 3.13's free-threaded builds change it again: this file must be revisited for any version but 3.11.
#define Py_BUILD_CORE 1
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "internal/pycore_runtime.h"
#include "internal/pycore_frame.h"
#include "gil_internal.h"
#include <stdio.h>

PyAPI_FUNC(void) _Py_DumpTraceback(int fd, PyThreadState *tstate);

int pyi_gil_layout_resolve(pyi_gil_layout *out, char *error, size_t error_size) {
#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
    snprintf(error, error_size, "GIL tracing supports CPython 3.11 only");
    return -1;
#else
    if ((Py_Version >> 16) != (PY_VERSION_HEX >> 16)) {
        snprintf(error, error_size, "libpython %lx does not match the headers pyinspect was built with (%x)",
                 (unsigned long)Py_Version, PY_VERSION_HEX);
        return -1;
    }
    struct _gil_runtime_state *gil = &_PyRuntime.ceval.gil;
    out->mutex = &gil->mutex;
    out->locked = (_Atomic int *)&gil->locked._value;
    out->switch_number = &gil->switch_number;
    out->last_holder = (_Atomic uintptr_t *)&gil->last_holder._value;
    return 0;
#endif
}

unsigned long pyi_gil_layout_native_id(uintptr_t tstate) {
    if (tstate == 0) return 0;
    return *(volatile unsigned long *)&((PyThreadState *)tstate)->native_thread_id;
}

int pyi_gil_layout_frame_marker(uintptr_t tstate, uintptr_t *frame, uintptr_t *instruction) {
    *frame = 0;
    *instruction = 0;
    if (tstate == 0) return -1;
    _PyCFrame *cframe = *(_PyCFrame *volatile *)&((PyThreadState *)tstate)->cframe;
    if (cframe == NULL) return -1;
    _PyInterpreterFrame *current = *(_PyInterpreterFrame *volatile *)&cframe->current_frame;
    if (current == NULL) return -1;
    *frame = (uintptr_t)current;
    *instruction = (uintptr_t)*(_Py_CODEUNIT *volatile *)&current->prev_instr;
    return 0;
}

void pyi_gil_layout_dump_traceback(int fd, uintptr_t tstate) {
    if (tstate == 0) return;
    _Py_DumpTraceback(fd, (PyThreadState *)tstate);
}
