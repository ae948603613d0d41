"""Records of the target's child processes: one JSON-lines file per process in $PYINSPECT_CHILD_DIR.

The parent (`pyinspect run`) sets PYINSPECT_CHILD_DIR to a directory of its capture workspace. Every Python
process of the target's tree writes `<pid>.jsonl` there (one file per process: no interleaving), in capture.py's
style. Every record carries "pid" (the writer) and "monotonic_s" (CLOCK_MONOTONIC, comparable across processes).

  {"record": "process_started", "started_by": "exec" | "fork", "parent_pid", "argv",
   "fork_site": [frames, innermost first]  (fork only: where os.fork was called)}
      exec: written by pyinspect-python (main.c) before the program runs, with the time its main() began;
      fork: written in the child by an os.register_at_fork hook.
  {"record": "process_ended", "how": "exit" | "os_exit" | "atexit", "exit_code" (null when unknown),
   "cpu_user_s", "cpu_system_s", "peak_rss_bytes"}
      exit: by main.c's on_exit handler (pyinspect-python processes and their forks); os_exit: os._exit wrapped; atexit: a fork child of the
      embedded target, or the target itself, ending normally (the exit code is then unknown here). peak_rss_bytes is VmHWM: the
      kernel's ru_maxrss of an exec'd process still holds its parent's size at the exec.
  {"record": "process_reaped", "child_pid", "status" (raw wait status), "cpu_user_s", "cpu_system_s",
   "max_rss_bytes", "argv" (only for a child started outside subprocess.Popen: its /proc cmdline, read before
   the wait while it may still be alive)}
  {"record": "process_spawned", "child_pid", "argv", "python" (true when the program is a Python interpreter),
   "child_dir_kept" (false when Popen was given an environment without PYINSPECT_CHILD_DIR)}
      written by the parent right after subprocess.Popen started a child (monotonic_s: just before): the one
      record of a child that runs without instruments (env={}, a non-Python program), which the reaper's
      process_reaped then completes.
  and, from pyinspect-python processes under `run --allocations`, `--gil` or hang watching, capture.py's own
  records (`allocations`, `hang`, `thread_started`) in the same file; under `--gil`, main.c also saves the
  process's GIL trace as `<pid>.gil.json`/`.gil.stacks`/`.gil.events` beside it (GILTraceRecord's format).
      written by whichever process reaped a child through os.waitpid (multiprocessing, subprocess, the
      forkserver, gunicorn's arbiter): the one place a child killed by a signal is still seen ending.

Nothing here imports a module the interpreter has not already loaded. In the embedded target this module is
imported only when the target forks or reaps a child (host.py's lazy hooks), so a run without children never
pays for it.
"""
import _thread
import os
import sys
import time

from . import fastjson

_directory = os.environ.get("PYINSPECT_CHILD_DIR") or None
# The process whose end this module records (once): a child seen starting, or the target itself.
_recorded = [None]
# True in pyinspect-python processes (and their forks), whose main.c writes the end when the process exits.
_native_end = [False]
_real_exit = [None]
_SITE_FRAMES = 12
# Children this process started through subprocess.Popen (their command is in a process_spawned record).
_spawned = set()
# Command lines read from /proc for other children, once per pid, at the first wait for it.
_proc_commands = {}
# Threads blocked in os.waitpid for one child now: thread ident -> pid (hang_processes.py: a wait that can never
# end because that child deadlocked is the target's deadlock too).
blocked_waits = {}


