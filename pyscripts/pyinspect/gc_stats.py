"""Garbage-collector activity through gc.callbacks: collections per generation and pause times."""
import gc
import time

_state = {"collections": [0, 0, 0], "collected": 0, "uncollectable": 0,
          "pause_total_s": 0.0, "pause_max_s": 0.0}
_started = [None]


def _callback(phase, info):
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    began = _started[0]
    _started[0] = None
    generation = info.get("generation", 0)
    if 0 <= generation <= 2:
        _state["collections"][generation] += 1
    _state["collected"] += info.get("collected", 0)
    _state["uncollectable"] += info.get("uncollectable", 0)
    if began is not None:
        pause = time.perf_counter() - began
        _state["pause_total_s"] += pause
        if pause > _state["pause_max_s"]:
            _state["pause_max_s"] = pause


def install():
    if _callback not in gc.callbacks:
        gc.callbacks.append(_callback)


def snapshot():
    return {"collections": list(_state["collections"]), "collected": _state["collected"],
            "uncollectable": _state["uncollectable"],
            "pause_total_s": round(_state["pause_total_s"], 6), "pause_max_s": round(_state["pause_max_s"], 6),
            "enabled_at_end": gc.isenabled(), "still_installed": _callback in gc.callbacks}


def is_installed():
    return _callback in gc.callbacks
