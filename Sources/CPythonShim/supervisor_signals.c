// Signal plumbing for the supervising parent: handlers must be plain C (async-signal-safe).
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t forward_target = 0;
static volatile sig_atomic_t last_forwarded = 0;

// A launcher (a test runner's thread, a service manager) may leave signals blocked; python3 started from a
// shell gets an empty mask, and multiprocessing's forkserver needs SIGCHLD.
static void unblock_all_signals(void) {
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
}

static volatile sig_atomic_t target_has_own_group = 0;

static void forward(int signo, siginfo_t *info, void *context) {
    (void)context;
    if ((signo == SIGINT || signo == SIGQUIT) && info && info->si_code != SI_USER && info->si_code != SI_QUEUE) {
        // A terminal's Ctrl-C or Ctrl-\ reaches the whole foreground group. Sharing pyinspect's group, the
        // target got it too: don't double it. In its own group (the terminal was not handed to it), pass it
        // to that whole group as the terminal would have.
        if (target_has_own_group && forward_target > 0) kill(-(pid_t)forward_target, signo);
        return;
    }
    last_forwarded = signo;
    if (forward_target > 0) kill((pid_t)forward_target, signo);
}

void pyi_supervisor_forward_signals(pid_t child) {
    forward_target = child;
    target_has_own_group = getpgid(child) == child && getpgrp() != child;
    unblock_all_signals();
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = forward;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) sigaction(signals[i], &action, NULL);
}

int pyi_supervisor_last_forwarded_signal(void) { return last_forwarded; }

void pyi_child_reset_signals(void) {
    // Fatal-signal handlers too: Swift's runtime installs a crash backtracer that python3 does not have.
    int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) signal(signals[i], SIG_DFL);
    unblock_all_signals();
}

void pyi_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

int pyi_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

pid_t pyi_fork(void) { return fork(); }

pid_t pyi_gettid(void) { return (pid_t)syscall(SYS_gettid); }
