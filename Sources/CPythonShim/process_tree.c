// No process of the target outlives pyinspect, and the terminal behaves as under python3.
//
// - The target runs in its own process group. When pyinspect is in the terminal's foreground group, the target's
//   group gets the terminal (as a shell gives it to a job): Ctrl-C, Ctrl-\ and Ctrl-Z reach the target and its
//   children exactly once, as they reach python3; pyinspect follows the target's stops and takes the terminal
//   back at the end.
// - pyinspect is a child subreaper: whatever the target leaves behind (a double-forked daemon) is reparented to
//   pyinspect, not to init, so the whole tree is found by walking /proc from pyinspect and killed at the end.
// - If pyinspect itself dies (SIGKILL, a CI timeout), the target gets a parent-death signal whose handler kills
//   its whole process group: fork children, pool workers and subprocesses die with it. PR_SET_PDEATHSIG is
//   only set on the target: it fires when the parent *thread* exits, and a target's worker thread that started
//   a subprocess may end long before the subprocess should.
#define _GNU_SOURCE
#include "include/process_tree.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

// Exclusive: this process (the pyinspect CLI, single-threaded when it forked) owns every descendant, so orphans
// are reaped and the whole tree under it is the target's. Otherwise (a library call inside a test runner that
// has children of its own) only the target's process group, and what descends from it, is ours to touch.
static int exclusive = 1;
static pid_t scope_group = 0;

void pyi_supervisor_set_scope(int owns_all_children, pid_t group) {
    exclusive = owns_all_children;
    scope_group = group;
}

int pyi_process_thread_count(void) {
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char text[4096];
    ssize_t length = read(fd, text, sizeof text - 1);
    close(fd);
    if (length <= 0) return -1;
    text[length] = '\0';
    const char *line = strstr(text, "\nThreads:");
    return line ? atoi(line + 9) : -1;
}

int pyi_supervisor_become_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

int pyi_supervisor_open_terminal(void) {
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (tcgetpgrp(fd) != getpgrp()) {
        close(fd);
        return -1;
    }
    return fd;
}

// tcsetpgrp from a background group raises SIGTTOU unless it is blocked.
static void give_terminal(int fd, pid_t group) {
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTTOU);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    tcsetpgrp(fd, group);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

// A real-time signal nobody else sends: its handler, in the target only, kills the target's process group.
#define PARENT_DEATH_SIGNAL (SIGRTMAX - 1)

static void on_parent_death(int signo) {
    (void)signo;
    kill(0, SIGKILL);
}

void pyi_supervised_child_setup(pid_t parent, int terminal_fd) {
    int own_group = setpgid(0, 0) == 0 && getpgrp() == getpid();
    if (terminal_fd >= 0) {
        if (own_group) give_terminal(terminal_fd, getpid());
        close(terminal_fd);
    }
    // The target's fork children inherit it; $PYINSPECT_CHILD_DIR was set before the fork.
    pyi_install_child_stacks_dump();
    if (own_group) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_parent_death;
        action.sa_flags = SA_RESTART;
        sigemptyset(&action.sa_mask);
        sigaction(PARENT_DEATH_SIGNAL, &action, NULL);
        prctl(PR_SET_PDEATHSIG, PARENT_DEATH_SIGNAL, 0, 0, 0);
    } else {
        // Still in pyinspect's group (shared with the shell): killing the group is not ours to do.
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    }
    // The parent may have died before the signal was armed.
    if (getppid() != parent) {
        if (own_group) kill(0, SIGKILL);
        else kill(getpid(), SIGKILL);
    }
}

void pyi_supervisor_place_child(pid_t child) { setpgid(child, child); }

// Reaps exited children other than `keep` (orphans reparented to this subreaper).
static void reap_orphans(pid_t keep) {
    if (!exclusive) return;  // the other children are someone else's to wait for
    for (;;) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
        if (info.si_pid == keep) return;
        waitpid(info.si_pid, NULL, WNOHANG);
    }
}

// The child stopped on a job-control signal: Ctrl-Z while it held the terminal, or a read (write, with TOSTOP)
// of the terminal from the background. Stop pyinspect too so the shell sees the job stopped, then resume the
// child with the terminal when the shell continues pyinspect in the foreground (`fg`), or without it (`bg`).
// A job started in the background gets its terminal descriptor here, the first time it is brought forward.
static void follow_stop(pid_t child, int stop_signal, int *terminal_fd) {
    if (stop_signal != SIGTTIN && stop_signal != SIGTTOU && !(stop_signal == SIGTSTP && *terminal_fd >= 0)) return;
    if (*terminal_fd >= 0 && tcgetpgrp(*terminal_fd) == child) give_terminal(*terminal_fd, getpgrp());
    kill(getpid(), SIGSTOP);
    if (*terminal_fd < 0) *terminal_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*terminal_fd >= 0 && tcgetpgrp(*terminal_fd) == getpgrp()) give_terminal(*terminal_fd, child);
    kill(-child, SIGCONT);
}

