"""Checkpoints, diffs' reference chains and dumps of a running target, asked for over the control socket.

Called by the host's control worker (Sources/PyInspectCore/Service/ControlServer.swift), with the GIL, only when
a client asks: nothing here runs or is imported otherwise. Takes and returns JSON text; never evaluates what a
client sent (the host passes only a checked name and checkpoint numbers). The diff itself is computed in Swift
(CheckpointDiff) from the records returned here.
"""
import gc
import os
import sys
import time
from bisect import bisect_left

from . import capture, fastjson

# Checkpoints kept in the target: the oldest are dropped beyond this (the first is kept as the run's baseline).
MAX_CHECKPOINTS = 32
# The object ids of a census are kept (sorted, 8 bytes an object) for this many most recent checkpoints only:
# they tell an object born since a checkpoint, for the reference chains of a diff.
IDS_KEPT = 3
# Objects of a type and shape tried for a diff's reference chain (each costs a breadth-first search of referrers).
CHAIN_CANDIDATES = 3
# Allocation sites kept per checkpoint (by live bytes) and frames per site's traceback.
MAX_SITES = 400
MAX_FRAMES = 12
# One sample per this many bytes on average when a checkpoint turns the sampler on (--allocations' default is
# 256 KiB: too coarse to see a few hundred requests' worth of growth).
SAMPLE_BYTES = 8192

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# Kept checkpoints, oldest first: {"index", "name", "record": the full record (census, sites) as JSON text,
# "series": its summary figures as JSON text}. As text, each record is one object that a census leaves out
# cheaply, where thousands of nested dicts and strings had to be found and excluded one by one.
_checkpoints = []
_ids = {}  # checkpoint index -> memoryview of 'Q': the census's sorted object ids
_next_index = [1]
_sampler = {"started_by_checkpoint": False}


def _rss_bytes():
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _memory():
    from . import leaks
    memory = {"python_blocks": sys.getallocatedblocks(), "rss_bytes": _rss_bytes(),
              "c_heap_bytes": leaks._native_bytes()}
    tracemalloc = sys.modules.get("tracemalloc")
    if tracemalloc is not None and tracemalloc.is_tracing():
        memory["python_traced_bytes"] = tracemalloc.get_traced_memory()[0]
    return memory


def _gc():
    return {"counts": list(gc.get_count()),
            "collections": [generation.get("collections", 0) for generation in gc.get_stats()],
            "collected": sum(generation.get("collected", 0) for generation in gc.get_stats())}


def _is_library(filename):
    from . import allocations
    return allocations._is_library(filename)


def _sites(sampled):
    """Live sampled bytes per allocation site: the innermost frame of the target's own code (not the standard
    library, installed packages or pyinspect), with the stack that led there."""
    if sampled is None:
        return []
    frames = sampled["frames"]
    nodes = sampled["nodes"]
    by_site = {}
    for stack in sampled["stacks"]:
        chain = []  # innermost first
        node = stack["node"]
        while node is not None and node >= 0 and len(chain) < 64:
            frame_number, parent = nodes[node]
            chain.append(frames[frame_number])
            node = parent
        chain = [frame for frame in chain if not frame[0].startswith(_PACKAGE_DIR)]
        user = next((frame for frame in chain if not _is_library(frame[0])), None)
        if user is None:
            continue
        key = (user[0], user[1])
        site = by_site.get(key)
        if site is None:
            site = by_site[key] = {"file": user[0], "line": user[1], "function": user[2], "live_bytes": 0.0,
                                   "allocations": 0.0,
                                   "traceback": [{"file": f, "line": l, "function": n} for f, l, n in
                                                 chain[:MAX_FRAMES]]}
        site["live_bytes"] += stack["live"]
        site["allocations"] += stack["allocations"]
    # Sites whose samples were all freed are kept too (a diff sees them shrink), after those with bytes alive.
    ranked = sorted(by_site.values(), key=lambda site: -site["live_bytes"])
    for site in ranked:
        site["live_bytes"] = int(site["live_bytes"])
        site["allocations"] = int(site["allocations"])
    return ranked[:MAX_SITES]


