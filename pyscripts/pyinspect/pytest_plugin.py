"""pytest plugin: each checked test is repeated under pyinspect's leak protocol and fails when it leaks.

Active when pytest runs under the host: `pyinspect test [pytest args]`, or `pyinspect run -m pytest -p
_pyinspect.pytest_plugin …`. `--leaks` checks every test; `@pytest.mark.no_leaks` checks one;
`@pytest.mark.leaks_ok` opts one out. No threshold to pick: the same per-signal verdict as `pyinspect leaks`
(Swift's LeakVerdict, reached through `_pyinspect_native`), the same measurements and attribution (leaks.py).

After pytest's own call of a checked test (its first warm-up), the call phase is repeated inside pytest's own
call-phase wrappers with fresh function-scoped fixtures (pytest_harness.py). Two phases keep the cost near the
test's own:
1. frozen: `pyinspect leaks`' protocol (leaks.step: caches cleared, full collections, every signal) with the
   heap that existed before the repeats frozen (gc.freeze), so a full collection costs only what the repeats
   made, not pytest's whole heap. A test whose signals stay flat passes here.
2. full, only when a signal grew: the same protocol on the unfrozen heap (garbage that only a collection of
   the old objects finds is told apart), then attribution (site, types, chain) when a signal still grows.
A leak fails the test as its own call-phase failure (a new-style `wrapper=True` hook, raising like the test
would; never through a pluggy teardown warning). Growth over a few calls with no site, no type and no chain is
not evidence enough: the test passes and the summary lists it as inconclusive.
"""
import gc
import os
import sys
import time

import pytest

from . import fastjson, gc_stats, leaks, pytest_harness

WARMUP_CALLS = 1          # pytest's own call is the first warm-up
BUDGET_SECONDS = 2.5
MAX_CALLS = 600
LEAK_CALLS = 150          # LeakPolicy.leakCalls: growth sustained this long is a leak without the budget
_state = {"checked": 0, "escalated": [], "flagged": [], "inconclusive": [], "errors": [], "seconds": 0.0, "calls": 0,
          "collections": 0}
_bound = {}


def pytest_addoption(parser):
    group = parser.getgroup("pyinspect")
    group.addoption("--leaks", action="store_true", default=False,
                    help="check every test for leaks with pyinspect (repeats each test's call phase)")
    group.addoption("--leaks-budget", type=float, default=BUDGET_SECONDS,
                    help="seconds of repeated calls per test after which undecided signals are decided")


def pytest_configure(config):
    config.addinivalue_line("markers", "no_leaks: fail this test if it leaks (pyinspect's leak protocol)")
    config.addinivalue_line("markers", "leaks_ok: never check this test for leaks, even with --leaks")
    # Everything the checks use, imported now: a test may have patched `sys` (sys.implementation, sys.path)
    # while its repeats are measured, and an import then can fail or crash.
    import collections, io, itertools, linecache, traceback, tracemalloc, types  # noqa: F401,E401
    import _pyinspect_native
    _bound["native"] = _pyinspect_native.call
    _bound["clock"] = time.monotonic
    _bound["hunt_clock"] = _own_time_clock(time.monotonic, os.open, os.read, os.close)
    _bound["freeze"] = gc.freeze
    _bound["unfreeze"] = gc.unfreeze
    _bound["get_stats"] = gc.get_stats
    leaks._native_bytes()  # loads ctypes now
    pytest_harness.bind(config)


def _checked(item):
    if item.get_closest_marker("leaks_ok") is not None:
        return False
    return item.config.getoption("leaks") or item.get_closest_marker("no_leaks") is not None


def _wrapper_kind():
    try:
        return pytest.hookimpl(wrapper=True, trylast=True), True
    except TypeError:  # pluggy < 1.2
        return pytest.hookimpl(hookwrapper=True, trylast=True), False


_marker, _NEW_STYLE = _wrapper_kind()

# trylast: the innermost wrapper of the call phase, so the repeats run inside pytest's own capture, logging
# and warnings contexts (their records are reset between repeats), and a leak fails the call phase as an
# exception from the test would.
if _NEW_STYLE:
    @_marker
    def pytest_runtest_call(item):
        result = yield
        if _checked(item):
            failure = _check(item)
            if failure is not None:
                raise pytest.fail.Exception(failure, pytrace=False)
        return result
else:
    @_marker
    def pytest_runtest_call(item):
        outcome = yield
        if outcome.excinfo is not None or not _checked(item):
            return
        failure = _check(item)
        if failure is None:
            return
        try:
            pytest.fail(failure, pytrace=False)
        except pytest.fail.Exception as error:
            force = getattr(outcome, "force_exception", None)
            if force is not None:
                force(error)
            else:  # pluggy 1.0
                outcome._excinfo = (type(error), error, error.__traceback__)


