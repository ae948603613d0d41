# Bounded: a deque(maxlen=400) filled with one record per call.
import collections

RECENT = collections.deque(maxlen=400)
_n = [0]


def run():
    _n[0] += 1
    RECENT.append({"call": _n[0], "data": [_n[0]] * 4})
