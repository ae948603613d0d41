"""A small application with a few leaks, for the pytest plugin demo."""
import functools
import logging

_seen = []                                  # grows for ever: a leak
log = logging.getLogger("demo.app")


def remember(item):
    _seen.append({"item": item, "tags": ["a", "b"]})
    return len(_seen)


def handle_request(user):
    handler = logging.StreamHandler()       # a handler added per call: a leak
    log.addHandler(handler)
    return f"hello {user}"


def open_report(path):
    stream = open(path)                     # a file opened and kept: a leak
    _open_files.append(stream)
    return stream.readline()


_open_files = []


@functools.lru_cache(maxsize=64)
def square(n):                              # bounded: fills up, then stays flat
    return n * n


def churn():
    data = [str(i) * 3 for i in range(2000)]  # allocated and freed: not a leak
    return len(data)


def read_closed(path):
    with open(path) as stream:              # closed: not a leak
        return stream.readline()
