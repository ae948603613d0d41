"""A service-shaped target with a heap of about a million objects and a ticker thread that measures how long
it was kept from running (the pause a checkpoint costs the service, seen from inside).

Reads commands on stdin, one a line: `reset` clears the longest gap, `report` prints it in ms. Prints `ready N`
once the heap is built (N: gc-tracked objects) and exits at end of input.
"""
import gc
import sys
import threading
import time

OBJECTS = int(sys.argv[1]) if len(sys.argv) > 1 else 330_000


class Session:
    def __init__(self, number):
        self.number = number
        self.tags = ("a", number)


# Small dicts of str and int (untracked by the gc, found through their holders), plus tracked instances.
RECORDS = [{"id": n + 1000, "name": f"user-{n}"} for n in range(OBJECTS)]
SESSIONS = [Session(n) for n in range(OBJECTS // 10)]
gc.collect()

longest = [0.0]


def ticker():
    last = time.perf_counter()
    while True:
        time.sleep(0.0005)
        now = time.perf_counter()
        longest[0] = max(longest[0], now - last)
        last = now


threading.Thread(target=ticker, name="ticker", daemon=True).start()
print(f"ready {len(gc.get_objects())}", flush=True)
for line in sys.stdin:
    command = line.strip()
    if command == "reset":
        longest[0] = 0.0
        print("reset", flush=True)
    elif command == "report":
        print(f"gap_ms {longest[0] * 1000:.2f}", flush=True)
