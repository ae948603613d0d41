"""Hangs, deadlocks and asyncio misuse, seen from inside the target (issue 6).

Installed by host.prepare. Three parts:
- owner tracking: threading.Lock/RLock and asyncio's Lock, Semaphore, Event, Condition and Queue record who holds
  them and who waits for them, so a deadlock can be explained (who waits for whom), not only seen;
- event records written as they happen: slow callbacks (with the stack the monitor sampled while the loop was
  blocked), coroutines never awaited, task exceptions never retrieved, tasks pending at close or exit;
- `tick()`, called by the host's native monitor thread every 50 ms with the GIL: a small summary the host's
  Swift side (HangWatch) judges; `on_stop(reason)` then records the full picture before the target is stopped.

asyncio is patched when the target imports it (an import hook), so a program that never uses asyncio never pays
for importing it.
"""
import _thread
import json
import os
import sys
import threading
import time
import warnings
import weakref

from . import capture, threads

SLOW_CALLBACK_S = 0.1          # asyncio's own slow_callback_duration
_ORIGIN_DEPTH = 12             # frames kept of where each coroutine was created; not asyncio debug's 10
SAMPLE_AFTER_S = 0.05          # the monitor samples the loop thread's stack once a callback has run this long
_HERE = os.path.dirname(os.path.abspath(__file__))
_STDLIB = tuple({os.path.dirname(os.__file__) + os.sep, os.path.realpath(os.path.dirname(os.__file__)) + os.sep})
_asyncio = None                # the asyncio package, once patched
_progress = [0]                # callbacks run by every loop: a loop that makes progress is not stuck
_running = {}                  # thread ident -> [handle, started, sampled stack or None]
_thread_waits = {}             # thread ident -> (tracked lock, since, timeout)
_task_waits = {}               # id(task) -> (kind, primitive)
_task_sites = {}               # id(task) -> creation site {"file","line"}
_reported_pending = set()      # id(task) already reported as pending
_last_prune = [0.0]
_get_ident = _thread.get_ident
_monotonic = time.monotonic


# ---------------------------------------------------------------- frames and sites

def _is_library(filename):
    return filename.startswith(_STDLIB) or filename.startswith("<frozen")


def _frame_list(frame, limit=40):
    """Innermost first, without pyinspect's own frames."""
    frames = []
    while frame is not None and len(frames) < limit:
        code = frame.f_code
        if not code.co_filename.startswith(_HERE):
            frames.append({"file": code.co_filename, "line": frame.f_lineno or 0, "function": code.co_name})
        frame = frame.f_back
    return frames


def _site(frames):
    """The line that matters: the innermost frame outside the standard library, else the innermost."""
    for entry in frames:
        if not _is_library(entry["file"]):
            return {"file": entry["file"], "line": entry["line"]}
    if frames:
        return {"file": frames[0]["file"], "line": frames[0]["line"]}
    return None


def _caller_site(depth=2):
    try:
        frame = sys._getframe(depth)
    except ValueError:
        return None
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_HERE) and not _is_library(filename):
            return {"file": filename, "line": frame.f_lineno or 0}
        frame = frame.f_back
    return None


def _coroutine_frames(coro, limit=40):
    """A suspended coroutine chain as frames, innermost first (the await it sits on first)."""
    frames = []
    while coro is not None and len(frames) < limit:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        code = frame.f_code
        if not code.co_filename.startswith(_HERE):
            frames.append({"file": code.co_filename, "line": frame.f_lineno or 0, "function": code.co_name})
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    frames.reverse()
    return frames


def _thread_name(ident):
    return threads.names_by_ident().get(ident, f"thread-{ident}")


def _record(kind, message, **fields):
    record = {"record": "hang", "kind": kind, "message": message,
              "at_s": round(capture.seconds_since_start(), 6)}
    record.update({key: value for key, value in fields.items() if value is not None})
    capture.write(record)


# ---------------------------------------------------------------- threading locks with owners

