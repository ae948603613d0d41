// Ctrl-C and SIGTERM in the measuring children of `leaks` and `compare`, and the GIL figures of `gil` saved
// before the target dies of SIGINT or SIGTERM. Handlers are plain C (async-signal-safe).
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t interrupt_signal = 0;

// The same whether the terminal sent it to the whole process group or pyinspect forwarded it: remember which
// signal came first, and raise KeyboardInterrupt in Python's main thread as Ctrl-C does (through Python's own
// SIGINT handler, so a target that installed its own still sees it).
static void on_interrupt(int signo) {
    int saved = errno;
    if (interrupt_signal == 0) interrupt_signal = signo;
    PyErr_SetInterruptEx(SIGINT);
    errno = saved;
}

void pyi_child_catch_interrupts(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_interrupt;
    // No SA_RESTART, as Python's own handlers: a blocking call returns EINTR and Python checks for signals.
    action.sa_flags = SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) sigaction(signals[i], &action, NULL);
}

int pyi_child_interrupt_signal(void) { return interrupt_signal; }

int pyi_at_python_exit(void (*function)(void)) { return Py_AtExit(function); }

// ---- SIGTERM/SIGHUP in the target of `run`/`gil`: save, then die of the signal ----
static int terminate_pipe[2] = {-1, -1};
// Every instrument that saves at the end registers here (`run --gil --profile`: the GIL trace and the profile).
#define PYI_MAX_BEFORE_TERMINATE 8
static void (*before_terminate[PYI_MAX_BEFORE_TERMINATE])(void);
static int before_terminate_count;

static void *terminate_watcher(void *unused) {
    (void)unused;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    unsigned char signo = 0;
    ssize_t got;
    do { got = read(terminate_pipe[0], &signo, 1); } while (got < 0 && errno == EINTR);
    if (got != 1) return NULL;
    for (int i = 0; i < before_terminate_count; i++) before_terminate[i]();
    signal(signo, SIG_DFL);
    kill(getpid(), signo);
    return NULL;
}

int pyi_save_before_terminate(void (*function)(void)) {
    if (before_terminate_count >= PYI_MAX_BEFORE_TERMINATE) return -1;
    before_terminate[before_terminate_count++] = function;   // before the thread can read it
    if (terminate_pipe[0] >= 0) return 0;
    if (pipe2(terminate_pipe, O_CLOEXEC) != 0) return -1;
    pthread_t thread;
    int failed = pyi_start_host_thread(&thread, 1, terminate_watcher, NULL);
    if (failed) {
        close(terminate_pipe[0]);
        close(terminate_pipe[1]);
        terminate_pipe[0] = terminate_pipe[1] = -1;
        return -1;
    }
    return 0;
}

int pyi_terminate_deferred(int signo) {
    if (terminate_pipe[1] < 0) return 0;
    unsigned char byte = (unsigned char)signo;
    ssize_t written;
    do { written = write(terminate_pipe[1], &byte, 1); } while (written < 0 && errno == EINTR);
    return written == 1;
}
