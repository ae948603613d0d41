// C helpers for what Swift cannot reach in CPython's API (macros, structs passed by address twice,
// signal handlers, version-specific layouts). Every symbol is prefixed `pyi_`.
#ifndef PYINSPECT_CPYTHON_SHIM_H
#define PYINSPECT_CPYTHON_SHIM_H

// Python.h is deliberately not included here: its feature macros clash with Swift's Glibc module. Python
// objects cross this boundary as opaque pointers; the .c files include Python.h.
#include <stddef.h>
#include <sys/types.h>

typedef struct _object PyObject;

// ---- Objects (macros in the C API) ----
PyObject *pyi_none(void);
void pyi_incref(PyObject *object);
void pyi_decref(PyObject *object);
void pyi_xdecref(PyObject *object);

// ---- Interpreter start ----
// How to start the interpreter. `executable` anchors the path calculation (a virtualenv's bin/python finds
// its pyvenv.cfg); `sys_executable`, when set, is what the target sees as sys.executable afterwards.
typedef struct {
    const char *executable;
    int argc;
    char *const *argv;       // python3-style argv; argv[0] is the program
    int parse_argv;          // 1: options in argv are Python's own (-c, -m, -I ...)
    const char *sys_executable; // NULL keeps CPython's value
} pyi_start_options;

// Fills `config` and initialises Python. Returns 0, or the exit code CPython asks for (and a message in
// `error`, possibly empty when CPython already printed one, e.g. for --help).
int pyi_initialize(const pyi_start_options *options, char *error, size_t error_size);

// Like python3's main(): initialise from argv, then Py_RunMain. Used by pyinspect-python.
int pyi_python_main(const char *executable, int argc, char **argv);

// Runs Python's main (the script, -m module or -c code from argv) and finalizes. Returns the exit code.
int pyi_run_main(void);
// True once Py_Initialize has completed and before finalization.
int pyi_is_initialized(void);
// True once Py_FinalizeEx has begun tearing down (a thread taking the GIL then would be ended by CPython).
int pyi_is_finalizing(void);

// ---- Calling pyinspect's Python helpers ----
// Takes the GIL, imports `_pyinspect.<module>` from `package_dir` (without touching sys.path), calls
// `function(argument)` and returns its str() in *result (malloc'd, caller frees). On a Python exception returns
// -1 and the formatted traceback in *error (malloc'd). Safe from any thread once Python is initialised.
int pyi_helper_call(const char *package_dir, const char *module, const char *function, const char *argument,
                    char **result, char **error);

// ---- Diagnostics that need no GIL ----
// Writes every thread's Python stack to fd, the way faulthandler does (async-signal-safe, no GIL needed).
// Returns NULL or an error string.
const char *pyi_dump_all_tracebacks(int fd);

// ---- Supervisor signals ----
// In the supervising parent: SIGTERM, SIGHUP and a SIGINT sent by kill(2) are forwarded to `child`;
// SIGINT/SIGQUIT from the terminal are ignored here because the child, in the same process group, gets them.
void pyi_supervisor_forward_signals(pid_t child);
// The last signal forwarded (0 if none).
int pyi_supervisor_last_forwarded_signal(void);
// In the child after fork: restore default dispositions.
void pyi_child_reset_signals(void);
// Keep a broken pipe from killing the host before Python installs its own SIGPIPE handling.
void pyi_ignore_sigpipe(void);
// fork(2), which Swift does not import on every platform.
pid_t pyi_fork(void);
// Opens a pidfd for `pid` (Linux 5.3+); -1 when unavailable.
int pyi_pidfd_open(pid_t pid);

#endif
