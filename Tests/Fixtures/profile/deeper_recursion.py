# A recursion 3000 frames deep, deeper than the 1024 frames a sample keeps: the sample keeps the innermost
# frames and the outermost ones, so <module> and main() are still under every sample.
import sys


def descend(depth):
    if depth == 0:
        total = 0
        for i in range(6_000_000):
            total += i % 7
        return total
    return descend(depth - 1)


def main():
    return descend(3000)


sys.setrecursionlimit(5000)
main()
