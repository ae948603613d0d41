"""The unit of work every profile_bench program is built from: the same pure-Python loop, so N units take N times
as long whoever runs them. PYI_BENCH_SCALE (default 1.0) scales the number of rounds."""
import os

SCALE = float(os.environ.get("PYI_BENCH_SCALE", "1.0"))


def unit():
    total = 0
    for i in range(20_000):
        total += i * i
    return total


def rounds(base):
    return max(1, int(base * SCALE))
