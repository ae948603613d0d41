"""A service that computes until it is stopped: crunch() is nearly all of its CPU time."""
import sys


def crunch(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


print("serving", flush=True)
while True:
    crunch(100_000)
    sys.stdout.flush()