def _own_containers():
    """Every container of the kept records: left out of a census, so a checkpoint does not count its
    predecessors' records as the target's growth. pyinspect's record of each thread the target started too: a
    server that starts a thread per request grows it, and a diff blamed it for the target's dicts."""
    threads = sys.modules.get("_pyinspect.threads")
    thread_records = getattr(threads, "_records", None)
    thread_records = list(thread_records) if isinstance(thread_records, list) else []
    own = [_checkpoints, _ids, _next_index, _sampler, *_checkpoints, *_ids.values()]
    if thread_records:
        own += [threads._records, *thread_records]
    return own


def _target_gil(gil):
    """The GIL figures the host read from its tracer, for the target's own threads only."""
    if not isinstance(gil, dict):
        return None
    threading = sys.modules.get("threading")
    if threading is not None:
        own = {thread.native_id for thread in threading.enumerate() if not thread.name.startswith("pyinspect-")}
        gil["threads"] = [row for row in gil.get("threads", []) if row.get("native_id") in own]
    return gil


def _own_footprint():
    """(blocks, bytes) pyinspect's own kept checkpoints hold: a few Python blocks per checkpoint, its JSON texts
    and its id array (malloc'd, resident). Taken out of the memory a checkpoint reports, so that checkpoints do
    not look like the target's growth."""
    blocks = 4 + 6 * len(_checkpoints) + 2 * len(_ids)
    text_bytes = sum(len(kept["record"]) + len(kept["series"]) for kept in _checkpoints)
    array_bytes = sum(ids.nbytes for ids in _ids.values())
    return blocks, text_bytes + array_bytes


def _census(native):
    """({type name: count}, sorted ids, (seconds the target was paused, CPU seconds used meanwhile)): the C census
    (census_walk.c) holds the GIL only to read the heap; elsewhere (a plain python3) the leak hunter's census."""
    types, ids, pause = _census_of_all(native)
    # pyinspect's own types (the lock instrument's wrapper around each of the target's locks) are not the
    # target's: the lock it wraps is counted, as `_thread.lock`.
    return {name: count for name, count in types.items() if not name.startswith("_pyinspect.")}, ids, pause


def _census_of_all(native):
    from . import leaks
    own = tuple(_own_containers())
    if native is not None and hasattr(native, "census"):
        counts, id_bytes, paused, paused_cpu = native.census(own)
        types = {}
        for kind, count in counts.items():
            module = getattr(kind, "__module__", "builtins")  # named as leaks._census names them
            name = kind.__qualname__ if module in ("builtins", None) else f"{module}.{kind.__qualname__}"
            types[name] = types.get(name, 0) + count
        return types, memoryview(id_bytes).cast("Q"), (paused, paused_cpu)
    began, began_cpu = time.monotonic(), time.thread_time()
    ids = set()
    types = leaks._census(*own, ids=ids)
    from array import array
    sorted_ids = memoryview(array("Q", sorted(ids)))
    return types, sorted_ids, (time.monotonic() - began, time.thread_time() - began_cpu)


def _import_before_the_census():
    """What a checkpoint imports after its census (the allocation sites' module), imported before it, with its
    bytecode cached as helper_call.c caches the helpers it imports. Imported after, a first checkpoint's import
    was the second's growth: the module, its functions, and, compiled from source at every run (the target's
    dont_write_bytecode), the 119 AST types and 132 dicts a first `compile` creates."""
    if "_pyinspect.allocations" in sys.modules:
        return
    saved = sys.dont_write_bytecode
    sys.dont_write_bytecode = False
    try:
        from . import allocations  # noqa: F401
    finally:
        sys.dont_write_bytecode = saved