class _TrackedLock:
    """threading.Lock that remembers its owner and who waits for it."""
    __slots__ = ("_lock", "_owner", "_site", "__weakref__")

    def __new__(cls, *args, **kwargs):
        # Like _thread.lock: not instantiable from Python (test_threading checks it); see _make.
        raise TypeError(f"cannot create '{cls.__module__}.{cls.__qualname__}' instances")

    @classmethod
    def _make(cls, lock, site):
        self = object.__new__(cls)
        self._lock = lock
        self._owner = None
        self._site = site
        return self

    def acquire(self, blocking=True, timeout=-1):
        lock = self._lock
        if not blocking or timeout == 0:
            got = lock.acquire(blocking, timeout)  # the lock's own argument checks
            if got:
                self._owner = _get_ident()
            return got
        if timeout == -1 and lock.acquire(False):
            self._owner = _get_ident()
            return True
        me = _get_ident()
        _thread_waits[me] = (self, _monotonic(), timeout)
        try:
            got = lock.acquire(True, timeout)
        finally:
            _thread_waits.pop(me, None)
        if got:
            self._owner = me
        return got

    def __enter__(self):
        return self.acquire()

    def release(self):
        self._owner = None
        self._lock.release()

    def __exit__(self, *exc):
        self.release()

    def locked(self):
        return self._lock.locked()

    def _at_fork_reinit(self):
        self._lock._at_fork_reinit()
        self._owner = None

    def __repr__(self):
        return repr(self._lock).replace("_thread.lock", "threading.Lock", 1)


class _TrackedRLock(_TrackedLock):
    __slots__ = ()

    def acquire(self, blocking=True, timeout=-1):
        if self._lock._is_owned():
            return self._lock.acquire(blocking, timeout)
        return _TrackedLock.acquire(self, blocking, timeout)

    def release(self):
        self._lock.release()
        if not self._lock._is_owned():
            self._owner = None

    def _is_owned(self):
        return self._lock._is_owned()

    def _release_save(self):
        self._owner = None
        return self._lock._release_save()

    def _acquire_restore(self, state):
        self._lock._acquire_restore(state)
        self._owner = _get_ident()

    def __repr__(self):
        return repr(self._lock)


def _install_thread_locks():
    original_lock = threading.Lock
    original_rlock = threading.RLock

    def Lock():
        return _TrackedLock._make(original_lock(), _caller_site())

    def RLock(*args, **kwargs):
        return _TrackedRLock._make(original_rlock(*args, **kwargs), _caller_site())

    for function, original in ((Lock, original_lock), (RLock, original_rlock)):
        # threading's own names: pickled by reference as threading.Lock, listed by test___all__.
        function.__module__ = "threading"
        function.__qualname__ = function.__name__
        function.__doc__ = original.__doc__
    threading.Lock = Lock
    threading.RLock = RLock


# ---------------------------------------------------------------- asyncio

class _AsyncioHook:
    """Patches asyncio right after the target imports it."""

    def find_spec(self, name, path=None, target=None):
        if name != "asyncio":
            return None
        import importlib.machinery
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        original = spec.loader.exec_module

        def exec_module(module):
            original(module)
            _patch_asyncio(module)

        spec.loader.exec_module = exec_module
        return spec


def _install_asyncio_hook():
    if "asyncio" in sys.modules:
        _patch_asyncio(sys.modules["asyncio"])
    else:
        sys.meta_path.insert(0, _AsyncioHook())


