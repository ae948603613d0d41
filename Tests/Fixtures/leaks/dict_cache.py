_cache = {}
_counter = [0]

def run():
    _counter[0] += 1
    key = f"user-{_counter[0]}"
    _cache[key] = {"name": key, "age": _counter[0], "city": "Paris"}
