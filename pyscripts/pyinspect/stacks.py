"""Python stacks of every thread, with the names threading gives them."""
import sys

from . import threads


def all_threads(limit=50):
    import traceback
    names = threads.names_by_ident()
    native = {}
    for row in threads.snapshot():
        if row["ident"] is not None:
            native[row["ident"]] = row["native_id"]
    result = []
    caller = threads.current_ident()
    for ident, frame in sys._current_frames().items():
        if ident == caller:
            continue  # the host thread asking (the timeout watchdog), not one of the target's
        summary = traceback.extract_stack(frame, limit=limit)
        frames = [{"file": entry.filename, "line": entry.lineno, "function": entry.name,
                   "code": entry.line or ""} for entry in reversed(summary)]
        # Innermost first, as faulthandler prints; drop pyinspect's own frames.
        frames = [entry for entry in frames if "/pyscripts/pyinspect/" not in entry["file"]]
        result.append({"name": names.get(ident, f"thread-{ident}"), "ident": ident,
                       "native_id": native.get(ident), "frames": frames})
    return result