def _patch_asyncio(asyncio):
    global _asyncio
    if _asyncio is not None:
        return
    for index, finder in enumerate(list(sys.meta_path)):
        if isinstance(finder, _AsyncioHook):
            del sys.meta_path[index]
            break
    _asyncio = asyncio
    from asyncio import base_events, events, locks, queues, runners, tasks
    current_task = tasks.current_task

    # Every callback: progress, and what the loop thread runs now (for slow callbacks).
    original_run = events.Handle._run

    def _run(self):
        me = _get_ident()
        entry = [self, _monotonic(), None]
        _running[me] = entry
        try:
            return original_run(self)
        finally:
            _progress[0] += 1
            _running.pop(me, None)
            duration = _monotonic() - entry[1]
            if duration >= SLOW_CALLBACK_S:
                _report_slow(self, duration, entry[2])

    events.Handle._run = _run

    # Task creation sites.
    original_create_task = base_events.BaseEventLoop.create_task

    def create_task(self, coro, *args, **kwargs):
        task = original_create_task(self, coro, *args, **kwargs)
        site = _caller_site()
        if site is not None:
            _task_sites[id(task)] = site
        return task

    base_events.BaseEventLoop.create_task = create_task

    # Lock owners and waiters.
    def waiting(kind, original):
        async def wrapper(self, *args, **kwargs):
            task = current_task()
            key = id(task)
            _task_waits[key] = (kind, self)
            try:
                return await original(self, *args, **kwargs)
            finally:
                _task_waits.pop(key, None)
        wrapper.__name__ = original.__name__
        wrapper.__qualname__ = original.__qualname__
        return wrapper

    lock_acquire = waiting("lock", locks.Lock.acquire)

    async def acquire(self):
        result = await lock_acquire(self)
        task = current_task()
        self._pyi_owner = weakref.ref(task) if task is not None else None
        return result

    original_release = locks.Lock.release

    def release(self):
        self._pyi_owner = None
        return original_release(self)

    locks.Lock.acquire = acquire
    locks.Lock.release = release

    semaphore_acquire = waiting("semaphore", locks.Semaphore.acquire)

    async def sem_acquire(self):
        result = await semaphore_acquire(self)
        task = current_task()
        holders = self.__dict__.setdefault("_pyi_holders", [])
        if task is not None:
            holders.append(weakref.ref(task))
        return result

    original_sem_release = locks.Semaphore.release

    def sem_release(self):
        holders = self.__dict__.get("_pyi_holders")
        if holders:
            task = current_task()
            for index, ref in enumerate(holders):
                if ref() is task:
                    del holders[index]
                    break
            else:
                del holders[0]
        return original_sem_release(self)

    locks.Semaphore.acquire = sem_acquire
    locks.Semaphore.release = sem_release
    locks.Event.wait = waiting("event", locks.Event.wait)
    locks.Condition.wait = waiting("condition", locks.Condition.wait)
    queues.Queue.get = waiting("queue_get", queues.Queue.get)
    queues.Queue.put = waiting("queue_put", queues.Queue.put)
    for cls in (locks.Lock, locks.Semaphore, locks.Event, locks.Condition, queues.Queue):
        _remember_creation(cls)

    # Unretrieved exceptions and tasks destroyed while pending reach the loop's exception handler.
    original_handler = base_events.BaseEventLoop.call_exception_handler

    def call_exception_handler(self, context):
        try:
            _from_exception_handler(context)
        except Exception:
            pass
        return original_handler(self, context)

    base_events.BaseEventLoop.call_exception_handler = call_exception_handler

    # Tasks still pending when their loop closes, or when asyncio.run cancels them.
    original_close = base_events.BaseEventLoop.close

    def close(self):
        if not self.is_closed() and not self.is_running():
            _report_pending(self, "its loop was closed")
        return original_close(self)

    base_events.BaseEventLoop.close = close
    original_cancel_all = runners._cancel_all_tasks

    def _cancel_all_tasks(loop):
        _report_pending(loop, "asyncio.run returned and cancelled it")
        return original_cancel_all(loop)

    runners._cancel_all_tasks = _cancel_all_tasks


def _remember_creation(cls):
    original = cls.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self._pyi_site = _caller_site()

    __init__.__qualname__ = original.__qualname__
    cls.__init__ = __init__


def _all_tasks():
    if _asyncio is None:
        return []
    data = _asyncio.tasks._all_tasks.data
    for _ in range(5):
        try:
            return [ref() for ref in list(data) if ref() is not None]
        except RuntimeError:
            continue
    return []


def _task_name(task):
    try:
        return task.get_name()
    except Exception:
        return repr(task)


def _task_row(task):
    frames = _coroutine_frames(task.get_coro())
    row = {"id": id(task), "name": _task_name(task), "done": task.done(), "frames": frames,
           "site": _site(frames), "created": _task_sites.get(id(task))}
    waiter = getattr(task, "_fut_waiter", None)
    wait = _describe_wait(task, waiter)
    if wait is not None:
        row["waits"] = wait
    return row


def _describe_wait(task, waiter):
    recorded = _task_waits.get(id(task))
    if recorded is not None:
        kind, primitive = recorded
        wait = {"kind": kind, "object": type(primitive).__name__, "object_id": id(primitive),
                "created": getattr(primitive, "_pyi_site", None), "owners": []}
        if kind == "lock":
            owner = getattr(primitive, "_pyi_owner", None)
            owner = owner() if owner is not None else None
            if owner is not None:
                wait["owners"] = [{"id": id(owner), "name": _task_name(owner)}]
        elif kind == "semaphore":
            for ref in primitive.__dict__.get("_pyi_holders", []):
                owner = ref()
                if owner is not None:
                    wait["owners"].append({"id": id(owner), "name": _task_name(owner)})
        return wait
    if waiter is None:
        return None
    if isinstance(waiter, _asyncio.Task):
        return {"kind": "task", "object": "Task", "object_id": id(waiter),
                "owners": [{"id": id(waiter), "name": _task_name(waiter)}]}
    children = getattr(waiter, "_children", None)
    if children is not None:
        owners = [{"id": id(child), "name": _task_name(child)} for child in children
                  if isinstance(child, _asyncio.Task) and not child.done()]
        return {"kind": "gather", "object": "gather", "object_id": id(waiter), "owners": owners}
    return {"kind": "future", "object": type(waiter).__name__, "object_id": id(waiter), "owners": []}


