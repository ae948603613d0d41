# A "maxsize" attribute that nothing enforces: a leak, not a bounded cache (the hunt calls past the bound).
class Recorder:
    def __init__(self):
        self.maxsize = 200  # declared, never enforced
        self.items = []

    def add(self, item):
        self.items.append(item)

    def __len__(self):
        return len(self.items)


REC = Recorder()


def run():
    REC.add({"payload": [1, 2, 3]})