def install(argument):
    """pyinspect-python, before the program runs (argument: JSON {"start_monotonic_s": t from main()})."""
    if _directory is None:
        return ""
    options = fastjson.loads(argument)
    _native_end[0] = True
    _recorded[0] = os.getpid()
    os.register_at_fork(after_in_child=after_fork_in_child)
    os.waitpid = waitpid_recorded
    watch_subprocess()
    _wrap_exit()
    hangs_on = bool(os.environ.get("PYINSPECT_CHILD_HANGS"))
    if hangs_on:
        _answer_watch_requests()  # before process_started: a parent asks only a process whose start it has read
    _write({"record": "process_started", "started_by": "exec", "parent_pid": os.getppid(),
            "argv": list(getattr(sys, "orig_argv", sys.argv)), "monotonic_s": options["start_monotonic_s"]})
    allocations_on = bool(os.environ.get("PYINSPECT_CHILD_ALLOC_SAMPLE"))
    gil_on = bool(os.environ.get("PYINSPECT_CHILD_GIL"))
    queries_on = bool(os.environ.get("PYINSPECT_CHILD_QUERIES"))
    if hangs_on or allocations_on or gil_on or queries_on:
        # The instruments' records (capture.py's) go to this process's own file.
        from . import capture
        capture.open_capture("%s/%d.jsonl" % (_directory, os.getpid()), reserve=False)
        if gil_on:  # main.c traces the GIL after this returns; its threads' names (thread_started) name the figures
            from . import threads
            threads.install()
        import atexit  # built in
        if allocations_on:  # main.c starts the sampler after this returns
            atexit.register(_save_allocations)
        if queries_on:  # the statements this process sends, written at its end (atexit, or os._exit)
            from . import query_hooks
            query_hooks.install()
            atexit.register(_flush_queries)
        if hangs_on:  # event records as in the target; deadlocks: child_hangs' watcher, once threads can deadlock
            from . import hangs
            hangs.install()
            atexit.register(hangs.at_exit)
            if os.environ.get("PYINSPECT_CHILD_DEADLOCKS"):
                _watch_deadlocks()
    return ""


# A parent that has joined this process for a while asks it to watch itself (hang_processes.py), with this
# signal. The watcher is a thread the program can see, so without --timeout it starts only when asked (with
# --timeout it runs already, and the request changes nothing; the handler is set either way, so a parent never
# sends it to a process without one).
WATCH_REQUEST_OFFSET = 4  # SIGRTMAX - 4


def _answer_watch_requests():
    """Sets the Python-level handler of the watch request: it runs on the main thread at its next safe point,
    which a thread blocked joining others or waiting on a lock reaches (their waits retry after a signal)."""
    import _signal
    number = _signal.SIGRTMAX - WATCH_REQUEST_OFFSET
    try:
        if _signal.getsignal(number) in (_signal.SIG_DFL, None):
            _signal.signal(number, pyinspect_watch_deadlocks)
    except (ValueError, OSError):  # not the main thread: nobody could run the handler
        pass


def pyinspect_watch_deadlocks(_signum, _frame):
    """(hangs.py's _NOT_WAKING names it: it never wakes a wait to go on.)"""
    from . import child_hangs
    child_hangs.start()


def _watch_deadlocks():
    """child_hangs' watcher, started when the process imports threading or asyncio (now, if it has)."""
    from . import import_hooks

    def start(_module):
        from . import child_hangs
        child_hangs.start()
    import_hooks.after_import("threading", start)
    import_hooks.after_import("asyncio", start)


def _save_allocations():
    # capture.write writes in the process that opened the capture only: a fork (which inherited the parent's
    # samples) writes nothing.
    from . import allocations
    try:
        allocations.save()
    except Exception as error:
        capture = sys.modules.get("_pyinspect.capture")
        if capture is not None:
            capture.write({"record": "allocations_error", "message": repr(error)[:500]})


def _wrap_exit():
    _real_exit[0] = os._exit
    os._exit = _exit_recorded