def _native(name, argument):
    return fastjson.loads(_bound["native"](name, fastjson.dumps(argument)))


def _check(item):
    """None when clean (or not judged), else the failure text. A failure of the plugin itself is not the test's:
    it is listed in the summary and the test is left unjudged."""
    try:
        return _check_repeats(item)
    except KeyboardInterrupt:
        raise
    except Exception as error:
        _state["errors"].append(f"{item.nodeid}: {type(error).__name__}: {error}")
        return None


def _check_repeats(item):
    clock = _bound["clock"]
    started = clock()
    collections_before = sum(s["collections"] for s in _bound["get_stats"]())
    # The repeats' gc work is the plugin's, not the target's: out of the run's gc figures.
    callback = gc_stats._callback if gc_stats._callback in gc.callbacks else None
    if callback is not None:
        gc.callbacks.remove(callback)
    # The repeats' statements are the harness's too: a test querying once, repeated 150 times, was an n_plus_one
    # of the run. (Looked up, not imported: the plugin imports nothing while a test runs.)
    queries = sys.modules.get("_pyinspect.queries")
    repeating = getattr(queries, "_harness_repeating", None)
    if repeating is not None:
        repeating[0] = True
    repeats = pytest_harness.Repeats(item)
    try:
        repeats.start()
        _state["checked"] += 1
        budget = item.config.getoption("leaks_budget")
        verdict, signals = _frozen_hunt(repeats, budget)
        if verdict is None or "growing" not in verdict["trends"]:
            return None  # clean, or failed when repeated (not ours to judge)
        grew = [name for name, trend in zip(signals, verdict["trends"]) if trend == "growing"]
        _state["escalated"].append(f"{item.nodeid} ({', '.join(grew)} growing over {verdict['calls']} calls)")
        return _attribute(item, repeats, verdict, signals)
    finally:
        repeats.finish()
        if repeating is not None:
            repeating[0] = False
        if callback is not None and callback not in gc.callbacks:
            gc.callbacks.append(callback)
        _state["seconds"] += clock() - started
        _state["collections"] += sum(s["collections"] for s in _bound["get_stats"]()) - collections_before


def _own_time_clock(monotonic, open_, read, close):
    """Seconds of wall time minus the time this thread waited for a CPU (/proc/thread-self/schedstat): the leak
    budget's clock, so that a loaded machine does not cut a hunt short (a leak stepping once every 25 calls was
    judged clean when the budget ran out after fewer calls). The functions are bound now: a test may patch os."""
    def clock():
        now = monotonic()
        try:
            fd = open_("/proc/thread-self/schedstat", 0)
            try:
                return now - int(read(fd, 96).split()[1]) / 1e9
            finally:
                close(fd)
        except (OSError, IndexError, ValueError):
            return now
    return clock


def _frozen_hunt(repeats, budget):
    """(verdict, signal names); verdict None when a repeat failed."""
    clock = _bound["hunt_clock"]
    started = clock()
    signals = _native("leak_hunt_start", {})
    leaks._state["function"] = repeats.call
    # Everything alive before the repeats is moved out of the collector's sight: each measurement's full
    # collection (which also empties the free lists, as only a full one does) then costs what the test made.
    _bound["freeze"]()
    try:
        reply = leaks.step(str(WARMUP_CALLS))
        while True:
            levels = fastjson.loads(reply)
            if "raised" in levels:
                return None, signals
            final = clock() - started >= budget
            verdict = _native("leak_hunt_step", {"levels": levels, "final": final})
            if verdict["calls"] >= MAX_CALLS and "undecided" in verdict["trends"]:
                verdict = _native("leak_hunt_step", {"levels": levels, "final": True})
            trends = verdict["trends"]
            if verdict["calls"] > 0 and "undecided" not in trends:
                _state["calls"] += verdict["calls"] + WARMUP_CALLS
                return verdict, signals
            reply = leaks.step("1")
    finally:
        _bound["unfreeze"]()
        leaks._state["function"] = None


