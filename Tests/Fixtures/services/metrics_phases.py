"""A target for `run --metrics` (MetricsTests): prints "ready", then waits for files the test creates.

<dir>/go:   start 3 threads that park on an event, allocate and collect every generation; print "phase 2".
<dir>/stop: release the threads and end (exit 0). SIGINT (Ctrl-C) ends it as usual (KeyboardInterrupt).
"""
import gc
import os
import sys
import threading
import time

directory = sys.argv[1]
release = threading.Event()
kept = []


def wait_for(name):
    path = os.path.join(directory, name)
    while not os.path.exists(path):
        time.sleep(0.02)


print("ready", flush=True)
wait_for("go")
threads = [threading.Thread(target=release.wait, name=f"parked-{n}") for n in range(3)]
for thread in threads:
    thread.start()
for _ in range(5):
    kept.append([{"n": n} for n in range(20000)])
    gc.collect()
print("phase 2", flush=True)
wait_for("stop")
release.set()
for thread in threads:
    thread.join()
print("done", flush=True)
