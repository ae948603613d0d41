// The target's process tree: its own process group, the terminal handed to it, no process outliving pyinspect.
// Included by CPythonShim.h. Implemented in process_tree.c.
#ifndef PYINSPECT_PROCESS_TREE_H
#define PYINSPECT_PROCESS_TREE_H

#include <sys/resource.h>
#include <sys/types.h>

// ---- In the supervising parent, before the fork ----
// The threads of this process (/proc/self/status), -1 if unknown. One: the pyinspect CLI before its fork.
int pyi_process_thread_count(void);
// What "the tree" is: every descendant (1: this process owns all its children, it may reap and kill them), or
// only the processes of `group` (the child's own process group) and their descendants.
void pyi_supervisor_set_scope(int owns_all_children, pid_t group);
// Makes this process the reaper of its orphaned descendants (PR_SET_CHILD_SUBREAPER): a child the target
// leaves behind stays in pyinspect's tree, where it can be found and killed. 0 or -1.
int pyi_supervisor_become_subreaper(void);
// The controlling terminal, opened, when this process is in its foreground group (the target then gets the
// terminal, as a shell gives it to a job); -1 otherwise (no terminal, or started in the background).
int pyi_supervisor_open_terminal(void);

// ---- In the supervised child, right after the fork ----
// Its own process group (so the tree can be stopped as one, and terminal signals reach it as they reach
// python3 in the foreground), the terminal when `terminal_fd` >= 0 (then closed), and death with the parent:
// PR_SET_PDEATHSIG with a handler that kills the child's whole process group.
void pyi_supervised_child_setup(pid_t parent, int terminal_fd);

// ---- In the parent after the fork ----
// setpgid(child, child) from the parent's side too (no race with a signal forwarded at once).
void pyi_supervisor_place_child(pid_t child);
// Waits for `child` to end, at most `seconds` (< 0: for ever), reaping orphans reparented to this process on
// the way and following the child's job-control stops (Ctrl-Z, a terminal read from the background; the
// terminal is opened into `*terminal_fd` when a background job is brought forward). Returns 1 when it ended
// (reaped: `status` and `usage` filled), 0 when time ran out, -1 on error (errno).
int pyi_supervisor_wait(pid_t child, double seconds, int *terminal_fd, int *status, struct rusage *usage);
// Gives the terminal back to this process's group (after the child ended), if the child's group holds it.
void pyi_supervisor_reclaim_terminal(int terminal_fd, pid_t child);

// A process still running when the target ended.
typedef struct {
    pid_t pid;
    char command[160];  // /proc/<pid>/cmdline, arguments joined by spaces, cut
} pyi_leftover_process;

// Lists this process's live descendants into `found` (at most `capacity`); returns how many there are.
int pyi_supervisor_live_descendants(pyi_leftover_process *found, int capacity);
// Waits up to `grace_seconds` for every descendant to end by itself (reaping them), then kills the rest
// with SIGKILL, the whole tree, and reaps them (bounded). Returns how many were killed; the first
// `capacity` are described in `killed`.
int pyi_supervisor_end_descendants(double grace_seconds, pyi_leftover_process *killed, int capacity);

// ---- Children's stacks (child_stacks.c) ----
// The signal that asks a process of the tree for its Python stacks ($PYINSPECT_CHILD_DIR/<pid>.stacks).
int pyi_child_stacks_signal(void);
// Installs the handler when PYINSPECT_CHILD_DIR is set (it is, as pyinspect-python loads, by a constructor);
// 1 when installed.
int pyi_install_child_stacks_dump(void);

#endif
