"""The pytest plugin's repeated calls of one test, without blaming the test for what pytest keeps per call.

Each repeat gets fresh function-scoped fixtures (the item's own are torn down and set up again, as a re-run
does), so `monkeypatch`'s undo list, `tmp_path`, `capsys` and user fixtures start anew. What pytest keeps outside
the fixtures is reset after every repeat: the call phase's log records (`caplog`, the report's log section),
captured output, recorded warnings, terminal statistics (a unittest `self.subTest` or the `subtests` fixture
adds a report per sub-test), `record_property`'s properties and pyinspect's own thread log. Unittest sub-test
results are swallowed during repeats instead of reported. The original call's records are kept and restored.

Everything here runs while the test's patches may be in effect (a test may have replaced `sys.implementation`):
nothing is imported after `bind()`, which the plugin calls at configure time.
"""
import logging
import sys

_refs = {}


class RepeatFailed(Exception):
    """A repeated call failed (a unittest failure or a sub-test failure, recorded rather than raised)."""


def bind(config):
    """Looks up, once, what the resets use."""
    import pytest
    _refs["skip"] = pytest.skip.Exception
    _refs["log_handler"] = getattr(sys.modules.get("_pytest.logging"), "LogCaptureHandler", None)
    _refs["warnings"] = sys.modules.get("warnings")
    _refs["threads"] = sys.modules.get(__package__ + ".threads")
    _refs["root_logger"] = logging.getLogger()
    _refs["config"] = config


def _function_scoped(item):
    info = getattr(item, "_fixtureinfo", None)
    if info is None or not hasattr(item, "_initrequest"):
        return False
    for name, definitions in info.name2fixturedefs.items():
        if name != "request" and definitions and getattr(definitions[-1], "scope", None) == "function":
            return True
    return False


