// The default control socket costs nothing until a client uses it: `run` binds and listens before the fork (no
// thread), and the target starts its server threads at the first connection. A second thread of any kind ends
// glibc's single-threaded fast paths for the rest of the process (os.read/os.write loops ~3% slower), so a run
// nobody connects to must keep one thread.
//
// How the first connection is noticed: the listening socket is O_ASYNC, owned by the target, with
// PYI_CONTROL_SIGNAL as its signal (F_SETSIG), so the kernel signals the target when a client connects. The
// signal's handler is a Python-level one (set through `_signal.signal`): it runs on the main thread at the
// interpreter's next safe point (between bytecodes, or in the EINTR retry of a blocking call: sleep, select,
// accept, read, lock waits), where starting threads is safe; a C signal handler could not start them (malloc,
// TLS and the stack cache are not async-signal-safe). The handler clears O_ASYNC and starts the server.
// A main thread inside a long C call that holds the GIL reaches no safe point: if pyinspect already runs a thread
// of its own (hang monitor, watchdog, profiler), the server was started with it (ControlServer.startIfArmed).
#define _GNU_SOURCE 1  // F_SETSIG
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

static void (*armed_start)(void);
static pid_t armed_pid;
static int armed_fd = -1;

int pyi_control_signal(void) { return SIGRTMAX - 3; }

int pyi_control_start_armed(void) {
    // In a process the target forked the handler is inherited, but the socket is the parent's to serve.
    if (armed_start == NULL || getpid() != armed_pid) return 0;
    void (*start)(void) = armed_start;
    armed_start = NULL;
    int flags = fcntl(armed_fd, F_GETFL);
    if (flags >= 0) (void)fcntl(armed_fd, F_SETFL, flags & ~O_ASYNC);
    start();
    return 1;
}

int pyi_control_armed(void) { return armed_start != NULL && getpid() == armed_pid; }

// (signum, frame): Python calls signal handlers with both. Once the server runs it does nothing: a signal
// queued before O_ASYNC was cleared must not end the target (SIG_DFL of a real-time signal terminates).
static PyObject *on_connection(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    (void)pyi_control_start_armed();
    Py_RETURN_NONE;
}

static PyMethodDef on_connection_method = {
    "pyinspect_control_connection", on_connection, METH_VARARGS,
    "pyinspect's control socket has a client: starts the server that answers it."};

int pyi_control_arm_lazy(int fd, void (*start)(void)) {
    PyGILState_STATE state = PyGILState_Ensure();
    int ok = 0;
    PyObject *signal_module = PyImport_ImportModule("_signal");
    PyObject *handler = signal_module ? PyCFunction_New(&on_connection_method, NULL) : NULL;
    PyObject *previous =
        handler ? PyObject_CallMethod(signal_module, "signal", "iO", pyi_control_signal(), handler) : NULL;
    if (previous) {
        ok = 1;
        Py_DECREF(previous);
    } else {
        PyErr_Clear();
    }
    Py_XDECREF(handler);
    Py_XDECREF(signal_module);
    PyGILState_Release(state);
    if (!ok) return -1;
    armed_start = start;
    armed_pid = getpid();
    armed_fd = fd;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETOWN, getpid()) != 0 || fcntl(fd, F_SETSIG, pyi_control_signal()) != 0 ||
        fcntl(fd, F_SETFL, flags | O_ASYNC) != 0) {
        armed_start = NULL;
        return -1;
    }
    // A client that connected before O_ASYNC was set sent no signal.
    struct pollfd waiting = {.fd = fd, .events = POLLIN, .revents = 0};
    if (poll(&waiting, 1, 0) > 0) (void)pyi_control_start_armed();
    return 0;
}
