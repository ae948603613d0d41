"""`pyinspect leaks`: calls the target function repeatedly and measures what it leaves behind.

The Swift host drives the protocol one call at a time (`step`) and keeps the per-call series itself, so nothing
here grows from call to call: the inspector's own allocations stay out of the measurements. When the host's
verdict says a signal grows, `attribute` runs a few more calls with tracemalloc on and walks references.
"""
import gc
import os
import sys
import time

from . import fastjson

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_STDLIB_DIRS = tuple(sorted({os.path.dirname(os.__file__), sys.base_prefix + "/lib", sys.prefix + "/lib",
                             "/usr/lib/python3", "<frozen"}))
_state = {"function": None, "loop": None, "file": None, "mallinfo": None}


# ---------------------------------------------------------------------------------------------- loading


def load(argument):
    """Imports the target. Returns {"ok": true} or {"ok": false, "problem": ..., "message": ...}."""
    spec = fastjson.loads(argument)
    kind, value, name = spec["kind"], spec["value"], spec["function"]
    from . import query_hooks
    query_hooks.install(leaks=True)  # database connections kept open: the `connections` signal (issue 16)
    try:
        if kind == "file":
            path = os.path.abspath(value)
            if not os.path.isfile(path):
                return _problem("not_found", f"can't open file '{value}': No such file or directory")
            # As python3 does for a script: sys.path[0] is the script's directory.
            sys.path.insert(0, os.path.dirname(path))
            import importlib.util
            module_name = os.path.splitext(os.path.basename(path))[0]
            module_spec = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[module_name] = module
            module_spec.loader.exec_module(module)
            _state["file"] = path
        else:
            # As python3 -m does: sys.path[0] is the current directory.
            sys.path.insert(0, os.getcwd())
            import importlib
            module = importlib.import_module(value)
            _state["file"] = getattr(module, "__file__", None)
    except SyntaxError as error:
        return _problem("syntax_error", f"{error.filename}:{error.lineno}: SyntaxError: {error.msg}")
    except ModuleNotFoundError as error:
        if kind == "module" and error.name and value.startswith(error.name):
            return _problem("not_found", f"No module named '{error.name}'")
        return _raised_problem(error)
    except BaseException as error:  # the module raised at import: the target raised
        return _raised_problem(error)
    function = module
    for part in name.split("."):
        function = getattr(function, part, None)
        if function is None:
            return _problem("not_found", f"{value} has no function '{name}'")
    if not callable(function):
        return _problem("not_found", f"{value}:{name} is not callable")
    from .call_shape import mismatch
    wrong = mismatch(function, (), "leaks calls {name}() with no arguments",
                     "wrap it in a function that takes none, e.g. def call(): {name}(...)")
    if wrong:
        return _problem("usage", wrong)
    _state["function"] = function
    _native_bytes()  # loads ctypes now, not during the measured calls
    return fastjson.dumps({"ok": True, "python": {
        "version": sys.version.split()[0], "implementation": sys.implementation.name,
        "executable": sys.executable, "prefix": sys.prefix, "base_prefix": sys.base_prefix,
        "virtualenv": sys.prefix != sys.base_prefix}})


def _problem(problem, message):
    return fastjson.dumps({"ok": False, "problem": problem, "message": message})


def _raised_problem(error):
    return fastjson.dumps({"ok": False, "problem": "raised", "message": f"{type(error).__name__}: {error}",
                           "exception": _exception_info(error)})


def _exception_info(error):
    import traceback
    frames = [{"file": f.filename, "line": f.lineno or 0, "function": f.name, "code": f.line or None}
              for f in traceback.extract_tb(error.__traceback__)
              if not f.filename.startswith(_PACKAGE_DIR)]
    frames.reverse()
    return {"type": type(error).__qualname__, "module": type(error).__module__,
            "message": str(error), "stack": frames[:100]}


# ---------------------------------------------------------------------------------------------- calls


def _call_target():
    result = _state["function"]()
    if hasattr(result, "__await__") and hasattr(result, "send"):
        # A coroutine: run it on one event loop kept for the whole hunt, so tasks it leaves pending stay
        # pending (asyncio.run would cancel them).
        import asyncio
        loop = _state["loop"]
        if loop is None:
            loop = _state["loop"] = asyncio.new_event_loop()
        loop.run_until_complete(result)


def _clear_caches():
    """Interpreter caches that fill on first use, as CPython's refleak hunter clears them."""
    modules = sys.modules
    re = modules.get("re")
    if re is not None:
        re.purge()
    typing = modules.get("typing")
    if typing is not None:
        for cleanup in getattr(typing, "_cleanups", ()):
            cleanup()
    linecache = modules.get("linecache")
    if linecache is not None:
        linecache.clearcache()
    struct = modules.get("struct")
    if struct is not None:
        struct._clearcache()
    for module_name, attribute in (("fnmatch", "_compile_pattern"), ("inspect", "_signature_from_callable"),
                                   ("urllib.parse", "_byte_quoter_factory"), ("ipaddress", "_IPAddressBase"),
                                   ("locale", "_build_localename"), ("functools", "_unused")):
        module = modules.get(module_name)
        cached = getattr(module, attribute, None) if module is not None else None
        clear = getattr(cached, "cache_clear", None)
        if clear is not None:
            clear()
    parse = modules.get("urllib.parse")
    if parse is not None:
        parse.clear_cache()
    filecmp = modules.get("filecmp")
    if filecmp is not None:
        filecmp._cache.clear()
    # Not ctypes._reset_cache(): it makes new pointer types each time, which leave weak references behind.
    importlib = modules.get("importlib")
    if importlib is not None:
        importlib.invalidate_caches()
    abc = modules.get("collections.abc")
    if abc is not None:
        for name in abc.__all__:
            obj = getattr(abc, name, None)
            if isinstance(obj, type) and hasattr(obj, "_abc_caches_clear"):
                obj._abc_caches_clear()
    sys._clear_type_cache()


def _native_bytes():
    """Bytes of the C heap in use (glibc mallinfo2: in-use chunks plus mmap'd ones)."""
    info = _state["mallinfo"]
    if info is None:
        try:
            import ctypes

            class Mallinfo2(ctypes.Structure):
                _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                                             "usmblks", "fsmblks", "uordblks", "fordblks",
                                                             "keepcost")]
            libc = ctypes.CDLL(None)
            function = libc.mallinfo2
            function.restype = Mallinfo2
            function.argtypes = []
            info = _state["mallinfo"] = function
        except Exception:
            _state["mallinfo"] = False
            return 0
    if info is False:
        return 0
    value = info()
    return value.uordblks + value.hblkhd