static int wait_blocked(pid_t child, double seconds, int *terminal_fd, int *status, struct rusage *usage,
                        const sigset_t *chld);

// SIGCHLD is blocked while waiting (sigtimedwait takes it) and the caller's mask restored after.
int pyi_supervisor_wait(pid_t child, double seconds, int *terminal_fd, int *status, struct rusage *usage) {
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &chld, &old);
    int result = wait_blocked(child, seconds, terminal_fd, status, usage, &chld);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return result;
}

static int wait_blocked(pid_t child, double seconds, int *terminal_fd, int *status, struct rusage *usage,
                        const sigset_t *chld) {
    double deadline = seconds >= 0 ? now_seconds() + seconds : -1;
    for (;;) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        if (waitid(P_PID, (id_t)child, &info, WEXITED | WSTOPPED | WNOHANG | WNOWAIT) != 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (info.si_pid == child) {
            if (info.si_code == CLD_STOPPED) {
                siginfo_t consumed;
                waitid(P_PID, (id_t)child, &consumed, WSTOPPED | WNOHANG);
                follow_stop(child, info.si_status, terminal_fd);
                continue;
            }
            while (wait4(child, status, 0, usage) < 0) {
                if (errno != EINTR) return -1;
            }
            return 1;
        }
        reap_orphans(child);
        double remaining = deadline < 0 ? 3600 : deadline - now_seconds();
        if (remaining <= 0) return 0;
        struct timespec timeout = {(time_t)remaining, (long)((remaining - (double)(time_t)remaining) * 1e9)};
        sigtimedwait(chld, NULL, &timeout);
    }
}

void pyi_supervisor_reclaim_terminal(int terminal_fd, pid_t child) {
    if (terminal_fd < 0) return;
    // Only from the child's group (or a group that no longer exists): a job brought back from the background
    // (`bg`) never held it, and the terminal is then the shell's.
    pid_t foreground = tcgetpgrp(terminal_fd);
    if (foreground == getpgrp()) return;
    if (foreground == child || (foreground > 0 && kill(-foreground, 0) < 0 && errno == ESRCH))
        give_terminal(terminal_fd, getpgrp());
}

// ---- The tree under this process, from /proc (no CONFIG_PROC_CHILDREN needed) ----
typedef struct {
    pid_t pid, ppid, pgrp;
    char state;
} proc_entry;

