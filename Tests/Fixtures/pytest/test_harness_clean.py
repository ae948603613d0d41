"""Clean tests whose harness state grows per call (pytest's, not theirs): none may be flagged by --leaks."""
import logging
import sys
import threading
import unittest
import warnings

import pytest

log = logging.getLogger("fixture.clean")


class Settings:
    level = 1


class TestWithSubTests(unittest.TestCase):
    def test_sub_tests(self):
        # pytest >= 9 reports every sub-test; a report per repeat would pile up in the terminal's statistics.
        for number in range(5):
            with self.subTest(number=number):
                self.assertEqual(number * 2, number + number)


def test_monkeypatch_setattr(monkeypatch):
    # monkeypatch's undo list gains an entry per setattr: fresh per repeat.
    monkeypatch.setattr(Settings, "level", 2)
    monkeypatch.setenv("FIXTURE_LEVEL", "2")
    assert Settings.level == 2


def test_caplog_records(caplog):
    log.warning("one record per call")
    assert len(caplog.records) == 1


def test_thread_started_and_joined():
    results = []
    worker = threading.Thread(target=results.append, args=(1,))
    worker.start()
    worker.join()
    assert results == [1]


def test_patches_sys_implementation(monkeypatch):
    # The plugin measures while this patch is in effect: it must import nothing then.
    monkeypatch.setattr(sys, "implementation", object())
    assert not hasattr(sys.implementation, "name")


def test_tmp_path_and_output(tmp_path, capsys, record_property):
    (tmp_path / "made").mkdir()          # fails if tmp_path were reused between repeats
    print("printed each call")
    record_property("calls", 1)
    assert capsys.readouterr().out == "printed each call\n"


def test_warning_recorded():
    with pytest.warns(UserWarning):
        warnings.warn("expected", UserWarning)
