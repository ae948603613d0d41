// The one funnel through which Swift calls pyinspect's Python helpers: strings in, strings out, so no
// Python object outlives a call on the Swift side.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"
#include <marshal.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

// ---- Start-up: the helpers every run imports, straight from their cached bytecode ----
// importlib's path-based import runs dozens of Python functions per module (finders, spec, stat and read through
// io, validation): ~0.3 M instructions a module (callgrind) beside ~0.1 M to unmarshal and run it. For the
// helpers `run` imports at every start, pyi_helper_preload reads __pycache__/<name>.<tag>.pyc here, checks it the
// way importlib does for a timestamp-based pyc (magic, flags 0, source mtime and size), and runs the code in a
// module set up as importlib would (spec with a SourceFileLoader, __file__, __cached__, __package__, in
// sys.modules before it runs, then an attribute of the package). A missing or stale pyc is left to the ordinary
// import, which writes it.

static uint32_t read_le32(const unsigned char *bytes) {
    return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
}

// The pyc's code object if it is valid for the source, else NULL (no exception: the caller falls back).
static PyObject *cached_code(const char *source, const char *cached) {
    struct stat source_stat;
    if (stat(source, &source_stat) != 0) return NULL;
    int fd = open(cached, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    PyObject *code = NULL;
    struct stat cached_stat;
    unsigned char *data = NULL;
    if (fstat(fd, &cached_stat) == 0 && cached_stat.st_size > 16 && cached_stat.st_size < (16 << 20) &&
        (data = malloc((size_t)cached_stat.st_size)) != NULL) {
        size_t size = (size_t)cached_stat.st_size, used = 0;
        while (used < size) {
            ssize_t got = read(fd, data + used, size - used);
            if (got <= 0) break;
            used += (size_t)got;
        }
        long magic = PyImport_GetMagicNumber();
        if (used == size && magic != -1 && read_le32(data) == (uint32_t)magic && read_le32(data + 4) == 0 &&
            read_le32(data + 8) == (uint32_t)source_stat.st_mtime && read_le32(data + 12) == (uint32_t)source_stat.st_size) {
            code = PyMarshal_ReadObjectFromString((const char *)data + 16, (Py_ssize_t)(size - 16));
            if (code == NULL || !PyCode_Check(code)) {
                Py_XDECREF(code);
                code = NULL;
                PyErr_Clear();
            }
        }
    }
    if (PyErr_Occurred()) PyErr_Clear();
    free(data);
    close(fd);
    return code;
}

// 1 loaded, 0 no valid pyc (nothing changed), -1 failed (exception set; the module is not left in sys.modules).
static int load_cached_helper(PyObject *modules, PyObject *package, const char *package_dir, const char *name) {
    char source[4096], cached[4200];
    if (snprintf(source, sizeof source, "%s/%s.py", package_dir, name) >= (int)sizeof source) return 0;
    if (snprintf(cached, sizeof cached, "%s/__pycache__/%s.cpython-%d%d.pyc", package_dir, name, PY_MAJOR_VERSION,
                 PY_MINOR_VERSION) >= (int)sizeof cached)
        return 0;
    PyObject *code = cached_code(source, cached);
    if (code == NULL) return 0;
    PyObject *external = PyDict_GetItemString(modules, "_frozen_importlib_external");  // borrowed
    PyObject *bootstrap = PyDict_GetItemString(modules, "_frozen_importlib");  // borrowed
    PyObject *imp = PyDict_GetItemString(modules, "_imp");  // borrowed
    if (!external || !bootstrap || !imp) {
        Py_DECREF(code);
        return 0;
    }
    int status = -1, in_modules = 0;
    PyObject *fullname = PyUnicode_FromFormat("_pyinspect.%s", name);
    PyObject *source_text = PyUnicode_DecodeFSDefault(source);
    PyObject *cached_text = PyUnicode_DecodeFSDefault(cached);
    PyObject *loader = NULL, *spec_new = NULL, *arguments = NULL, *keywords = NULL, *spec = NULL, *module = NULL;
    PyObject *fixed = NULL, *result = NULL;
    if (!fullname || !source_text || !cached_text) goto done;
    // Tracebacks name the file where it is now, as importlib's _fix_co_filename makes them.
    fixed = PyObject_CallMethod(imp, "_fix_co_filename", "OO", code, source_text);
    if (!fixed) goto done;
    loader = PyObject_CallMethod(external, "SourceFileLoader", "OO", fullname, source_text);
    spec_new = loader ? PyObject_GetAttrString(bootstrap, "ModuleSpec") : NULL;
    arguments = spec_new ? PyTuple_Pack(2, fullname, loader) : NULL;
    keywords = arguments ? Py_BuildValue("{sO}", "origin", source_text) : NULL;
    spec = keywords ? PyObject_Call(spec_new, arguments, keywords) : NULL;
    if (!spec || PyObject_SetAttrString(spec, "has_location", Py_True) != 0 ||
        PyObject_SetAttrString(spec, "cached", cached_text) != 0)
        goto done;
    module = PyModule_NewObject(fullname);
    if (!module) goto done;
    PyObject *globals = PyModule_GetDict(module);  // borrowed
    PyObject *package_name = PyUnicode_FromString("_pyinspect");
    int set = package_name && PyDict_SetItemString(globals, "__package__", package_name) == 0 &&
              PyDict_SetItemString(globals, "__loader__", loader) == 0 &&
              PyDict_SetItemString(globals, "__spec__", spec) == 0 &&
              PyDict_SetItemString(globals, "__file__", source_text) == 0 &&
              PyDict_SetItemString(globals, "__cached__", cached_text) == 0 &&
              PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) == 0;
    Py_XDECREF(package_name);
    if (!set || PyDict_SetItem(modules, fullname, module) != 0) goto done;
    in_modules = 1;
    result = PyEval_EvalCode(code, globals, globals);
    if (!result) goto done;
    // What the module itself left in sys.modules under its name, as importlib returns.
    PyObject *final = PyDict_GetItemWithError(modules, fullname);  // borrowed
    if (!final || PyObject_SetAttrString(package, name, final) != 0) goto done;
    status = 1;
done:
    if (status < 0) {
        PyObject *type, *value, *traceback;
        PyErr_Fetch(&type, &value, &traceback);
        if (in_modules && PyDict_DelItem(modules, fullname) != 0) PyErr_Clear();
        PyErr_Restore(type, value, traceback);
    }
    Py_XDECREF(result); Py_XDECREF(module); Py_XDECREF(spec); Py_XDECREF(keywords); Py_XDECREF(arguments);
    Py_XDECREF(spec_new); Py_XDECREF(loader); Py_XDECREF(fixed);
    Py_XDECREF(cached_text); Py_XDECREF(source_text); Py_XDECREF(fullname); Py_DECREF(code);
    return status;
}

