# One thread alternating two functions that do 7 and 3 units of the same work: by construction, `seven`
# takes 0.70 of the samples and `three` 0.30.
import sys


def unit():
    total = 0
    for i in range(20000):
        total += i * i
    return total


def seven():
    for _ in range(7):
        unit()


def three():
    for _ in range(3):
        unit()


rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
for _ in range(rounds):
    seven()
    three()
