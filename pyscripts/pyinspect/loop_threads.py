"""`loop_called_from_thread` (issue 18): a running loop's non-thread-safe methods called from another thread.

The patched `call_soon`, `call_at` (so `call_later`) and `create_task` compare the calling thread with the loop's
`_thread_id` (set only while it runs: setting a loop up from the main thread before it runs is fine). A future's
`set_result`/`set_exception` and a task's `cancel` are C methods that cannot be patched; done from a thread they
schedule the waiting task's wake-up with `call_soon` from that thread, so they are caught there, and the source
line names which one it was. Nothing is raised into the target (unlike debug mode's RuntimeError): one record
per thread, line and method.
"""
import linecache
import sys

from .hang_frames import _caller_site, _frame_list, _record, _thread_name

_seen = set()   # (thread ident, file, line, method) already reported

# Names looked for on the calling line, most specific first: what the thread actually called.
_METHODS = (
    ("set_exception", "Future.set_exception", "loop.call_soon_threadsafe(fut.set_exception, exc)"),
    ("set_result", "Future.set_result", "loop.call_soon_threadsafe(fut.set_result, value)"),
    ("cancel", "Task.cancel", "loop.call_soon_threadsafe(task.cancel)"),
    ("create_task", "loop.create_task", "asyncio.run_coroutine_threadsafe(coro, loop)"),
    ("ensure_future", "asyncio.ensure_future", "asyncio.run_coroutine_threadsafe(coro, loop)"),
    ("call_later", "loop.call_later", "loop.call_soon_threadsafe(loop.call_later, delay, callback)"),
    ("call_at", "loop.call_at", "loop.call_soon_threadsafe(loop.call_at, when, callback)"),
    ("call_soon", "loop.call_soon", "loop.call_soon_threadsafe(callback, *args)"),
)
_FALLBACK = {"call_soon": 7, "call_at": 6, "create_task": 3}


def wrong_thread(loop, called, ident):
    """`called` (call_soon, call_at, create_task) ran on thread `ident`, not the loop's: record it once."""
    try:
        _report(loop, called, ident)
    except Exception:  # never into the target
        pass


def _report(loop, called, ident):
    site = _caller_site(3)
    if site is None:
        return
    line = linecache.getline(site["file"], site["line"])
    method = next((entry for entry in _METHODS if entry[0] + "(" in line), _METHODS[_FALLBACK[called]])
    key = (ident, site["file"], site["line"], method[0])
    if key in _seen:
        return
    _seen.add(key)
    name = _thread_name(ident)
    loop_thread = _thread_name(loop._thread_id)
    frames = _frame_list(sys._getframe(2))
    _record("loop_called_from_thread",
            f"thread '{name}' called {method[1]} at {site['file']}:{site['line']} on the event loop of thread "
            f"'{loop_thread}': asyncio's loops and futures are not thread-safe (the loop may not wake up, or its "
            f"state may be corrupted); use {method[2]}",
            thread=name, site=site, stack=frames or None, fix=method[2])
