# Deep recursion: 900 frames on the stack while the work happens at the bottom.
import sys


def descend(depth):
    if depth == 0:
        total = 0
        for i in range(3_000_000):
            total += i % 7
        return total
    return descend(depth - 1)


sys.setrecursionlimit(2000)
descend(900)