static int read_stat(pid_t pid, proc_entry *entry) {
    char path[64], text[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t length = read(fd, text, sizeof text - 1);
    close(fd);
    if (length <= 0) return -1;
    text[length] = '\0';
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
    char *close_paren = strrchr(text, ')');
    if (!close_paren || close_paren[1] != ' ') return -1;
    char state;
    int ppid, pgrp;
    if (sscanf(close_paren + 2, "%c %d %d", &state, &ppid, &pgrp) != 3) return -1;
    entry->pid = pid;
    entry->ppid = (pid_t)ppid;
    entry->pgrp = (pid_t)pgrp;
    entry->state = state;
    return 0;
}

// Every process on the machine we can see; *count set. Caller frees.
static proc_entry *scan_processes(int *count) {
    *count = 0;
    DIR *proc = opendir("/proc");
    if (!proc) return NULL;
    int capacity = 512;
    proc_entry *entries = malloc(sizeof *entries * (size_t)capacity);
    struct dirent *item;
    while (entries && (item = readdir(proc)) != NULL) {
        char *end;
        long pid = strtol(item->d_name, &end, 10);
        if (*end != '\0' || pid <= 0) continue;
        if (*count == capacity) {
            capacity *= 2;
            proc_entry *grown = realloc(entries, sizeof *entries * (size_t)capacity);
            if (!grown) break;
            entries = grown;
        }
        if (read_stat((pid_t)pid, &entries[*count]) == 0) (*count)++;
    }
    closedir(proc);
    return entries;
}

// Marks the descendants of `root` (parents before children in the returned order is not guaranteed).
static int collect_descendants(pid_t root, pid_t *out, int capacity, int live_only) {
    int count = 0;
    proc_entry *entries = scan_processes(&count);
    if (!entries) return 0;
    char *marked = calloc((size_t)count, 1);
    int found = 0;
    if (marked) {
        if (!exclusive)
            for (int i = 0; i < count; i++) marked[i] = scope_group > 0 && entries[i].pgrp == scope_group;
        // Iterate until no process is newly marked: depth passes over the list.
        int changed = 1;
        while (changed) {
            changed = 0;
            for (int i = 0; i < count; i++) {
                if (marked[i]) continue;
                int under = exclusive && entries[i].ppid == root;
                for (int j = 0; !under && j < count; j++) under = marked[j] && entries[j].pid == entries[i].ppid;
                if (under) {
                    marked[i] = 1;
                    changed = 1;
                }
            }
        }
        for (int i = 0; i < count; i++) {
            if (!marked[i] || (live_only && (entries[i].state == 'Z' || entries[i].state == 'X'))) continue;
            if (found < capacity) out[found] = entries[i].pid;
            found++;
        }
        free(marked);
    }
    free(entries);
    return found;
}

static void describe(pid_t pid, pyi_leftover_process *into) {
    into->pid = pid;
    into->command[0] = '\0';
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t length = read(fd, into->command, sizeof into->command - 1);
    close(fd);
    if (length <= 0) {
        into->command[0] = '\0';
        return;
    }
    while (length > 0 && into->command[length - 1] == '\0') length--;
    for (ssize_t i = 0; i < length; i++)
        if (into->command[i] == '\0') into->command[i] = ' ';
    into->command[length] = '\0';
}

#define TREE_CAPACITY 4096

int pyi_supervisor_live_descendants(pyi_leftover_process *found, int capacity) {
    pid_t *pids = malloc(sizeof *pids * TREE_CAPACITY);
    if (!pids) return 0;
    int count = collect_descendants(getpid(), pids, TREE_CAPACITY, 1);
    for (int i = 0; i < count && i < capacity && i < TREE_CAPACITY; i++) describe(pids[i], &found[i]);
    free(pids);
    return count;
}

// Reaps every exited child; 1 when no process of the tree is left (exclusive: no child at all).
static int reap_all(void) {
    if (!exclusive) {
        pid_t one;
        return collect_descendants(getpid(), &one, 1, 1) == 0;
    }
    for (;;) {
        pid_t pid = waitpid(-1, NULL, WNOHANG);
        if (pid > 0) continue;
        return pid < 0 && errno == ECHILD;
    }
}

static void wait_sigchld(const sigset_t *chld, double seconds) {
    if (seconds <= 0) return;
    struct timespec timeout = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    sigtimedwait(chld, NULL, &timeout);
}

static int end_blocked(double grace_seconds, pyi_leftover_process *killed, int capacity, const sigset_t *chld_set);

int pyi_supervisor_end_descendants(double grace_seconds, pyi_leftover_process *killed, int capacity) {
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &chld, &old);
    int result = end_blocked(grace_seconds, killed, capacity, &chld);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return result;
}

static int end_blocked(double grace_seconds, pyi_leftover_process *killed, int capacity, const sigset_t *chld_set) {
    sigset_t chld = *chld_set;
    // Orphans are our children now (subreaper): when none is left, nothing of the target's tree is.
    double deadline = now_seconds() + grace_seconds;
    while (!reap_all()) {
        double remaining = deadline - now_seconds();
        if (remaining <= 0) break;
        wait_sigchld(&chld, remaining < 0.25 ? remaining : 0.25);
    }
    if (reap_all()) return 0;
    pid_t *pids = malloc(sizeof *pids * TREE_CAPACITY);
    pid_t *seen = malloc(sizeof *seen * TREE_CAPACITY);
    int total = 0;
    // Kill, reap, look again: a process that forked just before its kill leaves a child for the next round.
    double give_up = now_seconds() + 5.0;
    while (pids && seen && !reap_all() && now_seconds() < give_up) {
        int count = collect_descendants(getpid(), pids, TREE_CAPACITY, 1);
        int listed = count < TREE_CAPACITY ? count : TREE_CAPACITY;
        for (int i = 0; i < listed; i++) {
            int known = 0;
            for (int j = 0; j < total && j < TREE_CAPACITY && !known; j++) known = seen[j] == pids[i];
            if (!known && total < capacity) describe(pids[i], &killed[total]);
            kill(pids[i], SIGKILL);
            if (known) continue;  // killed in an earlier round, not yet gone
            if (total < TREE_CAPACITY) seen[total] = pids[i];
            total++;
        }
        wait_sigchld(&chld, 0.02);
    }
    free(pids);
    free(seen);
    return total;
}
