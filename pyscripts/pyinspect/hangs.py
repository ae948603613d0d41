"""Hangs, deadlocks and asyncio misuse, seen from inside the target (issue 6).

Installed by host.prepare. Three parts (hang_locks.py, hang_asyncio.py, and here):
- owner tracking: threading.Lock/RLock and asyncio's Lock, Semaphore, Event, Condition and Queue record who holds
  them and who waits for them, so a deadlock can be explained (who waits for whom), not only seen;
- event records written as they happen: slow callbacks (with the stack the monitor sampled while the loop was
  blocked), coroutines never awaited, task exceptions never retrieved, tasks pending at close or exit;
- `tick()`, called by the host's native monitor thread every 50 ms with the GIL: a small summary the host's
  Swift side (HangWatch) judges; `snapshot(reason)` then records the full picture before the target is stopped.

asyncio is patched when the target imports it (an import hook), so a program that never uses asyncio never pays
for importing it.
"""
import _thread
import sys
import time

from . import capture, fastjson, import_hooks

# hang_asyncio, hang_locks, hang_processes and hang_frames are imported by _load(): when the target imports
# threading, asyncio or multiprocessing, leaves a coroutine never awaited, or is stopped (snapshot). Until then
# tick() has nothing to watch, so a program that uses none of them never pays for them (~3.7 M instructions).
hang_asyncio = hang_locks = hang_processes = hang_threads = None
_all_tasks = _loops = _quiescent = _task_row = _thread_blocked = None
_HERE = _frame_list = _record = _site = _thread_name = None
_thread_waits = None


def _load():
    global hang_asyncio, hang_locks, hang_processes, hang_threads, _all_tasks, _loops, _quiescent, _task_row, _thread_blocked
    global _HERE, _frame_list, _record, _site, _thread_name, _thread_waits
    if hang_asyncio is not None:
        return
    # Bytecode cached even under PYTHONDONTWRITEBYTECODE, as helper_call.c does for the helpers it imports:
    # compiling these modules at every run cost ~15 M instructions.
    saved = sys.dont_write_bytecode
    sys.dont_write_bytecode = False
    try:
        from . import hang_asyncio as asyncio_part, hang_locks as locks_part, hang_processes as processes_part
        from . import hang_threads as threads_part
    finally:
        sys.dont_write_bytecode = saved
    from .hang_asyncio import _all_tasks, _loops, _quiescent, _task_row, _thread_blocked
    from .hang_frames import _HERE, _frame_list, _record, _site, _thread_name
    from .hang_locks import _thread_waits
    hang_locks = locks_part
    hang_threads = threads_part
    hang_processes = processes_part
    hang_asyncio = asyncio_part

_last_prune = [0.0]
_last_cycle_look = [0.0]
_last_progress = [None]        # the progress count the previous tick saw
_get_ident = _thread.get_ident
_monotonic = time.monotonic


def _warn_unawaited():
    """warnings._warn_unawaited_coroutine as 3.11 has it, plus a record. The creation line is where the coroutine
    is dropped (python3's own warning names that line too): nearly always the line that called it without await.
    No coroutine origin tracking (it cost ~1 µs on every coroutine created); `cr_origin` is used when the target
    turned it on itself."""
    def _warn_unawaited_coroutine(coro):
        try:
            _load()
        except Exception:  # importing at interpreter shutdown: the warning itself still goes out
            pass
        origin = getattr(coro, "cr_origin", None)
        name = getattr(coro, "__qualname__", None) or getattr(coro, "__name__", "?")
        try:
            if origin:
                frames = [{"file": file, "line": line, "function": function} for file, line, function in origin
                          if not (_HERE and file.startswith(_HERE))]
            else:
                frames = _frame_list(sys._getframe(1))
            site = _site(frames)
            where = f" (created at {site['file']}:{site['line']})" if site else ""
            _record("never_awaited", f"coroutine '{name}' was never awaited{where}", site=site,
                    stack=frames or None, thread=_thread_name(_get_ident()))
        except Exception:
            pass
        msg_lines = [f"coroutine '{name}' was never awaited\n"]
        if origin is not None:
            import linecache
            import traceback

            def extract():
                for filename, lineno, funcname in reversed(origin):
                    yield (filename, lineno, funcname, linecache.getline(filename, lineno))
            msg_lines.append("Coroutine created at (most recent call last)\n")
            msg_lines += traceback.format_list(list(extract()))
        msg = "".join(msg_lines).rstrip("\n")
        sys.modules["warnings"].warn(msg, category=RuntimeWarning, stacklevel=2, source=coro)
    return _warn_unawaited_coroutine