def _loops():
    """Running or not, every loop that owns a task, with its thread."""
    loops = {}
    for task in _all_tasks():
        try:
            loop = task.get_loop()
        except Exception:
            continue
        loops.setdefault(id(loop), [loop, []])[1].append(task)
    return loops


def _quiescent(loop, frames_by_thread):
    """Nothing can wake this loop: in select, nothing ready, no timers, no fds but its self-pipe, no signals."""
    if not loop.is_running() or loop.is_closed():
        return False
    thread_id = getattr(loop, "_thread_id", None)
    frame = frames_by_thread.get(thread_id)
    if frame is None or frame.f_code.co_name != "select" or not frame.f_code.co_filename.endswith("selectors.py"):
        return False
    if len(getattr(loop, "_ready", ())) != 0:
        return False
    if any(not handle.cancelled() for handle in list(getattr(loop, "_scheduled", ()))):
        return False
    if getattr(loop, "_signal_handlers", None):
        return False
    selector = getattr(loop, "_selector", None)
    if selector is None:
        return False
    self_pipe = getattr(loop, "_ssock", None)
    self_fd = self_pipe.fileno() if self_pipe is not None else None
    if any(fd != self_fd for fd in list(selector.get_map())):
        return False
    executor = getattr(loop, "_default_executor", None)
    if executor is not None and executor._work_queue.qsize():
        return False
    return True


def _thread_blocked(ident, frame):
    """A thread that cannot wake a loop by itself: an idle executor worker, a forever lock wait, a join."""
    wait = _thread_waits.get(ident)
    if wait is not None and wait[2] is not None and wait[2] < 0:
        return True
    while frame is not None:
        code = frame.f_code
        if code.co_name == "_worker" and code.co_filename.endswith(os.path.join("concurrent", "futures", "thread.py")):
            return True
        if code.co_name == "_wait_for_tstate_lock" and code.co_filename.endswith("threading.py"):
            return True
        if code.co_filename.startswith(_HERE) or code.co_filename == "<string>":
            frame = frame.f_back
            continue
        return False
    return True


# ---------------------------------------------------------------- events

def _report_slow(handle, duration, sampled):
    task = None
    callback = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if _asyncio is not None and isinstance(owner, _asyncio.Task):
        task = owner
    frames = sampled
    if not frames and task is not None:
        frames = _coroutine_frames(task.get_coro())
    site = _site(frames or [])
    where = f" at {site['file']}:{site['line']}" if site else ""
    who = f"task '{_task_name(task)}'" if task is not None else f"callback {getattr(callback, '__qualname__', callback)!r}"
    _record("slow_callback", f"{who} blocked the event loop for {duration:.3f} s{where}",
            task=_task_name(task) if task is not None else None, thread=_thread_name(_get_ident()),
            site=site, seconds=round(duration, 6), stack=frames or None, sampled=bool(sampled))


def _warn_unawaited(user_depth):
    """warnings._warn_unawaited_coroutine as 3.11 has it, plus a record; stacklevel skips this frame, and the
    origin lines appear only if the target itself asked for origin tracking."""
    def _warn_unawaited_coroutine(coro):
        origin = [entry for entry in (getattr(coro, "cr_origin", None) or ()) if not entry[0].startswith(_HERE)]
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
        depth = sys.get_coroutine_origin_tracking_depth()
        if origin and (user_depth[0] or depth != _ORIGIN_DEPTH):
            import linecache
            import traceback

            def extract():
                for filename, lineno, funcname in reversed(origin):
                    yield (filename, lineno, funcname, linecache.getline(filename, lineno))
            msg_lines.append("Coroutine created at (most recent call last)\n")
            msg_lines += traceback.format_list(list(extract()))
        msg = "".join(msg_lines).rstrip("\n")
        warnings.warn(msg, category=RuntimeWarning, stacklevel=2, source=coro)
    return _warn_unawaited_coroutine


