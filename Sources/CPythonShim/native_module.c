// `_pyinspect_native`: a builtin module through which Python code running under the host (the pytest plugin)
// calls pyinspect's Swift analysis, so the verdict logic exists once, in Swift; and the C loops of the leak
// census (heap_walk.c).
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"
#include <stdlib.h>
#include <time.h>

static pyi_native_handler handler = NULL;
static int wanted = 0;

static PyObject *native_call(PyObject *self, PyObject *args) {
    (void)self;
    const char *name;
    const char *argument;
    if (!PyArg_ParseTuple(args, "ss:call", &name, &argument)) return NULL;
    if (handler == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "pyinspect's native handler is not installed");
        return NULL;
    }
    char *result = handler(name, argument);
    if (result == NULL) {
        PyErr_Format(PyExc_LookupError, "pyinspect has no native function %s", name);
        return NULL;
    }
    PyObject *text = PyUnicode_FromString(result);
    free(result);
    return text;
}

PyObject *pyi_alloc_sampler_export(void);  // alloc_sampler.c
PyObject *pyi_heap_objects(PyObject *skip);  // heap_walk.c
PyObject *pyi_reference_count(void);  // heap_walk.c
PyObject *pyi_census(PyObject *skip);  // census_walk.c

static PyObject *native_references(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return pyi_reference_count();
}

static PyObject *native_allocations(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return pyi_alloc_sampler_export();
}

PyObject *pyi_alloc_sampler_snapshot(void);  // alloc_sampler.c

// Checkpoints (service.py): turn the allocation sampler on if --allocations did not, and read it without
// stopping it.
static PyObject *native_allocations_start(PyObject *self, PyObject *argument) {
    (void)self;
    unsigned long long sample_bytes = PyLong_AsUnsignedLongLong(argument);
    if (PyErr_Occurred()) return NULL;
    if (pyi_alloc_sampler_installed()) Py_RETURN_FALSE;
    return PyBool_FromLong(pyi_alloc_sampler_start(sample_bytes) == 0);
}

static PyObject *native_allocations_snapshot(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return pyi_alloc_sampler_snapshot();
}

static PyObject *native_heap(PyObject *self, PyObject *skip) {
    (void)self;
    return pyi_heap_objects(skip);
}

static PyObject *native_census(PyObject *self, PyObject *skip) {
    (void)self;
    return pyi_census(skip);
}

// compile(source, filename, "exec", dont_inherit=True) minus its first step: the builtin asks whether the
// source is an AST, which builds the whole `_ast` type table (~7 M instructions, half of what pyinspect's
// helpers cost at start-up). The same source decoding and the same errors; the code object is dropped.
static PyObject *native_compile_check(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *source;
    PyObject *filename;
    if (!PyArg_ParseTuple(args, "OO&:compile_check", &source, PyUnicode_FSDecoder, &filename)) return NULL;
    PyCompilerFlags flags = _PyCompilerFlags_INIT;
    PyObject *source_copy = NULL;
    const char *text = _Py_SourceAsString(source, "compile", "string, bytes or AST", &flags, &source_copy);
    PyObject *code = text ? Py_CompileStringObject(text, filename, Py_file_input, &flags, -1) : NULL;
    Py_XDECREF(source_copy);
    Py_DECREF(filename);
    if (code == NULL) return NULL;
    Py_DECREF(code);
    Py_RETURN_NONE;
}

// A thread of pyinspect's own started from Python (child_hangs.py's watcher in a child): its GIL takes are no
// acquisitions or switches of the program's (pyinspect's native threads call pyi_gil_mark_host_thread themselves).
static PyObject *native_mark_host_thread(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    pyi_gil_mark_host_thread();
    Py_RETURN_NONE;
}

// Profile (issue 15): a new asyncio task, so that the sampler can name the task whose coroutine it finds.
static PyObject *native_profile_task(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *coroutine, *code;
    const char *name, *qualname;
    if (!PyArg_ParseTuple(args, "OOss:profile_task", &coroutine, &code, &name, &qualname)) return NULL;
    pyi_profile_task_created((uintptr_t)coroutine, (uintptr_t)code, name, qualname);
    Py_RETURN_NONE;
}

// Issue 18: when the target's event loop last began an iteration (hang_asyncio's _process_events), so the hang
// monitor can skip a look (and its GIL hand-off) while the loop is busy and each iteration is young, without the
// GIL: a relaxed atomic store and load of CLOCK_MONOTONIC nanoseconds.
static long long loop_iteration_ns = 0;

static PyObject *native_loop_iteration(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    __atomic_store_n(&loop_iteration_ns, (long long)now.tv_sec * 1000000000LL + now.tv_nsec, __ATOMIC_RELAXED);
    Py_RETURN_NONE;
}

double pyi_loop_iteration_age(void) {
    long long began = __atomic_load_n(&loop_iteration_ns, __ATOMIC_RELAXED);
    if (began == 0) return -1.0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)((long long)now.tv_sec * 1000000000LL + now.tv_nsec - began) / 1e9;
}

static PyMethodDef native_methods[] = {
    {"loop_iteration", native_loop_iteration, METH_NOARGS,
     "loop_iteration() -> None: an event loop began an iteration now (the hang monitor's skip test)."},
    {"mark_host_thread", native_mark_host_thread, METH_NOARGS,
     "mark_host_thread() -> None: the calling thread is pyinspect's own (the GIL tracer leaves its takes out)."},
    {"compile_check", native_compile_check, METH_VARARGS,
     "compile_check(source, filename) -> None: raises what compile(source, filename, 'exec') raises."},
    {"call", native_call, METH_VARARGS, "call(name, argument_json) -> str: a pyinspect analysis in Swift."},
    {"allocations", native_allocations, METH_NOARGS,
     "allocations() -> dict | None: stops allocation sampling and returns what `run --allocations` sampled."},
    {"allocations_start", native_allocations_start, METH_O,
     "allocations_start(sample_bytes) -> bool: starts allocation sampling unless it is on (checkpoints)."},
    {"allocations_snapshot", native_allocations_snapshot, METH_NOARGS,
     "allocations_snapshot() -> dict | None: what was sampled so far; sampling goes on (checkpoints)."},
    {"heap", native_heap, METH_O,
     "heap(skip) -> list: gc-tracked objects but those in skip, and the untracked objects they hold (a census)."},
    {"census", native_census, METH_O,
     "census(skip) -> ({type: count}, sorted ids as bytes, paused_s, paused_cpu_s): heap(skip) counted, GIL held only to read."},
    {"references", native_references, METH_NOARGS,
     "references() -> int: the references all gc-tracked objects hold (a container growing in place)."},
    {"profile_task", native_profile_task, METH_VARARGS,
     "profile_task(coroutine, code, name, qualname) -> None: names a task for the sampling profiler."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "_pyinspect_native", "pyinspect's Swift analysis, callable from Python.", -1,
    native_methods, NULL, NULL, NULL, NULL,
};

static PyObject *init_native(void) { return PyModule_Create(&native_module); }

void pyi_native_install(pyi_native_handler function) {
    handler = function;
    if (!wanted) {
        wanted = 1;
        PyImport_AppendInittab("_pyinspect_native", init_native);
    }
}
