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
hang_asyncio = hang_locks = hang_processes = None
_all_tasks = _loops = _quiescent = _task_row = _thread_blocked = None
_HERE = _frame_list = _record = _site = _thread_name = None
_thread_waits = None


def _load():
    global hang_asyncio, hang_locks, hang_processes, _all_tasks, _loops, _quiescent, _task_row, _thread_blocked
    global _HERE, _frame_list, _record, _site, _thread_name, _thread_waits
    if hang_asyncio is not None:
        return
    from . import hang_asyncio as asyncio_part, hang_locks as locks_part, hang_processes as processes_part
    from .hang_asyncio import _all_tasks, _loops, _quiescent, _task_row, _thread_blocked
    from .hang_frames import _HERE, _frame_list, _record, _site, _thread_name
    from .hang_locks import _thread_waits
    hang_locks = locks_part
    hang_processes = processes_part
    hang_asyncio = asyncio_part

_ORIGIN_DEPTH = 2             # frames kept of where each coroutine was created (each costs on every creation)
_user_depth = [0]              # the origin tracking depth the target set (and sees)
SAMPLE_AFTER_S = 0.05          # the monitor samples the loop thread's stack once a callback has run this long
_last_prune = [0.0]
_get_ident = _thread.get_ident
_monotonic = time.monotonic


def _warn_unawaited():
    """warnings._warn_unawaited_coroutine as 3.11 has it, plus a record; the origin lines appear only if the
    target itself asked for origin tracking, as many as it asked for."""
    def _warn_unawaited_coroutine(coro):
        try:
            _load()
        except Exception:  # importing at interpreter shutdown: the warning itself still goes out
            pass
        origin = [entry for entry in (getattr(coro, "cr_origin", None) or ())
                  if not (_HERE and entry[0].startswith(_HERE))]
        name = getattr(coro, "__qualname__", None) or getattr(coro, "__name__", "?")
        try:
            frames = [{"file": file, "line": line, "function": function} for file, line, function in origin]
            site = _site(frames)
            where = f" (created at {site['file']}:{site['line']})" if site else ""
            _record("never_awaited", f"coroutine '{name}' was never awaited{where}", site=site,
                    stack=frames or None, thread=_thread_name(_get_ident()))
        except Exception:
            pass
        msg_lines = [f"coroutine '{name}' was never awaited\n"]
        if origin and _user_depth[0]:
            import linecache
            import traceback

            def extract():
                for filename, lineno, funcname in reversed(origin[:_user_depth[0]]):
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

def _track_coroutine_origins():
    """Origin tracking on (never-awaited coroutines get their creation line), invisibly: the target reads back
    the depth it set itself (asyncio's debug mode saves and restores it)."""
    real_get = sys.get_coroutine_origin_tracking_depth
    real_set = sys.set_coroutine_origin_tracking_depth
    _user_depth[0] = real_get()

    def set_coroutine_origin_tracking_depth(depth):
        real_set(depth)  # its own argument checks
        _user_depth[0] = depth
        real_set(max(depth, _ORIGIN_DEPTH))

    def get_coroutine_origin_tracking_depth():
        return _user_depth[0]

    for wrapper, real in ((set_coroutine_origin_tracking_depth, real_set), (get_coroutine_origin_tracking_depth, real_get)):
        wrapper.__doc__ = real.__doc__
        wrapper.__module__ = "sys"
    real_set(max(_user_depth[0], _ORIGIN_DEPTH))
    sys.set_coroutine_origin_tracking_depth = set_coroutine_origin_tracking_depth
    sys.get_coroutine_origin_tracking_depth = get_coroutine_origin_tracking_depth


def install():
    _track_coroutine_origins()
    import_hooks.after_import("warnings", _patch_warnings)
    # The installs only wait for the target's import (import_hooks); loading them then, not now, is the same.
    import_hooks.after_import("threading", lambda _module: (_load(), hang_locks.install()))
    import_hooks.after_import("asyncio", lambda _module: (_load(), hang_asyncio.install()))
    import_hooks.after_import("multiprocessing", lambda _module: (_load(), hang_processes.install()))


def tick(argument=""):
    """Called by the host's monitor thread every ~50 ms. Cheap when nothing waits."""
    if hang_asyncio is None:
        # threading, asyncio and multiprocessing never imported (their import loads the instruments): no lock wait,
        # loop or child can be tracked, and the instruments stay unloaded (~3.7 M instructions).
        return fastjson.dumps({"t": round(_monotonic(), 6), "progress": 0, "loops": [], "waits": []})
    now = _monotonic()
    me = _get_ident()
    result = {"t": round(now, 6), "progress": hang_asyncio._progress[0], "loops": [], "waits": []}
    frames = None
    if hang_asyncio._running:
        frames = sys._current_frames()
        for ident, entry in list(hang_asyncio._running.items()):
            if now - entry[1] >= SAMPLE_AFTER_S and ident in frames:
                entry[2] = _frame_list(frames[ident])
    for ident, (lock, since, timeout) in list(_thread_waits.items()):
        owner = lock._owner
        result["waits"].append({"thread": ident, "lock": id(lock), "owner": owner, "since": round(since, 6),
                                "forever": timeout is None or timeout < 0})
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
        loops = _loops() if in_select else {}
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
        if now - _last_prune[0] > 1.0:
            _last_prune[0] = now
            alive = {id(task) for task in _all_tasks()}
            sites = hang_asyncio._task_sites
            for key in [key for key in sites if key not in alive]:
                sites.pop(key, None)
    return fastjson.dumps(result)


def snapshot(reason, decision=None):
    """Everything about every loop and thread, for a deadlock or a timeout."""
    _load()
    me = _get_ident()
    frames = sys._current_frames()
    frames.pop(me, None)
    now = _monotonic()
    for ident, (handle, started, _sampled) in list(hang_asyncio._running.items()):
        # A callback that never returned (time.sleep(3600) in a coroutine): its stack now is the blocking line.
        if now - started >= hang_asyncio.SLOW_CALLBACK_S and ident in frames:
            hang_asyncio._report_slow(handle, now - started, _frame_list(frames[ident]), thread=ident, ongoing=True)
    loops = []
    for key, (loop, tasks) in _loops().items():
        thread_id = getattr(loop, "_thread_id", None)
        loops.append({"key": key, "thread": thread_id, "thread_name": _thread_name(thread_id) if thread_id else None,
                      "running": loop.is_running(), "closed": loop.is_closed(),
                      "tasks": [_task_row(task) for task in tasks if not task.done()]})
    thread_rows = []
    for ident, frame in frames.items():
        frames_of_thread = _frame_list(frame)
        row = {"ident": ident, "name": _thread_name(ident), "frames": frames_of_thread, "site": _site(frames_of_thread)}
        wait = _thread_waits.get(ident)
        if wait is not None:
            lock, since, timeout = wait
            row["waits"] = {"lock_id": id(lock), "lock": type(lock).__name__.replace("_Tracked", ""),
                            "created": lock._site, "owner": lock._owner,
                            "owner_name": _thread_name(lock._owner) if lock._owner is not None else None,
                            "seconds": round(_monotonic() - since, 6), "timeout": timeout}
        thread_rows.append(row)
    record = {"record": "hang_snapshot", "reason": reason, "at_s": round(capture.seconds_since_start(), 6),
              "loops": loops, "threads": thread_rows}
    if decision is not None:
        record["decision"] = decision
    capture.write(record)