def _attribute(item, repeats, verdict, signals):
    """Where the growth comes from, on the unfrozen heap (leaks.attribute: calls under tracemalloc, a census,
    a reference chain). Growth it can tie to nothing is not evidence enough to fail the test."""
    growing = [name for name, trend in zip(signals, verdict["trends"]) if trend == "growing"]
    if growing == ["native"] and verdict["calls"] < LEAK_CALLS:
        # Attribution could not make this evidence (see _evidence), and tracing a slow test's lines is costly.
        _state["inconclusive"].append(
            f"{item.nodeid}: only the C heap grew, over {verdict['calls']} calls (the budget's end)")
        return None
    native_per_call = verdict["growth_per_call"][signals.index("native")]
    leaks._state["function"] = repeats.call
    leaks._state["loop"] = None
    try:
        found = fastjson.loads(leaks.attribute(fastjson.dumps(
            {"signals": growing, "calls": 6, "native_per_call": native_per_call, "census_before_tracing": True})))
    finally:
        leaks._state["function"] = None
    if "raised" in found:
        return None
    if not found.get("leaks") and found.get("bounded"):
        return None  # what grew is a bounded cache filling (an lru_cache with a maxsize...): not a leak
    found = found.get("leaks") or []
    if not _evidence(growing, found, verdict["calls"]):
        _state["inconclusive"].append(
            f"{item.nodeid}: {', '.join(growing)} grew over {verdict['calls']} calls; attribution tied it to nothing")
        return None
    _state["flagged"].append(item.nodeid)
    return _describe(item, verdict["calls"], growing, found)


def _evidence(growing, found, calls):
    """A leak the attribution could tie to something: descriptors, threads or tasks (counted exactly); Python
    memory with a site, a growing type or a chain; C heap growth (its site is only the line that was running when
    the C heap grew) when it was sustained for as long as a leak must be without a budget cut."""
    if set(growing) & {"fds", "threads", "tasks", "connections"}:
        return True
    for leak in found:
        if leak.get("kind") == "native":
            if calls >= LEAK_CALLS and leak.get("site"):
                return True
        elif leak.get("site") or leak.get("types") or leak.get("chain"):
            return True
    return False


def pytest_terminal_summary(terminalreporter):
    if not _state["checked"]:
        return
    write = terminalreporter.write_line
    write(f"pyinspect: {_state['checked']} tests checked for leaks in {_state['seconds']:.1f} s "
          f"({_state['calls']} repeated calls, {len(_state['escalated'])} were attributed); "
          f"{_state['collections']} gc collections made by the checks, not counted in the run's gc figures")
    if _state["flagged"]:
        write(f"pyinspect: leaking: {', '.join(_state['flagged'])}")
    if terminalreporter.config.getoption("verbose") > 0:
        for line in _state["escalated"]:
            write(f"pyinspect: attributed: {line}")
    for line in _state["inconclusive"]:
        write(f"pyinspect: inconclusive, passed: {line}")
    for line in _state["errors"]:
        write(f"pyinspect: not checked (the plugin failed): {line}")


def _describe(item, calls, growing, found):
    lines = [f"pyinspect: {item.nodeid} leaks ({', '.join(growing)} kept growing over {calls} repeated calls)"]
    for number, leak in enumerate(found, 1):
        site = leak.get("site") or {}
        per_call = []
        if leak.get("objects_per_call"):
            per_call.append(f"{leak['objects_per_call']:g} objects/call")
        if leak.get("bytes_per_call"):
            per_call.append(f"{leak['bytes_per_call']:g} bytes/call")
        lines.append(f"  [{number}] {leak.get('kind', '?')}" + (f", {', '.join(per_call)}" if per_call else ""))
        if site:
            code = next((frame.get("code") for frame in leak.get("traceback") or []
                         if frame.get("file") == site.get("file") and frame.get("line") == site.get("line")), "")
            lines.append(f"      site: {site.get('file')}:{site.get('line')}" + (f"  {code.strip()}" if code else ""))
        stored = leak.get("stored_at") or leak.get("stored")
        if isinstance(stored, dict) and stored.get("file"):
            lines.append(f"      stored at {stored.get('file')}:{stored.get('line')}")
        frames = [frame for frame in leak.get("traceback") or [] if frame.get("file")]
        if len(frames) > 1:
            lines.append("      traceback (innermost first):")
            for frame in frames[:6]:
                lines.append(f"        {frame['file']}:{frame.get('line')}"
                             + (f"  {frame['code'].strip()}" if frame.get("code") else ""))
        types = leak.get("types") or []
        if types:
            lines.append("      types: " + ", ".join(f"{t.get('name')} +{t.get('per_call', 0):g}/call" for t in types[:4]))
        chain = leak.get("chain") or []
        if chain:
            lines.append("      kept alive by:")
            for step in chain[:8]:
                lines.append(f"        {step.get('via') or step.get('type', '')} → {step.get('repr', '')}".rstrip())
        if leak.get("message"):
            lines.append(f"      {leak['message']}")
    return "\n".join(lines)