class Repeats:
    """`call()` runs the test once more; `start()` before the first repeat, `finish()` after the last."""

    def __init__(self, item):
        self.item = item
        self.refresh = _function_scoped(item)
        self.resets = []
        self.restores = []
        self.sub_test_failed = False
        self.finalizer_marks = []

    def start(self):
        item = self.item
        config = item.config
        if self.refresh:
            storage = getattr(getattr(item, "stash", None), "_storage", None)
            if isinstance(storage, dict):
                # Plugins' per-item records a fixture teardown may delete (tmp_path's result record in pytest 8+).
                saved = dict(storage)

                def restore_stash():
                    for key, value in saved.items():
                        if key not in storage:
                            storage[key] = value
                self.restore_stash = restore_stash
            # A function-scoped fixture's setup adds a finalizer to each wider-scoped fixture it depends on
            # (tmp_path to tmp_path_factory), kept until that one ends: once per call in a normal run, once per
            # repeat here. Trimmed back after each refresh.
            self.finalizer_marks = []
            for definitions in item._fixtureinfo.name2fixturedefs.values():
                for definition in definitions:
                    finalizers = getattr(definition, "_finalizers", None)
                    if type(finalizers) is list and getattr(definition, "scope", None) != "function":
                        self.finalizer_marks.append((finalizers, len(finalizers)))
            # Likewise the session's and collectors' finalizer lists (a wider-scoped fixture requested again
            # schedules its finish there, once per new request).
            for node, entry in getattr(item.session._setupstate, "stack", {}).items():
                finalizers = entry[0] if isinstance(entry, tuple) and entry else None
                if node is not item and type(finalizers) is list:
                    self.finalizer_marks.append((finalizers, len(finalizers)))
        reporter = config.pluginmanager.getplugin("terminalreporter")
        stats = getattr(reporter, "stats", None)
        if isinstance(stats, dict):
            lengths = {key: len(value) for key, value in stats.items()}

            def reset_stats():
                for key in [key for key in stats if key not in lengths]:
                    del stats[key]
                for key, length in lengths.items():
                    value = stats.get(key)
                    if value is not None and len(value) > length:
                        del value[length:]
            self.resets.append(reset_stats)
        warnings = _refs.get("warnings")
        log = getattr(getattr(warnings, "_showwarnmsg_impl", None), "__self__", None)
        if type(log) is list:  # pytest's catch_warnings(record=True) for this item
            mark = len(log)
            self.resets.append(lambda: log.__delitem__(slice(mark, None)))
        properties = getattr(item, "user_properties", None)
        if type(properties) is list:
            mark_properties = len(properties)
            self.resets.append(lambda: properties.__delitem__(slice(mark_properties, None)))
        threads = _refs.get("threads")
        records = getattr(threads, "_records", None)
        if type(records) is list:
            mark_records = len(records)
            self.resets.append(lambda: records.__delitem__(slice(mark_records, None)))
        self._start_capture(config)
        self._start_logs()
        if "addSubTest" in dir(type(item)):
            item.addSubTest = self._sub_test
            self.restores.append(lambda: item.__dict__.pop("addSubTest", None))
        self._start_unittest_errors()
        for reset in self.resets:
            reset()

    def _start_capture(self, config):
        capture = config.pluginmanager.getplugin("capturemanager")
        multi = getattr(capture, "_global_capturing", None)
        for part in (getattr(multi, "out", None), getattr(multi, "err", None)):
            buffer = getattr(getattr(part, "tmpfile", None), "buffer", None)
            if buffer is None:
                continue
            try:
                mark = buffer.tell()
            except (OSError, ValueError):
                continue

            def reset_capture(buffer=buffer, mark=mark):
                try:
                    buffer.seek(mark)
                    buffer.truncate()
                except (OSError, ValueError):
                    pass
            self.resets.append(reset_capture)

    def _start_logs(self):
        kind = _refs.get("log_handler")
        if kind is None:
            return
        for handler in [h for h in _refs["root_logger"].handlers if isinstance(h, kind)]:
            saved_records = list(handler.records)
            saved_text = handler.stream.getvalue()

            def reset_logs(handler=handler):
                del handler.records[:]
                handler.stream.seek(0)
                handler.stream.truncate()

            def restore_logs(handler=handler, saved_records=saved_records, saved_text=saved_text):
                handler.records[:] = saved_records
                handler.stream.seek(0)
                handler.stream.truncate()
                handler.stream.write(saved_text)
            self.resets.append(reset_logs)
            self.restores.append(restore_logs)

    def _start_unittest_errors(self):
        item = self.item
        if not hasattr(type(item), "addSubTest") and not hasattr(item, "_testcase") and \
                not hasattr(item, "instance"):
            return
        had = "_excinfo" in item.__dict__
        saved = list(item.__dict__.get("_excinfo") or [])
        skip = _refs["skip"]

        def reset_errors():
            current = item.__dict__.get("_excinfo")
            if current:
                if any(not isinstance(info.value, skip) for info in current[len(saved):]):
                    self.sub_test_failed = True
                del current[len(saved):]
            if not had:
                item.__dict__.pop("_excinfo", None)
        self.resets.append(reset_errors)

    def _sub_test(self, test_case, test, exc_info):
        if exc_info is not None:
            value = exc_info[1] if isinstance(exc_info, tuple) else getattr(exc_info, "value", None)
            if not isinstance(value, _refs["skip"]):
                self.sub_test_failed = True

    def _refresh(self):
        item = self.item
        state = item.session._setupstate
        state.teardown_exact(item.parent)
        item._initrequest()
        state.setup(item)
        restore = getattr(self, "restore_stash", None)
        if restore is not None:
            restore()
        for finalizers, mark in self.finalizer_marks:
            del finalizers[mark:]

    def call(self):
        if self.refresh:
            self._refresh()
        try:
            self.item.runtest()
        finally:
            for reset in self.resets:
                reset()
        if self.sub_test_failed:
            self.sub_test_failed = False
            raise RepeatFailed("a sub-test failed when repeated")

    def finish(self):
        for restore in self.restores:
            try:
                restore()
            except Exception:
                pass
        self.resets.clear()
        self.restores.clear()
