"""A real leak, and one found while the test has `sys.implementation` patched: each is that test's failure."""
import sys

import holder


def test_real_leak():
    assert holder.remember("x") >= 1


def test_leak_while_sys_patched(monkeypatch):
    monkeypatch.setattr(sys, "implementation", object())
    assert holder.remember("y") >= 1
