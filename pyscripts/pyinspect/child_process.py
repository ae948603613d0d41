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
   "max_rss_bytes"}
      written by whichever process reaped a child through os.waitpid (multiprocessing, subprocess, the
      forkserver, gunicorn's arbiter): the one place a child killed by a signal is still seen ending.

Nothing here imports a module the interpreter has not already loaded.
"""
import os
import sys
import time

from . import fastjson

_directory = [None]
_installed_pid = [None]
# The process whose end this module records (once): a child it saw start, or the target itself.
_recorded_child = [None]
# True in pyinspect-python processes, whose main.c writes the end record when the process exits.
_native_end = [False]
_real_exit = [None]
_real_waitpid = [None]
_SITE_FRAMES = 12


def install(argument):
    """In pyinspect-python (argument: JSON {"start_monotonic_s": t}) or in the embedded target ("main")."""
    directory = os.environ.get("PYINSPECT_CHILD_DIR")
    if not directory:
        return ""
    _directory[0] = directory
    _installed_pid[0] = os.getpid()
    os.register_at_fork(after_in_child=_after_fork_in_child)
    _real_waitpid[0] = os.waitpid
    os.waitpid = _waitpid_recorded
    _real_exit[0] = os._exit
    os._exit = _exit_recorded
    import atexit  # built in
    atexit.register(_at_exit)
    if argument == "main":
        _recorded_child[0] = os.getpid()  # the target's own end: its figures without its children's
    elif argument:
        options = fastjson.loads(argument)
        _native_end[0] = True
        _recorded_child[0] = os.getpid()
        _write({"record": "process_started", "started_by": "exec", "parent_pid": os.getppid(),
                "argv": list(getattr(sys, "orig_argv", sys.argv)), "monotonic_s": options["start_monotonic_s"]})
    return ""


def _write(record):
    pid = os.getpid()
    record["pid"] = pid
    record.setdefault("monotonic_s", time.monotonic())
    data = (fastjson.dumps(record) + "\n").encode("ascii")
    try:
        fd = os.open("%s/%d.jsonl" % (_directory[0], pid), os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
                     0o600)
    except OSError:
        return
    try:
        os.write(fd, data)
    except OSError:
        pass
    finally:
        os.close(fd)


def _after_fork_in_child():
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
        _recorded_child[0] = os.getpid()
        # _native_end stays: a fork of a pyinspect-python process also returns through main.c, which writes it.
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


def _usage(who):
    import resource  # loaded lazily: only a process that ends or reaps pays for it
    usage = resource.getrusage(who)
    return usage.ru_utime, usage.ru_stime


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
    if _recorded_child[0] != os.getpid() or _directory[0] is None:
        return
    _recorded_child[0] = None  # once
    user, system = _usage(0)  # RUSAGE_SELF
    _write({"record": "process_ended", "how": how, "exit_code": code, "cpu_user_s": user,
            "cpu_system_s": system, "peak_rss_bytes": _peak_rss_bytes()})


def _exit_recorded(code):
    try:
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


def _waitpid_recorded(pid, options, /):
    # wait4 reaps exactly as waitpid does (same pid and options) and also gives the child's resource usage.
    if pid > 0 or pid == -1:
        child, status, usage = os.wait4(pid, options)
        if child > 0:
            try:
                _write({"record": "process_reaped", "child_pid": child, "status": status,
                        "cpu_user_s": usage.ru_utime, "cpu_system_s": usage.ru_stime,
                        "max_rss_bytes": usage.ru_maxrss * 1024})
            except BaseException:
                pass
        return child, status
    return _real_waitpid[0](pid, options)