def _take(name, keep, gil=None):
    """A checkpoint's full record and its ids. The target is paused only while the census reads the heap (C,
    GIL held); the rest is Python, which gives the GIL to the target's threads every switch interval."""
    from . import leaks
    _import_before_the_census()
    native = sys.modules.get("_pyinspect_native")
    started = False
    if native is not None and not _sampler["started_by_checkpoint"]:
        started = bool(native.allocations_start(SAMPLE_BYTES))
        _sampler["started_by_checkpoint"] = started or _sampler["started_by_checkpoint"]
    memory = _memory()  # first: its first call imports ctypes (mallinfo2), which the census must not see as growth
    own_blocks, own_bytes = _own_footprint()
    memory["python_blocks"] -= own_blocks
    memory["c_heap_bytes"] = max(0, memory["c_heap_bytes"] - own_bytes)
    memory["rss_bytes"] = max(0, memory["rss_bytes"] - own_bytes)
    memory["pyinspect_bytes"] = own_bytes
    types, id_array, paused = _census(native)
    sampled = native.allocations_snapshot() if native is not None else None
    record = {"index": _next_index[0] if keep else 0, "name": name, "time_s": round(time.monotonic()
              - capture._start_monotonic, 6), "wall_time": time.time(), "memory": memory,
              "fds": leaks._fd_count(), "threads": leaks._thread_count(), "tasks": len(leaks._pending_tasks()),
              "gc": _gc(), "objects": sum(types.values()), "types": types, "sites": _sites(sampled),
              "sampler_started": started,
              "sample_bytes": sampled["sample_bytes"] if sampled else None}
    if gil is not None:
        record["gil"] = gil
    record["pause_s"] = round(paused[0], 6)
    record["pause_cpu_s"] = round(paused[1], 6)
    summary = {key: value for key, value in record.items() if key not in ("types", "sites")}
    summary["top_sites"] = [{key: site[key] for key in ("file", "line", "function", "live_bytes")}
                            for site in record["sites"][:5] if site["live_bytes"] > 0]
    if keep:
        _next_index[0] += 1
        _checkpoints.append({"index": record["index"], "name": name, "record": fastjson.dumps(record),
                             "series": fastjson.dumps({key: record[key] for key in SERIES_KEYS})})
        _ids[record["index"]] = id_array
        for old in sorted(_ids)[:-IDS_KEPT]:
            del _ids[old]
        if len(_checkpoints) > MAX_CHECKPOINTS:
            del _checkpoints[1]  # the first stays: the run's baseline
        capture.write(dict({"record": "checkpoint"}, **summary))
    return record, summary


SERIES_KEYS = ("index", "name", "time_s", "memory", "fds", "threads", "tasks", "objects")


def checkpoint(argument):
    """{"name": str|None} -> the new checkpoint's summary (its census and sites stay here, for diffs)."""
    options = fastjson.loads(argument) if argument else {}
    name = options.get("name")
    if not isinstance(name, str) or not name:
        name = f"checkpoint-{_next_index[0]}"
    _, summary = _take(name[:200], keep=True, gil=_target_gil(options.get("gil")))
    return fastjson.dumps(summary)


def _find(reference):
    if reference is None:
        return None
    if isinstance(reference, str) and reference.isdigit():
        reference = int(reference)
    for record in _checkpoints:
        if record["index"] == reference or record["name"] == reference:
            return record
    return None


def pair(argument):
    """{"from": name|index|None, "to": name|index|None} -> {"from", "to", "series", "to_is_now"}: the two
    records a diff compares (default: the last two checkpoints, or the last one and now), and the summary figures
    of every checkpoint kept (the verdict's series)."""
    options = fastjson.loads(argument) if argument else {}
    wanted_from, wanted_to = options.get("from"), options.get("to")
    if wanted_from is not None:
        first = _find(wanted_from)
        if first is None:
            return fastjson.dumps({"error": f"no checkpoint {wanted_from!r}"})
    elif len(_checkpoints) >= 2 and wanted_to is None:
        first = _checkpoints[-2]
    elif _checkpoints:
        first = _checkpoints[-1]
    else:
        return fastjson.dumps({"error": "no checkpoint taken yet (pyinspect checkpoint TARGET)"})
    now = False
    if wanted_to is not None:
        second = _find(wanted_to)
        if second is None:
            return fastjson.dumps({"error": f"no checkpoint {wanted_to!r}"})
        second = second["record"]
    elif wanted_from is None and len(_checkpoints) >= 2:
        second = _checkpoints[-1]["record"]
    else:
        record, _ = _take("now", keep=False)
        second = fastjson.dumps(record)
        now = True
    # The kept records are JSON text already: the reply is put together around them.
    series = ",".join(kept["series"] for kept in _checkpoints)
    return ('{"from":' + first["record"] + ',"to":' + second + ',"to_is_now":' + ("true" if now else "false")
            + ',"series":[' + series + "]}")