def _patch_warnings(warnings):
    # CPython imports warnings when a coroutine is first found never awaited (_PyErr_WarnUnawaitedCoroutine), so
    # patching it at its import is soon enough; importing it ourselves cost ~1.1 M instructions at every start.
    if hasattr(warnings, "_warn_unawaited_coroutine"):
        warnings._warn_unawaited_coroutine = _warn_unawaited()



def at_exit():
    """Tasks still pending when the interpreter exits."""
    if hang_asyncio is not None:  # not loaded: asyncio was never patched, no task to report
        hang_asyncio.at_exit()


# ---------------------------------------------------------------- the monitor's view

def install():
    import_hooks.after_import("warnings", _patch_warnings)
    # The installs only wait for the target's import (import_hooks); loading them then, not now, is the same.
    import_hooks.after_import("threading", lambda _module: (_load(), hang_locks.install()))
    import_hooks.after_import("asyncio", lambda _module: (_load(), hang_asyncio.install()))
    import_hooks.after_import("multiprocessing", lambda _module: (_load(), hang_processes.install(), _need_monitor()))


def watch_processes():
    """A thread is about to block waiting for a child (child_process.waitpid_recorded): the processes part
    loaded and installed, and the monitor ticking. Cheap after the first call."""
    _load()
    hang_processes.install()
    _need_monitor()


def _need_monitor():
    from .hang_frames import need_monitor
    need_monitor()


def tick(argument=""):
    """Called by the host's monitor thread every ~50 ms. Cheap when nothing waits."""
    if hang_asyncio is None:
        # threading, asyncio and multiprocessing never imported (their import loads the instruments): no lock wait,
        # loop or child can be tracked, and the instruments stay unloaded (~3.7 M instructions).
        return fastjson.dumps({"t": round(_monotonic(), 6), "progress": 0, "loops": [], "waits": []})
    now = _monotonic()
    me = _get_ident()
    frames = None
    if hang_asyncio._loop_threads:
        frames = sys._current_frames()
        hang_asyncio.sample_loops(now, frames)
    result = {"t": round(now, 6), "progress": hang_asyncio._progress[0], "loops": [], "waits": []}
    for ident, (lock, since, timeout) in list(_thread_waits.items()):
        owner = lock._owner
        result["waits"].append({"thread": ident, "lock": id(lock), "owner": owner, "since": round(since, 6),
                                "forever": timeout is None or timeout < 0})
    threading = sys.modules.get("threading")
    if threading is not None and (len(threading._active) > 1 or _thread_waits):
        # Joins and futures a loop would complete (wait-for edges), and the whole process stalled.
        if frames is None:
            frames = sys._current_frames()
        target_frames = {ident: frame for ident, frame in frames.items() if ident != me}
        loop_threads = hang_asyncio._loop_threads
        edges = hang_threads.waits(now, target_frames, loop_threads)
        result["waits"] += edges
        if _thread_waits or any(edge["owner"] is not None for edge in edges):
            stalled = hang_threads.stalled_for(now, target_frames, loop_threads)
            if stalled is not None and not _python_signal_handler():
                result["stalled"] = round(stalled, 6)
    stuck = hang_processes.check(now)
    if stuck:
        result["processes"] = stuck
    aio = hang_asyncio._asyncio
    if aio is not None and aio.tasks._all_tasks.data:
        if frames is None:
            frames = sys._current_frames()
        frames.pop(me, None)
        # A loop can be quiescent only while its thread sits in select: without one, skip the task walk.
        in_select = any(frame.f_code.co_name == "select" and frame.f_code.co_filename.endswith("selectors.py")
                        for frame in frames.values())
        # A loop that ran an iteration since the last tick is not still: no task walk (O(tasks)) while it works.
        loops = _loops() if in_select and result["progress"] == _last_progress[0] else {}
        others_blocked = None
        for key, (loop, tasks) in loops.items():
            pending = sum(1 for task in tasks if not task.done())
            quiescent = pending > 0 and _quiescent(loop, frames)
            if quiescent:
                if others_blocked is None:
                    loop_threads = {getattr(item[0], "_thread_id", None) for item in loops.values()}
                    others_blocked = all(_thread_blocked(ident, frame) for ident, frame in frames.items()
                                         if ident not in loop_threads)
                quiescent = others_blocked
            result["loops"].append({"key": key, "quiescent": quiescent, "pending": pending,
                                    "thread": getattr(loop, "_thread_id", None)})
        hang_asyncio.task_sites.sample(now, _all_tasks)
        if now - _last_cycle_look[0] >= 0.5:
            _last_cycle_look[0] = now
            hang_asyncio.check_cancellations(now)
            # Tasks in an asyncio.Lock cycle while other tasks keep the loop busy (never quiescent).
            found = hang_asyncio.lock_cycle(now)
            if found is not None:
                result["task_cycles"] = [{"loop": key, "tasks": tasks, "seconds": round(found[1], 6)}
                                         for key, tasks in found[0].items()]
        if now - _last_prune[0] > 1.0:
            _last_prune[0] = now
            hang_asyncio.task_sites.prune({id(task) for task in _all_tasks()})
    _last_progress[0] = result["progress"]
    if (len(hang_asyncio._loop_threads) == 1 and not hang_asyncio._callbacks and not result["waits"]
            and "stalled" not in result and not stuck and not result.get("task_cycles")
            and (threading is None or len(threading._active) <= 1) and not _children_alive()):
        # One loop and nothing else to watch: while its iterations stay young the monitor may skip looks.
        result["skippable"] = True
    if frames is None and not result["waits"] and not _children_alive():
        # Nothing to watch (no loop, task, second thread, lock wait or child): the monitor may look less often.
        result["idle"] = True
    return fastjson.dumps(result)