def _write(record):
    pid = os.getpid()
    record["pid"] = pid
    record.setdefault("monotonic_s", time.monotonic())
    data = (fastjson.dumps(record) + "\n").encode("ascii")
    try:
        fd = os.open("%s/%d.jsonl" % (_directory, pid), os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return
    try:
        os.write(fd, data)
    except OSError:
        pass
    finally:
        os.close(fd)


def after_fork_in_child():
    """os.register_at_fork's after_in_child, in every Python process of the tree."""
    if _directory is None:
        return
    try:
        now = time.monotonic()
        # The high-water mark is copied with the parent's memory: start it again at the child's own RSS.
        try:
            fd = os.open("/proc/self/clear_refs", os.O_WRONLY)
            try:
                os.write(fd, b"5")
            finally:
                os.close(fd)
        except OSError:
            pass
        first = _recorded[0] is None and not _native_end[0]
        _recorded[0] = os.getpid()
        if _real_exit[0] is None:
            _wrap_exit()
        if first:  # a fork of the embedded target: nothing else records its end
            import atexit  # built in
            atexit.register(_at_exit)
        # _native_end stays: a fork of a pyinspect-python process also exits through main.c, which writes it.
        if os.environ.get("PYINSPECT_CHILD_QUERIES"):
            queries = sys.modules.get("_pyinspect.queries")
            if queries is not None:
                queries.forget_the_parents()
            import atexit  # built in
            atexit.register(_flush_queries)
        if os.environ.get("PYINSPECT_CHILD_HANGS") and "_pyinspect.hangs" in sys.modules:
            # The parent's monitor thread did not survive the fork: this process watches itself, from now on
            # with --timeout, else when a parent joining it asks. Set before process_started is written: a
            # parent asks only a process whose start it has read (hang_processes.py).
            from . import child_hangs
            child_hangs.forget_other_threads()
            _answer_watch_requests()
            if os.environ.get("PYINSPECT_CHILD_DEADLOCKS"):
                _watch_deadlocks()
        _write({"record": "process_started", "started_by": "fork", "parent_pid": os.getppid(),
                "argv": list(getattr(sys, "orig_argv", sys.argv)), "monotonic_s": now,
                "fork_site": _frames(sys._getframe(1))})
    except BaseException:
        pass


def _frames(frame):
    frames = []
    while frame is not None and len(frames) < _SITE_FRAMES:
        code = frame.f_code
        if "/pyscripts/pyinspect/" not in code.co_filename:
            frames.append({"file": code.co_filename, "line": frame.f_lineno or 0, "function": code.co_name})
        frame = frame.f_back
    return frames


def _peak_rss_bytes():
    try:
        fd = os.open("/proc/self/status", os.O_RDONLY)
        try:
            text = os.read(fd, 8192)
        finally:
            os.close(fd)
        start = text.index(b"VmHWM:") + 6
        return int(text[start:text.index(b"kB", start)].strip()) * 1024
    except (OSError, ValueError):
        return None


def _write_end(how, code):
    if _recorded[0] != os.getpid() or _directory is None:
        return
    _recorded[0] = None  # once
    times = os.times()
    _write({"record": "process_ended", "how": how, "exit_code": code, "cpu_user_s": times.user,
            "cpu_system_s": times.system, "peak_rss_bytes": _peak_rss_bytes()})


def _flush_queries():
    """This process's database statements (PYINSPECT_CHILD_QUERIES), once, into its own file: a multiprocessing
    worker ends by os._exit, which runs no atexit function."""
    queries = sys.modules.get("_pyinspect.queries")
    if queries is None or _directory is None or queries._flushed[0]:
        return
    from . import capture
    try:
        if not capture.is_owner():  # a fork of the target: its records go to its own file
            capture.open_capture("%s/%d.jsonl" % (_directory, os.getpid()), reserve=False)
        queries.flush()
    except Exception as error:
        capture.write({"record": "queries_error", "message": repr(error)[:500]})


def _exit_recorded(code):
    try:
        if os.environ.get("PYINSPECT_CHILD_QUERIES"):
            _flush_queries()
        _write_end("os_exit", code)
    except BaseException:
        pass
    _real_exit[0](code)


def _at_exit():
    if not _native_end[0]:
        try:
            _write_end("atexit", None)
        except BaseException:
            pass


def target_at_exit():
    """The embedded target's own end (host.py, when this module was loaded: the target had children), so the
    report's top level can give its own figures, which the supervisor's wait4 mixes with its children's."""
    if _recorded[0] is None and not _native_end[0]:
        _recorded[0] = os.getpid()
        _at_exit()


def watch_subprocess():
    """Records each child subprocess.Popen starts (process_spawned), once the program imports subprocess."""
    from . import import_hooks
    import_hooks.after_import("subprocess", patch_subprocess)


def patch_subprocess(module):
    popen = getattr(module, "Popen", None)
    original = getattr(popen, "_execute_child", None)
    if original is None or getattr(original, "_pyinspect_spawn", False):
        return

    def _execute_child(self, args, executable, preexec_fn, close_fds, pass_fds, cwd, env, *rest):
        started = time.monotonic()
        original(self, args, executable, preexec_fn, close_fds, pass_fds, cwd, env, *rest)
        try:
            _record_spawn(self.pid, args, executable, env, bool(rest[2]) if len(rest) > 2 else False, started)
        except BaseException:
            pass

    _execute_child._pyinspect_spawn = True
    popen._execute_child = _execute_child


def _record_spawn(pid, args, executable, env, shell, started):
    if _directory is None or not pid:
        return
    if isinstance(args, (str, bytes, os.PathLike)):
        argv = [os.fsdecode(args)]
    else:
        argv = [os.fsdecode(argument) for argument in args]
    if shell:
        argv = ["/bin/sh", "-c"] + argv
    program = os.fsdecode(executable) if executable is not None and not shell else (argv[0] if argv else "")
    _spawned.add(pid)
    kept = True
    if env is not None:
        kept = any(os.fsdecode(key) == "PYINSPECT_CHILD_DIR" for key in env)
    _write({"record": "process_spawned", "child_pid": pid, "argv": argv, "python": _is_python(program),
            "child_dir_kept": kept, "monotonic_s": started})


def _is_python(program):
    """A Python interpreter: this process's own sys.executable, pyinspect-python or any python* program."""
    if not program:
        return False
    name = program.rsplit("/", 1)[-1]
    if name.startswith("python") or name == "pyinspect-python":
        return True
    try:
        return os.path.realpath(program) == os.path.realpath(sys.executable)
    except (OSError, ValueError):
        return False


def _proc_argv(pid):
    """A live child's command line (empty once it is a zombie, whose memory is gone)."""
    try:
        fd = os.open("/proc/%d/cmdline" % pid, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        data = os.read(fd, 65536)
    except OSError:
        return None
    finally:
        os.close(fd)
    return [os.fsdecode(part) for part in data.split(b"\0")[:-1]] or None


def waitpid_recorded(pid, options, /):
    """os.waitpid, recording each child reaped: the one place a child killed by a signal is seen ending."""
    if pid > 0 or pid == -1:
        # A child started outside Popen (os.fork + exec, os.posix_spawn) may run no Python of ours: its command
        # from /proc while it is still alive.
        if pid > 0 and pid not in _spawned and pid not in _proc_commands and _directory is not None:
            _proc_commands[pid] = _proc_argv(pid)
        # wait4 reaps exactly as waitpid does (same pid and options) and also gives the child's resource usage.
        blocking = pid > 0 and not options & os.WNOHANG
        if blocking:
            ident = _thread.get_ident()
            blocked_waits[ident] = pid
            hangs = sys.modules.get("_pyinspect.hangs")
            if hangs is not None:  # hang watching is on: have hang_processes looked at while this thread waits
                hangs.watch_processes()
        try:
            child, status, usage = os.wait4(pid, options)
        finally:
            if blocking:
                blocked_waits.pop(ident, None)
        if child > 0 and _directory is not None:
            try:
                record = {"record": "process_reaped", "child_pid": child, "status": status,
                          "cpu_user_s": usage.ru_utime, "cpu_system_s": usage.ru_stime,
                          "max_rss_bytes": usage.ru_maxrss * 1024}
                argv = _proc_commands.pop(child, None)
                if argv is not None:
                    record["argv"] = argv
                _spawned.discard(child)
                _write(record)
            except BaseException:
                pass
        return child, status
    return sys.modules["posix"].waitpid(pid, options)
