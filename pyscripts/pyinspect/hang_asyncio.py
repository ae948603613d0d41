"""asyncio instruments: lock owners and waiters, task creation sites, callbacks (progress and slow ones),
unretrieved exceptions, tasks left pending, and the quiescence test of a loop.

Patched when the target imports asyncio (an import hook), so a program that never uses asyncio never imports it.
"""
import os
import sys
import time
import _thread

from . import import_hooks, loop_threads, task_sites
from .hang_frames import (_HERE, _caller_site, _coroutine_frames, _frame_list, _is_library, _record, _site,
                          _thread_name, need_monitor)
from .hang_locks import _thread_waits

SLOW_CALLBACK_S = 0.1          # asyncio's own slow_callback_duration
SAMPLE_AFTER_S = 0.05          # the tick samples the loop thread's stack once a callback has run this long
CANCEL_IGNORED_S = 1.0         # a task still running this long after it was seen cancelling went on
SEEN_FOR_S = 0.04              # a slow callback was seen running by ticks at least this far apart (50 ms)
_asyncio = None                # the asyncio package, once patched
weakref = None                 # imported when asyncio is patched
_progress = [0]                # looks at which some loop had run an iteration since the look before
_stamps = {}                   # id(running loop) -> the iteration stamp (_pyi_ready_since) the last look saw
_callbacks = {}                # loop thread ident -> the callback the tick saw running (_Sighting)
_last_look = {}                # loop thread ident -> when the tick last looked at it
_loop_threads = {}             # id(running loop) -> (loop, its thread ident)
_thread_loops = {}             # thread ident -> the loop running in it
_cycle_seen = [None, 0.0]
_cancel_watch = {}             # id(task) -> [task, first seen cancelling, reported]      # the task lock cycle the last look found (its waits), since when
_primitives = None             # WeakSet of the program's asyncio Locks, Semaphores, Events, Conditions, Queues
_reported_pending = set()      # id(task) already reported as pending
_reported_unretrieved = set()  # id(task) already reported for an exception nobody retrieved
_get_ident = _thread.get_ident
_monotonic = time.monotonic


def install():
    # When the target imports asyncio: a program that never uses it never pays for it.
    import_hooks.after_import("asyncio", _patch_asyncio)


