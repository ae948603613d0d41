import functools

class Service:
    @functools.lru_cache(maxsize=None)
    def lookup(self, key):
        return {"key": key}

SERVICE = Service()
_n = [0]

def run():
    _n[0] += 1
    SERVICE.lookup(_n[0])
