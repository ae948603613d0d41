"""The Python side's figures for `run --metrics` (Sources/PyInspectCore/Metrics, docs/services.md).

Called by the host's metrics worker, with the GIL, once per scrape: nothing here runs or is imported without
--metrics. Reads counters CPython and pyinspect already keep (gc.get_stats, gc_stats' pause total, the thread
and task registries): no walk over the heap. pymalloc's byte total is read by the host (C) in the same GIL hold.
"""
import gc
import sys

from . import fastjson, gc_stats

_PACKAGE = __name__.rpartition(".")[0]


def _threads():
    """(count, {native_id: name}) of the target's threads; pyinspect's own (named pyinspect-*) left out."""
    threading = sys.modules.get("threading")
    if threading is None:
        return 1, {}
    names = {}
    count = 0
    for thread in threading.enumerate():
        if thread.name.startswith("pyinspect-"):
            continue
        count += 1
        if thread.native_id is not None:
            names[thread.native_id] = thread.name
    return count, names


def _tasks():
    if "asyncio" not in sys.modules:
        return 0
    all_tasks = getattr(sys.modules.get("asyncio.tasks"), "_all_tasks", None)
    if all_tasks is None:
        return 0
    pending = 0
    for reference in list(all_tasks.data):
        task = reference()
        if task is not None and not task.done():
            pending += 1
    return pending


def figures(argument):
    """-> JSON: gc per generation, gc pause total, threads (with names by native id), pending asyncio tasks,
    allocated blocks, tracemalloc's traced bytes when it traces, checkpoints taken, the interpreter's version."""
    count, names = _threads()
    stats = gc.get_stats()
    result = {
        "gc": [[s.get("collections", 0), s.get("collected", 0), s.get("uncollectable", 0)] for s in stats],
        "gc_pause_s": gc_stats.snapshot()["pause_total_s"] if gc_stats.is_installed() else None,
        "threads": count,
        "thread_names": {str(native_id): name for native_id, name in names.items()},
        "tasks": _tasks(),
        "blocks": sys.getallocatedblocks(),
        "implementation": sys.implementation.name,
        "version": list(sys.version_info[:3]),
    }
    tracemalloc = sys.modules.get("tracemalloc")
    if tracemalloc is not None and tracemalloc.is_tracing():
        result["traced_bytes"] = tracemalloc.get_traced_memory()[0]
    service = sys.modules.get(_PACKAGE + ".service")
    result["checkpoints"] = service._next_index[0] - 1 if service is not None else 0
    return fastjson.dumps(result)
