# Lazy initialisation on the 7th call: a table built once, then reused.
_TABLE = {}
_n = [0]


def run():
    _n[0] += 1
    if _n[0] >= 7 and not _TABLE:
        _TABLE.update((i, str(i)) for i in range(500))
    return _TABLE.get(_n[0] % 500)
