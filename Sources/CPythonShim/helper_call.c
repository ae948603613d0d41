// The one funnel through which Swift calls pyinspect's Python helpers: strings in, strings out, so no
// Python object outlives a call on the Swift side.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"
#include <stdlib.h>
#include <string.h>

// Uses the import machinery CPython has already loaded (importlib.util costs start-up time).
// Uses the import machinery CPython has already loaded (importlib.util costs start-up time). Our helpers'
// bytecode is cached even under PYTHONDONTWRITEBYTECODE (compiling them costs ~4 ms a run); the target's own
// imports keep the user's setting.
static const char *bootstrap_source =
    "def call(package_dir, module, function, argument):\n"
    "    import sys\n"
    "    name = '_pyinspect.' + module\n"
    "    if name not in sys.modules:\n"
    "        saved = sys.dont_write_bytecode\n"
    "        sys.dont_write_bytecode = False\n"
    "        try:\n"
    "            if '_pyinspect' not in sys.modules:\n"
    "                external = sys.modules['_frozen_importlib_external']\n"
    "                bootstrap = sys.modules['_frozen_importlib']\n"
    "                spec = external.spec_from_file_location('_pyinspect', package_dir + '/__init__.py',\n"
    "                                                        submodule_search_locations=[package_dir])\n"
    "                package = bootstrap.module_from_spec(spec)\n"
    "                sys.modules['_pyinspect'] = package\n"
    "                spec.loader.exec_module(package)\n"
    "            __import__(name)\n"
    "        finally:\n"
    "            sys.dont_write_bytecode = saved\n"
    "    return str(getattr(sys.modules[name], function)(argument))\n"
    "def describe(exc):\n"
    "    import traceback\n"
    "    return ''.join(traceback.format_exception(exc))\n";

static PyObject *bootstrap_call = NULL;     // strong, lives as long as the interpreter
static PyObject *bootstrap_describe = NULL;

static char *copy_utf8(PyObject *text) {
    if (text == NULL) return NULL;
    const char *utf8 = PyUnicode_AsUTF8(text);
    if (utf8 == NULL) { PyErr_Clear(); return strdup("<unprintable>"); }
    return strdup(utf8);
}

static char *describe_current_exception(void) {
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    if (traceback && value) PyException_SetTraceback(value, traceback);
    char *message = NULL;
    if (bootstrap_describe && value) {
        PyObject *text = PyObject_CallOneArg(bootstrap_describe, value);
        if (text) { message = copy_utf8(text); Py_DECREF(text); }
        else PyErr_Clear();
    }
    Py_XDECREF(type); Py_XDECREF(value); Py_XDECREF(traceback);
    return message ? message : strdup("Python error (no description)");
}

static int load_bootstrap(void) {
    if (bootstrap_call) return 0;
    PyObject *globals = PyDict_New();
    if (!globals) return -1;
    if (PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) < 0) { Py_DECREF(globals); return -1; }
    PyObject *done = PyRun_String(bootstrap_source, Py_file_input, globals, globals);
    if (!done) { Py_DECREF(globals); return -1; }
    Py_DECREF(done);
    bootstrap_call = PyDict_GetItemString(globals, "call");
    bootstrap_describe = PyDict_GetItemString(globals, "describe");
    Py_XINCREF(bootstrap_call);
    Py_XINCREF(bootstrap_describe);
    Py_DECREF(globals);
    return bootstrap_call ? 0 : -1;
}

int pyi_helper_call(const char *package_dir, const char *module, const char *function, const char *argument,
                    char **result, char **error) {
    *result = NULL;
    *error = NULL;
    if (!Py_IsInitialized()) { *error = strdup("Python is not initialized"); return -1; }
    PyGILState_STATE gil = PyGILState_Ensure();
    int status = -1;
    if (load_bootstrap() == 0) {
        PyObject *value = PyObject_CallFunction(bootstrap_call, "ssss", package_dir, module, function, argument);
        if (value) {
            *result = copy_utf8(value);
            Py_DECREF(value);
            status = 0;
        }
    }
    if (status != 0) *error = describe_current_exception();
    PyGILState_Release(gil);
    return status;
}
