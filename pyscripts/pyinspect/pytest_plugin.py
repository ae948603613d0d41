"""pytest plugin: each checked test is repeated under pyinspect's leak protocol and fails when it leaks.

Active when pytest runs under the host: `pyinspect test [pytest args]`, or `pyinspect run -m pytest -p
_pyinspect.pytest_plugin …`. `--leaks` checks every test; `@pytest.mark.no_leaks` checks one;
`@pytest.mark.leaks_ok` opts one out. No threshold to pick: the same per-signal verdict as `pyinspect leaks`
(Swift's LeakVerdict, reached through `_pyinspect_native`), the same measurements and attribution (leaks.py).

Fixtures and setup run once and are not counted: after pytest's own call of the test, its call phase
(`item.runtest()`, the same fixture values) is repeated: warm-up calls, then measured calls with the
interpreter's caches cleared and the gc collected before each measurement, until every signal is decided or the
budget is spent. A leaking test fails with the leak report: kind, the line of the test's code that allocated it,
and the chain of references that keeps it alive.
"""
import time

import pytest

from . import fastjson, leaks

WARMUP_CALLS = 2
BUDGET_SECONDS = 2.5
MAX_CALLS = 600


def pytest_addoption(parser):
    group = parser.getgroup("pyinspect")
    group.addoption("--leaks", action="store_true", default=False,
                    help="check every test for leaks with pyinspect (repeats each test's call phase)")
    group.addoption("--leaks-budget", type=float, default=BUDGET_SECONDS,
                    help="seconds of repeated calls per test after which undecided signals are decided")


def pytest_configure(config):
    config.addinivalue_line("markers", "no_leaks: fail this test if it leaks (pyinspect's leak protocol)")
    config.addinivalue_line("markers", "leaks_ok: never check this test for leaks, even with --leaks")


def _checked(item):
    if item.get_closest_marker("leaks_ok") is not None:
        return False
    return item.config.getoption("leaks") or item.get_closest_marker("no_leaks") is not None


# tryfirst: outside pytest's own call-phase wrappers. A failure raised from inside them (as a `-p` plugin's
# wrapper is by default) loses the test's progress letter to the teardown's captured output.
@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_call(item):
    outcome = yield
    if outcome.excinfo is not None or not _checked(item):
        return  # the test failed by itself, or is not checked
    report = _quietly(item, lambda: _hunt(item))
    if report is not None:
        # Raised after pytest's own call: the test's call phase fails with the leak report.
        pytest.fail(report, pytrace=False)


def _quietly(item, work):
    """Runs the hunt under pytest's global capture and drops what the repeated calls printed: the test's own
    call already showed its output once (this wrapper runs outside the call phase's capture)."""
    capture = item.config.pluginmanager.getplugin("capturemanager")
    if capture is None:
        return work()
    capture.resume_global_capture()
    try:
        return work()
    finally:
        capture.suspend_global_capture(in_=False)
        capture.read_global_capture()


def _native(name, argument):
    import _pyinspect_native
    return fastjson.loads(_pyinspect_native.call(name, fastjson.dumps(argument)))


def _hunt(item):
    """None when clean, else the failure text. The per-call series live in Swift (see NativeAnalysis)."""
    signals = _native("leak_hunt_start", {})
    leaks._state["function"] = item.runtest
    leaks._state["loop"] = None
    budget = item.config.getoption("leaks_budget")
    started = time.monotonic()
    try:
        reply = leaks.step(str(WARMUP_CALLS))
        while True:
            levels = fastjson.loads(reply)
            if "raised" in levels:
                return None  # a test that fails when repeated is not ours to judge here
            final = time.monotonic() - started >= budget
            verdict = _native("leak_hunt_step", {"levels": levels, "final": final})
            if verdict["calls"] >= MAX_CALLS and "undecided" in verdict["trends"]:
                verdict = _native("leak_hunt_step", {"levels": levels, "final": True})
            if verdict["calls"] > 0 and "undecided" not in verdict["trends"]:
                break
            reply = leaks.step("1")
        growing = [name for name, trend in zip(signals, verdict["trends"]) if trend == "growing"]
        if not growing:
            return None
        native_per_call = verdict["growth_per_call"][signals.index("native")]
        found = fastjson.loads(leaks.attribute(fastjson.dumps(
            {"signals": growing, "calls": 6, "native_per_call": native_per_call})))
        if not found.get("leaks") and found.get("bounded"):
            return None  # what grew is a bounded cache filling (an lru_cache with a maxsize...): not a leak
        return _describe(item, verdict["calls"], growing, found.get("leaks") or [])
    finally:
        leaks._state["function"] = None
        loop = leaks._state.get("loop")
        if loop is not None:
            loop.close()
            leaks._state["loop"] = None


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
