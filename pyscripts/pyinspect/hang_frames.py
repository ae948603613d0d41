"""Frames, source sites and hang records for the hang instruments (hangs.py, hang_locks.py, hang_asyncio.py)."""
import os
import sys

from . import capture, threads

_HERE = os.path.dirname(os.path.abspath(__file__))
_STDLIB = tuple({os.path.dirname(os.__file__) + os.sep, os.path.realpath(os.path.dirname(os.__file__)) + os.sep})


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


# One site dict per creation line, shared by every lock or primitive created there: a dict per object would be
# a dict per request's lock in a service's checkpoint census (waitress: 60-80 dicts in a diff, none the target's).
# Never mutated by their readers. Bounded: past _SITES_KEPT lines, a site is made per call again.
_sites = {}
_SITES_KEPT = 10000


def _caller_site(depth=2):
    try:
        frame = sys._getframe(depth)
    except ValueError:
        return None
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_HERE) and not _is_library(filename):
            key = (filename, frame.f_lineno or 0)
            site = _sites.get(key)
            if site is None:
                site = {"file": key[0], "line": key[1]}
                if len(_sites) < _SITES_KEPT:
                    _sites[key] = site
            return site
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


_monitor_started = [False]


def need_monitor():
    """The target has something to watch (a second thread, a running loop, a child process, a contended lock):
    start the host's hang monitor thread if it is not running yet (HangMonitor.arm). Cheap after the first call."""
    if _monitor_started[0]:
        return
    _monitor_started[0] = True
    try:
        import _pyinspect_native
        _pyinspect_native.call("start_hang_monitor", "")
    except Exception:  # not under the host (a child interpreter without it): nothing to start
        pass


def _record(kind, message, **fields):
    record = {"record": "hang", "kind": kind, "message": message,
              "at_s": round(capture.seconds_since_start(), 6)}
    record.update({key: value for key, value in fields.items() if value is not None})
    capture.write(record)

