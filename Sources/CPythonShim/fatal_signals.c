// In the target process: when a fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) or a terminating one
// sent to pyinspect (SIGTERM, SIGHUP) arrives, write every thread's Python stack to a file the parent reads, then
// die of the same signal with its default action, so the parent still sees "killed by SIGSEGV".
// Plain C because a signal handler must be async-signal-safe; faulthandler does the same, but enabling it would
// change what the target sees (faulthandler.is_enabled()).
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

const char *pyi_dump_all_tracebacks(int fd);

static char dump_path[4096];
static pid_t target_pid = 0;
// Opened at install time: a target that has used up every descriptor still gets its stacks written.
static int reserve_fd = -1;
static dev_t reserve_dev;
static ino_t reserve_ino;

static void write_text(int fd, const char *text) {
    size_t length = strlen(text);
    while (length > 0) {
        ssize_t written = write(fd, text, length);
        if (written <= 0) { if (written < 0 && errno == EINTR) continue; return; }
        text += written;
        length -= (size_t)written;
    }
}

static void write_number(int fd, long value) {
    char digits[24];
    int at = (int)sizeof digits - 1;
    digits[at] = '\0';
    int negative = value < 0;
    unsigned long magnitude = negative ? (unsigned long)(-value) : (unsigned long)value;
    do { digits[--at] = (char)('0' + magnitude % 10); magnitude /= 10; } while (magnitude && at > 1);
    if (negative) digits[--at] = '-';
    write_text(fd, digits + at);
}

static int open_dump(void) {
    int fd = open(dump_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    struct stat info;
    // The reserve is used only while it is still our file: the target may have closed it and reused the number.
    if (reserve_fd >= 0 && fstat(reserve_fd, &info) == 0 && info.st_dev == reserve_dev && info.st_ino == reserve_ino)
        return reserve_fd;
    return -1;
}

static void on_fatal_signal(int signo) {
    int saved = errno;
    // Only the target itself: a child it forked inherits the handler but must not add its own stacks.
    if (getpid() == target_pid && dump_path[0]) {
        int fd = open_dump();
        if (fd >= 0) {
            write_text(fd, "Fatal signal ");
            write_number(fd, signo);
            write_text(fd, "\n");
            pyi_dump_all_tracebacks(fd);
            write_text(fd, "\n");
            if (fd != reserve_fd) close(fd);
        }
        // `gil`: a thread saves the GIL figures first, then ends the process with this signal.
        if ((signo == SIGTERM || signo == SIGHUP) && pyi_terminate_deferred(signo)) {
            errno = saved;
            return;
        }
    }
    signal(signo, SIG_DFL);
    errno = saved;
    // Delivered when the handler returns (the signal is blocked inside it); a fault re-executes and dies.
    raise(signo);
}

int pyi_install_fatal_signal_dump(const char *path) {
    snprintf(dump_path, sizeof dump_path, "%s", path);
    target_pid = getpid();
    reserve_fd = open(dump_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    // Near the top of the allowed range: the target's own files get the numbers they would under python3.
    struct rlimit files;
    if (reserve_fd >= 0 && getrlimit(RLIMIT_NOFILE, &files) == 0) {
        rlim_t top = files.rlim_cur == RLIM_INFINITY || files.rlim_cur > 1024 ? 1024 : files.rlim_cur;
        if (top > 48) {
            int high = fcntl(reserve_fd, F_DUPFD_CLOEXEC, (int)(top - 48));
            if (high >= 0) { close(reserve_fd); reserve_fd = high; }
        }
    }
    struct stat info;
    if (reserve_fd >= 0 && fstat(reserve_fd, &info) == 0) {
        reserve_dev = info.st_dev;
        reserve_ino = info.st_ino;
    }
    // An alternate stack, so a C stack overflow (deep recursion in C) can still run the handler.
    static char *alternate = NULL;
    size_t alternate_size = 64 * 1024 + (size_t)SIGSTKSZ;
    if (alternate == NULL) alternate = malloc(alternate_size);
    if (alternate) {
        stack_t stack = {.ss_sp = alternate, .ss_size = alternate_size, .ss_flags = 0};
        sigaltstack(&stack, NULL);
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_fatal_signal;
    action.sa_flags = SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    int installed = 0;
    int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTERM, SIGHUP};
    for (unsigned i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        struct sigaction current;
        // Keep what the target's launcher chose (nohup ignores SIGHUP); replace only the default action.
        if (sigaction(fatal[i], NULL, &current) != 0 || current.sa_handler != SIG_DFL) continue;
        if (sigaction(fatal[i], &action, NULL) == 0) installed++;
    }
    return installed;
}

int pyi_set_memory_limit(unsigned long long bytes) {
    // RLIMIT_DATA counts the heap and private writable mappings (malloc's mmap included) but not shared
    // libraries or reserved-but-untouched address space, so it tracks what a program allocates better than
    // RLIMIT_AS. Set in the target process only: limits are per process and inherited by its children.
    struct rlimit limit = {(rlim_t)bytes, (rlim_t)bytes};
    struct rlimit current;
    if (getrlimit(RLIMIT_DATA, &current) == 0 && current.rlim_max != RLIM_INFINITY && current.rlim_max < limit.rlim_max)
        limit.rlim_max = current.rlim_max;
    if (limit.rlim_cur > limit.rlim_max) limit.rlim_cur = limit.rlim_max;
    return setrlimit(RLIMIT_DATA, &limit);
}

// ---- What the target does to the instruments, seen through audit events ----
// A C hook: one string compare per audit event, no Python call, so the target runs at full speed.
static char audit_capture_path[4096];
static pid_t audit_pid = 0;
static const char *const watched_events[] = {"sys.setprofile", "sys.settrace", "os.fork", "os.forkpty",
                                             "os.chdir", "os.exec", "os.posix_spawn", "sys.addaudithook"};
#define WATCHED_COUNT (sizeof watched_events / sizeof watched_events[0])
static int seen_events[WATCHED_COUNT];

static int audit_watch(const char *event, PyObject *args, void *data) {
    (void)args;
    (void)data;
    if (event[0] != 's' && event[0] != 'o') return 0;
    for (unsigned i = 0; i < WATCHED_COUNT; i++) {
        if (strcmp(event, watched_events[i]) != 0) continue;
        if (seen_events[i] || getpid() != audit_pid) return 0;
        seen_events[i] = 1;
        int fd = open(audit_capture_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) return 0;
        char line[256];
        snprintf(line, sizeof line, "{\"record\":\"target_action\",\"action\":\"%s\",\"pid\":%ld}\n", event,
                 (long)audit_pid);
        write_text(fd, line);
        close(fd);
        return 0;
    }
    return 0;
}

int pyi_install_audit_watch(const char *capture_path) {
    snprintf(audit_capture_path, sizeof audit_capture_path, "%s", capture_path);
    audit_pid = getpid();
    return PySys_AddAuditHook(audit_watch, NULL);
}
