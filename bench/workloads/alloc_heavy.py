"""Allocation-heavy: many small objects, dicts and lists created and dropped, some cycles for the gc."""
class Node:
    __slots__ = ("value", "children", "parent")

    def __init__(self, value, parent=None):
        self.value = value
        self.children = []
        self.parent = parent


total = 0
for round_ in range(120):
    root = Node(0)
    for i in range(5_000):
        child = Node(i, root)
        root.children.append(child)
        child.children.append({"k": i, "v": [i, i + 1]})
    total += len(root.children)
print(total)
