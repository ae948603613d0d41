class Item:
    def __init__(self, n):
        self.n = n

ITEMS = []

def run():
    ITEMS.append(Item(len(ITEMS)))
