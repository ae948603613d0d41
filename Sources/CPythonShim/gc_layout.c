// The one file that reads CPython 3.11's gc generation lists (`interp->gc.generations`, internal/pycore_gc.h):
// a checkpoint's census visits every gc-tracked object in place, where gc.get_objects() would first build (and
// then free) a list of them all, touching each reference count twice. Revisit for any version but 3.11.
#define Py_BUILD_CORE 1
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "internal/pycore_interp.h"
#include "internal/pycore_pystate.h"
#include "internal/pycore_gc.h"

typedef int (*pyi_tracked_visitor)(PyObject *object, void *argument);

// Calls `visit` for each object of generations 0-2 (what gc.get_objects() lists), with the GIL held; `visit`
// must neither run Python code nor create or free gc objects (the lists would change under the walk). Stops at
// the first nonzero return, which it returns. -1 (no exception set) for any version but 3.11.
int pyi_gc_for_each_tracked(pyi_tracked_visitor visit, void *argument) {
#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
    (void)visit;
    (void)argument;
    return -1;
#else
    if ((Py_Version >> 16) != (PY_VERSION_HEX >> 16)) return -1;
    PyInterpreterState *interp = _PyInterpreterState_GET();
    for (int generation = 0; generation < NUM_GENERATIONS; generation++) {
        PyGC_Head *list = &interp->gc.generations[generation].head;
        for (PyGC_Head *node = _PyGCHead_NEXT(list); node != list; node = _PyGCHead_NEXT(node)) {
            int stop = visit((PyObject *)(node + 1), argument);  // the object follows its gc header
            if (stop) return stop;
        }
    }
    return 0;
#endif
}