def _born_between(ids_from, ids_to, obj):
    key = id(obj)
    position = bisect_left(ids_from, key)
    if position < len(ids_from) and ids_from[position] == key:
        return False
    if ids_to is None:
        return True
    position = bisect_left(ids_to, key)
    return position < len(ids_to) and ids_to[position] == key


def _shape(obj):
    """What tells apart objects of one type that different code made: a dict's keys, else nothing."""
    if type(obj) is dict:
        return tuple(sorted(key for key in obj if isinstance(key, str))[:8])
    return None


def _chain_candidates(ids_from, ids_to, wanted):
    """type name -> objects of that type born between the two checkpoints to try for a chain: a few of each
    shape (a dict's keys), the commonest shape first. The newest object of a type is often not what grew: the
    bookkeeping of a lock a connection made, where two hundred requests' records share one shape."""
    from . import leaks
    by_type = {}  # name -> {shape: [count, examples]}
    names = {}
    samples = [by_type]
    heap = leaks._heap(tuple(_own_containers()) + (samples, names))
    for obj in reversed(heap):  # the newest objects last in gc's lists: examples newest first
        kind = type(obj)
        name = names.get(kind)
        if name is None:
            name = names[kind] = leaks._type_name(obj)
        if name not in wanted or not _born_between(ids_from, ids_to, obj):
            continue
        shapes = by_type.setdefault(name, {})
        entry = shapes.get(_shape(obj))
        if entry is None:
            entry = shapes[_shape(obj)] = [0, []]
        entry[0] += 1
        if len(entry[1]) < CHAIN_CANDIDATES:
            entry[1].append(obj)
    del heap
    result = {}
    for name, shapes in by_type.items():
        ranked = sorted(shapes.values(), key=lambda entry: -entry[0])
        result[name] = [obj for _, examples in ranked[:2] for obj in examples][:CHAIN_CANDIDATES * 2]
    by_type.clear()
    names.clear()
    return result


def _first_chained(candidates):
    """(chain, sample) for the first candidate a root reaches, else (None, the first candidate)."""
    from . import leaks
    for obj in candidates:
        chain = leaks._chain(obj)
        if chain and not _is_own_chain(chain):
            return chain, obj
    return None, candidates[0]


def _is_own_chain(chain):
    """A chain from one of pyinspect's own modules (a module a checkpoint imported, its functions and code):
    pyinspect's objects, not the target's growth."""
    root = chain[0].get("repr", "") if chain else ""
    return root.startswith("module _pyinspect")


def chains(argument):
    """{"from": index, "to": index|0 (now), "types": [names]} -> {type: {"chain": [...], "sample": repr}} for
    a sample object of each type born after checkpoint `from` (and alive at `to`): the reference chain from a
    root, as `pyinspect leaks` gives it. The newest objects of a type are often garbage awaiting the collector
    (a server's request cycles: no root reaches them); when none of a type's candidates has a chain, one
    collection runs and the search is made again for those types."""
    from . import leaks
    options = fastjson.loads(argument)
    ids_from = _ids.get(options.get("from"))
    if ids_from is None:
        return fastjson.dumps({"error": "the object ids of that checkpoint are no longer kept"})
    ids_to = _ids.get(options.get("to")) if options.get("to") else None
    wanted = set(name for name in options.get("types", []) if isinstance(name, str))
    result = {}
    unchained = set()
    for attempt in (1, 2):
        samples = _chain_candidates(ids_from, ids_to, wanted)
        for name, candidates in samples.items():
            chain, obj = _first_chained(candidates)
            if chain or name not in result:
                result[name] = {"chain": chain or [], "sample": leaks._short_repr(obj)}
            if not chain:
                unchained.add(name)
            else:
                unchained.discard(name)
        samples.clear()
        if attempt == 2 or not unchained:
            break
        wanted = set(unchained)
        gc.collect()
    return fastjson.dumps(result)