def _from_exception_handler(context):
    message = context.get("message", "")
    task = context.get("task") or context.get("future")
    name = _task_name(task) if task is not None and hasattr(task, "get_name") else None
    if "never retrieved" in message:
        exception = context.get("exception")
        frames = []
        tb = getattr(exception, "__traceback__", None)
        while tb is not None:
            code = tb.tb_frame.f_code
            if not code.co_filename.startswith(_HERE):
                frames.append({"file": code.co_filename, "line": tb.tb_lineno, "function": code.co_name})
            tb = tb.tb_next
        frames.reverse()
        text = f"{type(exception).__name__}: {exception}" if exception is not None else "an exception"
        _record("unretrieved_exception",
                f"task '{name}' raised {text} and nobody retrieved it" if name else f"{text} was never retrieved",
                task=name, site=_site(frames), stack=frames or None,
                created=_task_sites.get(id(task)) if task is not None else None,
                exception={"type": type(exception).__qualname__, "module": type(exception).__module__,
                           "message": str(exception)[:2000]} if exception is not None else None)
    elif "destroyed but it is pending" in message and task is not None:
        if id(task) in _reported_pending:
            return
        _reported_pending.add(id(task))
        frames = _coroutine_frames(task.get_coro()) if hasattr(task, "get_coro") else []
        created = _task_sites.get(id(task))
        where = f" (created at {created['file']}:{created['line']})" if created else ""
        _record("pending_task", f"task '{name}' was destroyed while pending{where}", task=name,
                site=created or _site(frames), stack=frames or None, created=created, when="destroyed")


def _report_pending(loop, why):
    for task in _all_tasks():
        try:
            if task.get_loop() is not loop or task.done() or id(task) in _reported_pending:
                continue
        except Exception:
            continue
        if why.startswith("asyncio.run") and task is _asyncio.tasks.current_task(loop):
            continue
        _reported_pending.add(id(task))
        row = _task_row(task)
        created = row.get("created")
        where = f" (created at {created['file']}:{created['line']})" if created else ""
        waits = f", waiting at {row['site']['file']}:{row['site']['line']}" if row.get("site") else ""
        _record("pending_task", f"task '{row['name']}' was still pending when {why}{where}{waits}",
                task=row["name"], site=created or row.get("site"), stack=row["frames"] or None,
                created=created, when=why)


def at_exit():
    """Tasks still pending when the interpreter exits."""
    if _asyncio is None:
        return
    seen = set()
    for task in _all_tasks():
        try:
            loop = task.get_loop()
        except Exception:
            continue
        if id(loop) not in seen:
            seen.add(id(loop))
            _report_pending(loop, "the program exited")


# ---------------------------------------------------------------- the monitor's view

def install():
    user_depth = [sys.get_coroutine_origin_tracking_depth()]
    if user_depth[0] == 0:
        sys.set_coroutine_origin_tracking_depth(_ORIGIN_DEPTH)
    if hasattr(warnings, "_warn_unawaited_coroutine"):
        warnings._warn_unawaited_coroutine = _warn_unawaited(user_depth)
    _install_thread_locks()
    _install_asyncio_hook()


def tick(argument=""):
    """Called by the host's monitor thread every ~50 ms. Cheap when nothing waits."""
    now = _monotonic()
    me = _get_ident()
    result = {"t": round(now, 6), "progress": _progress[0], "loops": [], "waits": []}
    frames = None
    if _running:
        frames = sys._current_frames()
        for ident, entry in list(_running.items()):
            if now - entry[1] >= SAMPLE_AFTER_S and ident in frames:
                entry[2] = _frame_list(frames[ident])
    for ident, (lock, since, timeout) in list(_thread_waits.items()):
        owner = lock._owner
        result["waits"].append({"thread": ident, "lock": id(lock), "owner": owner, "since": round(since, 6),
                                "forever": timeout is None or timeout < 0})
    if _asyncio is not None and _asyncio.tasks._all_tasks.data:
        if frames is None:
            frames = sys._current_frames()
        frames.pop(me, None)
        loops = _loops()
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
            for key in [key for key in _task_sites if key not in alive]:
                _task_sites.pop(key, None)
    return json.dumps(result)


def snapshot(reason, decision=None):
    """Everything about every loop and thread, for a deadlock or a timeout."""
    me = _get_ident()
    frames = sys._current_frames()
    frames.pop(me, None)
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