def _patch_asyncio(asyncio):
    global _asyncio
    if _asyncio is not None:
        return
    _asyncio = asyncio
    global weakref, _primitives
    import weakref
    _primitives = weakref.WeakSet()
    from asyncio import base_events, events, locks, queues, runners, tasks
    running_tasks = tasks._current_tasks

    def current_task():
        # The running task from our own map of loop threads: asyncio's _get_running_loop() makes a getpid()
        # system call each time (3.11 checks for a fork), ~0.2 µs, which was most of the Lock's owner cost.
        # None outside a running loop (a coroutine driven by hand), where asyncio's own would raise.
        return running_tasks.get(_thread_loops.get(_get_ident()))

    # When each loop iteration's callbacks begin (and so progress): one call per loop iteration, not per callback.
    # What runs now and for how long is sampled by the monitor's tick (sample_loops), from the loop thread's stack.
    from asyncio import selector_events
    original_process_events = selector_events.BaseSelectorEventLoop._process_events

    try:  # the monitor's skip test (HangWatch.maySkip): when an iteration began, readable without the GIL
        from _pyinspect_native import loop_iteration
    except ImportError:  # not under the host
        loop_iteration = None

    def _process_events(self, event_list):
        self._pyi_ready_since = _monotonic()
        if loop_iteration is not None:
            loop_iteration()
        return original_process_events(self, event_list)

    _process_events.__qualname__ = original_process_events.__qualname__
    selector_events.BaseSelectorEventLoop._process_events = _process_events

    # When a loop stops, the callback the tick last saw running has ended.
    original_run_forever = base_events.BaseEventLoop.run_forever

    def run_forever(self):
        need_monitor()
        ident = _get_ident()
        _loop_threads[id(self)] = (self, ident)
        outer = _thread_loops.get(ident)
        _thread_loops[ident] = self
        try:
            return original_run_forever(self)
        finally:
            _loop_threads.pop(id(self), None)
            if outer is None:
                _thread_loops.pop(ident, None)
            else:
                _thread_loops[ident] = outer
            _stamps.pop(id(self), None)
            ident = _get_ident()
            _finish_sighting(ident, _monotonic())
            _last_look.pop(ident, None)

    run_forever.__qualname__ = original_run_forever.__qualname__
    run_forever.__doc__ = original_run_forever.__doc__
    base_events.BaseEventLoop.run_forever = run_forever

    # Task creation sites, and tasks per site (task_sites.py: unbounded_concurrency).
    original_create_task = base_events.BaseEventLoop.create_task
    current_tasks = tasks._current_tasks
    getframe = sys._getframe

    def create_task(self, coro, *args, **kwargs):
        thread_id = self._thread_id
        if thread_id is not None and thread_id != _get_ident():
            loop_threads.wrong_thread(self, "create_task", _get_ident())
        task = original_create_task(self, coro, *args, **kwargs)
        try:  # zero-cost in 3.11 unless raised; nothing of ours may reach the target
            task_sites.created(task, coro, getframe(1), getattr(self, "_pyi_ready_since", None),
                               current_tasks.get(self))
        except Exception:  # a call with no Python caller (getframe's ValueError), a task type without callbacks
            pass
        return task

    base_events.BaseEventLoop.create_task = create_task

    # Calls from a thread other than the running loop's (loop_threads.py): 3.11's call_soon and call_at, inline
    # (a wrapper calling them cost a frame per callback), plus one compare of thread idents. call_later goes
    # through call_at; call_soon_threadsafe through _call_soon, so it is never seen here.
    heapq = base_events.heapq
    TimerHandle = events.TimerHandle

    def call_soon(self, callback, *args, context=None):
        thread_id = self._thread_id
        if thread_id is not None and thread_id != _get_ident():
            loop_threads.wrong_thread(self, "call_soon", _get_ident())
        self._check_closed()
        if self._debug:
            self._check_thread()
            self._check_callback(callback, 'call_soon')
        handle = self._call_soon(callback, args, context)
        if handle._source_traceback:
            del handle._source_traceback[-1]
        return handle

    def call_at(self, when, callback, *args, context=None):
        if when is None:
            raise TypeError("when cannot be None")
        thread_id = self._thread_id
        if thread_id is not None and thread_id != _get_ident():
            loop_threads.wrong_thread(self, "call_at", _get_ident())
        self._check_closed()
        if self._debug:
            self._check_thread()
            self._check_callback(callback, 'call_at')
        timer = TimerHandle(when, callback, args, self, context)
        if timer._source_traceback:
            del timer._source_traceback[-1]
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        return timer

    for wrapper, original in ((call_soon, base_events.BaseEventLoop.call_soon),
                              (call_at, base_events.BaseEventLoop.call_at)):
        wrapper.__qualname__ = original.__qualname__
        wrapper.__doc__ = original.__doc__
    base_events.BaseEventLoop.call_soon = call_soon
    base_events.BaseEventLoop.call_at = call_at

    # Lock owners: asyncio's own acquire (3.11), plus the owner, in one coroutine level (a wrapper coroutine
    # around it cost as much as the acquire itself). Who waits for what is read when needed, from each task's
    # `_fut_waiter` and the primitives' waiter deques (_wait_index), so waits cost nothing.
    collections = locks.collections
    CancelledError = locks.exceptions.CancelledError

    # The running task from dict look-ups only (3.11's tasks.current_task is Python: a frame per acquire; its
    # _get_running_loop makes a getpid() system call).
    thread_loops = _thread_loops

    async def acquire(self):
        if (not self._locked and (self._waiters is None or
                all(w.cancelled() for w in self._waiters))):
            self._locked = True
            self._pyi_owner = current_tasks.get(thread_loops.get(_get_ident()))
            return True
        if self._waiters is None:
            self._waiters = collections.deque()
        fut = self._get_loop().create_future()
        self._waiters.append(fut)
        try:
            try:
                await fut
            finally:
                self._waiters.remove(fut)
        except CancelledError:
            if not self._locked:
                self._wake_up_first()
            raise
        self._locked = True
        self._pyi_owner = current_tasks.get(thread_loops.get(_get_ident()))
        return True

    original_acquire = locks.Lock.acquire
    original_release = locks.Lock.release

    def release(self):
        # 3.11's own, inline (a wrapper calling it cost a frame per release), plus the owner.
        if self._locked:
            self._locked = False
            self._pyi_owner = None
            self._wake_up_first()
        else:
            raise RuntimeError('Lock is not acquired.')

    for wrapper, original in ((acquire, original_acquire), (release, original_release)):
        wrapper.__qualname__ = original.__qualname__
        wrapper.__doc__ = original.__doc__

    locks.Lock.acquire = acquire
    locks.Lock.release = release

    original_sem_acquire = locks.Semaphore.acquire

    async def sem_acquire(self):
        result = await original_sem_acquire(self)
        task = current_task()
        if task is not None:
            self.__dict__.setdefault("_pyi_holders", []).append(weakref.ref(task))
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

    for wrapper, original in ((sem_acquire, original_sem_acquire), (sem_release, original_sem_release)):
        wrapper.__qualname__ = original.__qualname__
        wrapper.__doc__ = original.__doc__
    locks.Semaphore.acquire = sem_acquire
    locks.Semaphore.release = sem_release
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

    owned = cls is _asyncio.locks.Lock

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self._pyi_site = _caller_site()
        if owned:
            # The task holding it (a strong reference, dropped at release), set here first so every Lock has the
            # same attributes in the same order: an attribute first added by acquire made each of the lock's own
            # attribute reads slower (no shared-key dict), and a weak reference in a side table cost ~0.2 µs.
            self._pyi_owner = None
        _primitives.add(self)

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


