# Grows without making objects: two cached small ints per call (the list's array is reallocated in place).
SEEN = []


def run():
    SEEN.append(1)
    SEEN.append(2)
