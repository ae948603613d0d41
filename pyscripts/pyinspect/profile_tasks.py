"""Profile (issue 15): tell the sampling profiler which asyncio task owns which coroutine.

The sampler finds a task's coroutine frame in a thread's stack without the GIL, but a coroutine does not know
its task: each task is registered here, once, with its name and its coroutine's qualified name (copied in C:
nothing of Python is touched by the sampler).

Every task, however it was made (`asyncio.Task(coro)`, `loop.create_task`, `asyncio.ensure_future`, a
TaskGroup, `asyncio.create_task`, a loop's task factory, the pure-Python Task), registers itself in
`asyncio.tasks._all_tasks` from its `__init__`, its name already set, by calling that WeakSet's `add`: the set
is given a subclass whose `add` also tells the sampler. Patching `create_task` missed `asyncio.Task(coro)`.
"""
from . import import_hooks


def install(_argument=""):
    import_hooks.after_import("asyncio", _patch)
    return "ok"


def _patch(asyncio):
    import _pyinspect_native
    register = _pyinspect_native.profile_task

    def remember(task):
        try:
            coro = task.get_coro()
            code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
            if code is not None:
                register(coro, code, task.get_name(), getattr(coro, "__qualname__", code.co_name))
        except Exception:
            pass

    tasks = asyncio.tasks
    all_tasks = getattr(tasks, "_all_tasks", None)
    if all_tasks is not None and type(all_tasks).__dict__.get("add") is not None:
        base = type(all_tasks)

        class WeakSet(base):
            __slots__ = ()

            def add(self, item):
                base.add(self, item)
                remember(item)

        WeakSet.__module__ = base.__module__
        WeakSet.__qualname__ = base.__qualname__
        try:
            all_tasks.__class__ = WeakSet
        except TypeError:
            pass

    # asyncio.create_task(coro, name=...) and TaskGroup.create_task name the task after the loop made it (and
    # registered it as Task-N): register it again by name.
    original_set_name = getattr(tasks, "_set_task_name", None)
    if original_set_name is not None:
        def _set_task_name(task, name):
            original_set_name(task, name)
            if name is not None:
                remember(task)

        tasks._set_task_name = _set_task_name