def _fd_count():
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0


def _thread_count():
    threading = sys.modules.get("threading")
    if threading is None:
        return 1
    return sum(1 for t in threading.enumerate() if not t.name.startswith("pyinspect-"))


def _pending_tasks():
    if "asyncio" not in sys.modules:
        return []
    tasks_module = sys.modules.get("asyncio.tasks")
    all_tasks = getattr(tasks_module, "_all_tasks", None)
    if all_tasks is None:
        return []
    pending = []
    for reference in list(all_tasks.data):
        task = reference()
        if task is not None and not task.done():
            pending.append(task)
    return pending


def _open_connections():
    """Database connections opened through sqlite3, psycopg or psycopg2 and neither closed nor collected."""
    queries = sys.modules.get("_pyinspect.queries")
    return queries.open_connections() if queries is not None else []


def _references():
    """References held by the gc-tracked objects, summed: sees a container that grows without new objects
    (a list gaining cached small ints). In C under the host (heap_walk.c)."""
    native = sys.modules.get("_pyinspect_native")
    if native is None:
        try:
            import _pyinspect_native as native
        except ImportError:
            return sum(map(len, map(gc.get_referents, gc.get_objects())))
    return native.references()


def _settle():
    _clear_caches()
    gc.collect()
    gc.collect()


def step(argument):
    """Calls the target `argument` times (default 1), then measures. Returns JSON."""
    count = int(argument or "1")
    started = time.perf_counter()
    try:
        for _ in range(count):
            _call_target()
    except BaseException as error:
        return fastjson.dumps({"raised": _exception_info(error)})
    seconds = time.perf_counter() - started
    _settle()
    # Python memory first: nothing of the inspector's is alive yet.
    blocks = sys.getallocatedblocks()
    native = _native_bytes()
    objects = len(gc.get_objects())
    references = _references()
    return fastjson.dumps({"blocks": blocks, "native": native, "objects": objects, "fds": _fd_count(),
                           "threads": _thread_count(), "tasks": len(_pending_tasks()), "references": references,
                           "connections": len(_open_connections()), "seconds": seconds})


# ---------------------------------------------------------------------------------------------- attribution


def _is_user_file(filename):
    if not filename or filename.startswith("<") or filename.startswith(_PACKAGE_DIR):
        return False
    if filename.startswith(_STDLIB_DIRS) or "/site-packages/" in filename or "/dist-packages/" in filename:
        return filename == _state["file"]
    return True


def _frames_of(traceback_frames):
    """tracemalloc frames (oldest first) → report frames innermost first, the inspector's own dropped."""
    import linecache
    frames = []
    for frame in reversed(list(traceback_frames)):
        if frame.filename.startswith(_PACKAGE_DIR):
            continue
        code = linecache.getline(frame.filename, frame.lineno).strip() or None
        frames.append({"file": frame.filename, "line": frame.lineno, "function": "", "code": code})
    while frames and frames[-1]["file"] == "<string>":
        frames.pop()  # the host's call into the helper
    return frames


def _site(frames):
    for frame in frames:
        if _is_user_file(frame["file"]):
            return {"file": frame["file"], "line": frame["line"]}
    return None


def _type_name(obj):
    kind = type(obj)
    module = getattr(kind, "__module__", "builtins")
    return kind.__qualname__ if module in ("builtins", None) else f"{module}.{kind.__qualname__}"


def _heap(own):
    """Every object reachable for a census: the gc-tracked ones (less the inspector's `own` containers) and the
    untracked ones found as referents of those, and of untracked containers in turn (a dict of str/int held in
    another such dict). Each object once, by identity. In C under the host (heap_walk.c)."""
    native = sys.modules.get("_pyinspect_native")
    if native is None:
        try:
            import _pyinspect_native as native
        except ImportError:
            return _heap_in_python(own)
    return native.heap(own)


def _heap_in_python(own):
    """_heap for a plain python3 (no host): the same walk with C-backed builtins, except that untracked objects
    the `own` containers hold are still counted when another tracked object refers to them as well."""
    from itertools import filterfalse
    tracked = gc.get_objects()
    skip = {id(tracked)} | {id(o) for o in own}
    tracked = [obj for obj in tracked if id(obj) not in skip]
    untracked = list(filterfalse(gc.is_tracked, gc.get_referents(*tracked)))
    unique = dict(zip(map(id, untracked), untracked))
    del untracked
    containers = (dict, tuple, list, set, frozenset)
    layer = [obj for obj in unique.values() if type(obj) in containers]
    while layer:
        fresh = [obj for obj in filterfalse(gc.is_tracked, gc.get_referents(*layer)) if id(obj) not in unique]
        fresh_unique = dict(zip(map(id, fresh), fresh))
        unique.update(fresh_unique)
        layer = [obj for obj in fresh_unique.values() if type(obj) in containers]
    tracked.extend(unique.values())
    return tracked


def _census(*own, ids=None):
    """Objects per type name, including those the gc does not track. `own`: the inspector's containers, left
    out with what they hold. `ids`: a set to fill with every id seen."""
    from collections import Counter
    heap = _heap(own + ((ids,) if ids is not None else ()))
    by_type = Counter(map(type, heap))
    if ids is not None:
        ids.update(map(id, heap))
    del heap
    counts = {}
    for kind, count in by_type.items():
        module = getattr(kind, "__module__", "builtins")
        name = kind.__qualname__ if module in ("builtins", None) else f"{module}.{kind.__qualname__}"
        counts[name] = counts.get(name, 0) + count
    return counts


def _short_repr(obj):
    try:
        if type(obj) in (list, tuple, set, frozenset, dict) and len(obj) > 8:
            # The repr of a registry holding a million objects would cost more than the whole search.
            import itertools
            if isinstance(obj, dict):
                head = ", ".join(f"{k!r}: {v!r}" for k, v in itertools.islice(obj.items(), 3))
                text = "{" + head + f", ... ({len(obj)} items)}}"
            else:
                head = ", ".join(repr(item) for item in itertools.islice(obj, 3))
                opening, closing = {list: "[]", tuple: "()"}.get(type(obj), "{}")
                text = opening + head + f", ... ({len(obj)} items)" + closing
        else:
            text = repr(obj)
    except BaseException:
        text = f"<{_type_name(obj)} (repr failed)>"
    return text if len(text) <= 160 else text[:157] + "..."


