_table = None

def run():
    global _table
    if _table is None:
        _table = {i: str(i) for i in range(10000)}
    return _table[5]
