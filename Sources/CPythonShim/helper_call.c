// The one funnel through which Swift calls pyinspect's Python helpers: strings in, strings out, so no
// Python object outlives a call on the Swift side.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"
#include <stdlib.h>
#include <string.h>

// Imports `_pyinspect.<module>` with the import machinery CPython has already loaded (importlib.util costs
// start-up time). Our helpers' bytecode is cached even under PYTHONDONTWRITEBYTECODE (compiling them costs ~4 ms
// a run); the target's own imports keep the user's setting. In C rather than a Python function compiled from
// source at every start (that compile cost ~1 M instructions).
static const char *describe_source =
    "def describe(exc):\n"
    "    import traceback\n"
    "    return ''.join(traceback.format_exception(exc))\n";

static PyObject *bootstrap_describe = NULL;  // strong, lives as long as the interpreter; compiled on first error

static char *copy_utf8(PyObject *text) {
    if (text == NULL) return NULL;
    const char *utf8 = PyUnicode_AsUTF8(text);
    if (utf8 == NULL) { PyErr_Clear(); return strdup("<unprintable>"); }
    return strdup(utf8);
}

static void load_describe(void) {
    if (bootstrap_describe) return;
    PyObject *globals = PyDict_New();
    if (!globals) return;
    if (PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) == 0) {
        PyObject *done = PyRun_String(describe_source, Py_file_input, globals, globals);
        if (done) {
            Py_DECREF(done);
            bootstrap_describe = PyDict_GetItemString(globals, "describe");
            Py_XINCREF(bootstrap_describe);
        }
    }
    Py_DECREF(globals);
}

static char *describe_current_exception(void) {
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    if (traceback && value) PyException_SetTraceback(value, traceback);
    char *message = NULL;
    load_describe();
    PyErr_Clear();
    if (bootstrap_describe && value) {
        PyObject *text = PyObject_CallOneArg(bootstrap_describe, value);
        if (text) { message = copy_utf8(text); Py_DECREF(text); }
        else PyErr_Clear();
    }
    Py_XDECREF(type); Py_XDECREF(value); Py_XDECREF(traceback);
    return message ? message : strdup("Python error (no description)");
}

// sys.modules['_pyinspect']: a package made from package_dir without touching sys.path.
static int create_package(PyObject *modules, const char *package_dir) {
    PyObject *external = PyDict_GetItemString(modules, "_frozen_importlib_external");  // borrowed
    PyObject *bootstrap = PyDict_GetItemString(modules, "_frozen_importlib");  // borrowed
    if (!external || !bootstrap) {
        PyErr_SetString(PyExc_ImportError, "the import machinery is not loaded");
        return -1;
    }
    int status = -1;
    PyObject *spec = NULL, *package = NULL, *loader = NULL, *done = NULL;
    PyObject *spec_from = PyObject_GetAttrString(external, "spec_from_file_location");
    PyObject *args = Py_BuildValue("(sN)", "_pyinspect", PyUnicode_FromFormat("%s/__init__.py", package_dir));
    PyObject *kwargs = Py_BuildValue("{s[s]}", "submodule_search_locations", package_dir);
    if (spec_from && args && kwargs) spec = PyObject_Call(spec_from, args, kwargs);
    if (spec) package = PyObject_CallMethod(bootstrap, "module_from_spec", "O", spec);
    if (package && PyDict_SetItemString(modules, "_pyinspect", package) == 0) {
        loader = PyObject_GetAttrString(spec, "loader");
        if (loader) done = PyObject_CallMethod(loader, "exec_module", "O", package);
        if (done) status = 0;
    }
    Py_XDECREF(spec_from); Py_XDECREF(args); Py_XDECREF(kwargs); Py_XDECREF(spec);
    Py_XDECREF(package); Py_XDECREF(loader); Py_XDECREF(done);
    return status;
}

// A new reference to _pyinspect.<module>, imported on first use with bytecode caching on.
static PyObject *helper_module(const char *package_dir, const char *module) {
    PyObject *name = PyUnicode_FromFormat("_pyinspect.%s", module);
    if (!name) return NULL;
    PyObject *modules = PyImport_GetModuleDict();  // borrowed
    PyObject *found = PyDict_GetItemWithError(modules, name);  // borrowed
    if (found) { Py_INCREF(found); Py_DECREF(name); return found; }
    if (PyErr_Occurred()) { Py_DECREF(name); return NULL; }
    PyObject *saved = PySys_GetObject("dont_write_bytecode");  // borrowed
    Py_XINCREF(saved);
    PySys_SetObject("dont_write_bytecode", Py_False);
    PyObject *imported = NULL;
    if (PyDict_GetItemString(modules, "_pyinspect") != NULL || create_package(modules, package_dir) == 0) {
        imported = PyImport_Import(name);
        Py_XDECREF(imported);
        imported = NULL;
        found = PyDict_GetItemWithError(modules, name);
        if (found) { Py_INCREF(found); imported = found; }
        else if (!PyErr_Occurred()) PyErr_Format(PyExc_ImportError, "no module %U after its import", name);
    }
    // Restored even when the import failed (an exception stays set meanwhile).
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PySys_SetObject("dont_write_bytecode", saved ? saved : Py_False);
    Py_XDECREF(saved);
    PyErr_Restore(type, value, traceback);
    Py_DECREF(name);
    return imported;
}

int pyi_helper_call(const char *package_dir, const char *module, const char *function, const char *argument,
                    char **result, char **error) {
    *result = NULL;
    *error = NULL;
    if (!Py_IsInitialized()) { *error = strdup("Python is not initialized"); return -1; }
    PyGILState_STATE gil = PyGILState_Ensure();
    int status = -1;
    PyObject *helper = helper_module(package_dir, module);
    if (helper) {
        PyObject *value = PyObject_CallMethod(helper, function, "s", argument);
        PyObject *text = value ? PyObject_Str(value) : NULL;
        if (text) {
            *result = copy_utf8(text);
            status = 0;
        }
        Py_XDECREF(text);
        Py_XDECREF(value);
        Py_DECREF(helper);
    }
    if (status != 0) *error = describe_current_exception();
    PyGILState_Release(gil);
    return status;
}
