"""One thread alternating two functions that do 7 and 3 units of the same work: work_a 0.70, work_b 0.30."""
from common import rounds, unit


def work_a():
    for _ in range(7):
        unit()


def work_b():
    for _ in range(3):
        unit()


def main():
    for _ in range(rounds(60)):
        work_a()
        work_b()


main()
