# Bounded: an lru_cache of 256 entries filled slowly, a new key per call. Fills, then evicts.
import functools

_n = [0]


@functools.lru_cache(maxsize=256)
def render(key):
    return {"key": key, "text": "item %d" % key}


def run():
    _n[0] += 1
    render(_n[0])
