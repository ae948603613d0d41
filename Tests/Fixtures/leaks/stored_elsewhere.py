# The object is made in one function and stored into its holder by another.
class Record:
    def __init__(self, n):
        self.n = n
        self.blob = bytearray(128)


def make(n):
    return Record(n)


class Store:
    def __init__(self):
        self.items = []

    def keep(self, item):
        self.items.append(item)


STORE = Store()


def run():
    record = make(1)
    STORE.keep(record)
