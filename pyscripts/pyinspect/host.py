"""Instruments for `pyinspect run`, installed in the target's interpreter just before its main runs."""
import atexit
import json
import os
import sys

from . import capture, gc_stats, hangs, stacks, target_check, threads

_ended = [False]


def prepare(argument):
    """Checks the target, installs the instruments. Returns JSON: {"ok": true} or {"problem", "message"}."""
    options = json.loads(argument)
    capture.open_capture(options["capture"])
    target = options["target"]
    problem = target_check.check(target["kind"], target["value"])
    if problem is not None:
        return json.dumps({"ok": False, "problem": problem[0], "message": problem[1]})
    capture.write({"record": "start", "pid": os.getpid(), "python": _python_facts()})
    gc_stats.install()
    threads.install()
    if options.get("hangs", True):
        hangs.install()
    atexit.register(_at_exit)
    return json.dumps({"ok": True})


def _python_facts():
    return {"version": sys.version.split()[0], "implementation": sys.implementation.name,
            "executable": sys.executable, "prefix": sys.prefix, "base_prefix": sys.base_prefix,
            "virtualenv": sys.prefix != sys.base_prefix}


def _end_record(reason):
    exception = None
    last = getattr(sys, "last_value", None)
    if last is not None:
        exception = {"type": type(last).__qualname__, "module": type(last).__module__,
                     "message": str(last)[:2000]}
    return {"record": "end", "reason": reason, "gc": gc_stats.snapshot(), "threads": threads.snapshot(),
            "exception": exception}


def _at_exit():
    # Registered before the target's own atexit functions, so it runs after them.
    if not _ended[0]:
        _ended[0] = True
        hangs.at_exit()
        capture.write(_end_record("exit"))


def on_timeout(argument):
    """Called by the host's watchdog, with the GIL, when --timeout expires."""
    return _stop("timeout")


def on_deadlock(argument):
    """Called by the host's hang monitor, with the GIL, when it found a deadlock; the host then exits 123."""
    hangs.snapshot("deadlock", json.loads(argument) if argument else None)
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
    capture.write({"record": "stacks", "reason": reason, "threads": stacks.all_threads()})
    _ended[0] = True
    capture.write(_end_record(reason))
    return ""
