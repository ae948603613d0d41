"""Lock-heavy: queue put/get and a program-made threading.Lock, 200k times; prints the loop's seconds on stderr."""
import queue, sys, threading, time
q = queue.Queue()
lock = threading.Lock()
began = time.perf_counter()
for i in range(200_000):
    q.put(i)
    q.get()
    with lock:
        pass
print(f"{time.perf_counter() - began:.3f}", file=sys.stderr)
