// PyConfig setters take the struct and one of its fields by address; Swift's exclusivity rules forbid
// that, so the configuration is built here.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"
#include <stdio.h>
#include <string.h>

static int fail(PyConfig *config, PyStatus status, char *error, size_t error_size) {
    PyConfig_Clear(config);
    if (PyStatus_IsExit(status)) {
        if (error_size) error[0] = '\0';
        return status.exitcode;
    }
    snprintf(error, error_size, "%s%s%s", status.func ? status.func : "",
             status.func ? ": " : "", status.err_msg ? status.err_msg : "cannot initialize Python");
    return -1;
}

static int set_sys_executable(const char *path, char *error, size_t error_size) {
    PyObject *value = PyUnicode_DecodeFSDefault(path);
    if (value == NULL || PySys_SetObject("executable", value) < 0) {
        Py_XDECREF(value);
        PyErr_Clear();
        snprintf(error, error_size, "cannot set sys.executable");
        return -1;
    }
    Py_DECREF(value);
    return 0;
}

int pyi_initialize(const pyi_start_options *options, char *error, size_t error_size) {
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config.parse_argv = options->parse_argv;
    PyStatus status;
    if (options->executable) {
        status = PyConfig_SetBytesString(&config, &config.executable, options->executable);
        if (PyStatus_Exception(status)) return fail(&config, status, error, error_size);
        status = PyConfig_SetBytesString(&config, &config.program_name, options->executable);
        if (PyStatus_Exception(status)) return fail(&config, status, error, error_size);
    }
    status = PyConfig_SetBytesArgv(&config, options->argc, options->argv);
    if (PyStatus_Exception(status)) return fail(&config, status, error, error_size);
    status = Py_InitializeFromConfig(&config);
    if (PyStatus_Exception(status)) return fail(&config, status, error, error_size);
    PyConfig_Clear(&config);
    if (options->sys_executable && set_sys_executable(options->sys_executable, error, error_size) < 0) return -1;
    return 0;
}

int pyi_run_main(void) { return Py_RunMain(); }

int pyi_is_initialized(void) { return Py_IsInitialized(); }

int pyi_is_finalizing(void) { return _Py_IsFinalizing(); }

int pyi_python_main(const char *executable, int argc, char **argv) {
    pyi_start_options options = {executable, argc, argv, 1, argc > 0 ? argv[0] : NULL};
    char error[512];
    int code = pyi_initialize(&options, error, sizeof error);
    if (code != 0) {
        if (code < 0) {
            fprintf(stderr, "Fatal Python error: %s\n", error);
            return 1;
        }
        return code;
    }
    return Py_RunMain();
}
