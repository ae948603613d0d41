"""Thread waits seen from the threads' stacks, for the hang monitor's tick: joins (who joins whom), waits on a
threading Condition/Event or a concurrent.futures.Future without timeout, and the whole process stalled (every
thread blocked for ever, no CPU used by any of them).

Nothing is wrapped: the tick reads the innermost frames of the target's threads (sys._current_frames), so these
waits cost the target nothing.
"""
import os
import time

from .hang_frames import _HERE
from .hang_locks import _thread_waits

STALL_CHECK_THREADS = 64       # more threads than this: no stall check (it reads every thread's CPU clock)
_THREADING = os.sep + "threading.py"
_FUTURES = os.path.join("concurrent", "futures", "_base.py")
_WORKER = os.path.join("concurrent", "futures", "thread.py")
_first_seen = {}               # (thread ident, waited object id) -> monotonic seconds the tick first saw the wait
_stall = [None]                # [since, CPU seconds of the target's threads] while every thread stays blocked


def _user_frame(frame):
    while frame is not None and frame.f_code.co_filename.startswith(_HERE):
        frame = frame.f_back
    return frame


def frame_wait(ident, frame, loop_threads):
    """What the thread waits for, for ever, seen from its innermost frame: (kind, object, owner ident or None),
    or None when it does not wait for ever in one of these. `loop_threads`: {id(loop): (loop, thread ident)}."""
    frame = _user_frame(frame)
    if frame is None:
        return None
    code = frame.f_code
    if not code.co_filename.endswith(_THREADING):
        return None
    if code.co_name == "_wait_for_tstate_lock":
        local = frame.f_locals
        if local.get("timeout", -1) != -1 or not local.get("block", True):
            return None
        thread = local.get("self")
        return ("Thread.join", thread, getattr(thread, "ident", None))
    if code.co_name == "wait" and frame.f_locals.get("timeout") is None:
        caller = frame.f_back
        if caller is not None and caller.f_code.co_name == "result" and caller.f_code.co_filename.endswith(_FUTURES):
            future = caller.f_locals.get("self")
            return ("Future.result", future, _completing_loop_thread(future, loop_threads))
        if caller is not None and caller.f_code.co_name == "wait" and caller.f_code.co_filename.endswith(_THREADING):
            return ("Event.wait", caller.f_locals.get("self"), None)
        return ("Condition.wait", frame.f_locals.get("self"), None)
    return None


def _cells(callback):
    for cell in getattr(getattr(callback, "__func__", callback), "__closure__", None) or ():
        try:
            yield cell.cell_contents
        except ValueError:  # an empty cell
            continue


def _completing_loop_thread(future, loop_threads):
    """The thread of the event loop that will complete `future`, or None. asyncio.run_coroutine_threadsafe
    queues a callback on the loop (its closure holds the future) that chains the future to a task (whose done
    callbacks then close over the loop)."""
    for callback in list(getattr(future, "_done_callbacks", None) or ()):
        for value in _cells(callback):
            if id(value) in loop_threads:
                return loop_threads[id(value)][1]
    for loop, thread in list(loop_threads.values()):
        for handle in list(getattr(loop, "_ready", ())):
            if any(value is future for value in _cells(getattr(handle, "_callback", None))):
                return thread
    return None


def waits(now, frames, loop_threads):
    """ThreadWait rows (hangs.tick) for every wait without timeout seen in a frame (a join, a future a loop
    thread would complete: with the thread that would end it; an Event or Condition: without); `since` is when
    a tick first saw the wait."""
    rows = []
    seen = set()
    for ident, frame in frames.items():
        wait = frame_wait(ident, frame, loop_threads)
        if wait is None:
            continue
        key = (ident, id(wait[1]))
        seen.add(key)
        rows.append({"thread": ident, "lock": id(wait[1]), "owner": wait[2],
                     "since": round(_first_seen.setdefault(key, now), 6), "forever": True})
    for key in [key for key in _first_seen if key not in seen]:
        del _first_seen[key]
    return rows


def _blocked(ident, frame, loop_threads):
    wait = _thread_waits.get(ident)
    if wait is not None:
        return wait[2] is None or wait[2] < 0
    if frame_wait(ident, frame, loop_threads) is not None:
        return True
    frame = _user_frame(frame)
    # An idle ThreadPoolExecutor worker (its SimpleQueue.get is C: no frame of its own).
    return frame is not None and frame.f_code.co_name == "_worker" and frame.f_code.co_filename.endswith(_WORKER)


def stalled_for(now, frames, loop_threads):
    """Seconds every thread of the target has been blocked for ever (a lock, a join, a wait without timeout) and
    none used any CPU; None when some thread can still move. A thread in select (an event loop) is not blocked:
    a socket, a timer or a signal can wake it (the loop's own quiescence test covers it)."""
    if not frames or len(frames) > STALL_CHECK_THREADS or not all(
            _blocked(ident, frame, loop_threads) for ident, frame in frames.items()):
        _stall[0] = None
        return None
    cpu = 0.0
    try:
        for ident in frames:
            cpu += time.clock_gettime(time.pthread_getcpuclockid(ident))
    except (OSError, ValueError):
        _stall[0] = None
        return None
    if _stall[0] is None or _stall[0][1] != cpu:
        _stall[0] = (now, cpu)
        return 0.0
    return now - _stall[0][0]
