"""Instruments for `pyinspect run`, installed in the target's interpreter just before its main runs."""
import _thread
import atexit
import os
import sys

from . import capture, fastjson, gc_stats, hangs, import_hooks, target_check, threads

_ended = [False]
_allocations = [False]
_deps_path = [None]  # `pyinspect deps`: where deps.py saves its facts at the end
_at_start = {}
_real_exit = os._exit
_STACK_LIMIT = 100


def prepare(argument):
    """Checks the target, installs the instruments. Returns JSON: {"ok": true} or {"problem", "message"}."""
    options = fastjson.loads(argument)
    capture.open_capture(options["capture"])
    target = options["target"]
    problem = target_check.check(target["kind"], target["value"])
    if problem is not None:
        return fastjson.dumps({"ok": False, "problem": problem[0], "message": problem[1]})
    if options.get("multiprocessing_executable"):
        from . import child_interpreter
        child_interpreter.install(options["multiprocessing_executable"])
    capture.write({"record": "start", "python": _python_facts(), "main_thread_ident": _thread.get_ident()})
    gc_stats.install()
    threads.install()
    _at_start.update(_instrument_state())
    if options.get("hangs", True):
        hangs.install()
    _allocations[0] = bool(options.get("allocations"))
    if options.get("deps"):
        from . import deps
        deps.install(target)
        _deps_path[0] = options["deps"]
    if options.get("queries", True):
        _install_queries(bool(options.get("explain")))
    atexit.register(_at_exit)
    os._exit = _exit_recorded
    if os.environ.get("PYINSPECT_CHILD_DIR"):
        _install_child_hooks()
    return fastjson.dumps({"ok": True})


def _install_child_hooks():
    """The target's children report to the run through child_process.py, imported only when the target forks
    or reaps a child: a run without children never loads it."""
    def forking():
        from . import child_process  # noqa: F401  (imported in the parent: the child imports nothing)

    def forked():
        from . import child_process
        child_process.after_fork_in_child()

    def waitpid(pid, options, /):
        from . import child_process
        return child_process.waitpid_recorded(pid, options)

    def at_exit():
        child_process = sys.modules.get("_pyinspect.child_process")
        if child_process is not None and capture.is_owner():
            child_process.target_at_exit()

    def spawning(module):  # subprocess imported by the target: record the children Popen starts
        from . import child_process
        child_process.patch_subprocess(module)

    os.register_at_fork(before=forking, after_in_child=forked)
    os.waitpid = waitpid
    atexit.register(at_exit)
    from . import import_hooks
    import_hooks.after_import("subprocess", spawning)


def _install_queries(explain):
    """Database statements (issue 16); explain: `--explain` (plans of the slow statements at the end)."""
    from . import query_hooks
    query_hooks.install(explain=explain)


def _flush_queries():
    queries = sys.modules.get("_pyinspect.queries")
    if queries is not None:
        try:
            queries.flush()
        except Exception as error:  # the report says the statements are missing; the run's own record goes on
            capture.write({"record": "queries_error", "message": repr(error)[:500]})


def _python_facts():
    return {"version": sys.version.split()[0], "implementation": sys.implementation.name,
            "executable": sys.executable, "prefix": sys.prefix, "base_prefix": sys.base_prefix,
            "virtualenv": sys.prefix != sys.base_prefix}


def frames_of(frame, limit=_STACK_LIMIT):
    """Innermost first, pyinspect's own frames left out; no imports (a dying process may be short of memory)."""
    frames = []
    while frame is not None and len(frames) < limit:
        code = frame.f_code
        if "/pyscripts/pyinspect/" not in code.co_filename:
            frames.append({"file": code.co_filename, "line": frame.f_lineno or 0, "function": code.co_name})
        frame = frame.f_back
    return frames


def _traceback_frames(traceback):
    entries = []
    while traceback is not None:
        entries.append(traceback)
        traceback = traceback.tb_next
    # Innermost first; a RecursionError keeps its innermost frames.
    return [{"file": entry.tb_frame.f_code.co_filename, "line": entry.tb_lineno or 0,
             "function": entry.tb_frame.f_code.co_name} for entry in reversed(entries[-_STACK_LIMIT:])]


