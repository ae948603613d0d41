// pyinspect's own native threads (the hang monitor) keep one Python thread state for their whole life, made
// before the target runs.
//
// Why: CPython 3.11's tracemalloc hooks the RAW allocator domain, and its hook takes the GIL (PyGILState_Ensure)
// before it records a block. PyGILState_Ensure on a thread without a thread state allocates one with
// PyMem_RawCalloc *without the GIL*. If the target calls tracemalloc.stop() while such a thread waits for the GIL
// inside the hook, stop() frees tracemalloc's traceback buffer; the waiting thread then gets the GIL and
// tracemalloc_add_trace writes through the freed (NULL) buffer: SIGSEGV (CPython gh-128679, fixed in 3.12/3.13,
// not in 3.11). A thread that made and dropped its thread state on every call (the hang monitor, every 50 ms)
// opened that window all the time. With a kept thread state, PyGILState_Ensure/Release only take and release the
// GIL: no raw allocation happens outside the GIL. The one allocation (the attach) happens while the main thread
// waits, GIL released, before any target code runs, so no tracemalloc.stop() can overlap it.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"
#include <pthread.h>

static pthread_mutex_t attach_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t attach_done = PTHREAD_COND_INITIALIZER;
static int expected_threads, attached_threads;

void pyi_host_thread_expect(void) {
    pthread_mutex_lock(&attach_lock);
    expected_threads++;
    pthread_mutex_unlock(&attach_lock);
}

void pyi_host_thread_attach(void) {
    if (Py_IsInitialized()) {
        // Kept: the counter stays at 1, so later PyGILState_Release calls never delete this thread state.
        (void)PyGILState_Ensure();
        (void)PyEval_SaveThread();
    }
    pthread_mutex_lock(&attach_lock);
    attached_threads++;
    pthread_cond_broadcast(&attach_done);
    pthread_mutex_unlock(&attach_lock);
}

void pyi_host_threads_wait_attached(void) {
    // The caller holds the GIL (the main thread before Py_RunMain): the attaching threads need it.
    int holds_gil = Py_IsInitialized() && PyGILState_Check();
    PyThreadState *saved = holds_gil ? PyEval_SaveThread() : NULL;
    pthread_mutex_lock(&attach_lock);
    while (attached_threads < expected_threads) pthread_cond_wait(&attach_done, &attach_lock);
    pthread_mutex_unlock(&attach_lock);
    if (saved) PyEval_RestoreThread(saved);
}
