"""Profile (issue 15): tell the sampling profiler which asyncio task owns which coroutine.

The sampler finds a task's coroutine frame in a thread's stack without the GIL, but a coroutine does not know
its task: each task created through the loop is registered here, once, with its name and its coroutine's
qualified name (copied in C: nothing of Python is touched by the sampler).
"""
from . import import_hooks


def install(_argument=""):
    import_hooks.after_import("asyncio", _patch)
    return "ok"


def _patch(asyncio):
    import _pyinspect_native
    base_events = asyncio.base_events
    original_create_task = base_events.BaseEventLoop.create_task
    register = _pyinspect_native.profile_task

    def remember(task, coro):
        code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
        if code is not None:
            try:
                register(coro, code, task.get_name(), getattr(coro, "__qualname__", code.co_name))
            except Exception:
                pass

    def create_task(self, coro, *args, **kwargs):
        task = original_create_task(self, coro, *args, **kwargs)
        remember(task, coro)
        return task

    create_task.__qualname__ = original_create_task.__qualname__
    base_events.BaseEventLoop.create_task = create_task

    # asyncio.create_task(coro, name=...) names the task after the loop made it: register it again by name.
    tasks = asyncio.tasks
    original_set_name = getattr(tasks, "_set_task_name", None)
    if original_set_name is not None:
        def _set_task_name(task, name):
            original_set_name(task, name)
            if name is not None:
                try:
                    remember(task, task.get_coro())
                except Exception:
                    pass

        tasks._set_task_name = _set_task_name
