"""Append-only JSON-lines capture file shared by every instrument of one run."""
import os
import time

from . import fastjson

_path = None
_start_monotonic = time.monotonic()


def open_capture(path):
    global _path
    _path = path


def seconds_since_start():
    return time.monotonic() - _start_monotonic


def write(record):
    """Append one record. Opens by path each time: the target may close or reuse any descriptor."""
    if _path is None:
        return
    line = fastjson.dumps(record) + "\n"
    fd = os.open(_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("ascii"))
    finally:
        os.close(fd)