def _wait_index():
    """id(future) -> (kind, primitive) for every future a task awaits inside one of the program's asyncio
    primitives: built when a report needs it, so waiting costs the target nothing."""
    index = {}
    if _primitives is None:
        return index
    locks, queues = _asyncio.locks, _asyncio.queues
    for _ in range(5):
        try:
            primitives = list(_primitives)
            break
        except RuntimeError:  # the set changed size (another thread made one)
            continue
    else:
        return index
    for primitive in primitives:
        if isinstance(primitive, queues.Queue):
            deques = (("queue_get", getattr(primitive, "_getters", None)),
                      ("queue_put", getattr(primitive, "_putters", None)))
        else:
            kind = ("lock" if isinstance(primitive, locks.Lock) else
                    "semaphore" if isinstance(primitive, locks.Semaphore) else
                    "event" if isinstance(primitive, locks.Event) else "condition")
            deques = ((kind, getattr(primitive, "_waiters", None)),)
        for kind, waiters in deques:
            for future in list(waiters or ()):
                index[id(future)] = (kind, primitive)
    return index


def _task_row(task, index=None):
    frames = _coroutine_frames(task.get_coro())
    row = {"id": id(task), "name": _task_name(task), "done": task.done(), "frames": frames,
           "site": _site(frames), "created": task_sites.site_of(task)}
    try:
        running = _asyncio.tasks._current_tasks.get(task.get_loop()) is task
    except Exception:
        running = False
    if running:
        row["running"] = True  # its step is executing now (the target was stopped while it blocked its loop)
        return row
    waiter = getattr(task, "_fut_waiter", None)
    wait = _describe_wait(task, waiter, index)
    if wait is not None:
        row["waits"] = wait
    return row