def _user_stack(frame):
    """(file, line, function) of each frame from `frame` outwards, pyinspect's own frames left out."""
    stack = []
    while frame is not None:
        if not frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            stack.append((frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
        frame = frame.f_back
    return stack


def _user_line_tracer(account):
    """A sys.settrace function that calls `account(frame)` for every line of the user's code that runs."""
    def tracer(frame, event, arg):
        if event == "call":
            return tracer if _is_user_file(frame.f_code.co_filename) else None
        if event == "line":
            account(frame)
        elif event == "return":
            account(frame.f_back)  # the caller's line runs on: what grows next is its doing
        return tracer
    return tracer


def attribute(argument):
    """Finds where each growing signal's leak was born and what keeps it alive. Returns JSON
    {"leaks": [...], "bounded": [...]}: a leak whose chain runs through a holder with a bound (an lru_cache with
    a maxsize, a deque with a maxlen, the re module's cache, an object with a `maxsize`) is a cache filling, not
    a leak, and is returned under "bounded" with its bound."""
    options = fastjson.loads(argument)
    signals = set(options.get("signals", []))
    # A leak that steps once every `period` calls needs a few periods of calls to be seen at all.
    period = max(1, int(options.get("period", 1)))
    calls = max(int(options.get("calls", 6)), min(2 * period + 2, 160))
    leaks = []
    bounded = []
    import tracemalloc
    if "connections" in signals:
        # The connections' own sockets and database files: the connections leak says where they were opened.
        signals.discard("fds")
    resource = signals & {"fds", "threads", "tasks", "connections"}
    python = bool(signals & {"blocks", "objects", "references"}) and not resource
    # Before state, then calls with tracemalloc on. A first census warms up what a census itself creates once
    # (bound methods, weak references in type caches), which the collection after it clears.
    if python:
        _census()
    _settle()
    fds_before = set(os.listdir("/proc/self/fd")) if "fds" in signals else set()
    threading = sys.modules.get("threading")
    threads_before = {id(t) for t in threading.enumerate()} if threading is not None else set()
    tasks_before = {id(t) for t in _pending_tasks()}
    connections_before = {entry.number for entry in _open_connections()}
    started = {}
    original_start = None
    if "threads" in signals and threading is not None:
        import traceback as traceback_module
        original_start = threading.Thread.start

        def start(thread, *args, **kwargs):
            started[id(thread)] = [
                {"file": f.filename, "line": f.lineno, "function": f.name, "code": f.line or None}
                for f in reversed(traceback_module.extract_stack(sys._getframe(1)))
                if not f.filename.startswith(_PACKAGE_DIR)]
            return original_start(thread, *args, **kwargs)
        threading.Thread.start = start
    if "fds" in signals:
        _watch_opens(True)
    registered = _watch_atexit(True)
    # Every sized container and its length before the calls: the one that grows is the holder, even when it
    # grows by references to objects that already existed (cached small ints).
    sized_before, lengths_before = _sized_containers()
    ids_before = set()
    census_before = None
    if python and options.get("census_before_tracing"):
        # The pytest plugin's choice: on pytest's heap, tracing the census' own set of ids (one int per object)
        # costs more than the rest of the attribution.
        census_before = _census(registered, ids=ids_before)
    tracemalloc.start(30)
    tracemalloc.clear_traces()
    snapshot_before = tracemalloc.take_snapshot()
    # Not the sized containers' lists: leaving out what they hold would hide an untracked dict that leaks (a
    # dict of str and dicts of str); they exist in both censuses, so they add nothing to the difference.
    own = (snapshot_before, snapshot_before.traces._traces, registered)
    if python and census_before is None:
        census_before = _census(*own, ids=ids_before)
    # Empty the free lists the census refilled: an object the target takes from one would carry the traceback
    # of the census's allocation (or none), and could not name its site.
    gc.collect()
    try:
        for _ in range(calls):
            _call_target()
    except BaseException as error:
        tracemalloc.stop()
        return fastjson.dumps({"raised": _exception_info(error)})
    finally:
        _watch_opens(False)
        _watch_atexit(False)
        if original_start is not None:
            threading.Thread.start = original_start
    _settle()
    census_after = _census(census_before, ids_before, *own) if python else None
    grown_containers = _grown_containers(sized_before, lengths_before)
    del sized_before[:], lengths_before[:]
    snapshot_after = tracemalloc.take_snapshot()
    stats = _target_stats(snapshot_after, snapshot_before)
    del snapshot_before, snapshot_after, own
    traced_per_call = sum(s.size_diff for s in stats) / calls
    if "fds" in signals:
        leaks.append(_fd_leak(fds_before, calls, tracemalloc, grown_containers))
    if "threads" in signals and threading is not None:
        leaks.append(_thread_leak(threading, threads_before, calls, started))
    if "tasks" in signals:
        leaks.append(_task_leak(tasks_before, calls, tracemalloc))
    if "connections" in signals:
        leaks.append(_connection_leak(connections_before, calls))
    if python:
        leaks.append(_python_leak(census_before, census_after, stats, calls, tracemalloc, ids_before,
                                  grown_containers, registered, period))
        ids_before.clear()
    buffer_leak = None
    if "native" in signals and not python and not resource:
        buffer_leak = _buffer_leak(calls, grown_containers, registered)
    del stats
    grown_containers.clear()
    registered.clear()
    tracemalloc.stop()
    _settle()
    if buffer_leak is not None:
        leaks.append(buffer_leak)
    elif "native" in signals and not resource:
        native_per_call = options.get("native_per_call", 0)
        if not python or native_per_call > 2 * max(traced_per_call, 0) + 512:
            leaks.append(_native_leak(calls, native_per_call))
    leaks = [leak for leak in leaks if leak is not None]
    for leak in leaks:
        bound = leak.pop("_bounded", None)
        if bound is not None:
            bounded.append(bound)
    leaks = [leak for leak in leaks if not leak.get("_is_bounded")]
    # Threads, tasks and descriptors first; then the memory leaks, the most bytes per call first.
    leaks.sort(key=lambda leak: (leak["kind"] not in ("fds", "threads", "tasks", "connections"),
                                 -leak["bytes_per_call"]))
    return fastjson.dumps({"leaks": leaks, "bounded": bounded})


_SIZED_TYPES = (list, dict, set)


def _sized_containers():
    """The gc-tracked lists, dicts, sets and deques, with their lengths (two lists: no tuple per entry)."""
    collections = sys.modules.get("collections")
    kinds = _SIZED_TYPES + ((collections.deque,) if collections is not None else ())
    tracked = gc.get_objects()
    objects = [obj for obj in tracked if isinstance(obj, kinds)]
    # Dicts of only str and int are not tracked: those a tracked object refers to (a module's registry of
    # descriptor numbers), each once.
    # Buffers that grow in place (a bytearray, an array.array) are never tracked: those referred to, too.
    buffers = _buffer_types()
    untracked = {id(obj): obj for obj in gc.get_referents(*tracked)
                 if (type(obj) is dict and not gc.is_tracked(obj)) or type(obj) in buffers}
    del tracked
    objects.extend(untracked.values())
    untracked.clear()
    lengths = []
    for obj in objects:
        try:
            lengths.append(len(obj))
        except BaseException:
            lengths.append(1 << 62)
    return objects, lengths


def _buffer_types():
    array = sys.modules.get("array")
    return (bytearray, array.array) if array is not None else (bytearray,)


def _buffer_leak(calls, grown_containers, registered):
    """The C heap grew, no object count did: a buffer that grows in place (a bytearray extended, an
    array.array appended to) is among the containers that got longer. Its allocation is over-sized, so most
    calls grow it without allocating: tracemalloc sees no bytes; the line is the one during which it grew,
    watched with a line tracer. None when no buffer grew (a C extension's own malloc: the native hunt)."""
    buffers = _buffer_types()
    holder = next(((obj, growth) for obj, growth in grown_containers if type(obj) in buffers), None)
    if holder is None or holder[1] < calls:
        return None
    buffer, growth = holder
    del holder
    chain, path = _chain_path(buffer, registered)
    item_size = getattr(buffer, "itemsize", 1)
    stored = _stored_at([buffer], calls, [], holder_is_last=True)
    items = "bytes" if isinstance(buffer, bytearray) else "items"
    name = _type_name(buffer)
    article = "an" if name[:1] in "aeiou" else "a"
    message = f"{article} {name} grows in place by {growth / calls:g} {items} per call (no new objects)"
    del buffer, path
    frames = stored[1] if stored is not None else []
    return _leak("memory", frames, calls, [], growth * item_size, 0, chain, message)


def _grown_containers(objects, lengths):
    """(container, growth) for the containers longer than before the calls, the most grown first."""
    grown = []
    for obj, before in zip(objects, lengths):
        try:
            growth = len(obj) - before
        except BaseException:
            continue
        if growth > 0:
            grown.append((obj, growth))
    grown.sort(key=lambda item: -item[1])
    del grown[8:]
    return grown


_atexit = {"original": None, "registered": {}}


def _watch_atexit(active):
    """While attribution calls run, remember what atexit.register was given and where: the registry lives in
    the interpreter's C state, which no reference search can see."""
    atexit = sys.modules.get("atexit")
    if atexit is None:
        return _atexit["registered"]
    if active and _atexit["original"] is None:
        original = _atexit["original"] = atexit.register
        registered = _atexit["registered"]
        registered.clear()

        def register(function, *args, **kwargs):
            frames = []
            frame = sys._getframe(1)
            while frame is not None and len(frames) < 30:
                if not frame.f_code.co_filename.startswith(_PACKAGE_DIR):
                    frames.append((frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
                frame = frame.f_back
            registered[id(function)] = tuple(frames)  # untracked once collected: not in the census
            return original(function, *args, **kwargs)
        atexit.register = register
    elif not active and _atexit["original"] is not None:
        atexit.register = _atexit["original"]
        _atexit["original"] = None
    return _atexit["registered"]


def _stack_frames(stack):
    import linecache
    return [{"file": f, "line": n, "function": fn, "code": linecache.getline(f, n).strip() or None}
            for f, n, fn in stack]


def _leak(kind, frames, calls, types=None, bytes_total=0, objects_total=0, chain=None, message=""):
    return {"kind": kind, "site": _site(frames), "traceback": frames, "types": types or [],
            "bytes_per_call": bytes_total / calls, "objects_per_call": objects_total / calls,
            "chain": chain or [], "message": message}


def _target_stats(after, before):
    """Differences per traceback, without the inspector's own allocations (innermost frame in pyinspect or
    tracemalloc)."""
    import tracemalloc
    own = (_PACKAGE_DIR, tracemalloc.__file__)
    stats = []
    for stat in after.compare_to(before, "traceback"):
        frames = list(stat.traceback)
        if frames and frames[-1].filename.startswith(own):
            continue
        stats.append(stat)
    return stats


def _python_leak(census_before, census_after, stats, calls, tracemalloc, ids_before, grown_containers=(),
                 registered=None, period=1):
    grown = {name: census_after.get(name, 0) - census_before.get(name, 0) for name in census_after}
    # Types that grew on at least every third of the attribution calls (every third step of a leak that steps
    # once per `period` calls): a single object made by the inspector itself between the two censuses is not a
    # growing type.
    grown = {name: count for name, count in grown.items() if count >= max(2, calls // (3 * period))}
    bytes_total = sum(s.size_diff for s in stats)
    # The allocation site: the traceback with most bytes still alive that runs through the user's code.
    frames = []
    for stat in sorted(stats, key=lambda s: (s.size_diff, s.count_diff), reverse=True):
        if stat.size_diff <= 0:
            break
        candidate = _frames_of(stat.traceback)
        if _site(candidate) is not None:
            frames = candidate
            break
    types = [{"name": name, "count": count, "per_call": count / calls}
             for name, count in sorted(grown.items(), key=lambda item: -item[1])[:10]]
    sample, sample_frames = _sample_leaked(
        grown, tracemalloc, ids_before, (census_before, census_after, stats))
    if sample_frames and _site(sample_frames) is not None:
        frames = sample_frames
    message = ""
    references_total = 0
    if sample is None and grown_containers:
        # No new object of a growing type: a container that grows by references to objects that already
        # existed (cached small ints, interned strings). The container is what leaks.
        sample, references_total = grown_containers[0]
        kinds = {}
        if isinstance(sample, list):
            for item in sample[-references_total:]:
                kinds[_type_name(item)] = kinds.get(_type_name(item), 0) + 1
        types = [{"name": name, "count": count, "per_call": count / calls} for name, count in kinds.items()]
        message = f"a {_type_name(sample)} gains {references_total / calls:g} references per call to objects " \
                  "that already existed (no new objects)"
    chain, path = _chain_path(sample, registered) if sample is not None else ([], [])
    bound = _verified_bound(_bound_of(path))
    # The holder to watch: the chain's last container, or the container itself when it is what leaks.
    stored = _stored_at(path, calls, frames, holder_is_last=references_total > 0) if path else None
    del sample, path
    kind = "objects" if grown else "memory"
    if references_total:
        bytes_total = 8 * references_total  # a pointer slot per reference: what the container's array grows by
    leak = _leak(kind, frames, calls, types, bytes_total, sum(grown.values()), chain, message)
    if stored is not None:
        leak["stored_at"], leak["stored_traceback"] = stored
        if leak["site"] is None:
            leak["site"], leak["traceback"] = stored
    if bound is not None:
        leak["_is_bounded"] = True
        leak["_bounded"] = dict(bound, chain=chain, types=types, site=leak["site"])
    return leak


def _bound_of(path):
    """The bound of a holder on the chain's path, root first, if one has a bound: {"holder", "bound", "size"}."""
    collections = sys.modules.get("collections")
    for index, obj in enumerate(path[:-1]):
        try:
            following = path[index + 1]
            if _is_weakref_list(following):
                # A list of weak references its owner prunes of the dead ones now and then (sqlite3's
                # Connection, every 200 cursors): growing between two prunes is not a leak; never pruned, it is.
                return {"holder": f"{_type_name(obj)}'s list of weak references", "bound": len(following),
                        "size": len(following), "_measure": _weakref_list_length(obj, following),
                        "_trusted": False, "_prunes": True}
            parameters = getattr(obj, "cache_parameters", None)
            info = getattr(obj, "cache_info", None)
            if callable(parameters) and callable(info):  # functools.lru_cache (C or Python)
                maxsize = parameters().get("maxsize")
                if isinstance(maxsize, int):
                    name = getattr(obj, "__qualname__", _type_name(obj))
                    return {"holder": f"lru_cache {name}", "bound": maxsize, "size": info().currsize,
                            "_measure": lambda: info().currsize, "_trusted": True}
                continue
            if collections is not None and isinstance(obj, collections.deque):
                if obj.maxlen is not None:
                    return {"holder": "deque", "bound": obj.maxlen, "size": len(obj),
                            "_measure": obj.__len__, "_trusted": True}
                continue
            if isinstance(obj, type(sys)):
                # A module's cache dict bounded by a module constant (re._cache and re._MAXCACHE).
                for name in ("_MAXCACHE", "MAXCACHE", "_MAX_CACHE", "_MAXCACHE2", "_CACHE_MAX", "MAX_CACHE_SIZE"):
                    value = getattr(obj, name, None)
                    if isinstance(value, int) and not isinstance(value, bool) and hasattr(following, "__len__"):
                        return {"holder": f"module {obj.__name__} cache ({name})", "bound": value,
                                "size": len(following), "_measure": following.__len__, "_trusted": False}
                continue
            attributes = getattr(obj, "__dict__", None)
            if isinstance(attributes, dict) and not isinstance(obj, type):
                for name in ("maxsize", "max_size", "maxlen", "max_len", "capacity", "max_entries", "max_items"):
                    value = attributes.get(name)
                    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                        size = len(obj) if hasattr(obj, "__len__") else (
                            len(following) if hasattr(following, "__len__") else None)
                        if size is not None and size <= value:
                            measure = obj.__len__ if hasattr(obj, "__len__") else following.__len__
                            return {"holder": _type_name(obj), "bound": value, "size": size,
                                    "_measure": measure, "_trusted": False}
        except BaseException:
            continue
    return None


def _verified_bound(bound):
    """Keeps calling until the holder has reached its bound (and a tenth more): a bound that is only declared
    (an attribute named maxsize on a list that never evicts) is then passed, and the growth is a leak after all.
    A bound too far away to reach is trusted only from the standard library (lru_cache, deque)."""
    if bound is None:
        return None
    measure = bound.pop("_measure")
    trusted = bound.pop("_trusted")
    if bound.pop("_prunes", False):
        return _verified_pruning(bound, measure)
    needed = bound["bound"] - bound["size"] + max(5, bound["bound"] // 10)
    if needed > 3000:
        return bound if trusted else None
    try:
        for _ in range(needed):
            _call_target()
        size = measure()
    except BaseException:
        return None
    if size > bound["bound"]:
        return None
    bound["size"] = size
    bound["reached"] = size >= bound["bound"]
    return bound


_PRUNE_CALLS = 1000
_PRUNE_SECONDS = 3.0


def _is_weakref_list(obj):
    """A list whose entries (the last 50 looked at) are all weak references."""
    import _weakref
    if type(obj) is not list or not obj:
        return False
    return all(type(item) is _weakref.ReferenceType for item in obj[-50:])


def _weakref_list_length(owner, weakrefs):
    """How long the owner's list of weak references is now. A prune may replace the list rather than shrink it
    (sqlite3 swaps in a new list of the live ones), so the list is found again among the owner's referents."""
    others = {id(item) for item in gc.get_referents(owner) if type(item) is list and item is not weakrefs}

    def measure():
        lists = [item for item in gc.get_referents(owner) if type(item) is list and id(item) not in others]
        return min((len(item) for item in lists), default=0)
    return measure


def _verified_pruning(bound, measure):
    """Keeps calling until the list of weak references shrinks (its owner pruned the dead ones): then its
    largest length is the bound. A list that never shrinks within the calls allowed is a leak after all."""
    import time
    peak = measure()
    deadline = time.monotonic() + _PRUNE_SECONDS
    try:
        for _ in range(_PRUNE_CALLS):
            _call_target()
            size = measure()
            if size < peak:
                bound.update(bound=peak, size=size, reached=True,
                             holder=f"{bound['holder']} (pruned of the dead ones at {peak})")
                return bound
            peak = size
            if time.monotonic() > deadline:
                break
    except BaseException:
        return None
    return None


def _stored_at(path, calls, allocation_frames, holder_is_last=False):
    """The line that stored the leaked object into its holder (the chain's last container): the user line
    during which the holder grew, watched over a few calls with a line tracer. (site, frames) or None."""
    holder = None
    for obj in reversed(path if holder_is_last or len(path) < 2 else path[:-1]):
        if _size_of(obj) is not None:
            holder = obj
            break
    if holder is None:
        return None
    totals = {}
    stacks = {}
    state = {"site": None, "size": _size_of(holder)}

    def account(frame):
        size = _size_of(holder)
        if size is not None and size > state["size"] and state["site"] is not None:
            totals[state["site"]] = totals.get(state["site"], 0) + size - state["size"]
        state["size"] = size if size is not None else state["size"]
        if frame is not None and _is_user_file(frame.f_code.co_filename):
            state["site"] = site = (frame.f_code.co_filename, frame.f_lineno)
            if site not in stacks:
                stacks[site] = _user_stack(frame)

    sys.settrace(_user_line_tracer(account))
    try:
        for _ in range(calls):
            _call_target()
    except BaseException:
        pass
    finally:
        sys.settrace(None)
    holder = None
    if not totals:
        return None
    site = max(totals.items(), key=lambda item: item[1])[0]
    frames = _stack_frames(stacks[site])
    if _site(allocation_frames) == {"file": site[0], "line": site[1]}:
        return None  # allocated and stored on the same line: the site says it already
    return {"file": site[0], "line": site[1]}, frames


def _size_of(obj):
    """How many entries a holder has (a container's length, an lru_cache's current size), or None."""
    try:
        if isinstance(obj, (list, dict, set)) or hasattr(type(obj), "__len__") and not isinstance(
                obj, (str, bytes, tuple, frozenset, type, type(sys))):
            return len(obj)
        info = getattr(obj, "cache_info", None)
        if callable(info):
            return info().currsize
    except BaseException:
        return None
    return None


def _sample_leaked(grown, tracemalloc, ids_before, own_objects):
    """A leaked object of a growing type, new since the census before the traced calls: user classes first,
    and one whose allocation traceback is known if there is one (3.11.2's tracemalloc cannot see instances
    of classes with a managed __dict__)."""
    wanted_set = set(sorted(grown, key=lambda name: -grown[name])[:12])
    by_name = {}
    new_counts = {}
    heap_flags = {}
    checks = {}
    heap = _heap((ids_before, by_name, checks, grown, new_counts, heap_flags) + tuple(own_objects))
    for candidate in heap:
        name = _type_name(candidate)
        if name not in wanted_set or id(candidate) in ids_before or checks.get(name, 0) >= 1000:
            continue
        checks[name] = checks.get(name, 0) + 1
        traceback = tracemalloc.get_object_traceback(candidate)
        if traceback is None:
            # Before the calls (or immortal), unless tracemalloc cannot see it: 3.11.2 misses instances
            # of classes with a managed __dict__.
            if not type(candidate).__flags__ & (1 << 9):
                continue
        elif not any(_is_user_file(f.filename) for f in traceback):
            continue  # allocated during the traced calls, but by the inspector
        new_counts[name] = new_counts.get(name, 0) + 1
        heap_flags[name] = bool(type(candidate).__flags__ & (1 << 9))
        if name not in by_name or (by_name[name][1] is None and traceback is not None):
            by_name[name] = (candidate, traceback)
    del heap
    # The type most clearly leaking: classes defined in Python first, then new instances matching the growth.
    # Numbers last: they are rarely the thing a person is looking for.
    # A class made per call is what a person looks for first: its instances, dicts and tuples follow from it.
    ranked = sorted(by_name, key=lambda name: (name != "type", not heap_flags.get(name),
                                               name in ("int", "float", "bool"),
                                               name in ("str", "bytes"),  # a record's key, not the record
                                               -min(new_counts.get(name, 0), grown[name]), -grown[name]))
    if not ranked:
        return None, []
    found, traceback = by_name[ranked[0]]
    by_name.clear()
    return found, _frames_of(traceback) if traceback is not None else []


def _chain(target, registered=None):
    return _chain_path(target, registered)[0]


def _chain_path(target, registered=None, max_depth=12, max_frontier=5000):
    """A shortest path of references from a root (module, named class, running frame, thread, event loop, the
    atexit registry) to `target`: (steps, the objects on the path, root first).

    Breadth-first, one level at a time: `gc.get_referrers(*frontier)` scans the heap once per level (not once per
    object, as a per-node search such as objgraph's does), then each referrer's referents say which frontier
    object it holds."""
    import types
    running = set()
    for frame in sys._current_frames().values():
        while frame is not None:
            running.add(id(frame))
            frame = frame.f_back
    own_frames = set()
    frame = sys._getframe()
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        own_frames.add(id(frame))
        frame = frame.f_back
    parent = {id(target): None}
    objects = {id(target): target}
    frontier = [target]
    ignore = {id(parent), id(objects), id(running), id(own_frames)}
    found = None
    untracked = None
    registered = registered or {}
    atexit_stack = None
    for _ in range(max_depth):
        if not frontier or found is not None:
            break
        # A callable given to atexit.register is held by the interpreter's C state, which no referrer shows.
        for obj in (frontier if registered else ()):
            if id(obj) in registered:
                found, atexit_stack = obj, registered[id(obj)]
                break
        if found is not None:
            break
        ignore.add(id(frontier))
        frontier_ids = {id(obj) for obj in frontier}
        ignore.add(id(frontier_ids))
        referrers = gc.get_referrers(*frontier)
        ignore.add(id(referrers))
        following = []
        ignore.add(id(following))
        for referrer in referrers:
            key = id(referrer)
            if key in ignore or key in parent or key in own_frames:
                continue
            if isinstance(referrer, types.FrameType) and referrer.f_code.co_filename.startswith(_PACKAGE_DIR):
                continue
            # The first frontier object this referrer holds, found in C (a registry list may hold millions).
            held_id = next(filter(frontier_ids.__contains__, map(id, gc.get_referents(referrer))), None)
            if held_id is None:
                continue
            held = objects[held_id]
            parent[key] = held
            objects[key] = referrer
            if _is_root(referrer, running, types):
                found = referrer
                break
            if len(following) < max_frontier:
                following.append(referrer)
        del referrers
        if not following and found is None:
            # gc.get_referrers sees only tracked containers; an untracked dict or tuple (of str and int) may be
            # what holds the frontier. Look there, once per such level.
            if untracked is None:
                untracked = [obj for obj in _heap((parent, objects, frontier, frontier_ids, following))
                             if type(obj) in (dict, tuple) and not gc.is_tracked(obj)]
                ignore.add(id(untracked))
            for container in untracked:
                key = id(container)
                if key in parent:
                    continue
                held_id = next(filter(frontier_ids.__contains__, map(id, gc.get_referents(container))), None)
                if held_id is not None:
                    parent[key] = objects[held_id]
                    objects[key] = container
                    following.append(container)
        frontier = following
    if untracked is not None:
        untracked.clear()
    if found is None:
        parent.clear()
        objects.clear()
        return [], []
    path = [found]
    node = found
    while node is not target:
        node = parent[id(node)]
        path.append(node)
    parent.clear()
    objects.clear()
    steps = []
    for index, obj in enumerate(path):
        via = _via(path[index - 1], obj) if index > 0 else ""
        steps.append({"type": _type_name(obj), "via": via, "repr": _describe(obj, types)})
    # Fold a __dict__ into the step that names the attribute.
    folded = []
    for index, item in enumerate(steps):
        if item["type"] == "dict" and index > 0 and index + 1 < len(steps) and \
                _owns_dict(path[index - 1], path[index], types):
            steps[index + 1]["via"] = "." + steps[index + 1]["via"].strip("[]'\"") \
                if steps[index + 1]["via"].startswith("[") else steps[index + 1]["via"]
            continue
        folded.append(item)
    if atexit_stack is not None:
        where = next((f"{f}:{n}" for f, n, _ in atexit_stack if _is_user_file(f)), "")
        folded.insert(0, {"type": "atexit", "via": "",
                          "repr": "atexit registry (callbacks kept until exit)" +
                                  (f", registered at {where}" if where else "")})
        folded[1]["via"] = "(callback)"
    return folded, path


def _owns_dict(owner, dictionary, types):
    try:
        return getattr(owner, "__dict__", None) is dictionary or (
            isinstance(owner, type) and any(r is dictionary for r in gc.get_referents(owner)))
    except BaseException:
        return False


def _is_root(obj, running, types):
    if isinstance(obj, types.ModuleType):
        return True
    if isinstance(obj, type):
        # A class made at run time (one per call, kept in a registry) is not a root: what keeps it is.
        return _is_named_class(obj)
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None and isinstance(obj, asyncio.AbstractEventLoop):
        return True  # tasks it keeps are in its ready queue or timer heap
    if isinstance(obj, types.FrameType) and id(obj) in running:
        return True
    threading = sys.modules.get("threading")
    if threading is not None and isinstance(obj, threading.Thread):
        return True
    return False


def _is_named_class(cls):
    """A static type, or a class its module names under its qualified name."""
    if not cls.__flags__ & (1 << 9):  # not a heap type: defined in C
        return True
    found = sys.modules.get(getattr(cls, "__module__", None) or "")
    for part in getattr(cls, "__qualname__", "").split("."):
        if part == "<locals>" or found is None:
            return False
        found = getattr(found, part, None)
    return found is cls


def _describe(obj, types):
    if isinstance(obj, types.ModuleType):
        return f"module {obj.__name__}"
    if isinstance(obj, type):
        return f"class {obj.__module__}.{obj.__qualname__}"
    if isinstance(obj, types.FrameType):
        return f"frame of {obj.f_code.co_name} ({obj.f_code.co_filename}:{obj.f_lineno})"
    return _short_repr(obj)


def _via(holder, obj):
    """How `holder` refers to `obj`: .attr, [key], [index], a closure cell..."""
    try:
        if isinstance(holder, dict):
            for key, value in holder.items():
                if value is obj:
                    return f"[{key!r}]"
                if key is obj:
                    return "(key)"
        elif isinstance(holder, (list, tuple)):
            for index, value in enumerate(holder):
                if value is obj:
                    return f"[{index}]"
        elif isinstance(holder, (set, frozenset)):
            return "(member)"
        d = getattr(holder, "__dict__", None)
        if isinstance(d, dict) or hasattr(d, "items"):
            for key, value in d.items():
                if value is obj:
                    return f".{key}"
            if d is obj:
                return ".__dict__"
        for name in ("cell_contents", "__closure__", "f_locals", "tb_frame", "tb_next", "__self__", "__func__",
                     "__wrapped__", "gi_frame", "cr_frame"):
            try:
                value = getattr(holder, name)
            except BaseException:
                continue
            if value is obj:
                return f".{name}"
            if name == "f_locals" and isinstance(value, dict):
                for key, local in value.items():
                    if local is obj:
                        return f" local {key}"
            if name == "__closure__" and value:
                for cell in value:
                    if cell is obj:
                        return ".__closure__"
    except BaseException:
        pass
    return ""


_opens = {"active": False, "installed": False, "events": []}


def _audit(event, args):
    # Installed once (audit hooks cannot be removed); records only while attribution runs.
    if event == "open" and _opens["active"] and args and isinstance(args[0], (str, bytes, os.PathLike)):
        frames = []
        frame = sys._getframe(1)
        while frame is not None and len(frames) < 30:
            if not frame.f_code.co_filename.startswith(_PACKAGE_DIR):
                frames.append((frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
            frame = frame.f_back
        path = os.fsdecode(args[0])
        _opens["events"].append((os.path.abspath(path), frames))


def _watch_opens(active):
    if active and not _opens["installed"]:
        sys.addaudithook(_audit)
        _opens["installed"] = True
    _opens["active"] = active
    if active:
        _opens["events"].clear()


def _fd_leak(fds_before, calls, tracemalloc, grown_containers=()):
    new = sorted(set(os.listdir("/proc/self/fd")) - fds_before, key=int)
    new_fds = {int(fd) for fd in new}
    frames = []
    types = {}
    owner = None
    import io
    socket = sys.modules.get("socket")
    file_types = (io.IOBase, socket.socket) if socket is not None else (io.IOBase,)
    for obj in gc.get_objects():
        try:
            if not isinstance(obj, file_types):
                continue
            fd = obj.fileno()
        except BaseException:
            continue
        if fd in new_fds:
            name = _type_name(obj)
            types[name] = types.get(name, 0) + 1
            owner = obj if owner is None else owner
            traceback = tracemalloc.get_object_traceback(obj)
            if traceback is not None and not frames:
                candidate = _frames_of(traceback)
                if _site(candidate) is not None:
                    frames = candidate
    if owner is None:
        # Raw descriptors (os.open, os.pipe, os.dup): the container that holds their numbers.
        owner = _fd_holder(new_fds, grown_containers, tracemalloc)
    chain = _chain(owner) if owner is not None else []
    del owner
    paths = []
    for fd in new:
        try:
            paths.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    if not frames:
        # No file object owns them (os.open, or one tracemalloc cannot see): the audited open of that path.
        wanted = set(paths)
        for path, stack in reversed(_opens["events"]):
            if path in wanted or os.path.realpath(path) in wanted:
                candidate = _stack_frames(stack)
                if _site(candidate) is not None:
                    frames = candidate
                    break
    _opens["events"].clear()
    if not frames:
        # os.pipe, os.dup, socketpair, eventfd...: no audit event. The user line during which the descriptors
        # that stay open appeared, over a few more calls.
        frames = _fd_creation_frames(calls)
    paths = sorted(set(paths))[:5]
    message = f"{len(new)} descriptors left open over {calls} calls" + (f", e.g. {', '.join(paths)}" if paths else "")
    type_list = [{"name": n, "count": c, "per_call": c / calls} for n, c in types.items()]
    return _leak("fds", frames, calls, type_list, 0, len(new), chain, message)


def _fd_holder(new_fds, grown_containers, tracemalloc):
    """The grown container, or new tuple, that holds the most of the new descriptor numbers."""
    best, best_count = None, 0
    candidates = [obj for obj, _ in grown_containers]
    for obj in gc.get_objects():
        if type(obj) is tuple and len(obj) <= 8 and tracemalloc.get_object_traceback(obj) is not None:
            candidates.append(obj)
    for obj in candidates:
        try:
            values = obj.values() if isinstance(obj, dict) else obj
            # The numbers themselves, or pairs of them (os.pipe's read and write ends).
            count = sum(1 for value in values if type(value) is int and value in new_fds or
                        type(value) is tuple and any(type(v) is int and v in new_fds for v in value))
        except BaseException:
            continue
        if count > best_count:
            best, best_count = obj, count
    candidates.clear()
    return best


def _fd_creation_frames(calls):
    """Runs `calls` calls under a line tracer and returns the stack of the user line during which a descriptor
    still open at the end appeared."""
    origin = {}
    state = {"fds": set(os.listdir("/proc/self/fd")), "site": None}
    before = set(state["fds"])

    def account(frame):
        now = set(os.listdir("/proc/self/fd"))
        if state["site"] is not None:
            for fd in now - state["fds"]:
                origin[fd] = state["site"]
        state["fds"] = now
        if frame is not None and _is_user_file(frame.f_code.co_filename):
            state["site"] = tuple(_user_stack(frame))

    sys.settrace(_user_line_tracer(account))
    try:
        for _ in range(min(calls, 6)):
            _call_target()
    except BaseException:
        pass
    finally:
        sys.settrace(None)
    kept = set(os.listdir("/proc/self/fd")) - before
    for fd in sorted(kept, key=int):
        stack = origin.get(fd)
        if stack:
            return _stack_frames(stack)
    return []


def _thread_leak(threading, before, calls, started):
    new = [t for t in threading.enumerate() if id(t) not in before]
    frames = []
    targets = []
    for thread in new:
        target = getattr(thread, "_target", None)
        if target is not None:
            targets.append(getattr(target, "__qualname__", repr(target)))
        candidate = started.get(id(thread), [])
        if not frames and _site(candidate) is not None:
            frames = candidate
    names = sorted(set(targets))
    message = f"{len(new)} threads still running after {calls} calls" + (
        f"; target {', '.join(names[:3])}" if names else "")
    return _leak("threads", frames, calls, [{"name": _type_name(new[0]) if new else "Thread", "count": len(new),
                                             "per_call": len(new) / calls}], 0, len(new), [], message) | {
        "targets": names}


def _task_leak(before, calls, tracemalloc):
    new = [t for t in _pending_tasks() if id(t) not in before]
    frames = []
    coroutines = []
    for task in new:
        coro = task.get_coro()
        coroutines.append(getattr(coro, "__qualname__", repr(coro)))
        traceback = tracemalloc.get_object_traceback(task)
        if traceback is not None and not frames:
            candidate = _frames_of(traceback)
            if _site(candidate) is not None:
                frames = candidate
    names = sorted(set(coroutines))
    message = f"{len(new)} asyncio tasks still pending after {calls} calls" + (
        f"; coroutine {', '.join(names[:3])}" if names else "")
    # What keeps the last one: the loop's timer heap or ready queue (through the future it waits on), or a
    # user's container.
    chain = _chain(new[-1]) if new else []
    return _leak("tasks", frames, calls, [{"name": "Task", "count": len(new), "per_call": len(new) / calls}],
                 0, len(new), chain, message) | {"coroutines": names}


def _connection_leak(before, calls):
    """The database connections the calls opened and kept: the line that opened most of them, and what holds
    one."""
    new = [entry for entry in _open_connections() if entry.number not in before]
    if not new:
        return None
    groups = {}
    for entry in new:
        site = entry.site or {}
        groups.setdefault((entry.driver, site.get("file"), site.get("line")), []).append(entry)
    (driver, file, line), entries = max(groups.items(), key=lambda item: len(item[1]))
    sample = entries[0]
    frames = _stack_frames([(f["file"], f["line"], f["function"]) for f in sample.stack])
    queries = sys.modules.get("_pyinspect.queries")
    held = queries._live(sample.number) if queries is not None else None
    chain = _chain(held) if held is not None else []
    del held
    where = f" opened at {os.path.basename(file)}:{line}" if file else ""
    message = (f"{len(new)} {driver} connection{'s' if len(new) != 1 else ''}{where} and never closed over "
               f"{calls} calls" + (f" ({len(groups) - 1} more opening lines)" if len(groups) > 1 else ""))
    types = [{"name": f"{d} connection", "count": len(e), "per_call": len(e) / calls}
             for (d, _, _), e in sorted(groups.items(), key=lambda item: -len(item[1]))]
    return _leak("connections", frames, calls, types, 0, len(new), chain, message)


def _native_leak(calls, native_per_call):
    """Native heap growth tracemalloc cannot see: which user line's execution grew the C heap."""
    totals = {}
    stacks = {}
    state = {"site": None, "mark": 0}
    measure = _native_bytes

    def account(frame_for_next):
        now = measure()
        site = state["site"]
        if site is not None:
            totals[site] = totals.get(site, 0) + now - state["mark"]
        state["site"] = None
        if frame_for_next is not None and _is_user_file(frame_for_next.f_code.co_filename):
            state["site"] = (frame_for_next.f_code.co_filename, frame_for_next.f_lineno)
            if state["site"] not in stacks:
                stacks[state["site"]] = _user_stack(frame_for_next)
        state["mark"] = measure()

    def tracer(frame, event, arg):
        if event == "call":
            if not _is_user_file(frame.f_code.co_filename):
                return None
            account(frame.f_back)
            return tracer
        if event == "line":
            account(frame)
        elif event == "return":
            account(frame.f_back)
        return tracer

    sys.settrace(tracer)
    try:
        for _ in range(calls):
            _call_target()
    except BaseException:
        pass
    finally:
        sys.settrace(None)
    frames = []
    if totals:
        site, grown = max(totals.items(), key=lambda item: item[1])
        if grown > 0:
            import linecache
            frames = [{"file": f, "line": n, "function": fn, "code": linecache.getline(f, n).strip() or None}
                      for f, n, fn in stacks.get(site, [site + ("",)])]
    message = f"the C heap grew by {int(native_per_call)} bytes per call, outside Python's allocators"
    return _leak("native", frames, 1, [], native_per_call, 0, [], message)
