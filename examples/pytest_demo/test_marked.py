"""Marker use without --leaks: only the marked test is checked."""
import pytest

import app


@pytest.mark.no_leaks
def test_marked_leak():
    app.remember("marked")


def test_unmarked_leak():
    app.remember("unmarked")