def _children_alive():
    process = sys.modules.get("multiprocessing.process")
    return process is not None and bool(process._children)


_NOT_WAKING = ("_on_sigint", "pyinspect_control_connection", "pyinspect_watch_deadlocks")


def _python_signal_handler():
    """The target handles a signal in Python: a thread blocked for ever may be woken by it (a server that waits
    for SIGTERM), so a stalled process is not called a deadlock."""
    signal = sys.modules.get("signal")
    if signal is None:
        return False
    def waking(handler):
        # Ctrl-C handlers (Python's own, asyncio.run's) only interrupt: they never wake a wait to go on; nor does
        # pyinspect's own, which starts the control server at a client's first connection (control_lazy.c).
        return (callable(handler) and handler is not signal.default_int_handler
                and getattr(getattr(handler, "func", handler), "__name__", "") not in _NOT_WAKING)
    try:
        return any(waking(signal.getsignal(number)) for number in signal.valid_signals())
    except (ValueError, OSError):
        return False


def snapshot(reason, decision=None):
    """Everything about every loop and thread, for a deadlock or a timeout."""
    _load()
    me = _get_ident()
    frames = sys._current_frames()
    frames.pop(me, None)
    now = _monotonic()
    # A callback that never returned (time.sleep(3600) in a coroutine): its stack now is the blocking line.
    hang_asyncio.report_ongoing(now, frames)
    loops = []
    index = hang_asyncio._wait_index() if hang_asyncio._asyncio is not None else {}  # once, not per task
    for key, (loop, tasks) in _loops().items():
        thread_id = getattr(loop, "_thread_id", None)
        loops.append({"key": key, "thread": thread_id, "thread_name": _thread_name(thread_id) if thread_id else None,
                      "running": loop.is_running(), "closed": loop.is_closed(),
                      "tasks": [_task_row(task, index) for task in tasks if not task.done()]})
    thread_rows = []
    for ident, frame in frames.items():
        frames_of_thread = _frame_list(frame)
        row = {"ident": ident, "name": _thread_name(ident), "frames": frames_of_thread, "site": _site(frames_of_thread)}
        wait = _thread_waits.get(ident)
        seen_wait = hang_threads.frame_wait(ident, frame, hang_asyncio._loop_threads) if wait is None else None
        if seen_wait is not None:
            kind, waited, owner = seen_wait
            row["waits"] = {"lock_id": id(waited), "lock": kind, "created": None, "owner": owner,
                            "owner_name": _thread_name(owner) if owner is not None else None,
                            "seconds": round(_monotonic() - hang_threads._first_seen.get((ident, id(waited)), now), 6),
                            "timeout": None}
        if wait is not None:
            lock, since, timeout = wait
            row["waits"] = {"lock_id": id(lock), "lock": type(lock).__name__.replace("_Tracked", ""),
                            "created": lock._site, "owner": lock._owner,
                            "owner_name": _thread_name(lock._owner) if lock._owner is not None else None,
                            "seconds": round(_monotonic() - since, 6), "timeout": timeout}
        thread_rows.append(row)
    if hang_asyncio._asyncio is not None:
        hang_asyncio.task_sites.write()
    record = {"record": "hang_snapshot", "reason": reason, "at_s": round(capture.seconds_since_start(), 6),
              "loops": loops, "threads": thread_rows}
    if decision is not None:
        record["decision"] = decision
    capture.write(record)


