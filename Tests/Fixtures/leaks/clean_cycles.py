class Node:
    def __init__(self):
        self.other = None

def run():
    a, b = Node(), Node()
    a.other, b.other = b, a
