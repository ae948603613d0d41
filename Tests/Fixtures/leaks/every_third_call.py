KEPT = []
_calls = [0]

def run():
    _calls[0] += 1
    if _calls[0] % 3 == 0:
        KEPT.append(bytearray(64))
