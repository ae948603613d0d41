// Stacks of the target's children: every Python process of the tree under `pyinspect run` (the target's fork
// children inherit the handler; processes started through pyinspect-python install it when they load) dumps
// all its threads' Python stacks, faulthandler-style and async-signal-safe, to $PYINSPECT_CHILD_DIR/<pid>.stacks
// when it receives PYI_CHILD_STACKS_SIGNAL. The parent sends it before killing the tree at a timeout or a
// deadlock; the target's hang monitor sends it to a child it joins (multiprocessing deadlock).
#define _GNU_SOURCE
#include "include/process_tree.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *pyi_dump_all_tracebacks(int fd);

static char stacks_directory[3072];

int pyi_child_stacks_signal(void) { return SIGRTMAX - 2; }

static size_t append_text(char *into, size_t at, size_t size, const char *text) {
    while (*text && at + 1 < size) into[at++] = *text++;
    into[at] = '\0';
    return at;
}

static size_t append_number(char *into, size_t at, size_t size, long value) {
    char digits[24];
    int length = 0;
    do { digits[length++] = (char)('0' + value % 10); value /= 10; } while (value > 0 && length < 23);
    while (length > 0 && at + 1 < size) into[at++] = digits[--length];
    into[at] = '\0';
    return at;
}

// Written to <pid>.stacks.tmp, then renamed: a reader never sees half a dump.
static void on_stacks_request(int signo) {
    (void)signo;
    int saved = errno;
    char path[3200], final_path[3200];
    size_t at = append_text(path, 0, sizeof path, stacks_directory);
    at = append_text(path, at, sizeof path, "/");
    at = append_number(path, at, sizeof path, (long)getpid());
    at = append_text(path, at, sizeof path, ".stacks");
    memcpy(final_path, path, at + 1);
    append_text(path, at, sizeof path, ".tmp");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        pyi_dump_all_tracebacks(fd);
        close(fd);
        rename(path, final_path);
    }
    errno = saved;
}

int pyi_install_child_stacks_dump(void) {
    const char *directory = getenv("PYINSPECT_CHILD_DIR");
    if (!directory || !directory[0] || strlen(directory) >= sizeof stacks_directory) return 0;
    snprintf(stacks_directory, sizeof stacks_directory, "%s", directory);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stacks_request;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    return sigaction(pyi_child_stacks_signal(), &action, NULL) == 0;
}

// pyinspect-python children of a run: installed as the binary loads (the environment tells it is one).
__attribute__((constructor)) static void install_when_loaded(void) { pyi_install_child_stacks_dump(); }
