"""A service with a heap of about 700 000 objects and a thread that keeps running; each time the file named by
argv[1] appears it keeps 5000 more records (dicts of str and int), removes the file and says so."""
import os
import sys
import threading
import time

flag = sys.argv[1]
RECORDS = [{"id": n + 1000, "name": f"user-{n}"} for n in range(220_000)]
GROWN = []
ticks = [0]


def ticker():
    while True:
        ticks[0] += 1
        time.sleep(0.001)


threading.Thread(target=ticker, name="ticker", daemon=True).start()
print("ready", flush=True)
rounds = 0
while True:
    if os.path.exists(flag):
        GROWN.extend({"id": n + 10**6, "name": f"grown-{rounds}-{n}"} for n in range(5000))  # GROWS
        os.remove(flag)
        rounds += 1
        print(f"grown {rounds}", flush=True)
    time.sleep(0.01)
