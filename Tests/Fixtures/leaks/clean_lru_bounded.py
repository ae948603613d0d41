import functools

@functools.lru_cache(maxsize=64)
def square(n):
    return {"n": n, "sq": n * n}

_n = [0]

def run():
    _n[0] += 1
    square(_n[0] % 60)
