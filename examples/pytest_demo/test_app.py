"""Tests of app.py: under `pyinspect test --leaks` exactly the leaking ones fail; under plain pytest all pass."""
import itertools

import pytest

import app

_counter = itertools.count()


def test_remember_keeps_everything():
    assert app.remember("x") >= 1


def test_handler_added_per_request():
    assert app.handle_request("ada") == "hello ada"


def test_report_files_stay_open(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("first line\n")
    assert app.open_report(str(path)) == "first line\n"


def test_bounded_cache_is_clean():
    n = next(_counter) % 200
    assert app.square(n) == n * n


def test_churn_is_clean():
    assert app.churn() == 2000


def test_closed_files_are_clean(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("x\n")
    assert app.read_closed(str(path)) == "x\n"


@pytest.mark.leaks_ok
def test_known_leak_opted_out():
    app.remember("opted out")
