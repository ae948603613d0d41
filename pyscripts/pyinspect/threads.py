"""Records every thread the target starts: names, native ids, start and end times."""
import _thread
import sys
import threading

from . import capture

_records = []          # dicts, appended from any thread (list.append is atomic under the GIL)
_original_start = None


def install():
    global _original_start
    if _original_start is not None:
        return
    _original_start = _thread.start_new_thread

    def start_new_thread(function, args, kwargs=None):
        record = {"name": None, "ident": None, "native_id": None, "daemon": None,
                  "started_s": round(capture.seconds_since_start(), 6), "ended_s": None}
        owner = getattr(function, "__self__", None)
        if isinstance(owner, threading.Thread):
            record["name"] = owner.name
            record["daemon"] = owner.daemon

        def tracked(*call_args, **call_kwargs):
            record["ident"] = _thread.get_ident()
            record["native_id"] = _thread.get_native_id()
            _records.append(record)
            try:
                return function(*call_args, **call_kwargs)
            finally:
                if isinstance(owner, threading.Thread):
                    record["name"] = owner.name
                record["ended_s"] = round(capture.seconds_since_start(), 6)

        return _original_start(tracked, args, {} if kwargs is None else kwargs)

    _thread.start_new_thread = start_new_thread
    threading._start_new_thread = start_new_thread


def names_by_ident():
    names = {ident: thread.name for ident, thread in list(threading._active.items())}
    for record in list(_records):
        if record["ident"] is not None and record["name"]:
            names.setdefault(record["ident"], record["name"])
    return names


def snapshot():
    """Every thread seen so far, the main thread first."""
    main = threading.main_thread()
    rows = [{"name": main.name, "ident": main.ident, "native_id": getattr(main, "native_id", None),
             "daemon": False, "started_s": 0.0, "ended_s": None}]
    live = threading._active
    for record in list(_records):
        row = dict(record)
        if row["name"] is None and row["ident"] in live:
            row["name"] = live[row["ident"]].name
        if row["name"] is None:
            row["name"] = f"thread-{row['native_id']}"
        rows.append(row)
    return rows
