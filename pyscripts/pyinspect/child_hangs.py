"""Deadlock watching in the target's children (PYINSPECT_CHILD_HANGS): pyinspect-python processes and forks.

The target has a native monitor thread (HangMonitor.swift) that ticks hangs.py every 50 ms and lets HangWatch
judge; a child has no Swift, and a fork has no thread but the one that forked. Here a thread started with
`_thread.start_new_thread` (never in threading.enumerate(), never joined at shutdown) ticks the same hangs.tick
and judges with the same rules as HangWatch (a cycle of forever-waits on tracked locks, each older than 0.5 s;
a loop with pending tasks quiescent, with no callback run, for 1 s).

A deadlock is recorded, not acted on: the child writes hangs.snapshot("deadlock", decision) (every thread's
stack and what it waits for) into its own file and goes on (blocked, as it would be under python3). It never `_exit`s: a Pool worker
killed from inside would leave the Pool waiting for a result that cannot come, without the parent knowing why.
The parent decides at the target's end or at its `--timeout` (docs/processes.md), with the child's stacks
already on disk.

Started only when the process can deadlock: when it imports threading or asyncio (pyinspect-python), or at a
fork of a process that has (a fork of the target).
"""
import _signal
import _thread
import os
import sys
import time

from . import fastjson

INTERVAL_S = 0.05
LOOP_STABLE_S = 1.0
THREAD_STABLE_S = 0.5
_watching = [None]  # the pid whose watcher runs
_FAULTS = {_signal.SIGSEGV, _signal.SIGBUS, _signal.SIGILL, _signal.SIGFPE, _signal.SIGTRAP, _signal.SIGSYS}


def start():
    """Starts this process's watcher once (a fork starts its own: threads do not survive fork)."""
    pid = os.getpid()
    if _watching[0] == pid:
        return
    _watching[0] = pid
    threads = sys.modules.get("_pyinspect.threads")
    start_thread = getattr(threads, "_original_start", None) or _thread.start_new_thread  # not a target's thread
    # Started with the target's signals blocked (it inherits the mask): a Ctrl-C delivered to this thread would
    # leave the main thread blocked in its read, never told (host_thread_start.c).
    blocked = _signal.valid_signals() - _FAULTS
    previous = _signal.pthread_sigmask(_signal.SIG_BLOCK, blocked)
    try:
        start_thread(_watch, ())
    except RuntimeError:
        _watching[0] = None
    finally:
        _signal.pthread_sigmask(_signal.SIG_SETMASK, previous)


def forget_other_threads():
    """In a fork: waits inherited from threads that do not exist here can never end; drop them."""
    locks = sys.modules.get("_pyinspect.hang_locks")
    waits = getattr(locks, "_thread_waits", None)
    if waits:
        alive = set(sys._current_frames())
        for ident in [ident for ident in waits if ident not in alive]:
            waits.pop(ident, None)


def _announce():
    """Like HostThread.announce: the GIL tracer leaves this thread's takes out, and the child's GIL figures
    leave the thread out (a host_thread record in the child's own file)."""
    native = sys.modules.get("_pyinspect_native")
    if native is None:
        try:
            import _pyinspect_native as native
        except ImportError:  # pyinspect-python without --gil: no tracer to tell
            return
    mark = getattr(native, "mark_host_thread", None)
    if mark is not None:
        mark()
    from . import capture
    capture.write({"record": "host_thread", "name": "pyinspect-hang-watch", "native_id": _thread.get_native_id(),
                   "pid": os.getpid()})


def _main_thread_ended():
    """A fork made from a thread other than the main one ends when that thread returns (it is the child's main
    thread, and no interpreter finalization follows): a watcher still running would keep the child alive for
    ever, a zombie leader its parent's waitpid never reaps (test_threading's main_thread_after_fork_from_nonmain)."""
    threading = sys.modules.get("threading")
    try:
        return threading is not None and not threading.main_thread().is_alive()
    except Exception:
        return False


def _watch():
    from . import capture, hangs
    try:
        _announce()
    except Exception:
        pass
    judge = Judge()
    reported = set()
    while True:
        time.sleep(INTERVAL_S)
        if sys.is_finalizing() or _main_thread_ended():
            return
        try:
            tick = fastjson.loads(hangs.tick())
            decision = judge.observe(tick)
            if decision is None:
                continue
            key = (tuple(decision["loops"]), tuple(decision["threads"]))
            if key in reported:
                continue
            reported.add(key)
            if not capture.is_owner():  # a fork of the target: its records go to its own file, from now on
                capture.open_capture("%s/%d.jsonl" % (os.environ["PYINSPECT_CHILD_DIR"], os.getpid()), reserve=False)
            hangs.snapshot("deadlock", decision)  # every thread's stack and what it waits for
        except Exception:
            continue


class Judge:
    """HangWatch.observe's rules, on hangs.tick's dict (kept in step with Sources/PyInspectCore/Analysis/HangWatch.swift)."""

    def __init__(self):
        self.still_since = {}

    def observe(self, tick):
        now, progress = tick["t"], tick["progress"]
        stuck_loops, still_for, seen = [], float("inf"), {}
        for loop in tick.get("loops", ()):
            if not (loop["quiescent"] and loop["pending"] > 0):
                continue
            since, at_progress = self.still_since.get(loop["key"], (now, progress))
            if at_progress != progress:
                since, at_progress = now, progress
            seen[loop["key"]] = (since, at_progress)
            if now - since >= LOOP_STABLE_S:
                stuck_loops.append(loop["key"])
                still_for = min(still_for, now - since)
        self.still_since = seen
        waits = tick.get("waits", ())
        cycle = lock_cycle(waits, now, THREAD_STABLE_S)
        if not stuck_loops and not cycle:
            return None
        if cycle:
            ages = [now - wait["since"] for wait in waits if wait["thread"] in cycle]
            still_for = min(still_for, min(ages) if ages else 0)
        return {"loops": sorted(stuck_loops), "threads": cycle, "seconds": round(still_for, 3)}


def lock_cycle(waits, now, minimum_age):
    following = {}
    for wait in waits:
        owner = wait.get("owner")
        if wait["forever"] and now - wait["since"] >= minimum_age and owner is not None and owner != wait["thread"]:
            following[wait["thread"]] = owner
    in_cycle = set()
    for start in sorted(following):
        path, current = [], start
        while current in following and current not in path:
            path.append(current)
            current = following[current]
        if current in path:
            in_cycle.update(path[path.index(current):])
    return sorted(in_cycle)
