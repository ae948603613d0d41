# Leaks one object every 25th call only.
HISTORY = []
_count = [0]


class Snapshot:
    def __init__(self, n):
        self.n = n
        self.payload = bytearray(256)


def run():
    _count[0] += 1
    if _count[0] % 25 == 0:
        HISTORY.append(Snapshot(_count[0]))