def _describe_wait(task, waiter, index=None):
    if waiter is None:
        return None
    recorded = (index if index is not None else _wait_index()).get(id(waiter))
    if recorded is not None:
        kind, primitive = recorded
        wait = {"kind": kind, "object": type(primitive).__name__, "object_id": id(primitive),
                "created": getattr(primitive, "_pyi_site", None), "owners": []}
        if kind == "lock":
            owner = getattr(primitive, "_pyi_owner", None) if primitive._locked else None
            if owner is not None:
                wait["owners"] = [{"id": id(owner), "name": _task_name(owner)}]
        elif kind == "semaphore":
            for ref in primitive.__dict__.get("_pyi_holders", []):
                owner = ref()
                if owner is not None:
                    wait["owners"].append({"id": id(owner), "name": _task_name(owner)})
        return wait
    if isinstance(waiter, _asyncio.Task):
        return {"kind": "task", "object": "Task", "object_id": id(waiter),
                "owners": [{"id": id(waiter), "name": _task_name(waiter)}]}
    children = getattr(waiter, "_children", None)
    if children is not None:
        owners = [{"id": id(child), "name": _task_name(child)} for child in children
                  if isinstance(child, _asyncio.Task) and not child.done()]
        return {"kind": "gather", "object": "gather", "object_id": id(waiter), "owners": owners}
    completers = _completers(waiter)
    if completers:
        return {"kind": "wait", "object": "wait", "object_id": id(waiter),
                "owners": [{"id": id(child), "name": _task_name(child)} for child in completers]}
    return {"kind": "future", "object": type(waiter).__name__, "object_id": id(waiter), "owners": []}


def lock_cycle(now):
    """Tasks waiting for each other's asyncio.Locks (each waits for a Lock the next one holds), whatever else
    the loop does (a heartbeat keeps it busy, so it is never quiescent): ({id(loop): [task ids]}, seconds the
    same waits have lasted), or None. A wait under a timeout (asyncio.wait_for, asyncio.timeout) ends by itself:
    never part of a cycle."""
    if _primitives is None:
        return None
    waited = {}  # id(future) -> the task holding the Lock it waits in
    for primitive in list(_primitives):
        if not isinstance(primitive, _asyncio.locks.Lock) or not primitive._waiters:
            continue
        owner = getattr(primitive, "_pyi_owner", None)
        if owner is None or owner.done():
            continue
        for future in list(primitive._waiters):
            waited[id(future)] = owner
    if not waited:
        _cycle_seen[0] = None
        return None
    nexts = {}
    futures = {}
    for task in _all_tasks():
        waiter = getattr(task, "_fut_waiter", None)
        if waiter is not None and id(waiter) in waited and not _under_timeout(task):
            nexts[task] = waited[id(waiter)]
            futures[task] = id(waiter)
    cycle = []
    for start in nexts:
        path, current = [], start
        while current in nexts and current not in path:
            path.append(current)
            current = nexts[current]
        if current in path:
            cycle = path[path.index(current):]
            break
    if not cycle:
        _cycle_seen[0] = None
        return None
    key = frozenset((id(task), futures[task]) for task in cycle)
    if _cycle_seen[0] != key:
        _cycle_seen[0], _cycle_seen[1] = key, now
    by_loop = {}
    for task in cycle + _waiting_on(cycle):
        by_loop.setdefault(id(task.get_loop()), []).append(id(task))
    return by_loop, now - _cycle_seen[1]


def _waiting_on(stuck):
    """Tasks that wait, directly or through others (awaiting a task, gather, asyncio.wait), for `stuck` ones:
    stuck too, and reported with them."""
    ids = {id(task) for task in stuck}
    index = _wait_index()
    found = []
    candidates = [task for task in _all_tasks() if id(task) not in ids and not task.done()]
    changed = True
    while changed:
        changed = False
        for task in candidates:
            if id(task) in ids:
                continue
            wait = _describe_wait(task, getattr(task, "_fut_waiter", None), index)
            if wait and wait["kind"] in ("task", "gather", "wait") and any(
                    owner["id"] in ids for owner in wait["owners"]):
                ids.add(id(task))
                found.append(task)
                changed = True
    return found


