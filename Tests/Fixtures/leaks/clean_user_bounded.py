# A hand-written bounded cache (OrderedDict with a maxsize attribute), filled slowly.
import collections


class BoundedCache:
    def __init__(self, maxsize):
        self.maxsize = maxsize
        self.data = collections.OrderedDict()

    def put(self, key, value):
        self.data[key] = value
        if len(self.data) > self.maxsize:
            self.data.popitem(last=False)

    def __len__(self):
        return len(self.data)


CACHE = BoundedCache(300)
_n = [0]


def run():
    _n[0] += 1
    CACHE.put(_n[0], [_n[0]] * 3)
