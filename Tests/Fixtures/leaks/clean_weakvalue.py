import weakref

class Thing:
    pass

CACHE = weakref.WeakValueDictionary()
_n = [0]

def run():
    _n[0] += 1
    thing = Thing()
    CACHE[_n[0]] = thing
    return CACHE.get(_n[0])