def check_cancellations(now):
    """Tasks asked to cancel (`cancelling()` > 0: 3.11 counts cancel() calls until uncancel()) that went on: one
    that later ended without being cancelled caught CancelledError and returned; one still running
    CANCEL_IGNORED_S after it was first seen cancelling caught it and carried on, or awaits for long in a
    `finally`/`except` (a shutdown that waits). Called by the tick every 0.5 s: costs nothing per step."""
    for task in _all_tasks():
        try:
            if id(task) not in _cancel_watch and not task.done() and task.cancelling():
                _cancel_watch[id(task)] = [task, now, False]
        except Exception:
            continue
    for key, entry in list(_cancel_watch.items()):
        task, since, reported = entry
        try:
            if task.done():
                del _cancel_watch[key]
                if not reported and not task.cancelled() and task.cancelling():
                    _report_swallowed(task, None)
            elif not reported and now - since >= CANCEL_IGNORED_S and task.cancelling():
                entry[2] = True
                _report_swallowed(task, now - since)
        except Exception:
            _cancel_watch.pop(key, None)


def _report_swallowed(task, still_for):
    frames = _coroutine_frames(task.get_coro()) if not task.done() else []
    handler = _swallowing_handler(task, frames)
    name = _task_name(task)
    at = f" at {handler['file']}:{handler['line']}" if handler else ""
    if still_for is None:
        message = (f"task '{name}' was cancelled, caught CancelledError{at} and returned normally: the cancel "
                   "had no effect (re-raise it, or call uncancel() if that is meant)")
    else:
        where = _site(frames)
        now_at = f", now at {where['file']}:{where['line']}" if where else ""
        message = (f"task '{name}' is still running {still_for:.1f} s after it was cancelled{now_at}: "
                   f"CancelledError caught{at} and not re-raised, or a finally/except that awaits for long")
    _record("cancellation_swallowed", message, task=name, site=handler or _site(frames), stack=frames or None,
            created=task_sites.site_of(task), seconds=round(still_for, 6) if still_for is not None else None)


def _swallowing_handler(task, frames):
    """The `except` clause that can catch CancelledError without re-raising it, in the task's coroutine or a
    coroutine on its stack: read from the source with ast, only for a finding."""
    import ast
    import linecache
    places = []  # (file, a line inside the function)
    coro = task.get_coro()
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    if code is not None:
        places.append((code.co_filename, code.co_firstlineno))
    places += [(frame["file"], frame["line"]) for frame in frames]
    for filename, line in places:
        if filename.startswith(_HERE) or _is_library(filename):
            continue
        try:
            tree = ast.parse("".join(linecache.getlines(filename)))
        except (SyntaxError, ValueError):
            continue
        functions = [node for node in ast.walk(tree) if isinstance(node, (ast.AsyncFunctionDef, ast.FunctionDef))
                     and min([node.lineno] + [d.lineno for d in node.decorator_list]) <= line <= node.end_lineno]
        if not functions:
            continue
        innermost = max(functions, key=lambda node: node.lineno)
        for inner in ast.walk(innermost):
            if isinstance(inner, ast.ExceptHandler) and _catches_cancel(ast, inner) and not any(
                    isinstance(statement, ast.Raise) for statement in ast.walk(inner)):
                return {"file": filename, "line": inner.lineno}
    return None


def _catches_cancel(ast, handler):
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((getattr(name, "attr", None) or getattr(name, "id", None)) in ("CancelledError", "BaseException")
               for name in names)


def _under_timeout(task):
    """asyncio.wait_for waits for this task with a timeout (a _release_waiter done callback), or an
    asyncio.timeout() block will cancel it (a live timer whose callback is its Timeout's)."""
    for entry in list(getattr(task, "_callbacks", None) or ()):
        callback = entry[0] if isinstance(entry, tuple) else entry
        if getattr(getattr(callback, "func", None), "__name__", "") == "_release_waiter":
            return True
    loop = task.get_loop()
    for handle in list(getattr(loop, "_scheduled", ())):
        owner = getattr(getattr(handle, "_callback", None), "__self__", None)
        if getattr(owner, "_task", None) is task and not handle.cancelled():
            return True
    return False