int pyi_helper_preload(const char *package_dir, const char *const *names, int count) {
    if (!Py_IsInitialized()) return 0;
    PyGILState_STATE gil = PyGILState_Ensure();
    int loaded = 0;
    PyObject *modules = PyImport_GetModuleDict();  // borrowed
    // A helper whose pyc is stale is imported as usual by the one that needs it: cached even under
    // PYTHONDONTWRITEBYTECODE, as helper_module does.
    PyObject *saved = PySys_GetObject("dont_write_bytecode");  // borrowed
    Py_XINCREF(saved);
    PySys_SetObject("dont_write_bytecode", Py_False);
    if (PyDict_GetItemString(modules, "_pyinspect") != NULL || create_package(modules, package_dir) == 0) {
        PyObject *package = PyDict_GetItemString(modules, "_pyinspect");  // borrowed
        for (int index = 0; package && index < count; index++) {
            char fullname[256];
            snprintf(fullname, sizeof fullname, "_pyinspect.%s", names[index]);
            if (PyDict_GetItemString(modules, fullname) != NULL) continue;
            int status = load_cached_helper(modules, package, package_dir, names[index]);
            if (status > 0) loaded++;
            // A failure is left to the ordinary import, which raises it where the helper is called.
            if (status < 0) PyErr_Clear();
        }
    }
    PyErr_Clear();
    PySys_SetObject("dont_write_bytecode", saved ? saved : Py_False);
    Py_XDECREF(saved);
    PyGILState_Release(gil);
    return loaded;
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
