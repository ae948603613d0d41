// The control socket's access to the GIL (`run --control`, Sources/PyInspectCore/Service): its worker takes
// the GIL for a bounded snapshot, and its server thread, which never takes it, says who holds it when the
// worker cannot get it (a C call that holds the GIL).
#define _GNU_SOURCE 1  // accept4, struct ucred
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"
#include "gil_internal.h"
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

int pyi_gil_layout_holder(int *locked, unsigned long *holder_native_id, unsigned long *switch_number);
void pyi_gil_layout_dump_holder(int fd);

int pyi_control_gil_ensure(void) { return (int)PyGILState_Ensure(); }

void pyi_control_gil_release(int state) { PyGILState_Release((PyGILState_STATE)state); }

int pyi_control_gil_holder(pyi_gil_holder_state *out) {
    memset(out, 0, sizeof *out);
    int locked = 0;
    unsigned long native = 0, number = 0;
    if (pyi_gil_layout_holder(&locked, &native, &number) != 0) return -1;
    out->locked = locked;
    out->holder_native_id = native;
    out->switch_number = number;
    return 0;
}

size_t pyi_control_gil_holder_stack(char *buffer, size_t size) {
    // A pipe: _Py_DumpTraceback writes to a descriptor, at most 100 frames (well under a pipe's 64 KiB).
    int ends[2];
    if (size == 0 || pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) return 0;
    pyi_gil_layout_dump_holder(ends[1]);
    close(ends[1]);
    size_t used = 0;
    while (used + 1 < size) {
        ssize_t got = read(ends[0], buffer + used, size - 1 - used);
        if (got <= 0) break;
        used += (size_t)got;
    }
    buffer[used] = '\0';
    close(ends[0]);
    return used;
}

static char control_socket_path[4096];
static pid_t control_socket_owner;

static void remove_control_socket(void) {
    // A child the target forked inherits these handlers: only the serving process removes the socket.
    if (control_socket_path[0] && getpid() == control_socket_owner) unlink(control_socket_path);
    control_socket_path[0] = '\0';
}

void pyi_control_remove_at_exit(const char *path) {
    if (path == NULL || strlen(path) >= sizeof control_socket_path) return;
    strcpy(control_socket_path, path);
    // Once per process: the default socket's is registered when it is armed, again when its server starts.
    if (control_socket_owner == getpid()) return;
    control_socket_owner = getpid();
    // Py_AtExit: Py_RunMain dies of SIGINT after an uncaught KeyboardInterrupt, so atexit(3) may never run.
    (void)Py_AtExit(remove_control_socket);
    atexit(remove_control_socket);
}

// Swift's Glibc module leaves out what needs _GNU_SOURCE.
int pyi_control_accept(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC); }

int pyi_control_peer_uid(int fd, uid_t *uid) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    *uid = credentials.uid;
    return 0;
}