def _completers(waiter):
    """Unfinished tasks whose completion sets `waiter`: asyncio.wait and as_completed add a done-callback to each
    task that closes over the future they wait on."""
    found = []
    for task in _all_tasks():
        try:
            if task.done():
                continue
            callbacks = task._callbacks or ()
        except Exception:
            continue
        for entry in callbacks:
            callback = entry[0] if isinstance(entry, tuple) else entry
            cells = getattr(getattr(callback, "__func__", callback), "__closure__", None) or ()
            if any(_cell_is(cell, waiter) for cell in cells):
                found.append(task)
                break
    return found


def _cell_is(cell, target):
    try:
        return cell.cell_contents is target
    except ValueError:  # an empty cell
        return False


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
        if code.co_name == "wait" and code.co_filename.endswith("threading.py"):
            # Condition.wait (Event.wait, queue.get): blocked unless it has a timeout.
            return frame.f_locals.get("timeout") is None
        if code.co_filename.startswith(_HERE) or code.co_filename == "<string>":
            frame = frame.f_back
            continue
        return False
    return True


class _Sighting:
    """A callback the monitor's tick saw running on a loop thread: `start` is no later than it began (its
    iteration's start, or the last tick that did not see it), `first`/`last` the ticks that saw it."""
    __slots__ = ("handle", "iteration", "start", "first", "last", "stack")

    def __init__(self, handle, iteration, start, now):
        self.handle, self.iteration, self.start, self.first, self.last, self.stack = (
            handle, iteration, start, now, now, None)


def _running_handle(frame):
    """The Handle a loop thread runs now: `handle` in its `_run_once` while `Handle._run` is on the stack."""
    child = None
    while frame is not None:
        code = frame.f_code
        if code.co_name == "_run_once" and code.co_filename.endswith("base_events.py"):
            if child is not None and child.f_code.co_name == "_run" and child.f_code.co_filename.endswith("events.py"):
                return frame.f_locals.get("handle")
            return None
        child = frame
        frame = frame.f_back
    return None


def sample_loops(now, frames):
    """The tick's look at every loop thread: which callback runs, since when at the earliest; a callback seen
    running for at least SAMPLE_AFTER_S gets its stack sampled (the blocking line), and is reported as slow once
    it ends (_finish_sighting). Costs the loop nothing between ticks."""
    for key, (loop, ident) in list(_loop_threads.items()):
        frame = frames.get(ident)
        # When the loop's current iteration began running callbacks (stamped once per iteration).
        iteration = getattr(loop, "_pyi_ready_since", None)
        if _stamps.get(key) != iteration:
            _stamps[key] = iteration
            _progress[0] += 1
        seen = _callbacks.get(ident)
        handle = _running_handle(frame) if frame is not None else None
        if seen is not None and (handle is not seen.handle or iteration != seen.iteration):
            # It ended before this tick; if a new iteration began meanwhile, before that began.
            _finish_sighting(ident, now if iteration == seen.iteration or iteration is None else min(now, iteration))
            seen = None
        if handle is not None:
            if seen is None:
                seen = _callbacks[ident] = _Sighting(handle, iteration, max(iteration or 0.0, _last_look.get(ident, 0.0)), now)
            seen.last = now
            if now - seen.start >= SAMPLE_AFTER_S:
                seen.stack = _frame_list(frame)
        _last_look[ident] = now


def _finish_sighting(ident, end):
    seen = _callbacks.pop(ident, None)
    # Seen by two ticks (so it ran that long at least) and, at most, as long as a slow callback.
    if seen is not None and seen.last - seen.first >= SEEN_FOR_S and end - seen.start >= SLOW_CALLBACK_S:
        _report_slow(seen.handle, end - seen.start, seen.stack, thread=ident)


