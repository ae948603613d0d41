// PyConfig setters take the struct and one of its fields by address; Swift's exclusivity rules forbid
// that, so the configuration is built here.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// Like python3's main: an initialisation error prints "Fatal Python error: ..." with its details and exits
// with the status CPython chose (or 1); `--help`/`--version` style exits keep their code.
static void fail(PyConfig *config, PyStatus status) {
    PyConfig_Clear(config);
    Py_ExitStatusException(status);
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
    // argv first: the first setter pre-initialises Python, and -X dev, -X utf8, -E and -I belong to that step.
    PyStatus status = PyConfig_SetBytesArgv(&config, options->argc, options->argv);
    if (PyStatus_Exception(status)) fail(&config, status);
    if (options->executable) {
        status = PyConfig_SetBytesString(&config, &config.executable, options->executable);
        if (PyStatus_Exception(status)) fail(&config, status);
        status = PyConfig_SetBytesString(&config, &config.program_name, options->executable);
        if (PyStatus_Exception(status)) fail(&config, status);
    }
    status = Py_InitializeFromConfig(&config);
    if (PyStatus_Exception(status)) fail(&config, status);
    PyConfig_Clear(&config);
    if (options->sys_executable && set_sys_executable(options->sys_executable, error, error_size) < 0) return -1;
    return 0;
}

int pyi_run_main(void) { return Py_RunMain(); }

int pyi_is_initialized(void) { return Py_IsInitialized(); }

int pyi_is_finalizing(void) { return _Py_IsFinalizing(); }

void pyi_path_anchor(char *out, size_t size) {
    const char *venv = getenv("VIRTUAL_ENV");
    if (venv && venv[0]) {
        char config[PATH_MAX];
        snprintf(config, sizeof config, "%s/pyvenv.cfg", venv);
        if (access(config, R_OK) == 0) {
            snprintf(out, size, "%s/bin/python", venv);
            return;
        }
    }
    snprintf(out, size, "%s", "/usr/bin/python3");
}

// The invoked program as an absolute path, symlinks kept (python3 reports the name it was started by).
static const char *invoked_program(const char *argv0, char *out, size_t size) {
    if (argv0 && argv0[0] == '/') {
        snprintf(out, size, "%s", argv0);
        return out;
    }
    char cwd[PATH_MAX];
    if (argv0 && strchr(argv0, '/') && getcwd(cwd, sizeof cwd)) {
        snprintf(out, size, "%s/%s", cwd, argv0[0] == '.' && argv0[1] == '/' ? argv0 + 2 : argv0);
        return out;
    }
    ssize_t length = readlink("/proc/self/exe", out, size - 1);
    if (length <= 0) return NULL;
    out[length] = '\0';
    return out;
}

int pyi_python_program_main(int argc, char **argv) {
    int code = pyi_python_program_start(argc, argv);
    return code != 0 ? code : Py_RunMain();
}

int pyi_python_program_start(int argc, char **argv) {
    // SwiftPM links the Swift runtime into this C program, and its crash backtracer takes the fatal signals;
    // python3 leaves them at their defaults (faulthandler installs its own when asked).
    pyi_child_reset_signals();
    char program[PATH_MAX];
    const char *executable = invoked_program(argc > 0 ? argv[0] : NULL, program, sizeof program);
    char anchor[PATH_MAX];
    char pth[PATH_MAX + 8];
    snprintf(pth, sizeof pth, "%s._pth", executable ? executable : "");
    if (executable && access(pth, R_OK) == 0) {
        // A ._pth file beside the program sets sys.path, as python3's getpath does.
        snprintf(anchor, sizeof anchor, "%s", executable);
    } else {
        pyi_path_anchor(anchor, sizeof anchor);
    }
    pyi_start_options options = {anchor, argc, argv, 1, executable};
    char error[512];
    if (pyi_initialize(&options, error, sizeof error) != 0) {
        fprintf(stderr, "Fatal Python error: %s\n", error);
        return 1;
    }
    return 0;
}

int pyi_python_main(const char *executable, int argc, char **argv) {
    pyi_start_options options = {executable, argc, argv, 1, argc > 0 ? argv[0] : NULL};
    char error[512];
    if (pyi_initialize(&options, error, sizeof error) != 0) {
        fprintf(stderr, "Fatal Python error: %s\n", error);
        return 1;
    }
    return Py_RunMain();
}