def _tasks():
    """The hang instruments' task rows (what each waits for) when they patched asyncio; else the pending tasks
    with their coroutine stacks."""
    from . import hang_asyncio
    if hang_asyncio._asyncio is not None:
        return [hang_asyncio._task_row(task) for task in hang_asyncio._all_tasks() if not task.done()]
    from . import leaks
    from .hang_frames import _coroutine_frames
    rows = []
    for task in leaks._pending_tasks():
        frames = _coroutine_frames(task.get_coro())
        waiter = getattr(task, "_fut_waiter", None)
        row = {"id": id(task), "name": task.get_name(), "done": False, "frames": frames}
        if waiter is not None:
            row["waits"] = {"kind": "future", "object": type(waiter).__name__, "object_id": id(waiter),
                            "owners": []}
        rows.append(row)
    return rows


def dump(argument):
    """Every thread's Python stack and every pending asyncio task, with what each waits for."""
    from . import stacks
    threads = stacks.all_threads()
    tasks = []
    if "asyncio" in sys.modules:
        try:
            tasks = _tasks()
        except Exception as error:  # a dump must answer: say what failed instead
            tasks = [{"name": "<tasks unavailable>", "error": repr(error)[:300]}]
    return fastjson.dumps({"threads": threads, "tasks": tasks, "time_s": round(time.monotonic()
                           - capture._start_monotonic, 6)})


def _thread_rows():
    """The target's threads (pyinspect's own left out): name, native id, and the line each runs now."""
    threading = sys.modules.get("threading")
    frames = sys._current_frames()
    rows = []
    if threading is None:
        return _threads_without_threading(frames)
    for thread in threading.enumerate():
        if thread.name.startswith("pyinspect-"):
            continue
        row = {"name": thread.name, "native_id": thread.native_id, "daemon": thread.daemon}
        frame = frames.get(thread.ident)
        while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            frame = frame.f_back  # pyinspect's own frames (the control worker's call) are not the target's
        if frame is not None:
            row["function"] = frame.f_code.co_name
            row["file"] = frame.f_code.co_filename
            row["line"] = frame.f_lineno
        rows.append(row)
    return rows


def _threads_without_threading(frames):
    """A program that never imported threading: its main thread (and any started through _thread, unnamed)."""
    import _thread
    me = _thread.get_ident()
    rows = []
    for ident, frame in frames.items():
        while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            frame = frame.f_back
        if ident == me or frame is None:
            continue  # this worker, and pyinspect's other threads (no frame of the target)
        rows.append({"name": "thread-%d" % ident, "function": frame.f_code.co_name,
                     "file": frame.f_code.co_filename, "line": frame.f_lineno})
    if len(rows) == 1:  # the main thread: on Linux its native id is the pid
        rows[0].update(name="MainThread", native_id=os.getpid())
    return rows


def stats(argument):
    """`pyinspect top`: counters only, no census (a fraction of a millisecond of the target's time):
    memory, gc, threads with the line each runs, asyncio tasks, fds, the GIL tracer's running totals and the
    profile's samples by function (both read by the host, passed in)."""
    from . import gc_stats, leaks
    options = fastjson.loads(argument) if argument else {}
    memory = {"python_blocks": sys.getallocatedblocks(), "rss_bytes": _rss_bytes(),
              "c_heap_bytes": leaks._native_bytes()}
    collections = [generation.get("collections", 0) for generation in gc.get_stats()]
    reply = {"time_s": round(time.monotonic() - capture._start_monotonic, 6), "pid": os.getpid(),
             "program": str(sys.argv[0])[:300] if sys.argv else "", "memory": memory,
             "gc": {"counts": list(gc.get_count()), "collections": collections,
                    "pause_total_s": gc_stats._state["pause_total_s"] if gc_stats.is_installed() else None},
             "threads": _thread_rows(), "tasks": len(leaks._pending_tasks()), "fds": leaks._fd_count(),
             "checkpoints": len(_checkpoints)}
    gil = _target_gil(options.get("gil"))
    if gil is not None:
        reply["gil"] = gil
    if isinstance(options.get("profile"), dict):  # the running profile's busiest functions (run --profile)
        reply["profile"] = options["profile"]
    return fastjson.dumps(reply)