def _exit_recorded(code):
    """os._exit that first records where it was called: the process ends without atexit or finalization."""
    if capture.is_owner() and not _ended[0]:
        try:
            capture.write({"record": "os_exit", "code": code, "thread": _thread.get_ident(),
                           "frames": frames_of(sys._getframe(1))})
        except BaseException:
            pass
    _real_exit(code)


def _instrument_state():
    """What the target can switch off or take away from under the instruments."""
    state = {"gc_enabled": None, "gc_callback": None, "tracemalloc": None}
    import gc
    state["gc_enabled"] = gc.isenabled()
    state["gc_callback"] = gc_stats.is_installed()
    import _tracemalloc  # built in: free to import, and set by PYTHONTRACEMALLOC / -X tracemalloc
    state["tracemalloc"] = _tracemalloc.is_tracing()
    state["profile"] = sys.getprofile() is not None
    state["trace"] = sys.gettrace() is not None
    state["stdout_replaced"] = sys.stdout is not sys.__stdout__
    state["stderr_replaced"] = sys.stderr is not sys.__stderr__
    closed = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.append(fd)
    state["closed_fds"] = closed
    try:
        state["cwd"] = os.getcwd()
    except OSError:
        state["cwd"] = None
    state["signal_handlers"] = _own_signal_handlers()
    return state


def _own_signal_handlers():
    signal = sys.modules.get("_signal")
    if signal is None:
        return []
    names = {"SIGINT": 2, "SIGHUP": 1, "SIGQUIT": 3, "SIGTERM": 15, "SIGUSR1": 10, "SIGUSR2": 12,
             "SIGALRM": 14, "SIGCHLD": 17, "SIGSEGV": 11, "SIGABRT": 6}
    found = []
    for name, number in names.items():
        try:
            handler = signal.getsignal(number)
        except (OSError, ValueError):
            continue
        # asyncio.run's own SIGINT handler (a partial of Runner._on_sigint) is the standard library's, not the
        # target's: a KeyboardInterrupt still reaches the target as under python3.
        owner = getattr(getattr(handler, "func", handler), "__module__", "") or ""
        if callable(handler) and handler is not signal.default_int_handler and not owner.startswith("asyncio."):
            found.append(name)
        elif handler == signal.SIG_IGN:
            found.append(name + " (ignored)")
    return found


def _end_record(reason):
    exception = None
    last = getattr(sys, "last_value", None)
    if last is not None:
        exception = {"type": type(last).__qualname__, "module": type(last).__module__,
                     "message": str(last)[:2000], "stack": _traceback_frames(last.__traceback__)}
    return {"record": "end", "reason": reason, "gc": gc_stats.snapshot(), "threads": threads.snapshot(),
            "exception": exception, "instruments": {"start": _at_start, "end": _instrument_state()}}


def _at_exit():
    # Registered before the target's own atexit functions, so it runs after them.
    if not _ended[0] and capture.is_owner():
        _ended[0] = True
        hangs.at_exit()
        _save_allocations()
        _save_deps()
        _flush_queries()
        capture.write(_end_record("exit"))


def _save_allocations():
    if _allocations[0]:
        from . import allocations
        try:
            allocations.save()
        except Exception as error:  # the report says the figures are missing; the run's own record goes on
            capture.write({"record": "allocations_error", "message": repr(error)[:500]})


def _save_deps():
    if _deps_path[0] is not None:
        from . import deps
        deps.save(_deps_path[0])


def on_timeout(argument):
    """Called by the host's watchdog, with the GIL, when --timeout expires."""
    return _stop("timeout")


def on_deadlock(argument):
    """Called by the host's hang monitor, with the GIL, when it found a deadlock; the host then exits 123."""
    hangs.snapshot("deadlock", fastjson.loads(argument) if argument else None)
    return _stop("deadlock", snapshot=False)


def _stop(reason, snapshot=True):
    # The host ends the process with _exit: what the target printed must not stay in Python's buffers.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    if snapshot:
        hangs.snapshot(reason)
    from . import stacks  # only a stopped run needs it: not imported at start-up
    capture.write({"record": "stacks", "reason": reason, "threads": stacks.all_threads()})
    _save_allocations()
    _save_deps()
    _flush_queries()
    _ended[0] = True
    capture.write(_end_record(reason))
    return ""
