"""Records every thread the target starts: names, native ids, start and end times.

Wraps `_thread.start_new_thread` (threading binds it when imported, so this must run before the target
imports threading). `threading` itself is only looked up when present: importing it costs start-up time.
"""
import _thread
import sys

from . import capture

_records = []          # dicts, appended from any thread (list.append is atomic under the GIL)
_original_start = None


def _threading():
    return sys.modules.get("threading")


def install():
    global _original_start
    if _original_start is not None:
        return
    _original_start = _thread.start_new_thread

    def start_new_thread(function, args, kwargs=None):
        record = {"name": None, "ident": None, "native_id": None, "daemon": None,
                  "started_s": round(capture.seconds_since_start(), 6), "ended_s": None}
        threading = _threading()
        owner = getattr(function, "__self__", None)
        if threading is None or not isinstance(owner, threading.Thread):
            owner = None
        if owner is not None:
            record["name"] = owner.name
            record["daemon"] = owner.daemon

        def tracked(*call_args, **call_kwargs):
            record["ident"] = _thread.get_ident()
            record["native_id"] = _thread.get_native_id()
            _records.append(record)
            # On disk too: a run that never reaches its end record (a C call holding the GIL at a timeout, a
            # crash) still names its threads.
            capture.write({"record": "thread_started",
                           "thread": dict(record, name=record["name"] or f"thread-{record['native_id']}")})
            try:
                return function(*call_args, **call_kwargs)
            finally:
                if owner is not None:
                    record["name"] = owner.name
                record["ended_s"] = round(capture.seconds_since_start(), 6)

        return _original_start(tracked, args, {} if kwargs is None else kwargs)

    _thread.start_new_thread = start_new_thread
    threading = _threading()
    if threading is not None:
        threading._start_new_thread = start_new_thread


def current_ident():
    return _thread.get_ident()


def _live_threads():
    threading = _threading()
    return dict(threading._active) if threading is not None else {}


def names_by_ident():
    names = {ident: thread.name for ident, thread in _live_threads().items()}
    for record in list(_records):
        if record["ident"] is not None and record["name"]:
            names.setdefault(record["ident"], record["name"])
    main = _main_ident()
    names.setdefault(main, "MainThread")
    return names


def _main_ident():
    threading = _threading()
    if threading is not None:
        return threading.main_thread().ident
    return _main_ident_at_install


_main_ident_at_install = _thread.get_ident()
_main_native_id_at_install = _thread.get_native_id()


def snapshot():
    """Every thread seen so far, the main thread first."""
    threading = _threading()
    main_name = threading.main_thread().name if threading is not None else "MainThread"
    rows = [{"name": main_name, "ident": _main_ident_at_install, "native_id": _main_native_id_at_install,
             "daemon": False, "started_s": 0.0, "ended_s": None}]
    live = _live_threads()
    for record in list(_records):
        row = dict(record)
        if row["name"] is None and row["ident"] in live:
            row["name"] = live[row["ident"]].name
        if row["name"] is None:
            row["name"] = f"thread-{row['native_id']}"
        rows.append(row)
    return rows
