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
#include <sys/uio.h>
#include <unistd.h>

// The watcher reads another thread's state without the GIL; that thread may free it meanwhile (a thread
// state is freed right after its last release). process_vm_readv on ourselves fails with EFAULT where a plain
// load would crash the target.
static int safe_read(const void *address, void *out, size_t size) {
    struct iovec local = {out, size};
    struct iovec remote = {(void *)address, size};
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)size ? 0 : -1;
}

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
    unsigned long id = 0;
    if (tstate == 0 || safe_read(&((PyThreadState *)tstate)->native_thread_id, &id, sizeof id) != 0) return 0;
    return id;
}

int pyi_gil_layout_frame_marker(uintptr_t tstate, uintptr_t *frame, uintptr_t *instruction) {
    *frame = 0;
    *instruction = 0;
    if (tstate == 0) return -1;
    _PyCFrame *cframe = NULL;
    _PyInterpreterFrame *current = NULL;
    _Py_CODEUNIT *prev_instr = NULL;
    if (safe_read(&((PyThreadState *)tstate)->cframe, &cframe, sizeof cframe) != 0 || cframe == NULL) return -1;
    if (safe_read(&cframe->current_frame, &current, sizeof current) != 0 || current == NULL) return -1;
    if (safe_read(&current->prev_instr, &prev_instr, sizeof prev_instr) != 0) return -1;
    *frame = (uintptr_t)current;
    *instruction = (uintptr_t)prev_instr;
    return 0;
}

void pyi_gil_layout_dump_traceback(int fd, uintptr_t tstate) {
    if (tstate == 0) return;
    _Py_DumpTraceback(fd, (PyThreadState *)tstate);
}

// For the control socket (control_gil.c): who holds the GIL now, read without taking it.
int pyi_gil_layout_holder(int *locked, unsigned long *holder_native_id, unsigned long *switch_number) {
    pyi_gil_layout layout;
    char error[160];
    if (pyi_gil_layout_resolve(&layout, error, sizeof error) != 0) return -1;
    *locked = atomic_load(layout.locked);
    *switch_number = *(volatile unsigned long *)layout.switch_number;
    uintptr_t holder = atomic_load(layout.last_holder);
    *holder_native_id = *locked == 1 ? pyi_gil_layout_native_id(holder) : 0;
    return 0;
}

// The holder's Python stack (faulthandler format) written to fd; read without the GIL, as faulthandler does.
void pyi_gil_layout_dump_holder(int fd) {
    pyi_gil_layout layout;
    char error[160];
    if (pyi_gil_layout_resolve(&layout, error, sizeof error) != 0) return;
    if (atomic_load(layout.locked) != 1) return;
    pyi_gil_layout_dump_traceback(fd, atomic_load(layout.last_holder));
}
