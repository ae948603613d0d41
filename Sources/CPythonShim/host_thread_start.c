// pyinspect's own threads inside the target never take the target's signals.
//
// A signal sent to a process (the terminal's Ctrl-C to the foreground group, `kill PID`) is delivered to any
// one of its threads that does not block it. Python runs its handler on whichever thread got it but raises
// KeyboardInterrupt only in the main thread, at its next bytecode: when the signal landed on one of our threads
// while the main thread sat in read() on the terminal, nothing woke it, and the target waited for ever (seen
// under a busy machine: Ctrl-C reached a control-server thread). Our threads are therefore created with every
// asynchronous signal blocked (a new thread inherits its creator's mask), so the kernel picks a target thread.
// Faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS) stay unblocked: they are the thread's own, and
// blocking them would only turn a reported crash into a silent kill.
#define _GNU_SOURCE
#include "CPythonShim.h"
#include <pthread.h>
#include <signal.h>

void pyi_block_async_signals(sigset_t *old) {
    sigset_t block;
    sigfillset(&block);
    int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS};
    for (unsigned i = 0; i < sizeof faults / sizeof faults[0]; i++) sigdelset(&block, faults[i]);
    pthread_sigmask(SIG_BLOCK, &block, old);
}

int pyi_start_host_thread(pthread_t *thread, int detached, void *(*body)(void *), void *argument) {
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    if (detached) pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    sigset_t old;
    pyi_block_async_signals(&old);
    int failed = pthread_create(thread, &attributes, body, argument);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attributes);
    return failed;
}
