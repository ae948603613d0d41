import collections

RECENT = collections.deque(maxlen=50)
_n = [0]

def run():
    _n[0] += 1
    RECENT.append({"n": _n[0]})