def report_ongoing(now, frames):
    """The target is being stopped: a callback still running that long is reported (its stack now)."""
    sample_loops(now, frames)
    for ident, seen in list(_callbacks.items()):
        if now - seen.start >= SLOW_CALLBACK_S and ident in frames:
            _callbacks.pop(ident, None)
            _report_slow(seen.handle, now - seen.start, _frame_list(frames[ident]), thread=ident, ongoing=True)


def _report_slow(handle, duration, sampled, thread=None, ongoing=False):
    """One callback held its loop `duration` s; `sampled`: the loop thread's stack the monitor took meanwhile.
    `ongoing`: it still runs (the target is being stopped), `thread` is then the loop thread's ident."""
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
    verb = "has been blocking the event loop for" if ongoing else "blocked the event loop for"
    _record("slow_callback", f"{who} {verb} {duration:.3f} s{where}",
            task=_task_name(task) if task is not None else None,
            thread=_thread_name(thread if thread is not None else _get_ident()),
            site=site, seconds=round(duration, 6), stack=frames or None, sampled=bool(sampled))



def _from_exception_handler(context):
    message = context.get("message", "")
    task = context.get("task") or context.get("future")
    name = _task_name(task) if task is not None and hasattr(task, "get_name") else None
    if "never retrieved" in message:
        if task is not None and id(task) in _reported_unretrieved:
            return
        _report_unretrieved(task, name, context.get("exception"))
    elif "destroyed but it is pending" in message and task is not None:
        if id(task) in _reported_pending:
            return
        _reported_pending.add(id(task))
        frames = _coroutine_frames(task.get_coro()) if hasattr(task, "get_coro") else []
        created = task_sites.site_of(task)
        where = f" (created at {created['file']}:{created['line']})" if created else ""
        _record("pending_task", f"task '{name}' was destroyed while pending{where}", task=name,
                site=created or _site(frames), stack=frames or None, created=created, when="destroyed")


def _report_unretrieved(task, name, exception):
    if task is not None:
        _reported_unretrieved.add(id(task))
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
            created=task_sites.site_of(task) if task is not None else None,
            exception={"type": type(exception).__qualname__, "module": type(exception).__module__,
                       "message": str(exception)[:2000]} if exception is not None else None)


def _report_pending(loop, why):
    index = None
    for task in _all_tasks():
        try:
            if task.get_loop() is not loop or task.done() or id(task) in _reported_pending:
                continue
        except Exception:
            continue
        if why.startswith("asyncio.run") and task is _asyncio.tasks.current_task(loop):
            continue
        _reported_pending.add(id(task))
        if index is None:
            index = _wait_index()
        row = _task_row(task, index)
        created = row.get("created")
        where = f" (created at {created['file']}:{created['line']})" if created else ""
        waits = f", waiting at {row['site']['file']}:{row['site']['line']}" if row.get("site") else ""
        _record("pending_task", f"task '{row['name']}' was still pending when {why}{where}{waits}",
                task=row["name"], site=created or row.get("site"), stack=row["frames"] or None,
                created=created, when=why)


def at_exit():
    """Tasks still pending when the interpreter exits, and finished ones still alive (a global keeps them) whose
    exception nobody retrieved: the loop would log that only at garbage collection, possibly never."""
    if _asyncio is None:
        return
    for ident in list(_callbacks):
        _finish_sighting(ident, _monotonic())
    check_cancellations(_monotonic())
    seen = set()
    for task in _all_tasks():
        try:
            loop = task.get_loop()
            # _log_traceback: set while an exception is unretrieved; reading _exception does not retrieve it.
            if task.done() and not task.cancelled() and getattr(task, "_log_traceback", False):
                if id(task) not in _reported_unretrieved:
                    _report_unretrieved(task, _task_name(task), getattr(task, "_exception", None))
        except Exception:
            continue
        if id(loop) not in seen:
            seen.add(id(loop))
            _report_pending(loop, "the program exited")
    task_sites.write()


